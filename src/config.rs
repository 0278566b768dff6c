//! Connection settings: defaults, limits and the checks on `setup`.
//!
//! Every limit and default of the component is defined here, with its reason.

use std::fmt;

use crate::error::invalid;
use crate::transport::{Limits, Scheme};
use crate::types::{Error, Setup};

/// HubSpot's public API base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.hubapi.com";

/// Attempts per request, the first included. Three retries cover one ten-second
/// rate-limit window plus two short 5xx blips without stalling a pipeline for long.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 4;

/// Total wait between attempts of one request, in milliseconds. Long enough for
/// two waits of HubSpot's ten-second rolling window.
pub const DEFAULT_MAX_RETRY_WAIT_MS: u64 = 30_000;

/// Connection timeout, in milliseconds.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 10_000;

/// Time to the first response byte, in milliseconds. HubSpot returns most calls in
/// well under a second; 30 s leaves room for slow list pages.
pub const DEFAULT_FIRST_BYTE_TIMEOUT_MS: u64 = 30_000;

/// Time between two body chunks, in milliseconds.
pub const DEFAULT_BETWEEN_BYTES_TIMEOUT_MS: u64 = 30_000;

/// Largest response body, in bytes. A page of 100 records with every default
/// property is about 100 KiB (an estimate from the sandbox's pages), so 8 MiB
/// leaves wide room while keeping a hostile or broken server from exhausting the
/// guest's memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// Pages one listing task may request: 10,000 pages of 100 IDs is one million
/// records, far above most portals, and bounds a server that never stops paging.
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

/// Wait when HubSpot returns 429 for its ten-second window without saying how long
/// (no `Retry-After` and no `X-HubSpot-RateLimit-Interval-Milliseconds`).
pub const DEFAULT_RATE_LIMIT_WAIT_MS: u64 = 10_000;

/// First backoff after a 5xx or a timeout of an idempotent request; doubled on each
/// further attempt.
pub const BASE_BACKOFF_MS: u64 = 500;

/// Maximum token length accepted. HubSpot private-app tokens are about 44 characters;
/// OAuth access tokens are a few hundred.
pub const MAX_TOKEN_LEN: usize = 4096;

/// A secret that never appears in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Returns the token for the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Validated connection settings for one task.
#[derive(Clone, Debug)]
pub struct Config {
    /// Access token.
    pub token: Token,
    /// Scheme of the base URL.
    pub scheme: Scheme,
    /// Host and optional port.
    pub authority: String,
    /// Path prefix of the base URL without a trailing slash, usually empty.
    pub base_path: String,
    /// Attempts per request.
    pub max_attempts: u32,
    /// Total wait between attempts, in milliseconds.
    pub max_retry_wait_ms: u64,
    /// Timeouts and body cap.
    pub limits: Limits,
    /// Pages per listing task.
    pub max_pages: u32,
}

impl Config {
    /// Checks `setup` and fills in the defaults.
    pub fn from_setup(setup: &Setup) -> Result<Config, Error> {
        let token = check_token(&setup.token)?;
        let base_url = setup.base_url.as_deref().map(str::trim).unwrap_or("");
        let base_url = if base_url.is_empty() { DEFAULT_BASE_URL } else { base_url };
        let (scheme, authority, base_path) = parse_base_url(base_url)?;

        let max_attempts = setup.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS);
        if max_attempts == 0 {
            return Err(invalid(
                "setup.max-attempts",
                "max-attempts must be at least 1 (1 disables retries)",
            ));
        }
        let limits = Limits {
            connect_timeout_ms: positive(setup.connect_timeout_ms, DEFAULT_CONNECT_TIMEOUT_MS, "setup.connect-timeout-ms")?,
            first_byte_timeout_ms: positive(setup.first_byte_timeout_ms, DEFAULT_FIRST_BYTE_TIMEOUT_MS, "setup.first-byte-timeout-ms")?,
            between_bytes_timeout_ms: positive(setup.between_bytes_timeout_ms, DEFAULT_BETWEEN_BYTES_TIMEOUT_MS, "setup.between-bytes-timeout-ms")?,
            max_response_bytes: positive(setup.max_response_bytes, DEFAULT_MAX_RESPONSE_BYTES, "setup.max-response-bytes")?,
        };
        let max_pages = setup.max_pages.unwrap_or(DEFAULT_MAX_PAGES);
        if max_pages == 0 {
            return Err(invalid("setup.max-pages", "max-pages must be at least 1"));
        }

        Ok(Config {
            token,
            scheme,
            authority,
            base_path,
            max_attempts,
            max_retry_wait_ms: setup.max_retry_wait_ms.unwrap_or(DEFAULT_MAX_RETRY_WAIT_MS),
            limits,
            max_pages,
        })
    }
}

fn positive(value: Option<u64>, default: u64, field: &str) -> Result<u64, Error> {
    match value {
        None => Ok(default),
        Some(0) => Err(invalid(field, &format!("{field} must be greater than 0"))),
        Some(value) => Ok(value),
    }
}

/// Checks the token, which goes into an HTTP header: a control character or a line
/// break there would let a caller inject headers.
fn check_token(token: &str) -> Result<Token, Error> {
    let token = token.trim();
    if token.is_empty() {
        return Err(invalid(
            "setup.token",
            "token is empty: pass a HubSpot private-app access token (it starts with pat-)",
        ));
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(invalid(
            "setup.token",
            &format!("token is longer than {MAX_TOKEN_LEN} characters: pass the access token alone"),
        ));
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii()) {
        return Err(invalid(
            "setup.token",
            "token contains whitespace, control or non-ASCII characters: pass the access token alone, without `Bearer` or line breaks",
        ));
    }
    Ok(Token(token.to_string()))
}

/// Splits a base URL into scheme, authority and path prefix.
fn parse_base_url(url: &str) -> Result<(Scheme, String, String), Error> {
    const FIELD: &str = "setup.base-url";
    let fix = "use a URL such as https://api.hubapi.com";

    let (scheme, rest) = if let Some(rest) = strip_prefix_ignore_case(url, "https://") {
        (Scheme::Https, rest)
    } else if let Some(rest) = strip_prefix_ignore_case(url, "http://") {
        (Scheme::Http, rest)
    } else {
        return Err(invalid(FIELD, &format!("base-url must start with https://; {fix}")));
    };
    if rest.contains('?') || rest.contains('#') {
        return Err(invalid(FIELD, &format!("base-url must not contain a query or fragment; {fix}")));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii()) {
        return Err(invalid(FIELD, &format!("base-url contains whitespace, control or non-ASCII characters; {fix}")));
    }

    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return Err(invalid(FIELD, "base-url must not contain a user name or password: pass the token in setup.token"));
    }
    let host = host_of(authority).ok_or_else(|| invalid(FIELD, &format!("base-url has no valid host; {fix}")))?;
    if scheme == Scheme::Http && !is_loopback(&host) {
        return Err(invalid(
            FIELD,
            &format!("base-url must use https; plain http is accepted only for loopback hosts (127.0.0.1, [::1], localhost), not {host}"),
        ));
    }
    if path.contains("/../") || path.ends_with("/..") || path.contains("/./") || path.contains('%') {
        return Err(invalid(FIELD, &format!("base-url path must not contain dot segments or percent escapes; {fix}")));
    }

    let path = path.trim_end_matches('/').to_string();
    Ok((scheme, authority.to_ascii_lowercase(), path))
}

fn strip_prefix_ignore_case<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        value.get(prefix.len()..)
    } else {
        None
    }
}

/// Returns the host of an authority (`host`, `host:port`, `[v6]:port`) when the
/// authority is well formed.
fn host_of(authority: &str) -> Option<String> {
    if authority.is_empty() {
        return None;
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let end = rest.find(']')?;
        let host = rest.get(..end)?;
        let after = rest.get(end + 1..)?;
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => return None,
        };
        if host.is_empty() || !host.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
            return None;
        }
        (format!("[{host}]"), port)
    } else {
        let mut parts = authority.splitn(2, ':');
        let host = parts.next()?;
        let port = parts.next();
        if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
            return None;
        }
        (host.to_ascii_lowercase(), port)
    };
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        port.parse::<u32>().ok().filter(|p| (1..=65535).contains(p))?;
    }
    Some(host)
}

fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host == "[::1]" {
        return true;
    }
    let octets: Vec<&str> = host.split('.').collect();
    octets.len() == 4
        && octets.first() == Some(&"127")
        && octets.iter().all(|o| !o.is_empty() && o.len() <= 3 && o.parse::<u8>().is_ok())
}
