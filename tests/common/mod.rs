//! Shared test support: a scripted fake [`Transport`], a setup with a recognisable
//! token, and builders for HubSpot's JSON responses.

#![allow(dead_code)]

use std::collections::VecDeque;

use serde_json::{json, Value};

use hubspot_component::error::{case_name, message_of};
use hubspot_component::transport::{Failure, FailureKind, Limits, Method, Request, Response, Transport};
use hubspot_component::types::{ApiError, Error, Setup};

/// Token used in every test, so a leak into an error message is easy to find.
pub const TOKEN: &str = "pat-na1-SECRET-TOKEN-1234";

/// Loopback base URL; the fake transport never opens a connection to it.
pub const BASE_URL: &str = "http://127.0.0.1:9";

/// Status of the response to a request with no scripted reply. 501 is a 5xx the
/// client never retries, so one unexpected request gives exactly one error.
pub const UNEXPECTED_STATUS: u16 = 501;

/// Returns a setup with [`TOKEN`], [`BASE_URL`] and every other field at its default.
pub fn setup() -> Setup {
    Setup {
        token: TOKEN.to_string(),
        base_url: Some(BASE_URL.to_string()),
        max_attempts: None,
        max_retry_wait_ms: None,
        connect_timeout_ms: None,
        first_byte_timeout_ms: None,
        between_bytes_timeout_ms: None,
        max_response_bytes: None,
        max_pages: None,
    }
}

/// What the fake transport returns for one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete HTTP response.
    Response(Response),
    /// A failed send.
    Failure(Failure),
}

/// One scripted reply, optionally bound to a method and a path prefix.
#[derive(Clone, Debug)]
struct Scripted {
    method: Option<Method>,
    path_prefix: Option<String>,
    reply: Reply,
}

/// A [`Transport`] that returns scripted replies in order and records every request
/// and every sleep.
#[derive(Default)]
pub struct FakeTransport {
    queue: VecDeque<Scripted>,
    /// Every request sent, in order.
    pub requests: Vec<Request>,
    /// Limits passed with each request.
    pub limits: Vec<Limits>,
    /// Every sleep, in milliseconds.
    pub sleeps: Vec<u64>,
    /// Descriptions of requests that had no matching scripted reply.
    pub unexpected: Vec<String>,
}

impl FakeTransport {
    /// Creates a transport with an empty script.
    pub fn new() -> FakeTransport {
        FakeTransport::default()
    }

    /// Appends a reply for the next request, whatever it is.
    pub fn push(&mut self, reply: Reply) -> &mut FakeTransport {
        self.queue.push_back(Scripted {
            method: None,
            path_prefix: None,
            reply,
        });
        self
    }

    /// Appends a reply that only a request with `method` and a path starting with
    /// `path_prefix` may take.
    pub fn expect(&mut self, method: Method, path_prefix: &str, reply: Reply) -> &mut FakeTransport {
        self.queue.push_back(Scripted {
            method: Some(method),
            path_prefix: Some(path_prefix.to_string()),
            reply,
        });
        self
    }

    /// Appends a JSON response.
    pub fn push_json(&mut self, status: u16, body: Value) -> &mut FakeTransport {
        self.push(Reply::Response(json_response(status, &body)))
    }

    /// Appends a response.
    pub fn push_response(&mut self, response: Response) -> &mut FakeTransport {
        self.push(Reply::Response(response))
    }

    /// Appends a failed send.
    pub fn push_failure(&mut self, kind: FailureKind, maybe_sent: bool) -> &mut FakeTransport {
        self.push(Reply::Failure(failure(kind, maybe_sent)))
    }

    /// Returns how many scripted replies were not used.
    pub fn remaining(&self) -> usize {
        self.queue.len()
    }

    /// Returns the method and path-and-query of request `i`.
    pub fn line(&self, i: usize) -> String {
        match self.requests.get(i) {
            Some(request) => format!("{} {}", request.method.as_str(), request.path_and_query),
            None => format!("<no request {i}; {} sent>", self.requests.len()),
        }
    }

    /// Returns every request as `METHOD path?query`.
    pub fn lines(&self) -> Vec<String> {
        (0..self.requests.len()).map(|i| self.line(i)).collect()
    }

    /// Returns the JSON body of request `i`.
    pub fn body_json(&self, i: usize) -> Value {
        let request = self.requests.get(i).unwrap_or_else(|| panic!("no request {i}: {:?}", self.lines()));
        let body = request.body.as_ref().unwrap_or_else(|| panic!("request {i} has no body: {}", self.line(i)));
        serde_json::from_slice(body).unwrap_or_else(|e| panic!("request {i} body is not JSON ({e}): {:?}", String::from_utf8_lossy(body)))
    }

    /// Returns the value of header `name` of request `i`.
    pub fn header(&self, i: usize, name: &str) -> Option<String> {
        self.requests
            .get(i)?
            .headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.clone())
    }

    /// Asserts that the script was used up and no request was unexpected.
    pub fn assert_done(&self) {
        assert!(self.unexpected.is_empty(), "unexpected requests: {:?}", self.unexpected);
        assert_eq!(self.queue.len(), 0, "scripted replies not used; requests sent: {:?}", self.lines());
    }
}

impl Transport for FakeTransport {
    fn send(&mut self, request: &Request, limits: &Limits) -> Result<Response, Failure> {
        self.requests.push(request.clone());
        self.limits.push(*limits);
        let line = format!("{} {}", request.method.as_str(), request.path_and_query);

        let matches = match self.queue.front() {
            None => false,
            Some(next) => {
                next.method.is_none_or(|m| m == request.method)
                    && next.path_prefix.as_deref().is_none_or(|p| request.path_and_query.starts_with(p))
            }
        };
        if !matches {
            let expected = match self.queue.front() {
                None => "nothing (the script is used up)".to_string(),
                Some(next) => format!(
                    "{} {}",
                    next.method.map_or("any method", Method::as_str),
                    next.path_prefix.as_deref().unwrap_or("any path")
                ),
            };
            let description = format!("unexpected request {line}; the script expected {expected}");
            self.unexpected.push(description.clone());
            let body = json!({ "status": "error", "message": format!("fake transport: {description}"), "category": "UNEXPECTED_REQUEST" });
            return Ok(json_response(UNEXPECTED_STATUS, &body));
        }

        match self.queue.pop_front().map(|s| s.reply) {
            Some(Reply::Response(response)) => Ok(response),
            Some(Reply::Failure(failure)) => Err(failure),
            None => Err(failure(FailureKind::Other, false)),
        }
    }

    fn sleep(&mut self, milliseconds: u64) {
        self.sleeps.push(milliseconds);
    }
}

/// Builds a JSON response.
pub fn json_response(status: u16, body: &Value) -> Response {
    Response {
        status,
        headers: vec![("content-type".to_string(), "application/json;charset=utf-8".to_string())],
        body: serde_json::to_vec(body).unwrap_or_default(),
    }
}

/// Builds a response with raw body bytes and a content type.
pub fn raw_response(status: u16, content_type: &str, body: &[u8]) -> Response {
    Response {
        status,
        headers: vec![("content-type".to_string(), content_type.to_string())],
        body: body.to_vec(),
    }
}

/// Adds a header to a response.
pub fn with_header(mut response: Response, name: &str, value: &str) -> Response {
    response.headers.push((name.to_string(), value.to_string()));
    response
}

/// Builds a failed send.
pub fn failure(kind: FailureKind, maybe_sent: bool) -> Failure {
    Failure {
        kind,
        message: format!("fake transport failure {kind:?}"),
        maybe_sent,
        status: None,
    }
}

/// Builds a v3 CRM object: `{"id": id, "properties": {...}, "createdAt", "updatedAt", "archived": false}`.
pub fn crm_object(id: &str, properties: Value) -> Value {
    json!({
        "id": id,
        "properties": properties,
        "createdAt": "2024-07-01T09:00:00.000Z",
        "updatedAt": "2024-07-09T10:15:30.123Z",
        "archived": false,
    })
}

/// Builds a v3 CRM object with `associations.contacts` listing `contact_ids`.
pub fn crm_object_with_contacts(id: &str, properties: Value, contact_ids: &[&str]) -> Value {
    let mut object = crm_object(id, properties);
    let results: Vec<Value> = contact_ids
        .iter()
        .map(|contact| json!({ "id": contact, "type": "deal_to_contact" }))
        .collect();
    object["associations"] = json!({ "contacts": { "results": results } });
    object
}

/// Builds HubSpot's JSON error body.
pub fn error_body(message: &str, category: &str) -> Value {
    json!({
        "status": "error",
        "message": message,
        "correlationId": "aeb5f871-7f07-4993-9211-075dc63e7cbf",
        "category": category,
    })
}

/// Builds a list page: `{"results": [...], "paging": {"next": {"after": after}}}`,
/// without `paging` when `after` is `None`.
pub fn page(results: Vec<Value>, after: Option<&str>) -> Value {
    match after {
        Some(after) => json!({
            "results": results,
            "paging": { "next": { "after": after, "link": format!("https://api.hubapi.com/never-followed?after={after}") } },
        }),
        None => json!({ "results": results }),
    }
}

/// Builds `{"id": id}` items for a list page.
pub fn id_items<S: AsRef<str>>(ids: &[S]) -> Vec<Value> {
    ids.iter().map(|id| json!({ "id": id.as_ref() })).collect()
}

/// Returns the `invalid-input` field of `error`, or panics naming the case.
pub fn input_field(error: &Error) -> &str {
    match error {
        Error::InvalidInput(e) => &e.field,
        other => panic!("expected invalid-input, got {}: {other:?}", case_name(other)),
    }
}

/// Returns the API error inside `error`, for the cases that carry one.
pub fn api_of(error: &Error) -> &ApiError {
    match error {
        Error::Unauthorized(e) | Error::NotFound(e) | Error::Api(e) => e,
        Error::Forbidden(e) => &e.api,
        Error::Conflict(e) => &e.api,
        Error::RateLimited(e) => &e.api,
        other => panic!("expected an error with an HTTP response, got {}: {other:?}", case_name(other)),
    }
}

/// Asserts that `error` is the case `case`.
pub fn assert_case(error: &Error, case: &str) {
    assert_eq!(case_name(error), case, "error: {error:?}");
}

/// Returns the message of `error`.
pub fn message(error: &Error) -> String {
    message_of(error).to_string()
}
