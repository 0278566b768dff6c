//! The one place that builds request paths and queries.
//!
//! Every value placed in a URL (IDs, emails, cursors, property names) goes through
//! [`encode`] exactly once: everything but RFC 3986 unreserved characters is
//! percent-encoded, so `+` becomes `%2B`, `@` becomes `%40` and a cursor's `%3D`
//! becomes `%253D`.

use std::fmt::Write;

/// Percent-encodes `value` for a path segment or a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            // `fmt::Write` for `String` always returns `Ok`.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A path with its query, built from literal parts and encoded values.
#[derive(Clone, Debug, Default)]
pub struct PathBuilder {
    path: String,
    query: String,
}

impl PathBuilder {
    /// Starts a path with a literal prefix such as `/crm/v3/objects/contacts`.
    pub fn new(prefix: &str) -> PathBuilder {
        PathBuilder {
            path: prefix.to_string(),
            query: String::new(),
        }
    }

    /// Appends one encoded path segment.
    pub fn segment(mut self, value: &str) -> PathBuilder {
        self.path.push('/');
        self.path.push_str(&encode(value));
        self
    }

    /// Appends a literal path part such as `/associations`.
    pub fn literal(mut self, part: &str) -> PathBuilder {
        self.path.push_str(part);
        self
    }

    /// Appends `name=value`, with the value encoded.
    pub fn query(mut self, name: &str, value: &str) -> PathBuilder {
        self.start_param(name);
        self.query.push_str(&encode(value));
        self
    }

    /// Appends `name=a,b,c`, each item encoded and the commas left as separators.
    pub fn query_list<S: AsRef<str>>(mut self, name: &str, values: &[S]) -> PathBuilder {
        self.start_param(name);
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.query.push(',');
            }
            self.query.push_str(&encode(value.as_ref()));
        }
        self
    }

    /// Appends `name=value` when `value` is present.
    pub fn query_opt(self, name: &str, value: Option<&str>) -> PathBuilder {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    fn start_param(&mut self, name: &str) {
        self.query.push(if self.query.is_empty() { '?' } else { '&' });
        self.query.push_str(name);
        self.query.push('=');
    }

    /// Returns the path and query.
    pub fn build(self) -> String {
        self.path + &self.query
    }
}
