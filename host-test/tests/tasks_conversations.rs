//! Get Thread and Insert Message through the real component in wasmtime, against
//! the seeded sandbox: outputs, the exact requests HubSpot receives, and the
//! thread's messages after an insert.

mod common;

use common::*;
use host_test::sandbox::conversations::BOUNCE_SUFFIX;
use host_test::sandbox::wire::{encode_cursor, percent_encode};
use host_test::sandbox::PagedRoute;
use host_test::types::{Error, GetThreadInput, InsertMessageInput, Message, Recipient, Sender};
use serde_json::{json, Value};

const THREAD_8001_MESSAGES: &str = "/conversations/v3/conversations/threads/8001/messages";

fn get_input(thread_id: &str) -> GetThreadInput {
    GetThreadInput { thread_id: thread_id.to_string() }
}

fn insert_input(sender: &str, recipient: &str) -> InsertMessageInput {
    InsertMessageInput {
        thread_id: "8001".to_string(),
        sender_actor_id: sender.to_string(),
        recipients: vec![recipient.to_string()],
        channel_account_id: "55".to_string(),
        subject: "Re: Login fails".to_string(),
        text: "The fix is deployed; please try again.".to_string(),
    }
}

/// Returns the sender of an email from Ana (contact 151, visitor `V-151`).
fn ana_sender() -> Value {
    json!({
        "sender-name": "Ana Lima",
        "sender-type": "HS_EMAIL_ADDRESS",
        "sender-value": "Ana.Lima+VIP@example.com",
        "sender-actor-id": "V-151",
    })
}

/// Returns the recipient list of an email to the support inbox, which has no name.
fn support_recipients() -> Value {
    json!([{"type": "HS_EMAIL_ADDRESS", "value": "support@lima-helpdesk.example"}])
}

#[tokio::test(flavor = "multi_thread")]
async fn get_thread_json_messages_only() {
    let sandbox = sandbox();

    let output = run(&sandbox, "TASK_GET_THREAD", json!({"thread-id": "8001"}))
        .await
        .expect("thread 8001 is seeded");

    // Of the nine items, the four MESSAGEs are returned, newest first.
    assert_eq!(keys(&output), vec!["no-of-messages", "results"]);
    assert_eq!(output["no-of-messages"], 4);
    let results = output["results"].as_array().expect("results is a list");
    assert_eq!(results.len(), 4);

    assert_eq!(results[0]["created-at"], "2024-06-05T07:50:00.000Z");
    assert_eq!(results[0]["sender"], ana_sender());
    assert_eq!(results[0]["recipients"], support_recipients());
    assert_eq!(results[0]["text"], "It happens again after the reset.");
    assert_eq!(results[0]["subject"], "Re: Login fails");
    assert_eq!(results[0]["channel-id"], "1002");
    assert_eq!(results[0]["channel-account-id"], "55");

    assert_eq!(results[1]["created-at"], "2024-06-03T10:30:00.000Z");
    assert_eq!(results[1]["sender"], ana_sender());
    assert_eq!(results[1]["text"], "Screenshot attached.");

    assert_eq!(results[2]["created-at"], "2024-06-03T10:02:00.000Z");
    assert_eq!(
        results[2]["sender"],
        json!({
            "sender-name": "Sam Rivera",
            "sender-type": "HS_EMAIL_ADDRESS",
            "sender-value": "sam.rivera@example.com",
            "sender-actor-id": "A-3892666",
        })
    );
    assert_eq!(
        results[2]["recipients"],
        json!([{"name": "Ana Lima", "type": "HS_EMAIL_ADDRESS", "value": "Ana.Lima+VIP@example.com"}])
    );
    assert_eq!(results[2]["text"], "Hi Ana, could you send a screenshot of the error?");
    assert_eq!(results[2]["subject"], "Re: Login fails");

    assert_eq!(results[3]["created-at"], "2024-06-03T09:15:00.000Z");
    assert_eq!(results[3]["sender"], ana_sender());
    assert_eq!(results[3]["recipients"], support_recipients());
    assert_eq!(results[3]["text"], "Hi, I cannot log in since yesterday.");
    assert_eq!(results[3]["subject"], "Login fails");
    assert_eq!(results[3]["channel-id"], "1002");
    assert_eq!(results[3]["channel-account-id"], "55");

    let request = only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, format!("{THREAD_8001_MESSAGES}?limit=100"));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_thread_typed_live_chat() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    // Thread 8003: a WELCOME_MESSAGE (left out) and one visitor chat message whose
    // sender has no delivery identifier and whose recipient has no name.
    let thread = no_trap(host().get_thread(&setup, &get_input("8003")).await).expect("thread 8003 is seeded");

    assert_eq!(thread.no_of_messages, 1);
    assert_eq!(
        thread.results,
        vec![Message {
            created_at: "2024-06-06T16:01:00.000Z".to_string(),
            sender: Sender {
                sender_name: Some("Ben Okafor".to_string()),
                sender_type: None,
                sender_value: None,
                sender_actor_id: Some("V-152".to_string()),
            },
            recipients: vec![Recipient {
                name: None,
                type_: Some("CHANNEL_SPECIFIC_OPAQUE_ID".to_string()),
                value: Some("chat-widget-77".to_string()),
            }],
            text: Some("Do you offer annual billing?".to_string()),
            subject: None,
            channel_id: Some("1000".to_string()),
            channel_account_id: Some("77".to_string()),
        }]
    );

    let request = only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, "/conversations/v3/conversations/threads/8003/messages?limit=100");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_thread_comments_only_empty() {
    let sandbox = sandbox();

    let output = run(&sandbox, "TASK_GET_THREAD", json!({"thread-id": "8002"}))
        .await
        .expect("thread 8002 is seeded");

    assert_eq!(output["results"], json!([]));
    assert_eq!(output["no-of-messages"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn get_thread_follows_pages() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);
    sandbox.set_page_size(PagedRoute::Messages, 4);

    let thread = no_trap(host().get_thread(&setup, &get_input("8001")).await).expect("thread 8001 is seeded");

    // Nine items come in pages of 4, 4 and 1, and each cursor is sent back percent-encoded.
    assert_eq!(
        lines(&sandbox),
        vec![
            format!("GET {THREAD_8001_MESSAGES}?limit=100"),
            format!("GET {THREAD_8001_MESSAGES}?limit=100&after={}", percent_encode(&encode_cursor("messages", 4))),
            format!("GET {THREAD_8001_MESSAGES}?limit=100&after={}", percent_encode(&encode_cursor("messages", 8))),
        ]
    );
    let created: Vec<&str> = thread.results.iter().map(|m| m.created_at.as_str()).collect();
    assert_eq!(
        created,
        vec![
            "2024-06-05T07:50:00.000Z",
            "2024-06-03T10:30:00.000Z",
            "2024-06-03T10:02:00.000Z",
            "2024-06-03T09:15:00.000Z",
        ]
    );
    assert_eq!(thread.no_of_messages, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn get_thread_unknown_id() {
    let sandbox = sandbox();

    let error = run(&sandbox, "TASK_GET_THREAD", json!({"thread-id": "8999"}))
        .await
        .expect_err("no thread has ID 8999");

    assert_eq!(case(&error), "not-found");
    let Error::NotFound(api) = &error else { panic!("expected not-found, got {error:?}") };
    assert_eq!(api.status, 404);
    let request = only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, "/conversations/v3/conversations/threads/8999/messages?limit=100");
}

#[tokio::test(flavor = "multi_thread")]
async fn insert_message_json_then_get() {
    let sandbox = sandbox();

    let output = run(
        &sandbox,
        "TASK_INSERT_MESSAGE",
        json!({
            "thread-id": "8001",
            "sender-actor-id": "A-3892666",
            "recipients": ["Ana.Lima+VIP@example.com"],
            "channel-account-id": "55",
            "subject": "Re: Login fails",
            "text": "The fix is deployed; please try again.",
        }),
    )
    .await
    .expect("the message is inserted");

    let request = only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, THREAD_8001_MESSAGES);
    assert_eq!(
        request.json(),
        json!({
            "type": "MESSAGE",
            "text": "The fix is deployed; please try again.",
            "subject": "Re: Login fails",
            "senderActorId": "A-3892666",
            "channelId": "1002",
            "channelAccountId": "55",
            "recipients": [{
                "recipientField": "TO",
                "deliveryIdentifiers": [{"type": "HS_EMAIL_ADDRESS", "value": "Ana.Lima+VIP@example.com"}],
            }],
            "attachments": [],
        })
    );

    // The new item is the thread's last, and its ID is the one returned.
    let stored_message = sandbox.store().messages(8001).last().cloned().expect("thread 8001 has items");
    assert_eq!(keys(&output), vec!["message-id", "status"]);
    assert_eq!(output["status"], "SENT");
    assert_eq!(output["message-id"], Value::String(stored_message.id.clone()));
    assert_eq!(sandbox.store().messages(8001).len(), 10);

    // Get Thread lists it first, with the agent as sender.
    let read = run(&sandbox, "TASK_GET_THREAD", json!({"thread-id": "8001"}))
        .await
        .expect("thread 8001 can be read");
    assert_eq!(read["no-of-messages"], 5);
    let newest = &read["results"][0];
    assert_eq!(newest["text"], "The fix is deployed; please try again.");
    assert_eq!(newest["subject"], "Re: Login fails");
    assert_eq!(newest["sender"]["sender-actor-id"], "A-3892666");
    assert_eq!(newest["sender"]["sender-name"], "Sam Rivera");
    assert_eq!(newest["sender"]["sender-value"], "sam.rivera@example.com");
    assert_eq!(newest["recipients"][0]["value"], "Ana.Lima+VIP@example.com");
    assert_eq!(newest["channel-id"], "1002");
    assert_eq!(newest["channel-account-id"], "55");
    assert_eq!(newest["created-at"], stored_message.body["createdAt"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn insert_message_typed_bare_user_id() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    // A bare user ID is sent as the agent actor ID `A-<user ID>`.
    let output = no_trap(host().insert_message(&setup, &insert_input("3892666", "ana@example.com")).await)
        .expect("the message is inserted");

    let request = only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, THREAD_8001_MESSAGES);
    let body = request.json();
    assert_eq!(body["senderActorId"], "A-3892666");
    assert_eq!(body["type"], "MESSAGE");
    assert_eq!(body["channelId"], "1002");
    assert_eq!(body["channelAccountId"], "55");
    assert_eq!(
        body["recipients"],
        json!([{"recipientField": "TO", "deliveryIdentifiers": [{"type": "HS_EMAIL_ADDRESS", "value": "ana@example.com"}]}])
    );

    let stored_message = sandbox.store().messages(8001).last().cloned().expect("thread 8001 has items");
    assert_eq!(output.status, "SENT");
    assert_eq!(output.message_id, stored_message.id);
    assert_eq!(stored_message.body["text"], "The fix is deployed; please try again.");
    assert_eq!(stored_message.body["senders"][0]["actorId"], "A-3892666");
}

#[tokio::test(flavor = "multi_thread")]
async fn insert_message_delivery_failed() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    // The sandbox stores a message to a bouncing address with status FAILED.
    let bouncing = format!("gone{BOUNCE_SUFFIX}");
    let error = no_trap(host().insert_message(&setup, &insert_input("A-3892666", &bouncing)).await)
        .expect_err("delivery fails");

    let Error::DeliveryFailed(failure) = &error else { panic!("expected delivery-failed, got {error:?}") };
    let stored_message = sandbox.store().messages(8001).last().cloned().expect("thread 8001 has items");
    assert_eq!(failure.message_id, stored_message.id);
    assert_eq!(failure.status_type, "FAILED");
    assert_eq!(
        failure.error_message.as_deref(),
        Some(format!("Delivery failed: the mailbox {bouncing} does not exist").as_str())
    );
    assert_eq!(lines(&sandbox), vec![format!("POST {THREAD_8001_MESSAGES}")]);
}
