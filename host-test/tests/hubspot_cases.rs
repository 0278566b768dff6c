//! One test per HubSpot hard case. Each runs the real component in wasmtime
//! against the sandbox and checks both sides: the requests the sandbox received
//! (method, raw path and query, JSON body, how many) and the task's output or
//! error. Where a rule applies to several tasks or object types, the test checks
//! each of them.

mod common;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

use common::{case, host, invalid_field, lines, only_request, run, sandbox, setup_for};
use host_test::sandbox::wire::{encode_cursor, iso_ms, parse_timestamp_ms, percent_encode};
use host_test::sandbox::{
    Fault, Message, ObjectType, PagedRoute, PropertyKind, RecordedRequest, Sandbox, SandboxOptions, Store, Thread,
};
use host_test::types::{
    AllObjectType, ApiError, AssociationObjectType, CreateCompanyInput, CreateContactInput, CreateDealInput,
    CreateTicketInput, Error, GetAllInput, GetCompanyInput, GetContactInput, GetDealInput, GetOwnerInput,
    GetThreadInput, GetTicketInput, IdType, InsertMessageInput, PropertyRead, PropertyValue, RetrieveAssociationInput,
    UpdateDealInput, UpdateTicketInput,
};

/// The `properties` query that Get Contact sends, in the component's order.
const CONTACT_PROPERTIES: &str =
    "hubspot_owner_id,email,firstname,lastname,phone,company,jobtitle,lifecyclestage,hs_lead_status";
/// The `properties` query that Get Deal sends.
const DEAL_PROPERTIES: &str = "hubspot_owner_id,dealname,pipeline,dealstage,amount,dealtype,closedate,createdate";
/// The `properties` query that Get Company sends.
const COMPANY_PROPERTIES: &str = "hubspot_owner_id,name,domain,description,phone,industry,type,city,state,country,\
                                  zip,timezone,annualrevenue,totalrevenue,linkedin_company_page";
/// The `properties` query that Get Ticket sends.
const TICKET_PROPERTIES: &str = "hubspot_owner_id,subject,hs_pipeline_stage,hs_pipeline,hs_ticket_category,\
                                 hs_ticket_priority,source_type,hs_object_source_label,createdate,hs_lastmodifieddate";

const THREADS_PATH: &str = "/conversations/v3/conversations/threads";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Runs a JSON task and returns its output, failing the test with the task's error.
async fn run_ok(sandbox: &Sandbox, task: &str, input: Value) -> Value {
    match run(sandbox, task, input.clone()).await {
        Ok(output) => output,
        Err(error) => panic!("{task} on {input} failed: {error:?}; requests: {:?}", lines(sandbox)),
    }
}

/// Runs a JSON task that must fail and returns its error.
async fn run_err(sandbox: &Sandbox, task: &str, input: Value) -> Error {
    match run(sandbox, task, input.clone()).await {
        Ok(output) => panic!("{task} on {input} succeeded with {output}; requests: {:?}", lines(sandbox)),
        Err(error) => error,
    }
}

/// Unwraps the outer result of a typed call, which only fails when the component traps.
#[allow(clippy::result_large_err)] // The error type is the WIT's `error` variant.
fn no_trap<T>(result: anyhow::Result<Result<T, Error>>) -> Result<T, Error> {
    result.expect("the component does not trap")
}

/// Returns the requests received since the last `clear_requests`, and clears them.
fn take_requests(sandbox: &Sandbox) -> Vec<RecordedRequest> {
    let requests = sandbox.requests();
    sandbox.clear_requests();
    requests
}

/// Returns the only request received since the last `clear_requests`, and clears them.
fn take_only_request(sandbox: &Sandbox) -> RecordedRequest {
    let request = only_request(sandbox);
    sandbox.clear_requests();
    request
}

/// Returns the `api-error` of an `api` error, failing on other cases.
fn api_error(error: &Error) -> &ApiError {
    match error {
        Error::Api(api) => api,
        other => panic!("expected an api error, got {other:?}"),
    }
}

/// Returns one inline association of a create body, as HubSpot's v3 create expects it.
fn inline_association(to_id: &str, type_id: u32) -> Value {
    json!({"to": {"id": to_id}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}]})
}

/// Returns the body of a v4 association `PUT`.
fn association_spec(type_id: u32) -> Value {
    json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}])
}

/// Returns a property of a record, read straight from the sandbox's store.
fn stored(sandbox: &Sandbox, object_type: ObjectType, id: u64, name: &str) -> Option<String> {
    sandbox.store().object(object_type, id).and_then(|o| o.properties.get(name).cloned())
}

/// Parses a record ID from an output field.
fn id_of(output: &Value, field: &str) -> u64 {
    output[field]
        .as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("{field} is not a numeric ID string in {output}"))
}

/// Fails when an output contains a value that stands for "no value": `""`, `"null"`,
/// `0` or `false`. For outputs of records whose fields are all text or non-zero.
fn assert_no_placeholder_values(output: &Value, path: &str) {
    match output {
        Value::String(text) => {
            assert!(!text.is_empty(), "{path} is an empty string");
            assert_ne!(text, "null", "{path} is the string \"null\"");
        }
        Value::Number(number) => assert_ne!(number.as_f64(), Some(0.0), "{path} is 0"),
        Value::Bool(flag) => assert!(*flag, "{path} is false"),
        Value::Null => panic!("{path} is null"),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                assert_no_placeholder_values(item, &format!("{path}[{i}]"));
            }
        }
        Value::Object(map) => {
            for (key, value) in map {
                assert_no_placeholder_values(value, &format!("{path}.{key}"));
            }
        }
    }
}

/// Sends one request straight to the sandbox, bypassing the component, and returns
/// the status and the JSON body.
async fn raw_request(sandbox: &Sandbox, method: &str, target: &str, body: Option<Value>) -> (u16, Value) {
    let stream = tokio::net::TcpStream::connect(sandbox.addr()).await.expect("connect to the sandbox");
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("HTTP/1.1 handshake");
    tokio::spawn(connection);

    let body_bytes = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
    let request = http::Request::builder()
        .method(method)
        .uri(target)
        .header("host", sandbox.addr().to_string())
        .header("authorization", format!("Bearer {}", sandbox.token()))
        .header("content-type", "application/json")
        .body(Full::new(body_bytes))
        .expect("a valid request");
    let response = sender.send_request(request).await.expect("the sandbox responds");
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.expect("the body arrives").to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, json)
}

fn ms(timestamp: &str) -> i64 {
    parse_timestamp_ms(timestamp).unwrap_or_else(|| panic!("{timestamp} is a valid timestamp"))
}

/// Adds an open email thread of contact 151 with the given items (ID, creation
/// time, JSON fields), filling in the fields every item has.
fn add_thread(store: &mut Store, thread_id: u64, items: Vec<(&str, &str, Value)>) {
    store.insert_thread(Thread {
        id: thread_id,
        created_at: ms("2024-07-02T08:00:00.000Z"),
        status: "OPEN".into(),
        closed_at: None,
        inbox_id: "147959634".into(),
        associated_contact_id: "151".into(),
        original_channel_id: "1002".into(),
        original_channel_account_id: "55".into(),
        assigned_to: None,
        associated_ticket_id: None,
        spam: false,
        archived: false,
    });
    for (id, created, mut body) in items {
        body["id"] = json!(id);
        body["conversationsThreadId"] = json!(thread_id.to_string());
        body["createdAt"] = json!(created);
        body["archived"] = json!(false);
        store.insert_message(thread_id, Message { id: id.to_string(), created_at: ms(created), body });
    }
}

fn get_contact_input(key: &str, custom: Option<Vec<String>>) -> GetContactInput {
    GetContactInput { contact_id_or_email: key.to_string(), custom_properties: custom }
}

fn create_contact_input(email: &str) -> CreateContactInput {
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

fn create_deal_input(name: &str) -> CreateDealInput {
    CreateDealInput {
        owner_id: None,
        deal_name: name.to_string(),
        pipeline: "default".into(),
        deal_stage: "appointmentscheduled".into(),
        amount: None,
        deal_type: None,
        close_date: None,
        create_contacts_association: None,
        custom_properties: None,
    }
}

fn update_deal_input(id: &str) -> UpdateDealInput {
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

fn create_company_input(domain: &str) -> CreateCompanyInput {
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

fn create_ticket_input(name: &str) -> CreateTicketInput {
    CreateTicketInput {
        owner_id: None,
        ticket_name: name.to_string(),
        ticket_status: "1".into(),
        pipeline: "0".into(),
        categories: None,
        priority: None,
        source: None,
        create_contacts_association: None,
        custom_properties: None,
    }
}

fn update_ticket_input(id: &str) -> UpdateTicketInput {
    UpdateTicketInput {
        ticket_id: id.to_string(),
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

fn property(name: &str, value: &str) -> PropertyValue {
    PropertyValue { name: name.to_string(), value: value.to_string() }
}

fn read(name: &str, value: Option<&str>) -> PropertyRead {
    PropertyRead { name: name.to_string(), value: value.map(str::to_string) }
}

fn names(list: &[&str]) -> Option<Vec<String>> {
    Some(list.iter().map(|n| n.to_string()).collect())
}

// ---------------------------------------------------------------------------------------------
// Contact lookup by email or ID
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn email_lookup_encoded_once() {
    let sandbox = sandbox();

    // The email is trimmed, percent-encoded once into the path, and matched regardless of case.
    let output =
        run_ok(&sandbox, "TASK_GET_CONTACT", json!({"contact-id-or-email": "  Ana.Lima+VIP@Example.com "})).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.path_and_query,
        format!(
            "/crm/v3/objects/contacts/Ana.Lima%2BVIP%40Example.com?idProperty=email&properties={CONTACT_PROPERTIES}"
        )
    );
    assert_eq!(output["contact-id"], "151");
    assert_eq!(output["email"], "Ana.Lima+VIP@example.com");
    assert_eq!(output["first-name"], "Ana");

    // The same through the typed export.
    let typed = no_trap(
        host().get_contact(&setup_for(&sandbox), &get_contact_input("  Ana.Lima+VIP@Example.com ", None)).await,
    )
    .expect("the contact is found by email");
    let request = take_only_request(&sandbox);
    assert_eq!(
        request.path_and_query,
        format!(
            "/crm/v3/objects/contacts/Ana.Lima%2BVIP%40Example.com?idProperty=email&properties={CONTACT_PROPERTIES}"
        )
    );
    assert_eq!(typed.contact_id, "151");

    // A value without @ is an ID: trimmed, and sent without idProperty.
    let output = run_ok(&sandbox, "TASK_GET_CONTACT", json!({"contact-id-or-email": " 5101 "})).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, format!("/crm/v3/objects/contacts/5101?properties={CONTACT_PROPERTIES}"));
    assert_eq!(output["contact-id"], "5101");
    assert_eq!(output["email"], "eva.novak@example.com");

    // An unknown email is not-found after exactly one request.
    let error = run_err(&sandbox, "TASK_GET_CONTACT", json!({"contact-id-or-email": "Nobody+1@Example.com"})).await;
    let request = take_only_request(&sandbox);
    assert_eq!(
        request.path_and_query,
        format!("/crm/v3/objects/contacts/Nobody%2B1%40Example.com?idProperty=email&properties={CONTACT_PROPERTIES}")
    );
    assert_eq!(case(&error), "not-found");
    let Error::NotFound(api) = &error else { unreachable!() };
    assert_eq!(api.status, 404);
    assert_eq!(api.category.as_deref(), Some("OBJECT_NOT_FOUND"));
}

// ---------------------------------------------------------------------------------------------
// Duplicate email on create
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_email_conflict() {
    let sandbox = sandbox();
    let contacts_before = sandbox.store().count(ObjectType::Contact);

    // The sandbox matches emails regardless of case and names the existing ID.
    let error =
        run_err(&sandbox, "TASK_CREATE_CONTACT", json!({"email": "ana.lima+vip@EXAMPLE.com", "first-name": "Ana"}))
            .await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/crm/v3/objects/contacts");
    assert_eq!(
        request.json(),
        json!({"properties": {"email": "ana.lima+vip@EXAMPLE.com", "firstname": "Ana"}, "associations": []})
    );
    let Error::Conflict(conflict) = &error else { panic!("expected conflict, got {error:?}") };
    assert_eq!(conflict.existing_id.as_deref(), Some("151"));
    assert_eq!(conflict.api.status, 409);
    assert_eq!(conflict.api.category.as_deref(), Some("CONFLICT"));

    // Another existing contact, through the typed export.
    let error =
        no_trap(host().create_contact(&setup_for(&sandbox), &create_contact_input("david.chen@example.com")).await)
            .expect_err("the email exists");
    let request = take_only_request(&sandbox);
    assert_eq!(request.method, "POST");
    let Error::Conflict(conflict) = &error else { panic!("expected conflict, got {error:?}") };
    assert_eq!(conflict.existing_id.as_deref(), Some("202"));
    assert_eq!(sandbox.store().count(ObjectType::Contact), contacts_before);

    // A 409 whose message names no ID gives a conflict without existing-id.
    sandbox.inject(
        Fault::json(
            409,
            json!({"status": "error", "message": "A contact with this email already exists.",
                   "correlationId": "0b8e3c43-0000-4000-8000-000000000409", "category": "CONFLICT"}),
        )
        .on("POST", "/crm/v3/objects/contacts")
        .times(1),
    );
    let error = run_err(&sandbox, "TASK_CREATE_CONTACT", json!({"email": "new.person@example.com"})).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/crm/v3/objects/contacts");
    let Error::Conflict(conflict) = &error else { panic!("expected conflict, got {error:?}") };
    assert_eq!(conflict.existing_id, None);
    assert_eq!(conflict.api.status, 409);
    assert_eq!(sandbox.store().count(ObjectType::Contact), contacts_before);
}

// ---------------------------------------------------------------------------------------------
// Updates send only the given fields
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn update_sends_only_given_fields() {
    let sandbox = sandbox();

    // Only priority: exactly that one property.
    let output = run_ok(&sandbox, "TASK_UPDATE_TICKET", json!({"ticket-id": "4002", "priority": "HIGH"})).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.method, "PATCH");
    assert_eq!(request.path_and_query, "/crm/v3/objects/tickets/4002");
    assert_eq!(request.json(), json!({"properties": {"hs_ticket_priority": "HIGH"}}));
    assert_eq!(stored(&sandbox, ObjectType::Ticket, 4002, "hs_ticket_priority").as_deref(), Some("HIGH"));
    assert_eq!(stored(&sandbox, ObjectType::Ticket, 4002, "subject").as_deref(), Some("Invoice copy"));
    assert_eq!(stored(&sandbox, ObjectType::Ticket, 4002, "hs_pipeline_stage").as_deref(), Some("2"));
    let updated_at = iso_ms(sandbox.store().object(ObjectType::Ticket, 4002).expect("ticket 4002").updated_at);
    assert_eq!(output, json!({"updated-at": updated_at}));

    // The same rule through the typed export.
    let mut input = update_ticket_input("4001");
    input.priority = Some("MEDIUM".into());
    no_trap(host().update_ticket(&setup_for(&sandbox), &input).await).expect("ticket 4001 is updated");
    let request = take_only_request(&sandbox);
    assert_eq!(request.path_and_query, "/crm/v3/objects/tickets/4001");
    assert_eq!(request.json(), json!({"properties": {"hs_ticket_priority": "MEDIUM"}}));

    // And for deals.
    run_ok(&sandbox, "TASK_UPDATE_DEAL", json!({"deal-id": "9002", "deal-stage": "closedwon"})).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.method, "PATCH");
    assert_eq!(request.path_and_query, "/crm/v3/objects/deals/9002");
    assert_eq!(request.json(), json!({"properties": {"dealstage": "closedwon"}}));
    assert_eq!(stored(&sandbox, ObjectType::Deal, 9002, "dealname").as_deref(), Some("Starter plan"));

    // A field given as "" is sent as "" and HubSpot clears it.
    run_ok(&sandbox, "TASK_UPDATE_TICKET", json!({"ticket-id": "4001", "source": ""})).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.json(), json!({"properties": {"source_type": ""}}));
    assert_eq!(stored(&sandbox, ObjectType::Ticket, 4001, "source_type").as_deref(), Some(""));
    let (status, body) =
        raw_request(&sandbox, "GET", "/crm/v3/objects/tickets/4001?properties=source_type", None).await;
    sandbox.clear_requests();
    assert_eq!(status, 200);
    assert_eq!(body["properties"]["source_type"], "", "HubSpot returns a cleared value as \"\"");
    let ticket = run_ok(&sandbox, "TASK_GET_TICKET", json!({"ticket-id": "4001"})).await;
    sandbox.clear_requests();
    assert!(ticket.get("source").is_none(), "the cleared source is absent: {ticket}");
    assert_eq!(ticket["ticket-name"], "Login fails");

    run_ok(&sandbox, "TASK_UPDATE_DEAL", json!({"deal-id": "9001", "deal-type": "", "owner-id": ""})).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.json(), json!({"properties": {"dealtype": "", "hubspot_owner_id": ""}}));
    let deal = run_ok(&sandbox, "TASK_GET_DEAL", json!({"deal-id": "9001"})).await;
    sandbox.clear_requests();
    assert!(deal.get("deal-type").is_none(), "the cleared deal type is absent: {deal}");
    assert!(deal.get("owner-id").is_none(), "the cleared owner is absent: {deal}");
    assert_eq!(deal["deal-name"], "Q3 renewal");

    // An amount of 0 is a value, sent as "0".
    run_ok(&sandbox, "TASK_UPDATE_DEAL", json!({"deal-id": "9001", "amount": 0})).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.json(), json!({"properties": {"amount": "0"}}));
    let mut input = update_deal_input("9003");
    input.amount = Some(0.0);
    no_trap(host().update_deal(&setup_for(&sandbox), &input).await).expect("deal 9003 is updated");
    let request = take_only_request(&sandbox);
    assert_eq!(request.json(), json!({"properties": {"amount": "0"}}));
    let deal = run_ok(&sandbox, "TASK_GET_DEAL", json!({"deal-id": "9001"})).await;
    assert_eq!(deal["amount"].as_f64(), Some(0.0));
}

// ---------------------------------------------------------------------------------------------
// Empty values on read
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn empty_values_absent_on_read() {
    let sandbox = sandbox();

    // Contact 152: phone "" and hs_lead_status null.
    let contact = run_ok(&sandbox, "TASK_GET_CONTACT", json!({"contact-id-or-email": "152"})).await;
    take_only_request(&sandbox);
    assert!(contact.get("phone-number").is_none(), "{contact}");
    assert!(contact.get("lead-status").is_none(), "{contact}");
    assert!(contact.get("company").is_none(), "{contact}");
    assert_eq!(contact["first-name"], "Ben");
    assert_no_placeholder_values(&contact, "contact");
    let typed =
        no_trap(host().get_contact(&setup_for(&sandbox), &get_contact_input("152", None)).await).expect("contact 152");
    sandbox.clear_requests();
    assert_eq!(typed.phone_number, None);
    assert_eq!(typed.lead_status, None);

    // Ticket 4002: hs_ticket_category "" gives no categories.
    let ticket = run_ok(&sandbox, "TASK_GET_TICKET", json!({"ticket-id": "4002"})).await;
    take_only_request(&sandbox);
    assert_eq!(ticket["categories"], json!([]));
    assert!(ticket.get("owner-id").is_none(), "{ticket}");
    let typed = no_trap(
        host()
            .get_ticket(&setup_for(&sandbox), &GetTicketInput { ticket_id: "4002".into(), custom_properties: None })
            .await,
    )
    .expect("ticket 4002");
    sandbox.clear_requests();
    assert_eq!(typed.categories, Vec::<String>::new());

    // Deal 9003: amount "" is absent, not 0.
    let deal = run_ok(&sandbox, "TASK_GET_DEAL", json!({"deal-id": "9003"})).await;
    take_only_request(&sandbox);
    assert!(deal.get("amount").is_none(), "{deal}");
    assert!(deal.get("close-date").is_none(), "{deal}");

    // Company 701: most properties unset.
    let company = run_ok(&sandbox, "TASK_GET_COMPANY", json!({"company-id": "701"})).await;
    take_only_request(&sandbox);
    assert!(company.get("description").is_none(), "{company}");
    assert!(company.get("annual-revenue").is_none(), "{company}");
    assert_eq!(company["company-name"], "Atlas Freight");

    // Responses where every property is null or "": only the ID remains.
    let created = "2024-05-01T10:00:00.000Z";
    let cases = [
        (
            "TASK_GET_CONTACT",
            json!({"contact-id-or-email": "152", "custom-properties": ["favorite_color", "nickname"]}),
            "/crm/v3/objects/contacts/152",
            json!({"id": "152", "properties": {
                "hubspot_owner_id": "", "email": null, "firstname": "", "lastname": null, "phone": "",
                "company": null, "jobtitle": "", "lifecyclestage": null, "hs_lead_status": "",
                "favorite_color": null, "nickname": ""}}),
            json!({"contact-id": "152", "custom-properties": {}}),
        ),
        (
            "TASK_GET_DEAL",
            json!({"deal-id": "9003"}),
            "/crm/v3/objects/deals/9003",
            json!({"id": "9003", "properties": {
                "hubspot_owner_id": null, "dealname": "", "pipeline": null, "dealstage": "", "amount": "",
                "dealtype": null, "closedate": "", "createdate": null}}),
            json!({"associated-contact-ids": [], "custom-properties": {}}),
        ),
        (
            "TASK_GET_DEAL",
            json!({"deal-id": "9003"}),
            "/crm/v3/objects/deals/9003",
            json!({"id": "9003", "properties": {"amount": null}}),
            json!({"associated-contact-ids": [], "custom-properties": {}}),
        ),
        (
            "TASK_GET_COMPANY",
            json!({"company-id": "701"}),
            "/crm/v3/objects/companies/701",
            json!({"id": "701", "properties": {
                "name": "", "domain": null, "annualrevenue": "", "totalrevenue": null, "zip": "", "phone": null}}),
            json!({"associated-contact-ids": [], "custom-properties": {}}),
        ),
        (
            "TASK_GET_TICKET",
            json!({"ticket-id": "4002"}),
            "/crm/v3/objects/tickets/4002",
            json!({"id": "4002", "properties": {
                "subject": "", "hs_pipeline_stage": null, "hs_ticket_category": null, "hs_ticket_priority": "",
                "source_type": null, "hs_object_source_label": "", "createdate": "", "hs_lastmodifieddate": null}}),
            json!({"categories": [], "associated-contact-ids": [], "custom-properties": {}}),
        ),
    ];
    for (task, input, path, mut body, expected) in cases {
        body["createdAt"] = json!(created);
        body["updatedAt"] = json!(created);
        body["archived"] = json!(false);
        sandbox.inject(Fault::json(200, body).on("GET", path).times(1));
        let output = run_ok(&sandbox, task, input).await;
        let request = take_only_request(&sandbox);
        assert!(request.path_and_query.starts_with(&format!("{path}?")), "{task}: {}", request.path_and_query);
        assert_eq!(output, expected, "{task}");
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn numbers_parsed_and_formatted() {
    let sandbox = sandbox();

    // Decimal strings become numbers. "0" is a value, and "" is absent.
    let deal = run_ok(&sandbox, "TASK_GET_DEAL", json!({"deal-id": "9001"})).await;
    take_only_request(&sandbox);
    assert_eq!(deal["amount"].as_f64(), Some(1_234_567.89));
    let deal = run_ok(&sandbox, "TASK_GET_DEAL", json!({"deal-id": "9002"})).await;
    take_only_request(&sandbox);
    assert_eq!(deal["amount"].as_f64(), Some(0.0));
    let deal = run_ok(&sandbox, "TASK_GET_DEAL", json!({"deal-id": "9003"})).await;
    take_only_request(&sandbox);
    assert!(deal.get("amount").is_none(), "{deal}");
    let typed = no_trap(
        host().get_deal(&setup_for(&sandbox), &GetDealInput { deal_id: "9002".into(), custom_properties: None }).await,
    )
    .expect("deal 9002");
    sandbox.clear_requests();
    assert_eq!(typed.amount, Some(0.0));

    let company = run_ok(&sandbox, "TASK_GET_COMPANY", json!({"company-id": "700"})).await;
    take_only_request(&sandbox);
    assert_eq!(company["annual-revenue"].as_f64(), Some(1_500_000.0));
    assert_eq!(company["total-revenue"].as_f64(), Some(250_000.5));

    // Amounts are sent as plain decimal strings, never with an exponent.
    for (amount, sent) in [(json!(19.99), "19.99"), (json!(1e21), "1000000000000000000000"), (json!(0), "0")] {
        run_ok(&sandbox, "TASK_CREATE_DEAL", json!({
            "deal-name": "Amount check", "pipeline": "default", "deal-stage": "appointmentscheduled", "amount": amount,
        }))
        .await;
        let request = take_only_request(&sandbox);
        assert_eq!(request.method, "POST");
        assert_eq!(request.path_and_query, "/crm/v3/objects/deals");
        assert_eq!(request.json()["properties"]["amount"], sent, "amount {amount}");
    }
    let mut input = create_deal_input("Typed amount");
    input.amount = Some(1e21);
    no_trap(host().create_deal(&setup_for(&sandbox), &input).await).expect("the deal is created");
    let request = take_only_request(&sandbox);
    assert_eq!(request.json()["properties"]["amount"], "1000000000000000000000");
    run_ok(&sandbox, "TASK_CREATE_COMPANY", json!({"company-domain": "revenue.example", "annual-revenue": 2500000.5}))
        .await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.json()["properties"]["annualrevenue"], "2500000.5");

    // A number property that is not a number is an invalid response naming it.
    let base =
        json!({"createdAt": "2024-05-01T10:00:00.000Z", "updatedAt": "2024-05-01T10:00:00.000Z", "archived": false});
    let mut deal_body = base.clone();
    deal_body["id"] = json!("9001");
    deal_body["properties"] = json!({"dealname": "Q3 renewal", "amount": "1.234.567,89"});
    sandbox.inject(Fault::json(200, deal_body).on("GET", "/crm/v3/objects/deals/9001").times(1));
    let error = run_err(&sandbox, "TASK_GET_DEAL", json!({"deal-id": "9001"})).await;
    take_only_request(&sandbox);
    let Error::InvalidResponse(response) = &error else { panic!("expected invalid-response, got {error:?}") };
    assert!(response.message.contains("amount"), "{}", response.message);
    assert_eq!(response.status, 200);

    let mut company_body = base;
    company_body["id"] = json!("700");
    company_body["properties"] = json!({"name": "Lima Consulting", "annualrevenue": "n/a"});
    sandbox.inject(Fault::json(200, company_body).on("GET", "/crm/v3/objects/companies/700").times(1));
    let error = run_err(&sandbox, "TASK_GET_COMPANY", json!({"company-id": "700"})).await;
    take_only_request(&sandbox);
    let Error::InvalidResponse(response) = &error else { panic!("expected invalid-response, got {error:?}") };
    assert!(response.message.contains("annualrevenue"), "{}", response.message);
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn dates_checked_and_passed_through() {
    let sandbox = sandbox();
    let deal_fields = json!({"deal-name": "Dated deal", "pipeline": "default", "deal-stage": "appointmentscheduled"});
    let with = |key: &str, value: Value| {
        let mut input = deal_fields.clone();
        input[key] = value;
        input
    };

    // ISO 8601 is sent as given. The sandbox stores it with milliseconds, and Get Deal
    // returns what HubSpot returns.
    let output = run_ok(&sandbox, "TASK_CREATE_DEAL", with("close-date", json!("2024-07-09T00:00:00Z"))).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.json()["properties"]["closedate"], "2024-07-09T00:00:00Z");
    let deal_id = id_of(&output, "deal-id");
    assert_eq!(stored(&sandbox, ObjectType::Deal, deal_id, "closedate").as_deref(), Some("2024-07-09T00:00:00.000Z"));
    let deal = run_ok(&sandbox, "TASK_GET_DEAL", json!({"deal-id": deal_id.to_string()})).await;
    take_only_request(&sandbox);
    assert_eq!(deal["close-date"], "2024-07-09T00:00:00.000Z");

    // Epoch milliseconds are sent as given.
    run_ok(&sandbox, "TASK_CREATE_DEAL", with("close-date", json!("1720483200000"))).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.json()["properties"]["closedate"], "1720483200000");

    // Epoch seconds are rejected before any request, on create and update.
    let error = run_err(&sandbox, "TASK_CREATE_DEAL", with("close-date", json!("1720483200"))).await;
    assert_eq!(invalid_field(&error), "close-date");
    assert_eq!(sandbox.requests().len(), 0, "{:?}", lines(&sandbox));
    let error = run_err(&sandbox, "TASK_UPDATE_DEAL", json!({"deal-id": "9001", "close-date": "1720483200"})).await;
    assert_eq!(invalid_field(&error), "close-date");
    let mut input = create_deal_input("Typed seconds");
    input.close_date = Some("1720483200".into());
    let error =
        no_trap(host().create_deal(&setup_for(&sandbox), &input).await).expect_err("epoch seconds are rejected");
    assert_eq!(invalid_field(&error), "close-date");
    assert_eq!(sandbox.requests().len(), 0, "{:?}", lines(&sandbox));

    // Dates come out exactly as HubSpot returns them, with or without milliseconds.
    sandbox.inject(
        Fault::json(200, json!({
            "id": "9001", "createdAt": "2024-05-01T10:00:00Z", "updatedAt": "2024-05-01T10:00:00Z", "archived": false,
            "properties": {"dealname": "Q3 renewal", "closedate": "2024-07-09T00:00:00Z", "createdate": "2024-05-01T10:00:00Z"},
        }))
        .on("GET", "/crm/v3/objects/deals/9001")
        .times(1),
    );
    let deal = run_ok(&sandbox, "TASK_GET_DEAL", json!({"deal-id": "9001"})).await;
    take_only_request(&sandbox);
    assert_eq!(deal["close-date"], "2024-07-09T00:00:00Z");
    assert_eq!(deal["create-date"], "2024-05-01T10:00:00Z");
    let ticket = run_ok(&sandbox, "TASK_GET_TICKET", json!({"ticket-id": "4001"})).await;
    take_only_request(&sandbox);
    assert_eq!(ticket["create-date"], "2024-05-01T10:00:00.000Z");
    assert_eq!(ticket["last-modified-date"], "2024-06-02T08:30:11.123Z");
    let contact = run_ok(
        &sandbox,
        "TASK_GET_CONTACT",
        json!({"contact-id-or-email": "151", "custom-properties": ["date_of_birth"]}),
    )
    .await;
    take_only_request(&sandbox);
    assert_eq!(contact["custom-properties"], json!({"date_of_birth": "1985-03-14"}));

    // A date-only property not at midnight: HubSpot's 400 INVALID_DATE names the property.
    let deals_before = sandbox.store().count(ObjectType::Deal);
    let error = run_err(
        &sandbox,
        "TASK_CREATE_DEAL",
        with("custom-properties", json!({"renewal_date": "2024-07-09T10:00:00Z"})),
    )
    .await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.json()["properties"]["renewal_date"], "2024-07-09T10:00:00Z");
    let api = api_error(&error);
    assert_eq!(api.status, 400);
    assert_eq!(api.category.as_deref(), Some("VALIDATION_ERROR"));
    assert_eq!(api.invalid_properties, vec!["renewal_date".to_string()]);
    assert!(api.message.contains("INVALID_DATE"), "{}", api.message);
    assert_eq!(sandbox.store().count(ObjectType::Deal), deals_before);

    let error = run_err(
        &sandbox,
        "TASK_UPDATE_DEAL",
        json!({"deal-id": "9001", "custom-properties": {"renewal_date": "2024-07-09T10:00:00Z"}}),
    )
    .await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.method, "PATCH");
    assert_eq!(api_error(&error).invalid_properties, vec!["renewal_date".to_string()]);
    assert_eq!(stored(&sandbox, ObjectType::Deal, 9001, "renewal_date"), None);

    let error = run_err(
        &sandbox,
        "TASK_CREATE_CONTACT",
        json!({"email": "dated@example.com", "custom-properties": {"date_of_birth": "1990-01-01T10:00:00Z"}}),
    )
    .await;
    take_only_request(&sandbox);
    assert_eq!(api_error(&error).invalid_properties, vec!["date_of_birth".to_string()]);
}

// ---------------------------------------------------------------------------------------------
// Association type IDs by direction
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn association_type_ids_by_direction() {
    let sandbox = sandbox();

    // Ticket to contact: 16, both contacts inline in the one create.
    let output = run_ok(&sandbox, "TASK_CREATE_TICKET", json!({
        "ticket-name": "Two contacts", "ticket-status": "1", "pipeline": "0", "create-contacts-association": ["201", "202"],
    }))
    .await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/crm/v3/objects/tickets");
    assert_eq!(request.json()["associations"], json!([inline_association("201", 16), inline_association("202", 16)]));
    let ticket_id = id_of(&output, "ticket-id");
    assert_eq!(
        sandbox.store().associations(ObjectType::Ticket, ticket_id, ObjectType::Contact),
        vec![(201, vec![16]), (202, vec![16])]
    );

    // Deal to contact: 3.
    let output = run_ok(
        &sandbox,
        "TASK_CREATE_DEAL",
        json!({
            "deal-name": "With contact", "pipeline": "default", "deal-stage": "appointmentscheduled",
            "create-contacts-association": ["201"],
        }),
    )
    .await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.json()["associations"], json!([inline_association("201", 3)]));
    let deal_id = id_of(&output, "deal-id");
    assert_eq!(sandbox.store().associations(ObjectType::Deal, deal_id, ObjectType::Contact), vec![(201, vec![3])]);

    // Company to contact: 280.
    let output = run_ok(
        &sandbox,
        "TASK_CREATE_COMPANY",
        json!({
            "company-domain": "assoc.example", "create-contacts-association": ["151"],
        }),
    )
    .await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.json()["associations"], json!([inline_association("151", 280)]));
    let company_id = id_of(&output, "company-id");
    assert_eq!(
        sandbox.store().associations(ObjectType::Company, company_id, ObjectType::Contact),
        vec![(151, vec![280])]
    );

    // Contact to deal, company and ticket: 4, 279 and 15.
    let mut input = create_contact_input("linked@example.com");
    input.create_deals_association = names(&["9002"]);
    input.create_companies_association = names(&["701"]);
    input.create_tickets_association = names(&["4002"]);
    let created = no_trap(host().create_contact(&setup_for(&sandbox), &input).await).expect("the contact is created");
    let request = take_only_request(&sandbox);
    assert_eq!(
        request.json()["associations"],
        json!([inline_association("9002", 4), inline_association("701", 279), inline_association("4002", 15)])
    );
    let contact_id: u64 = created.contact_id.parse().expect("a numeric contact ID");
    {
        let store = sandbox.store();
        assert_eq!(store.associations(ObjectType::Contact, contact_id, ObjectType::Deal), vec![(9002, vec![4])]);
        assert_eq!(store.associations(ObjectType::Contact, contact_id, ObjectType::Company), vec![(701, vec![279])]);
        assert_eq!(store.associations(ObjectType::Contact, contact_id, ObjectType::Ticket), vec![(4002, vec![15])]);
    }

    // An unknown target: HubSpot rejects the whole create and nothing is created.
    let deals_before = sandbox.store().count(ObjectType::Deal);
    let error = run_err(
        &sandbox,
        "TASK_CREATE_DEAL",
        json!({
            "deal-name": "Unknown contact", "pipeline": "default", "deal-stage": "appointmentscheduled",
            "create-contacts-association": ["424242"],
        }),
    )
    .await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.json()["associations"], json!([inline_association("424242", 3)]));
    let api = api_error(&error);
    assert_eq!(api.status, 400);
    assert!(api.message.contains("One or more associations are invalid"), "{}", api.message);
    assert_eq!(sandbox.store().count(ObjectType::Deal), deals_before);

    // A wrong direction (15 is contact to ticket) is rejected the same way. A raw request checks
    // it, because the component never sends one.
    let tickets_before = sandbox.store().count(ObjectType::Ticket);
    let (status, body) = raw_request(
        &sandbox,
        "POST",
        "/crm/v3/objects/tickets",
        Some(json!({"properties": {"subject": "Wrong way", "hs_pipeline": "0", "hs_pipeline_stage": "1"},
                    "associations": [inline_association("201", 15)]})),
    )
    .await;
    sandbox.clear_requests();
    assert_eq!(status, 400);
    assert_eq!(body["message"], "One or more associations are invalid");
    assert_eq!(sandbox.store().count(ObjectType::Ticket), tickets_before);

    // Updates add associations after the PATCH, one v4 PUT each: deal 3, ticket 16.
    run_ok(
        &sandbox,
        "TASK_UPDATE_DEAL",
        json!({
            "deal-id": "9002", "deal-name": "Starter plan (annual)", "create-contacts-association": ["201", "202"],
        }),
    )
    .await;
    let requests = take_requests(&sandbox);
    let request_lines: Vec<String> = requests.iter().map(|r| format!("{} {}", r.method, r.path_and_query)).collect();
    assert_eq!(
        request_lines,
        vec![
            "PATCH /crm/v3/objects/deals/9002",
            "PUT /crm/v4/objects/deals/9002/associations/contacts/201",
            "PUT /crm/v4/objects/deals/9002/associations/contacts/202",
        ]
    );
    assert_eq!(requests[0].json(), json!({"properties": {"dealname": "Starter plan (annual)"}}));
    assert_eq!(requests[1].json(), association_spec(3));
    assert_eq!(requests[2].json(), association_spec(3));
    // The contact created above is associated with deal 9002 too (type 4, whose inverse is 3).
    assert_eq!(
        sandbox.store().associations(ObjectType::Deal, 9002, ObjectType::Contact),
        vec![(201, vec![3]), (202, vec![3]), (contact_id, vec![3])]
    );

    let mut input = update_ticket_input("4002");
    input.priority = Some("MEDIUM".into());
    input.create_contacts_association = names(&["202"]);
    no_trap(host().update_ticket(&setup_for(&sandbox), &input).await).expect("ticket 4002 is updated");
    let requests = take_requests(&sandbox);
    let request_lines: Vec<String> = requests.iter().map(|r| format!("{} {}", r.method, r.path_and_query)).collect();
    assert_eq!(
        request_lines,
        vec!["PATCH /crm/v3/objects/tickets/4002", "PUT /crm/v4/objects/tickets/4002/associations/contacts/202"]
    );
    assert_eq!(requests[1].json(), association_spec(16));
    assert_eq!(
        sandbox.store().associations(ObjectType::Ticket, 4002, ObjectType::Contact),
        vec![(202, vec![16]), (contact_id, vec![16])]
    );

    // A failed association step after the PATCH is a partial write that reports the update as
    // applied, and the sandbox shows the PATCH applied.
    sandbox.inject(Fault::status(400).on("PUT", "/crm/v4/objects/tickets/4001/associations/contacts/202").times(1));
    let error = run_err(
        &sandbox,
        "TASK_UPDATE_TICKET",
        json!({
            "ticket-id": "4001", "ticket-name": "Login fails (SSO)", "create-contacts-association": ["201", "202"],
        }),
    )
    .await;
    let requests = take_requests(&sandbox);
    let request_lines: Vec<String> = requests.iter().map(|r| format!("{} {}", r.method, r.path_and_query)).collect();
    assert_eq!(
        request_lines,
        vec![
            "PATCH /crm/v3/objects/tickets/4001",
            "PUT /crm/v4/objects/tickets/4001/associations/contacts/201",
            "PUT /crm/v4/objects/tickets/4001/associations/contacts/202",
        ]
    );
    let Error::PartialWrite(partial) = &error else { panic!("expected partial-write, got {error:?}") };
    assert_eq!(partial.record_id, "4001");
    assert_eq!(partial.status, Some(400));
    assert!(partial.applied.contains("ticket 4001 was updated"), "{}", partial.applied);
    assert!(partial.applied.contains("201"), "the association that succeeded is named: {}", partial.applied);
    assert!(partial.message.contains("202"), "{}", partial.message);
    assert_eq!(stored(&sandbox, ObjectType::Ticket, 4001, "subject").as_deref(), Some("Login fails (SSO)"));
    let ticket_contacts: Vec<u64> = sandbox
        .store()
        .associations(ObjectType::Ticket, 4001, ObjectType::Contact)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ticket_contacts, vec![151, 201]);

    sandbox.inject(Fault::status(404).on("PUT", "/crm/v4/objects/deals/9001/associations/contacts/").times(1));
    let mut input = update_deal_input("9001");
    input.deal_stage = Some("closedwon".into());
    input.create_contacts_association = names(&["201"]);
    let error = no_trap(host().update_deal(&setup_for(&sandbox), &input).await).expect_err("the association fails");
    let requests = take_requests(&sandbox);
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[0].method, "PATCH");
    assert_eq!(requests[1].method, "PUT");
    let Error::PartialWrite(partial) = &error else { panic!("expected partial-write, got {error:?}") };
    assert_eq!(partial.record_id, "9001");
    assert_eq!(partial.status, Some(404));
    assert!(partial.applied.contains("deal 9001 was updated"), "{}", partial.applied);
    assert_eq!(stored(&sandbox, ObjectType::Deal, 9001, "dealstage").as_deref(), Some("closedwon"));
}

// ---------------------------------------------------------------------------------------------
// Association pages
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn association_pages_deduplicated() {
    let sandbox = sandbox();
    let path = "/crm/v4/objects/contacts/151/associations/companies";
    let link = |after: &str| format!("https://api.hubapi.com{path}?after={after}");
    let primary = json!({"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"});
    let unlabeled = json!({"category": "HUBSPOT_DEFINED", "typeId": 279, "label": null});

    // Scripted pages: 700 with two labels on page 1, again on page 3. Faults match in the
    // order injected, so the cursor-specific pages come first.
    sandbox.inject(
        Fault::json(
            200,
            json!({"results": [
                {"toObjectId": 702, "associationTypes": [unlabeled]},
                {"toObjectId": 700, "associationTypes": [primary, unlabeled]},
            ]}),
        )
        .on("GET", path)
        .query_contains("after=MC0yLTcwMQ%253D%253D")
        .times(1),
    );
    sandbox.inject(
        Fault::json(
            200,
            json!({
                "results": [{"toObjectId": 701, "associationTypes": [unlabeled]}],
                "paging": {"next": {"after": "MC0yLTcwMQ%3D%3D", "link": link("MC0yLTcwMQ%3D%3D")}},
            }),
        )
        .on("GET", path)
        .query_contains("after=MC0yLTcwMA%253D%253D")
        .times(1),
    );
    sandbox.inject(
        Fault::json(
            200,
            json!({
                "results": [{"toObjectId": 700, "associationTypes": [primary, unlabeled]}],
                "paging": {"next": {"after": "MC0yLTcwMA%3D%3D", "link": link("MC0yLTcwMA%3D%3D")}},
            }),
        )
        .on("GET", path)
        .times(1),
    );

    let output =
        run_ok(&sandbox, "TASK_RETRIEVE_ASSOCIATION", json!({"contact-id": "151", "object-type": "Companies"})).await;
    assert_eq!(output, json!({"object-ids": ["700", "701", "702"], "object-ids-length": 3}));
    // Every request reached the sandbox (the host denies any other origin), so the absolute
    // link was never followed. The cursor was encoded exactly once.
    assert_eq!(
        lines(&sandbox),
        vec![
            format!("GET {path}?limit=500"),
            format!("GET {path}?limit=500&after=MC0yLTcwMA%253D%253D"),
            format!("GET {path}?limit=500&after=MC0yLTcwMQ%253D%253D"),
        ]
    );
    sandbox.clear_requests();

    // The sandbox's own paging, one target per page, through the typed export.
    sandbox.set_page_size(PagedRoute::V4Associations, 1);
    let input = RetrieveAssociationInput { contact_id: "151".into(), object_type: AssociationObjectType::Companies };
    let typed =
        no_trap(host().retrieve_association(&setup_for(&sandbox), &input).await).expect("the companies are listed");
    assert_eq!(typed.object_ids, vec!["700", "701", "702"]);
    assert_eq!(typed.object_ids_length, 3);
    let second = percent_encode(&encode_cursor("v4", 701));
    let third = percent_encode(&encode_cursor("v4", 702));
    assert!(second.contains("%253D"), "the sandbox's cursor carries %3D: {second}");
    assert_eq!(
        lines(&sandbox),
        vec![
            format!("GET {path}?limit=500"),
            format!("GET {path}?limit=500&after={second}"),
            format!("GET {path}?limit=500&after={third}"),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Threads of a contact
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn contact_threads_open_and_closed() {
    let sandbox = sandbox();

    let output =
        run_ok(&sandbox, "TASK_RETRIEVE_ASSOCIATION", json!({"contact-id": "151", "object-type": "Threads"})).await;
    assert_eq!(output, json!({"object-ids": ["8001", "8002"], "object-ids-length": 2}));
    assert_eq!(
        lines(&sandbox),
        vec![
            format!("GET {THREADS_PATH}?associatedContactId=151&threadStatus=OPEN&limit=100"),
            format!("GET {THREADS_PATH}?associatedContactId=151&threadStatus=CLOSED&limit=100"),
        ]
    );
    sandbox.clear_requests();

    let input = RetrieveAssociationInput { contact_id: "152".into(), object_type: AssociationObjectType::Threads };
    let typed =
        no_trap(host().retrieve_association(&setup_for(&sandbox), &input).await).expect("the threads are listed");
    assert_eq!(typed.object_ids, vec!["8003"]);
    assert_eq!(take_requests(&sandbox).len(), 2);

    // A thread that changed status between the two queries is listed once.
    sandbox.inject(
        Fault::json(200, json!({"results": [{"id": "8002"}, {"id": "8001"}]}))
            .on("GET", THREADS_PATH)
            .query_contains("threadStatus=CLOSED")
            .times(1),
    );
    let output =
        run_ok(&sandbox, "TASK_RETRIEVE_ASSOCIATION", json!({"contact-id": "151", "object-type": "Threads"})).await;
    assert_eq!(output, json!({"object-ids": ["8001", "8002"], "object-ids-length": 2}));
    assert_eq!(take_requests(&sandbox).len(), 2);

    // The sandbox requires threadStatus with associatedContactId, as HubSpot does.
    let (status, body) = raw_request(&sandbox, "GET", &format!("{THREADS_PATH}?associatedContactId=151"), None).await;
    assert_eq!(status, 400);
    assert_eq!(body["category"], "VALIDATION_ERROR");
    let (status, body) =
        raw_request(&sandbox, "GET", &format!("{THREADS_PATH}?associatedContactId=151&threadStatus=OPEN"), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["results"][0]["id"], "8001");
}

// ---------------------------------------------------------------------------------------------
// Get All
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn get_all_follows_cursor() {
    let sandbox =
        Sandbox::start_with(SandboxOptions { seed: false, ..SandboxOptions::default() }).expect("the sandbox starts");
    let ids = sandbox.seed_contacts(10_053);
    let archived = [ids[0].clone(), ids[5_000].clone(), ids[10_052].clone()];
    {
        let mut store = sandbox.store();
        for id in &archived {
            assert!(store.archive(ObjectType::Contact, id.parse().expect("numeric ID")), "contact {id} is archived");
        }
    }
    let active: Vec<String> = ids.iter().filter(|id| !archived.contains(id)).cloned().collect();
    assert_eq!(active.len(), 10_050);

    let output = run_ok(&sandbox, "TASK_GET_ALL", json!({"object-type": "Contacts"})).await;
    let object_ids: Vec<String> = output["object-ids"]
        .as_array()
        .expect("object-ids")
        .iter()
        .map(|v| v.as_str().expect("string ID").to_string())
        .collect();
    assert_eq!(output["object-ids-length"], 10_050);
    assert_eq!(object_ids, active, "every active contact once, in order, archived ones left out");

    // 101 requests, each with limit=100 and the previous page's cursor, encoded once.
    let requests = take_requests(&sandbox);
    assert_eq!(requests.len(), 101);
    for (page, request) in requests.iter().enumerate() {
        assert_eq!(request.method, "GET", "page {page}");
        let mut expected = "/crm/v3/objects/contacts?limit=100&properties=hs_object_id".to_string();
        if page > 0 {
            let next: u64 = active[page * 100].parse().expect("numeric ID");
            expected.push_str(&format!("&after={}", percent_encode(&encode_cursor("0-1", next))));
        }
        assert_eq!(request.path_and_query, expected, "page {page}");
    }
    assert!(requests.iter().all(|r| !r.path().contains("/search")), "the search endpoint is never used");

    // The loop stops on a missing paging, a paging without next, empty results, and a
    // repeated cursor. Checked for the CRM, thread and owner lists.
    let lists = [
        ("Contacts", "/crm/v3/objects/contacts", "?limit=100&properties=hs_object_id"),
        ("Threads", THREADS_PATH, "?limit=100"),
        ("Owners", "/crm/v3/owners", "?limit=100"),
    ];
    let next =
        |after: &str| json!({"next": {"after": after, "link": format!("https://api.hubapi.com/x?after={after}")}});
    for (object_type, path, query) in lists {
        let scenarios: [(&str, Vec<Value>, Vec<&str>); 4] = [
            ("no paging", vec![json!({"results": [{"id": "11"}, {"id": "12"}]})], vec!["11", "12"]),
            ("paging without next", vec![json!({"results": [{"id": "11"}], "paging": {}})], vec!["11"]),
            (
                "empty page",
                vec![
                    json!({"results": [{"id": "11"}], "paging": next("c1")}),
                    json!({"results": [], "paging": next("c2")}),
                ],
                vec!["11"],
            ),
            (
                "repeated cursor",
                vec![
                    json!({"results": [{"id": "11"}], "paging": next("c1")}),
                    json!({"results": [{"id": "12"}, {"id": "11"}], "paging": next("c1")}),
                ],
                vec!["11", "12"],
            ),
        ];
        for (scenario, pages, expected_ids) in scenarios {
            sandbox.clear_faults();
            if let Some(second) = pages.get(1) {
                sandbox.inject(Fault::json(200, second.clone()).on("GET", path).query_contains("after=c1").times(1));
            }
            sandbox.inject(Fault::json(200, pages[0].clone()).on("GET", path).times(1));

            let output = run_ok(&sandbox, "TASK_GET_ALL", json!({"object-type": object_type})).await;
            assert_eq!(output["object-ids"], json!(expected_ids), "{object_type}, {scenario}");
            let mut expected_lines = vec![format!("GET {path}{query}")];
            if pages.len() > 1 {
                expected_lines.push(format!("GET {path}{query}&after=c1"));
            }
            assert_eq!(lines(&sandbox), expected_lines, "{object_type}, {scenario}");
            sandbox.clear_requests();
        }
    }

    sandbox.clear_faults();
    let typed =
        no_trap(host().get_all(&setup_for(&sandbox), &GetAllInput { object_type: AllObjectType::Contacts }).await)
            .expect("the contacts are listed");
    assert_eq!(typed.object_ids_length, 10_050);
}

// ---------------------------------------------------------------------------------------------
// Get Thread
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn thread_keeps_only_messages() {
    let sandbox = sandbox();
    let ana_address = json!({"type": "HS_EMAIL_ADDRESS", "value": "Ana.Lima+VIP@example.com"});
    add_thread(
        &mut sandbox.store(),
        8100,
        vec![
            (
                "m-8100-1",
                "2024-07-02T09:00:00.000Z",
                json!({
                    "type": "MESSAGE", "createdBy": "V-151", "client": {"clientType": "HUBSPOT"},
                    "senders": [{"actorId": "V-151", "name": "Ana Lima", "senderField": "FROM", "deliveryIdentifier": ana_address}],
                    "recipients": [{"actorId": "E-billing@lima-helpdesk.example", "recipientField": "TO",
                                    "deliveryIdentifier": {"type": "HS_EMAIL_ADDRESS", "value": "billing@lima-helpdesk.example"}}],
                    "subject": "Invoice", "text": "Can I get the invoice?", "attachments": [], "truncationStatus": "NOT_TRUNCATED",
                    "status": {"statusType": "RECEIVED"}, "direction": "INCOMING", "channelId": "1002", "channelAccountId": "55",
                }),
            ),
            // A type this API does not document, with fields of unexpected shapes.
            (
                "m-8100-2",
                "2024-07-02T09:10:00.000Z",
                json!({
                    "type": "VIDEO_CALL_NOTE", "createdBy": "S-hubspot", "client": {"clientType": "SYSTEM"},
                    "senders": "not a list", "recipients": 7, "durationSeconds": 300,
                }),
            ),
            (
                "m-8100-3",
                "2024-07-02T09:20:00.000Z",
                json!({
                    "type": "THREAD_STATUS_CHANGE", "createdBy": "A-2001", "client": {"clientType": "HUBSPOT"},
                    "senders": [], "recipients": [], "newStatus": "OPEN",
                }),
            ),
            (
                "m-8100-4",
                "2024-07-02T09:30:00.000Z",
                json!({
                    "type": "COMMENT", "createdBy": "A-2001", "client": {"clientType": "HUBSPOT"},
                    "senders": [{"actorId": "A-2001", "name": "Maria Silva"}], "recipients": [],
                    "text": "Billing bot will answer.", "attachments": [],
                }),
            ),
            (
                "m-8100-5",
                "2024-07-02T10:00:00.000Z",
                json!({
                    "type": "MESSAGE", "createdBy": "I-4242", "client": {"clientType": "INTEGRATION", "integrationAppId": 4242},
                    "senders": [{"actorId": "I-4242", "name": "Billing Bot"}],
                    "recipients": [{"actorId": "V-151", "name": "Ana Lima", "recipientField": "TO", "deliveryIdentifier": ana_address}],
                    "subject": "Re: Invoice", "text": "Your invoice is attached.",
                    "attachments": [{"type": "FILE", "fileId": "190866459", "fileUsageType": "OTHER", "name": "invoice.pdf",
                                     "url": "https://files.example/190866459/invoice.pdf"}],
                    "truncationStatus": "NOT_TRUNCATED", "status": {"statusType": "SENT"}, "direction": "OUTGOING",
                    "channelId": "1002", "channelAccountId": "55",
                }),
            ),
        ],
    );

    let output = run_ok(&sandbox, "TASK_GET_THREAD", json!({"thread-id": "8100"})).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, format!("{THREADS_PATH}/8100/messages?limit=100"));
    assert_eq!(
        output,
        json!({
            "results": [
                {
                    "created-at": "2024-07-02T10:00:00.000Z",
                    "sender": {"sender-name": "Billing Bot", "sender-actor-id": "I-4242"},
                    "recipients": [{"name": "Ana Lima", "type": "HS_EMAIL_ADDRESS", "value": "Ana.Lima+VIP@example.com"}],
                    "text": "Your invoice is attached.",
                    "subject": "Re: Invoice",
                    "channel-id": "1002",
                    "channel-account-id": "55",
                },
                {
                    "created-at": "2024-07-02T09:00:00.000Z",
                    "sender": {"sender-name": "Ana Lima", "sender-type": "HS_EMAIL_ADDRESS",
                               "sender-value": "Ana.Lima+VIP@example.com", "sender-actor-id": "V-151"},
                    "recipients": [{"type": "HS_EMAIL_ADDRESS", "value": "billing@lima-helpdesk.example"}],
                    "text": "Can I get the invoice?",
                    "subject": "Invoice",
                    "channel-id": "1002",
                    "channel-account-id": "55",
                },
            ],
            "no-of-messages": 2,
        })
    );

    let typed = no_trap(host().get_thread(&setup_for(&sandbox), &GetThreadInput { thread_id: "8100".into() }).await)
        .expect("thread 8100 is read");
    take_only_request(&sandbox);
    assert_eq!(typed.no_of_messages, 2);
    assert_eq!(typed.results[1].recipients[0].name, None);
    assert_eq!(typed.results[1].recipients[0].value.as_deref(), Some("billing@lima-helpdesk.example"));

    // The seeded thread mixes every item type: only its four MESSAGEs, newest first.
    let output = run_ok(&sandbox, "TASK_GET_THREAD", json!({"thread-id": "8001"})).await;
    take_only_request(&sandbox);
    let created: Vec<&str> =
        output["results"].as_array().expect("results").iter().map(|m| m["created-at"].as_str().unwrap_or("")).collect();
    assert_eq!(
        created,
        vec![
            "2024-06-05T07:50:00.000Z",
            "2024-06-03T10:30:00.000Z",
            "2024-06-03T10:02:00.000Z",
            "2024-06-03T09:15:00.000Z"
        ]
    );
    assert_eq!(output["no-of-messages"], 4);

    // A thread with only comments has no messages.
    let output = run_ok(&sandbox, "TASK_GET_THREAD", json!({"thread-id": "8002"})).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.path_and_query, format!("{THREADS_PATH}/8002/messages?limit=100"));
    assert_eq!(output, json!({"results": [], "no-of-messages": 0}));
}

// ---------------------------------------------------------------------------------------------
// Insert Message
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn insert_message_body_and_sender() {
    let sandbox = sandbox();
    let input = |sender: &str, recipient: &str| {
        json!({
            "thread-id": "8001", "sender-actor-id": sender, "channel-account-id": "55",
            "recipients": [recipient], "subject": "Re: Login fails", "text": "The SSO fix is live.",
        })
    };
    let expected_body = |recipient: &str| {
        json!({
            "type": "MESSAGE",
            "text": "The SSO fix is live.",
            "subject": "Re: Login fails",
            "senderActorId": "A-3892666",
            "channelId": "1002",
            "channelAccountId": "55",
            "recipients": [{"recipientField": "TO", "deliveryIdentifiers": [{"type": "HS_EMAIL_ADDRESS", "value": recipient}]}],
            "attachments": [],
        })
    };
    let newest_message_id = |sandbox: &Sandbox| {
        sandbox.store().messages(8001).last().map(|m| m.id.clone()).expect("thread 8001 has messages")
    };

    let output = run_ok(&sandbox, "TASK_INSERT_MESSAGE", input("A-3892666", "Ana.Lima+VIP@example.com")).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, format!("{THREADS_PATH}/8001/messages"));
    assert_eq!(request.json(), expected_body("Ana.Lima+VIP@example.com"));
    assert_eq!(output, json!({"status": "SENT", "message-id": newest_message_id(&sandbox)}));

    // A bare user ID gets the A- prefix, once.
    run_ok(&sandbox, "TASK_INSERT_MESSAGE", input("3892666", "ana@example.com")).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.json(), expected_body("ana@example.com"));
    let typed_input = InsertMessageInput {
        thread_id: "8001".into(),
        sender_actor_id: " 3892666 ".into(),
        recipients: vec!["ana@example.com".into()],
        channel_account_id: "55".into(),
        subject: "Re: Login fails".into(),
        text: "The SSO fix is live.".into(),
    };
    let typed = no_trap(host().insert_message(&setup_for(&sandbox), &typed_input).await).expect("the message is sent");
    let request = take_only_request(&sandbox);
    assert_eq!(request.json()["senderActorId"], "A-3892666");
    assert_eq!(typed.status, "SENT");

    // A doubled prefix and a visitor actor are rejected before any request.
    for sender in ["A-A-3892666", "V-151"] {
        let error = run_err(&sandbox, "TASK_INSERT_MESSAGE", input(sender, "ana@example.com")).await;
        assert_eq!(invalid_field(&error), "sender-actor-id", "{sender}");
        assert_eq!(sandbox.requests().len(), 0, "{sender}: {:?}", lines(&sandbox));
    }

    // HubSpot stores the message but reports its delivery FAILED.
    let error = run_err(&sandbox, "TASK_INSERT_MESSAGE", input("A-3892666", "nobody@bounce.example")).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.json(), expected_body("nobody@bounce.example"));
    let Error::DeliveryFailed(failure) = &error else { panic!("expected delivery-failed, got {error:?}") };
    assert_eq!(failure.status_type, "FAILED");
    assert_eq!(failure.message_id, newest_message_id(&sandbox));
    assert_eq!(
        failure.error_message.as_deref(),
        Some("Delivery failed: the mailbox nobody@bounce.example does not exist")
    );
    assert!(failure.message.contains(&failure.message_id), "{}", failure.message);
}

// ---------------------------------------------------------------------------------------------
// Merged contacts
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn merged_contact_reports_survivor() {
    let sandbox = sandbox();

    for old_id in ["1001", "2002"] {
        let output = run_ok(&sandbox, "TASK_GET_CONTACT", json!({"contact-id-or-email": old_id})).await;
        let request = take_only_request(&sandbox);
        assert_eq!(
            request.path_and_query,
            format!("/crm/v3/objects/contacts/{old_id}?properties={CONTACT_PROPERTIES}")
        );
        assert_eq!(output["contact-id"], "3003", "contact {old_id}");
        assert_eq!(output["email"], "frank@example.com");
    }
    assert_eq!(stored(&sandbox, ObjectType::Contact, 3003, "hs_merged_object_ids").as_deref(), Some("1001;2002"));

    let typed = no_trap(host().get_contact(&setup_for(&sandbox), &get_contact_input("1001", None)).await)
        .expect("contact 1001");
    take_only_request(&sandbox);
    assert_eq!(typed.contact_id, "3003");
}

// ---------------------------------------------------------------------------------------------
// Owners
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn owner_lookup_by_user_id() {
    let sandbox = sandbox();

    let output = run_ok(&sandbox, "TASK_GET_OWNER", json!({"id-type": "User ID", "id": "2001"})).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, "/crm/v3/owners/2001?idProperty=userId");
    assert_eq!(output["owner-id"], "1001");
    assert_eq!(output["user-id"], "2001");
    assert_eq!(
        output["teams"],
        json!([
            {"team-name": "West Coast Sales", "team-id": "301", "team-primary": true},
            {"team-name": "Enterprise", "team-id": "302", "team-primary": false},
        ])
    );

    // By owner ID. An owner without a teams key has no teams.
    let output = run_ok(&sandbox, "TASK_GET_OWNER", json!({"id-type": "Owner ID", "id": "1002"})).await;
    let request = take_only_request(&sandbox);
    assert_eq!(request.path_and_query, "/crm/v3/owners/1002?idProperty=id");
    assert_eq!(output["user-id"], "2002");
    assert_eq!(output["teams"], json!([]));

    // A user ID beyond 32 bits, as a JSON number, and no teams key.
    sandbox.inject(
        Fault::json(200, json!({
            "id": "88001", "email": "ops.bot@example.com", "type": "PERSON", "firstName": "Ops", "lastName": "Bot",
            "userId": 7_000_000_001u64, "createdAt": "2024-01-10T09:00:00.000Z", "updatedAt": "2024-01-10T09:00:00.000Z",
            "archived": false,
        }))
        .on("GET", "/crm/v3/owners/7000000001")
        .times(1),
    );
    let input = GetOwnerInput { id_type: IdType::UserId, id: "7000000001".into() };
    let typed = no_trap(host().get_owner(&setup_for(&sandbox), &input).await).expect("the owner is found");
    let request = take_only_request(&sandbox);
    assert_eq!(request.path_and_query, "/crm/v3/owners/7000000001?idProperty=userId");
    assert_eq!(typed.user_id.as_deref(), Some("7000000001"));
    assert_eq!(typed.owner_id, "88001");
    assert!(typed.teams.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Custom properties
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn custom_properties_round_trip() {
    let sandbox = sandbox();
    {
        let mut store = sandbox.store();
        for (object_type, set_name, unset_name, kind) in [
            (ObjectType::Contact, "favorite_color", "loyalty_points", PropertyKind::Number),
            (ObjectType::Deal, "deal_score", "is_strategic", PropertyKind::Text),
            (ObjectType::Company, "vip_tier", "account_region", PropertyKind::Text),
            (ObjectType::Ticket, "sla_tier", "escalated", PropertyKind::Text),
        ] {
            store.define_property(object_type, set_name, PropertyKind::Text);
            store.define_property(object_type, unset_name, kind);
        }
        store.update_properties(ObjectType::Contact, 151, &[("favorite_color".into(), "teal".into())]);
        store.update_properties(ObjectType::Deal, 9001, &[("deal_score".into(), "87.5".into())]);
        store.update_properties(ObjectType::Company, 700, &[("vip_tier".into(), "gold".into())]);
        store.update_properties(ObjectType::Ticket, 4001, &[("sla_tier".into(), "platinum".into())]);
    }

    // Every Get task requests the custom names after its own and returns the ones with a value.
    // The unset and the unknown names are absent.
    let gets = [
        (
            "TASK_GET_CONTACT",
            "contact-id-or-email",
            "151",
            "contacts",
            CONTACT_PROPERTIES,
            "",
            "favorite_color",
            "teal",
            "loyalty_points",
        ),
        (
            "TASK_GET_DEAL",
            "deal-id",
            "9001",
            "deals",
            DEAL_PROPERTIES,
            "&associations=contacts",
            "deal_score",
            "87.5",
            "is_strategic",
        ),
        (
            "TASK_GET_COMPANY",
            "company-id",
            "700",
            "companies",
            COMPANY_PROPERTIES,
            "&associations=contacts",
            "vip_tier",
            "gold",
            "account_region",
        ),
        (
            "TASK_GET_TICKET",
            "ticket-id",
            "4001",
            "tickets",
            TICKET_PROPERTIES,
            "&associations=contacts",
            "sla_tier",
            "platinum",
            "escalated",
        ),
    ];
    for (task, id_field, id, plural, read_list, associations, set_name, value, unset_name) in gets {
        let output = run_ok(
            &sandbox,
            task,
            json!({id_field: id, "custom-properties": [set_name, unset_name, "no_such_property"]}),
        )
        .await;
        let request = take_only_request(&sandbox);
        assert_eq!(
            request.path_and_query,
            format!("/crm/v3/objects/{plural}/{id}?properties={read_list},{set_name},{unset_name},no_such_property{associations}"),
            "{task}"
        );
        assert_eq!(output["custom-properties"], json!({set_name: value}), "{task}");
    }

    // The same through the typed exports: one entry per requested name, in order.
    let setup = setup_for(&sandbox);
    let contact = no_trap(
        host()
            .get_contact(
                &setup,
                &get_contact_input("151", names(&["favorite_color", "loyalty_points", "no_such_property"])),
            )
            .await,
    )
    .expect("contact 151");
    assert_eq!(
        contact.custom_properties,
        vec![read("favorite_color", Some("teal")), read("loyalty_points", None), read("no_such_property", None)]
    );
    let deal = no_trap(
        host()
            .get_deal(
                &setup,
                &GetDealInput { deal_id: "9001".into(), custom_properties: names(&["deal_score", "is_strategic"]) },
            )
            .await,
    )
    .expect("deal 9001");
    assert_eq!(deal.custom_properties, vec![read("deal_score", Some("87.5")), read("is_strategic", None)]);
    let company = no_trap(
        host()
            .get_company(&setup, &GetCompanyInput { company_id: "700".into(), custom_properties: names(&["vip_tier"]) })
            .await,
    )
    .expect("company 700");
    assert_eq!(company.custom_properties, vec![read("vip_tier", Some("gold"))]);
    let ticket = no_trap(
        host()
            .get_ticket(
                &setup,
                &GetTicketInput { ticket_id: "4001".into(), custom_properties: names(&["sla_tier", "escalated"]) },
            )
            .await,
    )
    .expect("ticket 4001");
    assert_eq!(ticket.custom_properties, vec![read("sla_tier", Some("platinum")), read("escalated", None)]);
    assert_eq!(take_requests(&sandbox).len(), 4);

    // Every Create and Update task writes them, from JSON (numbers and booleans as text) ...
    let writes = [
        (
            "TASK_CREATE_CONTACT",
            json!({"email": "grace@example.com", "custom-properties": {"favorite_color": "amber", "loyalty_points": 12}}),
            "POST /crm/v3/objects/contacts",
            json!({"properties": {"email": "grace@example.com", "favorite_color": "amber", "loyalty_points": "12"}, "associations": []}),
        ),
        (
            "TASK_CREATE_DEAL",
            json!({"deal-name": "Custom deal", "pipeline": "default", "deal-stage": "appointmentscheduled",
                   "custom-properties": {"deal_score": 42.5, "is_strategic": true}}),
            "POST /crm/v3/objects/deals",
            json!({"properties": {"dealname": "Custom deal", "pipeline": "default", "dealstage": "appointmentscheduled",
                                  "deal_score": "42.5", "is_strategic": "true"}, "associations": []}),
        ),
        (
            "TASK_UPDATE_DEAL",
            json!({"deal-id": "9002", "custom-properties": {"deal_score": "10"}}),
            "PATCH /crm/v3/objects/deals/9002",
            json!({"properties": {"deal_score": "10"}}),
        ),
        (
            "TASK_CREATE_COMPANY",
            json!({"company-domain": "custom.example", "custom-properties": {"vip_tier": "silver"}}),
            "POST /crm/v3/objects/companies",
            json!({"properties": {"domain": "custom.example", "vip_tier": "silver"}, "associations": []}),
        ),
        (
            "TASK_CREATE_TICKET",
            json!({"ticket-name": "Custom ticket", "ticket-status": "1", "pipeline": "0", "custom-properties": {"sla_tier": "gold"}}),
            "POST /crm/v3/objects/tickets",
            json!({"properties": {"subject": "Custom ticket", "hs_pipeline_stage": "1", "hs_pipeline": "0", "sla_tier": "gold"},
                   "associations": []}),
        ),
        (
            "TASK_UPDATE_TICKET",
            json!({"ticket-id": "4002", "custom-properties": {"sla_tier": "bronze", "escalated": false}}),
            "PATCH /crm/v3/objects/tickets/4002",
            json!({"properties": {"sla_tier": "bronze", "escalated": "false"}}),
        ),
    ];
    for (task, input, line, body) in writes {
        run_ok(&sandbox, task, input).await;
        let request = take_only_request(&sandbox);
        assert_eq!(format!("{} {}", request.method, request.path_and_query), line, "{task}");
        assert_eq!(request.json(), body, "{task}");
    }
    assert_eq!(stored(&sandbox, ObjectType::Deal, 9002, "deal_score").as_deref(), Some("10"));
    assert_eq!(stored(&sandbox, ObjectType::Ticket, 4002, "escalated").as_deref(), Some("false"));

    // ... and from the typed exports.
    let mut contact = create_contact_input("hugo@example.com");
    contact.custom_properties = Some(vec![property("favorite_color", "navy")]);
    let created = no_trap(host().create_contact(&setup, &contact).await).expect("the contact is created");
    assert_eq!(take_only_request(&sandbox).json()["properties"]["favorite_color"], "navy");
    assert_eq!(
        stored(&sandbox, ObjectType::Contact, created.contact_id.parse().unwrap(), "favorite_color").as_deref(),
        Some("navy")
    );

    let mut deal = create_deal_input("Typed custom deal");
    deal.custom_properties = Some(vec![property("deal_score", "7")]);
    no_trap(host().create_deal(&setup, &deal).await).expect("the deal is created");
    assert_eq!(take_only_request(&sandbox).json()["properties"]["deal_score"], "7");

    let mut deal_update = update_deal_input("9003");
    deal_update.custom_properties = Some(vec![property("is_strategic", "yes")]);
    no_trap(host().update_deal(&setup, &deal_update).await).expect("deal 9003 is updated");
    assert_eq!(take_only_request(&sandbox).json(), json!({"properties": {"is_strategic": "yes"}}));
    assert_eq!(stored(&sandbox, ObjectType::Deal, 9003, "is_strategic").as_deref(), Some("yes"));

    let mut company = create_company_input("typed.example");
    company.custom_properties = Some(vec![property("account_region", "LATAM")]);
    no_trap(host().create_company(&setup, &company).await).expect("the company is created");
    assert_eq!(take_only_request(&sandbox).json()["properties"]["account_region"], "LATAM");

    let mut ticket = create_ticket_input("Typed custom ticket");
    ticket.custom_properties = Some(vec![property("sla_tier", "silver")]);
    no_trap(host().create_ticket(&setup, &ticket).await).expect("the ticket is created");
    assert_eq!(take_only_request(&sandbox).json()["properties"]["sla_tier"], "silver");

    let mut ticket_update = update_ticket_input("4001");
    ticket_update.custom_properties = Some(vec![property("escalated", "true")]);
    no_trap(host().update_ticket(&setup, &ticket_update).await).expect("ticket 4001 is updated");
    assert_eq!(take_only_request(&sandbox).json(), json!({"properties": {"escalated": "true"}}));
    assert_eq!(stored(&sandbox, ObjectType::Ticket, 4001, "escalated").as_deref(), Some("true"));

    // A custom property that a typed field also sets is rejected before any request.
    let error = run_err(&sandbox, "TASK_CREATE_DEAL", json!({
        "deal-name": "Twice", "pipeline": "default", "deal-stage": "appointmentscheduled", "custom-properties": {"dealname": "Other"},
    }))
    .await;
    assert_eq!(invalid_field(&error), "custom-properties.dealname");
    assert_eq!(sandbox.requests().len(), 0, "{:?}", lines(&sandbox));
}

// ---------------------------------------------------------------------------------------------
// Compatibility with the original field IDs
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn legacy_postal_code_key() {
    let sandbox = sandbox();

    // The original schema spells the key `postal-code,`, so both spellings are sent as zip.
    for key in ["postal-code,", "postal-code"] {
        let output =
            run_ok(&sandbox, "TASK_CREATE_COMPANY", json!({"company-domain": "harbor.example", key: "01310-100"}))
                .await;
        let request = take_only_request(&sandbox);
        assert_eq!(request.method, "POST");
        assert_eq!(request.path_and_query, "/crm/v3/objects/companies");
        assert_eq!(
            request.json(),
            json!({"properties": {"domain": "harbor.example", "zip": "01310-100"}, "associations": []}),
            "{key}"
        );
        let company_id = id_of(&output, "company-id");
        let company = run_ok(&sandbox, "TASK_GET_COMPANY", json!({"company-id": company_id.to_string()})).await;
        take_only_request(&sandbox);
        assert_eq!(company["postal-code"], "01310-100", "{key}");
    }

    // Both spellings at once are ambiguous and rejected before any request.
    let error = run_err(
        &sandbox,
        "TASK_CREATE_COMPANY",
        json!({"company-domain": "harbor.example", "postal-code": "01310-100", "postal-code,": "01310-200"}),
    )
    .await;
    assert_eq!(invalid_field(&error), "postal-code");
    assert_eq!(sandbox.requests().len(), 0, "{:?}", lines(&sandbox));
}
