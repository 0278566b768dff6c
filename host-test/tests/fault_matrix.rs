//! Every task against every injected fault, run in wasmtime through `execute`
//! against a fresh seeded sandbox per task. Each cell checks the error case (or
//! success) and how many requests reached the sandbox. Reads and updates are
//! retried after a 5xx or a timeout, and creates (POST) never are. A ten-second
//! 429 is retried for every method, because HubSpot applied nothing.

mod common;

use common::{case, host, valid_cases, Access, TaskCase};
use host_test::sandbox::{Fault, RecordedRequest, Sandbox};
use host_test::types::{Error, TransportKind, WriteState};
use host_test::Setup;
use serde_json::Value;

/// Attempts per request in these tests.
const MAX_ATTEMPTS: u32 = 3;

/// The scope named by the injected 403.
const SCOPE: &str = "crm.objects.deals.read";

/// What one task run produced.
struct Cell {
    case: TaskCase,
    result: Result<Value, Error>,
    requests: Vec<RecordedRequest>,
}

impl Cell {
    fn label(&self) -> String {
        let lines: Vec<String> = self
            .requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.path_and_query))
            .collect();
        format!("{} -> {:?}; requests {:?}", self.case.task, self.result, lines)
    }

    fn error(&self) -> &Error {
        match &self.result {
            Err(error) => error,
            Ok(output) => panic!("{}: expected an error, got {output}", self.case.task),
        }
    }
}

fn fast_setup(sandbox: &Sandbox) -> Setup {
    let mut setup = host_test::setup(&sandbox.token(), &sandbox.base_url());
    setup.max_attempts = Some(MAX_ATTEMPTS);
    setup.max_retry_wait_ms = Some(5_000);
    setup.connect_timeout_ms = Some(2_000);
    setup.first_byte_timeout_ms = Some(300);
    setup.between_bytes_timeout_ms = Some(300);
    setup
}

/// Runs every task at once, each against its own sandbox with `fault` injected.
async fn run_matrix(fault: fn() -> Option<Fault>, max_attempts: u32) -> Vec<Cell> {
    let mut handles = Vec::new();
    for case in valid_cases() {
        handles.push(tokio::spawn(async move {
            let sandbox = common::sandbox();
            if let Some(fault) = fault() {
                sandbox.inject(fault);
            }
            let mut setup = fast_setup(&sandbox);
            setup.max_attempts = Some(max_attempts);
            let output = host()
                .execute(&setup, case.task, &case.input.to_string())
                .await
                .unwrap_or_else(|trap| panic!("{} trapped: {trap:?}", case.task));
            let result = output.map(|text| serde_json::from_str(&text).expect("execute returns JSON"));
            let requests = sandbox.requests();
            Cell { case, result, requests }
        }));
    }
    let mut cells = Vec::new();
    for handle in handles {
        cells.push(handle.await.expect("the task run does not panic"));
    }
    cells
}

fn write_state(error: &Error) -> Option<WriteState> {
    match error {
        Error::Unauthorized(api) | Error::NotFound(api) | Error::Api(api) => Some(api.write_state),
        Error::Forbidden(forbidden) => Some(forbidden.api.write_state),
        Error::Conflict(conflict) => Some(conflict.api.write_state),
        Error::RateLimited(limit) => Some(limit.api.write_state),
        Error::Transport(transport) => Some(transport.write_state),
        Error::InvalidResponse(response) => Some(response.write_state),
        _ => None,
    }
}

/// Write state after a 5xx or a timeout: GET wrote nothing, PATCH and POST may have.
fn unknown_unless_read(access: Access) -> WriteState {
    match access {
        Access::Read => WriteState::None,
        Access::Create | Access::Update => WriteState::Unknown,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_fault_succeeds_in_one_request() {
    for cell in run_matrix(|| None, MAX_ATTEMPTS).await {
        assert!(cell.result.is_ok(), "{}", cell.label());
        assert_eq!(cell.requests.len(), 1, "{}", cell.label());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn status_401_is_unauthorized() {
    for cell in run_matrix(|| Some(Fault::status(401)), MAX_ATTEMPTS).await {
        assert_eq!(case(cell.error()), "unauthorized", "{}", cell.label());
        assert_eq!(write_state(cell.error()), Some(WriteState::None), "{}", cell.label());
        assert_eq!(cell.requests.len(), 1, "{}", cell.label());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn status_403_names_missing_scope() {
    for cell in run_matrix(|| Some(Fault::status(403).missing_scopes(&[SCOPE])), MAX_ATTEMPTS).await {
        let Error::Forbidden(forbidden) = cell.error() else { panic!("expected forbidden: {}", cell.label()) };
        assert_eq!(forbidden.required_scopes, [SCOPE], "{}", cell.label());
        assert_eq!(forbidden.api.category.as_deref(), Some("MISSING_SCOPES"), "{}", cell.label());
        assert_eq!(cell.requests.len(), 1, "{}", cell.label());
    }
}

/// Requests a task sends when every request gets 404: Get Owner looks up an
/// archived owner after the first 404.
fn requests_on_404(case: &TaskCase) -> usize {
    if case.task == "TASK_GET_OWNER" {
        2
    } else {
        1
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn status_404_json_is_not_found() {
    for cell in run_matrix(|| Some(Fault::status(404)), MAX_ATTEMPTS).await {
        let Error::NotFound(api) = cell.error() else { panic!("expected not-found: {}", cell.label()) };
        assert_eq!(api.category.as_deref(), Some("OBJECT_NOT_FOUND"), "{}", cell.label());
        assert_eq!(cell.requests.len(), requests_on_404(&cell.case), "{}", cell.label());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn status_404_html_is_not_found() {
    for cell in run_matrix(|| Some(Fault::not_found_html()), MAX_ATTEMPTS).await {
        let Error::NotFound(api) = cell.error() else { panic!("expected not-found: {}", cell.label()) };
        assert_eq!(api.category, None, "{}", cell.label());
        assert!(api.message.contains("not HubSpot's JSON error"), "{}", cell.label());
        assert!(api.message.contains("text/html"), "{}", cell.label());
        assert_eq!(cell.requests.len(), requests_on_404(&cell.case), "{}", cell.label());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn status_409_is_conflict() {
    for cell in run_matrix(|| Some(Fault::status(409)), MAX_ATTEMPTS).await {
        let Error::Conflict(conflict) = cell.error() else { panic!("expected conflict: {}", cell.label()) };
        assert_eq!(conflict.existing_id.as_deref(), Some("151"), "{}", cell.label());
        assert_eq!(cell.requests.len(), 1, "{}", cell.label());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn daily_429_is_final() {
    for cell in run_matrix(|| Some(Fault::rate_limit_daily()), MAX_ATTEMPTS).await {
        let Error::RateLimited(limit) = cell.error() else { panic!("expected rate-limited: {}", cell.label()) };
        assert!(limit.daily_limit, "{}", cell.label());
        assert_eq!(limit.attempts, 1, "{}", cell.label());
        assert_eq!(cell.requests.len(), 1, "{}", cell.label());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn persistent_429_uses_all_attempts() {
    for cell in run_matrix(|| Some(Fault::rate_limit_ten_secondly(Some(0))), MAX_ATTEMPTS).await {
        let Error::RateLimited(limit) = cell.error() else { panic!("expected rate-limited: {}", cell.label()) };
        assert!(!limit.daily_limit, "{}", cell.label());
        assert_eq!(limit.attempts, MAX_ATTEMPTS, "{}", cell.label());
        assert_eq!(limit.api.write_state, WriteState::None, "{}", cell.label());
        assert_eq!(cell.requests.len(), MAX_ATTEMPTS as usize, "{}", cell.label());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn status_500_retries_all_but_creates() {
    let fault = || Some(Fault::status(500).header("Retry-After", "0"));
    for cell in run_matrix(fault, MAX_ATTEMPTS).await {
        let Error::Api(api) = cell.error() else { panic!("expected api: {}", cell.label()) };
        assert_eq!(api.status, 500, "{}", cell.label());
        assert_eq!(api.write_state, unknown_unless_read(cell.case.access), "{}", cell.label());
        let expected = match cell.case.access {
            Access::Create => 1,
            Access::Read | Access::Update => MAX_ATTEMPTS as usize,
        };
        assert_eq!(cell.requests.len(), expected, "{}", cell.label());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_502_then_success() {
    let fault = || Some(Fault::status(502).header("Retry-After", "0").times(1));
    for cell in run_matrix(fault, MAX_ATTEMPTS).await {
        match cell.case.access {
            Access::Read | Access::Update => {
                assert!(cell.result.is_ok(), "{}", cell.label());
                assert_eq!(cell.requests.len(), 2, "{}", cell.label());
            }
            Access::Create => {
                let Error::Api(api) = cell.error() else { panic!("expected api: {}", cell.label()) };
                assert_eq!(api.status, 502, "{}", cell.label());
                assert_eq!(api.write_state, WriteState::Unknown, "{}", cell.label());
                assert_eq!(cell.requests.len(), 1, "{}", cell.label());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn stalled_response_times_out() {
    // Two attempts keep the run short: 300 ms timeout, 500 ms backoff, 300 ms.
    for cell in run_matrix(|| Some(Fault::stall()), 2).await {
        let Error::Transport(transport) = cell.error() else { panic!("expected transport: {}", cell.label()) };
        assert_eq!(transport.kind, TransportKind::ReadTimeout, "{}", cell.label());
        assert_eq!(transport.write_state, unknown_unless_read(cell.case.access), "{}", cell.label());
        let expected = match cell.case.access {
            Access::Create => 1,
            Access::Read | Access::Update => 2,
        };
        assert_eq!(cell.requests.len(), expected, "{}", cell.label());
        assert_eq!(transport.attempts as usize, expected, "{}", cell.label());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_body_is_invalid_response() {
    for cell in run_matrix(|| Some(Fault::malformed_json()), MAX_ATTEMPTS).await {
        let Error::InvalidResponse(response) = cell.error() else {
            panic!("expected invalid-response: {}", cell.label())
        };
        assert_eq!(response.status, 200, "{}", cell.label());
        let expected_state = match cell.case.access {
            Access::Read => WriteState::None,
            Access::Create | Access::Update => WriteState::Applied,
        };
        assert_eq!(response.write_state, expected_state, "{}", cell.label());
        assert_eq!(cell.requests.len(), 1, "{}", cell.label());
    }
}
