//! Demo data loaded when [`super::SandboxOptions::seed`] is true. Tests, the demo and the docs
//! rely on these IDs and values, so change them only together with their users.
//!
//! Timestamps are fixed (May to July 2024), so responses for seeded records are stable.
//!
//! | Kind | ID | Contents |
//! |---|---|---|
//! | Owner | `1001` | Maria Silva, `maria.silva@example.com`, userId 2001, teams `301` West Coast Sales (primary) and `302` Enterprise |
//! | Owner | `1002` | Kenji Tanaka, `kenji.tanaka@example.com`, userId 2002, no `teams` key |
//! | Owner | `1003` | archived (deactivated): blank names, `former.rep@example.com`, `userId` null, `userIdIncludingInactive` 2003; found only with `archived=true` |
//! | Agent actors | `A-3892666`, `A-2001`, `A-2002` | Sam Rivera (userId 3892666), Maria Silva, Kenji Tanaka: valid `senderActorId`s |
//! | Contact | `151` | Ana Lima, `Ana.Lima+VIP@example.com`, phone `+5511912345678`, company Lima Consulting, jobtitle CTO, lifecyclestage customer, hs_lead_status IN_PROGRESS, owner 1001, date_of_birth 1985-03-14 |
//! | Contact | `152` | Ben Okafor, `ben@example.com`, phone `""` (cleared), hs_lead_status unset (`null`), lifecyclestage lead |
//! | Contact | `201` | Carla Mendes, `carla.mendes@example.com` |
//! | Contact | `202` | David Chen, `david.chen@example.com` |
//! | Contact | `5101` | Eva Novak, `eva.novak@example.com` |
//! | Contact | `3003` | Frank Moreau, `frank@example.com`: the merge of `1001` and `2002` (`hs_merged_object_ids` `1001;2002`); GET `/contacts/1001` or `/contacts/2002` returns `3003` |
//! | Company | `700` | Lima Consulting, domain lima.example, zip `01310-100`, annualrevenue `1500000`, totalrevenue `250000.5`; contact 151's primary company (types 1 and 279), deal 9001's primary company |
//! | Company | `701` | Atlas Freight, atlas.example; associated with contact 151 (unlabeled, 279) |
//! | Company | `702` | Blue Harbor, blueharbor.example; associated with contact 151 (unlabeled, 279) |
//! | Deal | `9001` | Q3 renewal: pipeline default, dealstage qualifiedtobuy, amount `1234567.89`, closedate `2024-07-09T00:00:00.000Z`, owner 1001; contacts 151 and 152 (type 3), company 700 |
//! | Deal | `9002` | Starter plan: amount `"0"`, dealstage appointmentscheduled |
//! | Deal | `9003` | Pilot: amount `""` |
//! | Ticket | `4001` | Login fails: hs_pipeline `0`, hs_pipeline_stage `1`, hs_ticket_category `PRODUCT_ISSUE;BILLING_ISSUE`, hs_ticket_priority HIGH, source_type EMAIL; contact 151 (type 16) |
//! | Ticket | `4002` | Invoice copy: hs_ticket_category `""`, hs_pipeline_stage `2`, priority LOW |
//! | Thread | `8001` | OPEN, contact 151, inbox 147959634, channel 1002 (email), channel account 55, assigned A-3892666, ticket 4001; 9 items, see below |
//! | Thread | `8002` | CLOSED, contact 151, only two COMMENTs |
//! | Thread | `8003` | OPEN, contact 152, channel 1000 (live chat), channel account 77; a WELCOME_MESSAGE and one visitor MESSAGE |
//!
//! Items of thread 8001, oldest first (the messages endpoint returns newest first):
//! 1. MESSAGE `m-8001-1`, incoming email from Ana (`V-151`) to `support@lima-helpdesk.example`; the recipient has no `name`.
//! 2. ASSIGNMENT `m-8001-2` to `A-3892666`.
//! 3. COMMENT `m-8001-3`, internal note by `A-3892666`.
//! 4. MESSAGE `m-8001-4`, outgoing reply by `A-3892666`, status SENT.
//! 5. MESSAGE `m-8001-5`, incoming, posted by an integration (`client.integrationAppId` 1234567) with a FILE attachment.
//! 6. THREAD_STATUS_CHANGE `m-8001-6` to CLOSED.
//! 7. THREAD_STATUS_CHANGE `m-8001-7` to OPEN.
//! 8. `CALL_SUMMARY` `m-8001-8`, a type this API does not document, for clients that must skip unknown types.
//! 9. MESSAGE `m-8001-9`, incoming, `truncationStatus` TRUNCATED_TO_MOST_RECENT_REPLY.
//!
//! Channel accounts: `55` on channel 1002 (email), `77` on channel 1000 (live chat).

use serde_json::{json, Value};

use super::store::{Agent, CrmObject, Message, ObjectType, Owner, Store, Team, Thread};
use super::wire::{iso_ms, now_ms, parse_timestamp_ms};

/// Parses a fixed seed timestamp; the literals below are all valid.
fn at(text: &str) -> i64 {
    parse_timestamp_ms(text).unwrap_or(0)
}

fn put(store: &mut Store, object_type: ObjectType, id: u64, created: &str, updated: &str, properties: &[(&str, &str)]) {
    let properties = properties.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
    store.put_object(
        object_type,
        CrmObject { id, properties, created_at: at(created), updated_at: at(updated), archived_at: None },
    );
}

/// Loads the demo data described in the module documentation.
pub fn seed(store: &mut Store) {
    seed_owners(store);
    seed_crm(store);
    seed_threads(store);
}

fn seed_owners(store: &mut Store) {
    let created = at("2023-01-10T09:00:00.000Z");
    let updated = at("2024-03-02T12:30:00.000Z");
    store.insert_owner(Owner {
        id: 1001,
        email: "maria.silva@example.com".into(),
        first_name: "Maria".into(),
        last_name: "Silva".into(),
        user_id: Some(2001),
        user_id_including_inactive: Some(2001),
        teams: Some(vec![
            Team { id: "301".into(), name: "West Coast Sales".into(), primary: true },
            Team { id: "302".into(), name: "Enterprise".into(), primary: false },
        ]),
        created_at: created,
        updated_at: updated,
        archived: false,
    });
    store.insert_owner(Owner {
        id: 1002,
        email: "kenji.tanaka@example.com".into(),
        first_name: "Kenji".into(),
        last_name: "Tanaka".into(),
        user_id: Some(2002),
        user_id_including_inactive: Some(2002),
        teams: None,
        created_at: created,
        updated_at: updated,
        archived: false,
    });
    store.insert_owner(Owner {
        id: 1003,
        email: "former.rep@example.com".into(),
        first_name: String::new(),
        last_name: String::new(),
        user_id: None,
        user_id_including_inactive: Some(2003),
        teams: None,
        created_at: created,
        updated_at: at("2024-02-01T08:00:00.000Z"),
        archived: true,
    });
    for (user_id, name, email) in [
        (3_892_666, "Sam Rivera", "sam.rivera@example.com"),
        (2001, "Maria Silva", "maria.silva@example.com"),
        (2002, "Kenji Tanaka", "kenji.tanaka@example.com"),
    ] {
        store.add_agent(Agent { user_id, name: name.into(), email: email.into() });
    }
}

fn seed_crm(store: &mut Store) {
    use ObjectType::{Company, Contact, Deal, Ticket};
    let c = "2024-05-01T10:00:00.000Z";
    let u = "2024-06-02T08:30:11.123Z";

    put(store, Contact, 151, c, u, &[
        ("email", "Ana.Lima+VIP@example.com"),
        ("firstname", "Ana"),
        ("lastname", "Lima"),
        ("phone", "+5511912345678"),
        ("company", "Lima Consulting"),
        ("jobtitle", "CTO"),
        ("lifecyclestage", "customer"),
        ("hs_lead_status", "IN_PROGRESS"),
        ("hubspot_owner_id", "1001"),
        ("date_of_birth", "1985-03-14"),
        ("city", "São Paulo"),
    ]);
    put(store, Contact, 152, c, u, &[
        ("email", "ben@example.com"),
        ("firstname", "Ben"),
        ("lastname", "Okafor"),
        ("phone", ""),
        ("lifecyclestage", "lead"),
    ]);
    put(store, Contact, 201, c, u, &[("email", "carla.mendes@example.com"), ("firstname", "Carla"), ("lastname", "Mendes")]);
    put(store, Contact, 202, c, u, &[("email", "david.chen@example.com"), ("firstname", "David"), ("lastname", "Chen")]);
    put(store, Contact, 5101, c, u, &[("email", "eva.novak@example.com"), ("firstname", "Eva"), ("lastname", "Novak")]);
    put(store, Contact, 1001, c, u, &[("email", "frank.old@example.com"), ("firstname", "Frank"), ("lastname", "Moreau")]);
    put(store, Contact, 2002, c, u, &[("email", "frank@example.com"), ("firstname", "Frank"), ("lastname", "Moreau"), ("jobtitle", "Buyer")]);
    store.merge(Contact, &[1001, 2002], Some(3003));
    if let Some(mut survivor) = store.object(Contact, 3003).cloned() {
        survivor.updated_at = at("2024-06-10T15:00:00.000Z");
        store.put_object(Contact, survivor);
    }

    put(store, Company, 700, c, u, &[
        ("name", "Lima Consulting"),
        ("domain", "lima.example"),
        ("city", "São Paulo"),
        ("zip", "01310-100"),
        ("country", "Brazil"),
        ("industry", "MANAGEMENT_CONSULTING"),
        ("annualrevenue", "1500000"),
        ("totalrevenue", "250000.5"),
        ("hubspot_owner_id", "1001"),
    ]);
    put(store, Company, 701, c, u, &[("name", "Atlas Freight"), ("domain", "atlas.example")]);
    put(store, Company, 702, c, u, &[("name", "Blue Harbor"), ("domain", "blueharbor.example")]);

    put(store, Deal, 9001, c, u, &[
        ("dealname", "Q3 renewal"),
        ("pipeline", "default"),
        ("dealstage", "qualifiedtobuy"),
        ("amount", "1234567.89"),
        ("closedate", "2024-07-09T00:00:00.000Z"),
        ("dealtype", "existingbusiness"),
        ("hubspot_owner_id", "1001"),
    ]);
    put(store, Deal, 9002, c, u, &[("dealname", "Starter plan"), ("pipeline", "default"), ("dealstage", "appointmentscheduled"), ("amount", "0")]);
    put(store, Deal, 9003, c, u, &[("dealname", "Pilot"), ("pipeline", "default"), ("dealstage", "appointmentscheduled"), ("amount", "")]);

    put(store, Ticket, 4001, c, u, &[
        ("subject", "Login fails"),
        ("content", "Ana cannot sign in since the SSO change."),
        ("hs_pipeline", "0"),
        ("hs_pipeline_stage", "1"),
        ("hs_ticket_category", "PRODUCT_ISSUE;BILLING_ISSUE"),
        ("hs_ticket_priority", "HIGH"),
        ("source_type", "EMAIL"),
        ("hs_ticket_id", "4001"),
        ("hubspot_owner_id", "1001"),
    ]);
    put(store, Ticket, 4002, c, u, &[
        ("subject", "Invoice copy"),
        ("content", "Please resend the May invoice."),
        ("hs_pipeline", "0"),
        ("hs_pipeline_stage", "2"),
        ("hs_ticket_category", ""),
        ("hs_ticket_priority", "LOW"),
        ("source_type", "EMAIL"),
        ("hs_ticket_id", "4002"),
    ]);

    // Every type ID below is in `ASSOCIATION_TYPES` for its direction, which `associate` accepts.
    let links: &[(ObjectType, u64, ObjectType, u64, u32)] = &[
        (Contact, 151, Company, 700, 1),
        (Contact, 151, Company, 701, 279),
        (Contact, 151, Company, 702, 279),
        (Deal, 9001, Contact, 151, 3),
        (Deal, 9001, Contact, 152, 3),
        (Deal, 9001, Company, 700, 5),
        (Ticket, 4001, Contact, 151, 16),
    ];
    for (from, from_id, to, to_id, type_id) in links {
        let _ = store.associate(*from, *from_id, *to, *to_id, *type_id);
    }
}

fn email_id(value: &str) -> Value {
    json!({"type": "HS_EMAIL_ADDRESS", "value": value})
}

/// Stores one seeded thread item, filling in the fields every item has.
fn item(store: &mut Store, thread_id: u64, id: &str, created: &str, mut body: Value) {
    let created_at = at(created);
    body["id"] = json!(id);
    body["conversationsThreadId"] = json!(thread_id.to_string());
    body["createdAt"] = json!(iso_ms(created_at));
    body["archived"] = json!(false);
    if body.get("senders").is_none() {
        body["senders"] = json!([]);
    }
    if body.get("recipients").is_none() {
        body["recipients"] = json!([]);
    }
    store.insert_message(thread_id, Message { id: id.to_string(), created_at, body });
}

fn seed_threads(store: &mut Store) {
    store.add_channel_account("55", "1002");
    store.add_channel_account("77", "1000");
    let hubspot = json!({"clientType": "HUBSPOT"});
    let system = json!({"clientType": "SYSTEM"});
    let agent = json!({"actorId": "A-3892666", "name": "Sam Rivera", "senderField": "FROM",
                       "deliveryIdentifier": email_id("sam.rivera@example.com")});
    let ana = json!({"actorId": "V-151", "name": "Ana Lima", "senderField": "FROM",
                     "deliveryIdentifier": email_id("Ana.Lima+VIP@example.com")});
    let to_ana = json!({"actorId": "V-151", "name": "Ana Lima", "recipientField": "TO",
                        "deliveryIdentifier": email_id("Ana.Lima+VIP@example.com")});
    let to_support = json!({"actorId": "E-support@lima-helpdesk.example", "recipientField": "TO",
                            "deliveryIdentifier": email_id("support@lima-helpdesk.example")});
    let email_fields = |direction: &str, status: &str| {
        json!({"direction": direction, "status": {"statusType": status}, "channelId": "1002",
               "channelAccountId": "55", "truncationStatus": "NOT_TRUNCATED", "attachments": []})
    };
    let merge = |mut a: Value, b: Value| {
        if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
            a.extend(b);
        }
        a
    };

    store.insert_thread(Thread {
        id: 8001,
        created_at: at("2024-06-03T09:15:00.000Z"),
        status: "OPEN".into(),
        closed_at: None,
        inbox_id: "147959634".into(),
        associated_contact_id: "151".into(),
        original_channel_id: "1002".into(),
        original_channel_account_id: "55".into(),
        assigned_to: Some("A-3892666".into()),
        associated_ticket_id: Some("4001".into()),
        spam: false,
        archived: false,
    });
    item(store, 8001, "m-8001-1", "2024-06-03T09:15:00.000Z", merge(
        json!({"type": "MESSAGE", "createdBy": "V-151", "client": hubspot, "senders": [ana], "recipients": [to_support],
               "subject": "Login fails", "text": "Hi, I cannot log in since yesterday.",
               "richText": "<p>Hi, I cannot log in since yesterday.</p>"}),
        email_fields("INCOMING", "RECEIVED"),
    ));
    item(store, 8001, "m-8001-2", "2024-06-03T09:20:00.000Z", json!({
        "type": "ASSIGNMENT", "createdBy": "S-hubspot", "client": system,
        "assignedFrom": null, "assignedTo": {"actorId": "A-3892666"},
    }));
    item(store, 8001, "m-8001-3", "2024-06-03T09:25:00.000Z", json!({
        "type": "COMMENT", "createdBy": "A-3892666", "client": hubspot,
        "senders": [{"actorId": "A-3892666", "name": "Sam Rivera"}],
        "text": "Probably the SSO migration; checking with IT.", "richText": "<p>Probably the SSO migration; checking with IT.</p>",
        "attachments": [],
    }));
    item(store, 8001, "m-8001-4", "2024-06-03T10:02:00.000Z", merge(
        json!({"type": "MESSAGE", "createdBy": "A-3892666", "client": hubspot, "senders": [agent], "recipients": [to_ana],
               "subject": "Re: Login fails", "text": "Hi Ana, could you send a screenshot of the error?",
               "richText": "<p>Hi Ana, could you send a screenshot of the error?</p>", "inReplyToId": "m-8001-1"}),
        email_fields("OUTGOING", "SENT"),
    ));
    let mut with_file = merge(
        json!({"type": "MESSAGE", "createdBy": "V-151", "client": {"clientType": "INTEGRATION", "integrationAppId": 1_234_567},
               "senders": [ana], "recipients": [to_support],
               "subject": "Re: Login fails", "text": "Screenshot attached."}),
        email_fields("INCOMING", "RECEIVED"),
    );
    with_file["attachments"] = json!([{"type": "FILE", "fileId": "190866458", "fileUsageType": "IMAGE",
                                       "name": "login-error.png", "url": "https://files.example/190866458/login-error.png"}]);
    item(store, 8001, "m-8001-5", "2024-06-03T10:30:00.000Z", with_file);
    item(store, 8001, "m-8001-6", "2024-06-04T08:00:00.000Z", json!({
        "type": "THREAD_STATUS_CHANGE", "createdBy": "A-3892666", "client": hubspot, "newStatus": "CLOSED",
    }));
    item(store, 8001, "m-8001-7", "2024-06-05T07:45:00.000Z", json!({
        "type": "THREAD_STATUS_CHANGE", "createdBy": "S-hubspot", "client": system, "newStatus": "OPEN",
    }));
    item(store, 8001, "m-8001-8", "2024-06-05T07:46:00.000Z", json!({
        "type": "CALL_SUMMARY", "createdBy": "S-hubspot", "client": system, "summary": "Callback requested.",
    }));
    let mut truncated = merge(
        json!({"type": "MESSAGE", "createdBy": "V-151", "client": hubspot, "senders": [ana], "recipients": [to_support],
               "subject": "Re: Login fails", "text": "It happens again after the reset.",
               "richText": "<p>It happens again after the reset.</p>"}),
        email_fields("INCOMING", "RECEIVED"),
    );
    truncated["truncationStatus"] = json!("TRUNCATED_TO_MOST_RECENT_REPLY");
    item(store, 8001, "m-8001-9", "2024-06-05T07:50:00.000Z", truncated);

    store.insert_thread(Thread {
        id: 8002,
        created_at: at("2024-05-20T14:00:00.000Z"),
        status: "CLOSED".into(),
        closed_at: Some(at("2024-05-21T09:00:00.000Z")),
        inbox_id: "147959634".into(),
        associated_contact_id: "151".into(),
        original_channel_id: "1002".into(),
        original_channel_account_id: "55".into(),
        assigned_to: None,
        associated_ticket_id: None,
        spam: false,
        archived: false,
    });
    for (id, created, text) in [
        ("m-8002-1", "2024-05-20T14:00:00.000Z", "Ana asked about invoice dates on the phone."),
        ("m-8002-2", "2024-05-21T09:00:00.000Z", "Resolved by phone; closing."),
    ] {
        item(store, 8002, id, created, json!({
            "type": "COMMENT", "createdBy": "A-2001", "client": hubspot,
            "senders": [{"actorId": "A-2001", "name": "Maria Silva"}], "text": text, "attachments": [],
        }));
    }

    store.insert_thread(Thread {
        id: 8003,
        created_at: at("2024-06-06T16:00:00.000Z"),
        status: "OPEN".into(),
        closed_at: None,
        inbox_id: "147959634".into(),
        associated_contact_id: "152".into(),
        original_channel_id: "1000".into(),
        original_channel_account_id: "77".into(),
        assigned_to: None,
        associated_ticket_id: None,
        spam: false,
        archived: false,
    });
    item(store, 8003, "m-8003-1", "2024-06-06T16:00:00.000Z", json!({
        "type": "WELCOME_MESSAGE", "createdBy": "S-hubspot", "client": system,
        "text": "Hi! How can we help?", "richText": "<p>Hi! How can we help?</p>",
    }));
    item(store, 8003, "m-8003-2", "2024-06-06T16:01:00.000Z", json!({
        "type": "MESSAGE", "createdBy": "V-152", "client": hubspot,
        "senders": [{"actorId": "V-152", "name": "Ben Okafor"}],
        "recipients": [{"deliveryIdentifier": {"type": "CHANNEL_SPECIFIC_OPAQUE_ID", "value": "chat-widget-77"}}],
        "text": "Do you offer annual billing?", "attachments": [], "truncationStatus": "NOT_TRUNCATED",
        "status": {"statusType": "READ"}, "direction": "INCOMING", "channelId": "1000", "channelAccountId": "77",
    }));
}

/// Adds `n` contacts with fresh IDs and returns the IDs in order. Fast enough for 100,000
/// contacts: properties are inserted directly, without request validation.
pub fn bulk_contacts(store: &mut Store, n: usize) -> Vec<String> {
    let now = now_ms();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id = store.allocate_id();
        let properties = [
            ("email".to_string(), format!("sandbox.contact.{id}@example.com")),
            ("firstname".to_string(), "Sandbox".to_string()),
            ("lastname".to_string(), format!("Contact {i}")),
        ]
        .into_iter()
        .collect();
        store.put_object(
            ObjectType::Contact,
            CrmObject { id, properties, created_at: now, updated_at: now, archived_at: None },
        );
        ids.push(id.to_string());
    }
    ids
}
