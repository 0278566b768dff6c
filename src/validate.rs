//! Input checks that run before any request. Each failure names the field and the fix.

use crate::error::invalid;
use crate::types::Error;

/// Longest ID accepted: HubSpot IDs are 64-bit numbers, at most 20 digits.
pub const MAX_ID_DIGITS: usize = 20;

/// Maximum email length accepted (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Maximum property name length accepted. HubSpot's own limit on internal names is
/// lower.
pub const MAX_PROPERTY_NAME_LEN: usize = 100;

/// Most IDs in one association list; HubSpot's batch limit is 100 per request, and
/// a create body carries them all.
pub const MAX_ASSOCIATIONS: usize = 100;

/// Most custom properties in one task.
pub const MAX_CUSTOM_PROPERTIES: usize = 100;

/// Maximum text field length accepted, in bytes. HubSpot's property value limit is
/// 65,536 characters, and conversation messages are smaller still.
pub const MAX_TEXT_LEN: usize = 65_536;

/// Trims `value` and checks that it is a HubSpot ID: 1 to 20 ASCII digits.
pub fn id(field: &str, value: &str) -> Result<String, Error> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(invalid(field, &format!("{field} is empty: pass a HubSpot ID such as 151")));
    }
    if trimmed.len() > MAX_ID_DIGITS || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            field,
            &format!(
                "{field} must be a HubSpot ID of 1 to {MAX_ID_DIGITS} digits, such as 151; got {}",
                quote(trimmed)
            ),
        ));
    }
    Ok(trimmed.to_string())
}

/// Trims and checks each ID of a list.
pub fn ids(field: &str, values: &[String]) -> Result<Vec<String>, Error> {
    if values.len() > MAX_ASSOCIATIONS {
        return Err(invalid(
            field,
            &format!("{field} has {} IDs; at most {MAX_ASSOCIATIONS} are accepted in one task", values.len()),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let id = id(&format!("{field}[{i}]"), value)?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Trims `value` and checks that it looks like an email address.
pub fn email(field: &str, value: &str) -> Result<String, Error> {
    let trimmed = value.trim();
    let fix = "pass an address such as ana@example.com";
    if trimmed.is_empty() {
        return Err(invalid(field, &format!("{field} is empty: {fix}")));
    }
    if trimmed.len() > MAX_EMAIL_LEN {
        return Err(invalid(field, &format!("{field} is longer than {MAX_EMAIL_LEN} characters: {fix}")));
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(field, &format!("{field} contains whitespace or control characters: {fix}")));
    }
    let mut parts = trimmed.split('@');
    let local = parts.next().unwrap_or("");
    let domain = parts.next().unwrap_or("");
    if parts.next().is_some() || local.is_empty() || domain.is_empty() {
        return Err(invalid(
            field,
            &format!("{field} must contain one @ with text on both sides; got {}: {fix}", quote(trimmed)),
        ));
    }
    Ok(trimmed.to_string())
}

/// Checks an optional text field.
pub fn optional_text(field: &str, value: &Option<String>) -> Result<Option<String>, Error> {
    value.as_deref().map(|v| text(field, v)).transpose()
}

/// Checks an optional ID field. `""` is kept, because it clears the property on
/// update.
pub fn optional_id(field: &str, value: &Option<String>) -> Result<Option<String>, Error> {
    match value.as_deref() {
        None => Ok(None),
        Some("") => Ok(Some(String::new())),
        Some(v) => id(field, v).map(Some),
    }
}

/// Checks an optional list of IDs.
pub fn optional_ids(field: &str, value: &Option<Vec<String>>) -> Result<Vec<String>, Error> {
    value.as_deref().map(|values| ids(field, values)).transpose().map(Option::unwrap_or_default)
}

/// Checks a HubSpot property's internal name: letters, digits and `_`, as HubSpot
/// generates them (custom objects' names may also contain `-` and `.`).
pub fn property_name(field: &str, name: &str) -> Result<String, Error> {
    let trimmed = name.trim();
    let valid = !trimmed.is_empty()
        && trimmed.len() <= MAX_PROPERTY_NAME_LEN
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if valid {
        Ok(trimmed.to_string())
    } else {
        Err(invalid(
            field,
            &format!(
                "{field}: {} is not a HubSpot property's internal name; use the internal name shown in HubSpot's property settings, such as hs_lead_score",
                quote(trimmed)
            ),
        ))
    }
}

/// Checks that a text value has no NUL and fits HubSpot's property size.
pub fn text(field: &str, value: &str) -> Result<String, Error> {
    if value.len() > MAX_TEXT_LEN {
        return Err(invalid(field, &format!("{field} is longer than {MAX_TEXT_LEN} bytes")));
    }
    if value.contains('\0') {
        return Err(invalid(field, &format!("{field} contains a NUL character")));
    }
    Ok(value.to_string())
}

/// Checks that a required text value is not blank.
pub fn required_text(field: &str, value: &str) -> Result<String, Error> {
    if value.trim().is_empty() {
        return Err(invalid(field, &format!("{field} is required and must not be empty")));
    }
    text(field, value)
}

/// Formats a number for HubSpot as a plain decimal string: `19.99`, `0`,
/// `1000000000000000000000`, never with an exponent.
pub fn number(field: &str, value: f64) -> Result<String, Error> {
    if !value.is_finite() {
        return Err(invalid(field, &format!("{field} must be a finite number")));
    }
    // Rust's `Display` for f64 prints the shortest exact decimal without exponent.
    let text = if value == 0.0 { "0".to_string() } else { value.to_string() };
    Ok(text)
}

/// Checks a date or date-time for HubSpot: ISO 8601 (`2024-07-09`,
/// `2024-07-09T00:00:00Z`, `2024-07-09T10:00:00.000+02:00`) or epoch milliseconds.
/// Epoch seconds are rejected because HubSpot reads them as milliseconds, a date in
/// January 1970.
pub fn date(field: &str, value: &str) -> Result<String, Error> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        // An empty value clears the property on update.
        return Ok(String::new());
    }
    if trimmed.bytes().all(|b| b.is_ascii_digit()) {
        if trimmed.len() <= 11 {
            return Err(invalid(
                field,
                &format!(
                    "{field} {trimmed} looks like epoch seconds, which HubSpot reads as milliseconds (a date in 1970): pass epoch milliseconds ({trimmed}000) or ISO 8601 such as 2024-07-09T00:00:00Z"
                ),
            ));
        }
        if trimmed.len() > 15 {
            return Err(invalid(field, &format!("{field} {trimmed} is too large for epoch milliseconds")));
        }
        return Ok(trimmed.to_string());
    }
    if is_iso_date(trimmed) {
        return Ok(trimmed.to_string());
    }
    Err(invalid(
        field,
        &format!(
            "{field} must be ISO 8601 (2024-07-09 or 2024-07-09T00:00:00Z) or epoch milliseconds; got {}",
            quote(trimmed)
        ),
    ))
}

fn is_iso_date(value: &str) -> bool {
    let bytes = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, c: u8| bytes.get(i) == Some(&c);

    let number = |range: std::ops::Range<usize>| value.get(range).and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
    let date_ok = digits(0..4) && at(4, b'-') && digits(5..7) && at(7, b'-') && digits(8..10);
    if !date_ok || !(1..=12).contains(&number(5..7)) || !(1..=31).contains(&number(8..10)) {
        return false;
    }
    if bytes.len() == 10 {
        return true;
    }
    let time_ok = (at(10, b'T') || at(10, b't')) && digits(11..13) && at(13, b':') && digits(14..16);
    if !time_ok || number(11..13) > 23 || number(14..16) > 59 {
        return false;
    }
    let mut rest = value.get(16..).unwrap_or("");
    if let Some(seconds) = rest.strip_prefix(':') {
        let secs: String = seconds.chars().take(2).collect();
        if secs.len() != 2 || !secs.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        rest = seconds.get(2..).unwrap_or("");
        if let Some(fraction) = rest.strip_prefix('.') {
            let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if len == 0 {
                return false;
            }
            rest = fraction.get(len..).unwrap_or("");
        }
    }
    match rest {
        "Z" | "z" => true,
        offset => {
            let b = offset.as_bytes();
            b.len() == 6
                && (b.first() == Some(&b'+') || b.first() == Some(&b'-'))
                && b.get(1..3).is_some_and(|p| p.iter().all(u8::is_ascii_digit))
                && b.get(3) == Some(&b':')
                && b.get(4..6).is_some_and(|p| p.iter().all(u8::is_ascii_digit))
        }
    }
}

/// Quotes a user value for an error message, shortened and with control
/// characters escaped so the message stays on one line.
pub fn quote(value: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::from("\"");
    for (count, c) in value.chars().enumerate() {
        if count >= MAX {
            out.push_str("...");
            break;
        }
        out.extend(c.escape_default());
    }
    out.push('"');
    out
}
