//! Sending requests to HubSpot with the retry policy.
//!
//! Retry policy, per request:
//! - 429 with HubSpot's ten-second or secondly policy: wait for `Retry-After`
//!   (seconds) when present, else for `X-HubSpot-RateLimit-Interval-Milliseconds`,
//!   else 10 s. Then retry, for every method, because HubSpot rejected the request
//!   without applying it.
//! - 429 with the `DAILY` policy: no retry.
//! - 5xx (except 501, 505, 522, 525 and 526, where retrying is pointless), 423 and
//!   timeouts or dropped connections: retried with exponential backoff (0.5 s,
//!   1 s, 2 s, ...) for GET, PATCH and PUT; never for POST, because the write may
//!   have happened.
//! - Every other status, 409 included: never retried.
//!
//! Attempts are capped by `max-attempts` and the waits by `max-retry-wait-ms`.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::{Config, BASE_BACKOFF_MS, DEFAULT_RATE_LIMIT_WAIT_MS};
use crate::error::{bad_response, from_failure, from_status};
use crate::transport::{Failure, FailureKind, Method, Request, Response, Transport};
use crate::types::{Error, WriteState};

/// A HubSpot API client bound to one task's settings.
pub struct Client<'t> {
    transport: &'t mut dyn Transport,
    config: Config,
    requests_sent: u32,
    pages_requested: u32,
}

/// Outcome of one attempt: final, or worth retrying after a wait.
enum Next {
    Done(Result<Response, Error>),
    RetryAfter(u64, Result<Response, Error>),
}

impl<'t> Client<'t> {
    /// Creates a client over `transport`.
    pub fn new(transport: &'t mut dyn Transport, config: Config) -> Client<'t> {
        Client {
            transport,
            config,
            requests_sent: 0,
            pages_requested: 0,
        }
    }

    /// Returns the settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Returns how many HTTP requests this client has sent.
    pub fn requests_sent(&self) -> u32 {
        self.requests_sent
    }

    /// Counts one more list page against `max-pages`; returns false when the task
    /// has used them all.
    pub fn count_page(&mut self) -> bool {
        if self.pages_requested >= self.config.max_pages {
            return false;
        }
        self.pages_requested = self.pages_requested.saturating_add(1);
        true
    }

    /// Sends a GET and parses the JSON body into `T`. `target` describes the request for
    /// error messages ("contact 151").
    pub fn get<T: DeserializeOwned>(&mut self, path: &str, target: &str) -> Result<T, Error> {
        let response = self.send(Method::Get, path, None, target)?;
        parse(&response, target, WriteState::None)
    }

    /// Sends a write with a JSON body and parses the JSON response into `T`.
    pub fn write<T: DeserializeOwned>(&mut self, method: Method, path: &str, body: &Value, target: &str) -> Result<T, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::Other(format!("{target}: could not encode the request body: {e}")))?;
        let response = self.send(method, path, Some(bytes), target)?;
        parse(&response, target, WriteState::Applied)
    }

    /// Sends a write whose response body is not needed.
    pub fn write_ignoring_body(&mut self, method: Method, path: &str, body: &Value, target: &str) -> Result<(), Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::Other(format!("{target}: could not encode the request body: {e}")))?;
        self.send(method, path, Some(bytes), target).map(|_| ())
    }

    /// Sends one request with retries and returns a 2xx response.
    pub fn send(&mut self, method: Method, path: &str, body: Option<Vec<u8>>, target: &str) -> Result<Response, Error> {
        let request = self.build(method, path, body);
        let mut attempts: u32 = 0;
        let mut waited_ms: u64 = 0;

        loop {
            attempts = attempts.saturating_add(1);
            self.requests_sent = self.requests_sent.saturating_add(1);
            let outcome = self.transport.send(&request, &self.config.limits);

            let next = self.classify(method, outcome, target, attempts);
            match next {
                Next::Done(result) => return result,
                Next::RetryAfter(wait_ms, result) => {
                    let over_budget = waited_ms.saturating_add(wait_ms) > self.config.max_retry_wait_ms;
                    if attempts >= self.config.max_attempts || over_budget {
                        return result;
                    }
                    waited_ms = waited_ms.saturating_add(wait_ms);
                    // The host shows the guest's stderr in its log; the line names
                    // the request and the reason, never a header.
                    let line = format!(
                        "hubspot-component: retrying {} {} in {wait_ms} ms (attempt {} of {}) after {}",
                        method.as_str(),
                        loggable_path(&request.path_and_query),
                        attempts.saturating_add(1),
                        self.config.max_attempts,
                        reason(&result),
                    );
                    eprintln!("{}", crate::error::redact(line, self.config.token.expose()));
                    self.transport.sleep(wait_ms);
                }
            }
        }
    }

    fn build(&self, method: Method, path: &str, body: Option<Vec<u8>>) -> Request {
        let mut headers: Vec<(&'static str, String)> = vec![
            ("authorization", format!("Bearer {}", self.config.token.expose())),
            ("accept", "application/json".to_string()),
            ("user-agent", concat!("hubspot-component/", env!("CARGO_PKG_VERSION")).to_string()),
        ];
        if let Some(body) = &body {
            headers.push(("content-type", "application/json".to_string()));
            headers.push(("content-length", body.len().to_string()));
        }
        Request {
            method,
            scheme: self.config.scheme,
            authority: self.config.authority.clone(),
            path_and_query: format!("{}{}", self.config.base_path, path),
            headers,
            body,
        }
    }

    /// Decides whether an attempt's outcome is final or worth retrying.
    fn classify(&self, method: Method, outcome: Result<Response, Failure>, target: &str, attempts: u32) -> Next {
        let unsafe_write = !method.is_idempotent();
        let failed_write_state = if method == Method::Get { WriteState::None } else { WriteState::Unknown };

        let response = match outcome {
            Ok(response) => response,
            Err(failure) => {
                let write_state = if failure.maybe_sent { failed_write_state } else { WriteState::None };
                let error = from_failure(&failure, target, write_state, attempts);
                let retryable = !unsafe_write && is_retryable_failure(&failure);
                return if retryable {
                    Next::RetryAfter(backoff_ms(attempts), Err(error))
                } else {
                    Next::Done(Err(error))
                };
            }
        };

        let status = response.status;
        if (200..300).contains(&status) {
            return Next::Done(Ok(response));
        }

        if status == 429 {
            let error = from_status(&response, target, WriteState::None, attempts);
            let daily = matches!(&error, Error::RateLimited(e) if e.daily_limit);
            return if daily {
                Next::Done(Err(error))
            } else {
                Next::RetryAfter(rate_limit_wait_ms(&response), Err(error))
            };
        }

        let server_error = status >= 500 || status == 423;
        let write_state = if server_error { failed_write_state } else { WriteState::None };
        let error = from_status(&response, target, write_state, attempts);
        if server_error && !unsafe_write && is_retryable_status(status) {
            let wait = retry_after_ms(&response).unwrap_or_else(|| backoff_ms(attempts));
            Next::RetryAfter(wait, Err(error))
        } else {
            Next::Done(Err(error))
        }
    }
}

/// Describes why an attempt is retried, for the log line: the status or the error
/// case, without HubSpot's message, which a server could fill with anything.
fn reason(result: &Result<Response, Error>) -> String {
    match result {
        Ok(response) => format!("HTTP {}", response.status),
        Err(Error::Transport(e)) => format!("transport error ({:?})", e.kind),
        Err(Error::RateLimited(e)) => format!("HTTP {} ({})", e.api.status, e.policy.as_deref().unwrap_or("rate limit")),
        Err(Error::Api(e)) => format!("HTTP {}", e.status),
        Err(error) => crate::error::case_name(error).to_string(),
    }
}

/// Returns the path without its query, and with any segment holding an email
/// (`%40`) replaced, so log lines carry no personal data.
fn loggable_path(path_and_query: &str) -> String {
    let path = path_and_query.split('?').next().unwrap_or("");
    path.split('/')
        .map(|segment| if segment.contains("%40") { "{email}" } else { segment })
        .collect::<Vec<&str>>()
        .join("/")
}

fn is_retryable_failure(failure: &Failure) -> bool {
    matches!(
        failure.kind,
        FailureKind::ReadTimeout | FailureKind::ConnectTimeout | FailureKind::ConnectionClosed | FailureKind::ConnectionRefused
    )
}

/// 5xx that HubSpot documents as transient (502, 503, 504, 521, 523, 524, and 500
/// in practice) and 423 (locked, "wait at least 2 seconds"). 501, 505 and the
/// connection or TLS errors 522, 525 and 526 do not improve with a retry.
fn is_retryable_status(status: u16) -> bool {
    status == 423 || (status >= 500 && !matches!(status, 501 | 505 | 522 | 525 | 526))
}

fn backoff_ms(attempts: u32) -> u64 {
    let exponent = attempts.saturating_sub(1).min(16);
    BASE_BACKOFF_MS.saturating_mul(1u64 << exponent)
}

fn retry_after_ms(response: &Response) -> Option<u64> {
    let seconds: u64 = response.header("retry-after")?.trim().parse().ok()?;
    Some(seconds.saturating_mul(1000))
}

fn rate_limit_wait_ms(response: &Response) -> u64 {
    if let Some(wait) = retry_after_ms(response) {
        return wait;
    }
    response
        .header("x-hubspot-ratelimit-interval-milliseconds")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_RATE_LIMIT_WAIT_MS)
}

/// Parses a 2xx body. A write that succeeded keeps `write_state` `applied` in the
/// error, so the caller knows the record exists even though its ID is unreadable.
pub fn parse<T: DeserializeOwned>(response: &Response, target: &str, write_state: WriteState) -> Result<T, Error> {
    serde_json::from_slice(&response.body).map_err(|e| {
        let mut message = format!("{target}: HubSpot's response (HTTP {}) could not be read: {e}", response.status);
        if write_state == WriteState::Applied {
            message.push_str(". The write was applied");
        }
        bad_response(response.status, message, write_state)
    })
}
