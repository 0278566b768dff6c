//! Fault injection: scripted and broken responses for chosen requests.
//!
//! A [`Fault`] is a response kind plus a matcher. Build one with a constructor, narrow it with
//! [`Fault::on`], [`Fault::on_path`] and [`Fault::query_contains`], limit it with
//! [`Fault::times`] (without it the fault applies to every matching request), and queue it with
//! [`super::Sandbox::inject`]. Faults are checked in the order injected, before the token check,
//! and the first match applies. Every request is recorded, faulted or not.
//!
//! | Constructor | Response |
//! |---|---|
//! | [`Fault::status`] | HubSpot's error body for the status: 400, 401 (`INVALID_AUTHENTICATION`), 403 (`MISSING_SCOPES`), 404 (`OBJECT_NOT_FOUND`), 409 (`CONFLICT`), 414, 423, 429 (`TEN_SECONDLY_ROLLING`), 477 (with `Retry-After`), 500, 502, 503, 504 |
//! | `Fault::status(403).missing_scopes(&[..])` | 403 `MISSING_SCOPES` with `errors[0].context.requiredScopes` |
//! | [`Fault::json`] | any status with a canned JSON body, sent as given (add headers with [`Fault::header`]) |
//! | [`Fault::html_status`], [`Fault::not_found_html`] | an HTML error page with that status |
//! | [`Fault::rate_limit_ten_secondly`] | 429 `TEN_SECONDLY_ROLLING`, optionally with `Retry-After` |
//! | [`Fault::rate_limit_daily`] | 429 `DAILY` |
//! | [`Fault::rate_limit_secondly`] | 429 `SECONDLY`, as the search endpoints send it |
//! | [`Fault::stall`] | reads the request and never responds |
//! | [`Fault::delay`] | handles the request normally after a delay ([`Fault::delayed`] delays any other fault) |
//! | [`Fault::stall_body`] | 200 headers, then no body bytes ever |
//! | [`Fault::truncated_body`] | `Content-Length` larger than the bytes sent, then the connection closes |
//! | [`Fault::malformed_json`] | 200 with a JSON content type and a body that is not JSON |
//! | [`Fault::empty_body`] | 200 with an empty body |
//! | [`Fault::html_page`] | 200 with an HTML page |
//! | [`Fault::huge_body`] | 200 with a valid JSON object of exactly N bytes |

use std::time::Duration;

use bytes::Bytes;
use serde_json::{json, Value};

use super::server::{unauthorized_body, Reply, ReplyBody};
use super::wire::error_body;
use super::{lock, Shared};

/// A scripted response for the requests that match it. See the module documentation.
#[derive(Clone, Debug)]
pub struct Fault {
    method: Option<String>,
    path_prefix: String,
    query_substring: Option<String>,
    times: Option<usize>,
    delay: Option<Duration>,
    action: FaultAction,
}

#[derive(Clone, Debug)]
pub(crate) enum FaultAction {
    /// HubSpot's error body, built per request so it gets that request's correlation ID.
    Error { status: u16, message: String, category: String, extra: Value, headers: Vec<(String, String)> },
    /// A body sent exactly as given.
    Canned { status: u16, content_type: String, body: Bytes, headers: Vec<(String, String)> },
    /// Handle the request normally (used with a delay).
    Pass,
    Stall,
    StallBody,
    Truncated,
    Huge(usize),
}

const JSON_TYPE: &str = "application/json;charset=utf-8";
const HTML_TYPE: &str = "text/html; charset=utf-8";

impl Fault {
    fn new(action: FaultAction) -> Fault {
        Fault { method: None, path_prefix: String::new(), query_substring: None, times: None, delay: None, action }
    }

    fn error(status: u16, message: &str, category: &str, extra: Value) -> Fault {
        Fault::new(FaultAction::Error {
            status,
            message: message.to_string(),
            category: category.to_string(),
            extra,
            headers: Vec::new(),
        })
    }

    /// Builds HubSpot's error response for `status`. Statuses without a known HubSpot body get a
    /// generic one with category `ERROR`.
    pub fn status(status: u16) -> Fault {
        match status {
            400 => Fault::error(400, "Invalid input.", "VALIDATION_ERROR", Value::Null),
            // An empty message makes `into_reply` send HubSpot's exact 401 body.
            401 => Fault::error(401, "", "INVALID_AUTHENTICATION", Value::Null)
                .header("X-HubSpot-Auth-Failure", "401 Unauthorized"),
            403 => Fault::new(missing_scopes_action(&[])),
            404 => Fault::error(
                404,
                "Object not found.  objectId are usually numeric.",
                "OBJECT_NOT_FOUND",
                Value::Null,
            ),
            409 => Fault::error(409, "Contact already exists. Existing ID: 151", "CONFLICT", Value::Null),
            414 => Fault::error(
                414,
                "Cannot have more than 250 identities on a profile",
                "VALIDATION_ERROR",
                Value::Null,
            ),
            423 => Fault::error(423, "The resource is locked; retry after at least 2 seconds.", "LOCKED", Value::Null),
            429 => Fault::rate_limit_ten_secondly(None),
            477 => Fault::error(
                477,
                "This account is being migrated between data centers. Retry later.",
                "MIGRATION_IN_PROGRESS",
                Value::Null,
            )
            .header("Retry-After", "30"),
            500 => Fault::error(500, "internal error", "INTERNAL_ERROR", Value::Null),
            502 => Fault::error(502, "Bad Gateway", "BAD_GATEWAY", Value::Null),
            503 => Fault::error(503, "Service Unavailable", "SERVICE_UNAVAILABLE", Value::Null),
            504 => Fault::error(504, "Gateway Timeout", "GATEWAY_TIMEOUT", Value::Null),
            other => Fault::error(other, &format!("HTTP {other}"), "ERROR", Value::Null),
        }
    }

    /// Turns the fault into 403 `MISSING_SCOPES` naming `scopes` in
    /// `errors[0].context.requiredScopes`, keeping its matcher, count and delay:
    /// `Fault::status(403).missing_scopes(&["crm.objects.contacts.read"])`.
    pub fn missing_scopes(mut self, scopes: &[&str]) -> Fault {
        self.action = missing_scopes_action(scopes);
        self
    }

    /// Builds a canned JSON response, sent exactly as given (scripted pages, odd bodies).
    pub fn json(status: u16, body: Value) -> Fault {
        Fault::new(FaultAction::Canned {
            status,
            content_type: JSON_TYPE.into(),
            body: Bytes::from(body.to_string()),
            headers: Vec::new(),
        })
    }

    /// Builds a canned response with any content type and body.
    pub fn raw(status: u16, content_type: &str, body: &str) -> Fault {
        Fault::new(FaultAction::Canned {
            status,
            content_type: content_type.into(),
            body: Bytes::from(body.to_string()),
            headers: Vec::new(),
        })
    }

    /// Builds an HTML error page with `status`, as a proxy or HubSpot's web tier sends one.
    pub fn html_status(status: u16) -> Fault {
        let page = format!(
            "<!DOCTYPE html>\n<html><head><title>{status} Error</title></head>\
             <body><h1>{status} Error</h1><p>The page you requested could not be served.</p></body></html>\n"
        );
        Fault::raw(status, HTML_TYPE, &page)
    }

    /// HubSpot's HTML 404 page, returned for some unknown paths.
    pub fn not_found_html() -> Fault {
        Fault::html_status(404)
    }

    /// 429 `TEN_SECONDLY_ROLLING` with the rate-limit headers at zero remaining, and
    /// `Retry-After: <seconds>` when `retry_after_seconds` is given.
    pub fn rate_limit_ten_secondly(retry_after_seconds: Option<u64>) -> Fault {
        let mut fault = Fault::rate_limit(
            "You have reached your ten_secondly_rolling limit.",
            "TEN_SECONDLY_ROLLING",
        )
        .header("X-HubSpot-RateLimit-Max", "190")
        .header("X-HubSpot-RateLimit-Remaining", "0")
        .header("X-HubSpot-RateLimit-Interval-Milliseconds", "10000");
        if let Some(seconds) = retry_after_seconds {
            fault = fault.header("Retry-After", &seconds.to_string());
        }
        fault
    }

    /// 429 `DAILY`: the account's daily limit is used up.
    pub fn rate_limit_daily() -> Fault {
        Fault::rate_limit("You have reached your daily limit.", "DAILY")
            .header("X-HubSpot-RateLimit-Daily", "650000")
            .header("X-HubSpot-RateLimit-Daily-Remaining", "0")
    }

    /// 429 from the search endpoints' per-second limit.
    pub fn rate_limit_secondly() -> Fault {
        Fault::rate_limit("You have reached your secondly limit.", "SECONDLY")
    }

    fn rate_limit(message: &str, policy: &str) -> Fault {
        // HubSpot's 429 body uses `errorType` and `policyName` instead of `category`.
        Fault::error(
            429,
            message,
            "RATE_LIMITS",
            json!({"errorType": "RATE_LIMIT", "policyName": policy, "groupName": "sandbox-private-app"}),
        )
    }

    /// Reads the request and never responds. The connection stays open until the client gives
    /// up or the sandbox stops.
    pub fn stall() -> Fault {
        Fault::new(FaultAction::Stall)
    }

    /// Handles the request normally, after `delay`.
    pub fn delay(delay: Duration) -> Fault {
        Fault::new(FaultAction::Pass).delayed(delay)
    }

    /// Sends 200 headers, then never sends a body byte.
    pub fn stall_body() -> Fault {
        Fault::new(FaultAction::StallBody)
    }

    /// Sends 200 with a `Content-Length` larger than the bytes that follow, then closes.
    pub fn truncated_body() -> Fault {
        Fault::new(FaultAction::Truncated)
    }

    /// 200 with a JSON content type and a body that is not valid JSON.
    pub fn malformed_json() -> Fault {
        Fault::raw(200, JSON_TYPE, "{\"id\": \"151\", \"properties\": {\"email\": ")
    }

    /// 200 with an empty body.
    pub fn empty_body() -> Fault {
        Fault::raw(200, JSON_TYPE, "")
    }

    /// 200 with an HTML page, as a captive portal or misrouted proxy returns.
    pub fn html_page() -> Fault {
        Fault::raw(
            200,
            HTML_TYPE,
            "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><p>Please sign in.</p></body></html>\n",
        )
    }

    /// 200 with a valid JSON object of exactly `bytes` bytes, streamed in chunks.
    pub fn huge_body(bytes: usize) -> Fault {
        Fault::new(FaultAction::Huge(bytes))
    }

    /// Matches only `method` (any case) on paths starting with `raw_path_prefix`, compared with
    /// the raw, undecoded path.
    pub fn on(mut self, method: &str, raw_path_prefix: &str) -> Fault {
        self.method = Some(method.to_ascii_uppercase());
        self.path_prefix = raw_path_prefix.to_string();
        self
    }

    /// Matches any method on paths starting with `raw_path_prefix`.
    pub fn on_path(mut self, raw_path_prefix: &str) -> Fault {
        self.method = None;
        self.path_prefix = raw_path_prefix.to_string();
        self
    }

    /// Matches only requests whose raw query string contains `substring`.
    pub fn query_contains(mut self, substring: &str) -> Fault {
        self.query_substring = Some(substring.to_string());
        self
    }

    /// Applies to the next `n` matching requests only, then is removed.
    pub fn times(mut self, n: usize) -> Fault {
        self.times = Some(n);
        self
    }

    /// Waits `delay` before sending the response.
    pub fn delayed(mut self, delay: Duration) -> Fault {
        self.delay = Some(delay);
        self
    }

    /// Adds a response header. Only error and canned responses carry extra headers.
    pub fn header(mut self, name: &str, value: &str) -> Fault {
        match &mut self.action {
            FaultAction::Error { headers, .. } | FaultAction::Canned { headers, .. } => {
                headers.push((name.to_ascii_lowercase(), value.to_string()));
            }
            _ => {}
        }
        self
    }

    /// Replaces the `message` of an error body.
    pub fn message(mut self, text: &str) -> Fault {
        if let FaultAction::Error { message, .. } = &mut self.action {
            *message = text.to_string();
        }
        self
    }

    fn matches(&self, method: &str, raw_path: &str, raw_query: Option<&str>) -> bool {
        if self.method.as_deref().is_some_and(|m| m != method) {
            return false;
        }
        if !raw_path.starts_with(&self.path_prefix) {
            return false;
        }
        match &self.query_substring {
            Some(substring) => raw_query.is_some_and(|q| q.contains(substring.as_str())),
            None => true,
        }
    }
}

fn missing_scopes_action(scopes: &[&str]) -> FaultAction {
    FaultAction::Error {
        status: 403,
        message: "This app hasn't been granted all required scopes to make this call. Read more \
                  about required scopes here: https://developers.hubspot.com/scopes."
            .into(),
        category: "MISSING_SCOPES".into(),
        extra: json!({
            "errors": [{
                "message": "One or more of the following scopes are required.",
                "context": {"requiredScopes": scopes},
            }],
            "links": {"scopes": "https://developers.hubspot.com/scopes"},
        }),
        headers: Vec::new(),
    }
}

/// A queued fault with its remaining uses.
pub(crate) struct ActiveFault {
    fault: Fault,
    remaining: Option<usize>,
}

impl ActiveFault {
    pub fn new(fault: Fault) -> ActiveFault {
        let remaining = fault.times;
        ActiveFault { fault, remaining }
    }
}

/// Finds the first queued fault matching the request, uses it up once, and returns its action
/// and delay.
pub(crate) fn take_matching(
    shared: &Shared,
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
) -> Option<(FaultAction, Option<Duration>)> {
    let mut faults = lock(&shared.faults);
    let index = faults.iter().position(|f| {
        f.remaining != Some(0) && f.fault.matches(method, raw_path, raw_query)
    })?;
    let entry = &mut faults[index];
    let found = (entry.fault.action.clone(), entry.fault.delay);
    if let Some(remaining) = entry.remaining.as_mut() {
        *remaining -= 1;
        if *remaining == 0 {
            faults.remove(index);
        }
    }
    Some(found)
}

impl FaultAction {
    /// Builds the response for every action except `Pass` and `Stall`, which the server
    /// handles itself.
    pub(crate) fn into_reply(self, correlation: &str) -> Reply {
        match self {
            FaultAction::Error { status, message, category, extra, headers } => {
                let body = if status == 401 && message.is_empty() {
                    unauthorized_body(correlation)
                } else {
                    error_body(&message, &category, correlation, extra)
                };
                let mut reply = Reply::json(status, &body);
                reply.headers.extend(headers);
                reply.rate_limit_headers = false;
                reply
            }
            FaultAction::Canned { status, content_type, body, headers } => {
                let mut reply = Reply::raw(status, &content_type, body);
                reply.headers.extend(headers);
                reply.rate_limit_headers = false;
                reply
            }
            FaultAction::StallBody => Reply {
                status: 200,
                headers: vec![("content-type".into(), JSON_TYPE.into())],
                body: ReplyBody::StallAfterHeaders,
                rate_limit_headers: true,
            },
            FaultAction::Truncated => {
                let sent = Bytes::from_static(b"{\"id\":\"151\",\"properties\":{\"email\":\"ana");
                Reply {
                    status: 200,
                    headers: vec![("content-type".into(), JSON_TYPE.into())],
                    body: ReplyBody::Truncated { declared: sent.len() + 200, sent },
                    rate_limit_headers: true,
                }
            }
            FaultAction::Huge(size) => Reply {
                status: 200,
                headers: vec![("content-type".into(), JSON_TYPE.into())],
                body: ReplyBody::Huge(size),
                rate_limit_headers: true,
            },
            FaultAction::Pass | FaultAction::Stall => Reply::no_content(),
        }
    }
}
