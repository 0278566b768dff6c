//! Tests of the wasmtime embedding itself: the outbound allow-list, connection
//! reuse, the timeouts and error codes of the host's HTTP sender, and loading a
//! precompiled component. They run the real component against small HTTP/1.1
//! servers on 127.0.0.1 that count the TCP connections they accept.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use host_test::types::{Error, GetContactInput, TransportKind};
use host_test::{setup, AllowedOrigin, Host, Setup};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TOKEN: &str = "pat-test-token";

const CONTACT_JSON: &str = r#"{"id":"151","properties":{"email":"ana.lima@example.com","firstname":"Ana","hs_object_id":"151"},"createdAt":"2024-07-01T11:47:40.388Z","updatedAt":"2024-07-01T11:47:40.388Z","archived":false}"#;

/// Returns the host shared by the tests of this binary, because compiling the
/// component is the slow part.
fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| Host::embedded().expect("the embedded component loads"))
}

/// How the test server responds to each request.
#[derive(Clone, Copy)]
enum Reply {
    /// A 200 contact response; the connection stays open for more requests.
    KeepAlive,
    /// A 200 contact response, then the server closes the connection.
    CloseAfterResponse,
    /// Reads the request and never responds.
    Stall,
    /// Sends the response head and the first bytes of the body, then stalls.
    StallBody,
    /// Writes a plain-text HTTP response as soon as the connection opens, which a
    /// TLS client reads as a malformed handshake.
    NotTls,
}

/// A loopback HTTP/1.1 server that counts accepted connections and requests.
struct TestServer {
    base_url: String,
    accepted: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl TestServer {
    async fn start(reply: Reply) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let address = listener.local_addr().expect("local address");
        let accepted = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let accepted_counter = Arc::clone(&accepted);
        let request_counter = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                accepted_counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve_connection(socket, reply, Arc::clone(&request_counter)));
            }
        });
        TestServer {
            base_url: format!("http://{address}"),
            accepted,
            requests,
        }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Responds to requests without bodies (the tests only send GETs) until the peer
/// closes the connection.
async fn serve_connection(mut socket: tokio::net::TcpStream, reply: Reply, requests: Arc<AtomicUsize>) {
    if let Reply::NotTls = reply {
        let _ = socket.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n").await;
        let _ = socket.shutdown().await;
        return;
    }
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        while let Some(end) = received.windows(4).position(|window| window == b"\r\n\r\n") {
            received.drain(..end + 4);
            requests.fetch_add(1, Ordering::SeqCst);
            match reply {
                Reply::Stall => {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    return;
                }
                Reply::StallBody => {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        CONTACT_JSON.len()
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&CONTACT_JSON.as_bytes()[..10]).await;
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    return;
                }
                Reply::NotTls => unreachable!("handled before reading"),
                Reply::KeepAlive | Reply::CloseAfterResponse => {
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{CONTACT_JSON}",
                        CONTACT_JSON.len()
                    );
                    if socket.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                    if matches!(reply, Reply::CloseAfterResponse) {
                        return;
                    }
                }
            }
        }
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => received.extend_from_slice(&buffer[..read]),
        }
    }
}

fn contact_input() -> GetContactInput {
    GetContactInput {
        contact_id_or_email: "151".to_string(),
        custom_properties: None,
    }
}

/// Returns a setup that allows one attempt, so failures are not retried.
fn single_attempt_setup(base_url: &str) -> Setup {
    let mut setup = setup(TOKEN, base_url);
    setup.max_attempts = Some(1);
    setup
}

fn transport_kind(result: Result<impl std::fmt::Debug, Error>) -> TransportKind {
    match result {
        Err(Error::Transport(transport)) => transport.kind,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[test]
fn host_and_session_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    fn assert_send<T: Send>() {}
    assert_send_sync::<Host>();
    assert_send::<host_test::Session>();
}

#[test]
fn allowed_origin_matches_scheme_host_and_port() {
    let origin = AllowedOrigin::from_base_url("https://api.hubapi.com").expect("valid base URL");
    let allowed = |uri: &str| origin.allows(&uri.parse().expect("valid URI"));

    assert!(allowed("https://api.hubapi.com/crm/v3/objects/contacts/151"));
    assert!(allowed("https://api.hubapi.com:443/crm/v3/owners"));
    assert!(allowed("https://API.HubAPI.com/crm/v3/owners"));
    assert!(!allowed("http://api.hubapi.com/crm/v3/owners"), "other scheme");
    assert!(!allowed("https://api.hubapi.com:8443/crm/v3/owners"), "other port");
    assert!(!allowed("https://api.hubapi.com.example.com/crm"), "other host");
    assert!(!allowed("https://example.com/crm"), "other host");
    assert!(!allowed("https://user@api.hubapi.com/crm"), "user information");
    assert!(!allowed("/crm/v3/owners"), "no authority");
}

#[test]
fn allowed_origin_from_loopback_base_url() {
    let origin = AllowedOrigin::from_base_url("http://127.0.0.1:8080/prefix").expect("valid base URL");
    assert_eq!(origin.host(), "127.0.0.1");
    assert_eq!(origin.port(), 8080);
    assert!(!origin.is_https());
    assert!(origin.allows(&"http://127.0.0.1:8080/prefix/crm/v3/owners".parse().unwrap()));
    assert!(origin.allows(&"http://127.0.0.1:8080/elsewhere".parse().unwrap()), "paths are not compared");
    assert!(!origin.allows(&"http://127.0.0.1:8081/prefix".parse().unwrap()));
    assert!(!origin.allows(&"http://localhost:8080/prefix".parse().unwrap()), "names are not resolved");

    let ipv6 = AllowedOrigin::from_base_url("http://[::1]:9000").expect("valid base URL");
    assert!(ipv6.allows(&"http://[::1]:9000/x".parse().unwrap()));
}

#[test]
fn allowed_origin_rejects_invalid_base_urls() {
    assert_eq!(AllowedOrigin::from_base_url("api.hubapi.com"), None);
    assert_eq!(AllowedOrigin::from_base_url("ftp://api.hubapi.com"), None);
    assert_eq!(AllowedOrigin::from_base_url("https://token@api.hubapi.com"), None);
    assert_eq!(AllowedOrigin::from_base_url(""), None);
}

#[tokio::test]
async fn request_outside_base_url_is_denied() {
    let allowed = TestServer::start(Reply::KeepAlive).await;
    let elsewhere = TestServer::start(Reply::KeepAlive).await;

    // The store's allow-list comes from the session's setup; the call passes a
    // setup that points the component at another port.
    let mut session = host().session(&single_attempt_setup(&allowed.base_url)).await.unwrap();
    let redirected = single_attempt_setup(&elsewhere.base_url);
    let (tasks, store, _) = session.parts();
    let result = tasks.call_get_contact(store, &redirected, &contact_input()).await.unwrap();

    assert_eq!(transport_kind(result), TransportKind::Denied);
    assert_eq!(elsewhere.accepted(), 0, "no connection may reach the denied port");
    assert_eq!(allowed.accepted(), 0);
}

#[tokio::test]
async fn fresh_instances_reuse_one_connection() {
    let server = TestServer::start(Reply::KeepAlive).await;
    let setup = setup(TOKEN, &server.base_url);

    for call in 0..5 {
        let output = host().get_contact(&setup, &contact_input()).await.unwrap();
        let output = output.unwrap_or_else(|error| panic!("call {call} failed: {error:?}"));
        assert_eq!(output.contact_id, "151");
        assert_eq!(output.first_name.as_deref(), Some("Ana"));
    }

    assert_eq!(server.requests(), 5);
    assert_eq!(server.accepted(), 1, "five calls should share one keep-alive connection");
}

#[tokio::test]
async fn session_calls_reuse_one_connection() {
    let server = TestServer::start(Reply::KeepAlive).await;
    let mut session = host().session(&setup(TOKEN, &server.base_url)).await.unwrap();

    for _ in 0..3 {
        let output = session.execute("TASK_GET_CONTACT", r#"{"contact-id-or-email":"151"}"#).await.unwrap();
        assert!(output.is_ok(), "execute failed: {output:?}");
    }

    assert_eq!(server.requests(), 3);
    assert_eq!(server.accepted(), 1);
    assert!(session.peak_memory_bytes() > 0, "the limiter sees the guest's memory");
}

#[test]
fn connections_outlive_caller_runtimes() {
    let server_runtime = tokio::runtime::Runtime::new().unwrap();
    let server = server_runtime.block_on(TestServer::start(Reply::KeepAlive));
    let setup = setup(TOKEN, &server.base_url);

    // Each call runs on a runtime that is dropped afterwards, as consecutive
    // `#[tokio::test]`s sharing one host do.
    for call in 0..3 {
        let caller_runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let output = caller_runtime.block_on(host().get_contact(&setup, &contact_input())).unwrap();
        assert!(output.is_ok(), "call {call} failed: {output:?}");
        drop(caller_runtime);
    }

    assert_eq!(server.requests(), 3);
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn closed_connections_are_replaced() {
    let server = TestServer::start(Reply::CloseAfterResponse).await;
    let setup = single_attempt_setup(&server.base_url);

    for call in 0..3 {
        let output = host().get_contact(&setup, &contact_input()).await.unwrap();
        assert!(output.is_ok(), "call {call} failed: {output:?}");
    }

    assert_eq!(server.accepted(), 3);
}

#[tokio::test]
async fn first_byte_timeout_is_a_read_timeout() {
    let server = TestServer::start(Reply::Stall).await;
    let mut setup = single_attempt_setup(&server.base_url);
    setup.first_byte_timeout_ms = Some(200);

    let started = std::time::Instant::now();
    let result = host().get_contact(&setup, &contact_input()).await.unwrap();

    assert_eq!(transport_kind(result), TransportKind::ReadTimeout);
    // The default timeouts are 30 s, so finishing well before shows that the
    // 200 ms setting was applied. The bound is loose because the machine is shared.
    assert!(started.elapsed() < Duration::from_secs(25), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn stalled_body_is_a_read_timeout() {
    let server = TestServer::start(Reply::StallBody).await;
    let mut setup = single_attempt_setup(&server.base_url);
    setup.between_bytes_timeout_ms = Some(200);

    let started = std::time::Instant::now();
    let result = host().get_contact(&setup, &contact_input()).await.unwrap();

    // NOTE: wasmtime-wasi-http 48 hands a response body error to the guest as an
    // I/O error for which `http-error-code` returns no code, so the guest cannot
    // tell a between-bytes timeout from a closed connection.
    let kind = transport_kind(result);
    assert!(
        matches!(kind, TransportKind::ReadTimeout | TransportKind::ConnectionClosed),
        "unexpected kind {kind:?}"
    );
    // The default timeouts are 30 s, so finishing well before shows that the
    // 200 ms setting was applied. The bound is loose because the machine is shared.
    assert!(started.elapsed() < Duration::from_secs(25), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn malformed_tls_handshake_is_a_tls_error() {
    let server = TestServer::start(Reply::NotTls).await;
    let https_url = server.base_url.replace("http://", "https://");

    let result = host()
        .get_contact(&single_attempt_setup(&https_url), &contact_input())
        .await
        .unwrap();

    assert_eq!(transport_kind(result), TransportKind::Tls);
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn closed_port_is_connection_refused() {
    // Bind a port, then free it, so nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);

    let result = host()
        .get_contact(&single_attempt_setup(&format!("http://{address}")), &contact_input())
        .await
        .unwrap();

    assert_eq!(transport_kind(result), TransportKind::ConnectionRefused);
}

#[tokio::test]
async fn precompiled_component_runs() {
    let serialized = host().serialize_component().unwrap();
    let precompiled = Host::from_precompiled(&serialized).unwrap();
    let server = TestServer::start(Reply::KeepAlive).await;

    let output = precompiled
        .get_contact(&setup(TOKEN, &server.base_url), &contact_input())
        .await
        .unwrap();

    assert_eq!(output.unwrap().contact_id, "151");
}

#[tokio::test(flavor = "multi_thread")]
async fn pooled_host_runs_tasks() {
    let sandbox = host_test::sandbox::Sandbox::start().expect("the sandbox starts");
    let pooled = Host::new_pooled(host_test::COMPONENT, 16).expect("the pooled host compiles the component");
    let setup = setup(&sandbox.token(), &sandbox.base_url());

    // More calls than slots: each store returns its slot when dropped.
    for _ in 0..40 {
        let output = pooled.execute(&setup, "TASK_GET_DEAL", r#"{"deal-id":"9001"}"#).await.unwrap().unwrap();
        let value: serde_json::Value = serde_json::from_str(&output).unwrap();
        assert_eq!(value["deal-name"], "Q3 renewal");
    }
    assert_eq!(sandbox.requests().len(), 40);
}
