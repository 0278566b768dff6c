//! Wire-level helpers shared by the route handlers: percent-decoding, query parsing, paging
//! cursors, ISO 8601 timestamps and HubSpot's error body.

use serde_json::{json, Map, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// Decodes `%XX` escapes once. Invalid escapes are kept as they are. `+` is kept, because in a
/// path segment it is a literal plus.
pub fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                out.push(hi * 16 + lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes a query value as a form field: `+` is a space, then `%XX` escapes are decoded once.
pub fn query_decode(input: &str) -> String {
    percent_decode(&input.replace('+', " "))
}

/// Percent-encodes everything except RFC 3986 unreserved characters.
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for b in input.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parsed query string: the decoded `(name, value)` pairs in request order.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .unwrap_or("")
            .split('&')
            .filter(|part| !part.is_empty())
            .map(|part| match part.split_once('=') {
                Some((name, value)) => (query_decode(name), query_decode(value)),
                None => (query_decode(part), String::new()),
            })
            .collect();
        Query { pairs }
    }

    /// Returns the first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Returns every value of `name`, with comma-separated values split, as HubSpot accepts
    /// both `properties=a,b` and `properties=a&properties=b`.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }

    /// Parses `archived`: absent means false; HubSpot accepts only `true` and `false`.
    pub fn archived(&self) -> Result<bool, String> {
        match self.get("archived") {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(format!(
                "Invalid value for query parameter 'archived': '{other}' (expected true or false)"
            )),
        }
    }

    /// Parses `limit` with its default and maximum.
    pub fn limit(&self, default: usize, max: usize) -> Result<usize, String> {
        match self.get("limit") {
            None | Some("") => Ok(default),
            Some(raw) => match raw.parse::<usize>() {
                Ok(0) => Err(format!("limit must be at least 1, got {raw}")),
                Ok(n) if n > max => Err(format!("limit must be at most {max}, got {n}")),
                Ok(n) => Ok(n),
                Err(_) => Err(format!("Invalid value for query parameter 'limit': '{raw}'")),
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Paging cursors
// ---------------------------------------------------------------------------------------------

const BASE64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64_encode(input: &[u8]) -> String {
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64_URL[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(input: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut bit_count = 0;
    let mut out = Vec::new();
    for c in input.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        bit_count += 6;
        if bit_count >= 8 {
            bit_count -= 8;
            out.push((bits >> bit_count) as u8);
            bits &= (1 << bit_count) - 1;
        }
    }
    Some(out)
}

/// Builds an opaque paging cursor for `kind` at `position`. The token is base64 with `=` padding
/// that is then percent-encoded, so it always contains `%3D`, like the tokens HubSpot returns.
pub fn encode_cursor(kind: &str, position: u64) -> String {
    let mut payload = format!("{kind}-{position}");
    if payload.len() % 3 == 0 {
        // A multiple of 3 bytes would need no padding; one more byte guarantees an `=`.
        payload.push('-');
    }
    base64_encode(payload.as_bytes()).replace('=', "%3D")
}

/// Reads a cursor made by [`encode_cursor`]. The value may arrive with its `%3D` intact, decoded
/// to `=`, or encoded once more (`%253D`), so it is percent-decoded until it stops changing.
pub fn decode_cursor(kind: &str, raw: &str) -> Result<u64, String> {
    let mut value = raw.to_string();
    for _ in 0..8 {
        let next = percent_decode(&value);
        if next == value {
            break;
        }
        value = next;
    }
    let invalid = || format!("Invalid paging cursor 'after={raw}'");
    let bytes = base64_decode(value.trim()).ok_or_else(invalid)?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let rest = text.strip_prefix(kind).and_then(|r| r.strip_prefix('-')).ok_or_else(invalid)?;
    rest.trim_end_matches('-').parse::<u64>().map_err(|_| invalid())
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

/// Returns the current time in epoch milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats epoch milliseconds as `YYYY-MM-DDThh:mm:ss.sssZ`.
pub fn iso_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// Formats epoch milliseconds as a date, `YYYY-MM-DD`.
pub fn iso_date(ms: i64) -> String {
    let (y, mo, d) = civil_from_days(ms.div_euclid(86_400_000));
    format!("{y:04}-{mo:02}-{d:02}")
}

/// Parses a timestamp the way HubSpot accepts one in a property value: epoch milliseconds as
/// digits (so 10-digit epoch seconds land in January 1970), `YYYY-MM-DD`, or ISO 8601 date-time
/// in UTC (`Z` or `+00:00`) with optional fractional seconds.
pub fn parse_timestamp_ms(value: &str) -> Option<i64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse().ok();
    }
    let num = |s: &str| -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (date, time) = match value.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (value, None),
    };
    let mut parts = date.split('-');
    let year = num(parts.next()?)?;
    let month = num(parts.next()?)?;
    let day = num(parts.next()?)?;
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut ms = days_from_civil(year, month, day) * 86_400_000;
    if let Some(time) = time {
        let time = time
            .strip_suffix('Z')
            .or_else(|| time.strip_suffix("+00:00"))
            .or_else(|| time.strip_suffix("+0000"))?;
        let (hms, fraction) = match time.split_once('.') {
            Some((h, f)) => (h, Some(f)),
            None => (time, None),
        };
        let mut hms_parts = hms.split(':');
        let hour = num(hms_parts.next()?)?;
        let minute = num(hms_parts.next()?)?;
        let second = match hms_parts.next() {
            Some(s) => num(s)?,
            None => 0,
        };
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        ms += hour * 3_600_000 + minute * 60_000 + second * 1000;
        if let Some(fraction) = fraction {
            let digits: String = fraction.chars().chain("000".chars()).take(3).collect();
            ms += num(&digits)?;
        }
    }
    Some(ms)
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Builds HubSpot's error body: `status`, `message`, `correlationId`, `category`, plus any
/// extra fields (such as `context` or `errors`) from `extra`.
pub fn error_body(message: &str, category: &str, correlation_id: &str, extra: Value) -> Value {
    let mut body = Map::new();
    body.insert("status".into(), json!("error"));
    body.insert("message".into(), json!(message));
    body.insert("correlationId".into(), json!(correlation_id));
    body.insert("category".into(), json!(category));
    if let Value::Object(fields) = extra {
        body.extend(fields);
    }
    Value::Object(body)
}

/// Returns a correlation ID in UUID form, derived from a counter so each one is unique.
pub fn correlation_id(counter: u64) -> String {
    let mut x = counter.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5851_F42D_4C95_7F2D;
    x ^= x >> 29;
    let y = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        (x >> 32) as u32,
        (x >> 16) as u16,
        (x & 0xfff) as u16,
        (y >> 52) as u16,
        y & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_contains_escaped_padding() {
        for position in [0, 1, 9, 10, 99, 100, 12345, 90_000_000_001] {
            let cursor = encode_cursor("0-1", position);
            assert!(cursor.contains("%3D"), "{cursor}");
            assert_eq!(decode_cursor("0-1", &cursor), Ok(position));
            assert_eq!(decode_cursor("0-1", &cursor.replace("%3D", "=")), Ok(position));
            assert_eq!(decode_cursor("0-1", &cursor.replace('%', "%25")), Ok(position));
        }
    }

    #[test]
    fn cursor_rejects_other_kind() {
        let cursor = encode_cursor("owners", 5);
        assert!(decode_cursor("0-1", &cursor).is_err());
        assert!(decode_cursor("0-1", "garbage!").is_err());
    }

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(iso_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_ms(1_720_483_200_000), "2024-07-09T00:00:00.000Z");
        assert_eq!(parse_timestamp_ms("2024-07-09T00:00:00.000Z"), Some(1_720_483_200_000));
        assert_eq!(parse_timestamp_ms("2024-07-09"), Some(1_720_483_200_000));
        assert_eq!(parse_timestamp_ms("2024-07-09T12:30:00Z"), Some(1_720_528_200_000));
        assert_eq!(parse_timestamp_ms("1720483200"), Some(1_720_483_200));
        assert_eq!(parse_timestamp_ms("not a date"), None);
        assert_eq!(iso_date(1_720_483_200_000), "2024-07-09");
    }

    #[test]
    fn decoding_is_single_pass() {
        assert_eq!(percent_decode("Ana.Lima%2BVIP%40example.com"), "Ana.Lima+VIP@example.com");
        assert_eq!(percent_decode("a%253Db"), "a%3Db");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(query_decode("a+b%2Bc"), "a b+c");
    }
}
