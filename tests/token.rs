//! The access token never appears in an error, in `Debug` output of the settings,
//! or in `Debug` output of a request.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use hubspot_component::config::Config;
use hubspot_component::error::{case_name, message_of};
use hubspot_component::run;
use hubspot_component::transport::{FailureKind, Response};
use hubspot_component::types::{Error, Setup};
use serde_json::{json, Value};

/// Part of [`TOKEN`] that must not appear in any output, even when the token is
/// cut or wrapped.
const SECRET: &str = "SECRET-TOKEN-1234";

fn assert_no_token(label: &str, error: &Error) {
    let debug = format!("{error:?}");
    let text = message_of(error);
    assert!(!debug.contains(SECRET), "{label}: token in Debug output: {debug}");
    assert!(!text.contains(SECRET), "{label}: token in message: {text}");
}

/// Runs `task` on `input` with `replies` scripted and returns the error.
fn run_failing(setup: &Setup, task: &str, input: Value, replies: Vec<Reply>) -> Error {
    let mut transport = FakeTransport::new();
    for reply in replies {
        transport.push(reply);
    }
    match run::execute(&mut transport, setup, task, &input.to_string()) {
        Ok(output) => panic!("{task}: expected an error, got {output}"),
        Err(err) => err,
    }
}

fn json_reply(status: u16, body: Value) -> Reply {
    Reply::Response(json_response(status, &body))
}

fn repeat(reply: Reply, times: usize) -> Vec<Reply> {
    vec![reply; times]
}

#[test]
fn errors_never_contain_token() {
    let get_deal = json!({ "deal-id": "9001" });
    let create_deal = json!({ "deal-name": "x", "pipeline": "p", "deal-stage": "s" });
    let update_deal = json!({ "deal-id": "9001", "deal-stage": "s", "create-contacts-association": ["201"] });
    let html = Reply::Response(raw_response(502, "text/html", b"<html>Bad gateway</html>"));
    let updated = json_reply(200, json!({ "id": "9001", "properties": {}, "updatedAt": "2024-07-09T10:15:30Z" }));
    let limited = json_reply(429, json!({ "message": "You have reached your ten_secondly_rolling limit.", "policyName": "TEN_SECONDLY_ROLLING" }));

    let scenarios: Vec<(&str, &str, Value, Vec<Reply>)> = vec![
        ("unknown task", "TASK_NOPE", get_deal.clone(), vec![]),
        ("bad JSON", "TASK_GET_DEAL", json!("not an object"), vec![]),
        ("bad id", "TASK_GET_DEAL", json!({ "deal-id": "12/../owners" }), vec![]),
        ("bad type", "TASK_CREATE_DEAL", json!({ "deal-name": "x", "pipeline": "p", "deal-stage": "s", "amount": "12" }), vec![]),
        ("unknown key", "TASK_GET_DEAL", json!({ "deal-id": "9001", "token": "x" }), vec![]),
        ("401", "TASK_GET_DEAL", get_deal.clone(), vec![json_reply(401, error_body("Authentication credentials not found.", "INVALID_AUTHENTICATION"))]),
        ("401 html", "TASK_GET_DEAL", get_deal.clone(), vec![Reply::Response(raw_response(401, "text/html", b"<h1>401</h1>"))]),
        (
            "403",
            "TASK_GET_DEAL",
            get_deal.clone(),
            vec![json_reply(403, json!({ "message": "missing scopes", "category": "MISSING_SCOPES", "errors": [{ "context": { "requiredScopes": ["crm.objects.deals.read"] } }] }))],
        ),
        ("404", "TASK_GET_DEAL", get_deal.clone(), vec![json_reply(404, error_body("Object not found.", "OBJECT_NOT_FOUND"))]),
        ("409", "TASK_CREATE_DEAL", create_deal.clone(), vec![json_reply(409, error_body("Deal already exists. Existing ID: 1", "CONFLICT"))]),
        ("429 daily", "TASK_GET_DEAL", get_deal.clone(), vec![json_reply(429, json!({ "message": "You have reached your daily limit.", "policyName": "DAILY" }))]),
        ("429 exhausted", "TASK_GET_DEAL", get_deal.clone(), repeat(limited, 4)),
        ("5xx get", "TASK_GET_DEAL", get_deal.clone(), repeat(html, 4)),
        ("5xx post", "TASK_CREATE_DEAL", create_deal.clone(), vec![json_reply(503, error_body("unavailable", "ERROR"))]),
        ("timeout get", "TASK_GET_DEAL", get_deal.clone(), repeat(Reply::Failure(failure(FailureKind::ReadTimeout, true)), 4)),
        ("timeout post", "TASK_CREATE_DEAL", create_deal.clone(), vec![Reply::Failure(failure(FailureKind::ReadTimeout, true))]),
        ("denied", "TASK_GET_DEAL", get_deal.clone(), vec![Reply::Failure(failure(FailureKind::Denied, false))]),
        ("dns", "TASK_GET_DEAL", get_deal.clone(), vec![Reply::Failure(failure(FailureKind::Dns, false))]),
        ("tls", "TASK_GET_DEAL", get_deal.clone(), vec![Reply::Failure(failure(FailureKind::Tls, false))]),
        ("too large", "TASK_GET_DEAL", get_deal.clone(), vec![Reply::Failure(failure(FailureKind::BodyTooLarge, true))]),
        ("bad body", "TASK_GET_DEAL", get_deal.clone(), vec![Reply::Response(raw_response(200, "application/json", b"{\"id\":"))]),
        ("bad amount", "TASK_GET_DEAL", get_deal.clone(), vec![json_reply(200, json!({ "id": "9001", "properties": { "amount": "abc" } }))]),
        ("bad create body", "TASK_CREATE_DEAL", create_deal.clone(), vec![json_reply(201, json!({ "properties": {} }))]),
        ("partial write", "TASK_UPDATE_DEAL", update_deal.clone(), vec![updated, json_reply(400, error_body("One or more associations are invalid", "VALIDATION_ERROR"))]),
        (
            "delivery failed",
            "TASK_INSERT_MESSAGE",
            json!({ "thread-id": "7001", "sender-actor-id": "A-1", "recipients": ["ana@example.com"], "channel-account-id": "240", "subject": "s", "text": "t" }),
            vec![json_reply(201, json!({ "id": "m-1", "status": { "statusType": "FAILED", "failureDetails": { "errorMessage": "bounced" } } }))],
        ),
        ("max pages", "TASK_GET_ALL", json!({ "object-type": "Deals" }), repeat(json_reply(200, page(id_items(&["1"]), Some("a"))), 1)),
    ];

    let mut max_pages_setup = setup();
    max_pages_setup.max_pages = Some(1);
    for (label, task, input, replies) in scenarios {
        let setup = if label == "max pages" { max_pages_setup.clone() } else { setup() };
        let err = run_failing(&setup, task, input, replies);
        assert_no_token(label, &err);
    }
}

#[test]
fn rejected_tokens_not_quoted() {
    let tokens = [
        format!("Bearer {TOKEN}"),
        format!("{TOKEN}\r\nX-Injected: 1"),
        format!("{TOKEN} {TOKEN}"),
        format!("{TOKEN}é"),
        format!("{TOKEN}{}", "x".repeat(5000)),
    ];
    for token in tokens {
        let mut setup = setup();
        setup.token = token.clone();

        let err = run_failing(&setup, "TASK_GET_DEAL", json!({ "deal-id": "9001" }), vec![]);

        assert_eq!(input_field(&err), "setup.token");
        assert_no_token(&format!("token {:?}", token.get(..40)), &err);
    }
}

#[test]
fn base_url_errors_not_quoting_token() {
    let urls = [
        format!("https://{TOKEN}@x.com"),
        format!("https://user:{TOKEN}@x.com"),
        format!("https://x.com?token={TOKEN}"),
        format!("https://x.com#{TOKEN}"),
    ];
    for url in urls {
        let mut setup = setup();
        setup.base_url = Some(url.clone());

        let err = run_failing(&setup, "TASK_GET_DEAL", json!({ "deal-id": "9001" }), vec![]);

        assert_eq!(input_field(&err), "setup.base-url", "{url}");
        assert_no_token(&url, &err);
    }
}

#[test]
fn echoed_token_scrubbed() {
    let body = json!({ "message": format!("Invalid token {TOKEN}"), "category": "INVALID_AUTHENTICATION" });

    let err = run_failing(&setup(), "TASK_GET_DEAL", json!({ "deal-id": "9001" }), vec![json_reply(401, body)]);

    assert_case(&err, "unauthorized");
    assert_no_token("echoed 401", &err);
}

#[test]
fn config_debug_redacted() {
    let config = Config::from_setup(&setup()).unwrap();

    let debug = format!("{config:?}");

    assert!(!debug.contains(SECRET), "{debug}");
    assert!(debug.contains("redacted"), "{debug}");
    assert_eq!(config.token.expose(), TOKEN);
}

#[test]
fn request_debug_redacted() {
    let mut transport = FakeTransport::new();
    transport.push_json(201, crm_object("9001", json!({})));

    run::execute(&mut transport, &setup(), "TASK_CREATE_DEAL", r#"{"deal-name":"x","pipeline":"p","deal-stage":"s"}"#).unwrap();

    let request = &transport.requests[0];
    assert_eq!(transport.header(0, "authorization"), Some(format!("Bearer {TOKEN}")));
    let debug = format!("{request:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(debug.contains("authorization"), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
}

#[test]
fn token_not_in_url_or_body() {
    let mut transport = FakeTransport::new();
    transport.push_json(201, crm_object("9001", json!({})));

    run::execute(&mut transport, &setup(), "TASK_CREATE_DEAL", r#"{"deal-name":"x","pipeline":"p","deal-stage":"s"}"#).unwrap();

    let request = &transport.requests[0];
    assert!(!request.path_and_query.contains(SECRET));
    assert!(!String::from_utf8_lossy(request.body.as_deref().unwrap_or_default()).contains(SECRET));
    let other_headers: Vec<&(&str, String)> = request.headers.iter().filter(|(name, _)| *name != "authorization").collect();
    assert!(other_headers.iter().all(|(_, value)| !value.contains(SECRET)), "{other_headers:?}");
}

#[test]
fn failure_case_names_cover_kinds() {
    // Guards the scenario list above: each kind of failure it is meant to cover
    // really produces its error case.
    let cases: Vec<(Reply, &str)> = vec![
        (json_reply(401, json!({})), "unauthorized"),
        (json_reply(403, json!({})), "forbidden"),
        (json_reply(404, json!({})), "not-found"),
        (Reply::Failure(failure(FailureKind::Dns, false)), "transport"),
        (Reply::Response(Response { status: 200, headers: vec![], body: b"<html>".to_vec() }), "invalid-response"),
    ];
    for (reply, case) in cases {
        let err = run_failing(&setup(), "TASK_GET_DEAL", json!({ "deal-id": "9001" }), vec![reply]);
        assert_eq!(case_name(&err), case);
    }
}
