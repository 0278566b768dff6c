//! Retrieve Association over HubSpot's v4 association pages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use hubspot_component::run;
use hubspot_component::tasks::{AssociationObjectType, RetrieveAssociationInput};
use serde_json::{json, Value};

const DEALS: &str = "/crm/v4/objects/contacts/201/associations/deals";

fn input(object_type: AssociationObjectType) -> RetrieveAssociationInput {
    RetrieveAssociationInput {
        contact_id: "201".to_string(),
        object_type,
    }
}

fn target(id: Value, labels: &[(&str, u32, Option<&str>)]) -> Value {
    let types: Vec<Value> = labels
        .iter()
        .map(|(category, type_id, label)| json!({ "category": category, "typeId": type_id, "label": label }))
        .collect();
    json!({ "toObjectId": id, "associationTypes": types })
}

/// A v4 page whose `paging.next.link` points at HubSpot's public host, which the
/// component must never request.
fn v4_page(results: Vec<Value>, after: Option<&str>) -> Value {
    match after {
        Some(after) => json!({
            "results": results,
            "paging": { "next": { "after": after, "link": format!("https://api.hubapi.com{DEALS}?limit=500&after={after}") } },
        }),
        None => json!({ "results": results }),
    }
}

#[test]
fn three_pages_unique_ids() {
    let mut transport = FakeTransport::new();
    let unlabeled = ("HUBSPOT_DEFINED", 4, None);
    let primary = ("HUBSPOT_DEFINED", 1, Some("Primary"));
    transport.push_json(
        200,
        v4_page(vec![target(json!(700), &[primary, unlabeled]), target(json!(701), &[unlabeled])], Some("MC0yLTcwMA%3D%3D")),
    );
    transport.push_json(200, v4_page(vec![target(json!("702"), &[unlabeled])], Some("MC0yLTcwMg")));
    transport.push_json(200, v4_page(vec![target(json!(700), &[("USER_DEFINED", 37, Some("Billing contact"))])], None));

    let out = run::retrieve_association(&mut transport, &setup(), &input(AssociationObjectType::Deals)).unwrap();

    assert_eq!(out.object_ids, vec!["700", "701", "702"]);
    assert_eq!(out.object_ids_length, 3);
    assert_eq!(
        transport.lines(),
        vec![
            format!("GET {DEALS}?limit=500"),
            format!("GET {DEALS}?limit=500&after=MC0yLTcwMA%253D%253D"),
            format!("GET {DEALS}?limit=500&after=MC0yLTcwMg"),
        ]
    );
    for request in &transport.requests {
        assert_eq!(request.authority, "127.0.0.1:9");
        assert!(!request.path_and_query.contains("hubapi"), "{}", request.path_and_query);
    }
    transport.assert_done();
}

#[test]
fn large_ids_kept_exact() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, v4_page(vec![target(json!(5434402448u64), &[]), target(json!(18446744073709551615u64), &[])], None));

    let out = run::retrieve_association(&mut transport, &setup(), &input(AssociationObjectType::Deals)).unwrap();

    assert_eq!(out.object_ids, vec!["5434402448", "18446744073709551615"]);
}

#[test]
fn companies_and_tickets_paths() {
    for (object_type, name) in [(AssociationObjectType::Companies, "companies"), (AssociationObjectType::Tickets, "tickets")] {
        let mut transport = FakeTransport::new();
        transport.push_json(200, v4_page(vec![target(json!(800), &[])], None));

        let out = run::retrieve_association(&mut transport, &setup(), &input(object_type)).unwrap();

        assert_eq!(transport.lines(), vec![format!("GET /crm/v4/objects/contacts/201/associations/{name}?limit=500")]);
        assert_eq!(out.object_ids, vec!["800"]);
    }
}

#[test]
fn unknown_contact_empty() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, json!({ "results": [] }));

    let out = run::retrieve_association(&mut transport, &setup(), &input(AssociationObjectType::Deals)).unwrap();

    assert!(out.object_ids.is_empty());
    assert_eq!(out.object_ids_length, 0);
    assert_eq!(transport.requests.len(), 1);
}

#[test]
fn execute_object_type_labels() {
    for label in ["Deals", "deals", " DEALS "] {
        let mut transport = FakeTransport::new();
        transport.push_json(200, v4_page(vec![target(json!(700), &[])], None));

        let text = run::execute(
            &mut transport,
            &setup(),
            "TASK_RETRIEVE_ASSOCIATION",
            &json!({ "contact-id": "201", "object-type": label }).to_string(),
        )
        .unwrap();

        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json!({ "object-ids": ["700"], "object-ids-length": 1 }), "{label}");
        assert_eq!(transport.line(0), format!("GET {DEALS}?limit=500"));
    }
}

#[test]
fn missing_target_id_invalid_response() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, json!({ "results": [{ "associationTypes": [] }] }));

    let err = run::retrieve_association(&mut transport, &setup(), &input(AssociationObjectType::Deals)).unwrap_err();

    assert_case(&err, "invalid-response");
    assert_eq!(transport.requests.len(), 1);
}
