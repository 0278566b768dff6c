//! `hubspot`: runs the HubSpot component in wasmtime, serves the HubSpot sandbox,
//! and runs a demo of all fifteen tasks against it.

use std::io::{Read as _, Write as _};
use std::process::ExitCode;

use host_test::sandbox::{Sandbox, SandboxOptions};
use host_test::types::{ApiError, Error, TransportKind, WriteState};
use host_test::{Host, Setup, DEFAULT_BASE_URL};

const USAGE: &str = "\
Usage:
  hubspot run TASK (--input JSON | --input-file PATH) [options]
  hubspot sandbox [--port N] [--token TOKEN] [--empty]
  hubspot demo [--component PATH] [-v]
  hubspot help

Commands:
  run       Run one task through the component's JSON entry point and print its
            output JSON. TASK is a task ID (TASK_GET_CONTACT) or a function name
            (get-contact). The input is a JSON object keyed by the task's field IDs,
            for example {\"contact-id-or-email\":\"151\"}.
  sandbox   Serve the HubSpot sandbox (seeded with demo data) on 127.0.0.1 until
            Ctrl-C, and print its base URL and token.
  demo      Start the sandbox in this process and run all fifteen tasks against it,
            printing each input and output.

Options of run:
  --input JSON                   Task input as a JSON object.
  --input-file PATH              Read the task input from PATH; `-` reads stdin.
  --base-url URL                 HubSpot API base URL. Default: $HUBSPOT_BASE_URL,
                                 else https://api.hubapi.com.
  --component PATH               Load this .wasm instead of the embedded component.
  --max-attempts N               Attempts per HTTP request, the first included.
  --max-retry-wait-ms MS         Maximum total wait between attempts, in milliseconds.
  --connect-timeout-ms MS        Connect timeout, in milliseconds.
  --first-byte-timeout-ms MS     Timeout for the first response byte, in milliseconds.
  --between-bytes-timeout-ms MS  Timeout between response body chunks, in milliseconds.
  --max-response-bytes N         Largest response body accepted, in bytes.
  --max-pages N                  Maximum pages one listing task requests.
  -v, --verbose                  Log each outbound request and the component's stderr
                                 to stderr (never headers or the token).

Options of sandbox:
  --port N        Port on 127.0.0.1. Default 0: the OS picks a free port.
  --token TOKEN   Bearer token the sandbox accepts. Default: the sandbox's demo token.
  --empty         Start without the demo data.

Environment:
  HUBSPOT_TOKEN     HubSpot private-app access token (required by run).
  HUBSPOT_BASE_URL  Base URL used when --base-url is not given.

Exit status: 0 on success, 1 when the task returned an error, 2 on a usage error,
3 when the component could not be loaded or trapped.
";

/// Prints a line to stdout like `println!`, but exits quietly with status 1 when
/// stdout is closed (for example when piped into `head`) instead of panicking.
macro_rules! outln {
    () => { write_stdout_line("") };
    ($($argument:tt)*) => { write_stdout_line(&format!($($argument)*)) };
}

fn write_stdout_line(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: failed to write to stdout: {error}");
        }
        std::process::exit(1);
    }
}

/// Exit status for a usage error.
const EXIT_USAGE: u8 = 2;
/// Exit status when the component could not be loaded or run.
const EXIT_HOST_FAILURE: u8 = 3;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = arguments.first() else {
        return usage_error("missing command");
    };
    let rest = &arguments[1..];
    match command.as_str() {
        "run" => run_command(rest),
        "sandbox" => sandbox_command(rest),
        "demo" => demo_command(rest),
        "help" | "--help" | "-h" => {
            outln!("{}", USAGE.trim_end());
            ExitCode::SUCCESS
        }
        other => usage_error(&format!("unknown command `{other}`")),
    }
}

fn usage_error(message: &str) -> ExitCode {
    let synopsis: String = USAGE.lines().take(5).map(|line| format!("{line}\n")).collect();
    eprintln!("error: {message}\n\n{synopsis}\nRun `hubspot help` for the options.");
    ExitCode::from(EXIT_USAGE)
}

fn host_failure(error: &anyhow::Error) -> ExitCode {
    eprintln!("error: {error:#}");
    ExitCode::from(EXIT_HOST_FAILURE)
}

fn new_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// Loads the component from `--component PATH`, or the embedded one.
fn load_host(component: Option<&str>, verbose: bool) -> anyhow::Result<Host> {
    let host = match component {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|error| anyhow::anyhow!("failed to read {path}: {error}"))?;
            Host::new(&bytes)?
        }
        None => Host::embedded()?,
    };
    Ok(host.with_verbose(verbose))
}

/// Options of `hubspot run`.
struct RunOptions {
    task: String,
    input: String,
    base_url: Option<String>,
    component: Option<String>,
    verbose: bool,
    setup_overrides: Vec<(String, u64)>,
}

/// The numeric setup fields that `run` accepts as `--NAME VALUE`.
const SETUP_OPTIONS: [&str; 7] = [
    "max-attempts",
    "max-retry-wait-ms",
    "connect-timeout-ms",
    "first-byte-timeout-ms",
    "between-bytes-timeout-ms",
    "max-response-bytes",
    "max-pages",
];

fn parse_run_options(arguments: &[String]) -> Result<RunOptions, String> {
    let mut task = None;
    let mut input = None;
    let mut base_url = None;
    let mut component = None;
    let mut verbose = false;
    let mut setup_overrides = Vec::new();

    let mut iter = arguments.iter();
    while let Some(argument) = iter.next() {
        let mut value_of = |name: &str| {
            iter.next()
                .cloned()
                .ok_or_else(|| format!("option {name} needs a value"))
        };
        match argument.as_str() {
            "--input" => input = Some(value_of("--input")?),
            "--input-file" => {
                let path = value_of("--input-file")?;
                input = Some(read_input_file(&path)?);
            }
            "--base-url" => base_url = Some(value_of("--base-url")?),
            "--component" => component = Some(value_of("--component")?),
            "-v" | "--verbose" => verbose = true,
            option if option.starts_with("--") && SETUP_OPTIONS.contains(&&option[2..]) => {
                let text = value_of(option)?;
                let value = text
                    .parse::<u64>()
                    .map_err(|_| format!("option {option} needs a non-negative integer, got `{text}`"))?;
                setup_overrides.push((option[2..].to_string(), value));
            }
            option if option.starts_with('-') && option != "-" => return Err(format!("unknown option `{option}`")),
            positional => {
                if task.is_some() {
                    return Err(format!("unexpected argument `{positional}`: run takes one task"));
                }
                task = Some(positional.to_string());
            }
        }
    }

    let task = task.ok_or("missing TASK, such as TASK_GET_CONTACT or get-contact")?;
    let input = input.ok_or("missing --input JSON or --input-file PATH")?;
    Ok(RunOptions {
        task,
        input,
        base_url,
        component,
        verbose,
        setup_overrides,
    })
}

fn read_input_file(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| format!("failed to read the input from stdin: {error}"))?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|error| format!("failed to read the input file {path}: {error}"))
}

fn apply_setup_override(setup: &mut Setup, name: &str, value: u64) -> Result<(), String> {
    let as_u32 = || u32::try_from(value).map_err(|_| format!("--{name} must be at most {}", u32::MAX));
    match name {
        "max-attempts" => setup.max_attempts = Some(as_u32()?),
        "max-retry-wait-ms" => setup.max_retry_wait_ms = Some(value),
        "connect-timeout-ms" => setup.connect_timeout_ms = Some(value),
        "first-byte-timeout-ms" => setup.first_byte_timeout_ms = Some(value),
        "between-bytes-timeout-ms" => setup.between_bytes_timeout_ms = Some(value),
        "max-response-bytes" => setup.max_response_bytes = Some(value),
        "max-pages" => setup.max_pages = Some(as_u32()?),
        _ => return Err(format!("unknown setup option --{name}")),
    }
    Ok(())
}

fn run_command(arguments: &[String]) -> ExitCode {
    let options = match parse_run_options(arguments) {
        Ok(options) => options,
        Err(message) => return usage_error(&message),
    };
    let token = match std::env::var("HUBSPOT_TOKEN") {
        Ok(token) if !token.trim().is_empty() => token,
        _ => return usage_error("HUBSPOT_TOKEN is not set; export your HubSpot private-app access token"),
    };
    let base_url = options
        .base_url
        .clone()
        .or_else(|| std::env::var("HUBSPOT_BASE_URL").ok().filter(|url| !url.is_empty()))
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
    let mut setup = host_test::setup(&token, &base_url);
    for (name, value) in &options.setup_overrides {
        if let Err(message) = apply_setup_override(&mut setup, name, *value) {
            return usage_error(&message);
        }
    }

    let outcome = new_runtime().and_then(|runtime| {
        runtime.block_on(async {
            let host = load_host(options.component.as_deref(), options.verbose)?;
            host.execute(&setup, &options.task, &options.input).await
        })
    });
    match outcome {
        Ok(Ok(output)) => {
            outln!("{}", pretty_json(&output));
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => {
            eprintln!("error: {}", describe_error(&error));
            ExitCode::FAILURE
        }
        Err(error) => host_failure(&error),
    }
}

/// Re-indents the component's JSON output; returns it unchanged if it is not JSON.
fn pretty_json(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => serde_json::to_string_pretty(&value).unwrap_or_else(|_| text.to_string()),
        Err(_) => text.to_string(),
    }
}

fn sandbox_command(arguments: &[String]) -> ExitCode {
    let mut options = SandboxOptions::default();
    let mut iter = arguments.iter();
    while let Some(argument) = iter.next() {
        match argument.as_str() {
            "--port" => {
                let Some(text) = iter.next() else {
                    return usage_error("option --port needs a value");
                };
                match text.parse::<u16>() {
                    Ok(port) => options.port = port,
                    Err(_) => return usage_error(&format!("option --port needs a port number (0 to 65535), got `{text}`")),
                }
            }
            "--token" => {
                let Some(token) = iter.next() else {
                    return usage_error("option --token needs a value");
                };
                options.token = token.clone();
            }
            "--empty" => options.seed = false,
            other => return usage_error(&format!("unknown argument `{other}` for sandbox")),
        }
    }

    let sandbox = match Sandbox::start_with(options) {
        Ok(sandbox) => sandbox,
        Err(error) => return host_failure(&error.context("failed to start the sandbox")),
    };
    let base_url = sandbox.base_url();
    let token = sandbox.token();
    outln!("HubSpot sandbox listening on {base_url}");
    outln!("token: {token}");
    outln!();
    outln!("Try, from another shell:");
    outln!("  export HUBSPOT_TOKEN={token} HUBSPOT_BASE_URL={base_url}");
    // The path of this very binary, since `hubspot` is usually not on PATH.
    let program = std::env::current_exe()
        .ok()
        .and_then(|path| {
            let relative = std::env::current_dir().ok().and_then(|dir| path.strip_prefix(dir).ok().map(|p| p.to_path_buf()));
            relative.or(Some(path))
        })
        .map(|path| path.display().to_string())
        .unwrap_or_else(|| "hubspot".to_string());
    outln!("  {program} run TASK_GET_CONTACT --input '{{\"contact-id-or-email\":\"151\"}}'");
    outln!();
    outln!("Press Ctrl-C to stop.");

    // The sandbox serves on its own thread; this thread only waits for Ctrl-C.
    let waited = new_runtime().and_then(|runtime| Ok(runtime.block_on(tokio::signal::ctrl_c())?));
    drop(sandbox);
    match waited {
        Ok(()) => {
            eprintln!("sandbox stopped");
            ExitCode::SUCCESS
        }
        Err(error) => host_failure(&error.context("failed to wait for Ctrl-C")),
    }
}

/// The demo's tasks and inputs, using the sandbox's seeded records.
const DEMO_TASKS: [(&str, &str); 15] = [
    ("TASK_GET_CONTACT", r#"{"contact-id-or-email":"151"}"#),
    (
        "TASK_CREATE_CONTACT",
        r#"{"email":"demo.contact@example.com","first-name":"Demo","last-name":"Contact","job-title":"Buyer","create-companies-association":["700"]}"#,
    ),
    ("TASK_GET_DEAL", r#"{"deal-id":"9001"}"#),
    (
        "TASK_CREATE_DEAL",
        r#"{"deal-name":"Demo deal","pipeline":"default","deal-stage":"appointmentscheduled","amount":1500.5,"close-date":"2026-12-31","create-contacts-association":["151"]}"#,
    ),
    (
        "TASK_UPDATE_DEAL",
        r#"{"deal-id":"9001","deal-stage":"qualifiedtobuy","create-contacts-association":["201"]}"#,
    ),
    ("TASK_GET_COMPANY", r#"{"company-id":"700"}"#),
    (
        "TASK_CREATE_COMPANY",
        r#"{"company-name":"Demo Company","company-domain":"demo-company.example.com","city":"Taipei","create-contacts-association":["202"]}"#,
    ),
    ("TASK_GET_TICKET", r#"{"ticket-id":"4001"}"#),
    (
        "TASK_CREATE_TICKET",
        r#"{"ticket-name":"Demo ticket","ticket-status":"1","pipeline":"0","priority":"MEDIUM","create-contacts-association":["151"]}"#,
    ),
    (
        "TASK_UPDATE_TICKET",
        r#"{"ticket-id":"4001","priority":"HIGH","create-contacts-association":["202"]}"#,
    ),
    ("TASK_GET_THREAD", r#"{"thread-id":"8001"}"#),
    (
        "TASK_INSERT_MESSAGE",
        r#"{"thread-id":"8001","sender-actor-id":"A-3892666","recipients":["Ana.Lima+VIP@example.com"],"channel-account-id":"55","subject":"Your order","text":"Hello Ana, your order has shipped."}"#,
    ),
    ("TASK_RETRIEVE_ASSOCIATION", r#"{"contact-id":"151","object-type":"Companies"}"#),
    ("TASK_GET_OWNER", r#"{"id-type":"Owner ID","id":"1001"}"#),
    ("TASK_GET_ALL", r#"{"object-type":"Contacts"}"#),
];

fn demo_command(arguments: &[String]) -> ExitCode {
    let mut component = None;
    let mut verbose = false;
    let mut iter = arguments.iter();
    while let Some(argument) = iter.next() {
        match argument.as_str() {
            "--component" => match iter.next() {
                Some(path) => component = Some(path.clone()),
                None => return usage_error("option --component needs a value"),
            },
            "-v" | "--verbose" => verbose = true,
            other => return usage_error(&format!("unknown argument `{other}` for demo")),
        }
    }

    let sandbox = match Sandbox::start() {
        Ok(sandbox) => sandbox,
        Err(error) => return host_failure(&error.context("failed to start the sandbox")),
    };
    let setup = host_test::setup(&sandbox.token(), &sandbox.base_url());
    outln!("HubSpot sandbox on {}\n", sandbox.base_url());

    let outcome = new_runtime().and_then(|runtime| {
        runtime.block_on(async {
            let host = load_host(component.as_deref(), verbose)?;
            let mut failures = 0;
            for (index, (task, input)) in DEMO_TASKS.iter().enumerate() {
                outln!("[{}/{}] {task}", index + 1, DEMO_TASKS.len());
                outln!("input:  {input}");
                match host.execute(&setup, task, input).await? {
                    Ok(output) => outln!("output: {}\n", indent_continuation(&pretty_json(&output))),
                    Err(error) => {
                        failures += 1;
                        outln!("error:  {}\n", describe_error(&error));
                    }
                }
            }
            anyhow::Ok(failures)
        })
    });
    match outcome {
        Ok(0) => {
            outln!("All {} tasks succeeded.", DEMO_TASKS.len());
            ExitCode::SUCCESS
        }
        Ok(failures) => {
            outln!("{failures} of {} tasks failed.", DEMO_TASKS.len());
            ExitCode::FAILURE
        }
        Err(error) => host_failure(&error),
    }
}

/// Indents every line but the first by eight spaces, to align under `output: `.
fn indent_continuation(text: &str) -> String {
    text.replace('\n', "\n        ")
}

/// Formats a task error on one line: the case, the HTTP status where there is
/// one, HubSpot's message, then the details that help to act on it.
fn describe_error(error: &Error) -> String {
    match error {
        Error::InvalidInput(input) => format!("invalid-input: {}: {}", input.field, input.message),
        Error::Unauthorized(api) => describe_api("unauthorized", api, &[]),
        Error::Forbidden(forbidden) => {
            let mut details = Vec::new();
            if !forbidden.required_scopes.is_empty() {
                details.push(format!("missing scopes: {}", forbidden.required_scopes.join(", ")));
            }
            describe_api("forbidden", &forbidden.api, &details)
        }
        Error::NotFound(api) => describe_api("not-found", api, &[]),
        Error::Conflict(conflict) => {
            let details: Vec<String> = conflict.existing_id.iter().map(|id| format!("existing ID {id}")).collect();
            describe_api("conflict", &conflict.api, &details)
        }
        Error::RateLimited(limit) => {
            let mut details = Vec::new();
            if let Some(policy) = &limit.policy {
                details.push(format!("policy {policy}"));
            }
            if limit.daily_limit {
                details.push("daily limit reached".to_string());
            }
            details.push(format!("{} attempts", limit.attempts));
            describe_api("rate-limited", &limit.api, &details)
        }
        Error::Api(api) => describe_api("api", api, &[]),
        Error::Transport(transport) => {
            let mut text = format!(
                "transport ({}): {}; {} attempts",
                transport_kind_name(transport.kind),
                transport.message,
                transport.attempts
            );
            text.push_str(&write_state_note(transport.write_state));
            text
        }
        Error::InvalidResponse(response) => {
            let mut text = format!("invalid-response (HTTP {}): {}", response.status, response.message);
            text.push_str(&write_state_note(response.write_state));
            text
        }
        Error::PartialWrite(partial) => {
            let status = partial.status.map(|status| format!(" (HTTP {status})")).unwrap_or_default();
            format!(
                "partial-write{status}: {}; already applied: {} (record {})",
                partial.message, partial.applied, partial.record_id
            )
        }
        Error::DeliveryFailed(delivery) => {
            let reason = delivery
                .error_message
                .as_ref()
                .map(|reason| format!(", reason: {reason}"))
                .unwrap_or_default();
            format!(
                "delivery-failed: {} (message {}, status {}{reason})",
                delivery.message, delivery.message_id, delivery.status_type
            )
        }
        Error::Other(message) => format!("other: {message}"),
    }
}

fn describe_api(case: &str, api: &ApiError, details: &[String]) -> String {
    let mut text = format!("{case} (HTTP {}): {}", api.status, api.message);
    let mut details = details.to_vec();
    if !api.invalid_properties.is_empty() {
        details.push(format!("invalid properties: {}", api.invalid_properties.join(", ")));
    }
    if !details.is_empty() {
        text.push_str("; ");
        text.push_str(&details.join("; "));
    }
    let mut tags = Vec::new();
    if let Some(category) = &api.category {
        tags.push(format!("category {category}"));
    }
    if let Some(correlation_id) = &api.correlation_id {
        tags.push(format!("correlation-id {correlation_id}"));
    }
    if !tags.is_empty() {
        text.push_str(&format!(" [{}]", tags.join(", ")));
    }
    text.push_str(&write_state_note(api.write_state));
    text
}

/// Warns when a failed request may have written to HubSpot.
fn write_state_note(state: WriteState) -> String {
    match state {
        WriteState::None => String::new(),
        WriteState::Unknown => "; the write may have been applied: check HubSpot before retrying".to_string(),
        WriteState::Applied => "; the write was applied".to_string(),
    }
}

fn transport_kind_name(kind: TransportKind) -> &'static str {
    match kind {
        TransportKind::Denied => "denied",
        TransportKind::Dns => "dns",
        TransportKind::ConnectionRefused => "connection-refused",
        TransportKind::ConnectTimeout => "connect-timeout",
        TransportKind::ReadTimeout => "read-timeout",
        TransportKind::Tls => "tls",
        TransportKind::ConnectionClosed => "connection-closed",
        TransportKind::Other => "other",
    }
}
