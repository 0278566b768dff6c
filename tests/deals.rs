//! Get Deal, Create Deal and Update Deal through the fake transport.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use hubspot_component::run;
use hubspot_component::tasks::{CreateDealInput, GetDealInput, GetDealOutput, UpdateDealInput};
use hubspot_component::transport::Method;
use hubspot_component::types::{Error, WriteState};
use serde_json::{json, Value};

const GET_PATH: &str =
    "GET /crm/v3/objects/deals/9001?properties=hubspot_owner_id,dealname,pipeline,dealstage,amount,dealtype,closedate,createdate&associations=contacts";

fn get_input(id: &str) -> GetDealInput {
    GetDealInput {
        deal_id: id.to_string(),
        custom_properties: None,
    }
}

fn create_input() -> CreateDealInput {
    CreateDealInput {
        owner_id: None,
        deal_name: "Renewal 2025".to_string(),
        pipeline: "default".to_string(),
        deal_stage: "appointmentscheduled".to_string(),
        amount: None,
        deal_type: None,
        close_date: None,
        create_contacts_association: None,
        custom_properties: None,
    }
}

fn update_input(id: &str) -> UpdateDealInput {
    UpdateDealInput {
        deal_id: id.to_string(),
        owner_id: None,
        deal_name: None,
        pipeline: None,
        deal_stage: None,
        amount: None,
        deal_type: None,
        close_date: None,
        create_contacts_association: None,
        custom_properties: None,
    }
}

fn updated_deal() -> Value {
    json!({
        "id": "9001",
        "properties": { "hs_updated_by_user_id": "3892666", "dealstage": "closedwon" },
        "updatedAt": "2024-07-09T10:15:30.123Z",
        "archived": false,
    })
}

/// Runs Get Deal on a deal whose `amount` property is `amount`.
fn get_with_amount(amount: Value) -> (FakeTransport, Result<GetDealOutput, Error>) {
    let mut transport = FakeTransport::new();
    transport.push_json(200, crm_object_with_contacts("9001", json!({ "dealname": "Renewal", "amount": amount }), &[]));
    let result = run::get_deal(&mut transport, &setup(), &get_input("9001"));
    (transport, result)
}

#[test]
fn get_reads_fields() {
    let mut transport = FakeTransport::new();
    let properties = json!({
        "hubspot_owner_id": "2001",
        "dealname": "Renewal 2025",
        "pipeline": "default",
        "dealstage": "qualifiedtobuy",
        "amount": "1500.50",
        "dealtype": "newbusiness",
        "closedate": "2024-07-09T00:00:00Z",
        "createdate": "2024-07-01T09:00:00.000Z",
    });
    transport.push_json(200, crm_object_with_contacts("9001", properties, &["201", "202", "201"]));

    let out = run::get_deal(&mut transport, &setup(), &get_input("9001")).unwrap();

    assert_eq!(transport.lines(), vec![GET_PATH.to_string()]);
    assert_eq!(out.owner_id.as_deref(), Some("2001"));
    assert_eq!(out.deal_name.as_deref(), Some("Renewal 2025"));
    assert_eq!(out.pipeline.as_deref(), Some("default"));
    assert_eq!(out.deal_stage.as_deref(), Some("qualifiedtobuy"));
    assert_eq!(out.amount, Some(1500.5));
    assert_eq!(out.deal_type.as_deref(), Some("newbusiness"));
    assert_eq!(out.close_date.as_deref(), Some("2024-07-09T00:00:00Z"));
    assert_eq!(out.create_date.as_deref(), Some("2024-07-01T09:00:00.000Z"));
    assert_eq!(out.associated_contact_ids, vec!["201", "202"]);
}

#[test]
fn amount_decimal() {
    let (_, result) = get_with_amount(json!("1234567.89"));
    assert_eq!(result.unwrap().amount, Some(1234567.89));
}

#[test]
fn amount_zero() {
    let (_, result) = get_with_amount(json!("0"));
    assert_eq!(result.unwrap().amount, Some(0.0));
}

#[test]
fn amount_empty_none() {
    let (_, result) = get_with_amount(json!(""));
    assert_eq!(result.unwrap().amount, None);
}

#[test]
fn amount_null_none() {
    let (_, result) = get_with_amount(Value::Null);
    assert_eq!(result.unwrap().amount, None);
}

#[test]
fn amount_text_invalid_response() {
    let (transport, result) = get_with_amount(json!("abc"));
    let err = result.unwrap_err();
    assert_case(&err, "invalid-response");
    assert!(message(&err).contains("amount"), "{}", message(&err));
    assert_eq!(transport.requests.len(), 1);
}

#[test]
fn execute_get_amount_number() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, crm_object_with_contacts("9001", json!({ "amount": "19.99", "dealname": "" }), &["201"]));

    let text = run::execute(&mut transport, &setup(), "TASK_GET_DEAL", r#"{"deal-id":"9001"}"#).unwrap();

    let output: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(output, json!({ "amount": 19.99, "associated-contact-ids": ["201"], "custom-properties": {} }));
}

#[test]
fn create_amount_decimal() {
    let mut transport = FakeTransport::new();
    transport.expect(Method::Post, "/crm/v3/objects/deals", Reply::Response(json_response(201, &crm_object("9001", json!({})))));
    let mut input = create_input();
    input.amount = Some(19.99);
    input.create_contacts_association = Some(vec!["201".to_string()]);

    let out = run::create_deal(&mut transport, &setup(), &input).unwrap();

    assert_eq!(out.deal_id, "9001");
    assert_eq!(transport.lines(), vec!["POST /crm/v3/objects/deals".to_string()]);
    assert_eq!(
        transport.body_json(0),
        json!({
            "properties": { "dealname": "Renewal 2025", "pipeline": "default", "dealstage": "appointmentscheduled", "amount": "19.99" },
            "associations": [{ "to": { "id": "201" }, "types": [{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3 }] }],
        })
    );
}

#[test]
fn create_amount_large_plain() {
    let mut transport = FakeTransport::new();
    transport.push_json(201, crm_object("9001", json!({})));
    let mut input = create_input();
    input.amount = Some(1e21);

    run::create_deal(&mut transport, &setup(), &input).unwrap();

    assert_eq!(transport.body_json(0)["properties"]["amount"], json!("1000000000000000000000"));
}

#[test]
fn create_close_date_iso() {
    let mut transport = FakeTransport::new();
    transport.push_json(201, crm_object("9001", json!({})));
    let mut input = create_input();
    input.close_date = Some("2024-07-09T00:00:00Z".to_string());

    run::create_deal(&mut transport, &setup(), &input).unwrap();

    assert_eq!(transport.body_json(0)["properties"]["closedate"], json!("2024-07-09T00:00:00Z"));
}

#[test]
fn create_close_date_epoch_seconds_rejected() {
    let mut transport = FakeTransport::new();
    let mut input = create_input();
    input.close_date = Some("1720483200".to_string());

    let err = run::create_deal(&mut transport, &setup(), &input).unwrap_err();

    assert_eq!(input_field(&err), "close-date");
    assert!(message(&err).contains("1720483200000"), "{}", message(&err));
    assert!(transport.requests.is_empty(), "{:?}", transport.lines());
}

#[test]
fn create_close_date_epoch_millis() {
    let mut transport = FakeTransport::new();
    transport.push_json(201, crm_object("9001", json!({})));
    let mut input = create_input();
    input.close_date = Some("1720483200000".to_string());

    run::create_deal(&mut transport, &setup(), &input).unwrap();

    assert_eq!(transport.body_json(0)["properties"]["closedate"], json!("1720483200000"));
}

#[test]
fn create_invalid_date_properties() {
    let message = r#"Property values were not valid: [{"isValid":false,"message":"2024-07-09T10:00:00Z is at 10:0:0.0 UTC, not midnight!","error":"INVALID_DATE","name":"closedate"}]"#;
    let mut transport = FakeTransport::new();
    transport.push_json(400, error_body(message, "VALIDATION_ERROR"));
    let mut input = create_input();
    input.close_date = Some("2024-07-09T10:00:00Z".to_string());

    let err = run::create_deal(&mut transport, &setup(), &input).unwrap_err();

    assert_case(&err, "api");
    let api = api_of(&err);
    assert_eq!(api.status, 400);
    assert_eq!(api.category.as_deref(), Some("VALIDATION_ERROR"));
    assert!(api.invalid_properties.contains(&"closedate".to_string()), "{:?}", api.invalid_properties);
    assert_eq!(api.write_state, WriteState::None);
    assert_eq!(api.correlation_id.as_deref(), Some("aeb5f871-7f07-4993-9211-075dc63e7cbf"));
    assert_eq!(transport.requests.len(), 1);
}

#[test]
fn create_blank_name_rejected() {
    let mut transport = FakeTransport::new();
    let mut input = create_input();
    input.deal_name = "  ".to_string();

    let err = run::create_deal(&mut transport, &setup(), &input).unwrap_err();

    assert_eq!(input_field(&err), "deal-name");
    assert!(transport.requests.is_empty());
}

#[test]
fn create_amount_not_finite_rejected() {
    let mut transport = FakeTransport::new();
    let mut input = create_input();
    input.amount = Some(f64::NAN);

    let err = run::create_deal(&mut transport, &setup(), &input).unwrap_err();

    assert_eq!(input_field(&err), "amount");
    assert!(transport.requests.is_empty());
}

#[test]
fn update_sends_given_fields() {
    let mut transport = FakeTransport::new();
    transport.expect(Method::Patch, "/crm/v3/objects/deals/9001", Reply::Response(json_response(200, &updated_deal())));
    let mut input = update_input("9001");
    input.deal_stage = Some("closedwon".to_string());

    let out = run::update_deal(&mut transport, &setup(), &input).unwrap();

    assert_eq!(transport.lines(), vec!["PATCH /crm/v3/objects/deals/9001".to_string()]);
    assert_eq!(transport.body_json(0), json!({ "properties": { "dealstage": "closedwon" } }));
    assert_eq!(out.updated_by_user_id.as_deref(), Some("3892666"));
    assert_eq!(out.updated_at, "2024-07-09T10:15:30.123Z");
    transport.assert_done();
}

#[test]
fn update_empty_string_sent() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, updated_deal());
    let mut input = update_input("9001");
    input.deal_type = Some(String::new());
    input.owner_id = Some(String::new());
    input.close_date = Some(String::new());

    run::update_deal(&mut transport, &setup(), &input).unwrap();

    assert_eq!(
        transport.body_json(0),
        json!({ "properties": { "dealtype": "", "hubspot_owner_id": "", "closedate": "" } })
    );
}

#[test]
fn update_amount_zero_sent() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, updated_deal());
    let mut input = update_input("9001");
    input.amount = Some(0.0);

    run::update_deal(&mut transport, &setup(), &input).unwrap();

    assert_eq!(transport.body_json(0), json!({ "properties": { "amount": "0" } }));
}

#[test]
fn update_time_from_last_modified() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, json!({ "id": "9001", "properties": { "hs_lastmodifieddate": "2024-07-09T10:15:30.123Z" } }));
    let mut input = update_input("9001");
    input.deal_stage = Some("closedwon".to_string());

    let out = run::update_deal(&mut transport, &setup(), &input).unwrap();

    assert_eq!(out.updated_at, "2024-07-09T10:15:30.123Z");
    assert_eq!(out.updated_by_user_id, None);
}

#[test]
fn update_time_missing_applied() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, json!({ "id": "9001", "properties": {} }));
    let mut input = update_input("9001");
    input.deal_stage = Some("closedwon".to_string());

    let err = run::update_deal(&mut transport, &setup(), &input).unwrap_err();

    match &err {
        Error::InvalidResponse(e) => {
            assert_eq!(e.write_state, WriteState::Applied);
            assert!(e.message.contains("deal 9001 was updated"), "{}", e.message);
        }
        other => panic!("expected invalid-response, got {other:?}"),
    }
    assert_eq!(transport.requests.len(), 1);
}

#[test]
fn update_nothing_rejected() {
    let mut transport = FakeTransport::new();

    let err = run::update_deal(&mut transport, &setup(), &update_input("9001")).unwrap_err();

    assert_eq!(input_field(&err), "deal-id");
    assert!(transport.requests.is_empty());
}

#[test]
fn update_then_associates() {
    let mut transport = FakeTransport::new();
    transport.expect(Method::Patch, "/crm/v3/objects/deals/9001", Reply::Response(json_response(200, &updated_deal())));
    transport.expect(
        Method::Put,
        "/crm/v4/objects/deals/9001/associations/contacts/201",
        Reply::Response(json_response(201, &json!({ "fromObjectTypeId": "0-3", "fromObjectId": 9001, "toObjectTypeId": "0-1", "toObjectId": 201, "labels": [] }))),
    );
    let mut input = update_input("9001");
    input.deal_stage = Some("closedwon".to_string());
    input.create_contacts_association = Some(vec!["201".to_string()]);

    run::update_deal(&mut transport, &setup(), &input).unwrap();

    assert_eq!(
        transport.lines(),
        vec![
            "PATCH /crm/v3/objects/deals/9001".to_string(),
            "PUT /crm/v4/objects/deals/9001/associations/contacts/201".to_string(),
        ]
    );
    assert_eq!(transport.body_json(1), json!([{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3 }]));
    transport.assert_done();
}

#[test]
fn update_association_failure_partial() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, updated_deal());
    transport.push_json(201, json!({}));
    transport.push_json(400, error_body("One or more associations are invalid", "VALIDATION_ERROR"));
    let mut input = update_input("9001");
    input.deal_stage = Some("closedwon".to_string());
    input.create_contacts_association = Some(vec!["201".to_string(), "202".to_string()]);

    let err = run::update_deal(&mut transport, &setup(), &input).unwrap_err();

    assert_eq!(transport.requests.len(), 3, "{:?}", transport.lines());
    assert_eq!(transport.line(2), "PUT /crm/v4/objects/deals/9001/associations/contacts/202");
    match &err {
        Error::PartialWrite(partial) => {
            assert_eq!(partial.record_id, "9001");
            assert_eq!(partial.status, Some(400));
            assert!(partial.applied.contains("deal 9001 was updated (dealstage)"), "{}", partial.applied);
            assert!(partial.applied.contains("201"), "{}", partial.applied);
            assert!(partial.message.contains("202"), "{}", partial.message);
            assert!(partial.message.contains("was updated"), "{}", partial.message);
        }
        other => panic!("expected partial-write, got {other:?}"),
    }
}

#[test]
fn update_not_found_no_association() {
    let mut transport = FakeTransport::new();
    transport.push_json(404, error_body("Object not found.", "OBJECT_NOT_FOUND"));
    let mut input = update_input("9001");
    input.deal_stage = Some("closedwon".to_string());
    input.create_contacts_association = Some(vec!["201".to_string()]);

    let err = run::update_deal(&mut transport, &setup(), &input).unwrap_err();

    assert_case(&err, "not-found");
    assert_eq!(transport.requests.len(), 1, "{:?}", transport.lines());
}
