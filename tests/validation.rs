//! Input and setup checks: every rejected value names its field, and nothing is
//! sent to HubSpot.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use hubspot_component::run;
use hubspot_component::tasks::GetContactInput;
use hubspot_component::transport::Scheme;
use hubspot_component::types::{Error, Setup};
use serde_json::{json, Value};

const BAD_IDS: &[&str] = &["12/../../owners", "1?archived=true", "%2e%2e", "", "  ", "1\n2", "123456789012345678901", "-1", "1.5", "１２"];

/// Runs `task` on `input` through `execute` and returns the error, asserting that
/// no request was sent.
fn rejected(task: &str, input: &Value) -> Error {
    rejected_with(&setup(), task, &input.to_string())
}

fn rejected_with(setup: &Setup, task: &str, input: &str) -> Error {
    let mut transport = FakeTransport::new();
    let result = run::execute(&mut transport, setup, task, input);
    assert!(transport.requests.is_empty(), "{task} {input}: requests sent: {:?}", transport.lines());
    match result {
        Ok(output) => panic!("{task} {input}: expected an error, got {output}"),
        Err(err) => err,
    }
}

/// Returns a valid input for each task with one of its ID fields.
fn id_cases() -> Vec<(&'static str, Value, &'static str)> {
    vec![
        ("TASK_GET_CONTACT", json!({ "contact-id-or-email": "5101" }), "contact-id-or-email"),
        ("TASK_GET_DEAL", json!({ "deal-id": "9001" }), "deal-id"),
        ("TASK_UPDATE_DEAL", json!({ "deal-id": "9001", "deal-stage": "closedwon" }), "deal-id"),
        ("TASK_GET_COMPANY", json!({ "company-id": "8001" }), "company-id"),
        ("TASK_GET_TICKET", json!({ "ticket-id": "6001" }), "ticket-id"),
        ("TASK_UPDATE_TICKET", json!({ "ticket-id": "6001", "priority": "HIGH" }), "ticket-id"),
        ("TASK_GET_THREAD", json!({ "thread-id": "7001" }), "thread-id"),
        ("TASK_INSERT_MESSAGE", insert_message(), "thread-id"),
        ("TASK_INSERT_MESSAGE", insert_message(), "channel-account-id"),
        ("TASK_RETRIEVE_ASSOCIATION", json!({ "contact-id": "201", "object-type": "Deals" }), "contact-id"),
        ("TASK_RETRIEVE_ASSOCIATION", json!({ "contact-id": "201", "object-type": "Threads" }), "contact-id"),
        ("TASK_GET_OWNER", json!({ "id-type": "Owner ID", "id": "2001" }), "id"),
    ]
}

fn insert_message() -> Value {
    json!({
        "thread-id": "7001",
        "sender-actor-id": "A-3892666",
        "recipients": ["ana@example.com"],
        "channel-account-id": "240",
        "subject": "Re: printer",
        "text": "Hello",
    })
}

#[test]
fn bad_ids_rejected() {
    for (task, input, field) in id_cases() {
        for bad in BAD_IDS {
            let mut input = input.clone();
            input[field] = json!(bad);

            let err = rejected(task, &input);

            assert_eq!(input_field(&err), field, "{task} {field}={bad:?}: {err:?}");
        }
    }
}

#[test]
fn bad_owner_ids_rejected() {
    let cases = [
        ("TASK_CREATE_CONTACT", json!({ "email": "ana@example.com" })),
        ("TASK_CREATE_DEAL", json!({ "deal-name": "x", "pipeline": "p", "deal-stage": "s" })),
        ("TASK_UPDATE_DEAL", json!({ "deal-id": "9001" })),
        ("TASK_CREATE_COMPANY", json!({ "company-domain": "example.com" })),
        ("TASK_CREATE_TICKET", json!({ "ticket-name": "t", "ticket-status": "1", "pipeline": "0" })),
        ("TASK_UPDATE_TICKET", json!({ "ticket-id": "6001" })),
    ];
    for (task, input) in cases {
        for bad in BAD_IDS.iter().filter(|b| !b.is_empty()) {
            let mut input = input.clone();
            input["owner-id"] = json!(bad);

            let err = rejected(task, &input);

            assert_eq!(input_field(&err), "owner-id", "{task} owner-id={bad:?}: {err:?}");
        }
    }
}

#[test]
fn bad_association_ids_rejected() {
    let cases = [
        ("TASK_CREATE_CONTACT", json!({ "email": "ana@example.com" }), "create-deals-association"),
        ("TASK_CREATE_CONTACT", json!({ "email": "ana@example.com" }), "create-companies-association"),
        ("TASK_CREATE_CONTACT", json!({ "email": "ana@example.com" }), "create-tickets-association"),
        ("TASK_CREATE_DEAL", json!({ "deal-name": "x", "pipeline": "p", "deal-stage": "s" }), "create-contacts-association"),
        ("TASK_UPDATE_DEAL", json!({ "deal-id": "9001" }), "create-contacts-association"),
        ("TASK_CREATE_COMPANY", json!({ "company-domain": "example.com" }), "create-contacts-association"),
        ("TASK_CREATE_TICKET", json!({ "ticket-name": "t", "ticket-status": "1", "pipeline": "0" }), "create-contacts-association"),
        ("TASK_UPDATE_TICKET", json!({ "ticket-id": "6001" }), "create-contacts-association"),
    ];
    for (task, input, field) in cases {
        for bad in BAD_IDS {
            let mut input = input.clone();
            input[field] = json!(["201", bad]);

            let err = rejected(task, &input);

            assert_eq!(input_field(&err), format!("{field}[1]"), "{task} {field}={bad:?}: {err:?}");
        }
    }
}

#[test]
fn too_many_associations_rejected() {
    let ids: Vec<String> = (0..101).map(|i| (1000 + i).to_string()).collect();

    let err = rejected("TASK_UPDATE_DEAL", &json!({ "deal-id": "9001", "create-contacts-association": ids }));

    assert_eq!(input_field(&err), "create-contacts-association");
}

#[test]
fn twenty_digit_id_accepted() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, crm_object("12345678901234567890", json!({})));

    run::execute(&mut transport, &setup(), "TASK_GET_DEAL", r#"{"deal-id":"12345678901234567890"}"#).unwrap();

    assert!(transport.line(0).starts_with("GET /crm/v3/objects/deals/12345678901234567890?"), "{}", transport.line(0));
}

#[test]
fn bad_emails_rejected() {
    let bad_emails = ["ana@", "@example.com", "a@b@example.com", "ana lima@example.com", "ana@exam\tple.com", "@"];
    for bad in bad_emails {
        let err = rejected("TASK_GET_CONTACT", &json!({ "contact-id-or-email": bad }));
        assert_eq!(input_field(&err), "contact-id-or-email", "{bad:?}");

        let err = rejected("TASK_CREATE_CONTACT", &json!({ "email": bad }));
        assert_eq!(input_field(&err), "email", "{bad:?}");

        let mut input = insert_message();
        input["recipients"] = json!(["bo@example.com", bad]);
        let err = rejected("TASK_INSERT_MESSAGE", &input);
        assert_eq!(input_field(&err), "recipients[1]", "{bad:?}");
    }

    let err = rejected("TASK_CREATE_CONTACT", &json!({ "email": "ana.example.com" }));
    assert_eq!(input_field(&err), "email");
    assert!(message(&err).contains("one @"), "{}", message(&err));
}

#[test]
fn long_email_rejected() {
    let long = format!("{}@example.com", "a".repeat(250));

    let err = rejected("TASK_CREATE_CONTACT", &json!({ "email": long }));

    assert_eq!(input_field(&err), "email");
}

#[test]
fn enum_values_rejected() {
    let err = rejected("TASK_RETRIEVE_ASSOCIATION", &json!({ "contact-id": "201", "object-type": "Leads" }));
    assert_eq!(input_field(&err), "object-type");
    assert!(message(&err).contains("Deals, Companies, Tickets, Threads"), "{}", message(&err));

    let err = rejected("TASK_RETRIEVE_ASSOCIATION", &json!({ "contact-id": "201", "object-type": "Contacts" }));
    assert_eq!(input_field(&err), "object-type");

    let err = rejected("TASK_GET_ALL", &json!({ "object-type": "Leads" }));
    assert_eq!(input_field(&err), "object-type");
    assert!(message(&err).contains("Contacts, Deals, Companies, Tickets, Threads, Owners"), "{}", message(&err));

    let err = rejected("TASK_GET_OWNER", &json!({ "id-type": "Email", "id": "2001" }));
    assert_eq!(input_field(&err), "id-type");
    assert!(message(&err).contains("Owner ID, User ID"), "{}", message(&err));
}

#[test]
fn wrong_json_types_rejected() {
    let cases = [
        ("TASK_CREATE_DEAL", json!({ "deal-name": "x", "pipeline": "p", "deal-stage": "s", "amount": "12" }), "amount"),
        ("TASK_CREATE_DEAL", json!({ "deal-name": 5, "pipeline": "p", "deal-stage": "s" }), "deal-name"),
        ("TASK_GET_DEAL", json!({ "deal-id": 9001 }), "deal-id"),
        ("TASK_GET_DEAL", json!({ "deal-id": "9001", "custom-properties": "hs_x" }), "custom-properties"),
        ("TASK_GET_DEAL", json!({ "deal-id": "9001", "custom-properties": ["ok", 1] }), "custom-properties[1]"),
        ("TASK_UPDATE_DEAL", json!({ "deal-id": "9001", "create-contacts-association": "201" }), "create-contacts-association"),
        ("TASK_UPDATE_DEAL", json!({ "deal-id": "9001", "amount": true }), "amount"),
        ("TASK_CREATE_CONTACT", json!({ "email": "ana@example.com", "custom-properties": ["hs_x"] }), "custom-properties"),
        ("TASK_CREATE_CONTACT", json!({ "email": "ana@example.com", "custom-properties": { "hs_x": { "a": 1 } } }), "custom-properties.hs_x"),
        ("TASK_CREATE_TICKET", json!({ "ticket-name": "t", "ticket-status": "1", "pipeline": "0", "categories": "A;B" }), "categories"),
        ("TASK_INSERT_MESSAGE", json!({ "thread-id": "7001", "sender-actor-id": "A-1", "recipients": "ana@example.com", "channel-account-id": "240", "subject": "s", "text": "t" }), "recipients"),
        ("TASK_GET_ALL", json!({ "object-type": ["Deals"] }), "object-type"),
    ];
    for (task, input, field) in cases {
        let err = rejected(task, &input);
        assert_eq!(input_field(&err), field, "{task} {input}: {err:?}");
    }
}

#[test]
fn missing_required_rejected() {
    let err = rejected("TASK_CREATE_DEAL", &json!({ "deal-name": "x", "deal-stage": "s" }));
    assert_eq!(input_field(&err), "pipeline");

    let err = rejected("TASK_INSERT_MESSAGE", &json!({ "thread-id": "7001", "sender-actor-id": "A-1", "channel-account-id": "240", "subject": "s", "text": "t" }));
    assert_eq!(input_field(&err), "recipients");

    let err = rejected("TASK_GET_CONTACT", &json!({ "contact-id-or-email": null }));
    assert_eq!(input_field(&err), "contact-id-or-email");
}

#[test]
fn unknown_task_rejected() {
    for task in ["TASK_DELETE_CONTACT", "", "get_contact", "TASK_GET_CONTACT2"] {
        let err = rejected(task, &json!({ "contact-id-or-email": "5101" }));
        assert_eq!(input_field(&err), "task", "{task:?}");
    }
    let err = rejected("TASK_DELETE_CONTACT", &json!({}));
    assert!(message(&err).contains("TASK_GET_CONTACT"), "{}", message(&err));
}

#[test]
fn task_names_accepted() {
    for task in ["TASK_GET_DEAL", "get-deal", " TASK_GET_DEAL "] {
        let mut transport = FakeTransport::new();
        transport.push_json(200, crm_object("9001", json!({})));

        run::execute(&mut transport, &setup(), task, r#"{"deal-id":"9001"}"#).unwrap();

        assert_eq!(transport.requests.len(), 1, "{task:?}");
    }
}

#[test]
fn unknown_key_rejected() {
    let err = rejected("TASK_GET_DEAL", &json!({ "deal-id": "9001", "dealId": "9001" }));
    assert_eq!(input_field(&err), "dealId");
    assert!(message(&err).contains("custom-properties, deal-id"), "{}", message(&err));

    let err = rejected("TASK_UPDATE_TICKET", &json!({ "ticket-id": "6001", "priority": "HIGH", "postal-code,": "x" }));
    assert_eq!(input_field(&err), "postal-code,");
}

#[test]
fn task_key_ignored() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, crm_object("9001", json!({})));

    run::execute(&mut transport, &setup(), "TASK_GET_DEAL", r#"{"deal-id":"9001","task":"TASK_GET_DEAL"}"#).unwrap();

    assert_eq!(transport.requests.len(), 1);
}

#[test]
fn malformed_input_rejected() {
    for input in ["", "{", "[]", "\"deal-id\"", "null", "{\"deal-id\":\"9001\"} trailing"] {
        let err = rejected_with(&setup(), "TASK_GET_DEAL", input);
        assert_eq!(input_field(&err), "input", "{input:?}");
    }
}

#[test]
fn oversized_input_rejected() {
    let input = format!("{{\"deal-id\":\"9001\",\"pad\":\"{}\"}}", "x".repeat(1024 * 1024));

    let err = rejected_with(&setup(), "TASK_GET_DEAL", &input);

    assert_eq!(input_field(&err), "input");
}

#[test]
fn bad_tokens_rejected() {
    let tokens = [
        String::new(),
        "   ".to_string(),
        "pat-na1 SECRET".to_string(),
        "Bearer pat-na1-SECRET".to_string(),
        "pat-na1-SECRET\r\nX-Injected: 1".to_string(),
        "pat-na1-SECRET\0".to_string(),
        "pat-na1-SECRÉT".to_string(),
        "a".repeat(4097),
    ];
    for token in tokens {
        let mut setup = setup();
        setup.token = token.clone();

        let err = rejected_with(&setup, "TASK_GET_DEAL", r#"{"deal-id":"9001"}"#);

        assert_eq!(input_field(&err), "setup.token", "{token:?}");
    }
}

#[test]
fn token_trimmed() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, crm_object("9001", json!({})));
    let mut setup = setup();
    setup.token = format!("  {TOKEN}\n");

    run::execute(&mut transport, &setup, "TASK_GET_DEAL", r#"{"deal-id":"9001"}"#).unwrap();

    assert_eq!(transport.header(0, "authorization"), Some(format!("Bearer {TOKEN}")));
}

#[test]
fn setup_checked_before_task() {
    let mut setup = setup();
    setup.token = String::new();

    let err = rejected_with(&setup, "TASK_NOPE", "not json");

    assert_eq!(input_field(&err), "setup.token");
}

#[test]
fn bad_base_urls_rejected() {
    let urls = [
        "http://api.hubapi.com",
        "https://user:pw@x.com",
        "https://user@x.com",
        "https://x.com?a=1",
        "https://x.com#f",
        "ftp://x.com",
        "api.hubapi.com",
        "https://",
        "https://x.com:0",
        "https://x.com:65536",
        "https://x.com:8o",
        "http://127.0.0.1.example.com",
        "http://localhost.example.com",
        "http://128.0.0.1",
        "https://x .com",
        "https://x.com/a/../b",
        "https://x.com/%2e%2e",
        "https://[::1",
    ];
    for url in urls {
        let mut setup = setup();
        setup.base_url = Some(url.to_string());

        let err = rejected_with(&setup, "TASK_GET_DEAL", r#"{"deal-id":"9001"}"#);

        assert_eq!(input_field(&err), "setup.base-url", "{url:?}");
    }
}

#[test]
fn good_base_urls_accepted() {
    let cases = [
        ("http://127.0.0.1:8080", Scheme::Http, "127.0.0.1:8080", ""),
        ("http://[::1]:8080", Scheme::Http, "[::1]:8080", ""),
        ("http://localhost:1", Scheme::Http, "localhost:1", ""),
        ("HTTP://LocalHost:1/", Scheme::Http, "localhost:1", ""),
        ("https://api.hubapi.com", Scheme::Https, "api.hubapi.com", ""),
        ("https://proxy.example.com/hubspot/", Scheme::Https, "proxy.example.com", "/hubspot"),
    ];
    for (url, scheme, authority, prefix) in cases {
        let mut transport = FakeTransport::new();
        transport.push_json(200, crm_object("5101", json!({})));
        let mut setup = setup();
        setup.base_url = Some(url.to_string());
        let input = GetContactInput {
            contact_id_or_email: "5101".to_string(),
            custom_properties: None,
        };

        run::get_contact(&mut transport, &setup, &input).unwrap();

        let request = &transport.requests[0];
        assert_eq!(request.scheme, scheme, "{url}");
        assert_eq!(request.authority, authority, "{url}");
        assert!(request.path_and_query.starts_with(&format!("{prefix}/crm/v3/objects/contacts/5101?")), "{url}: {}", request.path_and_query);
    }
}

/// A change applied to the default test setup.
type SetupChange = fn(&mut Setup);

#[test]
fn zero_settings_rejected() {
    let cases: [(&str, SetupChange); 6] = [
        ("setup.max-attempts", |s| s.max_attempts = Some(0)),
        ("setup.max-pages", |s| s.max_pages = Some(0)),
        ("setup.connect-timeout-ms", |s| s.connect_timeout_ms = Some(0)),
        ("setup.first-byte-timeout-ms", |s| s.first_byte_timeout_ms = Some(0)),
        ("setup.between-bytes-timeout-ms", |s| s.between_bytes_timeout_ms = Some(0)),
        ("setup.max-response-bytes", |s| s.max_response_bytes = Some(0)),
    ];
    for (field, change) in cases {
        let mut setup = setup();
        change(&mut setup);

        let err = rejected_with(&setup, "TASK_GET_DEAL", r#"{"deal-id":"9001"}"#);

        assert_eq!(input_field(&err), field);
    }
}

#[test]
fn text_limits_rejected() {
    let err = rejected("TASK_UPDATE_DEAL", &json!({ "deal-id": "9001", "deal-name": "a\u{0}b" }));
    assert_eq!(input_field(&err), "deal-name");

    let err = rejected("TASK_UPDATE_DEAL", &json!({ "deal-id": "9001", "deal-name": "x".repeat(65_537) }));
    assert_eq!(input_field(&err), "deal-name");

    let err = rejected("TASK_INSERT_MESSAGE", &{
        let mut input = insert_message();
        input["text"] = json!("   ");
        input
    });
    assert_eq!(input_field(&err), "text");
}

#[test]
fn custom_property_checks() {
    let err = rejected("TASK_UPDATE_DEAL", &json!({ "deal-id": "9001", "custom-properties": { "hs_object_id": "1" } }));
    assert_eq!(input_field(&err), "custom-properties.hs_object_id");

    let err = rejected("TASK_UPDATE_DEAL", &json!({ "deal-id": "9001", "custom-properties": { "bad name": "1" } }));
    assert_eq!(input_field(&err), "custom-properties.name");

    let err = rejected("TASK_UPDATE_DEAL", &json!({ "deal-id": "9001", "custom-properties": { "dealstage": "x" } }));
    assert_eq!(input_field(&err), "custom-properties.dealstage");

    let names: Vec<String> = (0..101).map(|i| format!("p{i}")).collect();
    let err = rejected("TASK_GET_DEAL", &json!({ "deal-id": "9001", "custom-properties": names }));
    assert_eq!(input_field(&err), "custom-properties");
}

#[test]
fn bad_dates_rejected() {
    for bad in ["1720483200", "0", "2024-07-09T00:00", "2024-7-9", "09/07/2024", "2024-07-09T00:00:00+0200", "1234567890123456", "2024-07-09T00:00:00.Z"] {
        let err = rejected("TASK_UPDATE_DEAL", &json!({ "deal-id": "9001", "close-date": bad }));
        assert_eq!(input_field(&err), "close-date", "{bad:?}");
    }
}

#[test]
fn good_dates_accepted() {
    for good in ["2024-07-09", "2024-07-09T00:00:00Z", "2024-07-09T10:00:00.000+02:00", "2024-07-09T10:00Z", "1720483200000"] {
        let mut transport = FakeTransport::new();
        transport.push_json(200, json!({ "id": "9001", "properties": {}, "updatedAt": "2024-07-09T10:15:30.123Z" }));

        run::execute(&mut transport, &setup(), "TASK_UPDATE_DEAL", &json!({ "deal-id": "9001", "close-date": good }).to_string()).unwrap();

        assert_eq!(transport.body_json(0)["properties"]["closedate"], json!(good), "{good:?}");
    }
}

#[test]
fn misspelled_required_key_named() {
    let mut transport = FakeTransport::new();

    let err = run::execute(&mut transport, &setup(), "TASK_GET_CONTACT", r#"{"contact-id-or-emial":"151"}"#).unwrap_err();

    // The misspelled key is reported, with the missing field it probably stands for.
    assert_eq!(input_field(&err), "contact-id-or-emial");
    assert!(message(&err).contains("contact-id-or-email is missing"), "{}", message(&err));
    assert!(transport.requests.is_empty());
}

#[test]
fn missing_required_key_named() {
    let mut transport = FakeTransport::new();

    let err = run::execute(&mut transport, &setup(), "TASK_GET_OWNER", r#"{"id":"1001"}"#).unwrap_err();

    assert_eq!(input_field(&err), "id-type");
    assert!(message(&err).contains("id-type is required"), "{}", message(&err));
    assert!(transport.requests.is_empty());
}
