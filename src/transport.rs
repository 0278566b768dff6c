//! The seam between HubSpot logic and the network.
//!
//! [`Transport`] sends one HTTP request and returns the whole response. The
//! component uses the `wasi:http` implementation; tests use a fake one.

use std::fmt;

/// HTTP methods the tasks use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Reads.
    Get,
    /// Creates; never retried after it may have reached HubSpot.
    Post,
    /// Partial updates; idempotent.
    Patch,
    /// Association writes; idempotent.
    Put,
}

impl Method {
    /// Returns the method's name as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
        }
    }

    /// Returns whether sending the request twice has the same effect as sending it
    /// once.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post)
    }
}

/// URL scheme of the HubSpot base URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP, accepted only for loopback hosts.
    Http,
    /// HTTPS.
    Https,
}

/// One HTTP request, fully built.
#[derive(Clone)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// Scheme of the base URL.
    pub scheme: Scheme,
    /// Host and optional port, such as `api.hubapi.com` or `127.0.0.1:8080`.
    pub authority: String,
    /// Path and query, already percent-encoded.
    pub path_and_query: String,
    /// Header names (lowercase) and values. Contains the `authorization` header.
    pub headers: Vec<(&'static str, String)>,
    /// JSON body, for POST, PATCH and PUT.
    pub body: Option<Vec<u8>>,
}

impl fmt::Debug for Request {
    /// Prints the request without the value of the `authorization` header.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                if *name == "authorization" {
                    (*name, "<redacted>")
                } else {
                    (*name, value.as_str())
                }
            })
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("scheme", &self.scheme)
            .field("authority", &self.authority)
            .field("path_and_query", &self.path_and_query)
            .field("headers", &headers)
            .field("body_bytes", &self.body.as_ref().map(Vec::len))
            .finish()
    }
}

/// Timeouts and size cap applied to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Timeout for opening the connection, in milliseconds.
    pub connect_timeout_ms: u64,
    /// Timeout for the first byte of the response, in milliseconds.
    pub first_byte_timeout_ms: u64,
    /// Timeout between two chunks of the body, in milliseconds.
    pub between_bytes_timeout_ms: u64,
    /// Largest body accepted, in bytes.
    pub max_response_bytes: u64,
}

/// A complete HTTP response.
#[derive(Clone, Debug, Default)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// Returns the first value of a header, matching the name without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Cause of a failed send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The host refused to send the request.
    Denied,
    /// Name resolution failed.
    Dns,
    /// The server refused the connection.
    ConnectionRefused,
    /// Opening the connection timed out.
    ConnectTimeout,
    /// The response or part of its body did not arrive in time.
    ReadTimeout,
    /// TLS failed.
    Tls,
    /// The connection closed before the response was complete.
    ConnectionClosed,
    /// The body exceeded [`Limits::max_response_bytes`].
    BodyTooLarge,
    /// Anything else.
    Other,
}

/// A failed send.
#[derive(Clone, Debug)]
pub struct Failure {
    /// What failed.
    pub kind: FailureKind,
    /// Description, with the `wasi:http` error code where there is one.
    pub message: String,
    /// Whether the request may have reached the server.
    pub maybe_sent: bool,
    /// Status code, when the response head arrived before the failure.
    pub status: Option<u16>,
}

/// Sends HTTP requests and waits between retries.
pub trait Transport {
    /// Sends one request and reads the whole response body, within `limits`.
    fn send(&mut self, request: &Request, limits: &Limits) -> Result<Response, Failure>;

    /// Blocks for `milliseconds`.
    fn sleep(&mut self, milliseconds: u64);
}
