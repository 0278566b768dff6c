//! Get Ticket, Create Ticket and Update Ticket through the real component in
//! wasmtime, against the seeded sandbox: outputs, the exact requests HubSpot
//! receives, and the stored state after each write.

mod common;

use common::*;
use host_test::sandbox::wire::iso_ms;
use host_test::sandbox::ObjectType;
use host_test::types::{CreateTicketInput, Error, GetTicketInput, PropertyRead, UpdateTicketInput};
use serde_json::json;

/// The query of every Get Ticket request.
const READ_QUERY: &str = "properties=hubspot_owner_id,subject,hs_pipeline_stage,hs_pipeline,hs_ticket_category,hs_ticket_priority,source_type,hs_object_source_label,createdate,hs_lastmodifieddate&associations=contacts";

fn get_input(ticket_id: &str) -> GetTicketInput {
    GetTicketInput {
        ticket_id: ticket_id.to_string(),
        custom_properties: None,
    }
}

fn update_input(ticket_id: &str) -> UpdateTicketInput {
    UpdateTicketInput {
        ticket_id: ticket_id.to_string(),
        owner_id: None,
        ticket_name: None,
        ticket_status: None,
        pipeline: None,
        categories: None,
        priority: None,
        source: None,
        create_contacts_association: None,
        custom_properties: None,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| item.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn get_ticket_json_categories_split() {
    let sandbox = sandbox();

    let output = run(&sandbox, "TASK_GET_TICKET", json!({"ticket-id": "4001"}))
        .await
        .expect("ticket 4001 is seeded");

    assert_eq!(output["owner-id"], "1001");
    assert_eq!(output["ticket-name"], "Login fails");
    assert_eq!(output["ticket-status"], "1");
    assert_eq!(output["pipeline"], "0");
    assert_eq!(output["categories"], json!(["PRODUCT_ISSUE", "BILLING_ISSUE"]));
    assert_eq!(output["priority"], "HIGH");
    assert_eq!(output["source"], "EMAIL");
    assert_eq!(output["create-date"], "2024-05-01T10:00:00.000Z");
    assert_eq!(output["last-modified-date"], "2024-06-02T08:30:11.123Z");
    assert_eq!(output["associated-contact-ids"], json!(["151"]));
    assert_eq!(output["custom-properties"], json!({}));
    // The seeded ticket has no `hs_object_source_label`.
    assert_eq!(output.get("record-source"), None);
    assert_eq!(keys(&output).len(), 11, "unexpected keys: {:?}", keys(&output));

    let request = only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, format!("/crm/v3/objects/tickets/4001?{READ_QUERY}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_ticket_typed_empty_categories() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    // Ticket 4002 has `hs_ticket_category` "", no owner and no contacts.
    let ticket = no_trap(host().get_ticket(&setup, &get_input("4002")).await).expect("ticket 4002 is seeded");

    assert_eq!(ticket.ticket_name.as_deref(), Some("Invoice copy"));
    assert_eq!(ticket.ticket_status.as_deref(), Some("2"));
    assert_eq!(ticket.pipeline.as_deref(), Some("0"));
    assert_eq!(ticket.categories, Vec::<String>::new());
    assert_eq!(ticket.priority.as_deref(), Some("LOW"));
    assert_eq!(ticket.source.as_deref(), Some("EMAIL"));
    assert_eq!(ticket.owner_id, None);
    assert_eq!(ticket.record_source, None);
    assert_eq!(ticket.create_date.as_deref(), Some("2024-05-01T10:00:00.000Z"));
    assert_eq!(ticket.last_modified_date.as_deref(), Some("2024-06-02T08:30:11.123Z"));
    assert_eq!(ticket.associated_contact_ids, Vec::<String>::new());
    assert_eq!(ticket.custom_properties, Vec::<PropertyRead>::new());

    let request = only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, format!("/crm/v3/objects/tickets/4002?{READ_QUERY}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_ticket_unknown_id() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    let error = no_trap(host().get_ticket(&setup, &get_input("4999")).await).expect_err("no ticket has ID 4999");

    assert_eq!(case(&error), "not-found");
    let Error::NotFound(api) = &error else { panic!("expected not-found, got {error:?}") };
    assert_eq!(api.status, 404);
    let request = only_request(&sandbox);
    assert_eq!(request.path_and_query, format!("/crm/v3/objects/tickets/4999?{READ_QUERY}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_ticket_json_then_get() {
    let sandbox = sandbox();

    let output = run(
        &sandbox,
        "TASK_CREATE_TICKET",
        json!({
            "owner-id": "1002",
            "ticket-name": "Refund request",
            "ticket-status": "1",
            "pipeline": "0",
            "categories": ["BILLING_ISSUE", "GENERAL_INQUIRY"],
            "priority": "MEDIUM",
            "source": "EMAIL",
            "create-contacts-association": ["151", "201"],
        }),
    )
    .await
    .expect("the ticket is created");

    assert_eq!(keys(&output), vec!["ticket-id"]);
    let ticket_id = output["ticket-id"].as_str().expect("ticket-id is a string").to_string();

    let request = only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/crm/v3/objects/tickets");
    assert_eq!(
        request.json(),
        json!({
            "properties": {
                "hubspot_owner_id": "1002",
                "subject": "Refund request",
                "hs_pipeline_stage": "1",
                "hs_pipeline": "0",
                "hs_ticket_category": "BILLING_ISSUE;GENERAL_INQUIRY",
                "hs_ticket_priority": "MEDIUM",
                "source_type": "EMAIL",
            },
            "associations": [
                {"to": {"id": "151"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}]},
                {"to": {"id": "201"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}]},
            ],
        })
    );
    assert_eq!(
        stored_associations(&sandbox, ObjectType::Ticket, &ticket_id, ObjectType::Contact),
        vec![(151, vec![16]), (201, vec![16])]
    );

    let read = run(&sandbox, "TASK_GET_TICKET", json!({"ticket-id": ticket_id}))
        .await
        .expect("the new ticket can be read");
    assert_eq!(read["owner-id"], "1002");
    assert_eq!(read["ticket-name"], "Refund request");
    assert_eq!(read["ticket-status"], "1");
    assert_eq!(read["pipeline"], "0");
    assert_eq!(read["categories"], json!(["BILLING_ISSUE", "GENERAL_INQUIRY"]));
    assert_eq!(read["priority"], "MEDIUM");
    assert_eq!(read["source"], "EMAIL");
    // HubSpot labels records created through the API as INTEGRATION.
    assert_eq!(read["record-source"], "INTEGRATION");
    assert_eq!(read["associated-contact-ids"], json!(["151", "201"]));
    let record = stored(&sandbox, ObjectType::Ticket, &ticket_id);
    assert_eq!(read["create-date"], iso_ms(record.created_at));
    assert_eq!(read["last-modified-date"], iso_ms(record.updated_at));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_ticket_typed_then_get() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    let input = CreateTicketInput {
        owner_id: None,
        ticket_name: "Password reset".to_string(),
        ticket_status: "2".to_string(),
        pipeline: "0".to_string(),
        categories: Some(strings(&["PRODUCT_ISSUE"])),
        priority: None,
        source: None,
        create_contacts_association: Some(strings(&["152"])),
        custom_properties: None,
    };
    let created = no_trap(host().create_ticket(&setup, &input).await).expect("the ticket is created");

    let request = only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/crm/v3/objects/tickets");
    assert_eq!(
        request.json(),
        json!({
            "properties": {
                "subject": "Password reset",
                "hs_pipeline_stage": "2",
                "hs_pipeline": "0",
                "hs_ticket_category": "PRODUCT_ISSUE",
            },
            "associations": [
                {"to": {"id": "152"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}]},
            ],
        })
    );

    let ticket = no_trap(host().get_ticket(&setup, &get_input(&created.ticket_id)).await)
        .expect("the new ticket can be read");
    assert_eq!(ticket.ticket_name.as_deref(), Some("Password reset"));
    assert_eq!(ticket.ticket_status.as_deref(), Some("2"));
    assert_eq!(ticket.pipeline.as_deref(), Some("0"));
    assert_eq!(ticket.categories, strings(&["PRODUCT_ISSUE"]));
    assert_eq!(ticket.priority, None);
    assert_eq!(ticket.source, None);
    assert_eq!(ticket.owner_id, None);
    assert_eq!(ticket.associated_contact_ids, strings(&["152"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn update_ticket_json_with_association() {
    let sandbox = sandbox();

    let output = run(
        &sandbox,
        "TASK_UPDATE_TICKET",
        json!({
            "ticket-id": "4002",
            "ticket-status": "3",
            "categories": ["BILLING_ISSUE"],
            "create-contacts-association": ["202"],
        }),
    )
    .await
    .expect("ticket 4002 is updated");

    let requests = sandbox.requests();
    assert_eq!(requests.len(), 2, "requests: {:?}", lines(&sandbox));
    assert_eq!(requests[0].method, "PATCH");
    assert_eq!(requests[0].path_and_query, "/crm/v3/objects/tickets/4002");
    assert_eq!(
        requests[0].json(),
        json!({"properties": {"hs_pipeline_stage": "3", "hs_ticket_category": "BILLING_ISSUE"}})
    );
    assert_eq!(requests[1].method, "PUT");
    assert_eq!(requests[1].path_and_query, "/crm/v4/objects/tickets/4002/associations/contacts/202");
    assert_eq!(requests[1].json(), json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}]));

    let record = stored(&sandbox, ObjectType::Ticket, "4002");
    assert_eq!(keys(&output), vec!["updated-at"]);
    assert_eq!(output["updated-at"], iso_ms(record.updated_at));

    let read = run(&sandbox, "TASK_GET_TICKET", json!({"ticket-id": "4002"}))
        .await
        .expect("ticket 4002 can be read");
    assert_eq!(read["ticket-status"], "3");
    assert_eq!(read["categories"], json!(["BILLING_ISSUE"]));
    assert_eq!(read["associated-contact-ids"], json!(["202"]));
    assert_eq!(read["ticket-name"], "Invoice copy");
    assert_eq!(read["priority"], "LOW");
    assert_eq!(read["last-modified-date"], iso_ms(record.updated_at));
}

#[tokio::test(flavor = "multi_thread")]
async fn update_ticket_typed_clears_categories() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    // An empty list clears the categories, and no association request is sent.
    let input = UpdateTicketInput {
        categories: Some(Vec::new()),
        priority: Some("LOW".to_string()),
        ..update_input("4001")
    };
    let output = no_trap(host().update_ticket(&setup, &input).await).expect("ticket 4001 is updated");

    let request = only_request(&sandbox);
    assert_eq!(request.method, "PATCH");
    assert_eq!(request.path_and_query, "/crm/v3/objects/tickets/4001");
    assert_eq!(request.json(), json!({"properties": {"hs_ticket_category": "", "hs_ticket_priority": "LOW"}}));

    let record = stored(&sandbox, ObjectType::Ticket, "4001");
    assert_eq!(output.updated_at, iso_ms(record.updated_at));
    assert_eq!(stored_property(&record, "hs_ticket_category").as_deref(), Some(""));

    let ticket = no_trap(host().get_ticket(&setup, &get_input("4001")).await).expect("ticket 4001 can be read");
    assert_eq!(ticket.categories, Vec::<String>::new());
    assert_eq!(ticket.priority.as_deref(), Some("LOW"));
    assert_eq!(ticket.ticket_name.as_deref(), Some("Login fails"));
    assert_eq!(ticket.ticket_status.as_deref(), Some("1"));
    assert_eq!(ticket.associated_contact_ids, strings(&["151"]));
}
