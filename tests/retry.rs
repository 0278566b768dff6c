//! The retry policy: which statuses and failures are retried, how long the client
//! waits, and the attempt and wait budgets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use hubspot_component::run;
use hubspot_component::tasks::{CreateDealInput, GetContactInput, UpdateDealInput};
use hubspot_component::transport::{FailureKind, Limits};
use hubspot_component::types::{Error, TransportKind, WriteState};
use serde_json::{json, Value};

fn get_input() -> GetContactInput {
    GetContactInput {
        contact_id_or_email: "5101".to_string(),
        custom_properties: None,
    }
}

fn create_deal_input() -> CreateDealInput {
    CreateDealInput {
        owner_id: None,
        deal_name: "Renewal".to_string(),
        pipeline: "default".to_string(),
        deal_stage: "appointmentscheduled".to_string(),
        amount: None,
        deal_type: None,
        close_date: None,
        create_contacts_association: None,
        custom_properties: None,
    }
}

fn update_deal_input() -> UpdateDealInput {
    UpdateDealInput {
        deal_id: "9001".to_string(),
        owner_id: None,
        deal_name: None,
        pipeline: None,
        deal_stage: Some("closedwon".to_string()),
        amount: None,
        deal_type: None,
        close_date: None,
        create_contacts_association: None,
        custom_properties: None,
    }
}

fn contact() -> Value {
    crm_object("5101", json!({ "email": "ana@example.com" }))
}

fn ten_secondly() -> Value {
    json!({
        "status": "error",
        "message": "You have reached your ten_secondly_rolling limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": "c-429",
        "policyName": "TEN_SECONDLY_ROLLING",
        "groupName": "api-calls:1",
    })
}

fn daily() -> Value {
    json!({
        "status": "error",
        "message": "You have reached your daily limit.",
        "errorType": "RATE_LIMIT",
        "policyName": "DAILY",
    })
}

fn rate_limited(retry_after: Option<&str>) -> hubspot_component::transport::Response {
    let response = json_response(429, &ten_secondly());
    match retry_after {
        Some(seconds) => with_header(response, "Retry-After", seconds),
        None => response,
    }
}

#[test]
fn rate_limit_retry_after() {
    let mut transport = FakeTransport::new();
    transport.push_response(rate_limited(Some("1")));
    transport.push_json(200, contact());

    let out = run::get_contact(&mut transport, &setup(), &get_input()).unwrap();

    assert_eq!(out.contact_id, "5101");
    assert_eq!(transport.requests.len(), 2);
    assert_eq!(transport.line(0), transport.line(1));
    assert_eq!(transport.sleeps, vec![1000]);
    transport.assert_done();
}

#[test]
fn rate_limit_interval_header() {
    let mut transport = FakeTransport::new();
    transport.push_response(with_header(rate_limited(None), "X-HubSpot-RateLimit-Interval-Milliseconds", "2500"));
    transport.push_json(200, contact());

    run::get_contact(&mut transport, &setup(), &get_input()).unwrap();

    assert_eq!(transport.requests.len(), 2);
    assert_eq!(transport.sleeps, vec![2500]);
}

#[test]
fn rate_limit_default_wait() {
    let mut transport = FakeTransport::new();
    transport.push_response(rate_limited(None));
    transport.push_json(200, contact());

    run::get_contact(&mut transport, &setup(), &get_input()).unwrap();

    assert_eq!(transport.sleeps, vec![10_000]);
}

#[test]
fn rate_limit_retries_post() {
    let mut transport = FakeTransport::new();
    transport.push_response(rate_limited(Some("1")));
    transport.push_json(201, crm_object("9001", json!({})));

    let out = run::create_deal(&mut transport, &setup(), &create_deal_input()).unwrap();

    assert_eq!(out.deal_id, "9001");
    assert_eq!(transport.requests.len(), 2);
    assert_eq!(transport.sleeps, vec![1000]);
}

#[test]
fn rate_limit_daily_not_retried() {
    let mut transport = FakeTransport::new();
    transport.push_json(429, daily());

    let err = run::get_contact(&mut transport, &setup(), &get_input()).unwrap_err();

    assert_eq!(transport.requests.len(), 1);
    assert!(transport.sleeps.is_empty());
    match &err {
        Error::RateLimited(limited) => {
            assert!(limited.daily_limit);
            assert_eq!(limited.policy.as_deref(), Some("DAILY"));
            assert_eq!(limited.attempts, 1);
            assert_eq!(limited.api.status, 429);
        }
        other => panic!("expected rate-limited, got {other:?}"),
    }
}

#[test]
fn rate_limit_exhausts_attempts() {
    let mut transport = FakeTransport::new();
    for _ in 0..4 {
        transport.push_response(rate_limited(Some("1")));
    }

    let err = run::get_contact(&mut transport, &setup(), &get_input()).unwrap_err();

    assert_eq!(transport.requests.len(), 4);
    assert_eq!(transport.sleeps, vec![1000, 1000, 1000]);
    match &err {
        Error::RateLimited(limited) => {
            assert!(!limited.daily_limit);
            assert_eq!(limited.policy.as_deref(), Some("TEN_SECONDLY_ROLLING"));
            assert_eq!(limited.attempts, 4);
            assert_eq!(limited.api.correlation_id.as_deref(), Some("c-429"));
        }
        other => panic!("expected rate-limited, got {other:?}"),
    }
    transport.assert_done();
}

#[test]
fn max_attempts_setting() {
    let mut transport = FakeTransport::new();
    for _ in 0..2 {
        transport.push_response(rate_limited(Some("1")));
    }
    let mut setup = setup();
    setup.max_attempts = Some(2);

    let err = run::get_contact(&mut transport, &setup, &get_input()).unwrap_err();

    assert_case(&err, "rate-limited");
    assert_eq!(transport.requests.len(), 2);
    assert_eq!(transport.sleeps, vec![1000]);
}

#[test]
fn max_attempts_one_disables() {
    let mut transport = FakeTransport::new();
    transport.push_json(502, error_body("Bad gateway", "BAD_GATEWAY"));
    let mut setup = setup();
    setup.max_attempts = Some(1);

    let err = run::get_contact(&mut transport, &setup, &get_input()).unwrap_err();

    assert_case(&err, "api");
    assert_eq!(transport.requests.len(), 1);
    assert!(transport.sleeps.is_empty());
}

#[test]
fn server_error_get_retried() {
    let mut transport = FakeTransport::new();
    transport.push_response(raw_response(502, "text/html", b"<html><body>502 Bad Gateway</body></html>"));
    transport.push_json(200, contact());

    let out = run::get_contact(&mut transport, &setup(), &get_input()).unwrap();

    assert_eq!(out.contact_id, "5101");
    assert_eq!(transport.requests.len(), 2);
    assert_eq!(transport.sleeps, vec![500]);
}

#[test]
fn server_error_backoff_doubles() {
    let mut transport = FakeTransport::new();
    for _ in 0..4 {
        transport.push_json(503, error_body("Service unavailable", "SERVICE_UNAVAILABLE"));
    }

    let err = run::get_contact(&mut transport, &setup(), &get_input()).unwrap_err();

    assert_eq!(transport.requests.len(), 4);
    assert_eq!(transport.sleeps, vec![500, 1000, 2000]);
    let api = api_of(&err);
    assert_eq!(api.status, 503);
    assert_eq!(api.write_state, WriteState::None);
}

#[test]
fn server_error_retry_after() {
    let mut transport = FakeTransport::new();
    transport.push_response(with_header(json_response(503, &error_body("busy", "SERVICE_UNAVAILABLE")), "retry-after", "3"));
    transport.push_json(200, contact());

    run::get_contact(&mut transport, &setup(), &get_input()).unwrap();

    assert_eq!(transport.sleeps, vec![3000]);
}

#[test]
fn statuses_not_retried() {
    for status in [501, 505, 522, 525, 526, 404, 400, 401, 414] {
        let mut transport = FakeTransport::new();
        transport.push_json(status, error_body("no", "ERROR"));
        transport.push_json(200, contact());

        let err = run::get_contact(&mut transport, &setup(), &get_input()).unwrap_err();

        assert_eq!(transport.requests.len(), 1, "status {status}");
        assert_eq!(api_of(&err).status, status);
        assert!(transport.sleeps.is_empty(), "status {status}");
    }
}

#[test]
fn retried_statuses() {
    for status in [423, 500, 502, 503, 504, 521, 523, 524] {
        let mut transport = FakeTransport::new();
        transport.push_json(status, error_body("try again", "ERROR"));
        transport.push_json(200, contact());

        run::get_contact(&mut transport, &setup(), &get_input()).unwrap();

        assert_eq!(transport.requests.len(), 2, "status {status}");
    }
}

#[test]
fn server_error_post_not_retried() {
    let mut transport = FakeTransport::new();
    transport.push_json(502, error_body("Bad gateway", "BAD_GATEWAY"));
    transport.push_json(201, crm_object("9001", json!({})));

    let err = run::create_deal(&mut transport, &setup(), &create_deal_input()).unwrap_err();

    assert_eq!(transport.requests.len(), 1);
    assert!(transport.sleeps.is_empty());
    assert_case(&err, "api");
    let api = api_of(&err);
    assert_eq!(api.status, 502);
    assert_eq!(api.write_state, WriteState::Unknown);
    assert!(api.message.contains("may have been applied"), "{}", api.message);
    assert!(api.message.contains("create deal"), "{}", api.message);
}

#[test]
fn server_error_patch_retried() {
    let mut transport = FakeTransport::new();
    transport.push_json(502, error_body("Bad gateway", "BAD_GATEWAY"));
    transport.push_json(200, json!({ "id": "9001", "properties": {}, "updatedAt": "2024-07-09T10:15:30Z" }));

    let out = run::update_deal(&mut transport, &setup(), &update_deal_input()).unwrap();

    assert_eq!(out.updated_at, "2024-07-09T10:15:30Z");
    assert_eq!(transport.requests.len(), 2);
    assert_eq!(transport.body_json(0), transport.body_json(1));
}

#[test]
fn patch_server_error_unknown_state() {
    let mut transport = FakeTransport::new();
    let mut setup = setup();
    setup.max_attempts = Some(1);
    transport.push_json(504, error_body("Gateway timeout", "GATEWAY_TIMEOUT"));

    let err = run::update_deal(&mut transport, &setup, &update_deal_input()).unwrap_err();

    assert_eq!(api_of(&err).write_state, WriteState::Unknown);
}

#[test]
fn timeout_get_retried() {
    let mut transport = FakeTransport::new();
    transport.push_failure(FailureKind::ReadTimeout, true);
    transport.push_json(200, contact());

    let out = run::get_contact(&mut transport, &setup(), &get_input()).unwrap();

    assert_eq!(out.contact_id, "5101");
    assert_eq!(transport.requests.len(), 2);
    assert_eq!(transport.sleeps, vec![500]);
}

#[test]
fn timeout_post_not_retried() {
    let mut transport = FakeTransport::new();
    transport.push_failure(FailureKind::ReadTimeout, true);
    transport.push_json(201, crm_object("9001", json!({})));

    let err = run::create_deal(&mut transport, &setup(), &create_deal_input()).unwrap_err();

    assert_eq!(transport.requests.len(), 1);
    assert!(transport.sleeps.is_empty());
    match &err {
        Error::Transport(e) => {
            assert_eq!(e.kind, TransportKind::ReadTimeout);
            assert_eq!(e.write_state, WriteState::Unknown);
            assert_eq!(e.attempts, 1);
            assert!(e.message.contains("may have reached HubSpot"), "{}", e.message);
        }
        other => panic!("expected transport, got {other:?}"),
    }
}

#[test]
fn refused_post_nothing_written() {
    let mut transport = FakeTransport::new();
    transport.push_failure(FailureKind::ConnectionRefused, false);

    let err = run::create_deal(&mut transport, &setup(), &create_deal_input()).unwrap_err();

    match &err {
        Error::Transport(e) => {
            assert_eq!(e.kind, TransportKind::ConnectionRefused);
            assert_eq!(e.write_state, WriteState::None);
        }
        other => panic!("expected transport, got {other:?}"),
    }
    assert_eq!(transport.requests.len(), 1);
}

#[test]
fn timeouts_exhaust_attempts() {
    let mut transport = FakeTransport::new();
    for kind in [FailureKind::ConnectTimeout, FailureKind::ConnectionClosed, FailureKind::ConnectionRefused, FailureKind::ReadTimeout] {
        transport.push_failure(kind, false);
    }

    let err = run::get_contact(&mut transport, &setup(), &get_input()).unwrap_err();

    assert_eq!(transport.requests.len(), 4);
    assert_eq!(transport.sleeps, vec![500, 1000, 2000]);
    match &err {
        Error::Transport(e) => {
            assert_eq!(e.kind, TransportKind::ReadTimeout);
            assert_eq!(e.attempts, 4);
            assert_eq!(e.write_state, WriteState::None);
        }
        other => panic!("expected transport, got {other:?}"),
    }
}

#[test]
fn denied_dns_tls_not_retried() {
    for (kind, expected) in [
        (FailureKind::Denied, TransportKind::Denied),
        (FailureKind::Dns, TransportKind::Dns),
        (FailureKind::Tls, TransportKind::Tls),
        (FailureKind::Other, TransportKind::Other),
    ] {
        let mut transport = FakeTransport::new();
        transport.push_failure(kind, false);

        let err = run::get_contact(&mut transport, &setup(), &get_input()).unwrap_err();

        assert_eq!(transport.requests.len(), 1, "{kind:?}");
        match &err {
            Error::Transport(e) => assert_eq!(e.kind, expected),
            other => panic!("expected transport, got {other:?}"),
        }
    }
}

#[test]
fn body_too_large_invalid_response() {
    let mut transport = FakeTransport::new();
    let mut too_large = failure(FailureKind::BodyTooLarge, true);
    too_large.status = Some(200);
    transport.push(Reply::Failure(too_large));

    let err = run::get_contact(&mut transport, &setup(), &get_input()).unwrap_err();

    match &err {
        Error::InvalidResponse(e) => {
            assert_eq!(e.status, 200);
            assert_eq!(e.write_state, WriteState::None);
        }
        other => panic!("expected invalid-response, got {other:?}"),
    }
    assert_eq!(transport.requests.len(), 1);
}

#[test]
fn conflict_never_retried() {
    let mut transport = FakeTransport::new();
    transport.push_json(409, error_body("Conflict on dealname", "CONFLICT"));
    transport.push_json(200, json!({ "id": "9001", "properties": {} }));

    let err = run::update_deal(&mut transport, &setup(), &update_deal_input()).unwrap_err();

    assert_case(&err, "conflict");
    assert_eq!(transport.requests.len(), 1);
    assert!(transport.sleeps.is_empty());
}

#[test]
fn wait_budget_respected() {
    let mut transport = FakeTransport::new();
    for _ in 0..3 {
        transport.push_response(rate_limited(Some("1")));
    }
    let mut setup = setup();
    setup.max_retry_wait_ms = Some(1500);

    let err = run::get_contact(&mut transport, &setup, &get_input()).unwrap_err();

    assert_eq!(transport.requests.len(), 2, "{:?}", transport.lines());
    assert_eq!(transport.sleeps, vec![1000]);
    match &err {
        Error::RateLimited(limited) => assert_eq!(limited.attempts, 2),
        other => panic!("expected rate-limited, got {other:?}"),
    }
}

#[test]
fn wait_budget_zero_no_retry() {
    let mut transport = FakeTransport::new();
    transport.push_json(502, error_body("Bad gateway", "BAD_GATEWAY"));
    let mut setup = setup();
    setup.max_retry_wait_ms = Some(0);

    let err = run::get_contact(&mut transport, &setup, &get_input()).unwrap_err();

    assert_case(&err, "api");
    assert_eq!(transport.requests.len(), 1);
    assert!(transport.sleeps.is_empty());
}

#[test]
fn wait_over_budget_not_slept() {
    let mut transport = FakeTransport::new();
    transport.push_response(rate_limited(Some("60")));

    let err = run::get_contact(&mut transport, &setup(), &get_input()).unwrap_err();

    assert_case(&err, "rate-limited");
    assert_eq!(transport.requests.len(), 1);
    assert!(transport.sleeps.is_empty(), "{:?}", transport.sleeps);
}

#[test]
fn limits_passed_to_transport() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, contact());
    let mut setup = setup();
    setup.connect_timeout_ms = Some(1111);
    setup.first_byte_timeout_ms = Some(2222);
    setup.between_bytes_timeout_ms = Some(3333);
    setup.max_response_bytes = Some(4444);

    run::get_contact(&mut transport, &setup, &get_input()).unwrap();

    assert_eq!(
        transport.limits,
        vec![Limits { connect_timeout_ms: 1111, first_byte_timeout_ms: 2222, between_bytes_timeout_ms: 3333, max_response_bytes: 4444 }]
    );
}

#[test]
fn default_limits() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, contact());

    run::get_contact(&mut transport, &setup(), &get_input()).unwrap();

    assert_eq!(
        transport.limits,
        vec![Limits { connect_timeout_ms: 10_000, first_byte_timeout_ms: 30_000, between_bytes_timeout_ms: 30_000, max_response_bytes: 8 * 1024 * 1024 }]
    );
}
