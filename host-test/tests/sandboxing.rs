//! What the embedding lets the guest reach: outbound HTTP only to the scheme, host
//! and port of the base URL its store was created with, and no environment
//! variables, arguments, preopened directories or sockets.
//!
//! A store's allow-list comes from the setup passed to `Host::session`, while the
//! component sends to the base URL of the setup passed to each call. Calling
//! through `Session::parts` with a second setup makes the two differ, which is how
//! these tests reach the host's denial path end to end.

mod common;

use common::{host, lines, sandbox, setup_for};
use host_test::types::{Error, GetDealInput, TransportKind, WriteState};
use host_test::{AllowedOrigin, Setup};
use wasmtime_wasi::cli::WasiCliView;
use wasmtime_wasi::filesystem::WasiFilesystemView;
use wasmtime_wasi::p2::bindings::cli::environment::Host as _;
use wasmtime_wasi::p2::bindings::filesystem::preopens::Host as _;
use wasmtime_wasi::p2::bindings::sockets::network::IpAddressFamily;
use wasmtime_wasi::p2::bindings::sockets::tcp_create_socket::Host as _;
use wasmtime_wasi::p2::bindings::sockets::udp_create_socket::Host as _;
use wasmtime_wasi::sockets::WasiSocketsView;

fn deal_9001() -> GetDealInput {
    GetDealInput {
        deal_id: "9001".to_string(),
        custom_properties: None,
    }
}

/// Runs Get Deal with `call_setup` on an instance whose allow-list comes from
/// `store_setup`.
async fn get_deal_across(store_setup: &Setup, call_setup: &Setup) -> Result<host_test::types::GetDealOutput, Error> {
    let mut session = host().session(store_setup).await.unwrap();
    let (tasks, store, _) = session.parts();
    tasks.call_get_deal(store, call_setup, &deal_9001()).await.unwrap()
}

fn assert_denied(result: Result<impl std::fmt::Debug, Error>) {
    let error = match result {
        Err(error) => error,
        Ok(output) => panic!("expected a denied request, got {output:?}"),
    };
    let Error::Transport(transport) = &error else { panic!("expected transport, got {error:?}") };
    assert_eq!(transport.kind, TransportKind::Denied);
    assert_eq!(transport.attempts, 1, "a denied request is not retried");
    assert_eq!(transport.write_state, WriteState::None);
    assert!(transport.message.contains("the host denied"), "message: {}", transport.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn other_loopback_port_is_denied() {
    let allowed = sandbox();
    let other = sandbox();

    let result = get_deal_across(&setup_for(&allowed), &setup_for(&other)).await;

    assert_denied(result);
    assert!(other.requests().is_empty(), "denied server got {:?}", lines(&other));
    assert!(allowed.requests().is_empty(), "allowed server got {:?}", lines(&allowed));
}

#[tokio::test(flavor = "multi_thread")]
async fn execute_to_other_port_is_denied() {
    let allowed = sandbox();
    let other = sandbox();
    let mut session = host().session(&setup_for(&allowed)).await.unwrap();

    let (tasks, store, _) = session.parts();
    let result = tasks
        .call_execute(store, &setup_for(&other), "TASK_CREATE_DEAL", r#"{"deal-name":"x","pipeline":"default","deal-stage":"appointmentscheduled"}"#)
        .await
        .unwrap();

    assert_denied(result);
    assert!(other.requests().is_empty(), "denied server got {:?}", lines(&other));
}

#[tokio::test(flavor = "multi_thread")]
async fn same_session_still_reaches_its_origin() {
    let allowed = sandbox();
    let other = sandbox();
    let mut session = host().session(&setup_for(&allowed)).await.unwrap();

    let (tasks, store, setup) = session.parts();
    let setup = setup.clone();
    let denied = tasks.call_get_deal(&mut *store, &setup_for(&other), &deal_9001()).await.unwrap();
    let allowed_result = tasks.call_get_deal(&mut *store, &setup, &deal_9001()).await.unwrap();

    assert_denied(denied);
    assert_eq!(allowed_result.expect("the allowed origin answers").deal_name.as_deref(), Some("Q3 renewal"));
    assert_eq!(allowed.requests().len(), 1, "allowed server got {:?}", lines(&allowed));
    assert!(other.requests().is_empty(), "denied server got {:?}", lines(&other));
}

#[tokio::test(flavor = "multi_thread")]
async fn unparseable_store_base_url_denies_all() {
    let target = sandbox();
    let mut store_setup = setup_for(&target);
    store_setup.base_url = Some("not a url".to_string());

    let result = get_deal_across(&store_setup, &setup_for(&target)).await;

    assert_denied(result);
    assert!(target.requests().is_empty(), "server got {:?}", lines(&target));
}

#[tokio::test(flavor = "multi_thread")]
async fn default_store_origin_denies_loopback() {
    // A store created without a base URL allows only https://api.hubapi.com:443;
    // the loopback request is denied before any connection is opened.
    let target = sandbox();
    let mut store_setup = setup_for(&target);
    store_setup.base_url = None;

    let result = get_deal_across(&store_setup, &setup_for(&target)).await;

    assert_denied(result);
    assert!(target.requests().is_empty(), "server got {:?}", lines(&target));
}

#[test]
fn origin_of_sandbox_url() {
    let origin = AllowedOrigin::from_base_url("http://127.0.0.1:40123").expect("valid base URL");
    let allows = |uri: &str| origin.allows(&uri.parse().expect("valid URI"));

    assert!(allows("http://127.0.0.1:40123/crm/v3/objects/deals/9001"));
    assert!(!allows("http://127.0.0.1:40124/crm/v3/objects/deals/9001"), "other port");
    assert!(!allows("http://127.0.0.1/crm"), "default port 80");
    assert!(!allows("http://127.0.0.2:40123/crm"), "other loopback address");
    assert!(!allows("http://localhost:40123/crm"), "same machine by name");
    assert!(!allows("http://[::1]:40123/crm"), "IPv6 loopback");
    assert!(!allows("https://127.0.0.1:40123/crm"), "other scheme");
    assert!(!allows("http://user@127.0.0.1:40123/crm"), "user information");
    assert!(!allows("http://127.0.0.1:40123@example.invalid/crm"), "host after user information");
    assert!(!allows("http://example.invalid:40123/crm"), "other host");
}

#[test]
fn origin_default_ports() {
    let https = AllowedOrigin::from_base_url("https://api.example.invalid").expect("valid base URL");
    assert_eq!(https.port(), 443);
    assert!(https.is_https());
    assert!(https.allows(&"https://api.example.invalid:443/x".parse().unwrap()));
    assert!(!https.allows(&"http://api.example.invalid:443/x".parse().unwrap()));

    let http = AllowedOrigin::from_base_url("http://localhost").expect("valid base URL");
    assert_eq!(http.port(), 80);
    assert!(!http.is_https());
    assert!(http.allows(&"http://LOCALHOST:80/x".parse().unwrap()));
}

#[tokio::test(flavor = "multi_thread")]
async fn guest_has_no_environment_or_files() {
    let target = sandbox();
    let mut session = host().session(&setup_for(&target)).await.unwrap();
    // The test process has environment variables (PATH at least), so an empty
    // list shows that none are inherited.
    assert!(std::env::vars_os().next().is_some());

    let (_, store, _) = session.parts();
    let state = store.data_mut();

    let mut cli = state.cli();
    assert_eq!(cli.get_environment().unwrap(), Vec::<(String, String)>::new());
    assert_eq!(cli.get_arguments().unwrap(), Vec::<String>::new());
    assert_eq!(cli.initial_cwd().unwrap(), None);

    let mut filesystem = state.filesystem();
    assert!(filesystem.get_directories().unwrap().is_empty(), "the guest has preopened directories");
}

#[tokio::test(flavor = "multi_thread")]
async fn guest_cannot_open_sockets() {
    let target = sandbox();
    let mut session = host().session(&setup_for(&target)).await.unwrap();

    let (_, store, _) = session.parts();
    let mut sockets = store.data_mut().sockets();

    assert!(sockets.create_tcp_socket(IpAddressFamily::Ipv4).is_err(), "TCP sockets are allowed");
    assert!(sockets.create_tcp_socket(IpAddressFamily::Ipv6).is_err(), "TCP sockets are allowed");
    assert!(sockets.create_udp_socket(IpAddressFamily::Ipv4).await.is_err(), "UDP sockets are allowed");
}

#[tokio::test(flavor = "multi_thread")]
async fn session_still_works_after_wasi_checks() {
    let target = sandbox();
    let mut session = host().session(&setup_for(&target)).await.unwrap();
    {
        let (_, store, _) = session.parts();
        let mut cli = store.data_mut().cli();
        let _ = cli.get_environment().unwrap();
    }

    let output = session.get_deal(&deal_9001()).await.unwrap();

    assert_eq!(output.expect("the task succeeds").deal_name.as_deref(), Some("Q3 renewal"));
    assert_eq!(target.requests().len(), 1);
}
