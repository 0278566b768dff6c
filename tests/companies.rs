//! Get Company and Create Company through the fake transport.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use hubspot_component::run;
use hubspot_component::tasks::{CreateCompanyInput, GetCompanyInput};
use serde_json::{json, Value};

const GET_PATH: &str = "GET /crm/v3/objects/companies/8001?properties=hubspot_owner_id,name,domain,description,phone,industry,type,city,state,country,zip,timezone,annualrevenue,totalrevenue,linkedin_company_page&associations=contacts";

fn company_properties() -> Value {
    json!({
        "hubspot_owner_id": "2001",
        "name": "Example Ltd",
        "domain": "example.com",
        "description": "Printers",
        "phone": "+886223456789",
        "industry": "COMPUTER_HARDWARE",
        "type": "PROSPECT",
        "city": "Taipei",
        "state": "Taipei City",
        "country": "Taiwan",
        "zip": "10491",
        "timezone": "Asia/Taipei",
        "annualrevenue": "5000000",
        "totalrevenue": "12500.75",
        "linkedin_company_page": "https://www.linkedin.com/company/example",
    })
}

fn create_input(domain: &str) -> CreateCompanyInput {
    CreateCompanyInput {
        owner_id: None,
        company_name: None,
        company_domain: domain.to_string(),
        description: None,
        phone_number: None,
        industry: None,
        company_type: None,
        city: None,
        state: None,
        country: None,
        postal_code: None,
        time_zone: None,
        annual_revenue: None,
        linkedin_page: None,
        create_contacts_association: None,
        custom_properties: None,
    }
}

#[test]
fn get_maps_properties() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, crm_object_with_contacts("8001", company_properties(), &["201", "202"]));
    let input = GetCompanyInput {
        company_id: "8001".to_string(),
        custom_properties: None,
    };

    let out = run::get_company(&mut transport, &setup(), &input).unwrap();

    assert_eq!(transport.lines(), vec![GET_PATH.to_string()]);
    assert_eq!(out.postal_code.as_deref(), Some("10491"));
    assert_eq!(out.total_revenue, Some(12500.75));
    assert_eq!(out.annual_revenue, Some(5_000_000.0));
    assert_eq!(out.owner_id.as_deref(), Some("2001"));
    assert_eq!(out.company_name.as_deref(), Some("Example Ltd"));
    assert_eq!(out.company_domain.as_deref(), Some("example.com"));
    assert_eq!(out.description.as_deref(), Some("Printers"));
    assert_eq!(out.phone_number.as_deref(), Some("+886223456789"));
    assert_eq!(out.industry.as_deref(), Some("COMPUTER_HARDWARE"));
    assert_eq!(out.company_type.as_deref(), Some("PROSPECT"));
    assert_eq!(out.city.as_deref(), Some("Taipei"));
    assert_eq!(out.state.as_deref(), Some("Taipei City"));
    assert_eq!(out.country.as_deref(), Some("Taiwan"));
    assert_eq!(out.time_zone.as_deref(), Some("Asia/Taipei"));
    assert_eq!(out.linkedin_page.as_deref(), Some("https://www.linkedin.com/company/example"));
    assert_eq!(out.associated_contact_ids, vec!["201", "202"]);
}

#[test]
fn execute_get_output_keys() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, crm_object("8001", json!({ "zip": "10491", "totalrevenue": "12500.75", "annualrevenue": null })));

    let text = run::execute(&mut transport, &setup(), "TASK_GET_COMPANY", r#"{"company-id":"8001"}"#).unwrap();

    let output: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        output,
        json!({ "postal-code": "10491", "total-revenue": 12500.75, "associated-contact-ids": [], "custom-properties": {} })
    );
}

#[test]
fn create_sends_properties() {
    let mut transport = FakeTransport::new();
    transport.push_json(201, crm_object("8001", json!({})));
    let mut input = create_input(" example.com ");
    input.postal_code = Some("10491".to_string());
    input.annual_revenue = Some(5_000_000.0);
    input.company_type = Some("PROSPECT".to_string());
    input.linkedin_page = Some("https://www.linkedin.com/company/example".to_string());
    input.create_contacts_association = Some(vec!["201".to_string()]);

    let out = run::create_company(&mut transport, &setup(), &input).unwrap();

    assert_eq!(out.company_id, "8001");
    assert_eq!(transport.lines(), vec!["POST /crm/v3/objects/companies".to_string()]);
    assert_eq!(
        transport.body_json(0),
        json!({
            "properties": {
                "domain": "example.com",
                "zip": "10491",
                "annualrevenue": "5000000",
                "type": "PROSPECT",
                "linkedin_company_page": "https://www.linkedin.com/company/example",
            },
            "associations": [{ "to": { "id": "201" }, "types": [{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 280 }] }],
        })
    );
}

#[test]
fn execute_postal_code_alias() {
    let mut transport = FakeTransport::new();
    transport.push_json(201, crm_object("8001", json!({})));

    let text = run::execute(
        &mut transport,
        &setup(),
        "TASK_CREATE_COMPANY",
        r#"{"company-domain":"example.com","postal-code,":"10491"}"#,
    )
    .unwrap();

    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json!({ "company-id": "8001" }));
    assert_eq!(transport.body_json(0)["properties"], json!({ "domain": "example.com", "zip": "10491" }));
}

#[test]
fn execute_postal_code_twice_rejected() {
    let mut transport = FakeTransport::new();

    let err = run::execute(
        &mut transport,
        &setup(),
        "TASK_CREATE_COMPANY",
        r#"{"company-domain":"example.com","postal-code":"10491","postal-code,":"10492"}"#,
    )
    .unwrap_err();

    assert_eq!(input_field(&err), "postal-code");
    assert!(transport.requests.is_empty());
}

#[test]
fn create_blank_domain_rejected() {
    let mut transport = FakeTransport::new();

    let err = run::create_company(&mut transport, &setup(), &create_input("   ")).unwrap_err();

    assert_eq!(input_field(&err), "company-domain");
    assert!(transport.requests.is_empty());
}

#[test]
fn get_association_paging_not_truncated() {
    let mut transport = FakeTransport::new();
    let mut body = crm_object_with_contacts("8001", json!({ "name": "Example Ltd" }), &["201"]);
    body["associations"]["contacts"]["paging"] = json!({ "next": { "after": "MjAx", "link": "https://api.hubapi.com/crm/v4/objects/companies/8001/associations/contacts?after=MjAx" } });
    transport.push_json(200, body);
    transport.expect(
        hubspot_component::transport::Method::Get,
        "/crm/v4/objects/companies/8001/associations/contacts",
        Reply::Response(json_response(
            200,
            &json!({ "results": [{ "toObjectId": 201, "associationTypes": [] }, { "toObjectId": 202, "associationTypes": [] }] }),
        )),
    );
    let input = GetCompanyInput {
        company_id: "8001".to_string(),
        custom_properties: None,
    };

    let out = run::get_company(&mut transport, &setup(), &input).unwrap();

    // A cut embedded list is read again, whole, from the v4 associations endpoint.
    assert_eq!(out.associated_contact_ids, vec!["201", "202"]);
    assert_eq!(transport.line(1), "GET /crm/v4/objects/companies/8001/associations/contacts?limit=500");
    assert_eq!(transport.requests.len(), 2);
}
