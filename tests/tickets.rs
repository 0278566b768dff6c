//! Get Ticket, Create Ticket and Update Ticket through the fake transport.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use hubspot_component::run;
use hubspot_component::tasks::{CreateTicketInput, GetTicketInput, UpdateTicketInput};
use hubspot_component::transport::Method;
use hubspot_component::types::Error;
use serde_json::{json, Value};

const GET_PATH: &str = "GET /crm/v3/objects/tickets/6001?properties=hubspot_owner_id,subject,hs_pipeline_stage,hs_pipeline,hs_ticket_category,hs_ticket_priority,source_type,hs_object_source_label,createdate,hs_lastmodifieddate&associations=contacts";

fn get_input() -> GetTicketInput {
    GetTicketInput {
        ticket_id: "6001".to_string(),
        custom_properties: None,
    }
}

fn create_input() -> CreateTicketInput {
    CreateTicketInput {
        owner_id: None,
        ticket_name: "Printer jams".to_string(),
        ticket_status: "1".to_string(),
        pipeline: "0".to_string(),
        categories: None,
        priority: None,
        source: None,
        create_contacts_association: None,
        custom_properties: None,
    }
}

fn update_input() -> UpdateTicketInput {
    UpdateTicketInput {
        ticket_id: "6001".to_string(),
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

fn updated_ticket() -> Value {
    json!({ "id": "6001", "properties": {}, "updatedAt": "2024-07-09T10:15:30.123Z" })
}

#[test]
fn get_reads_fields() {
    let mut transport = FakeTransport::new();
    let properties = json!({
        "hubspot_owner_id": "2001",
        "subject": "Printer jams",
        "hs_pipeline_stage": "1",
        "hs_pipeline": "0",
        "hs_ticket_category": "PRODUCT_ISSUE;BILLING_ISSUE",
        "hs_ticket_priority": "HIGH",
        "source_type": "EMAIL",
        "hs_object_source_label": "INTEGRATION",
        "createdate": "2024-07-01T09:00:00.000Z",
        "hs_lastmodifieddate": "2024-07-09T10:15:30.123Z",
    });
    transport.push_json(200, crm_object_with_contacts("6001", properties, &["201"]));

    let out = run::get_ticket(&mut transport, &setup(), &get_input()).unwrap();

    assert_eq!(transport.lines(), vec![GET_PATH.to_string()]);
    assert_eq!(out.categories, vec!["PRODUCT_ISSUE", "BILLING_ISSUE"]);
    assert_eq!(out.owner_id.as_deref(), Some("2001"));
    assert_eq!(out.ticket_name.as_deref(), Some("Printer jams"));
    assert_eq!(out.ticket_status.as_deref(), Some("1"));
    assert_eq!(out.pipeline.as_deref(), Some("0"));
    assert_eq!(out.priority.as_deref(), Some("HIGH"));
    assert_eq!(out.source.as_deref(), Some("EMAIL"));
    assert_eq!(out.record_source.as_deref(), Some("INTEGRATION"));
    assert_eq!(out.create_date.as_deref(), Some("2024-07-01T09:00:00.000Z"));
    assert_eq!(out.last_modified_date.as_deref(), Some("2024-07-09T10:15:30.123Z"));
    assert_eq!(out.associated_contact_ids, vec!["201"]);
}

#[test]
fn get_empty_categories() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, crm_object("6001", json!({ "hs_ticket_category": "" })));

    let out = run::get_ticket(&mut transport, &setup(), &get_input()).unwrap();

    assert!(out.categories.is_empty(), "{:?}", out.categories);
    assert!(out.associated_contact_ids.is_empty());
}

#[test]
fn execute_get_categories_list() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, crm_object("6001", json!({ "hs_ticket_category": null })));

    let text = run::execute(&mut transport, &setup(), "TASK_GET_TICKET", r#"{"ticket-id":"6001"}"#).unwrap();

    let output: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(output, json!({ "categories": [], "associated-contact-ids": [], "custom-properties": {} }));
}

#[test]
fn update_priority_only() {
    let mut transport = FakeTransport::new();
    transport.expect(Method::Patch, "/crm/v3/objects/tickets/6001", Reply::Response(json_response(200, &updated_ticket())));
    let mut input = update_input();
    input.priority = Some("HIGH".to_string());

    let out = run::update_ticket(&mut transport, &setup(), &input).unwrap();

    assert_eq!(transport.lines(), vec!["PATCH /crm/v3/objects/tickets/6001".to_string()]);
    assert_eq!(transport.body_json(0), json!({ "properties": { "hs_ticket_priority": "HIGH" } }));
    assert_eq!(out.updated_at, "2024-07-09T10:15:30.123Z");
    transport.assert_done();
}

#[test]
fn update_empty_categories_clears() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, updated_ticket());
    let mut input = update_input();
    input.categories = Some(Vec::new());

    run::update_ticket(&mut transport, &setup(), &input).unwrap();

    assert_eq!(transport.body_json(0), json!({ "properties": { "hs_ticket_category": "" } }));
}

#[test]
fn update_category_separator_rejected() {
    let mut transport = FakeTransport::new();
    let mut input = update_input();
    input.categories = Some(vec!["PRODUCT_ISSUE".to_string(), "A;B".to_string()]);

    let err = run::update_ticket(&mut transport, &setup(), &input).unwrap_err();

    assert_eq!(input_field(&err), "categories[1]");
    assert!(transport.requests.is_empty());
}

#[test]
fn update_associates_type_16() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, updated_ticket());
    transport.expect(Method::Put, "/crm/v4/objects/tickets/6001/associations/contacts/201", Reply::Response(json_response(200, &json!({}))));
    let mut input = update_input();
    input.create_contacts_association = Some(vec!["201".to_string()]);

    run::update_ticket(&mut transport, &setup(), &input).unwrap();

    assert_eq!(transport.body_json(0), json!({ "properties": {} }));
    assert_eq!(transport.body_json(1), json!([{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16 }]));
    transport.assert_done();
}

#[test]
fn update_association_failure_partial() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, updated_ticket());
    transport.push_json(404, error_body("Object not found.", "OBJECT_NOT_FOUND"));
    let mut input = update_input();
    input.create_contacts_association = Some(vec!["201".to_string()]);

    let err = run::update_ticket(&mut transport, &setup(), &input).unwrap_err();

    match &err {
        Error::PartialWrite(partial) => {
            assert_eq!(partial.record_id, "6001");
            assert_eq!(partial.status, Some(404));
            assert!(partial.applied.contains("ticket 6001 was updated"), "{}", partial.applied);
        }
        other => panic!("expected partial-write, got {other:?}"),
    }
}

#[test]
fn create_contacts_inline() {
    let mut transport = FakeTransport::new();
    transport.expect(Method::Post, "/crm/v3/objects/tickets", Reply::Response(json_response(201, &crm_object("6001", json!({})))));
    let mut input = create_input();
    input.create_contacts_association = Some(vec!["201".to_string(), "202".to_string()]);
    input.categories = Some(vec!["PRODUCT_ISSUE".to_string(), " BILLING_ISSUE ".to_string()]);
    input.priority = Some("MEDIUM".to_string());

    let out = run::create_ticket(&mut transport, &setup(), &input).unwrap();

    assert_eq!(out.ticket_id, "6001");
    let association = |id: &str| json!({ "to": { "id": id }, "types": [{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16 }] });
    assert_eq!(
        transport.body_json(0),
        json!({
            "properties": {
                "subject": "Printer jams",
                "hs_pipeline_stage": "1",
                "hs_pipeline": "0",
                "hs_ticket_category": "PRODUCT_ISSUE;BILLING_ISSUE",
                "hs_ticket_priority": "MEDIUM",
            },
            "associations": [association("201"), association("202")],
        })
    );
    transport.assert_done();
}

#[test]
fn create_association_id_rejected() {
    let mut transport = FakeTransport::new();
    let mut input = create_input();
    input.create_contacts_association = Some(vec!["201".to_string(), "20 2".to_string()]);

    let err = run::create_ticket(&mut transport, &setup(), &input).unwrap_err();

    assert_eq!(input_field(&err), "create-contacts-association[1]");
    assert!(transport.requests.is_empty());
}
