//! The component's retry policy, run in wasmtime against the sandbox: which
//! statuses are retried, how long the component waits, and how many requests
//! reach the server.

mod common;

use std::time::Duration;

use common::{case, host, lines, run, run_with, sandbox, setup_for};
use host_test::sandbox::Fault;
use host_test::types::{Error, GetDealInput, WriteState};
use serde_json::json;

fn deal_9001() -> GetDealInput {
    GetDealInput {
        deal_id: "9001".to_string(),
        custom_properties: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_secondly_429_waits_retry_after() {
    let sandbox = sandbox();
    sandbox.inject(
        Fault::rate_limit_ten_secondly(Some(1))
            .on("GET", "/crm/v3/objects/deals/9001")
            .times(1),
    );

    let output = host().get_deal(&setup_for(&sandbox), &deal_9001()).await.unwrap();

    let deal = output.expect("the retry succeeds");
    assert_eq!(deal.deal_name.as_deref(), Some("Q3 renewal"));
    let requests = sandbox.requests();
    assert_eq!(requests.len(), 2, "requests: {:?}", lines(&sandbox));
    let gap = requests[1].at.duration_since(requests[0].at);
    assert!(gap >= Duration::from_secs(1), "the retry came {gap:?} after the 429 with Retry-After: 1");
}

#[tokio::test(flavor = "multi_thread")]
async fn persistent_429_stops_at_max_attempts() {
    let sandbox = sandbox();
    sandbox.inject(Fault::rate_limit_ten_secondly(Some(0)));
    let mut setup = setup_for(&sandbox);
    setup.max_attempts = Some(3);

    let error = host().get_deal(&setup, &deal_9001()).await.unwrap().unwrap_err();

    let Error::RateLimited(limit) = &error else { panic!("expected rate-limited, got {error:?}") };
    assert_eq!(limit.attempts, 3);
    assert!(!limit.daily_limit);
    assert_eq!(limit.policy.as_deref(), Some("TEN_SECONDLY_ROLLING"));
    assert_eq!(limit.api.status, 429);
    assert_eq!(sandbox.requests().len(), 3, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_wait_over_budget_is_not_made() {
    // Without Retry-After the component waits the 10 s interval header, which is
    // more than the 100 ms budget, so it gives up after the first response.
    let sandbox = sandbox();
    sandbox.inject(Fault::rate_limit_ten_secondly(None));
    let mut setup = setup_for(&sandbox);
    setup.max_retry_wait_ms = Some(100);

    let error = host().get_deal(&setup, &deal_9001()).await.unwrap().unwrap_err();

    let Error::RateLimited(limit) = &error else { panic!("expected rate-limited, got {error:?}") };
    assert_eq!(limit.attempts, 1);
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn daily_429_is_not_retried() {
    let sandbox = sandbox();
    sandbox.inject(Fault::rate_limit_daily());

    let error = host().get_deal(&setup_for(&sandbox), &deal_9001()).await.unwrap().unwrap_err();

    let Error::RateLimited(limit) = &error else { panic!("expected rate-limited, got {error:?}") };
    assert!(limit.daily_limit);
    assert_eq!(limit.policy.as_deref(), Some("DAILY"));
    assert_eq!(limit.attempts, 1);
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_deal_502_is_not_retried() {
    let sandbox = sandbox();
    sandbox.inject(Fault::status(502).on("POST", "/crm/v3/objects/deals"));

    let input = json!({"deal-name": "New deal", "pipeline": "default", "deal-stage": "appointmentscheduled"});
    let error = run(&sandbox, "TASK_CREATE_DEAL", input).await.unwrap_err();

    let Error::Api(api) = &error else { panic!("expected api, got {error:?}") };
    assert_eq!(api.status, 502);
    assert_eq!(api.write_state, WriteState::Unknown);
    assert!(api.message.contains("create deal"), "message: {}", api.message);
    assert!(api.message.contains("may have been applied"), "message: {}", api.message);
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_502_once_then_succeeds() {
    let sandbox = sandbox();
    sandbox.inject(Fault::status(502).on("GET", "/crm/v3/objects/deals/9001").times(1));

    let output = host().get_deal(&setup_for(&sandbox), &deal_9001()).await.unwrap();

    assert_eq!(output.expect("the retry succeeds").deal_name.as_deref(), Some("Q3 renewal"));
    let requests = sandbox.requests();
    assert_eq!(requests.len(), 2, "requests: {:?}", lines(&sandbox));
    // The first backoff after a 5xx is 500 ms.
    let gap = requests[1].at.duration_since(requests[0].at);
    assert!(gap >= Duration::from_millis(500), "the retry came {gap:?} after the 502");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_501_is_not_retried() {
    let sandbox = sandbox();
    sandbox.inject(Fault::status(501).on("GET", "/crm/v3/objects/deals/9001"));

    let error = host().get_deal(&setup_for(&sandbox), &deal_9001()).await.unwrap().unwrap_err();

    assert_eq!(case(&error), "api");
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_contact_409_is_not_retried() {
    let sandbox = sandbox();

    // ben@example.com belongs to seeded contact 152.
    let error = run(&sandbox, "TASK_CREATE_CONTACT", json!({"email": "ben@example.com"})).await.unwrap_err();

    let Error::Conflict(conflict) = &error else { panic!("expected conflict, got {error:?}") };
    assert_eq!(conflict.existing_id.as_deref(), Some("152"));
    assert_eq!(conflict.api.write_state, WriteState::None);
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn patch_409_is_not_retried() {
    let sandbox = sandbox();
    sandbox.inject(Fault::status(409).on("PATCH", "/crm/v3/objects/deals/9001"));

    let error = run(&sandbox, "TASK_UPDATE_DEAL", json!({"deal-id": "9001", "deal-name": "Renamed"}))
        .await
        .unwrap_err();

    assert_eq!(case(&error), "conflict");
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn patch_500_is_retried() {
    let sandbox = sandbox();
    sandbox.inject(Fault::status(500).on("PATCH", "/crm/v3/objects/deals/9001").times(1));

    let output = run(&sandbox, "TASK_UPDATE_DEAL", json!({"deal-id": "9001", "deal-name": "Renamed"})).await;

    let output = output.expect("the retry succeeds");
    assert!(output["updated-at"].is_string(), "output: {output}");
    let methods: Vec<String> = sandbox.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["PATCH", "PATCH"]);
    let stored = sandbox.store().object(host_test::sandbox::ObjectType::Deal, 9001).cloned();
    let name = stored.and_then(|deal| deal.properties.get("dealname").cloned());
    assert_eq!(name.as_deref(), Some("Renamed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn persistent_patch_500_reports_unknown_write() {
    let sandbox = sandbox();
    sandbox.inject(
        Fault::status(500)
            .on("PATCH", "/crm/v3/objects/deals/9001")
            .header("Retry-After", "0"),
    );
    let mut setup = setup_for(&sandbox);
    setup.max_attempts = Some(3);

    let error = run_with(&setup, "TASK_UPDATE_DEAL", json!({"deal-id": "9001", "deal-name": "Renamed"}))
        .await
        .unwrap_err();

    let Error::Api(api) = &error else { panic!("expected api, got {error:?}") };
    assert_eq!(api.status, 500);
    assert_eq!(api.write_state, WriteState::Unknown);
    assert_eq!(sandbox.requests().len(), 3, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn max_attempts_one_disables_retries() {
    let sandbox = sandbox();
    sandbox.inject(Fault::status(503).on("GET", "/crm/v3/objects/deals/9001"));
    let mut setup = setup_for(&sandbox);
    setup.max_attempts = Some(1);

    let error = host().get_deal(&setup, &deal_9001()).await.unwrap().unwrap_err();

    assert_eq!(case(&error), "api");
    assert_eq!(sandbox.requests().len(), 1, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn max_attempts_zero_is_invalid() {
    let sandbox = sandbox();
    let mut setup = setup_for(&sandbox);
    setup.max_attempts = Some(0);

    let error = host().get_deal(&setup, &deal_9001()).await.unwrap().unwrap_err();

    assert_eq!(common::invalid_field(&error), "setup.max-attempts");
    assert!(sandbox.requests().is_empty(), "requests: {:?}", lines(&sandbox));
}
