//! Get Thread, Insert Message and the threads of a contact through the fake
//! transport.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use hubspot_component::run;
use hubspot_component::tasks::{AssociationObjectType, GetThreadInput, InsertMessageInput, RetrieveAssociationInput};
use hubspot_component::transport::Method;
use hubspot_component::types::{Error, WriteState};
use serde_json::{json, Value};

const MESSAGES: &str = "/conversations/v3/conversations/threads/7001/messages";

fn thread_input() -> GetThreadInput {
    GetThreadInput {
        thread_id: "7001".to_string(),
    }
}

fn insert_input() -> InsertMessageInput {
    InsertMessageInput {
        thread_id: "7001".to_string(),
        sender_actor_id: "A-3892666".to_string(),
        recipients: vec!["ana@example.com".to_string()],
        channel_account_id: "240".to_string(),
        subject: "Re: printer".to_string(),
        text: "We are sending a new part.".to_string(),
    }
}

/// Returns a MESSAGE posted by an integration, whose `client.integrationAppId` is a JSON
/// number and which carries a FILE attachment.
fn integration_message() -> Value {
    json!({
        "type": "MESSAGE",
        "id": "m-1",
        "conversationsThreadId": "7001",
        "createdAt": "2024-07-09T10:00:00Z",
        "createdBy": "I-4242",
        "client": { "clientType": "INTEGRATION", "integrationAppId": 4242 },
        "senders": [{ "actorId": "I-4242", "name": "Support Bot", "deliveryIdentifier": { "type": "HS_EMAIL_ADDRESS", "value": "bot@example.com" } }],
        "recipients": [{ "actorId": "E-ana@example.com", "name": "Ana Lima", "recipientField": "TO", "deliveryIdentifier": { "type": "HS_EMAIL_ADDRESS", "value": "ana@example.com" } }],
        "text": "Your part ships today.",
        "richText": "<p>Your part ships today.</p>",
        "subject": "Re: printer",
        "attachments": [{ "type": "FILE", "fileId": "98765", "fileUsageType": "IMAGE", "name": "label.png", "url": "https://files.example.com/label.png" }],
        "truncationStatus": "NOT_TRUNCATED",
        "status": { "statusType": "SENT" },
        "direction": "OUTGOING",
        "channelId": "1002",
        "channelAccountId": 240,
        "archived": false,
    })
}

fn comment() -> Value {
    json!({
        "type": "COMMENT",
        "id": "c-1",
        "createdAt": "2024-07-09T10:02:00Z",
        "client": { "clientType": "HUBSPOT" },
        "senders": [{ "actorId": "A-3892666" }],
        "text": "Internal note",
        "archived": false,
    })
}

fn status_change() -> Value {
    json!({
        "type": "THREAD_STATUS_CHANGE",
        "id": "s-1",
        "createdAt": "2024-07-09T10:03:00Z",
        "client": { "clientType": "SYSTEM" },
        "newStatus": "CLOSED",
        "senders": [],
        "recipients": [],
        "archived": false,
    })
}

/// Returns a MESSAGE from a visitor whose recipient has no name.
fn visitor_message() -> Value {
    json!({
        "type": "MESSAGE",
        "id": "m-2",
        "createdAt": "2024-07-09T10:05:00.388Z",
        "client": { "clientType": "HUBSPOT" },
        "senders": [{ "actorId": "V-151", "name": "Ana Lima", "deliveryIdentifier": { "type": "HS_EMAIL_ADDRESS", "value": "ana@example.com" } }],
        "recipients": [{ "deliveryIdentifier": { "type": "HS_EMAIL_ADDRESS", "value": "support@example.com" } }],
        "text": "Thanks!",
        "attachments": [],
        "direction": "INCOMING",
        "channelId": 1002,
        "channelAccountId": "240",
        "archived": false,
    })
}

/// Returns an item of a type the component does not know, with fields of known shapes.
fn unknown_item() -> Value {
    json!({
        "type": "HOLOGRAM_CALL",
        "id": "x-1",
        "createdAt": "2024-07-09T10:06:00Z",
        "senders": [{ "actorId": "A-1" }],
        "beam": { "x": 1 },
    })
}

#[test]
fn thread_keeps_messages_newest_first() {
    let mut transport = FakeTransport::new();
    let items = vec![integration_message(), comment(), status_change(), visitor_message(), unknown_item()];
    transport.expect(Method::Get, MESSAGES, Reply::Response(json_response(200, &page(items, None))));

    let out = run::get_thread(&mut transport, &setup(), &thread_input()).unwrap();

    assert_eq!(transport.lines(), vec![format!("GET {MESSAGES}?limit=100")]);
    assert_eq!(out.no_of_messages, 2);
    assert_eq!(out.results.len(), 2);

    let visitor = &out.results[0];
    assert_eq!(visitor.created_at, "2024-07-09T10:05:00.388Z");
    assert_eq!(visitor.sender.sender_actor_id.as_deref(), Some("V-151"));
    assert_eq!(visitor.sender.sender_name.as_deref(), Some("Ana Lima"));
    assert_eq!(visitor.recipients.len(), 1);
    assert_eq!(visitor.recipients[0].name, None);
    assert_eq!(visitor.recipients[0].type_.as_deref(), Some("HS_EMAIL_ADDRESS"));
    assert_eq!(visitor.recipients[0].value.as_deref(), Some("support@example.com"));
    assert_eq!(visitor.subject, None);
    assert_eq!(visitor.channel_id.as_deref(), Some("1002"));
    assert_eq!(visitor.channel_account_id.as_deref(), Some("240"));

    let bot = &out.results[1];
    assert_eq!(bot.created_at, "2024-07-09T10:00:00Z");
    assert_eq!(bot.sender.sender_name.as_deref(), Some("Support Bot"));
    assert_eq!(bot.sender.sender_type.as_deref(), Some("HS_EMAIL_ADDRESS"));
    assert_eq!(bot.sender.sender_value.as_deref(), Some("bot@example.com"));
    assert_eq!(bot.sender.sender_actor_id.as_deref(), Some("I-4242"));
    assert_eq!(bot.recipients[0].name.as_deref(), Some("Ana Lima"));
    assert_eq!(bot.text.as_deref(), Some("Your part ships today."));
    assert_eq!(bot.subject.as_deref(), Some("Re: printer"));
    assert_eq!(bot.channel_id.as_deref(), Some("1002"));
    assert_eq!(bot.channel_account_id.as_deref(), Some("240"));
    transport.assert_done();
}

#[test]
fn thread_skips_unknown_shape() {
    let mut transport = FakeTransport::new();
    let odd = json!({ "type": "HOLOGRAM_CALL", "id": "x-2", "createdAt": "2024-07-09T10:07:00Z", "senders": "I-4242", "text": { "parts": [] } });
    transport.push_json(200, page(vec![visitor_message(), odd], None));

    let out = run::get_thread(&mut transport, &setup(), &thread_input()).unwrap();

    assert_eq!(out.no_of_messages, 1);
}

#[test]
fn execute_thread_output() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, page(vec![visitor_message(), comment()], None));

    let text = run::execute(&mut transport, &setup(), "TASK_GET_THREAD", r#"{"thread-id":"7001"}"#).unwrap();

    let output: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(output["no-of-messages"], json!(1));
    assert_eq!(
        output["results"][0],
        json!({
            "created-at": "2024-07-09T10:05:00.388Z",
            "sender": { "sender-name": "Ana Lima", "sender-type": "HS_EMAIL_ADDRESS", "sender-value": "ana@example.com", "sender-actor-id": "V-151" },
            "recipients": [{ "type": "HS_EMAIL_ADDRESS", "value": "support@example.com" }],
            "text": "Thanks!",
            "channel-id": "1002",
            "channel-account-id": "240",
        })
    );
}

#[test]
fn thread_only_comments_empty() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, page(vec![comment(), status_change()], None));

    let out = run::get_thread(&mut transport, &setup(), &thread_input()).unwrap();

    assert!(out.results.is_empty());
    assert_eq!(out.no_of_messages, 0);
}

#[test]
fn thread_follows_paging() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, page(vec![integration_message()], Some("MTAx")));
    transport.push_json(200, page(vec![visitor_message()], Some("MjAy")));
    transport.push_json(200, page(vec![], Some("MzAz")));

    let out = run::get_thread(&mut transport, &setup(), &thread_input()).unwrap();

    assert_eq!(
        transport.lines(),
        vec![
            format!("GET {MESSAGES}?limit=100"),
            format!("GET {MESSAGES}?limit=100&after=MTAx"),
            format!("GET {MESSAGES}?limit=100&after=MjAy"),
        ]
    );
    let times: Vec<&str> = out.results.iter().map(|m| m.created_at.as_str()).collect();
    assert_eq!(times, vec!["2024-07-09T10:05:00.388Z", "2024-07-09T10:00:00Z"]);
}

#[test]
fn thread_not_found() {
    let mut transport = FakeTransport::new();
    transport.push_json(404, error_body("Thread not found", "OBJECT_NOT_FOUND"));

    let err = run::get_thread(&mut transport, &setup(), &thread_input()).unwrap_err();

    assert_case(&err, "not-found");
    assert_eq!(transport.requests.len(), 1);
}

#[test]
fn insert_body_exact() {
    let mut transport = FakeTransport::new();
    let created = json!({ "type": "MESSAGE", "id": "m-9", "status": { "statusType": "SENT" }, "createdAt": "2024-07-09T11:00:00Z" });
    transport.expect(Method::Post, MESSAGES, Reply::Response(json_response(201, &created)));
    let mut input = insert_input();
    input.recipients = vec!["ana@example.com".to_string(), " bo@example.com ".to_string()];

    let out = run::insert_message(&mut transport, &setup(), &input).unwrap();

    assert_eq!(transport.lines(), vec![format!("POST {MESSAGES}")]);
    let recipient = |address: &str| json!({ "recipientField": "TO", "deliveryIdentifiers": [{ "type": "HS_EMAIL_ADDRESS", "value": address }] });
    assert_eq!(
        transport.body_json(0),
        json!({
            "type": "MESSAGE",
            "text": "We are sending a new part.",
            "subject": "Re: printer",
            "senderActorId": "A-3892666",
            "channelId": "1002",
            "channelAccountId": "240",
            "recipients": [recipient("ana@example.com"), recipient("bo@example.com")],
            "attachments": [],
        })
    );
    assert_eq!(out.status, "SENT");
    assert_eq!(out.message_id, "m-9");
    transport.assert_done();
}

#[test]
fn insert_bare_user_id_prefixed() {
    let mut transport = FakeTransport::new();
    transport.push_json(201, json!({ "id": "m-9", "status": { "statusType": "SENT" } }));
    let mut input = insert_input();
    input.sender_actor_id = " 3892666 ".to_string();

    run::insert_message(&mut transport, &setup(), &input).unwrap();

    assert_eq!(transport.body_json(0)["senderActorId"], json!("A-3892666"));
}

#[test]
fn insert_double_prefix_rejected() {
    for bad in ["A-A-1", "V-151", "A-", "", "A-12x"] {
        let mut transport = FakeTransport::new();
        let mut input = insert_input();
        input.sender_actor_id = bad.to_string();

        let err = run::insert_message(&mut transport, &setup(), &input).unwrap_err();

        assert_eq!(input_field(&err), "sender-actor-id", "{bad:?}");
        assert!(transport.requests.is_empty(), "{bad:?}: {:?}", transport.lines());
    }
}

#[test]
fn insert_no_recipients_rejected() {
    let mut transport = FakeTransport::new();
    let mut input = insert_input();
    input.recipients = Vec::new();

    let err = run::insert_message(&mut transport, &setup(), &input).unwrap_err();

    assert_eq!(input_field(&err), "recipients");
    assert!(transport.requests.is_empty());
}

#[test]
fn insert_failed_delivery() {
    let mut transport = FakeTransport::new();
    let created = json!({
        "id": "m-9",
        "type": "MESSAGE",
        "status": { "statusType": "FAILED", "failureDetails": { "errorMessage": "Mailbox unavailable", "errorMessageTokens": {} } },
    });
    transport.push_json(201, created);

    let err = run::insert_message(&mut transport, &setup(), &insert_input()).unwrap_err();

    assert_eq!(transport.requests.len(), 1);
    match &err {
        Error::DeliveryFailed(failed) => {
            assert_eq!(failed.message_id, "m-9");
            assert_eq!(failed.status_type, "FAILED");
            assert_eq!(failed.error_message.as_deref(), Some("Mailbox unavailable"));
            assert!(failed.message.contains("Mailbox unavailable"), "{}", failed.message);
        }
        other => panic!("expected delivery-failed, got {other:?}"),
    }
}

#[test]
fn insert_server_error_not_retried() {
    let mut transport = FakeTransport::new();
    transport.push_json(503, error_body("Service unavailable", "SERVICE_UNAVAILABLE"));

    let err = run::insert_message(&mut transport, &setup(), &insert_input()).unwrap_err();

    assert_eq!(transport.requests.len(), 1);
    assert_eq!(api_of(&err).write_state, WriteState::Unknown);
    assert!(transport.sleeps.is_empty());
}

#[test]
fn contact_threads_open_and_closed() {
    let mut transport = FakeTransport::new();
    let threads = "/conversations/v3/conversations/threads?associatedContactId=201";
    transport.expect(Method::Get, &format!("{threads}&threadStatus=OPEN"), Reply::Response(json_response(200, &page(id_items(&["7001", "7002"]), None))));
    transport.expect(Method::Get, &format!("{threads}&threadStatus=CLOSED"), Reply::Response(json_response(200, &page(id_items(&["7002", "6001"]), Some("NjAwMQ")))));
    transport.expect(Method::Get, &format!("{threads}&threadStatus=CLOSED"), Reply::Response(json_response(200, &page(id_items(&["5001"]), None))));
    let input = RetrieveAssociationInput {
        contact_id: "201".to_string(),
        object_type: AssociationObjectType::Threads,
    };

    let out = run::retrieve_association(&mut transport, &setup(), &input).unwrap();

    assert_eq!(
        transport.lines(),
        vec![
            format!("GET {threads}&threadStatus=OPEN&limit=100"),
            format!("GET {threads}&threadStatus=CLOSED&limit=100"),
            format!("GET {threads}&threadStatus=CLOSED&limit=100&after=NjAwMQ"),
        ]
    );
    assert_eq!(out.object_ids, vec!["7001", "7002", "6001", "5001"]);
    assert_eq!(out.object_ids_length, 4);
    transport.assert_done();
}

#[test]
fn contact_threads_page_limit_total() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, page(id_items(&["7001"]), Some("a")));
    transport.push_json(200, page(id_items(&["7002"]), None));
    transport.push_json(200, page(id_items(&["6001"]), None));
    let mut setup = setup();
    setup.max_pages = Some(2);
    let input = RetrieveAssociationInput {
        contact_id: "201".to_string(),
        object_type: AssociationObjectType::Threads,
    };

    let err = run::retrieve_association(&mut transport, &setup, &input).unwrap_err();

    assert_eq!(input_field(&err), "setup.max-pages");
    assert_eq!(transport.requests.len(), 2, "{:?}", transport.lines());
}
