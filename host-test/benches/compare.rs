//! Compares the HubSpot component with a native Rust floor and with HubSpot's
//! official Python and Node clients, all against the sandbox on 127.0.0.1.
//!
//! Run with `cargo bench -p host-test --bench compare`, optionally followed by `--`
//! and section names (size, loading, latency, clients, get-all, throughput) to run
//! only those. A full run prints six sections:
//! component size, compile/load/instantiate times, per-task latency, the official
//! clients' latency, Get All over 10,000 and 100,000 contacts, and throughput with
//! 1, 8 and 64 concurrent instances. Every ratio is computed from figures measured
//! in the same run. Nothing is asserted about timings.
//!
//! The native floor sends the requests that the component sent over one keep-alive
//! hyper connection and parses each JSON response. Method, path, query, headers and
//! body are copied from the sandbox's request log, so the difference to the floor is
//! the cost of the component and its host. The official clients are
//! installed under `target/bench-clients/` on the first run (a Python venv and an
//! npm prefix) and reused afterwards. When one cannot be installed or run, the
//! benchmark prints why and continues without it.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use bytes::Bytes;
use host_test::embed::CACHE_DIR_VARIABLE;
use host_test::sandbox::{RecordedRequest, Sandbox, SandboxOptions};
use host_test::{setup, Host, Session, Setup, COMPONENT};
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::{json, Value};
use wasmtime::component::Component;

/// Timed calls per task and path, after [`LATENCY_WARMUP`] untimed ones.
const LATENCY_ITERATIONS: usize = 300;
const LATENCY_WARMUP: usize = 30;
/// Compilations of the component timed with `Component::new`.
const COMPILE_RUNS: usize = 5;
/// Loads of the serialized component timed with `Component::deserialize` and with
/// `Host::from_precompiled`.
const LOAD_RUNS: usize = 20;
/// Instantiations timed with `host.session`.
const INSTANTIATE_RUNS: usize = 1000;
/// Contact counts for Get All, each with how many times every path lists them.
const GET_ALL_SIZES: [(usize, usize); 2] = [(10_000, 3), (100_000, 2)];
/// Concurrency levels of the throughput section, each run for [`THROUGHPUT_TIME`].
const THROUGHPUT_CONCURRENCY: [usize; 3] = [1, 8, 64];
const THROUGHPUT_TIME: Duration = Duration::from_secs(2);
/// Maximum time an official client's script may run before it is stopped.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(600);

/// Task ID and `execute` input (JSON keyed by field ID) of each workload.
const GET_CONTACT: (&str, &str) = ("TASK_GET_CONTACT", r#"{"contact-id-or-email":"151"}"#);
const CREATE_DEAL: (&str, &str) = (
    "TASK_CREATE_DEAL",
    r#"{"deal-name":"Benchmark deal","pipeline":"default","deal-stage":"appointmentscheduled","amount":1500}"#,
);
const GET_TICKET: (&str, &str) = ("TASK_GET_TICKET", r#"{"ticket-id":"4001"}"#);
const GET_ALL_CONTACTS: (&str, &str) = ("TASK_GET_ALL", r#"{"object-type":"Contacts"}"#);

/// Runs `$call` (an expression giving a future of `anyhow::Result<_>`)
/// [`LATENCY_WARMUP`] times untimed, then [`LATENCY_ITERATIONS`] times timed, and
/// evaluates to the [`Stats`] of the timed calls.
macro_rules! time_calls {
    ($call:expr) => {{
        for _ in 0..LATENCY_WARMUP {
            $call.await?;
        }
        let mut durations = Vec::with_capacity(LATENCY_ITERATIONS);
        for _ in 0..LATENCY_ITERATIONS {
            let start = Instant::now();
            $call.await?;
            durations.push(start.elapsed());
        }
        Stats::of(durations)
    }};
}

/// Names of the sections that can be selected on the command line.
const SECTIONS: [&str; 6] = ["size", "loading", "latency", "clients", "get-all", "throughput"];

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; other arguments select sections by name.
    let selected: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with("--")).collect();
    if let Some(unknown) = selected.iter().find(|name| !SECTIONS.contains(&name.as_str())) {
        bail!("unknown section `{unknown}`: expected any of {}", SECTIONS.join(", "));
    }

    // With either variable set, wasmtime 48 captures a backtrace for the error it
    // creates while dropping each store (measured at 12 to 18 µs per drop on the
    // 2-core machine of BENCHMARKS.md). Production hosts rarely set them, so the
    // benchmark runs without them.
    for name in ["RUST_BACKTRACE", "RUST_LIB_BACKTRACE"] {
        if let Some(value) = std::env::var_os(name) {
            println!("{name}={} removed from this process's environment", value.to_string_lossy());
            std::env::remove_var(name);
        }
    }
    // The compile figures need wasmtime's on-disk cache off. The variable is read
    // when each engine is created, so it is set before the first one.
    std::env::set_var(CACHE_DIR_VARIABLE, "off");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    // Everything runs in a spawned task, on the runtime's worker threads like the
    // connections it drives, rather than on the thread that calls `block_on`.
    runtime.block_on(async move { tokio::spawn(run(selected)).await? })
}

async fn run(selected: Vec<String>) -> anyhow::Result<()> {
    let wants = |name: &str| selected.is_empty() || selected.iter().any(|selected| selected == name);
    println!("HubSpot component benchmark: component, native floor and official clients on 127.0.0.1");
    println!("wasmtime compile cache off ({CACHE_DIR_VARIABLE}=off)");

    if wants("size") {
        print_size();
    }
    // The same component under wasmtime's pooling allocator, for the per-request
    // paths: 128 slots cover the 64-way throughput level.
    let pooled = Host::new_pooled(host_test::COMPONENT, 128)?;
    let host = if wants("loading") {
        measure_loading(&pooled).await?
    } else {
        Host::embedded()?
    };

    let sandbox = Sandbox::start_with(SandboxOptions { seed: true, ..SandboxOptions::default() })?;
    let setup = setup(&sandbox.token(), &sandbox.base_url());
    // The later sections compare with the latency figures and replay the recorded
    // requests, so this section runs whenever one of them is selected.
    let workloads = if wants("latency") || wants("clients") || wants("throughput") {
        measure_latency(&host, &pooled, &sandbox, &setup).await?
    } else {
        Vec::new()
    };

    let clients = if wants("clients") || wants("get-all") {
        prepare_official_clients()
    } else {
        Vec::new()
    };
    if wants("clients") {
        measure_official_clients(&clients, &sandbox, &workloads);
    }
    if wants("get-all") {
        measure_get_all(&host, &clients).await?;
    }
    if let (true, Some(get_contact)) = (wants("throughput"), workloads.first()) {
        measure_throughput(&host, &pooled, &sandbox, &setup, get_contact).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// 1. Size

fn print_size() {
    section("1. Component size");
    println!("file:  {}", env!("HUBSPOT_COMPONENT_WASM"));
    println!(
        "bytes: {} ({:.1} KB, {:.1} KiB)",
        COMPONENT.len(),
        COMPONENT.len() as f64 / 1000.0,
        COMPONENT.len() as f64 / 1024.0
    );
}

// ---------------------------------------------------------------------------
// 2. Compile, load and instantiate

/// Measures compiling, loading and instantiating, and returns a host loaded from
/// the precompiled component for the later sections.
async fn measure_loading(pooled: &Host) -> anyhow::Result<Host> {
    section("2. Compile, load and instantiate");
    let compiling_host = Host::embedded()?;
    if let Some(dir) = compiling_host.compile_cache_dir() {
        bail!("the compile cache is on ({}) although {CACHE_DIR_VARIABLE}=off", dir.display());
    }
    let engine = compiling_host.engine().clone();

    let mut compile = Vec::with_capacity(COMPILE_RUNS);
    for _ in 0..COMPILE_RUNS {
        let start = Instant::now();
        let component = Component::new(&engine, COMPONENT).map_err(anyhow::Error::from)?;
        compile.push(start.elapsed());
        drop(component);
    }

    let serialized = compiling_host.serialize_component()?;
    let mut deserialize = Vec::with_capacity(LOAD_RUNS);
    for _ in 0..LOAD_RUNS {
        let start = Instant::now();
        // SAFETY: `serialized` was produced by `Component::serialize` on this same
        // engine in this process and has not been modified since.
        let component = unsafe { Component::deserialize(&engine, &serialized) }.map_err(anyhow::Error::from)?;
        deserialize.push(start.elapsed());
        drop(component);
    }

    let mut from_precompiled = Vec::with_capacity(LOAD_RUNS);
    for _ in 0..LOAD_RUNS {
        let start = Instant::now();
        let host = Host::from_precompiled(&serialized)?;
        from_precompiled.push(start.elapsed());
        drop(host);
    }

    let host = Host::from_precompiled(&serialized)?;
    // Instantiation sends no request, so this setup's address is never contacted.
    let setup = setup("pat-unused", "http://127.0.0.1:9");
    let mut instantiate = Vec::with_capacity(INSTANTIATE_RUNS);
    for _ in 0..INSTANTIATE_RUNS {
        let start = Instant::now();
        let session = host.session(&setup).await?;
        instantiate.push(start.elapsed());
        drop(session);
    }

    let mut instantiate_pooled = Vec::with_capacity(INSTANTIATE_RUNS);
    for _ in 0..INSTANTIATE_RUNS {
        let start = Instant::now();
        let session = pooled.session(&setup).await?;
        instantiate_pooled.push(start.elapsed());
        drop(session);
    }

    let mut table = Table::new(&["step", "runs", "median", "p90"]);
    let rows = [
        ("`Component::new` (compile, cache off)".to_string(), Stats::of(compile)),
        (
            format!("`Component::deserialize` ({} bytes precompiled)", serialized.len()),
            Stats::of(deserialize),
        ),
        (
            "`Host::from_precompiled` (engine, deserialize, link, `InstancePre`)".to_string(),
            Stats::of(from_precompiled),
        ),
        ("instantiate from `InstancePre` (`host.session`)".to_string(), Stats::of(instantiate)),
        (
            "instantiate from `InstancePre`, pooling allocator (`Host::new_pooled`)".to_string(),
            Stats::of(instantiate_pooled),
        ),
    ];
    for (step, stats) in rows {
        table.row(vec![step, stats.count.to_string(), format_duration(stats.median), format_duration(stats.p90)]);
    }
    table.print();
    Ok(host)
}

// ---------------------------------------------------------------------------
// 3. Latency: the component against the native floor

/// One latency workload, with the requests the component sent for it and its
/// figures, which later sections compare with.
struct Workload {
    name: &'static str,
    task: &'static str,
    input: &'static str,
    requests: Vec<RecordedRequest>,
    component_reused: Stats,
    component_fresh: Stats,
    /// Fresh instance per call under the pooling allocator.
    component_fresh_pooled: Stats,
    floor: Stats,
    /// Steps of a fresh-instance call timed one by one: instantiate, call, drop.
    fresh_steps: [Stats; 3],
}

async fn measure_latency(host: &Host, pooled: &Host, sandbox: &Sandbox, setup: &Setup) -> anyhow::Result<Vec<Workload>> {
    section(&format!(
        "3. Latency per task ({LATENCY_ITERATIONS} timed calls after {LATENCY_WARMUP} warm-up calls each)"
    ));
    let mut native = NativeClient::connect(sandbox.addr()).await?;
    let mut workloads = Vec::new();

    let tasks = [("Get Contact", GET_CONTACT), ("Create Deal", CREATE_DEAL), ("Get Ticket", GET_TICKET)];
    for (name, (task, input)) in tasks {
        sandbox.clear_requests();
        let output = host_execute(host, setup, task, input).await?;
        let requests = sandbox.requests();
        if requests.is_empty() {
            bail!("{name}: the component sent no request (its output: {output})");
        }
        println!("{name}: {task} {input}");
        for request in &requests {
            println!("  sent {} {} ({} body bytes)", request.method, request.path_and_query, request.body.len());
        }

        let mut session = host.session(setup).await?;
        let component_reused = time_calls!(session_execute(&mut session, task, input));
        let component_fresh = time_calls!(host_execute(host, setup, task, input));
        let component_fresh_pooled = time_calls!(host_execute(pooled, setup, task, input));
        let floor = time_calls!(native.replay(&requests));
        let fresh_steps = time_fresh_steps(host, setup, task, input).await?;
        workloads.push(Workload {
            name,
            task,
            input,
            requests,
            component_reused,
            component_fresh,
            component_fresh_pooled,
            floor,
            fresh_steps,
        });
        sandbox.clear_requests();
    }

    let mut table = Table::new(&["task", "path", "median", "p90", "median / floor"]);
    for workload in &workloads {
        let floor = workload.floor.median;
        let rows = [
            ("component, reused instance (`Session::execute`)", &workload.component_reused),
            ("component, fresh instance (`Host::execute`)", &workload.component_fresh),
            ("component, fresh instance, pooling allocator (`Host::new_pooled`)", &workload.component_fresh_pooled),
            ("native floor (hyper keep-alive, serde_json)", &workload.floor),
        ];
        for (path, stats) in rows {
            table.row(vec![
                workload.name.to_string(),
                path.to_string(),
                format_duration(stats.median),
                format_duration(stats.p90),
                format_ratio(stats.median, floor),
            ]);
        }
    }
    table.print();

    println!();
    println!("Where a fresh-instance call spends its time (each step timed on its own, medians):");
    let mut table = Table::new(&["task", "instantiate", "first call on the instance", "drop the store", "later calls (reused instance)"]);
    for workload in &workloads {
        let [instantiate, call, drop] = &workload.fresh_steps;
        table.row(vec![
            workload.name.to_string(),
            format_duration(instantiate.median),
            format_duration(call.median),
            format_duration(drop.median),
            format_duration(workload.component_reused.median),
        ]);
    }
    table.print();
    Ok(workloads)
}

/// Times the three steps of `Host::execute` separately: `host.session`, the one
/// call on the new instance, and dropping the session with its store.
async fn time_fresh_steps(host: &Host, setup: &Setup, task: &str, input: &str) -> anyhow::Result<[Stats; 3]> {
    let mut steps: [Vec<Duration>; 3] = Default::default();
    for iteration in 0..LATENCY_WARMUP + LATENCY_ITERATIONS {
        let start = Instant::now();
        let mut session = host.session(setup).await?;
        let instantiated = Instant::now();
        session_execute(&mut session, task, input).await?;
        let called = Instant::now();
        drop(session);
        let dropped = Instant::now();
        if iteration >= LATENCY_WARMUP {
            steps[0].push(instantiated - start);
            steps[1].push(called - instantiated);
            steps[2].push(dropped - called);
        }
    }
    let [instantiate, call, drop] = steps;
    Ok([Stats::of(instantiate), Stats::of(call), Stats::of(drop)])
}

async fn session_execute(session: &mut Session, task: &str, input: &str) -> anyhow::Result<String> {
    session
        .execute(task, input)
        .await?
        .map_err(|error| anyhow!("{task} failed: {error:?}"))
}

async fn host_execute(host: &Host, setup: &Setup, task: &str, input: &str) -> anyhow::Result<String> {
    host.execute(setup, task, input)
        .await?
        .map_err(|error| anyhow!("{task} failed: {error:?}"))
}

/// A keep-alive HTTP/1.1 connection that replays recorded requests: the floor
/// that any client sending the same requests pays.
struct NativeClient {
    sender: http1::SendRequest<Full<Bytes>>,
}

impl NativeClient {
    async fn connect(addr: SocketAddr) -> anyhow::Result<NativeClient> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .with_context(|| format!("failed to connect to the sandbox at {addr}"))?;
        // The component's host sets TCP_NODELAY on its connections too.
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                eprintln!("native client connection failed: {error}");
            }
        });
        Ok(NativeClient { sender })
    }

    /// Sends `recorded` with its method, headers and body, but to `path_and_query`,
    /// and returns the response body of a 2xx response.
    async fn send(&mut self, recorded: &RecordedRequest, path_and_query: &str) -> anyhow::Result<Bytes> {
        let mut builder = hyper::Request::builder().method(recorded.method.as_str()).uri(path_and_query);
        for (name, value) in &recorded.headers {
            builder = builder.header(name, value);
        }
        let request = builder.body(Full::new(Bytes::from(recorded.body.clone())))?;
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            bail!(
                "{} {path_and_query} returned {status}: {}",
                recorded.method,
                String::from_utf8_lossy(&body)
            );
        }
        Ok(body)
    }

    /// Sends each request as recorded and parses each response as JSON.
    async fn replay(&mut self, requests: &[RecordedRequest]) -> anyhow::Result<()> {
        for recorded in requests {
            let body = self.send(recorded, &recorded.path_and_query).await?;
            let parsed: Value = serde_json::from_slice(&body)?;
            std::hint::black_box(parsed);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// 4. Official clients: latency

/// An official HubSpot client ready to run: the interpreter, the script that
/// drives the client, and the environment the script needs.
struct OfficialClient {
    name: &'static str,
    version: String,
    program: PathBuf,
    script: PathBuf,
    env: Vec<(String, String)>,
}

/// Installs or reuses both official clients, printing one line for each.
fn prepare_official_clients() -> Vec<OfficialClient> {
    section("Official clients");
    let dir = target_dir().join("bench-clients");
    let mut clients = Vec::new();
    for (name, prepared) in [
        ("Python hubspot-api-client", prepare_python(&dir.join("python"))),
        ("Node @hubspot/api-client", prepare_node(&dir.join("node"))),
    ] {
        match prepared {
            Ok((client, install_note)) => {
                println!("{name} {}: {install_note}", client.version);
                clients.push(client);
            }
            Err(error) => println!("{name}: not available, its rows are skipped: {error:#}"),
        }
    }
    clients
}

/// Returns the Python client from the venv in `dir`, creating the venv and
/// installing `hubspot-api-client` from PyPI when it is missing.
fn prepare_python(dir: &Path) -> anyhow::Result<(OfficialClient, String)> {
    let python = dir.join("bin").join("python");
    let importable = |python: &Path| {
        Command::new(python)
            .args(["-c", "import hubspot"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    let install_note = if python.is_file() && importable(&python) {
        format!("reusing the install in {}", dir.display())
    } else {
        println!("installing hubspot-api-client into a venv in {} ...", dir.display());
        run_quietly(Command::new("python3").arg("-m").arg("venv").arg(dir))
            .context("failed to create a venv with `python3 -m venv`")?;
        run_quietly(Command::new(&python).args(["-m", "pip", "install", "--quiet", "hubspot-api-client"]))
            .context("failed to install hubspot-api-client with pip")?;
        if !importable(&python) {
            bail!("`import hubspot` fails in {} after installing", dir.display());
        }
        format!("installed in {}", dir.display())
    };
    let version = Command::new(&python)
        .args(["-c", "import importlib.metadata as m; print(m.version('hubspot-api-client'))"])
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .unwrap_or_else(|_| "(version unknown)".to_string());
    let client = OfficialClient {
        name: "Python hubspot-api-client",
        version,
        program: python,
        script: clients_dir().join("official_python.py"),
        env: Vec::new(),
    };
    Ok((client, install_note))
}

/// Returns the Node client from the npm prefix `dir`, installing
/// `@hubspot/api-client` when it is missing.
fn prepare_node(dir: &Path) -> anyhow::Result<(OfficialClient, String)> {
    let node_version = Command::new("node").arg("--version").output().context("`node` is not on PATH")?;
    if !node_version.status.success() {
        bail!("`node --version` failed");
    }
    let package_json = dir.join("node_modules").join("@hubspot").join("api-client").join("package.json");
    let install_note = if package_json.is_file() {
        format!("reusing the install in {}", dir.display())
    } else {
        println!("installing @hubspot/api-client with npm into {} ...", dir.display());
        std::fs::create_dir_all(dir)?;
        run_quietly(
            Command::new("npm")
                .arg("install")
                .arg("--prefix")
                .arg(dir)
                .args(["@hubspot/api-client", "--no-audit", "--no-fund", "--loglevel=error"]),
        )
        .context("failed to install @hubspot/api-client with npm")?;
        format!("installed in {}", dir.display())
    };
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(&package_json)?)?;
    let version = manifest["version"].as_str().unwrap_or("(version unknown)").to_string();
    let client = OfficialClient {
        name: "Node @hubspot/api-client",
        version: format!("{version} (node {})", String::from_utf8_lossy(&node_version.stdout).trim()),
        program: PathBuf::from("node"),
        script: clients_dir().join("official_node.js"),
        env: vec![("NODE_PATH".to_string(), dir.join("node_modules").display().to_string())],
    };
    Ok((client, install_note))
}

/// Runs `command` and returns an error with the end of its output when it fails.
fn run_quietly(command: &mut Command) -> anyhow::Result<()> {
    let output = command.output().with_context(|| format!("failed to start {command:?}"))?;
    if !output.status.success() {
        bail!("{command:?} failed ({}): {}", output.status, tail(&output.stderr));
    }
    Ok(())
}

impl OfficialClient {
    /// Runs the client's script with `config` on stdin and returns the JSON it
    /// prints, stopping the script after [`CLIENT_TIMEOUT`].
    fn run(&self, config: &Value) -> anyhow::Result<Value> {
        let mut child = Command::new(&self.program)
            .arg(&self.script)
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("failed to start {} {}", self.program.display(), self.script.display()))?;
        let stdin = child.stdin.take().map(|mut stdin| {
            let config = config.to_string();
            std::thread::spawn(move || stdin.write_all(config.as_bytes()))
        });
        let stdout = read_in_background(child.stdout.take());
        let stderr = read_in_background(child.stderr.take());

        let status = wait_with_timeout(&mut child, CLIENT_TIMEOUT)?;
        if let Some(stdin) = stdin {
            let _ = stdin.join();
        }
        let stdout = stdout.join().unwrap_or_default();
        let stderr = stderr.join().unwrap_or_default();
        let Some(status) = status else {
            bail!("{} did not finish within {} s and was stopped", self.script.display(), CLIENT_TIMEOUT.as_secs());
        };
        if !status.success() {
            bail!("{} failed ({status}): {}", self.script.display(), tail(&stderr));
        }
        serde_json::from_slice(&stdout)
            .with_context(|| format!("{} printed invalid JSON: {}", self.script.display(), tail(&stdout)))
    }
}

fn read_in_background(pipe: Option<impl std::io::Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// Waits for `child` and kills it after `timeout`. Returns `None` when it was killed.
fn wait_with_timeout(child: &mut Child, timeout: Duration) -> anyhow::Result<Option<std::process::ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs the latency workloads through each official client and compares them
/// with the component's fresh-instance figures and the floor from section 3.
fn measure_official_clients(clients: &[OfficialClient], sandbox: &Sandbox, workloads: &[Workload]) {
    section(&format!(
        "4. Official clients, same tasks ({LATENCY_ITERATIONS} timed calls after {LATENCY_WARMUP} warm-up calls each)"
    ));
    let config = match latency_config(sandbox, workloads) {
        Ok(config) => config,
        Err(error) => {
            println!("skipped: {error:#}");
            return;
        }
    };
    let keys = ["get_contact", "create_deal", "get_ticket"];

    let mut results = Vec::new();
    for client in clients {
        sandbox.clear_requests();
        match client.run(&config) {
            Ok(output) => results.push((client, output)),
            Err(error) => println!("{}: failed, its rows are skipped: {error:#}", client.name),
        }
        sandbox.clear_requests();
    }

    let mut table = Table::new(&[
        "task",
        "path",
        "median",
        "p90",
        "median / component fresh",
        "median / component reused",
        "median / floor",
    ]);
    for (workload, key) in workloads.iter().zip(keys) {
        let fresh = workload.component_fresh.median;
        let reused = workload.component_reused.median;
        let floor = workload.floor.median;
        table.row(vec![
            workload.name.to_string(),
            "component, fresh instance".to_string(),
            format_duration(fresh),
            format_duration(workload.component_fresh.p90),
            "1.00x".to_string(),
            format_ratio(fresh, reused),
            format_ratio(fresh, floor),
        ]);
        table.row(vec![
            workload.name.to_string(),
            "component, reused instance".to_string(),
            format_duration(reused),
            format_duration(workload.component_reused.p90),
            format_ratio(reused, fresh),
            "1.00x".to_string(),
            format_ratio(reused, floor),
        ]);
        for (client, output) in &results {
            match micros_list(&output[key]) {
                Some(durations) => {
                    let stats = Stats::of(durations);
                    table.row(vec![
                        workload.name.to_string(),
                        client.name.to_string(),
                        format_duration(stats.median),
                        format_duration(stats.p90),
                        format_ratio(stats.median, fresh),
                        format_ratio(stats.median, reused),
                        format_ratio(stats.median, floor),
                    ]);
                }
                None => println!("{}: no `{key}` timings in its output", client.name),
            }
        }
    }
    table.print();
}

/// Builds the scripts' latency input from the requests the component sent: the
/// same IDs, the same requested properties and the same deal body.
fn latency_config(sandbox: &Sandbox, workloads: &[Workload]) -> anyhow::Result<Value> {
    let [contact, deal, ticket] = workloads else {
        bail!("expected three workloads, got {}", workloads.len());
    };
    let first = |workload: &Workload| {
        workload.requests.first().cloned().ok_or_else(|| anyhow!("{}: no recorded request", workload.name))
    };
    let deal_body: Value = serde_json::from_str(&first(deal)?.body).context("the Create Deal body is not JSON")?;
    Ok(json!({
        "mode": "latency",
        "base_url": sandbox.base_url(),
        "token": sandbox.token(),
        "warmup": LATENCY_WARMUP,
        "iterations": LATENCY_ITERATIONS,
        "contact_id": "151",
        "contact_properties": query_list(&first(contact)?.path_and_query, "properties"),
        "deal_input": deal_body,
        "ticket_id": "4001",
        "ticket_properties": query_list(&first(ticket)?.path_and_query, "properties"),
    }))
}

/// Reads a JSON array of microseconds.
fn micros_list(value: &Value) -> Option<Vec<Duration>> {
    value
        .as_array()?
        .iter()
        .map(|micros| micros.as_f64().map(|micros| Duration::from_secs_f64(micros / 1e6)))
        .collect()
}

// ---------------------------------------------------------------------------
// 5. Get All

/// One page of a CRM list response, reduced to what Get All reads.
#[derive(Deserialize)]
struct Page {
    results: Vec<PageItem>,
    paging: Option<Paging>,
}

#[derive(Deserialize)]
struct PageItem {
    id: String,
}

#[derive(Deserialize)]
struct Paging {
    next: Option<NextPage>,
}

#[derive(Deserialize)]
struct NextPage {
    after: String,
}

async fn measure_get_all(host: &Host, clients: &[OfficialClient]) -> anyhow::Result<()> {
    section("5. Get All contacts (fresh sandbox per size; wall time per listing)");
    let mut table = Table::new(&[
        "contacts",
        "path",
        "runs",
        "median",
        "requests per run",
        "peak guest memory",
        "median / floor",
        "median / component",
    ]);
    for (count, runs) in GET_ALL_SIZES {
        let sandbox = Sandbox::start_with(SandboxOptions { seed: false, ..SandboxOptions::default() })?;
        sandbox.seed_contacts(count);
        let setup = setup(&sandbox.token(), &sandbox.base_url());
        let minimum_requests = count.div_ceil(100);

        // The component on a fresh instance per listing, alternating with the
        // floor (the same paging loop over one keep-alive connection), so that a
        // change in the machine's load affects both alike.
        let mut native = NativeClient::connect(sandbox.addr()).await?;
        let mut component_times = Vec::new();
        let mut component_requests = Vec::new();
        let mut floor_times = Vec::new();
        let mut floor_requests = Vec::new();
        let mut peak_memory = 0;
        let mut first_page: Option<RecordedRequest> = None;
        for _ in 0..runs {
            sandbox.clear_requests();
            let mut session = host.session(&setup).await?;
            let start = Instant::now();
            let output = session_execute(&mut session, GET_ALL_CONTACTS.0, GET_ALL_CONTACTS.1).await?;
            component_times.push(start.elapsed());
            peak_memory = peak_memory.max(session.peak_memory_bytes());
            let listed = serde_json::from_str::<Value>(&output)?["object-ids-length"].as_u64();
            if listed != Some(count as u64) {
                bail!("Get All over {count} contacts returned {listed:?} IDs");
            }
            let requests = sandbox.requests();
            component_requests.push(requests.len());
            let first_page = match &first_page {
                Some(first_page) => first_page,
                None => first_page.insert(describe_get_all_requests(count, &requests)?),
            };

            sandbox.clear_requests();
            let start = Instant::now();
            let ids = native_get_all(&mut native, first_page).await?;
            floor_times.push(start.elapsed());
            if ids.len() != count {
                bail!("the native Get All listed {} of {count} contacts", ids.len());
            }
            floor_requests.push(sandbox.requests().len());
        }
        let Some(first_page) = first_page else {
            bail!("Get All ran no listing");
        };

        let floor = Stats::of(floor_times);
        let component = Stats::of(component_times);
        table.row(vec![
            count.to_string(),
            "component, fresh instance".to_string(),
            runs.to_string(),
            format_duration(component.median),
            format_counts(&component_requests),
            format!("{:.2} MiB", peak_memory as f64 / (1024.0 * 1024.0)),
            format_ratio(component.median, floor.median),
            "1.00x".to_string(),
        ]);
        table.row(vec![
            count.to_string(),
            "native floor (same paging loop)".to_string(),
            runs.to_string(),
            format_duration(floor.median),
            format_counts(&floor_requests),
            "-".to_string(),
            "1.00x".to_string(),
            format_ratio(floor.median, component.median),
        ]);

        // The official clients' get-all helpers, requesting the same property.
        let config = json!({
            "mode": "get_all",
            "base_url": sandbox.base_url(),
            "token": sandbox.token(),
            "runs": runs,
            "properties": query_list(&first_page.path_and_query, "properties"),
        });
        for client in clients {
            sandbox.clear_requests();
            let output = match client.run(&config) {
                Ok(output) => output,
                Err(error) => {
                    println!("{}: Get All over {count} contacts failed: {error:#}", client.name);
                    continue;
                }
            };
            let requests_per_run = sandbox.requests().len() / runs.max(1);
            if output["count"].as_u64() != Some(count as u64) {
                println!("{}: listed {} of {count} contacts", client.name, output["count"]);
            }
            let Some(durations) = micros_list(&output["get_all"]) else {
                println!("{}: no `get_all` timings in its output", client.name);
                continue;
            };
            let stats = Stats::of(durations);
            table.row(vec![
                count.to_string(),
                format!("{} get-all helper", client.name),
                runs.to_string(),
                format_duration(stats.median),
                requests_per_run.to_string(),
                "-".to_string(),
                format_ratio(stats.median, floor.median),
                format_ratio(stats.median, component.median),
            ]);
        }
        println!("{count} contacts: at least {minimum_requests} requests are needed (100 IDs per page)");
    }
    table.print();
    Ok(())
}

/// Prints the component's first two Get All requests and returns the first,
/// which the floor replays. Notes when the second is not the first plus
/// `&after=CURSOR`, the form the floor sends.
fn describe_get_all_requests(count: usize, requests: &[RecordedRequest]) -> anyhow::Result<RecordedRequest> {
    let [first_page, second_page, ..] = requests else {
        bail!("Get All over {count} contacts sent fewer than two requests");
    };
    println!("{count} contacts: the component's first requests:");
    println!("  {} {}", first_page.method, first_page.path_and_query);
    println!("  {} {}", second_page.method, second_page.path_and_query);
    if !second_page.path_and_query.starts_with(&format!("{}&after=", first_page.path_and_query)) {
        println!("  note: the floor appends `&after=CURSOR` to the first request, unlike the component's second request");
    }
    Ok(first_page.clone())
}

/// Lists every contact ID as the component does: the first page with the
/// recorded request, then `&after=CURSOR` until a page has no next cursor.
async fn native_get_all(native: &mut NativeClient, first_page: &RecordedRequest) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            None => first_page.path_and_query.clone(),
            Some(cursor) => format!("{}&after={}", first_page.path_and_query, percent_encode(cursor)),
        };
        let body = native.send(first_page, &path).await?;
        let page: Page = serde_json::from_slice(&body)?;
        let empty = page.results.is_empty();
        ids.extend(page.results.into_iter().map(|item| item.id));
        match page.paging.and_then(|paging| paging.next) {
            Some(next) if !empty => after = Some(next.after),
            _ => return Ok(ids),
        }
    }
}

// ---------------------------------------------------------------------------
// 6. Throughput

async fn measure_throughput(host: &Host, pooled: &Host, sandbox: &Sandbox, setup: &Setup, get_contact: &Workload) -> anyhow::Result<()> {
    section(&format!(
        "6. Throughput of {} ({} s per level; component: fresh instance per task through `Host::execute`)",
        get_contact.name,
        THROUGHPUT_TIME.as_secs()
    ));
    let mut table = Table::new(&[
        "concurrency",
        "component tasks/s",
        "component tasks/s, pooling allocator",
        "native floor requests/s",
        "floor / component",
        "connections opened by the component",
    ]);
    for concurrency in THROUGHPUT_CONCURRENCY {
        sandbox.clear_requests();
        let before = host.connection_stats();
        let component = run_for(concurrency, |completed, deadline| {
            let host = host.clone();
            let setup = setup.clone();
            let (task, input) = (get_contact.task, get_contact.input);
            async move {
                while Instant::now() < deadline {
                    host_execute(&host, &setup, task, input).await?;
                    completed.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            }
        })
        .await?;
        let opened = host.connection_stats().connections_opened - before.connections_opened;
        sandbox.clear_requests();

        let component_pooled = run_for(concurrency, |completed, deadline| {
            let host = pooled.clone();
            let setup = setup.clone();
            let (task, input) = (get_contact.task, get_contact.input);
            async move {
                while Instant::now() < deadline {
                    host_execute(&host, &setup, task, input).await?;
                    completed.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            }
        })
        .await?;
        sandbox.clear_requests();

        let addr = sandbox.addr();
        let requests = get_contact.requests.clone();
        let floor = run_for(concurrency, |completed, deadline| {
            let requests = requests.clone();
            async move {
                let mut native = NativeClient::connect(addr).await?;
                while Instant::now() < deadline {
                    native.replay(&requests).await?;
                    completed.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            }
        })
        .await?;
        sandbox.clear_requests();

        table.row(vec![
            concurrency.to_string(),
            format!("{component:.0}"),
            format!("{component_pooled:.0}"),
            format!("{floor:.0}"),
            format!("{:.2}x", floor / component),
            opened.to_string(),
        ]);
    }
    table.print();
    Ok(())
}

/// Starts `concurrency` tokio tasks made by `make_worker`, each looping until the
/// deadline, and returns the completed calls per second.
async fn run_for<F, Fut>(concurrency: usize, make_worker: F) -> anyhow::Result<f64>
where
    F: Fn(Arc<AtomicU64>, Instant) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let completed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + THROUGHPUT_TIME;
    let workers: Vec<_> = (0..concurrency)
        .map(|_| tokio::spawn(make_worker(Arc::clone(&completed), deadline)))
        .collect();
    for worker in workers {
        worker.await??;
    }
    let elapsed = start.elapsed().as_secs_f64();
    Ok(completed.load(Ordering::Relaxed) as f64 / elapsed)
}

// ---------------------------------------------------------------------------
// Helpers

/// Median and 90th percentile of a set of durations.
struct Stats {
    count: usize,
    median: Duration,
    p90: Duration,
}

impl Stats {
    fn of(mut durations: Vec<Duration>) -> Stats {
        durations.sort();
        let at = |fraction: f64| {
            let index = ((durations.len() as f64 * fraction).ceil() as usize).saturating_sub(1);
            durations.get(index).copied().unwrap_or_default()
        };
        Stats { count: durations.len(), median: at(0.5), p90: at(0.9) }
    }
}

/// A Markdown table, printed with aligned columns.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: &[&str]) -> Table {
        Table { header: header.iter().map(|cell| cell.to_string()).collect(), rows: Vec::new() }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn print(&self) {
        let mut widths: Vec<usize> = self.header.iter().map(|cell| cell.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
                .collect();
            println!("| {} |", padded.join(" | "));
        };
        line(&self.header);
        let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
        line(&rule);
        for row in &self.rows {
            line(row);
        }
    }
}

fn section(title: &str) {
    println!();
    println!("## {title}");
    println!();
}

/// Formats a duration in µs below 10 ms, else in ms or s.
fn format_duration(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros < 10_000.0 {
        format!("{micros:.1} µs")
    } else if micros < 10_000_000.0 {
        format!("{:.1} ms", micros / 1000.0)
    } else {
        format!("{:.2} s", micros / 1e6)
    }
}

fn format_ratio(value: Duration, base: Duration) -> String {
    format!("{:.2}x", value.as_secs_f64() / base.as_secs_f64())
}

/// Formats per-run counts: one number when all runs agree, else each.
fn format_counts(counts: &[usize]) -> String {
    match counts {
        [first, rest @ ..] if rest.iter().all(|count| count == first) => first.to_string(),
        _ => counts.iter().map(usize::to_string).collect::<Vec<_>>().join(", "),
    }
}

/// Returns the values of query parameter `name` in a raw request target, split on
/// commas (encoded or not) and percent-decoded.
fn query_list(path_and_query: &str, name: &str) -> Vec<String> {
    let Some((_, query)) = path_and_query.split_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| *key == name)
        .flat_map(|(_, value)| percent_decode(value).split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|value| !value.is_empty())
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let hex = text.get(index + 1..index + 3).and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (byte, hex) {
            (b'%', Some(value)) => {
                decoded.push(value);
                index += 3;
            }
            (b'+', _) => {
                decoded.push(b' ');
                index += 1;
            }
            _ => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Returns the last 2,000 bytes of a process's output, as text.
fn tail(output: &[u8]) -> String {
    let start = output.len().saturating_sub(2000);
    String::from_utf8_lossy(&output[start..]).trim().to_string()
}

/// Returns the workspace's target directory: `CARGO_TARGET_DIR` when set (relative to
/// the workspace root), else `<workspace root>/target`.
fn target_dir() -> PathBuf {
    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new(".")).to_path_buf();
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root.join(dir),
        _ => workspace_root.join("target"),
    }
}

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches").join("clients")
}
