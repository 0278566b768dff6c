//! Timeouts, the response size cap and the paging limits, run in wasmtime against
//! the sandbox. A stalled server must end in an error value, never a hang.

mod common;

use std::time::Duration;

use common::{case, host, invalid_field, lines, run, run_with, sandbox, setup_for};
use host_test::sandbox::{Fault, PagedRoute};
use host_test::types::{Error, GetDealInput, TransportKind, WriteState};
use serde_json::{json, Value};

/// The WIT file whose `setup` comments document the defaults.
const TYPES_WIT: &str = include_str!("../../wit/types.wit");

/// The guest source that defines the defaults.
const CONFIG_RS: &str = include_str!("../../src/config.rs");

fn deal_9001() -> GetDealInput {
    GetDealInput {
        deal_id: "9001".to_string(),
        custom_properties: None,
    }
}

fn transport(error: &Error) -> &host_test::types::TransportError {
    match error {
        Error::Transport(transport) => transport,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn stalled_route_is_read_timeout() {
    let sandbox = sandbox();
    sandbox.inject(Fault::stall().on("GET", "/crm/v3/objects/deals/9001"));
    let mut setup = setup_for(&sandbox);
    setup.first_byte_timeout_ms = Some(300);
    setup.max_attempts = Some(1);

    let error = host().get_deal(&setup, &deal_9001()).await.unwrap().unwrap_err();

    let transport = transport(&error);
    assert_eq!(transport.kind, TransportKind::ReadTimeout);
    assert_eq!(transport.attempts, 1);
    assert_eq!(transport.write_state, WriteState::None);
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn stalled_get_is_retried_after_backoff() {
    let sandbox = sandbox();
    sandbox.inject(Fault::stall().on("GET", "/crm/v3/objects/deals/9001"));
    let mut setup = setup_for(&sandbox);
    setup.first_byte_timeout_ms = Some(300);
    setup.max_attempts = Some(2);

    let error = host().get_deal(&setup, &deal_9001()).await.unwrap().unwrap_err();

    let transport = transport(&error);
    assert_eq!(transport.kind, TransportKind::ReadTimeout);
    assert_eq!(transport.attempts, 2);
    let requests = sandbox.requests();
    assert_eq!(requests.len(), 2, "requests: {:?}", lines(&sandbox));
    // 300 ms first-byte timeout, then the first backoff of 500 ms.
    let gap = requests[1].at.duration_since(requests[0].at);
    assert!(gap >= Duration::from_millis(800), "the retry came {gap:?} after the first request");
}

#[tokio::test(flavor = "multi_thread")]
async fn stalled_post_is_not_retried() {
    let sandbox = sandbox();
    sandbox.inject(Fault::stall().on("POST", "/crm/v3/objects/deals"));
    let mut setup = setup_for(&sandbox);
    setup.first_byte_timeout_ms = Some(300);

    let input = json!({"deal-name": "New deal", "pipeline": "default", "deal-stage": "appointmentscheduled"});
    let error = run_with(&setup, "TASK_CREATE_DEAL", input).await.unwrap_err();

    let transport = transport(&error);
    assert_eq!(transport.kind, TransportKind::ReadTimeout);
    assert_eq!(transport.write_state, WriteState::Unknown);
    assert!(transport.message.contains("may have reached HubSpot"), "message: {}", transport.message);
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn stalled_body_is_transport_error() {
    let sandbox = sandbox();
    sandbox.inject(Fault::stall_body().on("GET", "/crm/v3/objects/deals/9001"));
    let mut setup = setup_for(&sandbox);
    setup.between_bytes_timeout_ms = Some(300);
    setup.max_attempts = Some(1);

    let error = host().get_deal(&setup, &deal_9001()).await.unwrap().unwrap_err();

    // wasmtime-wasi-http 48 hands a body error to the guest without an error code,
    // so a between-bytes timeout can arrive as a closed connection.
    let kind = transport(&error).kind;
    assert!(
        matches!(kind, TransportKind::ReadTimeout | TransportKind::ConnectionClosed),
        "unexpected kind {kind:?}"
    );
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn truncated_body_is_transport_error() {
    let sandbox = sandbox();
    sandbox.inject(Fault::truncated_body().on("GET", "/crm/v3/objects/deals/9001"));
    let mut setup = setup_for(&sandbox);
    setup.max_attempts = Some(1);

    let error = host().get_deal(&setup, &deal_9001()).await.unwrap().unwrap_err();

    assert_eq!(transport(&error).kind, TransportKind::ConnectionClosed);
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn zero_timeouts_and_limits_are_invalid() {
    let sandbox = sandbox();
    let fields: [(&str, fn(&mut host_test::Setup)); 5] = [
        ("setup.connect-timeout-ms", |s| s.connect_timeout_ms = Some(0)),
        ("setup.first-byte-timeout-ms", |s| s.first_byte_timeout_ms = Some(0)),
        ("setup.between-bytes-timeout-ms", |s| s.between_bytes_timeout_ms = Some(0)),
        ("setup.max-response-bytes", |s| s.max_response_bytes = Some(0)),
        ("setup.max-pages", |s| s.max_pages = Some(0)),
    ];

    for (field, zero) in fields {
        let mut setup = setup_for(&sandbox);
        zero(&mut setup);
        let error = host().get_deal(&setup, &deal_9001()).await.unwrap().unwrap_err();
        assert_eq!(invalid_field(&error), field);
    }
    assert!(sandbox.requests().is_empty(), "requests: {:?}", lines(&sandbox));
}

/// Returns the value of `pub const NAME: TYPE = VALUE;` in the guest's config,
/// evaluating products such as `8 * 1024 * 1024`.
fn config_constant(name: &str) -> u64 {
    let line = CONFIG_RS
        .lines()
        .find(|line| line.starts_with(&format!("pub const {name}:")))
        .unwrap_or_else(|| panic!("src/config.rs defines no {name}"));
    let expression = line
        .split_once('=')
        .map(|(_, value)| value.trim().trim_end_matches(';'))
        .expect("a constant has a value");
    expression
        .split('*')
        .map(|factor| factor.trim().replace('_', "").parse::<u64>().expect("a numeric factor"))
        .product()
}

/// Returns the comment lines above `field:` in the WIT `setup` record.
fn wit_field_doc(field: &str) -> String {
    let mut doc = Vec::new();
    for line in TYPES_WIT.lines().map(str::trim) {
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.trim().to_string());
        } else if line.starts_with(&format!("{field}:")) {
            return doc.join(" ");
        } else {
            doc.clear();
        }
    }
    panic!("wit/types.wit has no field {field}");
}

#[test]
fn wit_documents_config_defaults() {
    let fields = [
        ("max-attempts", "DEFAULT_MAX_ATTEMPTS"),
        ("max-retry-wait-ms", "DEFAULT_MAX_RETRY_WAIT_MS"),
        ("connect-timeout-ms", "DEFAULT_CONNECT_TIMEOUT_MS"),
        ("first-byte-timeout-ms", "DEFAULT_FIRST_BYTE_TIMEOUT_MS"),
        ("between-bytes-timeout-ms", "DEFAULT_BETWEEN_BYTES_TIMEOUT_MS"),
        ("max-response-bytes", "DEFAULT_MAX_RESPONSE_BYTES"),
        ("max-pages", "DEFAULT_MAX_PAGES"),
    ];

    for (field, constant) in fields {
        let value = config_constant(constant);
        let doc = wit_field_doc(field);
        assert!(
            doc.contains(&format!("Default {value}")),
            "the WIT comment of {field} does not say `Default {value}` ({constant}): {doc}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn body_over_cap_is_invalid_response() {
    let sandbox = sandbox();
    sandbox.inject(Fault::huge_body(1_000_000).on("GET", "/crm/v3/objects/deals/9001"));
    let mut setup = setup_for(&sandbox);
    setup.max_response_bytes = Some(100_000);

    let error = host().get_deal(&setup, &deal_9001()).await.unwrap().unwrap_err();

    let Error::InvalidResponse(response) = &error else { panic!("expected invalid-response, got {error:?}") };
    assert_eq!(response.status, 200);
    assert_eq!(response.write_state, WriteState::None);
    assert!(response.message.contains("max-response-bytes"), "message: {}", response.message);
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn default_cap_bounds_guest_memory() {
    let sandbox = sandbox();
    sandbox.inject(Fault::huge_body(64 * 1024 * 1024).on("GET", "/crm/v3/objects/deals/9001"));
    let mut session = host().session(&setup_for(&sandbox)).await.unwrap();

    let error = session.get_deal(&deal_9001()).await.unwrap().unwrap_err();

    assert_eq!(case(&error), "invalid-response");
    // The 8 MiB cap stops the read long before the 64 MiB body is in memory. The
    // guest's allocator still needs a few times the cap while the buffer grows.
    let peak = session.peak_memory_bytes();
    eprintln!("guest memory peak with the default cap: {peak} bytes");
    assert!(peak < 48 * 1024 * 1024, "guest memory peaked at {peak} bytes");
}

#[tokio::test(flavor = "multi_thread")]
async fn small_cap_bounds_guest_memory() {
    let sandbox = sandbox();
    sandbox.inject(Fault::huge_body(16 * 1024 * 1024).on("GET", "/crm/v3/objects/deals/9001"));
    let mut setup = setup_for(&sandbox);
    setup.max_response_bytes = Some(1024 * 1024);
    let mut session = host().session(&setup).await.unwrap();

    let error = session.get_deal(&deal_9001()).await.unwrap().unwrap_err();

    assert_eq!(case(&error), "invalid-response");
    let peak = session.peak_memory_bytes();
    eprintln!("guest memory peak with a 1 MiB cap: {peak} bytes");
    assert!(peak < 8 * 1024 * 1024, "guest memory peaked at {peak} bytes");
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_create_response_is_applied() {
    let sandbox = sandbox();
    sandbox.inject(Fault::huge_body(200_000).on("POST", "/crm/v3/objects/deals"));
    let mut setup = setup_for(&sandbox);
    setup.max_response_bytes = Some(50_000);

    let input = json!({"deal-name": "New deal", "pipeline": "default", "deal-stage": "appointmentscheduled"});
    let error = run_with(&setup, "TASK_CREATE_DEAL", input).await.unwrap_err();

    let Error::InvalidResponse(response) = &error else { panic!("expected invalid-response, got {error:?}") };
    assert_eq!(response.write_state, WriteState::Applied);
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn max_pages_stops_long_listing() {
    let sandbox = sandbox();
    sandbox.set_page_size(PagedRoute::CrmList, 1);
    let mut setup = setup_for(&sandbox);
    setup.max_pages = Some(2);

    let error = run_with(&setup, "TASK_GET_ALL", json!({"object-type": "Deals"})).await.unwrap_err();

    assert_eq!(invalid_field(&error), "setup.max-pages");
    assert_eq!(sandbox.requests().len(), 2, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn enough_pages_list_everything() {
    let sandbox = sandbox();
    sandbox.set_page_size(PagedRoute::CrmList, 1);
    let mut setup = setup_for(&sandbox);
    setup.max_pages = Some(4);

    let output = run_with(&setup, "TASK_GET_ALL", json!({"object-type": "Deals"})).await.unwrap();

    assert_eq!(output["object-ids"], json!(["9001", "9002", "9003"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn max_pages_counts_every_listing() {
    // Threads of a contact are two listings (open, then closed): one page each.
    let sandbox = sandbox();
    let mut setup = setup_for(&sandbox);
    setup.max_pages = Some(1);

    let error = run_with(&setup, "TASK_RETRIEVE_ASSOCIATION", json!({"contact-id": "151", "object-type": "Threads"}))
        .await
        .unwrap_err();

    assert_eq!(invalid_field(&error), "setup.max-pages");
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

fn page(ids: &[&str], after: Option<&str>) -> Value {
    let results: Vec<Value> = ids.iter().map(|id| json!({"id": id, "properties": {}})).collect();
    match after {
        Some(after) => json!({"results": results, "paging": {"next": {"after": after}}}),
        None => json!({"results": results}),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_cursor_stops_paging() {
    let sandbox = sandbox();
    sandbox.inject(Fault::json(200, page(&["1"], Some("abc"))).on("GET", "/crm/v3/objects/deals"));

    let output = run(&sandbox, "TASK_GET_ALL", json!({"object-type": "Deals"})).await.unwrap();

    assert_eq!(output["object-ids"], json!(["1"]));
    let requests = sandbox.requests();
    assert_eq!(requests.len(), 2, "requests: {:?}", lines(&sandbox));
    assert!(requests[1].query().unwrap_or("").contains("after=abc"), "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_page_with_cursor_stops_paging() {
    let sandbox = sandbox();
    sandbox.inject(Fault::json(200, page(&[], Some("next"))).on("GET", "/crm/v3/objects/deals"));

    let output = run(&sandbox, "TASK_GET_ALL", json!({"object-type": "Deals"})).await.unwrap();

    assert_eq!(output["object-ids"], json!([]));
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]

async fn large_request_body_is_sent() {
    let sandbox = sandbox();
    // A 6,000-character deal name makes a request body of about 6.1 KB.
    let input = json!({"deal-name": "x".repeat(6_000), "pipeline": "default", "deal-stage": "appointmentscheduled"});

    // No setup timeout covers a body that is never read, so the guard turns the
    // hang into a failure.
    let run = tokio::time::timeout(Duration::from_secs(60), run(&sandbox, "TASK_CREATE_DEAL", input)).await;

    let output = run.expect("the task finishes instead of blocking on the request body");
    assert!(output.is_ok(), "output: {output:?}");
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}
