//! An in-memory, stateful HubSpot-compatible HTTP/1.1 server on loopback.
//!
//! Tests, the `hubspot demo` and `hubspot sandbox` commands and the benchmarks point the
//! component at it instead of `https://api.hubapi.com`. It serves the routes the component uses
//! with HubSpot's paths, status codes, JSON shapes, error bodies and paging:
//!
//! | Routes | Module |
//! |---|---|
//! | `/crm/v3/objects/{contacts,companies,deals,tickets,0-1,0-2,0-3,0-5}[/{id}\|/search]` | [`crm`] |
//! | `/crm/v4/objects/{from}/{id}/associations/...`, `/crm/v3|v4/associations/{from}/{to}/batch/...` | [`associations`] |
//! | `/crm/v3/owners[/{id}]` | [`owners`] |
//! | `/conversations/v3/conversations/threads[/{id}[/messages]]` | [`conversations`] |
//!
//! Every request needs `Authorization: Bearer <token>`. Every request is recorded with its raw
//! request line ([`Sandbox::requests`]), and faults can be injected per route ([`Fault`]).
//!
//! ```no_run
//! use host_test::sandbox::{Fault, Sandbox};
//! let sandbox = Sandbox::start().unwrap();
//! sandbox.inject(Fault::rate_limit_ten_secondly(Some(1)).on("GET", "/crm/v3/objects/deals/").times(1));
//! println!("{} {}", sandbox.base_url(), sandbox.token());
//! ```

pub mod associations;
pub mod conversations;
pub mod crm;
pub mod faults;
pub mod owners;
pub mod seed;
mod server;
pub mod store;
pub mod wire;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context as _;

pub use faults::Fault;
pub use store::{
    Agent, AssociationType, CrmObject, Message, ObjectType, Owner, PropertyKind, Store, Team,
    Thread,
};

/// The token the sandbox accepts unless [`SandboxOptions::token`] sets another.
pub const DEFAULT_TOKEN: &str = "pat-sandbox-0000-0000-0000-000000000000";

/// Settings for [`Sandbox::start_with`].
#[derive(Clone, Debug)]
pub struct SandboxOptions {
    /// Port on 127.0.0.1; 0 lets the OS pick a free one.
    pub port: u16,
    /// The bearer token every request must carry.
    pub token: String,
    /// Load the demo data documented in [`seed`].
    pub seed: bool,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions { port: 0, token: DEFAULT_TOKEN.to_string(), seed: true }
    }
}

/// A list route whose page size [`Sandbox::set_page_size`] can cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PagedRoute {
    /// `GET /crm/v3/objects/{type}`.
    CrmList,
    /// `POST /crm/v3/objects/{type}/search`.
    CrmSearch,
    /// `GET /crm/v4/objects/{from}/{id}/associations/{to}`.
    V4Associations,
    /// `GET /crm/v3/owners`.
    Owners,
    /// `GET /conversations/v3/conversations/threads`.
    Threads,
    /// `GET /conversations/v3/conversations/threads/{id}/messages`.
    Messages,
}

/// One request as the sandbox received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// The request target exactly as on the request line, not decoded.
    pub path_and_query: String,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub at: Instant,
}

impl RecordedRequest {
    /// Returns the raw path, without the query.
    pub fn path(&self) -> &str {
        self.path_and_query.split_once('?').map_or(self.path_and_query.as_str(), |(p, _)| p)
    }

    /// Returns the raw query string, without the `?`.
    pub fn query(&self) -> Option<&str> {
        self.path_and_query.split_once('?').map(|(_, q)| q)
    }

    /// Returns the first value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// Parses the body as JSON; returns `Null` for an empty or invalid body.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// State shared by the server thread and the [`Sandbox`] handle.
pub(crate) struct Shared {
    pub token: String,
    pub store: Mutex<Store>,
    pub requests: Mutex<Vec<RecordedRequest>>,
    pub faults: Mutex<Vec<faults::ActiveFault>>,
    pub page_sizes: Mutex<HashMap<PagedRoute, usize>>,
    pub rate: Mutex<server::RateWindow>,
    pub counter: AtomicU64,
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it: the state stays
/// usable for the remaining requests of a test.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running sandbox. It serves on its own OS thread with its own tokio runtime, so it works
/// from synchronous tests and from inside another runtime alike. Dropping it stops the server.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Starts a seeded sandbox on 127.0.0.1 on a free port, with [`DEFAULT_TOKEN`].
    pub fn start() -> anyhow::Result<Sandbox> {
        Sandbox::start_with(SandboxOptions::default())
    }

    /// Starts a sandbox with the given options.
    pub fn start_with(options: SandboxOptions) -> anyhow::Result<Sandbox> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", options.port))
            .with_context(|| format!("failed to bind sandbox to 127.0.0.1:{}", options.port))?;
        listener.set_nonblocking(true).context("failed to make the sandbox listener non-blocking")?;
        let addr = listener.local_addr().context("failed to read the sandbox address")?;

        let mut store = Store::new();
        if options.seed {
            seed::seed(&mut store);
        }
        let shared = Arc::new(Shared {
            token: options.token,
            store: Mutex::new(store),
            requests: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            page_sizes: Mutex::new(HashMap::new()),
            rate: Mutex::new(server::RateWindow::default()),
            counter: AtomicU64::new(1),
        });

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("hubspot-sandbox")
            .enable_all()
            .build()
            .context("failed to build the sandbox's tokio runtime")?;
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("hubspot-sandbox-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(server::serve(listener, thread_shared, shutdown_rx));
                // Stalled responses never finish on their own; drop them.
                runtime.shutdown_timeout(Duration::from_millis(200));
            })
            .context("failed to spawn the sandbox thread")?;

        Ok(Sandbox { shared, addr, shutdown: Some(shutdown_tx), thread: Some(thread) })
    }

    /// Returns `http://127.0.0.1:PORT`, with no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns the bearer token the sandbox accepts.
    pub fn token(&self) -> String {
        self.shared.token.clone()
    }

    /// Returns every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Queues a fault. Faults are checked in the order injected and the first match applies.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push(faults::ActiveFault::new(fault));
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Adds `n` contacts (`sandbox.contact.<id>@example.com`) and returns their IDs in order.
    pub fn seed_contacts(&self, n: usize) -> Vec<String> {
        seed::bulk_contacts(&mut lock(&self.shared.store), n)
    }

    /// Caps the page size of a list route at `n`, whatever `limit` the request sends.
    pub fn set_page_size(&self, route: PagedRoute, n: usize) {
        lock(&self.shared.page_sizes).insert(route, n.max(1));
    }

    /// Locks the state for direct reads and changes. Release the guard before sending requests
    /// to the sandbox, since every request handler needs the same lock.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.shared.store)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
