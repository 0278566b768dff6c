//! Get All: paging, stop conditions and the page limit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::HashSet;

use common::*;
use hubspot_component::run;
use hubspot_component::tasks::{AllObjectType, GetAllInput};
use serde_json::json;

const CONTACTS: &str = "/crm/v3/objects/contacts?limit=100&properties=hs_object_id";

fn input(object_type: AllObjectType) -> GetAllInput {
    GetAllInput { object_type }
}

#[test]
fn ten_thousand_ids() {
    const TOTAL: usize = 10_050;
    let ids: Vec<String> = (0..TOTAL).map(|i| (1_000_000 + i).to_string()).collect();
    let mut transport = FakeTransport::new();
    let chunks: Vec<&[String]> = ids.chunks(100).collect();
    for (n, chunk) in chunks.iter().enumerate() {
        let after = if n + 1 < chunks.len() { Some(format!("cursor-{}", n + 1)) } else { None };
        transport.push_json(200, page(id_items(chunk), after.as_deref()));
    }

    let out = run::get_all(&mut transport, &setup(), &input(AllObjectType::Contacts)).unwrap();

    assert_eq!(transport.requests.len(), 101);
    assert_eq!(transport.line(0), format!("GET {CONTACTS}"));
    for n in 1..101 {
        assert_eq!(transport.line(n), format!("GET {CONTACTS}&after=cursor-{n}"));
    }
    assert_eq!(out.object_ids.len(), TOTAL);
    assert_eq!(out.object_ids_length, 10_050);
    let unique: HashSet<&String> = out.object_ids.iter().collect();
    assert_eq!(unique.len(), TOTAL);
    assert_eq!(out.object_ids, ids);
    transport.assert_done();
}

#[test]
fn stops_without_paging() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, page(id_items(&["1", "2"]), None));

    let out = run::get_all(&mut transport, &setup(), &input(AllObjectType::Contacts)).unwrap();

    assert_eq!(transport.requests.len(), 1);
    assert_eq!(out.object_ids, vec!["1", "2"]);
}

#[test]
fn stops_without_cursor() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, json!({ "results": [{ "id": "1" }], "paging": { "next": { "link": "https://api.hubapi.com/x" } } }));

    let out = run::get_all(&mut transport, &setup(), &input(AllObjectType::Contacts)).unwrap();

    assert_eq!(transport.requests.len(), 1);
    assert_eq!(out.object_ids, vec!["1"]);
}

#[test]
fn stops_on_empty_results() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, page(id_items(&["1"]), Some("a")));
    transport.push_json(200, page(vec![], Some("b")));

    let out = run::get_all(&mut transport, &setup(), &input(AllObjectType::Contacts)).unwrap();

    assert_eq!(transport.requests.len(), 2, "{:?}", transport.lines());
    assert_eq!(out.object_ids, vec!["1"]);
    transport.assert_done();
}

#[test]
fn stops_on_repeated_cursor() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, page(id_items(&["7001"]), Some("NzAwMQ")));
    transport.push_json(200, page(id_items(&["7002"]), Some("NzAwMQ")));

    let out = run::get_all(&mut transport, &setup(), &input(AllObjectType::Threads)).unwrap();

    assert_eq!(
        transport.lines(),
        vec![
            "GET /conversations/v3/conversations/threads?limit=100".to_string(),
            "GET /conversations/v3/conversations/threads?limit=100&after=NzAwMQ".to_string(),
        ]
    );
    assert_eq!(out.object_ids, vec!["7001", "7002"]);
    transport.assert_done();
}

#[test]
fn max_pages_exceeded() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, page(id_items(&["1"]), Some("a")));
    transport.push_json(200, page(id_items(&["2"]), Some("b")));
    transport.push_json(200, page(id_items(&["3"]), None));
    let mut setup = setup();
    setup.max_pages = Some(2);

    let err = run::get_all(&mut transport, &setup, &input(AllObjectType::Deals)).unwrap_err();

    assert_eq!(input_field(&err), "setup.max-pages");
    assert!(message(&err).contains("more than 2 pages"), "{}", message(&err));
    assert_eq!(transport.requests.len(), 2, "{:?}", transport.lines());
}

#[test]
fn max_pages_exact_fits() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, page(id_items(&["1"]), Some("a")));
    transport.push_json(200, page(id_items(&["2"]), None));
    let mut setup = setup();
    setup.max_pages = Some(2);

    let out = run::get_all(&mut transport, &setup, &input(AllObjectType::Deals)).unwrap();

    assert_eq!(out.object_ids, vec!["1", "2"]);
}

#[test]
fn object_type_paths() {
    let cases = [
        (AllObjectType::Contacts, "/crm/v3/objects/contacts?limit=100&properties=hs_object_id"),
        (AllObjectType::Deals, "/crm/v3/objects/deals?limit=100&properties=hs_object_id"),
        (AllObjectType::Companies, "/crm/v3/objects/companies?limit=100&properties=hs_object_id"),
        (AllObjectType::Tickets, "/crm/v3/objects/tickets?limit=100&properties=hs_object_id"),
        (AllObjectType::Threads, "/conversations/v3/conversations/threads?limit=100"),
        (AllObjectType::Owners, "/crm/v3/owners?limit=100"),
    ];
    for (object_type, path) in cases {
        let mut transport = FakeTransport::new();
        transport.push_json(200, page(id_items(&["5"]), Some("c1")));
        transport.push_json(200, page(id_items(&["6"]), None));

        let out = run::get_all(&mut transport, &setup(), &input(object_type)).unwrap();

        assert_eq!(transport.lines(), vec![format!("GET {path}"), format!("GET {path}&after=c1")]);
        assert_eq!(out.object_ids, vec!["5", "6"]);
    }
}

#[test]
fn owners_numeric_ids() {
    let mut transport = FakeTransport::new();
    let owners = json!({
        "results": [
            { "id": "6166860", "email": "jsmith@example.com", "userId": 1296619, "archived": false },
            { "id": 6166861, "email": "ana@example.com", "archived": false },
        ],
    });
    transport.push_json(200, owners);

    let out = run::get_all(&mut transport, &setup(), &input(AllObjectType::Owners)).unwrap();

    assert_eq!(out.object_ids, vec!["6166860", "6166861"]);
}

#[test]
fn error_mid_listing_fails() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, page(id_items(&["1"]), Some("a")));
    transport.push_json(401, error_body("Authentication credentials not found.", "INVALID_AUTHENTICATION"));

    let err = run::get_all(&mut transport, &setup(), &input(AllObjectType::Tickets)).unwrap_err();

    assert_case(&err, "unauthorized");
    assert_eq!(transport.requests.len(), 2);
}

#[test]
fn execute_get_all() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, page(id_items(&["1", "2", "1"]), None));

    let text = run::execute(&mut transport, &setup(), "get-all", r#"{"object-type":"Owners","task":"TASK_GET_ALL"}"#).unwrap();

    assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), json!({ "object-ids": ["1", "2"], "object-ids-length": 2 }));
    assert_eq!(transport.line(0), "GET /crm/v3/owners?limit=100");
}
