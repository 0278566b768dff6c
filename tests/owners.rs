//! Get Owner through the fake transport.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use hubspot_component::run;
use hubspot_component::tasks::{GetOwnerInput, IdType};
use serde_json::{json, Value};

fn input(id_type: IdType, id: &str) -> GetOwnerInput {
    GetOwnerInput {
        id_type,
        id: id.to_string(),
    }
}

fn owner() -> Value {
    json!({
        "id": "6166860",
        "email": "jsmith@example.com",
        "type": "PERSON",
        "firstName": "John",
        "lastName": "Smith",
        "userId": 2001,
        "userIdIncludingInactive": 2001,
        "createdAt": "2019-10-30T03:30:17.883Z",
        "updatedAt": "2019-12-07T16:50:06.678Z",
        "archived": false,
        "teams": [
            { "id": "178588", "name": "West Coast Sales", "primary": true },
            { "id": 178590, "name": "California Sales" },
        ],
    })
}

#[test]
fn user_id_path() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, owner());

    let out = run::get_owner(&mut transport, &setup(), &input(IdType::UserId, "2001")).unwrap();

    assert_eq!(transport.lines(), vec!["GET /crm/v3/owners/2001?idProperty=userId".to_string()]);
    assert_eq!(out.owner_id, "6166860");
    assert_eq!(out.user_id.as_deref(), Some("2001"));
    assert_eq!(out.first_name.as_deref(), Some("John"));
    assert_eq!(out.last_name.as_deref(), Some("Smith"));
    assert_eq!(out.email.as_deref(), Some("jsmith@example.com"));
    assert_eq!(out.created_at, "2019-10-30T03:30:17.883Z");
    assert_eq!(out.updated_at, "2019-12-07T16:50:06.678Z");
    assert!(!out.archived);
    let teams: Vec<(&str, &str, bool)> = out.teams.iter().map(|t| (t.team_id.as_str(), t.team_name.as_str(), t.team_primary)).collect();
    assert_eq!(teams, vec![("178588", "West Coast Sales", true), ("178590", "California Sales", false)]);
    transport.assert_done();
}

#[test]
fn owner_id_path() {
    let mut transport = FakeTransport::new();
    transport.push_json(200, owner());

    run::get_owner(&mut transport, &setup(), &input(IdType::OwnerId, " 6166860 ")).unwrap();

    assert_eq!(transport.lines(), vec!["GET /crm/v3/owners/6166860?idProperty=id".to_string()]);
}

#[test]
fn no_teams_key_empty() {
    let mut body = owner();
    body.as_object_mut().unwrap().remove("teams");
    let mut transport = FakeTransport::new();
    transport.push_json(200, body);

    let out = run::get_owner(&mut transport, &setup(), &input(IdType::OwnerId, "6166860")).unwrap();

    assert!(out.teams.is_empty());
}

#[test]
fn blank_names_absent() {
    let mut body = owner();
    body["firstName"] = json!("");
    body["lastName"] = Value::Null;
    let mut transport = FakeTransport::new();
    transport.push_json(200, body);

    let out = run::get_owner(&mut transport, &setup(), &input(IdType::OwnerId, "6166860")).unwrap();

    assert_eq!(out.first_name, None);
    assert_eq!(out.last_name, None);
}

#[test]
fn not_found_then_archived() {
    let mut transport = FakeTransport::new();
    transport.push_json(404, error_body("Owner not found", "OBJECT_NOT_FOUND"));
    let archived = json!({
        "id": "6166860",
        "email": "gone@example.com",
        "userId": null,
        "userIdIncludingInactive": 2001,
        "createdAt": "2019-10-30T03:30:17.883Z",
        "updatedAt": "2023-01-01T00:00:00Z",
        "archived": true,
    });
    transport.push_json(200, archived);

    let out = run::get_owner(&mut transport, &setup(), &input(IdType::OwnerId, "6166860")).unwrap();

    assert_eq!(
        transport.lines(),
        vec![
            "GET /crm/v3/owners/6166860?idProperty=id".to_string(),
            "GET /crm/v3/owners/6166860?idProperty=id&archived=true".to_string(),
        ]
    );
    assert!(out.archived);
    assert_eq!(out.user_id.as_deref(), Some("2001"));
    assert!(out.teams.is_empty());
    assert_eq!(out.first_name, None);
}

#[test]
fn not_found_twice() {
    let mut transport = FakeTransport::new();
    transport.push_json(404, error_body("Owner not found (active)", "OBJECT_NOT_FOUND"));
    transport.push_json(404, error_body("Owner not found (archived)", "OBJECT_NOT_FOUND"));

    let err = run::get_owner(&mut transport, &setup(), &input(IdType::UserId, "2001")).unwrap_err();

    assert_case(&err, "not-found");
    assert_eq!(transport.requests.len(), 2);
    assert!(message(&err).contains("(active)"), "{}", message(&err));
    transport.assert_done();
}

#[test]
fn archived_lookup_other_error() {
    let mut transport = FakeTransport::new();
    transport.push_json(404, error_body("Owner not found", "OBJECT_NOT_FOUND"));
    transport.push_json(403, json!({ "message": "missing scope", "category": "MISSING_SCOPES", "errors": [{ "context": { "requiredScopes": ["crm.objects.owners.read"] } }] }));

    let err = run::get_owner(&mut transport, &setup(), &input(IdType::OwnerId, "1")).unwrap_err();

    match &err {
        hubspot_component::types::Error::Forbidden(forbidden) => {
            assert_eq!(forbidden.required_scopes, vec!["crm.objects.owners.read"]);
        }
        other => panic!("expected forbidden, got {other:?}"),
    }
}

#[test]
fn execute_id_type_labels() {
    for (label, property) in [("User ID", "userId"), ("user-id", "userId"), ("Owner ID", "id"), ("owner-id", "id")] {
        let mut transport = FakeTransport::new();
        transport.push_json(200, owner());

        let text = run::execute(&mut transport, &setup(), "TASK_GET_OWNER", &json!({ "id-type": label, "id": "2001" }).to_string()).unwrap();

        assert_eq!(transport.line(0), format!("GET /crm/v3/owners/2001?idProperty={property}"), "{label}");
        let output: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(output["user-id"], json!("2001"));
        assert_eq!(output["teams"][1], json!({ "team-name": "California Sales", "team-id": "178590", "team-primary": false }));
    }
}
