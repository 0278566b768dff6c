//! Checks that the access token never leaves through an error, the guest's
//! stderr, the host's verbose log or the `hubspot` CLI's output. The failures
//! covered are invalid input, error statuses, timeouts, denied requests,
//! unreadable bodies, and servers that echo the token back in their messages.

mod common;

use std::process::{Command, Output};

use common::{case, host};
use host_test::sandbox::{Fault, Sandbox, SandboxOptions};
use host_test::Setup;
use serde_json::{json, Value};

/// The token every sandbox of this file accepts, easy to find in any output.
const TOKEN: &str = "pat-na1-RECOGNISABLE-7f3a9c";

/// The distinctive part of the token, searched for without regard to case.
const TOKEN_CORE: &str = "recognisable-7f3a9c";

fn token_sandbox() -> Sandbox {
    Sandbox::start_with(SandboxOptions {
        token: TOKEN.into(),
        ..Default::default()
    })
    .expect("the sandbox starts on 127.0.0.1")
}

fn fast_setup(sandbox: &Sandbox) -> Setup {
    let mut setup = host_test::setup(TOKEN, &sandbox.base_url());
    setup.max_attempts = Some(2);
    setup.max_retry_wait_ms = Some(1_000);
    setup.first_byte_timeout_ms = Some(300);
    setup.between_bytes_timeout_ms = Some(300);
    setup
}

fn assert_clean(label: &str, what: &str, text: &str) {
    assert!(!text.contains(TOKEN), "{label}: the token appears in the {what}: {text}");
    assert!(
        !text.to_ascii_lowercase().contains(TOKEN_CORE),
        "{label}: part of the token appears in the {what}: {text}"
    );
}

/// One failure path: faults to inject, then a task run that must fail.
struct Scenario {
    label: &'static str,
    faults: Vec<Fault>,
    task: &'static str,
    input: Value,
}

fn scenario(label: &'static str, faults: Vec<Fault>, task: &'static str, input: Value) -> Scenario {
    Scenario { label, faults, task, input }
}

fn echo(text: &str) -> String {
    format!("The token {TOKEN} is not valid for this call ({text})")
}

fn get_deal() -> Value {
    json!({"deal-id": "9001"})
}

fn create_deal() -> Value {
    json!({"deal-name": "Deal", "pipeline": "default", "deal-stage": "appointmentscheduled"})
}

/// Failure paths that reach the sandbox.
fn server_scenarios() -> Vec<Scenario> {
    vec![
        scenario("401", vec![Fault::status(401)], "TASK_GET_DEAL", get_deal()),
        scenario("401 echo", vec![Fault::status(401).message(&echo("401"))], "TASK_GET_DEAL", get_deal()),
        scenario("403", vec![Fault::status(403).missing_scopes(&["crm.objects.deals.read"])], "TASK_GET_DEAL", get_deal()),
        scenario("403 scope echo", vec![Fault::status(403).missing_scopes(&[TOKEN])], "TASK_GET_DEAL", get_deal()),
        scenario("404", vec![Fault::status(404)], "TASK_GET_DEAL", get_deal()),
        scenario("404 html", vec![Fault::not_found_html()], "TASK_GET_DEAL", get_deal()),
        scenario("409 echo", vec![Fault::status(409).message(&echo("Existing ID: 151"))], "TASK_CREATE_DEAL", create_deal()),
        scenario("429 daily", vec![Fault::rate_limit_daily()], "TASK_GET_DEAL", get_deal()),
        scenario("429 persistent", vec![Fault::rate_limit_ten_secondly(Some(0))], "TASK_GET_DEAL", get_deal()),
        scenario("500", vec![Fault::status(500).header("Retry-After", "0")], "TASK_GET_DEAL", get_deal()),
        scenario("502 on create", vec![Fault::status(502)], "TASK_CREATE_DEAL", create_deal()),
        scenario("400 echo", vec![Fault::status(400).message(&echo("400"))], "TASK_CREATE_DEAL", create_deal()),
        scenario(
            "html echo",
            vec![Fault::raw(502, "text/html", &format!("<html><body>{TOKEN}</body></html>"))
                .header("x-hubspot-correlation-id", TOKEN)],
            "TASK_CREATE_DEAL",
            create_deal(),
        ),
        scenario("stall", vec![Fault::stall()], "TASK_GET_DEAL", get_deal()),
        scenario("stalled body", vec![Fault::stall_body()], "TASK_GET_DEAL", get_deal()),
        scenario("truncated body", vec![Fault::truncated_body()], "TASK_GET_DEAL", get_deal()),
        scenario("malformed json", vec![Fault::malformed_json()], "TASK_GET_DEAL", get_deal()),
        scenario("empty body", vec![Fault::empty_body()], "TASK_GET_DEAL", get_deal()),
        scenario("html page", vec![Fault::html_page()], "TASK_GET_DEAL", get_deal()),
        scenario("huge body", vec![Fault::huge_body(20_000_000)], "TASK_GET_DEAL", get_deal()),
        scenario(
            "malformed json echo",
            vec![Fault::raw(200, "application/json", &format!("{{\"id\": \"9001\", \"properties\": {{\"amount\": {TOKEN}"))],
            "TASK_GET_DEAL",
            get_deal(),
        ),
        scenario(
            "wrong value echo",
            vec![Fault::json(200, json!({"id": "9001", "properties": {"amount": TOKEN}}))],
            "TASK_GET_DEAL",
            get_deal(),
        ),
        scenario(
            "wrong id echo",
            vec![Fault::json(201, json!({"id": {"value": TOKEN}}))],
            "TASK_CREATE_DEAL",
            create_deal(),
        ),
        scenario(
            "partial write echo",
            vec![Fault::status(400).message(&echo("association")).on("PUT", "/crm/v4/")],
            "TASK_UPDATE_TICKET",
            json!({"ticket-id": "4001", "priority": "LOW", "create-contacts-association": ["152"]}),
        ),
        scenario(
            "delivery failure echo",
            vec![Fault::json(
                201,
                json!({"id": "m-1", "status": {"statusType": "FAILED", "failureDetails": {"errorMessage": echo("delivery")}}}),
            )
            .on("POST", "/conversations/")],
            "TASK_INSERT_MESSAGE",
            json!({"thread-id": "8001", "sender-actor-id": "A-3892666", "recipients": ["ana@example.com"],
                   "channel-account-id": "55", "subject": "Re", "text": "Hello"}),
        ),
    ]
}

/// Failure paths where the server echoes the token in an error that the component
/// retries, so the reason for the retry is logged before the final error.
fn retried_echo_scenarios() -> Vec<Scenario> {
    vec![
        scenario(
            "json echo in every field",
            vec![Fault::json(
                500,
                json!({"status": "error", "message": echo("500"), "category": TOKEN, "correlationId": TOKEN,
                       "policyName": TOKEN, "errors": [{"context": {"propertyName": [TOKEN]}}]}),
            )
            .header("x-hubspot-correlation-id", TOKEN)],
            "TASK_GET_DEAL",
            get_deal(),
        ),
        scenario(
            "429 echo",
            vec![Fault::json(429, json!({"status": "error", "message": echo("429"), "policyName": TOKEN}))
                .header("Retry-After", "0")],
            "TASK_GET_DEAL",
            get_deal(),
        ),
    ]
}

/// Invalid inputs that carry the token where a value or a name belongs.
fn input_scenarios() -> Vec<Scenario> {
    vec![
        scenario("invalid id", vec![], "TASK_GET_DEAL", json!({"deal-id": "12/../../owners"})),
        scenario("token as id", vec![], "TASK_GET_DEAL", json!({"deal-id": TOKEN})),
        scenario("token as email", vec![], "TASK_GET_CONTACT", json!({"contact-id-or-email": format!("{TOKEN}@")})),
        scenario("token as key", vec![], "TASK_GET_DEAL", json!({"deal-id": "9001", TOKEN: "x"})),
        scenario("token as enum", vec![], "TASK_GET_ALL", json!({"object-type": TOKEN})),
        scenario("token as property", vec![], "TASK_GET_DEAL", json!({"deal-id": "9001", "custom-properties": [format!("{TOKEN}!")]})),
        scenario("token as date", vec![], "TASK_CREATE_DEAL", json!({"deal-name": "x", "pipeline": "p", "deal-stage": "s", "close-date": TOKEN})),
        scenario("token as actor", vec![], "TASK_INSERT_MESSAGE",
            json!({"thread-id": "8001", "sender-actor-id": TOKEN, "recipients": ["ana@example.com"],
                   "channel-account-id": "55", "subject": "Re", "text": "Hello"})),
    ]
}

/// Runs one scenario in its own session and checks the error and the guest's
/// stderr.
async fn check_scenario(scenario: &Scenario) {
    let sandbox = token_sandbox();
    for fault in &scenario.faults {
        sandbox.inject(fault.clone());
    }
    let mut session = host().session(&fast_setup(&sandbox)).await.unwrap();

    // Calling through `parts` leaves the guest's stderr in the session's buffer;
    // `Session::execute` would move it to the host's log.
    let (tasks, store, setup) = session.parts();
    let setup = setup.clone();
    let result = tasks
        .call_execute(store, &setup, scenario.task, &scenario.input.to_string())
        .await
        .unwrap_or_else(|trap| panic!("{}: trapped: {trap:?}", scenario.label));

    let error = result.expect_err(scenario.label);
    assert_clean(scenario.label, "error", &format!("{error:?}"));
    assert_clean(scenario.label, "guest stderr", &session.guest_stderr());
}

#[tokio::test(flavor = "multi_thread")]
async fn server_failures_never_show_token() {
    for scenario in server_scenarios() {
        check_scenario(&scenario).await;
    }
}

#[tokio::test(flavor = "multi_thread")]

async fn retried_echoes_never_show_token() {
    for scenario in retried_echo_scenarios() {
        check_scenario(&scenario).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_inputs_never_show_token() {
    for scenario in input_scenarios() {
        check_scenario(&scenario).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_task_named_like_token() {
    let sandbox = token_sandbox();

    let error = host().execute(&fast_setup(&sandbox), TOKEN, "{}").await.unwrap().unwrap_err();

    assert_eq!(case(&error), "invalid-input");
    assert_clean("unknown task", "error", &format!("{error:?}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_setups_never_show_token() {
    let sandbox = token_sandbox();
    let base = fast_setup(&sandbox);
    let long_token = TOKEN.repeat(200);
    let with_token = |token: &str| Setup { token: token.to_string(), ..base.clone() };
    let with_url = |url: String| Setup { base_url: Some(url), ..base.clone() };
    let setups = [
        ("header injection", with_token(&format!("{TOKEN}\r\nX-Injected: 1"))),
        ("inner space", with_token(&format!("Bearer {TOKEN}"))),
        ("too long", with_token(&long_token)),
        ("non-ascii", with_token(&format!("{TOKEN}\u{e9}"))),
        ("token as user", with_url(format!("https://{TOKEN}@example.invalid"))),
        ("token as password", with_url(format!("https://user:{TOKEN}@example.invalid"))),
        ("token in query", with_url(format!("https://example.invalid/?token={TOKEN}"))),
        ("token in fragment", with_url(format!("https://example.invalid/#{TOKEN}"))),
        ("token in plain http path", with_url(format!("http://example.invalid/{TOKEN}"))),
    ];

    for (label, setup) in setups {
        let error = host().execute(&setup, "TASK_GET_DEAL", r#"{"deal-id":"9001"}"#).await.unwrap().unwrap_err();
        assert_eq!(case(&error), "invalid-input", "{label}: {error:?}");
        assert_clean(label, "error", &format!("{error:?}"));
    }
    assert!(sandbox.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]

async fn long_token_in_input_is_not_quoted() {
    // OAuth access tokens run to hundreds of characters. Error messages quote at
    // most 60 characters of a value, and a shortened copy no longer matches the
    // whole token, so the redaction must still catch it.
    let long_token = format!("pat-na1-{}", "0123456789abcdef".repeat(8));
    let sandbox = Sandbox::start_with(SandboxOptions {
        token: long_token.clone(),
        ..Default::default()
    })
    .expect("the sandbox starts on 127.0.0.1");
    let setup = host_test::setup(&long_token, &sandbox.base_url());

    let input = json!({"deal-id": long_token}).to_string();
    let error = host().execute(&setup, "TASK_GET_DEAL", &input).await.unwrap().unwrap_err();

    assert_eq!(case(&error), "invalid-input");
    let text = format!("{error:?}");
    let prefix = &long_token[..40];
    assert!(!text.contains(prefix), "the first 40 characters of the token appear in the error: {text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_request_never_shows_token() {
    let allowed = token_sandbox();
    let other = token_sandbox();
    let mut session = host().session(&fast_setup(&allowed)).await.unwrap();

    let (tasks, store, _) = session.parts();
    let result = tasks
        .call_execute(store, &fast_setup(&other), "TASK_GET_DEAL", r#"{"deal-id":"9001"}"#)
        .await
        .unwrap();

    let error = result.unwrap_err();
    assert_eq!(case(&error), "transport");
    assert_clean("denied", "error", &format!("{error:?}"));
    assert_clean("denied", "guest stderr", &session.guest_stderr());
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_sees_token_only_in_header() {
    // The token must reach the server, but only in the Authorization header.
    let sandbox = token_sandbox();
    sandbox.inject(Fault::status(400).message(&echo("400")));

    let _ = host().execute(&fast_setup(&sandbox), "TASK_CREATE_DEAL", &create_deal().to_string()).await.unwrap();

    let request = common::only_request(&sandbox);
    assert_eq!(request.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_clean("request", "request target", &request.path_and_query);
    assert_clean("request", "request body", &request.body);
    let other_headers: Vec<String> = request
        .headers
        .iter()
        .filter(|(name, _)| name != "authorization")
        .map(|(name, value)| format!("{name}: {value}"))
        .collect();
    assert_clean("request", "other headers", &other_headers.join("\n"));
}

/// Runs `hubspot run` with the token in `HUBSPOT_TOKEN` and the verbose flag.
fn run_cli(token: &str, base_url: &str, task: &str, input: &Value, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hubspot"))
        .arg("run")
        .arg(task)
        .arg("--input")
        .arg(input.to_string())
        .arg("--base-url")
        .arg(base_url)
        .arg("-v")
        .args(extra)
        .env("HUBSPOT_TOKEN", token)
        .env_remove("HUBSPOT_BASE_URL")
        .output()
        .expect("the hubspot binary runs")
}

fn assert_cli_clean(label: &str, output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{label}: exit status; stderr: {stderr}");
    assert!(stderr.contains("error"), "{label}: stderr has no error: {stderr}");
    assert_clean(label, "CLI stdout", &stdout);
    assert_clean(label, "CLI stderr", &stderr);
}

/// Options that keep the CLI's failing runs short.
const FAST_CLI: [&str; 8] = [
    "--max-attempts",
    "2",
    "--max-retry-wait-ms",
    "1000",
    "--first-byte-timeout-ms",
    "300",
    "--between-bytes-timeout-ms",
    "300",
];

#[test]
fn cli_server_failures_never_show_token() {
    for scenario in server_scenarios() {
        let sandbox = token_sandbox();
        for fault in &scenario.faults {
            sandbox.inject(fault.clone());
        }
        let output = run_cli(TOKEN, &sandbox.base_url(), scenario.task, &scenario.input, &FAST_CLI);
        assert_cli_clean(scenario.label, &output);
        // The verbose log is checked only if it was written.
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("[host]"), "{}: no verbose host log in {stderr}", scenario.label);
    }
}

#[test]

fn cli_retried_echoes_never_show_token() {
    for scenario in retried_echo_scenarios() {
        let sandbox = token_sandbox();
        for fault in &scenario.faults {
            sandbox.inject(fault.clone());
        }
        let output = run_cli(TOKEN, &sandbox.base_url(), scenario.task, &scenario.input, &FAST_CLI);
        assert_cli_clean(scenario.label, &output);
    }
}

#[test]
fn cli_invalid_inputs_never_show_token() {
    for scenario in input_scenarios() {
        let sandbox = token_sandbox();
        let output = run_cli(TOKEN, &sandbox.base_url(), scenario.task, &scenario.input, &FAST_CLI);
        assert_cli_clean(scenario.label, &output);
        assert!(sandbox.requests().is_empty(), "{}: requests were sent", scenario.label);
    }
}

#[test]
fn cli_invalid_setups_never_show_token() {
    let sandbox = token_sandbox();
    let input = get_deal();

    let output = run_cli(&format!("{TOKEN}\r\nX-Injected: 1"), &sandbox.base_url(), "TASK_GET_DEAL", &input, &[]);
    assert_cli_clean("header injection", &output);

    let output = run_cli(TOKEN, &format!("https://{TOKEN}@example.invalid"), "TASK_GET_DEAL", &input, &[]);
    assert_cli_clean("token in base URL", &output);

    let output = run_cli(TOKEN, &sandbox.base_url(), TOKEN, &input, &[]);
    assert_cli_clean("token as task", &output);

    assert!(sandbox.requests().is_empty());
}

#[test]
fn cli_wrong_token_is_unauthorized() {
    // The sandbox returns 401 for any other token, and the CLI must not print the
    // token it sent either.
    let sandbox = Sandbox::start().expect("the sandbox starts on 127.0.0.1");

    let output = run_cli(TOKEN, &sandbox.base_url(), "TASK_GET_DEAL", &get_deal(), &[]);

    assert_cli_clean("wrong token", &output);
    assert!(String::from_utf8_lossy(&output.stderr).contains("unauthorized"));
}
