//! Shared harness of the integration tests: one compiled component per test
//! binary, a fresh seeded sandbox per test, and helpers that run a task through
//! the component's JSON entry point and read back what the sandbox received.

#![allow(dead_code)]

use std::sync::OnceLock;

use host_test::sandbox::{CrmObject, ObjectType, RecordedRequest, Sandbox};
use host_test::types::Error;
use host_test::{setup, Host, Setup};
use serde_json::Value;

/// Returns the host shared by every test of the binary: compiling the component
/// is the slow part, and wasmtime's on-disk cache makes later runs fast.
pub fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| Host::embedded().expect("the embedded component compiles"))
}

/// Starts a sandbox seeded with the demo data.
pub fn sandbox() -> Sandbox {
    Sandbox::start().expect("the sandbox starts on 127.0.0.1")
}

/// Returns a setup pointing at `sandbox`, with its token and no retry waits longer
/// than a test should take.
pub fn setup_for(sandbox: &Sandbox) -> Setup {
    setup(&sandbox.token(), &sandbox.base_url())
}

/// Runs `task` on `input` through `execute` in a fresh instance, and parses the
/// output JSON. Panics when the component traps.
pub async fn run(sandbox: &Sandbox, task: &str, input: Value) -> Result<Value, Error> {
    run_with(&setup_for(sandbox), task, input).await
}

/// Like [`run`], with an explicit setup.
pub async fn run_with(setup: &Setup, task: &str, input: Value) -> Result<Value, Error> {
    let output = host()
        .execute(setup, task, &input.to_string())
        .await
        .expect("the component does not trap");
    output.map(|text| serde_json::from_str(&text).expect("execute returns JSON"))
}

/// Returns "METHOD path?query" for every request the sandbox received.
pub fn lines(sandbox: &Sandbox) -> Vec<String> {
    sandbox
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path_and_query))
        .collect()
}

/// Returns the only request the sandbox received, failing when there were others.
pub fn only_request(sandbox: &Sandbox) -> RecordedRequest {
    let requests = sandbox.requests();
    assert_eq!(requests.len(), 1, "expected exactly one request, got {:?}", lines(sandbox));
    requests.into_iter().next().expect("one request")
}

/// Returns the case name of an error, as in the WIT (`not-found`).
pub fn case(error: &Error) -> &'static str {
    match error {
        Error::InvalidInput(_) => "invalid-input",
        Error::Unauthorized(_) => "unauthorized",
        Error::Forbidden(_) => "forbidden",
        Error::NotFound(_) => "not-found",
        Error::Conflict(_) => "conflict",
        Error::RateLimited(_) => "rate-limited",
        Error::Api(_) => "api",
        Error::Transport(_) => "transport",
        Error::InvalidResponse(_) => "invalid-response",
        Error::PartialWrite(_) => "partial-write",
        Error::DeliveryFailed(_) => "delivery-failed",
        Error::Other(_) => "other",
    }
}

/// Returns the field named by an `invalid-input` error, failing on other cases.
pub fn invalid_field(error: &Error) -> String {
    match error {
        Error::InvalidInput(e) => e.field.clone(),
        other => panic!("expected invalid-input, got {other:?}"),
    }
}

/// How a task touches HubSpot, which decides how the component retries it: reads
/// use GET, creates use POST (never retried after a 5xx or a timeout), updates
/// use PATCH.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Create,
    Update,
}

/// One task with an input that succeeds against the seeded sandbox in exactly one
/// request.
#[derive(Clone, Debug)]
pub struct TaskCase {
    pub task: &'static str,
    pub input: Value,
    pub access: Access,
}

/// Returns all fifteen tasks, each with a valid input for the seeded sandbox.
pub fn valid_cases() -> Vec<TaskCase> {
    use serde_json::json;
    let case = |task, input, access| TaskCase { task, input, access };
    vec![
        case("TASK_GET_CONTACT", json!({"contact-id-or-email": "151"}), Access::Read),
        case("TASK_CREATE_CONTACT", json!({"email": "new.person@example.com", "first-name": "New"}), Access::Create),
        case("TASK_GET_DEAL", json!({"deal-id": "9001"}), Access::Read),
        case(
            "TASK_CREATE_DEAL",
            json!({"deal-name": "Fault deal", "pipeline": "default", "deal-stage": "appointmentscheduled", "amount": 10}),
            Access::Create,
        ),
        case("TASK_UPDATE_DEAL", json!({"deal-id": "9001", "deal-name": "Q3 renewal (edited)"}), Access::Update),
        case("TASK_GET_COMPANY", json!({"company-id": "700"}), Access::Read),
        case("TASK_CREATE_COMPANY", json!({"company-domain": "new-company.example"}), Access::Create),
        case("TASK_GET_TICKET", json!({"ticket-id": "4001"}), Access::Read),
        case(
            "TASK_CREATE_TICKET",
            json!({"ticket-name": "Fault ticket", "ticket-status": "1", "pipeline": "0"}),
            Access::Create,
        ),
        case("TASK_UPDATE_TICKET", json!({"ticket-id": "4001", "priority": "LOW"}), Access::Update),
        case("TASK_GET_THREAD", json!({"thread-id": "8001"}), Access::Read),
        case(
            "TASK_INSERT_MESSAGE",
            json!({
                "thread-id": "8001",
                "sender-actor-id": "A-3892666",
                "recipients": ["Ana.Lima+VIP@example.com"],
                "channel-account-id": "55",
                "subject": "Re: Login fails",
                "text": "We reset your SSO session."
            }),
            Access::Create,
        ),
        case("TASK_RETRIEVE_ASSOCIATION", json!({"contact-id": "151", "object-type": "Deals"}), Access::Read),
        case("TASK_GET_OWNER", json!({"id-type": "Owner ID", "id": "1001"}), Access::Read),
        case("TASK_GET_ALL", json!({"object-type": "Deals"}), Access::Read),
    ]
}

/// Unwraps a typed call's outer result, failing the test when the component
/// trapped.
pub fn no_trap<T>(result: anyhow::Result<T>) -> T {
    result.expect("the component does not trap")
}

/// Returns a copy of the stored record, releasing the store lock before the
/// caller runs the component again.
pub fn stored(sandbox: &Sandbox, object_type: ObjectType, id: &str) -> CrmObject {
    let id: u64 = id.parse().expect("record IDs are numeric");
    sandbox
        .store()
        .object(object_type, id)
        .cloned()
        .unwrap_or_else(|| panic!("the sandbox stores {object_type:?} {id}"))
}

/// Returns a stored property value, `None` when the record has none.
pub fn stored_property(record: &CrmObject, name: &str) -> Option<String> {
    record.properties.get(name).cloned()
}

/// Returns the IDs of the records of type `to` associated with a stored record,
/// each with its association type IDs.
pub fn stored_associations(sandbox: &Sandbox, from: ObjectType, id: &str, to: ObjectType) -> Vec<(u64, Vec<u32>)> {
    let id: u64 = id.parse().expect("record IDs are numeric");
    sandbox.store().associations(from, id, to)
}

/// Returns the keys of a JSON object, sorted.
pub fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().expect("a JSON object").keys().cloned().collect();
    keys.sort();
    keys
}
