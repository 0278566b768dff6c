//! Conversations inbox and messages v3, under `/conversations/v3/conversations/`: threads list
//! and detail, a thread's messages, posting a message or comment, and actor lookup.

use serde_json::{json, Map, Value};

use super::server::{Ctx, Reply, Request};
use super::store::{Message, Thread};
use super::wire::{decode_cursor, encode_cursor, iso_ms, now_ms};
use super::PagedRoute;

const THREADS_DEFAULT_LIMIT: usize = 100;
const THREADS_MAX_LIMIT: usize = 500;
const MESSAGES_DEFAULT_LIMIT: usize = 100;
const MESSAGES_MAX_LIMIT: usize = 500;

/// App ID reported in `client.integrationAppId` (a JSON number) for messages posted through the
/// API with the sandbox token.
pub const SANDBOX_APP_ID: u64 = 5_551_234;

/// Recipient addresses ending with this suffix make a posted MESSAGE come back with status
/// `FAILED` and `failureDetails`, so clients can test their handling of delivery failures.
pub const BOUNCE_SUFFIX: &str = "@bounce.example";

/// Channels the sandbox accepts: `1000` live chat, `1001` Facebook Messenger, `1002` email.
const KNOWN_CHANNELS: &[&str] = &["1000", "1001", "1002"];

const DELIVERY_IDENTIFIER_TYPES: &[&str] =
    &["HS_EMAIL_ADDRESS", "HS_PHONE_NUMBER", "CHANNEL_SPECIFIC_OPAQUE_ID", "HS_SHORT_CODE"];

pub(crate) fn handle(ctx: &mut Ctx, req: &Request, rest: &[&str]) -> Reply {
    match (req.method.as_str(), rest) {
        ("GET", ["threads"]) => list_threads(ctx, req),
        ("GET", ["threads", id]) if !id.is_empty() => get_thread(ctx, id),
        ("GET", ["threads", id, "messages"]) => list_messages(ctx, req, id),
        ("POST", ["threads", id, "messages"]) => post_message(ctx, req, id),
        ("GET", ["threads", id, "messages", message_id]) if !message_id.is_empty() => get_message(ctx, id, message_id),
        ("GET", ["actors", actor_id]) if !actor_id.is_empty() => get_actor(ctx, actor_id),
        _ => ctx.route_not_found(&req.method, &req.raw_path),
    }
}

fn thread_not_found(ctx: &Ctx, id: &str) -> Reply {
    ctx.error(404, &format!("Thread {id} was not found"), "OBJECT_NOT_FOUND", json!({"context": {"threadId": [id]}}))
}

fn find_thread<'s>(ctx: &'s Ctx, id: &str) -> Option<&'s Thread> {
    ctx.store.thread(id.parse().ok()?)
}

/// Renders a thread as `PublicThread`, with the latest-message timestamps taken from its
/// MESSAGE items.
fn render_thread(messages: &[Message], thread: &Thread) -> Value {
    let latest = |direction: Option<&str>| {
        messages
            .iter()
            .filter(|m| m.body.get("type").and_then(Value::as_str) == Some("MESSAGE"))
            .filter(|m| direction.is_none_or(|d| m.body.get("direction").and_then(Value::as_str) == Some(d)))
            .map(|m| m.created_at)
            .max()
    };
    let mut out = Map::new();
    out.insert("id".into(), json!(thread.id.to_string()));
    out.insert("createdAt".into(), json!(iso_ms(thread.created_at)));
    out.insert("status".into(), json!(thread.status));
    if let Some(closed) = thread.closed_at {
        out.insert("closedAt".into(), json!(iso_ms(closed)));
    }
    out.insert("originalChannelId".into(), json!(thread.original_channel_id));
    out.insert("originalChannelAccountId".into(), json!(thread.original_channel_account_id));
    for (key, direction) in [
        ("latestMessageTimestamp", None),
        ("latestMessageSentTimestamp", Some("OUTGOING")),
        ("latestMessageReceivedTimestamp", Some("INCOMING")),
    ] {
        if let Some(at) = latest(direction) {
            out.insert(key.into(), json!(iso_ms(at)));
        }
    }
    if let Some(assignee) = &thread.assigned_to {
        out.insert("assignedTo".into(), json!(assignee));
    }
    out.insert("spam".into(), json!(thread.spam));
    out.insert("inboxId".into(), json!(thread.inbox_id));
    out.insert("associatedContactId".into(), json!(thread.associated_contact_id));
    out.insert("archived".into(), json!(thread.archived));
    if let Some(ticket) = &thread.associated_ticket_id {
        out.insert("threadAssociations".into(), json!({"associatedTicketId": ticket}));
    }
    Value::Object(out)
}

/// Builds `paging` for the conversation lists. Like HubSpot's threads list, a full page always
/// carries a cursor, so the page after the last full one can come back with empty results.
fn paging(req: &Request, kind: &str, next_offset: usize, page_len: usize, page_size: usize) -> Option<Value> {
    if page_len < page_size {
        return None;
    }
    let after = encode_cursor(kind, next_offset as u64);
    let link = format!("{}{}?after={after}", super::crm::PUBLIC_BASE_URL, req.raw_path);
    Some(json!({"next": {"after": after, "link": link}}))
}

fn read_offset(ctx: &Ctx, req: &Request, kind: &str) -> Result<usize, Reply> {
    match req.query.get("after").filter(|a| !a.is_empty()) {
        None => Ok(0),
        Some(after) => decode_cursor(kind, after).map(|o| o as usize).map_err(|m| ctx.invalid(&m)),
    }
}

fn list_threads(ctx: &mut Ctx, req: &Request) -> Reply {
    let q = &req.query;
    let archived = match q.archived() {
        Ok(a) => a,
        Err(message) => return ctx.invalid(&message),
    };
    let limit = match q.limit(THREADS_DEFAULT_LIMIT, THREADS_MAX_LIMIT) {
        Ok(limit) => limit,
        Err(message) => return ctx.invalid(&message),
    };
    let page_size = ctx.page_size(PagedRoute::Threads, limit);
    let offset = match read_offset(ctx, req, "threads") {
        Ok(offset) => offset,
        Err(reply) => return reply,
    };

    // Filter rules HubSpot enforces on this endpoint.
    let inbox_ids = q.list("inboxId");
    if inbox_ids.len() > 1 {
        return ctx.invalid("Only one inboxId can be given per request");
    }
    let contact = q.get("associatedContactId").filter(|c| !c.is_empty());
    let status = q.get("threadStatus").filter(|s| !s.is_empty());
    if let Some(status) = status {
        if status != "OPEN" && status != "CLOSED" {
            return ctx.invalid(&format!("Invalid threadStatus '{status}': expected OPEN or CLOSED"));
        }
    }
    if contact.is_some() && status.is_none() {
        return ctx.invalid("threadStatus (OPEN or CLOSED) is required when associatedContactId is given");
    }
    if contact.is_some() && !inbox_ids.is_empty() {
        return ctx.invalid("associatedContactId cannot be combined with inboxId");
    }
    let ticket = q.get("associatedTicketId").filter(|t| !t.is_empty());
    let sort = q.get("sort").unwrap_or("id");
    let latest_after = q.get("latestMessageTimestampAfter").and_then(super::wire::parse_timestamp_ms);
    match sort {
        "id" => {}
        "latestMessageTimestamp" if latest_after.is_some() => {}
        "latestMessageTimestamp" => {
            return ctx.invalid("sort=latestMessageTimestamp requires latestMessageTimestampAfter")
        }
        other => return ctx.invalid(&format!("Invalid sort '{other}': expected id or latestMessageTimestamp")),
    }

    let store = &*ctx.store;
    let latest_of = |t: &Thread| store.messages(t.id).iter().map(|m| m.created_at).max().unwrap_or(t.created_at);
    let mut threads: Vec<&Thread> = store
        .threads()
        .filter(|t| t.archived == archived)
        .filter(|t| inbox_ids.first().is_none_or(|i| t.inbox_id == *i))
        .filter(|t| contact.is_none_or(|c| t.associated_contact_id == c))
        .filter(|t| status.is_none_or(|s| t.status == s))
        .filter(|t| ticket.is_none_or(|k| t.associated_ticket_id.as_deref() == Some(k)))
        .filter(|t| latest_after.is_none_or(|after| latest_of(t) >= after))
        .collect();
    if sort == "latestMessageTimestamp" {
        threads.sort_by_key(|t| (latest_of(t), t.id));
    }
    let results: Vec<Value> = threads
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|t| render_thread(store.messages(t.id), t))
        .collect();
    let mut body = json!({"results": results});
    if let Some(paging) = paging(req, "threads", offset + results.len(), results.len(), page_size) {
        body["paging"] = paging;
    }
    Reply::json(200, &body)
}

fn get_thread(ctx: &mut Ctx, id: &str) -> Reply {
    match find_thread(ctx, id) {
        Some(thread) => Reply::json(200, &render_thread(ctx.store.messages(thread.id), thread)),
        None => thread_not_found(ctx, id),
    }
}

fn list_messages(ctx: &mut Ctx, req: &Request, id: &str) -> Reply {
    let Some(thread) = find_thread(ctx, id) else {
        return thread_not_found(ctx, id);
    };
    let archived = match req.query.archived() {
        Ok(a) => a,
        Err(message) => return ctx.invalid(&message),
    };
    let limit = match req.query.limit(MESSAGES_DEFAULT_LIMIT, MESSAGES_MAX_LIMIT) {
        Ok(limit) => limit,
        Err(message) => return ctx.invalid(&message),
    };
    let page_size = ctx.page_size(PagedRoute::Messages, limit);
    let offset = match read_offset(ctx, req, "messages") {
        Ok(offset) => offset,
        Err(reply) => return reply,
    };
    let newest_first = match req.query.get("sort").unwrap_or("-createdAt") {
        "-createdAt" => true,
        "createdAt" => false,
        other => return ctx.invalid(&format!("Invalid sort '{other}': expected createdAt or -createdAt")),
    };

    let mut items: Vec<&Message> = ctx
        .store
        .messages(thread.id)
        .iter()
        .filter(|m| m.body.get("archived").and_then(Value::as_bool).unwrap_or(false) == archived)
        .collect();
    if newest_first {
        items.reverse();
    }
    let results: Vec<Value> = items.iter().skip(offset).take(page_size).map(|m| m.body.clone()).collect();
    let mut body = json!({"results": results});
    if let Some(paging) = paging(req, "messages", offset + results.len(), results.len(), page_size) {
        body["paging"] = paging;
    }
    Reply::json(200, &body)
}

fn get_message(ctx: &mut Ctx, thread_id: &str, message_id: &str) -> Reply {
    let Some(thread) = find_thread(ctx, thread_id) else {
        return thread_not_found(ctx, thread_id);
    };
    match ctx.store.messages(thread.id).iter().find(|m| m.id == message_id) {
        Some(message) => Reply::json(200, &message.body),
        None => ctx.error(
            404,
            &format!("Message {message_id} was not found in thread {thread_id}"),
            "OBJECT_NOT_FOUND",
            Value::Null,
        ),
    }
}

fn get_actor(ctx: &mut Ctx, actor_id: &str) -> Reply {
    match ctx.store.agent_by_actor(actor_id) {
        Some(agent) => Reply::json(
            200,
            &json!({"type": "AGENT", "id": actor_id, "name": agent.name, "email": agent.email, "avatar": null}),
        ),
        None => ctx.error(404, &format!("Actor {actor_id} was not found"), "OBJECT_NOT_FOUND", Value::Null),
    }
}

/// Builds a 400 in HubSpot's error format that names the invalid request field.
fn invalid_field(ctx: &Ctx, field: &str, message: &str) -> Reply {
    ctx.error(
        400,
        message,
        "VALIDATION_ERROR",
        json!({"errors": [{"message": message, "in": field, "code": "INVALID"}]}),
    )
}

/// Reads `channelId` as a string whether it arrives as a number or a string.
fn id_field(body: &Value, key: &str) -> Option<String> {
    match body.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Validates one recipient and returns it in the read shape, with a singular
/// `deliveryIdentifier`. Both the documented `deliveryIdentifiers` array and the singular form
/// are accepted.
fn parse_recipient(recipient: &Value) -> Result<Value, String> {
    let identifier = match (recipient.get("deliveryIdentifiers"), recipient.get("deliveryIdentifier")) {
        (Some(Value::Array(list)), _) if !list.is_empty() => list[0].clone(),
        (Some(Value::Array(_)), _) => return Err("recipients[].deliveryIdentifiers must not be empty".into()),
        (None, Some(single @ Value::Object(_))) => single.clone(),
        _ => return Err("each recipient needs deliveryIdentifiers: [{\"type\": ..., \"value\": ...}]".into()),
    };
    let kind = identifier.get("type").and_then(Value::as_str).unwrap_or("");
    let value = identifier.get("value").and_then(Value::as_str).unwrap_or("");
    if !DELIVERY_IDENTIFIER_TYPES.contains(&kind) {
        return Err(format!(
            "Invalid deliveryIdentifier type '{kind}': expected one of {}",
            DELIVERY_IDENTIFIER_TYPES.join(", ")
        ));
    }
    if value.is_empty() || (kind == "HS_EMAIL_ADDRESS" && !value.contains('@')) {
        return Err(format!("Invalid deliveryIdentifier value '{value}' for type {kind}"));
    }
    let mut out = Map::new();
    for key in ["actorId", "name", "recipientField"] {
        if let Some(v) = recipient.get(key).filter(|v| v.is_string()) {
            out.insert(key.into(), v.clone());
        }
    }
    out.insert("deliveryIdentifier".into(), json!({"type": kind, "value": value}));
    Ok(Value::Object(out))
}

fn post_message(ctx: &mut Ctx, req: &Request, id: &str) -> Reply {
    let Some(thread) = find_thread(ctx, id).cloned() else {
        return thread_not_found(ctx, id);
    };
    let body = match req.json() {
        Ok(body @ Value::Object(_)) => body,
        Ok(_) => return ctx.invalid("Invalid input JSON: expected a message object"),
        Err(message) => return ctx.invalid(&message),
    };
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("");
    if kind != "MESSAGE" && kind != "COMMENT" {
        return invalid_field(ctx, "type", &format!("type must be MESSAGE or COMMENT, got '{kind}'"));
    }
    let Some(text) = body.get("text").and_then(Value::as_str).filter(|t| !t.trim().is_empty()) else {
        return invalid_field(ctx, "text", "text is required");
    };

    // The sender must be a known agent (A-<userId>); a COMMENT may leave it out.
    let sender_id = body.get("senderActorId").and_then(Value::as_str);
    let agent = match sender_id {
        Some(actor) if actor.starts_with("A-") => match ctx.store.agent_by_actor(actor) {
            Some(agent) => Some(agent.clone()),
            None => return invalid_field(ctx, "senderActorId", &format!("Unknown agent actor {actor}")),
        },
        Some(actor) => {
            return invalid_field(
                ctx,
                "senderActorId",
                &format!("senderActorId must be an agent actor ID (A-<userId>), got '{actor}'"),
            )
        }
        None if kind == "MESSAGE" => return invalid_field(ctx, "senderActorId", "senderActorId is required"),
        None => None,
    };

    let attachments: Vec<Value> = match body.get("attachments") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => {
            let mut out = Vec::new();
            for a in list {
                match (a.get("type").and_then(Value::as_str), id_field(a, "fileId")) {
                    (Some("FILE"), Some(file_id)) => {
                        out.push(json!({"type": "FILE", "fileId": file_id, "fileUsageType": "OTHER"}))
                    }
                    (Some("QUICK_REPLIES"), _) => out.push(a.clone()),
                    _ => {
                        return invalid_field(
                            ctx,
                            "attachments",
                            "each attachment needs type FILE with a fileId, or type QUICK_REPLIES",
                        )
                    }
                }
            }
            out
        }
        Some(_) => return invalid_field(ctx, "attachments", "attachments must be an array"),
    };

    let now = now_ms().max(ctx.store.messages(thread.id).last().map_or(0, |m| m.created_at + 1));
    let message_id = ctx.store.allocate_message_id();
    let mut out = Map::new();
    out.insert("type".into(), json!(kind));
    out.insert("id".into(), json!(message_id));
    out.insert("conversationsThreadId".into(), json!(thread.id.to_string()));
    out.insert("createdAt".into(), json!(iso_ms(now)));
    out.insert("updatedAt".into(), json!(iso_ms(now)));
    out.insert("createdBy".into(), json!(sender_id.unwrap_or("S-hubspot")));
    out.insert("client".into(), json!({"clientType": "INTEGRATION", "integrationAppId": SANDBOX_APP_ID}));
    let mut sender = Map::new();
    if let Some(agent) = &agent {
        sender.insert("actorId".into(), json!(format!("A-{}", agent.user_id)));
        sender.insert("name".into(), json!(agent.name));
    }
    out.insert("text".into(), json!(text));
    if let Some(rich) = body.get("richText").and_then(Value::as_str) {
        out.insert("richText".into(), json!(rich));
    }
    out.insert("attachments".into(), Value::Array(attachments));
    out.insert("archived".into(), json!(false));

    if kind == "MESSAGE" {
        let Some(channel_id) = id_field(&body, "channelId") else {
            return invalid_field(ctx, "channelId", "channelId is required");
        };
        if !KNOWN_CHANNELS.contains(&channel_id.as_str()) {
            return invalid_field(ctx, "channelId", &format!("Unknown channelId {channel_id}"));
        }
        let Some(account_id) = id_field(&body, "channelAccountId") else {
            return invalid_field(ctx, "channelAccountId", "channelAccountId is required");
        };
        if ctx.store.channel_of_account(&account_id) != Some(channel_id.as_str()) {
            return invalid_field(
                ctx,
                "channelAccountId",
                &format!("channelAccountId {account_id} is not an account of channel {channel_id}"),
            );
        }
        let recipients = match body.get("recipients") {
            Some(Value::Array(list)) if !list.is_empty() => list,
            _ => return invalid_field(ctx, "recipients", "recipients must be a non-empty array"),
        };
        let mut parsed = Vec::new();
        for recipient in recipients {
            match parse_recipient(recipient) {
                Ok(r) => parsed.push(r),
                Err(message) => return invalid_field(ctx, "recipients", &message),
            }
        }
        let bounced: Vec<String> = parsed
            .iter()
            .filter_map(|r| r.pointer("/deliveryIdentifier/value").and_then(Value::as_str))
            .filter(|v| v.to_ascii_lowercase().ends_with(BOUNCE_SUFFIX))
            .map(str::to_string)
            .collect();
        let status = if bounced.is_empty() {
            json!({"statusType": "SENT"})
        } else {
            json!({"statusType": "FAILED", "failureDetails": {
                "errorMessage": format!("Delivery failed: the mailbox {} does not exist", bounced.join(", ")),
                "errorMessageTokens": {},
            }})
        };
        if let Some(agent) = &agent {
            sender.insert("senderField".into(), json!("FROM"));
            sender.insert("deliveryIdentifier".into(), json!({"type": "HS_EMAIL_ADDRESS", "value": agent.email}));
        }
        if let Some(subject) = body.get("subject").and_then(Value::as_str).filter(|_| channel_id == "1002") {
            out.insert("subject".into(), json!(subject));
        }
        out.insert("recipients".into(), Value::Array(parsed));
        out.insert("truncationStatus".into(), json!("NOT_TRUNCATED"));
        out.insert("status".into(), status);
        out.insert("direction".into(), json!("OUTGOING"));
        out.insert("channelId".into(), json!(channel_id));
        out.insert("channelAccountId".into(), json!(account_id));
    } else {
        out.insert("recipients".into(), json!([]));
    }
    out.insert("senders".into(), json!([Value::Object(sender)]));

    let message = Message { id: message_id, created_at: now, body: Value::Object(out) };
    let reply = Reply::json(201, &message.body);
    ctx.store.insert_message(thread.id, message);
    reply
}
