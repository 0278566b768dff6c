//! Get Deal, Create Deal and Update Deal through the real component in wasmtime,
//! against the seeded sandbox: outputs, the exact requests HubSpot receives, and
//! the stored state after each write.

mod common;

use common::*;
use host_test::sandbox::wire::iso_ms;
use host_test::sandbox::ObjectType;
use host_test::types::{CreateDealInput, Error, GetDealInput, PropertyRead, UpdateDealInput};
use serde_json::json;

/// The query of every Get Deal request.
const READ_QUERY: &str =
    "properties=hubspot_owner_id,dealname,pipeline,dealstage,amount,dealtype,closedate,createdate&associations=contacts";

fn get_input(deal_id: &str) -> GetDealInput {
    GetDealInput {
        deal_id: deal_id.to_string(),
        custom_properties: None,
    }
}

fn update_input(deal_id: &str) -> UpdateDealInput {
    UpdateDealInput {
        deal_id: deal_id.to_string(),
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

#[tokio::test(flavor = "multi_thread")]
async fn get_deal_json_with_contacts() {
    let sandbox = sandbox();

    let output = run(&sandbox, "TASK_GET_DEAL", json!({"deal-id": "9001"}))
        .await
        .expect("deal 9001 is seeded");

    assert_eq!(output["owner-id"], "1001");
    assert_eq!(output["deal-name"], "Q3 renewal");
    assert_eq!(output["pipeline"], "default");
    assert_eq!(output["deal-stage"], "qualifiedtobuy");
    assert_eq!(output["amount"].as_f64(), Some(1_234_567.89));
    assert_eq!(output["deal-type"], "existingbusiness");
    assert_eq!(output["close-date"], "2024-07-09T00:00:00.000Z");
    assert_eq!(output["create-date"], "2024-05-01T10:00:00.000Z");
    assert_eq!(output["associated-contact-ids"], json!(["151", "152"]));
    assert_eq!(output["custom-properties"], json!({}));
    assert_eq!(keys(&output).len(), 10, "unexpected keys: {:?}", keys(&output));

    let request = only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, format!("/crm/v3/objects/deals/9001?{READ_QUERY}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_deal_typed_zero_amount() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    // Deal 9002 has amount "0", no type, no close date, no owner and no contacts.
    let deal = no_trap(host().get_deal(&setup, &get_input("9002")).await).expect("deal 9002 is seeded");

    assert_eq!(deal.deal_name.as_deref(), Some("Starter plan"));
    assert_eq!(deal.pipeline.as_deref(), Some("default"));
    assert_eq!(deal.deal_stage.as_deref(), Some("appointmentscheduled"));
    assert_eq!(deal.amount, Some(0.0));
    assert_eq!(deal.deal_type, None);
    assert_eq!(deal.close_date, None);
    assert_eq!(deal.owner_id, None);
    assert_eq!(deal.create_date.as_deref(), Some("2024-05-01T10:00:00.000Z"));
    assert_eq!(deal.associated_contact_ids, Vec::<String>::new());
    assert_eq!(deal.custom_properties, Vec::<PropertyRead>::new());

    let request = only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, format!("/crm/v3/objects/deals/9002?{READ_QUERY}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_deal_empty_amount_absent() {
    let sandbox = sandbox();

    // Deal 9003 has amount "": the output leaves the key out.
    let output = run(&sandbox, "TASK_GET_DEAL", json!({"deal-id": "9003"}))
        .await
        .expect("deal 9003 is seeded");

    assert_eq!(output.get("amount"), None);
    assert_eq!(output["deal-name"], "Pilot");
    assert_eq!(output["associated-contact-ids"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_deal_unknown_id() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    let error = no_trap(host().get_deal(&setup, &get_input("123456")).await).expect_err("no deal has ID 123456");

    assert_eq!(case(&error), "not-found");
    let Error::NotFound(api) = &error else { panic!("expected not-found, got {error:?}") };
    assert_eq!(api.status, 404);
    let request = only_request(&sandbox);
    assert_eq!(request.path_and_query, format!("/crm/v3/objects/deals/123456?{READ_QUERY}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_deal_json_then_get() {
    let sandbox = sandbox();

    let output = run(
        &sandbox,
        "TASK_CREATE_DEAL",
        json!({
            "owner-id": "1002",
            "deal-name": "Expansion 2025",
            "pipeline": "default",
            "deal-stage": "presentationscheduled",
            "amount": 5000.5,
            "deal-type": "newbusiness",
            "close-date": "2024-09-30T00:00:00Z",
            "create-contacts-association": ["201", "202"],
        }),
    )
    .await
    .expect("the deal is created");

    assert_eq!(keys(&output), vec!["deal-id"]);
    let deal_id = output["deal-id"].as_str().expect("deal-id is a string").to_string();

    let request = only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/crm/v3/objects/deals");
    assert_eq!(
        request.json(),
        json!({
            "properties": {
                "hubspot_owner_id": "1002",
                "dealname": "Expansion 2025",
                "pipeline": "default",
                "dealstage": "presentationscheduled",
                "amount": "5000.5",
                "dealtype": "newbusiness",
                "closedate": "2024-09-30T00:00:00Z",
            },
            "associations": [
                {"to": {"id": "201"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]},
                {"to": {"id": "202"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]},
            ],
        })
    );
    assert_eq!(
        stored_associations(&sandbox, ObjectType::Deal, &deal_id, ObjectType::Contact),
        vec![(201, vec![3]), (202, vec![3])]
    );

    // Get Deal returns the same values. HubSpot stores the date with milliseconds.
    sandbox.clear_requests();
    let read = run(&sandbox, "TASK_GET_DEAL", json!({"deal-id": deal_id}))
        .await
        .expect("the new deal can be read");
    assert_eq!(read["owner-id"], "1002");
    assert_eq!(read["deal-name"], "Expansion 2025");
    assert_eq!(read["pipeline"], "default");
    assert_eq!(read["deal-stage"], "presentationscheduled");
    assert_eq!(read["amount"].as_f64(), Some(5000.5));
    assert_eq!(read["deal-type"], "newbusiness");
    assert_eq!(read["close-date"], "2024-09-30T00:00:00.000Z");
    assert_eq!(read["associated-contact-ids"], json!(["201", "202"]));
    assert!(read["create-date"].is_string(), "create-date is set: {read}");
    assert_eq!(only_request(&sandbox).path_and_query, format!("/crm/v3/objects/deals/{deal_id}?{READ_QUERY}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_deal_typed_then_get() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    let input = CreateDealInput {
        owner_id: None,
        deal_name: "Support add-on".to_string(),
        pipeline: "default".to_string(),
        deal_stage: "qualifiedtobuy".to_string(),
        amount: Some(1200.0),
        deal_type: None,
        // Epoch milliseconds for 2024-10-01T00:00:00Z.
        close_date: Some("1727740800000".to_string()),
        create_contacts_association: Some(vec!["151".to_string()]),
        custom_properties: None,
    };
    let created = no_trap(host().create_deal(&setup, &input).await).expect("the deal is created");

    let request = only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/crm/v3/objects/deals");
    assert_eq!(
        request.json(),
        json!({
            "properties": {
                "dealname": "Support add-on",
                "pipeline": "default",
                "dealstage": "qualifiedtobuy",
                "amount": "1200",
                "closedate": "1727740800000",
            },
            "associations": [
                {"to": {"id": "151"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]},
            ],
        })
    );

    let deal = no_trap(host().get_deal(&setup, &get_input(&created.deal_id)).await).expect("the new deal can be read");
    assert_eq!(deal.deal_name.as_deref(), Some("Support add-on"));
    assert_eq!(deal.deal_stage.as_deref(), Some("qualifiedtobuy"));
    assert_eq!(deal.amount, Some(1200.0));
    assert_eq!(deal.close_date.as_deref(), Some("2024-10-01T00:00:00.000Z"));
    assert_eq!(deal.owner_id, None);
    assert_eq!(deal.deal_type, None);
    assert_eq!(deal.associated_contact_ids, vec!["151".to_string()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_deal_json_stage_only() {
    let sandbox = sandbox();

    let output = run(&sandbox, "TASK_UPDATE_DEAL", json!({"deal-id": "9001", "deal-stage": "closedwon"}))
        .await
        .expect("deal 9001 is updated");

    // One PATCH carrying only the given property, and no association request.
    let request = only_request(&sandbox);
    assert_eq!(request.method, "PATCH");
    assert_eq!(request.path_and_query, "/crm/v3/objects/deals/9001");
    assert_eq!(request.json(), json!({"properties": {"dealstage": "closedwon"}}));

    let record = stored(&sandbox, ObjectType::Deal, "9001");
    assert_eq!(output["updated-by-user-id"], "2001");
    assert_eq!(output["updated-at"], iso_ms(record.updated_at));
    assert_eq!(keys(&output), vec!["updated-at", "updated-by-user-id"]);

    // The other properties are unchanged.
    assert_eq!(stored_property(&record, "dealstage").as_deref(), Some("closedwon"));
    let read = run(&sandbox, "TASK_GET_DEAL", json!({"deal-id": "9001"}))
        .await
        .expect("deal 9001 can be read");
    assert_eq!(read["deal-stage"], "closedwon");
    assert_eq!(read["deal-name"], "Q3 renewal");
    assert_eq!(read["amount"].as_f64(), Some(1_234_567.89));
    assert_eq!(read["pipeline"], "default");
    assert_eq!(read["close-date"], "2024-07-09T00:00:00.000Z");
    assert_eq!(read["owner-id"], "1001");
    assert_eq!(read["associated-contact-ids"], json!(["151", "152"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn update_deal_typed_with_association() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    let input = UpdateDealInput {
        amount: Some(750.0),
        owner_id: Some("1002".to_string()),
        create_contacts_association: Some(vec!["201".to_string(), "5101".to_string()]),
        ..update_input("9002")
    };
    let output = no_trap(host().update_deal(&setup, &input).await).expect("deal 9002 is updated");

    let requests = sandbox.requests();
    assert_eq!(requests.len(), 3, "requests: {:?}", lines(&sandbox));
    assert_eq!(requests[0].method, "PATCH");
    assert_eq!(requests[0].path_and_query, "/crm/v3/objects/deals/9002");
    assert_eq!(requests[0].json(), json!({"properties": {"amount": "750", "hubspot_owner_id": "1002"}}));
    let association_body = json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]);
    assert_eq!(requests[1].method, "PUT");
    assert_eq!(requests[1].path_and_query, "/crm/v4/objects/deals/9002/associations/contacts/201");
    assert_eq!(requests[1].json(), association_body);
    assert_eq!(requests[2].method, "PUT");
    assert_eq!(requests[2].path_and_query, "/crm/v4/objects/deals/9002/associations/contacts/5101");
    assert_eq!(requests[2].json(), association_body);

    let record = stored(&sandbox, ObjectType::Deal, "9002");
    assert_eq!(output.updated_by_user_id.as_deref(), Some("2001"));
    assert_eq!(output.updated_at, iso_ms(record.updated_at));

    let deal = no_trap(host().get_deal(&setup, &get_input("9002")).await).expect("deal 9002 can be read");
    assert_eq!(deal.amount, Some(750.0));
    assert_eq!(deal.owner_id.as_deref(), Some("1002"));
    assert_eq!(deal.deal_name.as_deref(), Some("Starter plan"));
    assert_eq!(deal.deal_stage.as_deref(), Some("appointmentscheduled"));
    assert_eq!(deal.associated_contact_ids, vec!["201".to_string(), "5101".to_string()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_deal_unknown_id() {
    let sandbox = sandbox();

    let error = run(
        &sandbox,
        "TASK_UPDATE_DEAL",
        json!({"deal-id": "123456", "deal-stage": "closedwon", "create-contacts-association": ["151"]}),
    )
    .await
    .expect_err("no deal has ID 123456");

    // The association is not attempted after the failed update.
    assert_eq!(case(&error), "not-found");
    assert_eq!(lines(&sandbox), vec!["PATCH /crm/v3/objects/deals/123456"]);
}
