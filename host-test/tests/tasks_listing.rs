//! Get All and Retrieve Association through the real component in wasmtime,
//! against the seeded sandbox: the IDs returned, and every page request with its
//! exact query and cursor.

mod common;

use common::*;
use host_test::sandbox::wire::{encode_cursor, percent_encode};
use host_test::sandbox::PagedRoute;
use host_test::types::{AllObjectType, AssociationObjectType, GetAllInput, RetrieveAssociationInput};
use serde_json::json;

/// Returns a cursor as the component sends it back: percent-encoded once.
fn sent_cursor(kind: &str, position: u64) -> String {
    percent_encode(&encode_cursor(kind, position))
}

fn association_input(contact_id: &str, object_type: AssociationObjectType) -> RetrieveAssociationInput {
    RetrieveAssociationInput {
        contact_id: contact_id.to_string(),
        object_type,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| item.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn get_all_json_every_type() {
    // Object type, the one request expected, and the seeded active IDs. Contacts
    // 1001 and 2002 were merged into 3003, and owner 1003 is archived.
    let cases = [
        ("Contacts", "/crm/v3/objects/contacts?limit=100&properties=hs_object_id", vec!["151", "152", "201", "202", "3003", "5101"]),
        ("Deals", "/crm/v3/objects/deals?limit=100&properties=hs_object_id", vec!["9001", "9002", "9003"]),
        ("Companies", "/crm/v3/objects/companies?limit=100&properties=hs_object_id", vec!["700", "701", "702"]),
        ("Tickets", "/crm/v3/objects/tickets?limit=100&properties=hs_object_id", vec!["4001", "4002"]),
        ("Threads", "/conversations/v3/conversations/threads?limit=100", vec!["8001", "8002", "8003"]),
        ("Owners", "/crm/v3/owners?limit=100", vec!["1001", "1002"]),
    ];
    for (object_type, path, ids) in cases {
        let sandbox = sandbox();

        let output = run(&sandbox, "TASK_GET_ALL", json!({"object-type": object_type}))
            .await
            .unwrap_or_else(|error| panic!("Get All {object_type} failed: {error:?}"));

        assert_eq!(output["object-ids"], json!(ids), "object-ids of {object_type}");
        assert_eq!(output["object-ids-length"], json!(ids.len()), "object-ids-length of {object_type}");
        assert_eq!(keys(&output), vec!["object-ids", "object-ids-length"], "keys of {object_type}");
        let request = only_request(&sandbox);
        assert_eq!(request.method, "GET", "method for {object_type}");
        assert_eq!(request.path_and_query, path, "request for {object_type}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_all_typed_contacts_paged() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);
    let added = sandbox.seed_contacts(250);
    let mut expected = strings(&["151", "152", "201", "202", "3003", "5101"]);
    expected.extend(added);

    let output = no_trap(host().get_all(&setup, &GetAllInput { object_type: AllObjectType::Contacts }).await)
        .expect("contacts can be listed");

    assert_eq!(output.object_ids_length, 256);
    assert_eq!(output.object_ids, expected);

    // Pages hold 100 records, and each cursor names the first record of the next page.
    let second_page_start: u64 = expected[100].parse().expect("numeric ID");
    let third_page_start: u64 = expected[200].parse().expect("numeric ID");
    assert_eq!(
        lines(&sandbox),
        vec![
            "GET /crm/v3/objects/contacts?limit=100&properties=hs_object_id".to_string(),
            format!(
                "GET /crm/v3/objects/contacts?limit=100&properties=hs_object_id&after={}",
                sent_cursor("0-1", second_page_start)
            ),
            format!(
                "GET /crm/v3/objects/contacts?limit=100&properties=hs_object_id&after={}",
                sent_cursor("0-1", third_page_start)
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_all_typed_threads_paged() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);
    sandbox.set_page_size(PagedRoute::Threads, 2);

    let output = no_trap(host().get_all(&setup, &GetAllInput { object_type: AllObjectType::Threads }).await)
        .expect("threads can be listed");

    assert_eq!(output.object_ids, strings(&["8001", "8002", "8003"]));
    assert_eq!(output.object_ids_length, 3);
    assert_eq!(
        lines(&sandbox),
        vec![
            "GET /conversations/v3/conversations/threads?limit=100".to_string(),
            format!("GET /conversations/v3/conversations/threads?limit=100&after={}", sent_cursor("threads", 2)),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_all_typed_owners_paged() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);
    sandbox.set_page_size(PagedRoute::Owners, 1);

    let output = no_trap(host().get_all(&setup, &GetAllInput { object_type: AllObjectType::Owners }).await)
        .expect("owners can be listed");

    assert_eq!(output.object_ids, strings(&["1001", "1002"]));
    assert_eq!(output.object_ids_length, 2);
    assert_eq!(
        lines(&sandbox),
        vec![
            "GET /crm/v3/owners?limit=100".to_string(),
            format!("GET /crm/v3/owners?limit=100&after={}", sent_cursor("owners", 1002)),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retrieve_association_json_every_type() {
    // Object type, the expected requests and IDs for contact 151.
    let cases = [
        ("Deals", vec!["GET /crm/v4/objects/contacts/151/associations/deals?limit=500"], vec!["9001"]),
        ("Companies", vec!["GET /crm/v4/objects/contacts/151/associations/companies?limit=500"], vec!["700", "701", "702"]),
        ("Tickets", vec!["GET /crm/v4/objects/contacts/151/associations/tickets?limit=500"], vec!["4001"]),
        (
            "Threads",
            vec![
                "GET /conversations/v3/conversations/threads?associatedContactId=151&threadStatus=OPEN&limit=100",
                "GET /conversations/v3/conversations/threads?associatedContactId=151&threadStatus=CLOSED&limit=100",
            ],
            vec!["8001", "8002"],
        ),
    ];
    for (object_type, requests, ids) in cases {
        let sandbox = sandbox();

        let output = run(&sandbox, "TASK_RETRIEVE_ASSOCIATION", json!({"contact-id": "151", "object-type": object_type}))
            .await
            .unwrap_or_else(|error| panic!("Retrieve Association {object_type} failed: {error:?}"));

        assert_eq!(output["object-ids"], json!(ids), "object-ids of {object_type}");
        assert_eq!(output["object-ids-length"], json!(ids.len()), "object-ids-length of {object_type}");
        assert_eq!(keys(&output), vec!["object-ids", "object-ids-length"], "keys of {object_type}");
        assert_eq!(lines(&sandbox), requests, "requests for {object_type}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn retrieve_association_typed_companies_paged() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);
    sandbox.set_page_size(PagedRoute::V4Associations, 1);

    let output = no_trap(
        host()
            .retrieve_association(&setup, &association_input("151", AssociationObjectType::Companies))
            .await,
    )
    .expect("contact 151's companies can be listed");

    // Company 700 carries two labels (primary and unlabeled) and is listed once.
    assert_eq!(output.object_ids, strings(&["700", "701", "702"]));
    assert_eq!(output.object_ids_length, 3);
    let path = "/crm/v4/objects/contacts/151/associations/companies";
    assert_eq!(
        lines(&sandbox),
        vec![
            format!("GET {path}?limit=500"),
            format!("GET {path}?limit=500&after={}", sent_cursor("v4", 701)),
            format!("GET {path}?limit=500&after={}", sent_cursor("v4", 702)),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retrieve_association_typed_threads() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    // Contact 152 has one open thread and no closed one.
    let output = no_trap(
        host()
            .retrieve_association(&setup, &association_input("152", AssociationObjectType::Threads))
            .await,
    )
    .expect("contact 152's threads can be listed");

    assert_eq!(output.object_ids, strings(&["8003"]));
    assert_eq!(output.object_ids_length, 1);
    assert_eq!(
        lines(&sandbox),
        vec![
            "GET /conversations/v3/conversations/threads?associatedContactId=152&threadStatus=OPEN&limit=100",
            "GET /conversations/v3/conversations/threads?associatedContactId=152&threadStatus=CLOSED&limit=100",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retrieve_association_unknown_contact_empty() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    // HubSpot returns an empty list for a contact that does not exist.
    let output = no_trap(
        host()
            .retrieve_association(&setup, &association_input("999999", AssociationObjectType::Deals))
            .await,
    )
    .expect("an unknown contact gives an empty list");

    assert_eq!(output.object_ids, Vec::<String>::new());
    assert_eq!(output.object_ids_length, 0);
    assert_eq!(lines(&sandbox), vec!["GET /crm/v4/objects/contacts/999999/associations/deals?limit=500"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn retrieve_association_after_create() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    // A deal created with contact 201 shows up from the contact's side (type 4).
    let created = run(
        &sandbox,
        "TASK_CREATE_DEAL",
        json!({"deal-name": "Onboarding", "pipeline": "default", "deal-stage": "appointmentscheduled", "create-contacts-association": ["201"]}),
    )
    .await
    .expect("the deal is created");
    let deal_id = created["deal-id"].as_str().expect("deal-id is a string").to_string();
    sandbox.clear_requests();

    let output = no_trap(
        host()
            .retrieve_association(&setup, &association_input("201", AssociationObjectType::Deals))
            .await,
    )
    .expect("contact 201's deals can be listed");

    assert_eq!(output.object_ids, vec![deal_id]);
    assert_eq!(output.object_ids_length, 1);
    assert_eq!(lines(&sandbox), vec!["GET /crm/v4/objects/contacts/201/associations/deals?limit=500"]);
}
