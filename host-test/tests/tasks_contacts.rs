//! Get Contact and Create Contact through the real component in wasmtime, against
//! the seeded sandbox: outputs, the exact requests HubSpot receives, and the
//! stored state after a create.

mod common;

use common::*;
use host_test::sandbox::{ObjectType, PropertyKind};
use host_test::types::{CreateContactInput, Error, GetContactInput, PropertyRead, PropertyValue};
use serde_json::{json, Value};

/// The `properties` query value of every Get Contact request.
const READ_PROPERTIES: &str = "hubspot_owner_id,email,firstname,lastname,phone,company,jobtitle,lifecyclestage,hs_lead_status";

/// A custom contact property the tests define in the sandbox's schema.
const CUSTOM_PROPERTY: &str = "favorite_color";

fn get_input(id_or_email: &str) -> GetContactInput {
    GetContactInput {
        contact_id_or_email: id_or_email.to_string(),
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

#[tokio::test(flavor = "multi_thread")]
async fn get_contact_json_by_id() {
    let sandbox = sandbox();

    let output = run(&sandbox, "TASK_GET_CONTACT", json!({"contact-id-or-email": "151"}))
        .await
        .expect("contact 151 is seeded");

    assert_eq!(output["contact-id"], "151");
    assert_eq!(output["owner-id"], "1001");
    assert_eq!(output["email"], "Ana.Lima+VIP@example.com");
    assert_eq!(output["first-name"], "Ana");
    assert_eq!(output["last-name"], "Lima");
    assert_eq!(output["phone-number"], "+5511912345678");
    assert_eq!(output["company"], "Lima Consulting");
    assert_eq!(output["job-title"], "CTO");
    assert_eq!(output["lifecycle-stage"], "customer");
    assert_eq!(output["lead-status"], "IN_PROGRESS");
    assert_eq!(output["custom-properties"], json!({}));
    assert_eq!(keys(&output).len(), 11, "unexpected keys: {:?}", keys(&output));

    let request = only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, format!("/crm/v3/objects/contacts/151?properties={READ_PROPERTIES}"));
    assert_eq!(request.header("authorization"), Some(format!("Bearer {}", sandbox.token()).as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_contact_typed_by_email() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    // HubSpot matches emails regardless of case. `+` and `@` are percent-encoded once.
    let contact = no_trap(host().get_contact(&setup, &get_input(" ana.lima+vip@EXAMPLE.com ")).await)
        .expect("the email matches contact 151");

    assert_eq!(contact.contact_id, "151");
    assert_eq!(contact.owner_id.as_deref(), Some("1001"));
    assert_eq!(contact.email.as_deref(), Some("Ana.Lima+VIP@example.com"));
    assert_eq!(contact.first_name.as_deref(), Some("Ana"));
    assert_eq!(contact.last_name.as_deref(), Some("Lima"));
    assert_eq!(contact.phone_number.as_deref(), Some("+5511912345678"));
    assert_eq!(contact.company.as_deref(), Some("Lima Consulting"));
    assert_eq!(contact.job_title.as_deref(), Some("CTO"));
    assert_eq!(contact.lifecycle_stage.as_deref(), Some("customer"));
    assert_eq!(contact.lead_status.as_deref(), Some("IN_PROGRESS"));
    assert_eq!(contact.custom_properties, Vec::<PropertyRead>::new());

    let request = only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.path_and_query,
        format!("/crm/v3/objects/contacts/ana.lima%2Bvip%40EXAMPLE.com?idProperty=email&properties={READ_PROPERTIES}")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_contact_empty_values_absent() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    // Contact 152 has `phone` set to "" and no `hs_lead_status`, `company` or owner.
    let contact = no_trap(host().get_contact(&setup, &get_input("152")).await).expect("contact 152 is seeded");
    assert_eq!(contact.contact_id, "152");
    assert_eq!(contact.email.as_deref(), Some("ben@example.com"));
    assert_eq!(contact.first_name.as_deref(), Some("Ben"));
    assert_eq!(contact.last_name.as_deref(), Some("Okafor"));
    assert_eq!(contact.lifecycle_stage.as_deref(), Some("lead"));
    assert_eq!(contact.phone_number, None);
    assert_eq!(contact.lead_status, None);
    assert_eq!(contact.company, None);
    assert_eq!(contact.owner_id, None);
    assert_eq!(contact.job_title, None);

    let output = run(&sandbox, "TASK_GET_CONTACT", json!({"contact-id-or-email": "152"}))
        .await
        .expect("contact 152 is seeded");
    assert_eq!(output.get("phone-number"), None);
    assert_eq!(output.get("lead-status"), None);
    assert_eq!(output.get("company"), None);
    assert_eq!(output.get("owner-id"), None);
    assert_eq!(output.get("job-title"), None);
    assert_eq!(output["first-name"], "Ben");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_contact_merged_id() {
    let sandbox = sandbox();

    // Contacts 1001 and 2002 were merged into 3003, so HubSpot returns the surviving record.
    let output = run(&sandbox, "TASK_GET_CONTACT", json!({"contact-id-or-email": "1001"}))
        .await
        .expect("a merged-away ID resolves to the survivor");

    assert_eq!(output["contact-id"], "3003");
    assert_eq!(output["email"], "frank@example.com");
    assert_eq!(output["job-title"], "Buyer");
    let request = only_request(&sandbox);
    assert_eq!(request.path_and_query, format!("/crm/v3/objects/contacts/1001?properties={READ_PROPERTIES}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_contact_unknown_id() {
    let sandbox = sandbox();

    let error = run(&sandbox, "TASK_GET_CONTACT", json!({"contact-id-or-email": "999999"}))
        .await
        .expect_err("no contact has ID 999999");

    assert_eq!(case(&error), "not-found");
    let Error::NotFound(api) = &error else { panic!("expected not-found, got {error:?}") };
    assert_eq!(api.status, 404);
    assert_eq!(api.category.as_deref(), Some("OBJECT_NOT_FOUND"));
    let request = only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, format!("/crm/v3/objects/contacts/999999?properties={READ_PROPERTIES}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_contact_unknown_email() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    let error = no_trap(host().get_contact(&setup, &get_input("nobody@example.com")).await)
        .expect_err("no contact has this email");

    assert_eq!(case(&error), "not-found");
    let request = only_request(&sandbox);
    assert_eq!(
        request.path_and_query,
        format!("/crm/v3/objects/contacts/nobody%40example.com?idProperty=email&properties={READ_PROPERTIES}")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_contact_custom_properties_json() {
    let sandbox = sandbox();
    sandbox.store().define_property(ObjectType::Contact, CUSTOM_PROPERTY, PropertyKind::Text);

    // Contact 151 has `city` set but no value for the defined custom property.
    let output = run(
        &sandbox,
        "TASK_GET_CONTACT",
        json!({"contact-id-or-email": "151", "custom-properties": ["city", CUSTOM_PROPERTY]}),
    )
    .await
    .expect("contact 151 is seeded");

    assert_eq!(output["custom-properties"], json!({"city": "São Paulo"}));
    let request = only_request(&sandbox);
    assert_eq!(
        request.path_and_query,
        format!("/crm/v3/objects/contacts/151?properties={READ_PROPERTIES},city,{CUSTOM_PROPERTY}")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_contact_custom_properties_typed() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);
    sandbox.store().define_property(ObjectType::Contact, CUSTOM_PROPERTY, PropertyKind::Text);

    let input = GetContactInput {
        contact_id_or_email: "151".to_string(),
        custom_properties: Some(vec!["city".to_string(), CUSTOM_PROPERTY.to_string()]),
    };
    let contact = no_trap(host().get_contact(&setup, &input).await).expect("contact 151 is seeded");

    assert_eq!(
        contact.custom_properties,
        vec![
            PropertyRead { name: "city".to_string(), value: Some("São Paulo".to_string()) },
            PropertyRead { name: CUSTOM_PROPERTY.to_string(), value: None },
        ]
    );
    let request = only_request(&sandbox);
    assert_eq!(
        request.path_and_query,
        format!("/crm/v3/objects/contacts/151?properties={READ_PROPERTIES},city,{CUSTOM_PROPERTY}")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_contact_json_all_fields() {
    let sandbox = sandbox();

    let output = run(
        &sandbox,
        "TASK_CREATE_CONTACT",
        json!({
            "owner-id": "1002",
            "email": "nina.costa@example.com",
            "first-name": "Nina",
            "last-name": "Costa",
            "phone-number": "+351912345678",
            "company": "Costa Lda",
            "job-title": "CFO",
            "lifecycle-stage": "lead",
            "lead-status": "NEW",
            "create-deals-association": ["9002"],
            "create-companies-association": ["701"],
            "create-tickets-association": ["4002"],
        }),
    )
    .await
    .expect("the contact is created");

    assert_eq!(keys(&output), vec!["contact-id"]);
    let contact_id = output["contact-id"].as_str().expect("contact-id is a string").to_string();

    let request = only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/crm/v3/objects/contacts");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.json(),
        json!({
            "properties": {
                "hubspot_owner_id": "1002",
                "email": "nina.costa@example.com",
                "firstname": "Nina",
                "lastname": "Costa",
                "phone": "+351912345678",
                "company": "Costa Lda",
                "jobtitle": "CFO",
                "lifecyclestage": "lead",
                "hs_lead_status": "NEW",
            },
            "associations": [
                {"to": {"id": "9002"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 4}]},
                {"to": {"id": "701"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]},
                {"to": {"id": "4002"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 15}]},
            ],
        })
    );

    // The sandbox stored the record and its three associations.
    let record = stored(&sandbox, ObjectType::Contact, &contact_id);
    assert_eq!(stored_property(&record, "email").as_deref(), Some("nina.costa@example.com"));
    assert_eq!(stored_property(&record, "hubspot_owner_id").as_deref(), Some("1002"));
    assert_eq!(stored_associations(&sandbox, ObjectType::Contact, &contact_id, ObjectType::Deal), vec![(9002, vec![4])]);
    assert_eq!(stored_associations(&sandbox, ObjectType::Contact, &contact_id, ObjectType::Company), vec![(701, vec![279])]);
    assert_eq!(stored_associations(&sandbox, ObjectType::Contact, &contact_id, ObjectType::Ticket), vec![(4002, vec![15])]);

    // Get Contact returns what was written.
    let read = run(&sandbox, "TASK_GET_CONTACT", json!({"contact-id-or-email": contact_id}))
        .await
        .expect("the new contact can be read");
    assert_eq!(read["contact-id"], Value::String(contact_id.clone()));
    assert_eq!(read["owner-id"], "1002");
    assert_eq!(read["email"], "nina.costa@example.com");
    assert_eq!(read["first-name"], "Nina");
    assert_eq!(read["last-name"], "Costa");
    assert_eq!(read["phone-number"], "+351912345678");
    assert_eq!(read["company"], "Costa Lda");
    assert_eq!(read["job-title"], "CFO");
    assert_eq!(read["lifecycle-stage"], "lead");
    assert_eq!(read["lead-status"], "NEW");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_contact_typed_minimal() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    let created = no_trap(host().create_contact(&setup, &create_input("omar.haddad@example.com")).await)
        .expect("the contact is created");

    // Only the email is sent, with an empty association list.
    let request = only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/crm/v3/objects/contacts");
    assert_eq!(request.json(), json!({"properties": {"email": "omar.haddad@example.com"}, "associations": []}));

    let contact = no_trap(host().get_contact(&setup, &get_input(&created.contact_id)).await)
        .expect("the new contact can be read");
    assert_eq!(contact.contact_id, created.contact_id);
    assert_eq!(contact.email.as_deref(), Some("omar.haddad@example.com"));
    assert_eq!(contact.first_name, None);
    assert_eq!(contact.owner_id, None);
    assert_eq!(stored_associations(&sandbox, ObjectType::Contact, &created.contact_id, ObjectType::Deal), vec![]);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_contact_custom_properties_json() {
    let sandbox = sandbox();
    sandbox.store().define_property(ObjectType::Contact, CUSTOM_PROPERTY, PropertyKind::Text);

    let output = run(
        &sandbox,
        "TASK_CREATE_CONTACT",
        json!({"email": "lena.vogel@example.com", "custom-properties": {CUSTOM_PROPERTY: "teal", "city": "Köln"}}),
    )
    .await
    .expect("the contact is created");
    let contact_id = output["contact-id"].as_str().expect("contact-id is a string").to_string();

    let request = only_request(&sandbox);
    assert_eq!(
        request.json(),
        json!({
            "properties": {"email": "lena.vogel@example.com", CUSTOM_PROPERTY: "teal", "city": "Köln"},
            "associations": [],
        })
    );
    let record = stored(&sandbox, ObjectType::Contact, &contact_id);
    assert_eq!(stored_property(&record, CUSTOM_PROPERTY).as_deref(), Some("teal"));

    let read = run(
        &sandbox,
        "TASK_GET_CONTACT",
        json!({"contact-id-or-email": contact_id, "custom-properties": [CUSTOM_PROPERTY, "city"]}),
    )
    .await
    .expect("the new contact can be read");
    assert_eq!(read["custom-properties"], json!({CUSTOM_PROPERTY: "teal", "city": "Köln"}));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_contact_custom_properties_typed() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);
    sandbox.store().define_property(ObjectType::Contact, CUSTOM_PROPERTY, PropertyKind::Text);

    let input = CreateContactInput {
        first_name: Some("Lena".to_string()),
        custom_properties: Some(vec![PropertyValue { name: CUSTOM_PROPERTY.to_string(), value: "amber".to_string() }]),
        ..create_input("lena.vogel@example.com")
    };
    let created = no_trap(host().create_contact(&setup, &input).await).expect("the contact is created");

    let request = only_request(&sandbox);
    assert_eq!(
        request.json(),
        json!({
            "properties": {"email": "lena.vogel@example.com", "firstname": "Lena", CUSTOM_PROPERTY: "amber"},
            "associations": [],
        })
    );

    let read = GetContactInput {
        contact_id_or_email: created.contact_id.clone(),
        custom_properties: Some(vec![CUSTOM_PROPERTY.to_string()]),
    };
    let contact = no_trap(host().get_contact(&setup, &read).await).expect("the new contact can be read");
    assert_eq!(
        contact.custom_properties,
        vec![PropertyRead { name: CUSTOM_PROPERTY.to_string(), value: Some("amber".to_string()) }]
    );
    assert_eq!(contact.first_name.as_deref(), Some("Lena"));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_contact_undefined_property_rejected() {
    let sandbox = sandbox();

    // Without a schema entry HubSpot rejects the name, and nothing is created.
    let error = run(
        &sandbox,
        "TASK_CREATE_CONTACT",
        json!({"email": "lena.vogel@example.com", "custom-properties": {CUSTOM_PROPERTY: "teal"}}),
    )
    .await
    .expect_err("the property is not defined");

    assert_eq!(case(&error), "api");
    let Error::Api(api) = &error else { panic!("expected api, got {error:?}") };
    assert_eq!(api.status, 400);
    assert_eq!(api.invalid_properties, vec![CUSTOM_PROPERTY.to_string()]);
    assert_eq!(lines(&sandbox), vec!["POST /crm/v3/objects/contacts"]);
    assert_eq!(sandbox.store().contact_by_email("lena.vogel@example.com"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_contact_existing_email_conflict() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    let error = no_trap(host().create_contact(&setup, &create_input("ben@example.com")).await)
        .expect_err("contact 152 already has this email");

    let Error::Conflict(conflict) = &error else { panic!("expected conflict, got {error:?}") };
    assert_eq!(conflict.api.status, 409);
    assert_eq!(conflict.existing_id.as_deref(), Some("152"));
    assert_eq!(lines(&sandbox), vec!["POST /crm/v3/objects/contacts"]);
}
