//! Get Company and Create Company through the real component in wasmtime, against
//! the seeded sandbox: outputs, the exact requests HubSpot receives, and the
//! stored state after a create.

mod common;

use common::*;
use host_test::sandbox::ObjectType;
use host_test::types::{CreateCompanyInput, Error, GetCompanyInput, PropertyRead};
use serde_json::json;

/// The query of every Get Company request.
const READ_QUERY: &str = "properties=hubspot_owner_id,name,domain,description,phone,industry,type,city,state,country,zip,timezone,annualrevenue,totalrevenue,linkedin_company_page&associations=contacts";

fn get_input(company_id: &str) -> GetCompanyInput {
    GetCompanyInput {
        company_id: company_id.to_string(),
        custom_properties: None,
    }
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

#[tokio::test(flavor = "multi_thread")]
async fn get_company_json_all_fields() {
    let sandbox = sandbox();

    let output = run(&sandbox, "TASK_GET_COMPANY", json!({"company-id": "700"}))
        .await
        .expect("company 700 is seeded");

    assert_eq!(output["owner-id"], "1001");
    assert_eq!(output["company-name"], "Lima Consulting");
    assert_eq!(output["company-domain"], "lima.example");
    assert_eq!(output["industry"], "MANAGEMENT_CONSULTING");
    assert_eq!(output["city"], "São Paulo");
    assert_eq!(output["country"], "Brazil");
    assert_eq!(output["postal-code"], "01310-100");
    assert_eq!(output["annual-revenue"].as_f64(), Some(1_500_000.0));
    assert_eq!(output["total-revenue"].as_f64(), Some(250_000.5));
    // Contact 151 is linked twice, as primary and unlabeled, and the output lists it once.
    assert_eq!(output["associated-contact-ids"], json!(["151"]));
    assert_eq!(output["custom-properties"], json!({}));
    for unset in ["description", "phone-number", "company-type", "state", "time-zone", "linkedin-page"] {
        assert_eq!(output.get(unset), None, "{unset} is unset on company 700");
    }
    assert_eq!(keys(&output).len(), 11, "unexpected keys: {:?}", keys(&output));

    let request = only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, format!("/crm/v3/objects/companies/700?{READ_QUERY}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_company_typed_minimal() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    let company = no_trap(host().get_company(&setup, &get_input("701")).await).expect("company 701 is seeded");

    assert_eq!(company.company_name.as_deref(), Some("Atlas Freight"));
    assert_eq!(company.company_domain.as_deref(), Some("atlas.example"));
    assert_eq!(company.owner_id, None);
    assert_eq!(company.description, None);
    assert_eq!(company.phone_number, None);
    assert_eq!(company.industry, None);
    assert_eq!(company.company_type, None);
    assert_eq!(company.city, None);
    assert_eq!(company.state, None);
    assert_eq!(company.country, None);
    assert_eq!(company.postal_code, None);
    assert_eq!(company.time_zone, None);
    assert_eq!(company.annual_revenue, None);
    assert_eq!(company.total_revenue, None);
    assert_eq!(company.linkedin_page, None);
    assert_eq!(company.associated_contact_ids, vec!["151".to_string()]);
    assert_eq!(company.custom_properties, Vec::<PropertyRead>::new());

    let request = only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, format!("/crm/v3/objects/companies/701?{READ_QUERY}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_company_unknown_id() {
    let sandbox = sandbox();

    let error = run(&sandbox, "TASK_GET_COMPANY", json!({"company-id": "777"}))
        .await
        .expect_err("no company has ID 777");

    assert_eq!(case(&error), "not-found");
    let Error::NotFound(api) = &error else { panic!("expected not-found, got {error:?}") };
    assert_eq!(api.status, 404);
    let request = only_request(&sandbox);
    assert_eq!(request.path_and_query, format!("/crm/v3/objects/companies/777?{READ_QUERY}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_company_json_then_get() {
    let sandbox = sandbox();

    let output = run(
        &sandbox,
        "TASK_CREATE_COMPANY",
        json!({
            "owner-id": "1001",
            "company-name": "Nordlicht GmbH",
            "company-domain": "nordlicht.example",
            "description": "Solar installer",
            "phone-number": "+49301234567",
            "industry": "RENEWABLES_ENVIRONMENT",
            "company-type": "PROSPECT",
            "city": "Berlin",
            "state": "Berlin",
            "country": "Germany",
            "postal-code": "10115",
            "time-zone": "Europe/Berlin",
            "annual-revenue": 2500000,
            "linkedin-page": "https://www.linkedin.com/company/nordlicht",
            "create-contacts-association": ["201", "202"],
        }),
    )
    .await
    .expect("the company is created");

    assert_eq!(keys(&output), vec!["company-id"]);
    let company_id = output["company-id"].as_str().expect("company-id is a string").to_string();

    let request = only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/crm/v3/objects/companies");
    assert_eq!(
        request.json(),
        json!({
            "properties": {
                "hubspot_owner_id": "1001",
                "name": "Nordlicht GmbH",
                "domain": "nordlicht.example",
                "description": "Solar installer",
                "phone": "+49301234567",
                "industry": "RENEWABLES_ENVIRONMENT",
                "type": "PROSPECT",
                "city": "Berlin",
                "state": "Berlin",
                "country": "Germany",
                "zip": "10115",
                "timezone": "Europe/Berlin",
                "annualrevenue": "2500000",
                "linkedin_company_page": "https://www.linkedin.com/company/nordlicht",
            },
            "associations": [
                {"to": {"id": "201"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 280}]},
                {"to": {"id": "202"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 280}]},
            ],
        })
    );
    assert_eq!(
        stored_associations(&sandbox, ObjectType::Company, &company_id, ObjectType::Contact),
        vec![(201, vec![280]), (202, vec![280])]
    );

    let read = run(&sandbox, "TASK_GET_COMPANY", json!({"company-id": company_id}))
        .await
        .expect("the new company can be read");
    assert_eq!(read["owner-id"], "1001");
    assert_eq!(read["company-name"], "Nordlicht GmbH");
    assert_eq!(read["company-domain"], "nordlicht.example");
    assert_eq!(read["description"], "Solar installer");
    assert_eq!(read["phone-number"], "+49301234567");
    assert_eq!(read["industry"], "RENEWABLES_ENVIRONMENT");
    assert_eq!(read["company-type"], "PROSPECT");
    assert_eq!(read["city"], "Berlin");
    assert_eq!(read["state"], "Berlin");
    assert_eq!(read["country"], "Germany");
    assert_eq!(read["postal-code"], "10115");
    assert_eq!(read["time-zone"], "Europe/Berlin");
    assert_eq!(read["annual-revenue"].as_f64(), Some(2_500_000.0));
    assert_eq!(read["linkedin-page"], "https://www.linkedin.com/company/nordlicht");
    assert_eq!(read.get("total-revenue"), None);
    assert_eq!(read["associated-contact-ids"], json!(["201", "202"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_company_legacy_postal_key() {
    let sandbox = sandbox();

    // The original schema spelled the key `postal-code,`.
    let output = run(
        &sandbox,
        "TASK_CREATE_COMPANY",
        json!({"company-domain": "harbor.example", "postal-code,": "2000-123"}),
    )
    .await
    .expect("the company is created");
    let company_id = output["company-id"].as_str().expect("company-id is a string").to_string();

    let request = only_request(&sandbox);
    assert_eq!(
        request.json(),
        json!({"properties": {"domain": "harbor.example", "zip": "2000-123"}, "associations": []})
    );
    let record = stored(&sandbox, ObjectType::Company, &company_id);
    assert_eq!(stored_property(&record, "zip").as_deref(), Some("2000-123"));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_company_typed_then_get() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    let input = CreateCompanyInput {
        company_name: Some("Kestrel Labs".to_string()),
        city: Some("Lisboa".to_string()),
        annual_revenue: Some(99.95),
        create_contacts_association: Some(vec!["5101".to_string()]),
        ..create_input("kestrel.example")
    };
    let created = no_trap(host().create_company(&setup, &input).await).expect("the company is created");

    let request = only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/crm/v3/objects/companies");
    assert_eq!(
        request.json(),
        json!({
            "properties": {
                "name": "Kestrel Labs",
                "domain": "kestrel.example",
                "city": "Lisboa",
                "annualrevenue": "99.95",
            },
            "associations": [
                {"to": {"id": "5101"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 280}]},
            ],
        })
    );

    let company = no_trap(host().get_company(&setup, &get_input(&created.company_id)).await)
        .expect("the new company can be read");
    assert_eq!(company.company_name.as_deref(), Some("Kestrel Labs"));
    assert_eq!(company.company_domain.as_deref(), Some("kestrel.example"));
    assert_eq!(company.city.as_deref(), Some("Lisboa"));
    assert_eq!(company.annual_revenue, Some(99.95));
    assert_eq!(company.owner_id, None);
    assert_eq!(company.associated_contact_ids, vec!["5101".to_string()]);
}
