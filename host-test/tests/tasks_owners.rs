//! Get Owner through the real component in wasmtime, against the seeded sandbox:
//! outputs and the exact requests HubSpot receives, including the archived retry.

mod common;

use common::*;
use host_test::types::{Error, GetOwnerInput, IdType, Team};
use serde_json::json;

fn input(id_type: IdType, id: &str) -> GetOwnerInput {
    GetOwnerInput { id_type, id: id.to_string() }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_owner_json_by_owner_id() {
    let sandbox = sandbox();

    let output = run(&sandbox, "TASK_GET_OWNER", json!({"id-type": "Owner ID", "id": "1001"}))
        .await
        .expect("owner 1001 is seeded");

    assert_eq!(output["first-name"], "Maria");
    assert_eq!(output["last-name"], "Silva");
    assert_eq!(output["email"], "maria.silva@example.com");
    assert_eq!(output["owner-id"], "1001");
    assert_eq!(output["user-id"], "2001");
    assert_eq!(
        output["teams"],
        json!([
            {"team-name": "West Coast Sales", "team-id": "301", "team-primary": true},
            {"team-name": "Enterprise", "team-id": "302", "team-primary": false},
        ])
    );
    assert_eq!(output["created-at"], "2023-01-10T09:00:00.000Z");
    assert_eq!(output["updated-at"], "2024-03-02T12:30:00.000Z");
    assert_eq!(output["archived"], false);
    assert_eq!(keys(&output).len(), 9, "unexpected keys: {:?}", keys(&output));

    let request = only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, "/crm/v3/owners/1001?idProperty=id");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_owner_json_by_user_id() {
    let sandbox = sandbox();

    let output = run(&sandbox, "TASK_GET_OWNER", json!({"id-type": "User ID", "id": "2001"}))
        .await
        .expect("user 2001 owns owner 1001");

    assert_eq!(output["owner-id"], "1001");
    assert_eq!(output["user-id"], "2001");
    assert_eq!(output["first-name"], "Maria");
    let request = only_request(&sandbox);
    assert_eq!(request.path_and_query, "/crm/v3/owners/2001?idProperty=userId");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_owner_typed_no_teams() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    // Owner 1002 has no `teams` key at all.
    let owner = no_trap(host().get_owner(&setup, &input(IdType::UserId, "2002")).await).expect("user 2002 is seeded");

    assert_eq!(owner.first_name.as_deref(), Some("Kenji"));
    assert_eq!(owner.last_name.as_deref(), Some("Tanaka"));
    assert_eq!(owner.email.as_deref(), Some("kenji.tanaka@example.com"));
    assert_eq!(owner.owner_id, "1002");
    assert_eq!(owner.user_id.as_deref(), Some("2002"));
    assert_eq!(owner.teams, Vec::<Team>::new());
    assert_eq!(owner.created_at, "2023-01-10T09:00:00.000Z");
    assert_eq!(owner.updated_at, "2024-03-02T12:30:00.000Z");
    assert!(!owner.archived);

    let request = only_request(&sandbox);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, "/crm/v3/owners/2002?idProperty=userId");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_owner_typed_with_teams() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    let owner = no_trap(host().get_owner(&setup, &input(IdType::OwnerId, "1001")).await).expect("owner 1001 is seeded");

    assert_eq!(owner.owner_id, "1001");
    assert_eq!(owner.user_id.as_deref(), Some("2001"));
    assert_eq!(
        owner.teams,
        vec![
            Team { team_name: "West Coast Sales".to_string(), team_id: "301".to_string(), team_primary: true },
            Team { team_name: "Enterprise".to_string(), team_id: "302".to_string(), team_primary: false },
        ]
    );
    assert_eq!(only_request(&sandbox).path_and_query, "/crm/v3/owners/1001?idProperty=id");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_owner_archived_retry() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    // Owner 1003 is deactivated: found only with `archived=true`, `userId` null.
    let owner = no_trap(host().get_owner(&setup, &input(IdType::OwnerId, "1003")).await)
        .expect("the archived lookup finds owner 1003");

    assert_eq!(owner.owner_id, "1003");
    assert_eq!(owner.user_id.as_deref(), Some("2003"));
    assert_eq!(owner.email.as_deref(), Some("former.rep@example.com"));
    assert_eq!(owner.first_name, None);
    assert_eq!(owner.last_name, None);
    assert_eq!(owner.teams, Vec::<Team>::new());
    assert_eq!(owner.updated_at, "2024-02-01T08:00:00.000Z");
    assert!(owner.archived);
    assert_eq!(
        lines(&sandbox),
        vec!["GET /crm/v3/owners/1003?idProperty=id", "GET /crm/v3/owners/1003?idProperty=id&archived=true"]
    );

    // In JSON the blank names are left out.
    let output = run(&sandbox, "TASK_GET_OWNER", json!({"id-type": "Owner ID", "id": "1003"}))
        .await
        .expect("the archived lookup finds owner 1003");
    assert_eq!(output.get("first-name"), None);
    assert_eq!(output.get("last-name"), None);
    assert_eq!(output["archived"], true);
    assert_eq!(output["user-id"], "2003");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_owner_archived_by_user_id() {
    let sandbox = sandbox();

    // A deactivated owner is found by `userIdIncludingInactive` in the archived lookup.
    let output = run(&sandbox, "TASK_GET_OWNER", json!({"id-type": "User ID", "id": "2003"}))
        .await
        .expect("the archived lookup finds user 2003");

    assert_eq!(output["owner-id"], "1003");
    assert_eq!(output["user-id"], "2003");
    assert_eq!(output["email"], "former.rep@example.com");
    assert_eq!(output["archived"], true);
    assert_eq!(
        lines(&sandbox),
        vec!["GET /crm/v3/owners/2003?idProperty=userId", "GET /crm/v3/owners/2003?idProperty=userId&archived=true"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_owner_unknown_id() {
    let sandbox = sandbox();

    let error = run(&sandbox, "TASK_GET_OWNER", json!({"id-type": "Owner ID", "id": "99999"}))
        .await
        .expect_err("no owner has ID 99999");

    assert_eq!(case(&error), "not-found");
    let Error::NotFound(api) = &error else { panic!("expected not-found, got {error:?}") };
    assert_eq!(api.status, 404);
    assert_eq!(
        lines(&sandbox),
        vec!["GET /crm/v3/owners/99999?idProperty=id", "GET /crm/v3/owners/99999?idProperty=id&archived=true"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_owner_unknown_user_id() {
    let sandbox = sandbox();
    let setup = setup_for(&sandbox);

    let error = no_trap(host().get_owner(&setup, &input(IdType::UserId, "99999")).await)
        .expect_err("no owner has user ID 99999");

    assert_eq!(case(&error), "not-found");
    assert_eq!(
        lines(&sandbox),
        vec![
            "GET /crm/v3/owners/99999?idProperty=userId",
            "GET /crm/v3/owners/99999?idProperty=userId&archived=true",
        ]
    );
}
