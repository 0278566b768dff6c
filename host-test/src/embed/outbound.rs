//! Outbound HTTP for the guest: the allow-list that limits requests to the
//! setup's base URL, and a sender that keeps idle HTTP/1.1 connections for reuse.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::uri::{Scheme, Uri};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// Timeout used for connect, first byte and between bytes when the guest sets none.
/// It is the 600 s that wasmtime-wasi-http 48's default sender applies.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// Idle connections older than this are closed instead of reused. Servers close
/// idle keep-alive connections after a while, and reusing one just as the server
/// closes it fails the request.
const MAX_IDLE_TIME: Duration = Duration::from_secs(60);

/// Maximum number of idle connections kept per origin.
const MAX_IDLE_PER_ORIGIN: usize = 16;

/// The scheme, host and port that a store may send requests to.
///
/// Requests are allowed only when all three equal those of the setup's base URL;
/// the port is compared after filling in the scheme's default (80 or 443). Hosts are
/// compared without case. A request authority with user information is rejected.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AllowedOrigin {
    https: bool,
    host: String,
    port: u16,
}

impl AllowedOrigin {
    /// Parses the origin of a base URL such as `https://api.hubapi.com` or
    /// `http://127.0.0.1:8080/prefix`. Returns `None` when the URL has no host, a
    /// scheme other than `http` or `https`, or user information.
    pub fn from_base_url(base_url: &str) -> Option<AllowedOrigin> {
        let uri: Uri = base_url.trim().parse().ok()?;
        Self::from_uri(&uri)
    }

    fn from_uri(uri: &Uri) -> Option<AllowedOrigin> {
        let https = match uri.scheme() {
            Some(scheme) if *scheme == Scheme::HTTPS => true,
            Some(scheme) if *scheme == Scheme::HTTP => false,
            _ => return None,
        };
        let authority = uri.authority()?;
        if authority.as_str().contains('@') {
            return None;
        }
        let host = authority.host();
        if host.is_empty() {
            return None;
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        Some(AllowedOrigin {
            https,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// Returns whether a request to `uri` goes to this origin.
    pub fn allows(&self, uri: &Uri) -> bool {
        Self::from_uri(uri).as_ref() == Some(self)
    }

    /// Host as written in a URL: a name, an IPv4 address, or a bracketed IPv6 address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Port, with the scheme's default filled in.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Returns whether the origin uses TLS.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// Host without the brackets of an IPv6 address, as DNS and TLS want it.
    fn bare_host(&self) -> &str {
        self.host
            .strip_prefix('[')
            .and_then(|host| host.strip_suffix(']'))
            .unwrap_or(&self.host)
    }
}

impl fmt::Display for AllowedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}:{}", self.host, self.port)
    }
}

/// Counters of the connection pool, for tests and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectionStats {
    /// TCP connections opened.
    pub connections_opened: u64,
    /// Responses received on a connection taken from the pool.
    pub responses_on_reused_connections: u64,
    /// Responses received in total (response heads; failed requests are not counted).
    pub responses_received: u64,
}

/// Idle HTTP/1.1 connections per origin, shared by all stores of one `Host`.
///
/// Connections are opened and driven on the pool's own I/O thread rather than on
/// the caller's tokio runtime. A `Host` is often shared by callers on different
/// runtimes (each `#[tokio::test]` has its own), and a connection driven by one
/// of them would die with it while another caller is using it.
pub(crate) struct ConnectionPool {
    idle: Mutex<HashMap<AllowedOrigin, Vec<IdleConnection>>>,
    io_thread: OnceLock<Result<IoThread, String>>,
    tls: OnceLock<tokio_rustls::TlsConnector>,
    connections_opened: AtomicU64,
    responses_on_reused_connections: AtomicU64,
    responses_received: AtomicU64,
}

struct IdleConnection {
    sender: SendRequest<WasiBody>,
    idle_since: Instant,
}

/// The timeouts of one request, from the guest's `request-options`.
#[derive(Clone, Copy, Debug)]
struct Timeouts {
    connect: Duration,
    first_byte: Duration,
    between_bytes: Duration,
}

impl Timeouts {
    fn from_options(options: Option<RequestOptions>) -> Timeouts {
        let options = options.unwrap_or_default();
        Timeouts {
            connect: options.connect_timeout.unwrap_or(DEFAULT_TIMEOUT),
            first_byte: options.first_byte_timeout.unwrap_or(DEFAULT_TIMEOUT),
            between_bytes: options.between_bytes_timeout.unwrap_or(DEFAULT_TIMEOUT),
        }
    }
}

type SendResult = Result<
    (
        http::Response<WasiBody>,
        Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ),
    HttpError,
>;

impl ConnectionPool {
    pub(crate) fn new() -> ConnectionPool {
        ConnectionPool {
            idle: Mutex::new(HashMap::new()),
            io_thread: OnceLock::new(),
            tls: OnceLock::new(),
            connections_opened: AtomicU64::new(0),
            responses_on_reused_connections: AtomicU64::new(0),
            responses_received: AtomicU64::new(0),
        }
    }

    pub(crate) fn stats(&self) -> ConnectionStats {
        ConnectionStats {
            connections_opened: self.connections_opened.load(Ordering::Relaxed),
            responses_on_reused_connections: self.responses_on_reused_connections.load(Ordering::Relaxed),
            responses_received: self.responses_received.load(Ordering::Relaxed),
        }
    }

    /// Sends `request` to `origin` on an idle connection when one is usable, else on
    /// a new one. The request URI must already be checked against `origin`.
    async fn send(
        self: Arc<Self>,
        origin: AllowedOrigin,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        verbose: bool,
    ) -> SendResult {
        let timeouts = Timeouts::from_options(options);
        let method = request.method().clone();
        let path = request.uri().path().to_string();

        // The request line carries only the path and query (origin form); the
        // `Host` header, set by wasmtime-wasi-http, names the authority.
        let path_and_query = request
            .uri()
            .path_and_query()
            .map(|value| value.as_str().to_string())
            .unwrap_or_else(|| "/".to_string());
        *request.uri_mut() = Uri::builder()
            .path_and_query(path_and_query)
            .build()
            .map_err(|_| HttpError::HttpRequestUriInvalid)?;

        loop {
            let (mut sender, reused) = match self.checkout(&origin, timeouts.connect).await {
                Some(sender) => (sender, true),
                None => match Arc::clone(&self).connect_on_io_thread(&origin, timeouts.connect).await {
                    Ok(sender) => (sender, false),
                    Err(error) => {
                        log_failure(verbose, &method, &origin, &path, &format!("connect: {error}"));
                        return Err(error);
                    }
                },
            };

            let sent = tokio::time::timeout(timeouts.first_byte, sender.try_send_request(request)).await;
            let response = match sent {
                Err(_elapsed) => {
                    log_failure(verbose, &method, &origin, &path, "no response head within the first-byte timeout");
                    return Err(HttpError::ConnectionReadTimeout);
                }
                Ok(Ok(response)) => response,
                Ok(Err(mut error)) => {
                    // The server can close a reused connection just before the request
                    // goes out. When hyper hands the unsent request back, it is sent
                    // again on another connection.
                    if reused {
                        if let Some(unsent) = error.take_message() {
                            request = unsent;
                            continue;
                        }
                    }
                    let error = error.into_error();
                    log_failure(verbose, &method, &origin, &path, &error.to_string());
                    return Err(map_hyper_error(&error, false));
                }
            };

            self.responses_received.fetch_add(1, Ordering::Relaxed);
            if reused {
                self.responses_on_reused_connections.fetch_add(1, Ordering::Relaxed);
            }
            if verbose {
                let connection = if reused { "reused connection" } else { "new connection" };
                eprintln!(
                    "[host] {method} {origin}{path} -> {} ({connection})",
                    response.status().as_u16()
                );
            }

            let pool = Arc::clone(&self);
            let response = response.map(|incoming| {
                PooledBody {
                    incoming,
                    log_label: verbose.then(|| format!("{method} {origin}{path}")),
                    between_bytes: timeouts.between_bytes,
                    deadline: Box::pin(tokio::time::sleep(timeouts.between_bytes)),
                    release: Some(Release { pool, origin, sender }),
                }
                .boxed_unsync()
            });
            // The connection is driven by its own task, so there is no I/O future
            // for wasmtime-wasi-http to drive.
            let io: Box<dyn Future<Output = Result<(), HttpError>> + Send> = Box::new(async { Ok(()) });
            return Ok((response, io));
        }
    }

    /// Takes an idle connection to `origin` that is still open and ready for a
    /// request, closing expired and closed ones on the way.
    async fn checkout(&self, origin: &AllowedOrigin, wait: Duration) -> Option<SendRequest<WasiBody>> {
        loop {
            let idle = {
                let mut pool = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                pool.get_mut(origin)?.pop()?
            };
            if idle.sender.is_closed() || idle.idle_since.elapsed() > MAX_IDLE_TIME {
                continue;
            }
            let mut sender = idle.sender;
            // The connection task marks the connection ready once it has finished
            // reading the previous response, which can lag the guest by a moment.
            match tokio::time::timeout(wait, sender.ready()).await {
                Ok(Ok(())) => return Some(sender),
                Ok(Err(_)) | Err(_) => continue,
            }
        }
    }

    /// Puts a connection whose last response was read completely back into the pool.
    fn release(&self, origin: AllowedOrigin, sender: SendRequest<WasiBody>) {
        if sender.is_closed() {
            return;
        }
        let mut pool = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let idle = pool.entry(origin).or_default();
        idle.retain(|connection| !connection.sender.is_closed());
        if idle.len() < MAX_IDLE_PER_ORIGIN {
            idle.push(IdleConnection {
                sender,
                idle_since: Instant::now(),
            });
        }
    }

    /// Runs [`ConnectionPool::connect`] on the I/O thread, so that the connection
    /// task lives there.
    async fn connect_on_io_thread(
        self: Arc<Self>,
        origin: &AllowedOrigin,
        connect_timeout: Duration,
    ) -> Result<SendRequest<WasiBody>, HttpError> {
        let handle = match self.io_thread.get_or_init(IoThread::start) {
            Ok(io_thread) => io_thread.handle.clone(),
            Err(message) => return Err(HttpError::InternalError(Some(message.clone()))),
        };
        let origin = origin.clone();
        let pool = Arc::clone(&self);
        handle
            .spawn(async move { pool.connect(&origin, connect_timeout).await })
            .await
            .unwrap_or_else(|error| Err(HttpError::InternalError(Some(format!("connect task failed: {error}")))))
    }

    /// Opens a connection: name resolution, TCP, TLS for `https`, and the HTTP/1.1
    /// handshake, all within the connect timeout. Must run on the I/O thread.
    async fn connect(&self, origin: &AllowedOrigin, connect_timeout: Duration) -> Result<SendRequest<WasiBody>, HttpError> {
        let handshake = async {
            let addresses = resolve(origin).await?;
            let tcp = connect_tcp(&addresses).await?;
            let _ = tcp.set_nodelay(true);
            self.connections_opened.fetch_add(1, Ordering::Relaxed);

            let stream: Box<dyn Connection> = if origin.is_https() {
                Box::new(self.tls_handshake(origin, tcp).await?)
            } else {
                Box::new(tcp)
            };
            let (sender, connection) = http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|error| map_hyper_error(&error, false))?;
            tokio::spawn(async move {
                // A request in flight gets connection errors through its own
                // future, so an error here concerns an idle connection.
                let _ = connection.await;
            });
            Ok(sender)
        };
        match tokio::time::timeout(connect_timeout, handshake).await {
            Ok(result) => result,
            Err(_elapsed) => Err(HttpError::ConnectionTimeout),
        }
    }

    async fn tls_handshake(
        &self,
        origin: &AllowedOrigin,
        tcp: TcpStream,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, HttpError> {
        let connector = self.tls.get_or_init(|| {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.into(),
            };
            let config = rustls::ClientConfig::builder()
                .with_root_certificates(roots)
                .with_no_client_auth();
            tokio_rustls::TlsConnector::from(Arc::new(config))
        });
        let server_name = match origin.bare_host().parse::<IpAddr>() {
            Ok(address) => rustls::pki_types::ServerName::IpAddress(address.into()),
            Err(_) => rustls::pki_types::ServerName::try_from(origin.bare_host().to_string()).map_err(|_| {
                HttpError::DnsError {
                    rcode: Some("invalid DNS name".to_string()),
                    info_code: None,
                }
            })?,
        };
        connector.connect(server_name, tcp).await.map_err(map_tls_error)
    }
}

/// A thread running a single-threaded tokio runtime for the pool's connections.
/// Dropping it drops the shutdown sender, which ends the thread and closes every
/// connection.
struct IoThread {
    handle: tokio::runtime::Handle,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl IoThread {
    fn start() -> Result<IoThread, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| format!("failed to create the HTTP I/O runtime: {error}"))?;
        let handle = runtime.handle().clone();
        let (shutdown, shutdown_requested) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("hubspot-http-io".to_string())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = shutdown_requested.await;
                });
            })
            .map_err(|error| format!("failed to start the HTTP I/O thread: {error}"))?;
        Ok(IoThread {
            handle,
            _shutdown: shutdown,
        })
    }
}

trait Connection: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Connection for T {}

async fn resolve(origin: &AllowedOrigin) -> Result<Vec<SocketAddr>, HttpError> {
    let host = origin.bare_host();
    if let Ok(address) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(address, origin.port())]);
    }
    let dns_error = || HttpError::DnsError {
        rcode: Some("name resolution failed".to_string()),
        info_code: None,
    };
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, origin.port()))
        .await
        .map_err(|_| dns_error())?
        .collect();
    if addresses.is_empty() {
        return Err(dns_error());
    }
    Ok(addresses)
}

/// Connects to the first address that accepts, returning the error of the last one
/// otherwise.
async fn connect_tcp(addresses: &[SocketAddr]) -> Result<TcpStream, HttpError> {
    let mut last_error = HttpError::ConnectionRefused;
    for address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = map_connect_error(&error),
        }
    }
    Err(last_error)
}

fn map_connect_error(error: &std::io::Error) -> HttpError {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::ConnectionRefused => HttpError::ConnectionRefused,
        ErrorKind::TimedOut => HttpError::ConnectionTimeout,
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => HttpError::ConnectionTerminated,
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => HttpError::DestinationUnavailable,
        ErrorKind::AddrNotAvailable => HttpError::DestinationIpUnroutable,
        _ => HttpError::InternalError(Some(format!("connect failed: {error}"))),
    }
}

fn map_tls_error(error: std::io::Error) -> HttpError {
    let Some(tls_error) = error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) else {
        // An I/O failure during the handshake: the peer closed or reset.
        return HttpError::ConnectionTerminated;
    };
    match tls_error {
        rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => HttpError::TlsCertificateError,
        rustls::Error::AlertReceived(alert) => HttpError::TlsAlertReceived {
            alert_id: Some(u8::from(*alert)),
            alert_message: Some(format!("{alert:?}")),
        },
        _ => HttpError::TlsProtocolError,
    }
}

/// Maps a hyper error to a `wasi:http` error code. `in_body` is true when the
/// response head has already arrived.
fn map_hyper_error(error: &hyper::Error, in_body: bool) -> HttpError {
    if error.is_timeout() {
        HttpError::HttpResponseTimeout
    } else if error.is_parse() || error.is_parse_status() {
        HttpError::HttpProtocolError
    } else if error.is_incomplete_message() {
        if in_body {
            HttpError::HttpResponseIncomplete
        } else {
            HttpError::ConnectionTerminated
        }
    } else if error.is_canceled() || error.is_closed() {
        HttpError::ConnectionTerminated
    } else {
        HttpError::HttpProtocolError
    }
}

fn log_failure(verbose: bool, method: &http::Method, origin: &AllowedOrigin, path: &str, reason: &str) {
    if verbose {
        eprintln!("[host] {method} {origin}{path} failed: {reason}");
    }
}

struct Release {
    pool: Arc<ConnectionPool>,
    origin: AllowedOrigin,
    sender: SendRequest<WasiBody>,
}

/// A response body that enforces the between-bytes timeout and returns its
/// connection to the pool once the body has been read to the end.
struct PooledBody {
    incoming: hyper::body::Incoming,
    /// Request line for log messages; `None` when the host is not verbose.
    log_label: Option<String>,
    between_bytes: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
    release: Option<Release>,
}

impl PooledBody {
    fn log_body_failure(&self, reason: &str) {
        if let Some(label) = &self.log_label {
            eprintln!("[host] {label} failed while reading the body: {reason}");
        }
    }

    fn release_connection(&mut self) {
        if let Some(Release { pool, origin, sender }) = self.release.take() {
            pool.release(origin, sender);
        }
    }
}

impl Body for PooledBody {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.incoming).poll_frame(cx) {
            Poll::Ready(None) => {
                this.release_connection();
                Poll::Ready(None)
            }
            Poll::Ready(Some(Ok(frame))) => {
                let next_deadline = tokio::time::Instant::now() + this.between_bytes;
                this.deadline.as_mut().reset(next_deadline);
                if this.incoming.is_end_stream() {
                    this.release_connection();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => {
                this.release = None;
                this.log_body_failure(&error.to_string());
                Poll::Ready(Some(Err(map_hyper_error(&error, true))))
            }
            Poll::Pending => {
                if this.deadline.as_mut().poll(cx).is_ready() {
                    // The connection is in an unknown state; dropping the sender
                    // and the body closes it.
                    this.release = None;
                    this.log_body_failure("no body bytes within the between-bytes timeout");
                    return Poll::Ready(Some(Err(HttpError::ConnectionReadTimeout)));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}

impl Drop for PooledBody {
    fn drop(&mut self) {
        // A body dropped before its end leaves unread bytes on the connection, so
        // only a fully read (or empty) body gives its connection back.
        if self.incoming.is_end_stream() {
            self.release_connection();
        }
    }
}

/// The `wasi:http` hooks of one store: the allow-list check, then the pooled sender.
pub(crate) struct OutboundHooks {
    /// `None` when the setup's base URL could not be parsed; every request is
    /// then denied (the guest rejects such a setup before sending anyway).
    pub(crate) allowed: Option<AllowedOrigin>,
    pub(crate) pool: Arc<ConnectionPool>,
    pub(crate) verbose: bool,
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _request_body_result: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        let origin = match &self.allowed {
            Some(origin) if origin.allows(request.uri()) => origin.clone(),
            _ => {
                if self.verbose {
                    let allowed = self
                        .allowed
                        .as_ref()
                        .map_or_else(|| "nothing (invalid base URL)".to_string(), ToString::to_string);
                    eprintln!(
                        "[host] denied {} {}://{}{}: only {allowed} is allowed",
                        request.method(),
                        request.uri().scheme_str().unwrap_or("?"),
                        request.uri().authority().map_or("?", |authority| authority.as_str()),
                        request.uri().path(),
                    );
                }
                return Box::new(async { Err(HttpError::HttpRequestDenied) });
            }
        };
        Box::new(Arc::clone(&self.pool).send(origin, request, options, self.verbose))
    }
}
