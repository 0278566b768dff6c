//! Get Contact and Create Contact through the fake transport.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use hubspot_component::run;
use hubspot_component::tasks::{CreateContactInput, GetContactInput};
use hubspot_component::transport::Method;
use hubspot_component::types::{Error, PropertyValue, WriteState};
use serde_json::{json, Value};

const READ_LIST: &str = "properties=hubspot_owner_id,email,firstname,lastname,phone,company,jobtitle,lifecyclestage,hs_lead_status";

fn get_input(value: &str) -> GetContactInput {
    GetContactInput {
        contact_id_or_email: value.to_string(),
        custom_properties: None,
    }
}

fn create_input(email: &str) -> CreateContactInput {
    CreateContactInput {
        owner_id: None,
        email: email.to_string(),
        first_name: None,
        last_name: None,
        phone_number: None,
        company: None,
        job_title: None,
        lifecycle_stage: None,
        lead_status: None,
        create_deals_association: None,
        create_companies_association: None,
        create_tickets_association: None,
        custom_properties: None,
    }
}

fn full_contact(id: &str) -> Value {
    crm_object(
        id,
        json!({
            "hubspot_owner_id": "2001",
            "email": "ana.lima@example.com",
            "firstname": "Ana",
            "lastname": "Lima",
            "phone": "+886912345678",
            "company": "Example Ltd",
            "jobtitle": "Buyer",
            "lifecyclestage": "salesqualifiedlead",
            "hs_lead_status": "IN_PROGRESS",
            "hs_object_id": id,
        }),
    )
}

#[test]
fn get_by_id_trims() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, full_contact("5101"));

    let out = run::get_contact(&mut transport, &setup(), &get_input(" 5101 ")).unwrap();

    assert_eq!(transport.lines(), vec![format!("GET /crm/v3/objects/contacts/5101?{READ_LIST}")]);
    assert!(transport.requests[0].body.is_none());
    assert_eq!(out.contact_id, "5101");
    assert_eq!(out.owner_id.as_deref(), Some("2001"));
    assert_eq!(out.email.as_deref(), Some("ana.lima@example.com"));
    assert_eq!(out.first_name.as_deref(), Some("Ana"));
    assert_eq!(out.last_name.as_deref(), Some("Lima"));
    assert_eq!(out.phone_number.as_deref(), Some("+886912345678"));
    assert_eq!(out.company.as_deref(), Some("Example Ltd"));
    assert_eq!(out.job_title.as_deref(), Some("Buyer"));
    assert_eq!(out.lifecycle_stage.as_deref(), Some("salesqualifiedlead"));
    assert_eq!(out.lead_status.as_deref(), Some("IN_PROGRESS"));
    assert!(out.custom_properties.is_empty());
    transport.assert_done();
}

#[test]
fn get_sends_headers() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, full_contact("5101"));

    run::get_contact(&mut transport, &setup(), &get_input("5101")).unwrap();

    let request = &transport.requests[0];
    assert_eq!(request.authority, "127.0.0.1:9");
    assert_eq!(transport.header(0, "authorization").as_deref(), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(transport.header(0, "accept").as_deref(), Some("application/json"));
    assert_eq!(transport.header(0, "content-type"), None);
}

#[test]
fn get_by_email_encodes() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, full_contact("5101"));

    let out = run::get_contact(&mut transport, &setup(), &get_input("  Ana.Lima+VIP@Example.com ")).unwrap();

    assert_eq!(
        transport.lines(),
        vec![format!("GET /crm/v3/objects/contacts/Ana.Lima%2BVIP%40Example.com?idProperty=email&{READ_LIST}")]
    );
    assert_eq!(out.contact_id, "5101");
}

#[test]
fn get_unknown_email_not_found() {
    let mut transport = FakeTransport::new();
    transport.push_json(404, error_body("Object not found.  objectId are usually numeric.", "OBJECT_NOT_FOUND"));

    let err = run::get_contact(&mut transport, &setup(), &get_input("nobody@example.com")).unwrap_err();

    assert_case(&err, "not-found");
    assert_eq!(transport.requests.len(), 1, "{:?}", transport.lines());
    let api = api_of(&err);
    assert_eq!(api.status, 404);
    assert_eq!(api.category.as_deref(), Some("OBJECT_NOT_FOUND"));
    assert_eq!(api.write_state, WriteState::None);
    assert!(api.message.contains("nobody@example.com"), "{}", api.message);
    assert!(transport.sleeps.is_empty());
}

#[test]
fn get_merged_reports_response_id() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, full_contact("3003"));

    let out = run::get_contact(&mut transport, &setup(), &get_input("1001")).unwrap();

    assert!(transport.line(0).starts_with("GET /crm/v3/objects/contacts/1001?"), "{}", transport.line(0));
    assert_eq!(out.contact_id, "3003");
}

#[test]
fn get_null_and_empty_absent() {
    let body = crm_object(
        "5101",
        json!({ "email": "ana@example.com", "firstname": null, "lastname": "", "phone": null, "hs_lead_status": "" }),
    );
    let mut transport = FakeTransport::new();
    transport.push_json(200, body.clone());

    let out = run::get_contact(&mut transport, &setup(), &get_input("5101")).unwrap();

    assert_eq!(out.email.as_deref(), Some("ana@example.com"));
    assert_eq!(out.first_name, None);
    assert_eq!(out.last_name, None);
    assert_eq!(out.phone_number, None);
    assert_eq!(out.lead_status, None);
    assert_eq!(out.company, None);

    let mut transport = FakeTransport::new();
    transport.push_json(200, body);
    let text = run::execute(&mut transport, &setup(), "TASK_GET_CONTACT", r#"{"contact-id-or-email":"5101"}"#).unwrap();
    let output: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(output, json!({ "email": "ana@example.com", "contact-id": "5101", "custom-properties": {} }));
}

#[test]
fn get_custom_properties() {
    let mut transport = FakeTransport::new();
    let mut body = full_contact("5101");
    body["properties"]["hs_lead_score"] = json!("12");
    body["properties"]["favorite_color"] = Value::Null;
    transport.push_json(200, body.clone());

    let input = GetContactInput {
        contact_id_or_email: "5101".to_string(),
        custom_properties: Some(vec!["hs_lead_score".to_string(), " favorite_color ".to_string(), "email".to_string()]),
    };
    let out = run::get_contact(&mut transport, &setup(), &input).unwrap();

    assert_eq!(transport.line(0), format!("GET /crm/v3/objects/contacts/5101?{READ_LIST},hs_lead_score,favorite_color"));
    let custom: Vec<(String, Option<String>)> = out.custom_properties.iter().map(|p| (p.name.clone(), p.value.clone())).collect();
    assert_eq!(
        custom,
        vec![
            ("hs_lead_score".to_string(), Some("12".to_string())),
            ("favorite_color".to_string(), None),
            ("email".to_string(), Some("ana.lima@example.com".to_string())),
        ]
    );

    let mut transport = FakeTransport::new();
    transport.push_json(200, body);
    let text = run::execute(
        &mut transport,
        &setup(),
        "get-contact",
        r#"{"contact-id-or-email":"5101","custom-properties":["hs_lead_score","favorite_color"]}"#,
    )
    .unwrap();
    let output: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(output["custom-properties"], json!({ "hs_lead_score": "12" }));
    assert_eq!(output["first-name"], json!("Ana"));
}

#[test]
fn get_custom_property_name_rejected() {
    let mut transport = FakeTransport::new();
    let input = GetContactInput {
        contact_id_or_email: "5101".to_string(),
        custom_properties: Some(vec!["hs_lead_score&archived=true".to_string()]),
    };

    let err = run::get_contact(&mut transport, &setup(), &input).unwrap_err();

    assert_eq!(input_field(&err), "custom-properties[0]");
    assert!(transport.requests.is_empty());
}

#[test]
fn create_associations_inline() {
    let mut transport = FakeTransport::new();
    transport.expect(Method::Post, "/crm/v3/objects/contacts", Reply::Response(json_response(201, &crm_object("7001", json!({}))))); 

    let mut input = create_input(" ana@example.com ");
    input.first_name = Some("Ana".to_string());
    input.owner_id = Some("2001".to_string());
    input.create_deals_association = Some(vec!["9001".to_string(), " 9001 ".to_string()]);
    input.create_companies_association = Some(vec!["8001".to_string()]);
    input.create_tickets_association = Some(vec!["6001".to_string()]);
    input.custom_properties = Some(vec![PropertyValue { name: "hs_lead_score".to_string(), value: "12".to_string() }]);
    let out = run::create_contact(&mut transport, &setup(), &input).unwrap();

    assert_eq!(out.contact_id, "7001");
    assert_eq!(transport.lines(), vec!["POST /crm/v3/objects/contacts".to_string()]);
    assert_eq!(transport.header(0, "content-type").as_deref(), Some("application/json"));
    let association = |id: &str, type_id: u32| {
        json!({ "to": { "id": id }, "types": [{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id }] })
    };
    assert_eq!(
        transport.body_json(0),
        json!({
            "properties": { "hubspot_owner_id": "2001", "email": "ana@example.com", "firstname": "Ana", "hs_lead_score": "12" },
            "associations": [association("9001", 4), association("8001", 279), association("6001", 15)],
        })
    );
    transport.assert_done();
}

#[test]
fn create_conflict_existing_id() {
    let mut transport = FakeTransport::new();
    transport.push_json(409, error_body("Contact already exists. Existing ID: 37765128953", "CONFLICT"));

    let err = run::create_contact(&mut transport, &setup(), &create_input("ana@example.com")).unwrap_err();

    assert_eq!(transport.lines(), vec!["POST /crm/v3/objects/contacts".to_string()]);
    match &err {
        Error::Conflict(conflict) => {
            assert_eq!(conflict.existing_id.as_deref(), Some("37765128953"));
            assert_eq!(conflict.api.status, 409);
            assert_eq!(conflict.api.category.as_deref(), Some("CONFLICT"));
            assert_eq!(conflict.api.write_state, WriteState::None);
        }
        other => panic!("expected conflict, got {other:?}"),
    }
    assert!(transport.sleeps.is_empty());
}

#[test]
fn create_conflict_without_id() {
    let mut transport = FakeTransport::new();
    transport.push_json(409, error_body("Contact already exists.", "CONFLICT"));

    let err = run::create_contact(&mut transport, &setup(), &create_input("ana@example.com")).unwrap_err();

    assert_eq!(transport.requests.len(), 1);
    match &err {
        Error::Conflict(conflict) => assert_eq!(conflict.existing_id, None),
        other => panic!("expected conflict, got {other:?}"),
    }
}

#[test]
fn create_custom_overrides_typed_rejected() {
    let mut transport = FakeTransport::new();
    let mut input = create_input("ana@example.com");
    input.custom_properties = Some(vec![PropertyValue { name: "email".to_string(), value: "other@example.com".to_string() }]);

    let err = run::create_contact(&mut transport, &setup(), &input).unwrap_err();

    assert_eq!(input_field(&err), "custom-properties.email");
    assert!(transport.requests.is_empty());
}

#[test]
fn create_unreadable_response_applied() {
    let mut transport = FakeTransport::new();
    transport.push_response(raw_response(201, "application/json", b"{\"id\":"));

    let err = run::create_contact(&mut transport, &setup(), &create_input("ana@example.com")).unwrap_err();

    match &err {
        Error::InvalidResponse(e) => {
            assert_eq!(e.status, 201);
            assert_eq!(e.write_state, WriteState::Applied);
        }
        other => panic!("expected invalid-response, got {other:?}"),
    }
    assert_eq!(transport.requests.len(), 1);
}

#[test]
fn execute_create_output() {
    let mut transport = FakeTransport::new();
    transport.push_json(201, json!({ "id": 7001, "properties": {} }));

    let text = run::execute(
        &mut transport,
        &setup(),
        "TASK_CREATE_CONTACT",
        r#"{"email":"ana@example.com","create-tickets-association":["6001"],"custom-properties":{"hs_lead_score":12,"vip":true}}"#,
    )
    .unwrap();

    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json!({ "contact-id": "7001" }));
    let body = transport.body_json(0);
    assert_eq!(body["properties"], json!({ "email": "ana@example.com", "hs_lead_score": "12", "vip": "true" }));
    assert_eq!(body["associations"][0]["types"][0]["associationTypeId"], json!(15));
}
