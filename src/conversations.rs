//! Get Thread, Insert Message, and the threads of a contact (conversations inbox
//! API v3, in beta at HubSpot).

use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;

use crate::client::Client;
use crate::error::invalid;
use crate::listing::{for_each_page, IdOnly, UniqueIds};
use crate::props::opt_id_from_string_or_number;
use crate::tasks::{
    GetThreadInput, GetThreadOutput, InsertMessageInput, InsertMessageOutput, Message, ObjectIdsOutput, Recipient,
    Sender,
};
use crate::transport::Method;
use crate::types::{DeliveryError, Error};
use crate::url::PathBuilder;
use crate::validate;

/// Path prefix of the conversations API.
const THREADS: &str = "/conversations/v3/conversations/threads";

/// Page size for thread and message lists.
// NOTE: HubSpot documents no maximum for these endpoints and caps the page size
// itself; 100 matches the CRM lists.
const PAGE_SIZE: &str = "100";

/// Email channel ID; Insert Message supports email threads only.
const EMAIL_CHANNEL_ID: &str = "1002";

/// The `type` of a message-list item; every other field is skipped unparsed.
#[derive(Deserialize)]
struct TypeOnly {
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

/// A MESSAGE item of a thread's message list. Items of the other types (COMMENT,
/// THREAD_STATUS_CHANGE, ASSIGNMENT, ...) and of unknown future types are skipped
/// unread, whatever their shape. Fields this task does not output are not parsed.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    senders: Vec<Participant>,
    #[serde(default)]
    recipients: Vec<Participant>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default, deserialize_with = "opt_id_from_string_or_number")]
    channel_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id_from_string_or_number")]
    channel_account_id: Option<String>,
}

/// A sender or recipient. Reads carry a singular `deliveryIdentifier`; the plural
/// form is accepted too.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Participant {
    #[serde(default)]
    actor_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    delivery_identifier: Option<DeliveryIdentifier>,
    #[serde(default)]
    delivery_identifiers: Vec<DeliveryIdentifier>,
}

impl Participant {
    fn identifier(&self) -> Option<&DeliveryIdentifier> {
        self.delivery_identifier.as_ref().or(self.delivery_identifiers.first())
    }
}

#[derive(Deserialize)]
struct DeliveryIdentifier {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    value: Option<String>,
}

/// Reads every MESSAGE of a thread, newest first.
pub fn get_thread(client: &mut Client<'_>, input: &GetThreadInput) -> Result<GetThreadOutput, Error> {
    let thread_id = validate::id("thread-id", &input.thread_id)?;
    let target = format!("messages of thread {thread_id}");

    let mut messages: Vec<(String, Message)> = Vec::new();
    let path_for = |after: Option<&str>| {
        PathBuilder::new(THREADS)
            .segment(&thread_id)
            .literal("/messages")
            .query("limit", PAGE_SIZE)
            .query_opt("after", after)
            .build()
    };
    let mut unreadable: Option<String> = None;
    for_each_page::<Box<RawValue>>(client, &target, path_for, |items| {
        for raw in items {
            // Only the type is read first, so items of other types are skipped
            // whatever the shape of their other fields.
            let is_message = serde_json::from_str::<TypeOnly>(raw.get()).is_ok_and(|t| t.kind.as_deref() == Some("MESSAGE"));
            if !is_message {
                continue;
            }
            match serde_json::from_str::<Item>(raw.get()) {
                Ok(item) => {
                    let message = to_message(item);
                    messages.push((sort_key(&message.created_at), message));
                }
                Err(e) => {
                    unreadable.get_or_insert_with(|| e.to_string());
                }
            }
        }
    })?;
    if let Some(reason) = unreadable {
        return Err(crate::error::bad_response(
            200,
            format!("{target}: a MESSAGE item could not be read: {reason}"),
            crate::types::WriteState::None,
        ));
    }

    // Newest first, whatever order the pages came in; equal times keep HubSpot's order.
    messages.sort_by(|a, b| b.0.cmp(&a.0));
    let results: Vec<Message> = messages.into_iter().map(|(_, m)| m).collect();
    Ok(GetThreadOutput {
        no_of_messages: u32::try_from(results.len()).unwrap_or(u32::MAX),
        results,
    })
}

fn to_message(item: Item) -> Message {
    let sender = item.senders.first();
    let sender_identifier = sender.and_then(Participant::identifier);
    Message {
        created_at: item.created_at.clone().unwrap_or_default(),
        sender: Sender {
            sender_name: sender.and_then(|s| non_empty(&s.name)),
            sender_type: sender_identifier.and_then(|d| non_empty(&d.kind)),
            sender_value: sender_identifier.and_then(|d| non_empty(&d.value)),
            sender_actor_id: sender.and_then(|s| non_empty(&s.actor_id)),
        },
        recipients: item
            .recipients
            .iter()
            .map(|r| Recipient {
                name: non_empty(&r.name),
                type_: r.identifier().and_then(|d| non_empty(&d.kind)),
                value: r.identifier().and_then(|d| non_empty(&d.value)),
            })
            .collect(),
        text: non_empty(&item.text),
        subject: non_empty(&item.subject),
        channel_id: item.channel_id,
        channel_account_id: item.channel_account_id,
    }
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.as_ref().filter(|v| !v.is_empty()).cloned()
}

/// Returns a key that orders ISO 8601 UTC times, also when some carry
/// milliseconds and others do not (`...:40Z` against `...:40.388Z`).
fn sort_key(created_at: &str) -> String {
    let seconds = created_at.get(..19).unwrap_or(created_at);
    let rest = created_at.get(19..).unwrap_or("");
    let fraction: String = rest
        .strip_prefix('.')
        .unwrap_or("")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    format!("{seconds}.{fraction:0<9}")
}

/// Sends an email message into an existing thread.
pub fn insert_message(client: &mut Client<'_>, input: &InsertMessageInput) -> Result<InsertMessageOutput, Error> {
    let thread_id = validate::id("thread-id", &input.thread_id)?;
    let sender = agent_actor_id(&input.sender_actor_id)?;
    let channel_account_id = validate::id("channel-account-id", &input.channel_account_id)?;
    let subject = validate::required_text("subject", &input.subject)?;
    let text = validate::required_text("text", &input.text)?;
    if input.recipients.is_empty() {
        return Err(invalid("recipients", "recipients is empty: give at least one email address"));
    }
    let mut recipients = Vec::with_capacity(input.recipients.len());
    for (i, address) in input.recipients.iter().enumerate() {
        let address = validate::email(&format!("recipients[{i}]"), address)?;
        recipients.push(json!({
            "recipientField": "TO",
            "deliveryIdentifiers": [{ "type": "HS_EMAIL_ADDRESS", "value": address }],
        }));
    }

    let body = json!({
        "type": "MESSAGE",
        "text": text,
        "subject": subject,
        "senderActorId": sender,
        "channelId": EMAIL_CHANNEL_ID,
        "channelAccountId": channel_account_id,
        "recipients": recipients,
        "attachments": [],
    });
    let path = PathBuilder::new(THREADS).segment(&thread_id).literal("/messages").build();
    let target = format!("insert message into thread {thread_id}");
    let created: Created = client.write(Method::Post, &path, &body, &target)?;

    let status = created.status.and_then(|s| s.status_type).unwrap_or_else(|| "UNKNOWN".to_string());
    if status == "FAILED" {
        let error_message = created.failure_message;
        return Err(Error::DeliveryFailed(DeliveryError {
            message: format!(
                "message {} was stored in thread {thread_id} but HubSpot reports its delivery FAILED: {}",
                created.id,
                error_message.as_deref().unwrap_or("no reason given")
            ),
            message_id: created.id,
            status_type: status,
            error_message,
        }));
    }
    Ok(InsertMessageOutput {
        status,
        message_id: created.id,
    })
}

/// The parts of the 201 response Insert Message reads.
#[derive(Deserialize)]
#[serde(from = "CreatedRaw")]
struct Created {
    id: String,
    status: Option<Status>,
    failure_message: Option<String>,
}

#[derive(Deserialize)]
struct CreatedRaw {
    #[serde(deserialize_with = "crate::props::id_from_string_or_number")]
    id: String,
    #[serde(default)]
    status: Option<Status>,
}

impl From<CreatedRaw> for Created {
    fn from(raw: CreatedRaw) -> Created {
        let failure_message = raw
            .status
            .as_ref()
            .and_then(|s| s.failure_details.as_ref())
            .and_then(|d| d.error_message.clone());
        Created {
            id: raw.id,
            status: raw.status,
            failure_message,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    #[serde(default)]
    status_type: Option<String>,
    #[serde(default)]
    failure_details: Option<FailureDetails>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FailureDetails {
    #[serde(default)]
    error_message: Option<String>,
}

/// Normalises the sender to an agent actor ID. HubSpot only accepts agents
/// (`A-<user ID>`) as senders; a bare user ID gets the `A-` prefix.
fn agent_actor_id(value: &str) -> Result<String, Error> {
    const FIELD: &str = "sender-actor-id";
    let trimmed = value.trim();
    let digits = trimmed.strip_prefix("A-").unwrap_or(trimmed);
    if digits.is_empty() || digits.len() > validate::MAX_ID_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            FIELD,
            &format!(
                "{FIELD} must be an agent actor ID such as A-3892666 (A- followed by the HubSpot user ID); got {}",
                validate::quote(trimmed)
            ),
        ));
    }
    Ok(format!("A-{digits}"))
}

/// Lists the IDs of a contact's threads. HubSpot requires `threadStatus` together
/// with `associatedContactId`, so open and closed threads are two listings.
pub fn threads_of_contact(client: &mut Client<'_>, contact_id: &str) -> Result<ObjectIdsOutput, Error> {
    let mut ids = UniqueIds::new();
    for status in ["OPEN", "CLOSED"] {
        let target = format!("list {} threads of contact {contact_id}", status.to_ascii_lowercase());
        let path_for = |after: Option<&str>| {
            PathBuilder::new(THREADS)
                .query("associatedContactId", contact_id)
                .query("threadStatus", status)
                .query("limit", PAGE_SIZE)
                .query_opt("after", after)
                .build()
        };
        for_each_page::<IdOnly>(client, &target, path_for, |threads| {
            for thread in threads {
                ids.push(thread.id);
            }
        })?;
    }
    Ok(ids.into_output())
}
