//! Turning HTTP outcomes into the WIT `error` variant.

use serde_json::Value;

use crate::transport::{Failure, FailureKind, Response};
use crate::types::{
    ApiError, ConflictError, Error, ForbiddenError, InputError, RateLimitError, ResponseError,
    TransportError, TransportKind, WriteState,
};

/// Builds an `invalid-input` error for `field`.
pub fn invalid(field: &str, message: &str) -> Error {
    Error::InvalidInput(InputError {
        field: field.to_string(),
        message: message.to_string(),
    })
}

/// Builds an `invalid-response` error.
pub fn bad_response(status: u16, message: String, write_state: WriteState) -> Error {
    Error::InvalidResponse(ResponseError {
        status,
        message,
        write_state,
    })
}

/// Returns the human-readable message of any error.
pub fn message_of(error: &Error) -> &str {
    match error {
        Error::InvalidInput(e) => &e.message,
        Error::Unauthorized(e) | Error::NotFound(e) | Error::Api(e) => &e.message,
        Error::Forbidden(e) => &e.api.message,
        Error::Conflict(e) => &e.api.message,
        Error::RateLimited(e) => &e.api.message,
        Error::Transport(e) => &e.message,
        Error::InvalidResponse(e) => &e.message,
        Error::PartialWrite(e) => &e.message,
        Error::DeliveryFailed(e) => &e.message,
        Error::Other(message) => message,
    }
}

/// Returns the stable kebab-case name of an error's case, as in the WIT.
pub fn case_name(error: &Error) -> &'static str {
    match error {
        Error::InvalidInput(_) => "invalid-input",
        Error::Unauthorized(_) => "unauthorized",
        Error::Forbidden(_) => "forbidden",
        Error::NotFound(_) => "not-found",
        Error::Conflict(_) => "conflict",
        Error::RateLimited(_) => "rate-limited",
        Error::Api(_) => "api",
        Error::Transport(_) => "transport",
        Error::InvalidResponse(_) => "invalid-response",
        Error::PartialWrite(_) => "partial-write",
        Error::DeliveryFailed(_) => "delivery-failed",
        Error::Other(_) => "other",
    }
}

/// Maps an error status to the matching case. `target` names the request's target
/// ("contact 151"), and goes in front of HubSpot's message.
pub fn from_status(response: &Response, target: &str, write_state: WriteState, attempts: u32) -> Error {
    let body: Option<Value> = serde_json::from_slice(&response.body).ok();
    let api = api_error(response, body.as_ref(), target, write_state);

    match response.status {
        401 => Error::Unauthorized(api),
        403 => {
            let required_scopes = body.as_ref().map(required_scopes).unwrap_or_default();
            Error::Forbidden(ForbiddenError { api, required_scopes })
        }
        404 => Error::NotFound(api),
        409 => {
            let existing_id = existing_id(&api.message);
            Error::Conflict(ConflictError { api, existing_id })
        }
        429 => {
            let policy = body.as_ref().and_then(|b| string_at(b, "policyName"));
            let daily_limit = is_daily(policy.as_deref(), &api.message);
            Error::RateLimited(RateLimitError {
                api,
                policy,
                daily_limit,
                attempts,
            })
        }
        _ => Error::Api(api),
    }
}

fn api_error(response: &Response, body: Option<&Value>, target: &str, write_state: WriteState) -> ApiError {
    let hubspot_message = body.and_then(|b| string_at(b, "message"));
    let category = body.and_then(|b| string_at(b, "category"));
    let correlation_id = body
        .and_then(|b| string_at(b, "correlationId"))
        .or_else(|| response.header("x-hubspot-correlation-id").map(str::to_string));

    let detail = match hubspot_message {
        Some(message) => message,
        None => format!(
            "HubSpot answered HTTP {} with a body that is not HubSpot's JSON error ({})",
            response.status,
            response.header("content-type").unwrap_or("no content type")
        ),
    };
    let mut message = format!("{target}: HTTP {}: {detail}", response.status);
    match write_state {
        WriteState::Unknown => message.push_str(
            ". The request may have been applied: check HubSpot before repeating it",
        ),
        WriteState::Applied => message.push_str(". The request was applied"),
        WriteState::None => {}
    }

    ApiError {
        status: response.status,
        category,
        invalid_properties: invalid_properties(body, &detail),
        message,
        correlation_id,
        write_state,
    }
}

fn string_at(body: &Value, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Reads the missing scopes from `errors[].context.requiredScopes` (or the newer
/// `requiredGranularScopes`), and from a top-level `context`.
fn required_scopes(body: &Value) -> Vec<String> {
    let mut contexts: Vec<&Value> = Vec::new();
    if let Some(context) = body.get("context") {
        contexts.push(context);
    }
    if let Some(errors) = body.get("errors").and_then(Value::as_array) {
        contexts.extend(errors.iter().filter_map(|e| e.get("context")));
    }

    let mut scopes: Vec<String> = Vec::new();
    for context in contexts {
        for key in ["requiredScopes", "requiredGranularScopes"] {
            let values = context.get(key).and_then(Value::as_array);
            for scope in values.into_iter().flatten().filter_map(Value::as_str) {
                if !scopes.iter().any(|s| s == scope) {
                    scopes.push(scope.to_string());
                }
            }
        }
    }
    scopes
}

/// Finds the ID in HubSpot's 409 message, "Contact already exists. Existing ID: 37765128953".
pub fn existing_id(message: &str) -> Option<String> {
    let start = message.find("Existing ID:")? + "Existing ID:".len();
    let digits: String = message
        .get(start..)?
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if digits.is_empty() {
        None
    } else {
        Some(digits)
    }
}

fn is_daily(policy: Option<&str>, message: &str) -> bool {
    policy.is_some_and(|p| p.eq_ignore_ascii_case("DAILY")) || message.contains("daily limit")
}

/// Collects property names from HubSpot's validation errors: the JSON list inside
/// "Property values were not valid: [...]", and `errors[].context.propertyName`.
fn invalid_properties(body: Option<&Value>, message: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    };

    if let Some(start) = message.find('[') {
        if let Some(Value::Array(items)) = message.get(start..).and_then(|s| serde_json::from_str(s).ok()) {
            for name in items.iter().filter_map(|i| i.get("name")).filter_map(Value::as_str) {
                add(name);
            }
        }
    }
    if let Some(errors) = body.and_then(|b| b.get("errors")).and_then(Value::as_array) {
        for context in errors.iter().filter_map(|e| e.get("context")) {
            let values = context.get("propertyName").and_then(Value::as_array);
            for name in values.into_iter().flatten().filter_map(Value::as_str) {
                add(name);
            }
        }
    }
    names
}

/// Maps a failed send to the `transport` or `invalid-response` case.
pub fn from_failure(failure: &Failure, target: &str, write_state: WriteState, attempts: u32) -> Error {
    if failure.kind == FailureKind::BodyTooLarge {
        let status = failure.status.unwrap_or(0);
        // A 2xx head means the write succeeded even though its body is unreadable.
        let write_state = if write_state == WriteState::Unknown && (200..300).contains(&status) {
            WriteState::Applied
        } else {
            write_state
        };
        return bad_response(status, format!("{target}: {}", failure.message), write_state);
    }
    let kind = match failure.kind {
        FailureKind::Denied => TransportKind::Denied,
        FailureKind::Dns => TransportKind::Dns,
        FailureKind::ConnectionRefused => TransportKind::ConnectionRefused,
        FailureKind::ConnectTimeout => TransportKind::ConnectTimeout,
        FailureKind::ReadTimeout => TransportKind::ReadTimeout,
        FailureKind::Tls => TransportKind::Tls,
        FailureKind::ConnectionClosed => TransportKind::ConnectionClosed,
        FailureKind::BodyTooLarge | FailureKind::Other => TransportKind::Other,
    };
    let mut message = format!("{target}: {}", failure.message);
    if write_state == WriteState::Unknown {
        message.push_str(". The request may have reached HubSpot and been applied: check HubSpot before repeating it");
    }
    Error::Transport(TransportError {
        kind,
        message,
        attempts,
        write_state,
    })
}

/// Shortest start of the secret that is redacted when it appears alone: error
/// messages quote at most 60 characters of a value, so a long token pasted into an
/// input appears cut short.
const MIN_REDACTED_PREFIX: usize = 12;

/// Replaces every run of text that matches the start of `secret` (at least
/// [`MIN_REDACTED_PREFIX`] characters, or the whole secret when shorter) with
/// `<redacted>`.
pub fn redact(text: String, secret: &str) -> String {
    let probe_len = secret.len().min(MIN_REDACTED_PREFIX);
    let Some(probe) = secret.get(..probe_len) else {
        return text;
    };
    if probe.is_empty() || !text.contains(probe) {
        return text;
    }

    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find(probe) {
        let (before, candidate) = rest.split_at(start);
        out.push_str(before);
        let matched = candidate
            .bytes()
            .zip(secret.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        out.push_str("<redacted>");
        rest = candidate.get(matched..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// Replaces every run of `secret` in the error's texts (see [`redact`]), so a
/// server that echoes the token back cannot leak it through an error.
pub fn scrub(error: Error, secret: &str) -> Error {
    if secret.is_empty() {
        return error;
    }
    let clean = |text: String| redact(text, secret);
    let clean_api = |mut api: ApiError| -> ApiError {
        api.message = clean(api.message);
        api.category = api.category.map(clean);
        api.correlation_id = api.correlation_id.map(clean);
        api.invalid_properties = api.invalid_properties.into_iter().map(clean).collect();
        api
    };
    match error {
        Error::InvalidInput(mut e) => {
            e.message = clean(e.message);
            e.field = clean(e.field);
            Error::InvalidInput(e)
        }
        Error::Unauthorized(e) => Error::Unauthorized(clean_api(e)),
        Error::NotFound(e) => Error::NotFound(clean_api(e)),
        Error::Api(e) => Error::Api(clean_api(e)),
        Error::Forbidden(mut e) => {
            e.api = clean_api(e.api);
            e.required_scopes = e.required_scopes.into_iter().map(clean).collect();
            Error::Forbidden(e)
        }
        Error::Conflict(mut e) => {
            e.api = clean_api(e.api);
            e.existing_id = e.existing_id.map(clean);
            Error::Conflict(e)
        }
        Error::RateLimited(mut e) => {
            e.api = clean_api(e.api);
            e.policy = e.policy.map(clean);
            Error::RateLimited(e)
        }
        Error::Transport(mut e) => {
            e.message = clean(e.message);
            Error::Transport(e)
        }
        Error::InvalidResponse(mut e) => {
            e.message = clean(e.message);
            Error::InvalidResponse(e)
        }
        Error::PartialWrite(mut e) => {
            e.message = clean(e.message);
            e.applied = clean(e.applied);
            e.record_id = clean(e.record_id);
            Error::PartialWrite(e)
        }
        Error::DeliveryFailed(mut e) => {
            e.message = clean(e.message);
            e.error_message = e.error_message.map(clean);
            e.message_id = clean(e.message_id);
            e.status_type = clean(e.status_type);
            Error::DeliveryFailed(e)
        }
        Error::Other(text) => Error::Other(clean(text)),
    }
}
