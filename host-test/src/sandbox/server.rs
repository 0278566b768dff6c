//! The HTTP side: accepts connections, records each request, applies injected faults, checks
//! the token, routes to the handlers and adds HubSpot's response headers.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

use super::faults::FaultAction;
use super::store::Store;
use super::wire::{correlation_id, error_body, percent_decode, Query};
use super::{lock, PagedRoute, RecordedRequest, Shared};
use super::{associations, conversations, crm, owners};

/// Burst limit reported in `X-HubSpot-RateLimit-Max`: HubSpot's Professional tier allows 190
/// requests per 10 s per private app. The sandbox reports it but does not enforce it; inject
/// [`super::Fault::rate_limit_ten_secondly`] to test a 429.
const RATE_LIMIT_MAX: usize = 190;
/// Daily limit reported in `X-HubSpot-RateLimit-Daily` (HubSpot Professional: 650,000).
const RATE_LIMIT_DAILY: u64 = 650_000;
const RATE_LIMIT_INTERVAL: Duration = Duration::from_secs(10);

/// Requests in the current rolling 10-second window and since start, for the rate-limit headers.
#[derive(Default)]
pub(crate) struct RateWindow {
    recent: VecDeque<Instant>,
    total: u64,
}

impl RateWindow {
    fn count(&mut self) -> (usize, u64) {
        let now = Instant::now();
        while self.recent.front().is_some_and(|t| now.duration_since(*t) > RATE_LIMIT_INTERVAL) {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
        self.total += 1;
        (RATE_LIMIT_MAX.saturating_sub(self.recent.len()), RATE_LIMIT_DAILY.saturating_sub(self.total))
    }
}

/// A request after parsing: the raw target plus its path segments, each decoded once.
pub(crate) struct Request {
    pub method: String,
    pub raw_path: String,
    pub segments: Vec<String>,
    pub query: Query,
    pub body: Bytes,
}

impl Request {
    /// Parses the body as JSON. An empty body reads as `Null`.
    pub fn json(&self) -> Result<Value, String> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            format!("Invalid input JSON on line {}, column {}: {e}", e.line(), e.column())
        })
    }
}

/// Response produced by a handler or a fault, turned into a hyper response by the server.
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: ReplyBody,
    /// Search responses carry no `X-HubSpot-RateLimit-*` headers, like HubSpot's.
    pub rate_limit_headers: bool,
}

pub(crate) enum ReplyBody {
    Bytes(Bytes),
    /// Sends the headers, then never sends the body.
    StallAfterHeaders,
    /// Declares `declared` bytes in `Content-Length`, sends `sent`, then closes the connection.
    Truncated { sent: Bytes, declared: usize },
    /// A valid JSON object of exactly this many bytes, generated while it is sent.
    Huge(usize),
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json;charset=utf-8".into())],
            body: ReplyBody::Bytes(Bytes::from(value.to_string())),
            rate_limit_headers: true,
        }
    }

    pub fn raw(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: ReplyBody::Bytes(body.into()),
            rate_limit_headers: true,
        }
    }

    pub fn no_content() -> Reply {
        Reply {
            status: 204,
            headers: Vec::new(),
            body: ReplyBody::Bytes(Bytes::new()),
            rate_limit_headers: true,
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_ascii_lowercase(), value.to_string()));
        self
    }
}

/// Per-request context handed to the route handlers.
pub(crate) struct Ctx<'a> {
    pub store: &'a mut Store,
    pub correlation_id: String,
    page_sizes: HashMap<PagedRoute, usize>,
}

impl Ctx<'_> {
    /// Applies a [`super::Sandbox::set_page_size`] cap to the page size a request asked for.
    pub fn page_size(&self, route: PagedRoute, requested: usize) -> usize {
        self.page_sizes.get(&route).map_or(requested, |cap| requested.min(*cap))
    }

    /// Builds a HubSpot error response.
    pub fn error(&self, status: u16, message: &str, category: &str, extra: Value) -> Reply {
        Reply::json(status, &error_body(message, category, &self.correlation_id, extra))
    }

    /// Builds a 400 `VALIDATION_ERROR`.
    pub fn invalid(&self, message: &str) -> Reply {
        self.error(400, message, "VALIDATION_ERROR", Value::Null)
    }

    /// Builds HubSpot's 404 for a record ID that does not exist.
    pub fn object_not_found(&self, id: &str) -> Reply {
        self.error(
            404,
            "Object not found.  objectId are usually numeric.",
            "OBJECT_NOT_FOUND",
            json!({"context": {"id": [id]}}),
        )
    }

    /// Builds the 404 for a path no route serves.
    pub fn route_not_found(&self, method: &str, path: &str) -> Reply {
        // NOTE: HubSpot's body for an unknown route is not documented; this JSON is a guess that
        // follows its error format.
        self.error(
            404,
            &format!("No route matches {method} {path}"),
            "OBJECT_NOT_FOUND",
            Value::Null,
        )
    }

    pub fn method_not_allowed(&self, method: &str, path: &str) -> Reply {
        self.error(405, &format!("Method {method} is not allowed on {path}"), "VALIDATION_ERROR", Value::Null)
    }
}

/// Accepts connections until `shutdown` fires.
pub(crate) async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("hubspot sandbox: failed to register the listener: {err}");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    let shared = shared.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |req| handle(shared.clone(), req));
                        // Errors here are client disconnects and the faults that cut a
                        // response short on purpose; neither needs a log line.
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                Err(err) => {
                    eprintln!("hubspot sandbox: accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
        }
    }
}

async fn handle(
    shared: Arc<Shared>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<SandboxBody>, Infallible> {
    // 1. Record the request exactly as received.
    let method = req.method().as_str().to_string();
    let path_and_query =
        req.uri().path_and_query().map_or_else(|| req.uri().to_string(), |pq| pq.as_str().to_string());
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let body = match req.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    lock(&shared.requests).push(RecordedRequest {
        method: method.clone(),
        path_and_query: path_and_query.clone(),
        headers: headers.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    });
    let correlation = correlation_id(shared.counter.fetch_add(1, Ordering::Relaxed));

    let (raw_path, raw_query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (path_and_query.clone(), None),
    };

    // 2. Injected faults come first, so a scripted response needs no valid token.
    let fault = super::faults::take_matching(&shared, &method, &raw_path, raw_query.as_deref());
    let mut reply = None;
    if let Some((action, delay)) = fault {
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        match action {
            FaultAction::Stall => std::future::pending::<()>().await,
            FaultAction::Pass => {}
            other => reply = Some(other.into_reply(&correlation)),
        }
    }

    // 3. Authentication, then the route.
    let reply = match reply {
        Some(reply) => reply,
        None => {
            let authorized = headers
                .iter()
                .find(|(n, _)| n == "authorization")
                .and_then(|(_, v)| v.strip_prefix("Bearer "))
                .is_some_and(|token| token.trim() == shared.token);
            if authorized {
                let request = Request {
                    method: method.clone(),
                    segments: raw_path.trim_start_matches('/').split('/').map(percent_decode).collect(),
                    raw_path,
                    query: Query::parse(raw_query.as_deref()),
                    body,
                };
                let page_sizes = lock(&shared.page_sizes).clone();
                let mut store = lock(&shared.store);
                let mut ctx = Ctx { store: &mut store, correlation_id: correlation.clone(), page_sizes };
                route(&mut ctx, &request)
            } else {
                let mut reply = Reply::json(401, &unauthorized_body(&correlation))
                    .with_header("x-hubspot-auth-failure", "401 Unauthorized");
                reply.rate_limit_headers = false;
                reply
            }
        }
    };

    Ok(into_response(&shared, reply, &correlation))
}

/// HubSpot's 401 body for a missing or wrong token.
pub(crate) fn unauthorized_body(correlation: &str) -> Value {
    error_body(
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and \
         you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        "INVALID_AUTHENTICATION",
        correlation,
        Value::Null,
    )
}

fn route(ctx: &mut Ctx, req: &Request) -> Reply {
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    match segments.as_slice() {
        ["crm", "v3", "objects", rest @ ..] => crm::handle(ctx, req, rest),
        ["crm", "v4", "objects", rest @ ..] => associations::handle_v4_objects(ctx, req, rest),
        ["crm", "v4", "associations", rest @ ..] => associations::handle_v4_batch(ctx, req, rest),
        ["crm", "v3", "associations", rest @ ..] => associations::handle_v3_batch(ctx, req, rest),
        ["crm", "v3", "owners", rest @ ..] => owners::handle(ctx, req, rest),
        ["conversations", "v3", "conversations", rest @ ..] => conversations::handle(ctx, req, rest),
        _ => ctx.route_not_found(&req.method, &req.raw_path),
    }
}

fn into_response(shared: &Shared, reply: Reply, correlation: &str) -> hyper::Response<SandboxBody> {
    let mut builder = hyper::Response::builder()
        .status(reply.status)
        .header("x-hubspot-correlation-id", correlation);
    if reply.rate_limit_headers {
        let (remaining, daily_remaining) = lock(&shared.rate).count();
        builder = builder
            .header("x-hubspot-ratelimit-max", RATE_LIMIT_MAX.to_string())
            .header("x-hubspot-ratelimit-remaining", remaining.to_string())
            .header("x-hubspot-ratelimit-interval-milliseconds", RATE_LIMIT_INTERVAL.as_millis().to_string())
            .header("x-hubspot-ratelimit-daily", RATE_LIMIT_DAILY.to_string())
            .header("x-hubspot-ratelimit-daily-remaining", daily_remaining.to_string());
    }
    let body = match reply.body {
        ReplyBody::Bytes(bytes) => SandboxBody::Full(Some(bytes)),
        ReplyBody::StallAfterHeaders => SandboxBody::Stalled,
        ReplyBody::Truncated { sent, declared } => {
            builder = builder.header("content-length", declared.to_string());
            SandboxBody::Truncated(Some(sent), None)
        }
        ReplyBody::Huge(size) => SandboxBody::Huge { size, sent: 0 },
    };
    for (name, value) in &reply.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder.body(body).unwrap_or_else(|err| {
        eprintln!("hubspot sandbox: failed to build a response: {err}");
        hyper::Response::new(SandboxBody::Full(Some(Bytes::new())))
    })
}

/// Response body, including the broken ones that faults ask for.
pub(crate) enum SandboxBody {
    Full(Option<Bytes>),
    Stalled,
    /// Sends the bytes, waits briefly so hyper flushes them, then fails, which makes hyper
    /// close the connection short of the declared `Content-Length`.
    Truncated(Option<Bytes>, Option<Pin<Box<tokio::time::Sleep>>>),
    Huge { size: usize, sent: usize },
}

/// Time between the last bytes of a truncated body and closing the connection.
const TRUNCATION_PAUSE: Duration = Duration::from_millis(50);
const HUGE_PREFIX: &[u8] = b"{\"status\":\"ok\",\"padding\":\"";
const HUGE_SUFFIX: &[u8] = b"\"}";
const HUGE_CHUNK: usize = 64 * 1024;

impl Body for SandboxBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            SandboxBody::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            // Never woken: the connection stays open until the client gives up or the
            // sandbox stops.
            SandboxBody::Stalled => Poll::Pending,
            SandboxBody::Truncated(bytes, pause) => {
                if let Some(b) = bytes.take() {
                    return Poll::Ready(Some(Ok(Frame::data(b))));
                }
                let pause = pause.get_or_insert_with(|| Box::pin(tokio::time::sleep(TRUNCATION_PAUSE)));
                match pause.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => Poll::Ready(Some(Err(std::io::Error::other("truncated body fault")))),
                }
            }
            SandboxBody::Huge { size, sent } => {
                if *sent >= *size {
                    return Poll::Ready(None);
                }
                let chunk = huge_chunk(*size, *sent);
                *sent += chunk.len();
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, SandboxBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            SandboxBody::Full(Some(bytes)) => SizeHint::with_exact(bytes.len() as u64),
            SandboxBody::Full(None) => SizeHint::with_exact(0),
            SandboxBody::Huge { size, sent } => SizeHint::with_exact((size - sent) as u64),
            _ => SizeHint::default(),
        }
    }
}

/// Returns the next piece of a huge body: `{"status":"ok","padding":"xxx…"}` of `size` bytes in
/// total (just `x`s when `size` is too small for the JSON frame).
fn huge_chunk(size: usize, sent: usize) -> Vec<u8> {
    let end = (sent + HUGE_CHUNK).min(size);
    let framed = size >= HUGE_PREFIX.len() + HUGE_SUFFIX.len();
    (sent..end)
        .map(|i| {
            if !framed {
                b'x'
            } else if i < HUGE_PREFIX.len() {
                HUGE_PREFIX[i]
            } else if i >= size - HUGE_SUFFIX.len() {
                HUGE_SUFFIX[i - (size - HUGE_SUFFIX.len())]
            } else {
                b'x'
            }
        })
        .collect()
}
