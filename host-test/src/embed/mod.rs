//! Runs the HubSpot component in wasmtime 48 the way a production host would.
//!
//! A [`Host`] compiles the component once (through wasmtime's on-disk compile
//! cache), links WASI 0.2 and `wasi:http`, and pre-instantiates it. Each call gets a
//! fresh `Store` and instance; a [`Session`] keeps one instance for several calls.
//!
//! What the guest may use:
//! - Outbound HTTP only to the scheme, host and port of its setup's base URL
//!   (default `https://api.hubapi.com`). Any other request fails with
//!   `HTTP-request-denied` before a connection is opened.
//! - No environment variables, arguments, preopened directories or sockets, and
//!   an empty stdin. Stdout is discarded.
//! - Stderr is captured in memory (the first 64 KiB of each store). It is printed
//!   to the host's stderr when the host is verbose, and attached to the error when
//!   a call traps.
//! - Clocks and random numbers, as WASI provides them.
//!
//! Outbound connections are HTTP/1.1 and kept alive in a pool shared by all stores
//! of one `Host`, so consecutive calls reuse connections.

mod outbound;
mod stderr;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

pub use outbound::{AllowedOrigin, ConnectionStats};

use outbound::{ConnectionPool, OutboundHooks};
use stderr::CapturedStderr;

/// Generated bindings of the `connector:hubspot/hubspot` world in `wit/`.
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "hubspot",
        exports: { default: async },
        additional_derives: [PartialEq],
    });
}

/// The WIT types of the component: the setup, the error variant, and each task's
/// input and output records.
pub mod types {
    pub use super::bindings::exports::connector::hubspot::tasks::{
        AllObjectType, AssociationObjectType, CreateCompanyInput, CreateCompanyOutput, CreateContactInput,
        CreateContactOutput, CreateDealInput, CreateDealOutput, CreateTicketInput, CreateTicketOutput,
        GetAllInput, GetCompanyInput, GetCompanyOutput, GetContactInput, GetContactOutput, GetDealInput,
        GetDealOutput, GetOwnerInput, GetOwnerOutput, GetThreadInput, GetThreadOutput, GetTicketInput,
        GetTicketOutput, IdType, InsertMessageInput, InsertMessageOutput, Message, ObjectIdsOutput, Recipient,
        RetrieveAssociationInput, Sender, Team, UpdateDealInput, UpdateDealOutput, UpdateTicketInput,
        UpdateTicketOutput,
    };
    pub use super::bindings::exports::connector::hubspot::types::{
        ApiError, ConflictError, DeliveryError, Error, ForbiddenError, InputError, PartialWriteError,
        PropertyRead, PropertyValue, RateLimitError, ResponseError, Setup, TransportError, TransportKind,
        WriteState,
    };
}

pub use types::{Error, Setup};

/// The typed exports of the `tasks` interface: `call_get_contact` and so on.
pub type Tasks = bindings::exports::connector::hubspot::tasks::Guest;

/// The component built by `build.rs` from the workspace's guest crate.
pub const COMPONENT: &[u8] = include_bytes!(env!("HUBSPOT_COMPONENT_WASM"));

/// Base URL used when a setup leaves `base-url` unset.
pub const DEFAULT_BASE_URL: &str = "https://api.hubapi.com";

/// Bytes of guest stderr kept per store.
const STDERR_CAPTURE_LIMIT: usize = 64 * 1024;

/// Environment variable that sets the compile cache directory, or disables the
/// cache with the value `off`.
pub const CACHE_DIR_VARIABLE: &str = "HUBSPOT_WASMTIME_CACHE";

/// Returns a setup with `token` and `base_url`, every other field unset (the
/// component's defaults).
pub fn setup(token: &str, base_url: &str) -> Setup {
    Setup {
        token: token.to_string(),
        base_url: Some(base_url.to_string()),
        max_attempts: None,
        max_retry_wait_ms: None,
        connect_timeout_ms: None,
        first_byte_timeout_ms: None,
        between_bytes_timeout_ms: None,
        max_response_bytes: None,
        max_pages: None,
    }
}

/// A compiled, linked and pre-instantiated component. Cloning is cheap and clones
/// share the compiled code and the connection pool.
#[derive(Clone)]
pub struct Host {
    inner: Arc<HostInner>,
    verbose: bool,
}

struct HostInner {
    engine: Engine,
    pre: bindings::HubspotPre<StoreState>,
    component: Component,
    pool: Arc<ConnectionPool>,
    cache_dir: Option<PathBuf>,
}

impl Host {
    /// Compiles `component_bytes` (or loads it from the compile cache), links WASI
    /// and `wasi:http`, and pre-instantiates it.
    pub fn new(component_bytes: &[u8]) -> anyhow::Result<Host> {
        let (engine, cache_dir) = new_engine()?;
        let component = with_message(Component::new(&engine, component_bytes), "failed to compile the component")?;
        Host::link(engine, component, cache_dir)
    }

    /// Like [`Host::new`], with wasmtime's pooling allocator: linear memories and
    /// fiber stacks for up to `max_instances` live instances are reserved once and
    /// reused, so creating and dropping a store maps and unmaps no memory. This
    /// suits hosts that instantiate per request. An instance whose guest memory
    /// would exceed [`POOLED_MAX_MEMORY_BYTES`] fails to grow, and more than
    /// `max_instances` live at once fail to instantiate.
    pub fn new_pooled(component_bytes: &[u8], max_instances: u32) -> anyhow::Result<Host> {
        let (engine, cache_dir) = new_engine_with(Some(max_instances))?;
        let component = with_message(Component::new(&engine, component_bytes), "failed to compile the component")?;
        Host::link(engine, component, cache_dir)
    }

    /// Returns a host for the component embedded at build time ([`COMPONENT`]).
    pub fn embedded() -> anyhow::Result<Host> {
        Host::new(COMPONENT)
    }

    /// Returns a host for a component serialized by [`Host::serialize_component`]
    /// (or `host.engine().precompile_component(bytes)`) in this same build of the
    /// crate.
    ///
    /// The bytes are loaded as native code without validation (wasmtime's
    /// `Component::deserialize` is `unsafe` for that reason), so pass only output
    /// of `precompile_component` that has not been modified since. Wasmtime
    /// checks the version and engine settings recorded in the bytes and returns an
    /// error when they do not match.
    pub fn from_precompiled(serialized: &[u8]) -> anyhow::Result<Host> {
        let (engine, cache_dir) = new_engine()?;
        // SAFETY: the caller passes the output of `precompile_component`, as the
        // documentation above requires; wasmtime checks its version and settings.
        let component = with_message(
            unsafe { Component::deserialize(&engine, serialized) },
            "failed to load the precompiled component",
        )?;
        Host::link(engine, component, cache_dir)
    }

    fn link(engine: Engine, component: Component, cache_dir: Option<PathBuf>) -> anyhow::Result<Host> {
        let mut linker = Linker::<StoreState>::new(&engine);
        with_message(wasmtime_wasi::p2::add_to_linker_async(&mut linker), "failed to link WASI")?;
        with_message(
            wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker),
            "failed to link wasi:http",
        )?;
        let instance_pre = with_message(
            linker.instantiate_pre(&component),
            "the component's imports cannot be satisfied by WASI 0.2 and wasi:http",
        )?;
        let pre = with_message(
            bindings::HubspotPre::new(instance_pre),
            "the component does not export the connector:hubspot/hubspot world",
        )?;
        Ok(Host {
            inner: Arc::new(HostInner {
                engine,
                pre,
                component,
                pool: Arc::new(ConnectionPool::new()),
                cache_dir,
            }),
            verbose: false,
        })
    }

    /// Returns this host with logging to stderr switched on or off: each outbound
    /// request (method, origin, path, status, whether the connection was reused),
    /// each denied request, each failure, and the guest's stderr after each call.
    /// Headers, and so the token, are never logged.
    pub fn with_verbose(mut self, verbose: bool) -> Host {
        self.verbose = verbose;
        self
    }

    /// Returns the engine, for `precompile_component` or inspection.
    pub fn engine(&self) -> &wasmtime::Engine {
        &self.inner.engine
    }

    /// Serializes the compiled component, for [`Host::from_precompiled`]. Unlike
    /// `precompile_component`, this compiles nothing.
    pub fn serialize_component(&self) -> anyhow::Result<Vec<u8>> {
        with_message(self.inner.component.serialize(), "failed to serialize the component")
    }

    /// Returns the directory of wasmtime's compile cache, or `None` when the cache
    /// is off.
    pub fn compile_cache_dir(&self) -> Option<&std::path::Path> {
        self.inner.cache_dir.as_deref()
    }

    /// Returns the counters of the shared connection pool.
    pub fn connection_stats(&self) -> ConnectionStats {
        self.inner.pool.stats()
    }

    /// Runs one task through the component's JSON entry point (`execute`) on a fresh
    /// instance. `task` is a task ID (`TASK_GET_CONTACT`) or a function name
    /// (`get-contact`). The outer error is a trap or host failure; the inner one is
    /// the task's error.
    pub async fn execute(&self, setup: &Setup, task: &str, input: &str) -> anyhow::Result<Result<String, Error>> {
        self.session(setup).await?.execute(task, input).await
    }

    /// Creates a store and an instance that run every call with `setup`.
    pub async fn session(&self, setup: &Setup) -> anyhow::Result<Session> {
        let mut store = self.new_store(setup);
        let bindings = with_message(
            self.inner.pre.instantiate_async(&mut store).await,
            "failed to instantiate the component",
        )?;
        Ok(Session {
            store,
            bindings,
            setup: setup.clone(),
            verbose: self.verbose,
        })
    }

    fn new_store(&self, setup: &Setup) -> Store<StoreState> {
        let stderr = CapturedStderr::new(STDERR_CAPTURE_LIMIT);
        // The builder's defaults already give no environment, no arguments, no
        // preopened directories and an empty stdin. The socket settings are spelled
        // out so that they stay off if those defaults change.
        let wasi = WasiCtxBuilder::new()
            .stderr(stderr.clone())
            .allow_ip_name_lookup(false)
            .allow_tcp(false)
            .allow_udp(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .build();
        let base_url = setup.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let state = StoreState {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: OutboundHooks {
                allowed: AllowedOrigin::from_base_url(base_url),
                pool: Arc::clone(&self.inner.pool),
                verbose: self.verbose,
            },
            memory: MemoryTracker::default(),
            stderr,
        };
        let mut store = Store::new(&self.inner.engine, state);
        store.limiter(|state| &mut state.memory);
        store
    }
}

/// One store and instance of the component, with the setup every call uses.
///
/// A trap leaves the instance unusable: later calls fail with an error.
pub struct Session {
    store: Store<StoreState>,
    bindings: bindings::Hubspot,
    setup: Setup,
    verbose: bool,
}

impl Session {
    /// Runs one task through `execute`, as [`Host::execute`] does, on this instance.
    pub async fn execute(&mut self, task: &str, input: &str) -> anyhow::Result<Result<String, Error>> {
        let result = self
            .bindings
            .connector_hubspot_tasks()
            .call_execute(&mut self.store, &self.setup, task, input)
            .await;
        self.finish_call(result)
    }

    /// Largest size, in bytes, that the guest's linear memory has had so far.
    pub fn peak_memory_bytes(&self) -> usize {
        self.store.data().memory.peak_bytes
    }

    /// Text the guest wrote to stderr and that was not printed yet (only the first
    /// 64 KiB are kept).
    pub fn guest_stderr(&self) -> String {
        self.store.data().stderr.contents()
    }

    /// Returns the setup that every call of this session passes.
    pub fn setup(&self) -> &Setup {
        &self.setup
    }

    /// Returns the typed exports, the store and the setup, for calls that the typed
    /// methods do not cover: `let (tasks, store, setup) = session.parts();` then
    /// `tasks.call_get_contact(store, setup, &input).await`.
    pub fn parts(&mut self) -> (&Tasks, &mut Store<StoreState>, &Setup) {
        (self.bindings.connector_hubspot_tasks(), &mut self.store, &self.setup)
    }

    /// Converts wasmtime's error, attaches the guest's stderr to a trap, and prints
    /// the stderr when verbose.
    fn finish_call<T>(&mut self, result: wasmtime::Result<T>) -> anyhow::Result<T> {
        let stderr = self.store.data().stderr.take();
        if self.verbose && !stderr.is_empty() {
            eprintln!("[guest stderr] {}", stderr.trim_end());
        }
        match result {
            Ok(value) => Ok(value),
            Err(error) => {
                let error = anyhow::Error::from(error);
                if stderr.is_empty() {
                    Err(error.context("the component trapped"))
                } else {
                    Err(error.context(format!("the component trapped; its stderr: {}", stderr.trim_end())))
                }
            }
        }
    }
}

/// Declares one typed method per task on [`Session`] (using the session's
/// setup) and on [`Host`] (on a fresh instance). Every method takes its input by
/// reference; `by_value` marks the inputs that the generated binding takes by
/// value because they are `Copy`.
macro_rules! typed_tasks {
    ($($(#[$doc:meta])* $name:ident => $call:ident($input:ident $(, $by_value:ident)?) -> $output:ident;)*) => {
        impl Session {
            $(
                $(#[$doc])*
                pub async fn $name(&mut self, input: &types::$input) -> anyhow::Result<Result<types::$output, Error>> {
                    let result = self
                        .bindings
                        .connector_hubspot_tasks()
                        .$call(&mut self.store, &self.setup, typed_tasks!(@argument input $($by_value)?))
                        .await;
                    self.finish_call(result)
                }
            )*
        }

        impl Host {
            $(
                $(#[$doc])*
                pub async fn $name(&self, setup: &Setup, input: &types::$input) -> anyhow::Result<Result<types::$output, Error>> {
                    self.session(setup).await?.$name(input).await
                }
            )*
        }
    };
    (@argument $input:ident by_value) => { *$input };
    (@argument $input:ident) => { $input };
}

typed_tasks! {
    /// Calls `get-contact`.
    get_contact => call_get_contact(GetContactInput) -> GetContactOutput;
    /// Calls `create-contact`.
    create_contact => call_create_contact(CreateContactInput) -> CreateContactOutput;
    /// Calls `get-deal`.
    get_deal => call_get_deal(GetDealInput) -> GetDealOutput;
    /// Calls `create-deal`.
    create_deal => call_create_deal(CreateDealInput) -> CreateDealOutput;
    /// Calls `update-deal`.
    update_deal => call_update_deal(UpdateDealInput) -> UpdateDealOutput;
    /// Calls `get-company`.
    get_company => call_get_company(GetCompanyInput) -> GetCompanyOutput;
    /// Calls `create-company`.
    create_company => call_create_company(CreateCompanyInput) -> CreateCompanyOutput;
    /// Calls `get-ticket`.
    get_ticket => call_get_ticket(GetTicketInput) -> GetTicketOutput;
    /// Calls `create-ticket`.
    create_ticket => call_create_ticket(CreateTicketInput) -> CreateTicketOutput;
    /// Calls `update-ticket`.
    update_ticket => call_update_ticket(UpdateTicketInput) -> UpdateTicketOutput;
    /// Calls `get-thread`.
    get_thread => call_get_thread(GetThreadInput) -> GetThreadOutput;
    /// Calls `insert-message`.
    insert_message => call_insert_message(InsertMessageInput) -> InsertMessageOutput;
    /// Calls `retrieve-association`.
    retrieve_association => call_retrieve_association(RetrieveAssociationInput) -> ObjectIdsOutput;
    /// Calls `get-owner`.
    get_owner => call_get_owner(GetOwnerInput) -> GetOwnerOutput;
    /// Calls `get-all`.
    get_all => call_get_all(GetAllInput, by_value) -> ObjectIdsOutput;
}

/// The data of each store: WASI and `wasi:http` state, the outbound policy, the
/// memory tracker and the captured stderr.
pub struct StoreState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: OutboundHooks,
    memory: MemoryTracker,
    stderr: CapturedStderr,
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for StoreState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// Records the largest linear memory size the guest requests; allows every growth.
#[derive(Default)]
struct MemoryTracker {
    peak_bytes: usize,
}

impl wasmtime::ResourceLimiter for MemoryTracker {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.peak_bytes = self.peak_bytes.max(desired);
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, _desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

/// Largest guest linear memory under the pooling allocator. With the default
/// 8 MiB response cap the guest peaked near 31 MiB while rejecting a 64 MiB body.
pub const POOLED_MAX_MEMORY_BYTES: usize = 256 * 1024 * 1024;

/// Creates the engine, with wasmtime's compile cache when it can be set up.
fn new_engine() -> anyhow::Result<(Engine, Option<PathBuf>)> {
    new_engine_with(None)
}

/// Creates the engine; `pooled` sets the pooling allocator for that many live
/// instances.
fn new_engine_with(pooled: Option<u32>) -> anyhow::Result<(Engine, Option<PathBuf>)> {
    let mut config = Config::new();
    if let Some(max_instances) = pooled {
        // The component instantiates a handful of core modules (the guest and
        // its WASI adapter shims), hence the multipliers.
        let mut pool = wasmtime::PoolingAllocationConfig::default();
        pool.total_component_instances(max_instances)
            .total_core_instances(max_instances.saturating_mul(8))
            .total_memories(max_instances.saturating_mul(2))
            .total_tables(max_instances.saturating_mul(8))
            .total_stacks(max_instances)
            .max_memory_size(POOLED_MAX_MEMORY_BYTES);
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        config.memory_reservation(POOLED_MAX_MEMORY_BYTES as u64);
    }
    let cache_dir = match compile_cache() {
        Ok(Some((cache, dir))) => {
            config.cache(Some(cache));
            Some(dir)
        }
        Ok(None) => None,
        Err(error) => {
            eprintln!("warning: wasmtime compile cache disabled, every run compiles the component: {error:#}");
            None
        }
    };
    let engine = with_message(Engine::new(&config), "failed to create the wasmtime engine")?;
    Ok((engine, cache_dir))
}

/// Returns the cache in `$HUBSPOT_WASMTIME_CACHE`, else in the workspace's
/// `target/wasmtime-cache` (the path is fixed at build time), or `None` when the
/// variable is `off`.
fn compile_cache() -> anyhow::Result<Option<(wasmtime::Cache, PathBuf)>> {
    let dir = match std::env::var_os(CACHE_DIR_VARIABLE) {
        Some(value) if value == "off" => return Ok(None),
        Some(value) if !value.is_empty() => PathBuf::from(value),
        _ => PathBuf::from(env!("HUBSPOT_WASMTIME_CACHE_DIR")),
    };
    let dir = std::path::absolute(&dir).with_context(|| format!("invalid cache directory {}", dir.display()))?;
    std::fs::create_dir_all(&dir).with_context(|| format!("failed to create {}", dir.display()))?;
    let mut config = wasmtime::CacheConfig::new();
    config.with_directory(&dir);
    let cache = with_message(wasmtime::Cache::new(config), &format!("invalid cache directory {}", dir.display()))?;
    Ok(Some((cache, dir)))
}

/// Converts wasmtime's error type to `anyhow::Error` and adds `message` as context.
fn with_message<T>(result: wasmtime::Result<T>, message: &str) -> anyhow::Result<T> {
    result.map_err(anyhow::Error::from).context(message.to_string())
}
