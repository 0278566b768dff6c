//! Input and setup checks, run in wasmtime through `execute`: each invalid input is
//! rejected with `invalid-input` naming the field, and the sandbox receives no
//! request at all.

mod common;

use common::{host, lines, sandbox, setup_for, valid_cases, TaskCase};
use host_test::sandbox::Sandbox;
use host_test::types::{Error, InputError};
use host_test::Setup;
use serde_json::{json, Value};

/// Runs `task` on the raw `input` text with `setup` and returns the
/// `invalid-input` error, failing on any other outcome or on any request sent.
async fn rejected_text(sandbox: &Sandbox, setup: &Setup, task: &str, input: &str) -> InputError {
    // The instance's allow-list is the sandbox, so a request that slipped past the
    // checks with another base URL would be denied by the host, never sent.
    let mut session = host().session(&setup_for(sandbox)).await.unwrap();
    let (tasks, store, _) = session.parts();
    let result = tasks
        .call_execute(store, setup, task, input)
        .await
        .unwrap_or_else(|trap| panic!("{task} {input:?} trapped: {trap:?}"));

    let error = match result {
        Err(Error::InvalidInput(error)) => error,
        other => panic!("{task} {input:?}: expected invalid-input, got {other:?}"),
    };
    assert!(
        sandbox.requests().is_empty(),
        "{task} {input:?} sent requests: {:?}",
        lines(sandbox)
    );
    error
}

async fn rejected(sandbox: &Sandbox, task: &str, input: &Value) -> InputError {
    rejected_text(sandbox, &setup_for(sandbox), task, &input.to_string()).await
}

fn case_of(task: &str) -> TaskCase {
    valid_cases()
        .into_iter()
        .find(|case| case.task == task)
        .unwrap_or_else(|| panic!("no valid input for {task}"))
}

/// Returns the valid input of `task` with `key` set to `value`.
fn with(task: &str, key: &str, value: Value) -> Value {
    let mut input = case_of(task).input;
    input[key] = value;
    input
}

/// Returns the valid input of `task` without `key`.
fn without(task: &str, key: &str) -> Value {
    let mut input = case_of(task).input;
    input.as_object_mut().expect("inputs are objects").remove(key);
    input
}

/// Required fields of each task, with a value that satisfies them.
fn required_fields() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("TASK_GET_CONTACT", "contact-id-or-email", json!("151")),
        ("TASK_CREATE_CONTACT", "email", json!("new.person@example.com")),
        ("TASK_GET_DEAL", "deal-id", json!("9001")),
        ("TASK_CREATE_DEAL", "deal-name", json!("Deal")),
        ("TASK_CREATE_DEAL", "pipeline", json!("default")),
        ("TASK_CREATE_DEAL", "deal-stage", json!("appointmentscheduled")),
        ("TASK_UPDATE_DEAL", "deal-id", json!("9001")),
        ("TASK_GET_COMPANY", "company-id", json!("700")),
        ("TASK_CREATE_COMPANY", "company-domain", json!("new-company.example")),
        ("TASK_GET_TICKET", "ticket-id", json!("4001")),
        ("TASK_CREATE_TICKET", "ticket-name", json!("Ticket")),
        ("TASK_CREATE_TICKET", "ticket-status", json!("1")),
        ("TASK_CREATE_TICKET", "pipeline", json!("0")),
        ("TASK_UPDATE_TICKET", "ticket-id", json!("4001")),
        ("TASK_GET_THREAD", "thread-id", json!("8001")),
        ("TASK_INSERT_MESSAGE", "thread-id", json!("8001")),
        ("TASK_INSERT_MESSAGE", "sender-actor-id", json!("A-3892666")),
        ("TASK_INSERT_MESSAGE", "recipients", json!(["ana@example.com"])),
        ("TASK_INSERT_MESSAGE", "channel-account-id", json!("55")),
        ("TASK_INSERT_MESSAGE", "subject", json!("Subject")),
        ("TASK_INSERT_MESSAGE", "text", json!("Text")),
        ("TASK_RETRIEVE_ASSOCIATION", "contact-id", json!("151")),
        ("TASK_RETRIEVE_ASSOCIATION", "object-type", json!("Deals")),
        ("TASK_GET_OWNER", "id-type", json!("Owner ID")),
        ("TASK_GET_OWNER", "id", json!("1001")),
        ("TASK_GET_ALL", "object-type", json!("Deals")),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_required_fields() {
    let sandbox = sandbox();
    for (task, key, _) in required_fields() {
        let error = rejected(&sandbox, task, &without(task, key)).await;
        assert_eq!(error.field, key, "{task} without {key}: {}", error.message);
        assert!(error.message.contains("required"), "{task} without {key}: {}", error.message);

        // `null` counts as absent.
        let error = rejected(&sandbox, task, &with(task, key, Value::Null)).await;
        assert_eq!(error.field, key, "{task} with {key} null: {}", error.message);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn blank_required_text_fields() {
    let sandbox = sandbox();
    let fields = [
        ("TASK_CREATE_DEAL", "deal-name"),
        ("TASK_CREATE_DEAL", "pipeline"),
        ("TASK_CREATE_DEAL", "deal-stage"),
        ("TASK_CREATE_TICKET", "ticket-name"),
        ("TASK_CREATE_TICKET", "ticket-status"),
        ("TASK_CREATE_TICKET", "pipeline"),
        ("TASK_INSERT_MESSAGE", "subject"),
        ("TASK_INSERT_MESSAGE", "text"),
    ];
    for (task, key) in fields {
        for blank in ["", "   "] {
            let error = rejected(&sandbox, task, &with(task, key, json!(blank))).await;
            assert_eq!(error.field, key, "{task} with {key} {blank:?}: {}", error.message);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn update_without_changes() {
    let sandbox = sandbox();
    for (task, id_key, id) in [("TASK_UPDATE_DEAL", "deal-id", "9001"), ("TASK_UPDATE_TICKET", "ticket-id", "4001")] {
        let error = rejected(&sandbox, task, &json!({ id_key: id })).await;
        assert_eq!(error.field, id_key, "{task}: {}", error.message);
    }
}

/// Values that are not HubSpot IDs.
fn bad_ids() -> Vec<&'static str> {
    vec![
        "12/../../owners",
        "1?archived=true",
        "%2e%2e",
        "151#x",
        "",
        "   ",
        "1\u{0}5",
        "15\r\n1",
        "1\t5",
        "\u{7f}",
        "\u{1b}[31m",
        "123456789012345678901",
        "-1",
        "1.5",
        "1e3",
        "0x1F",
        "\u{ff11}\u{ff15}",
        "151 152",
    ]
}

/// Every ID field of every task: the task, the key, and whether the key contains
/// a list of IDs.
fn id_fields() -> Vec<(&'static str, &'static str, bool)> {
    vec![
        ("TASK_GET_CONTACT", "contact-id-or-email", false),
        ("TASK_CREATE_CONTACT", "owner-id", false),
        ("TASK_CREATE_CONTACT", "create-deals-association", true),
        ("TASK_CREATE_CONTACT", "create-companies-association", true),
        ("TASK_CREATE_CONTACT", "create-tickets-association", true),
        ("TASK_GET_DEAL", "deal-id", false),
        ("TASK_CREATE_DEAL", "owner-id", false),
        ("TASK_CREATE_DEAL", "create-contacts-association", true),
        ("TASK_UPDATE_DEAL", "deal-id", false),
        ("TASK_UPDATE_DEAL", "owner-id", false),
        ("TASK_UPDATE_DEAL", "create-contacts-association", true),
        ("TASK_GET_COMPANY", "company-id", false),
        ("TASK_CREATE_COMPANY", "owner-id", false),
        ("TASK_CREATE_COMPANY", "create-contacts-association", true),
        ("TASK_GET_TICKET", "ticket-id", false),
        ("TASK_CREATE_TICKET", "owner-id", false),
        ("TASK_CREATE_TICKET", "create-contacts-association", true),
        ("TASK_UPDATE_TICKET", "ticket-id", false),
        ("TASK_UPDATE_TICKET", "owner-id", false),
        ("TASK_UPDATE_TICKET", "create-contacts-association", true),
        ("TASK_GET_THREAD", "thread-id", false),
        ("TASK_INSERT_MESSAGE", "thread-id", false),
        ("TASK_INSERT_MESSAGE", "sender-actor-id", false),
        ("TASK_INSERT_MESSAGE", "channel-account-id", false),
        ("TASK_RETRIEVE_ASSOCIATION", "contact-id", false),
        ("TASK_GET_OWNER", "id", false),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_ids_in_every_id_field() {
    let sandbox = sandbox();
    for (task, key, is_list) in id_fields() {
        for bad in bad_ids() {
            // An empty owner ID clears the owner, so it is valid there.
            if key == "owner-id" && bad.is_empty() {
                continue;
            }
            let (value, expected_field) = if is_list {
                (json!(["201", bad]), format!("{key}[1]"))
            } else {
                (json!(bad), key.to_string())
            };
            let error = rejected(&sandbox, task, &with(task, key, value)).await;
            assert_eq!(error.field, expected_field, "{task} {key}={bad:?}: {}", error.message);
            assert!(!error.message.is_empty(), "{task} {key}={bad:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_emails() {
    let sandbox = sandbox();
    let no_at_parts = ["@example.com", "ana@", "a@b@example.com", "ana @example.com", "ana@exa\nmple.com", "@"];

    for bad in no_at_parts {
        let error = rejected(&sandbox, "TASK_GET_CONTACT", &json!({"contact-id-or-email": bad})).await;
        assert_eq!(error.field, "contact-id-or-email", "{bad:?}: {}", error.message);

        let error = rejected(&sandbox, "TASK_CREATE_CONTACT", &json!({"email": bad})).await;
        assert_eq!(error.field, "email", "{bad:?}: {}", error.message);

        let input = with("TASK_INSERT_MESSAGE", "recipients", json!(["ana@example.com", bad]));
        let error = rejected(&sandbox, "TASK_INSERT_MESSAGE", &input).await;
        assert_eq!(error.field, "recipients[1]", "{bad:?}: {}", error.message);
    }

    for bad in ["ana.example.com", "", "   "] {
        let error = rejected(&sandbox, "TASK_CREATE_CONTACT", &json!({"email": bad})).await;
        assert_eq!(error.field, "email", "{bad:?}: {}", error.message);
    }

    let long = format!("{}@example.com", "a".repeat(250));
    let error = rejected(&sandbox, "TASK_CREATE_CONTACT", &json!({"email": long})).await;
    assert_eq!(error.field, "email");

    let input = with("TASK_INSERT_MESSAGE", "recipients", json!([]));
    let error = rejected(&sandbox, "TASK_INSERT_MESSAGE", &input).await;
    assert_eq!(error.field, "recipients");
}

#[tokio::test(flavor = "multi_thread")]
async fn enum_values_outside_allowed() {
    let sandbox = sandbox();

    for bad in ["Contacts", "Owners", "deal", "Deals;Tickets", ""] {
        let input = json!({"contact-id": "151", "object-type": bad});
        let error = rejected(&sandbox, "TASK_RETRIEVE_ASSOCIATION", &input).await;
        assert_eq!(error.field, "object-type", "{bad:?}");
        assert!(error.message.contains("Deals, Companies, Tickets, Threads"), "{bad:?}: {}", error.message);
    }

    for bad in ["Emails", "contact", ""] {
        let error = rejected(&sandbox, "TASK_GET_ALL", &json!({"object-type": bad})).await;
        assert_eq!(error.field, "object-type", "{bad:?}");
        assert!(
            error.message.contains("Contacts, Deals, Companies, Tickets, Threads, Owners"),
            "{bad:?}: {}",
            error.message
        );
    }

    for bad in ["Email", "owner", "OwnerID", ""] {
        let error = rejected(&sandbox, "TASK_GET_OWNER", &json!({"id-type": bad, "id": "1001"})).await;
        assert_eq!(error.field, "id-type", "{bad:?}");
        assert!(error.message.contains("Owner ID, User ID"), "{bad:?}: {}", error.message);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_json_types() {
    let sandbox = sandbox();
    let cases = [
        ("TASK_CREATE_DEAL", "amount", json!("1500.50"), "amount"),
        ("TASK_CREATE_DEAL", "amount", json!(true), "amount"),
        ("TASK_CREATE_COMPANY", "annual-revenue", json!("1000"), "annual-revenue"),
        ("TASK_GET_DEAL", "deal-id", json!(9001), "deal-id"),
        ("TASK_GET_CONTACT", "contact-id-or-email", json!(["151"]), "contact-id-or-email"),
        ("TASK_CREATE_DEAL", "create-contacts-association", json!("151"), "create-contacts-association"),
        ("TASK_CREATE_DEAL", "create-contacts-association", json!([151]), "create-contacts-association[0]"),
        ("TASK_INSERT_MESSAGE", "recipients", json!("ana@example.com"), "recipients"),
        ("TASK_GET_DEAL", "custom-properties", json!({"a": "b"}), "custom-properties"),
        ("TASK_CREATE_DEAL", "custom-properties", json!(["a"]), "custom-properties"),
        ("TASK_CREATE_DEAL", "custom-properties", json!({"hs_priority": ["high"]}), "custom-properties.hs_priority"),
        ("TASK_GET_OWNER", "id-type", json!(1), "id-type"),
        ("TASK_GET_ALL", "object-type", json!({"type": "Deals"}), "object-type"),
    ];
    for (task, key, value, field) in cases {
        let error = rejected(&sandbox, task, &with(task, key, value.clone())).await;
        assert_eq!(error.field, field, "{task} {key}={value}: {}", error.message);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_input_documents() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);
    for input in ["", "{", "[]", "null", "\"deal-id\"", "{\"deal-id\": \"9001\",}", "{\"deal-id\": \"9001\"} x"] {
        let error = rejected_text(&sandbox, &setup, "TASK_GET_DEAL", input).await;
        assert_eq!(error.field, "input", "{input:?}: {}", error.message);
    }

    let huge = json!({"deal-id": "9001", "custom-properties": ["x".repeat(1_100_000)]}).to_string();
    let error = rejected_text(&sandbox, &setup, "TASK_GET_DEAL", &huge).await;
    assert_eq!(error.field, "input");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_fields() {
    let sandbox = sandbox();
    for (task, key) in [("TASK_GET_DEAL", "dealId"), ("TASK_CREATE_DEAL", "dealname"), ("TASK_GET_ALL", "limit")] {
        let error = rejected(&sandbox, task, &with(task, key, json!("x"))).await;
        assert_eq!(error.field, key, "{task}: {}", error.message);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn other_field_checks() {
    let sandbox = sandbox();
    let many_ids: Vec<String> = (1..=101).map(|n| n.to_string()).collect();
    let cases = [
        ("TASK_GET_DEAL", "custom-properties", json!(["bad name"]), "custom-properties[0]"),
        ("TASK_GET_DEAL", "custom-properties", json!(["a/b"]), "custom-properties[0]"),
        ("TASK_CREATE_DEAL", "custom-properties", json!({"dealname": "x"}), "custom-properties.dealname"),
        ("TASK_CREATE_DEAL", "custom-properties", json!({"hs_object_id": "1"}), "custom-properties.hs_object_id"),
        ("TASK_CREATE_DEAL", "close-date", json!("1720483200"), "close-date"),
        ("TASK_CREATE_DEAL", "close-date", json!("2024-13-01"), "close-date"),
        ("TASK_CREATE_DEAL", "deal-name", json!("a\u{0}b"), "deal-name"),
        ("TASK_CREATE_DEAL", "create-contacts-association", json!(many_ids), "create-contacts-association"),
        ("TASK_INSERT_MESSAGE", "sender-actor-id", json!("V-151"), "sender-actor-id"),
        ("TASK_INSERT_MESSAGE", "text", json!("x".repeat(70_000)), "text"),
    ];
    for (task, key, value, field) in cases {
        let error = rejected(&sandbox, task, &with(task, key, value)).await;
        assert_eq!(error.field, field, "{task} {key}: {}", error.message);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_task_ids() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);
    for task in ["TASK_GET_CONTACTS", "", "get_contact", "task_get_contact", "TASK_DELETE_DEAL", "execute", "TASK GET DEAL"] {
        // The task name is checked before the input, so the input can be anything.
        let error = rejected_text(&sandbox, &setup, task, "{}").await;
        assert_eq!(error.field, "task", "{task:?}: {}", error.message);
        assert!(error.message.contains("TASK_GET_CONTACT"), "{task:?}: {}", error.message);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_tokens() {
    let sandbox = sandbox();
    let tokens = [
        "",
        "   ",
        "pat-na1-abc def",
        "pat-na1-abc\r\nX-Injected: 1",
        "pat-na1-abc\nX-Injected: 1",
        "Bearer pat-na1-abc",
        "pat-na1-\u{0}abc",
        "pat-na1-\u{e9}",
        &"a".repeat(5000),
    ];
    for token in tokens {
        let mut setup = setup_for(&sandbox);
        setup.token = token.to_string();
        let error = rejected_text(&sandbox, &setup, "TASK_GET_DEAL", r#"{"deal-id":"9001"}"#).await;
        assert_eq!(error.field, "setup.token", "{token:?}: {}", error.message);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_base_urls() {
    let sandbox = sandbox();
    // Hosts under .invalid never resolve, and the instance's allow-list is the
    // sandbox, so nothing could be sent even if a check were missing.
    let urls = [
        "http://example.invalid",
        "http://api.example.invalid:8080/v1",
        "http://127.0.0.1.example.invalid",
        "http://localhost.example.invalid",
        "https://user:secret@example.invalid",
        "https://user@example.invalid",
        "https://example.invalid/?debug=1",
        "https://example.invalid?x",
        "https://example.invalid/#top",
        "ftp://example.invalid",
        "example.invalid",
        "//example.invalid",
        "https://",
        "https://exa mple.invalid",
        "https://example.invalid/a/../b",
        "https://example.invalid/%2e%2e",
        "https://example.invalid:0",
        "https://example.invalid:99999",
        "https://example.invalid:port",
        "https://[::1",
    ];
    for url in urls {
        let mut setup = setup_for(&sandbox);
        setup.base_url = Some(url.to_string());
        let error = rejected_text(&sandbox, &setup, "TASK_GET_DEAL", r#"{"deal-id":"9001"}"#).await;
        assert_eq!(error.field, "setup.base-url", "{url:?}: {}", error.message);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_message_names_host() {
    let sandbox = sandbox();
    let mut setup = setup_for(&sandbox);
    setup.base_url = Some("http://example.invalid".to_string());

    let error = rejected_text(&sandbox, &setup, "TASK_GET_DEAL", r#"{"deal-id":"9001"}"#).await;

    assert!(error.message.contains("https"), "message: {}", error.message);
    assert!(error.message.contains("example.invalid"), "message: {}", error.message);
}
