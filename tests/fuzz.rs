//! Randomised runs of `run::execute`: random task names, random JSON inputs built
//! from the real field IDs plus junk, random setups, and a transport that returns
//! random responses and failures. Every case must return `Ok` or `Err`, because a
//! panic would trap the component and kill the caller's instance.

// The error type is fixed by the WIT contract, so its size is not this test's to change.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::result_large_err)]

mod common;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use common::{setup, TOKEN};
use hubspot_component::error::{case_name, message_of};
use hubspot_component::run;
use hubspot_component::transport::{Failure, FailureKind, Limits, Method, Request, Response, Transport};
use hubspot_component::types::Setup;
use serde_json::{json, Map, Value};

/// Number of random cases: about 7 s in a debug build on a shared two-core machine.
const CASES: u64 = 200_000;

/// Fixed seed, mixed with the case index, so a failing case can be replayed.
const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// Max requests one case may send. After that the transport returns a
/// non-retryable failure, which bounds listings that page forever.
const MAX_REQUESTS_PER_CASE: u32 = 12;

const TASKS: &[&str] = &[
    "TASK_GET_CONTACT",
    "TASK_CREATE_CONTACT",
    "TASK_GET_DEAL",
    "TASK_CREATE_DEAL",
    "TASK_UPDATE_DEAL",
    "TASK_GET_COMPANY",
    "TASK_CREATE_COMPANY",
    "TASK_GET_TICKET",
    "TASK_CREATE_TICKET",
    "TASK_UPDATE_TICKET",
    "TASK_GET_THREAD",
    "TASK_INSERT_MESSAGE",
    "TASK_RETRIEVE_ASSOCIATION",
    "TASK_GET_OWNER",
    "TASK_GET_ALL",
    "get-contact",
    "update-ticket",
    "get-all",
];

const FIELD_IDS: &[&str] = &[
    "contact-id-or-email", "custom-properties", "owner-id", "email", "first-name", "last-name", "phone-number",
    "company", "job-title", "lifecycle-stage", "lead-status", "create-deals-association",
    "create-companies-association", "create-tickets-association", "deal-id", "deal-name", "pipeline", "deal-stage",
    "amount", "deal-type", "close-date", "create-contacts-association", "company-id", "company-name",
    "company-domain", "description", "industry", "company-type", "city", "state", "country", "postal-code",
    "postal-code,", "time-zone", "annual-revenue", "linkedin-page", "ticket-id", "ticket-name", "ticket-status",
    "categories", "priority", "source", "thread-id", "sender-actor-id", "recipients", "channel-account-id",
    "subject", "text", "contact-id", "object-type", "id-type", "id", "task",
];

const RESPONSE_KEYS: &[&str] = &[
    "id", "properties", "results", "paging", "next", "after", "link", "toObjectId", "associationTypes",
    "associations", "contacts", "type", "createdAt", "updatedAt", "senders", "recipients", "deliveryIdentifier",
    "deliveryIdentifiers", "actorId", "name", "value", "text", "subject", "channelId", "channelAccountId", "status",
    "statusType", "failureDetails", "errorMessage", "message", "category", "policyName", "errors", "context",
    "requiredScopes", "requiredGranularScopes", "propertyName", "correlationId", "userId", "userIdIncludingInactive",
    "teams", "primary", "archived", "firstName", "lastName", "email", "amount", "hs_lastmodifieddate",
    "hs_updated_by_user_id", "hs_ticket_category", "closedate", "annualrevenue", "totalrevenue",
];

/// xorshift64* pseudo-random numbers.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn random_string(rng: &mut Rng) -> String {
    match rng.below(22) {
        0 => String::new(),
        1 => " ".repeat(rng.below(4) as usize + 1),
        2..=5 => rng.below(1_000_000_000).to_string(),
        6 => format!(" {} ", rng.below(100_000)),
        7 => "9".repeat(rng.below(25) as usize + 1),
        8 => (*rng.pick(&["ana@example.com", "Ana.Lima+VIP@Example.com", "@x", "a@", "a@b@c", "a b@c.d", "@"])).to_string(),
        9 => (*rng.pick(&["12/../../owners", "1?archived=true", "%2e%2e", "1\n2", "\0", "é🙂", "1 2", "-5", "1.5", "0x10"])).to_string(),
        10 => (*rng.pick(&["Deals", "Companies", "Tickets", "Threads", "Contacts", "Owners", "Leads", "deals", " THREADS "])).to_string(),
        11 => (*rng.pick(&["Owner ID", "User ID", "owner-id", "user-id", "Email"])).to_string(),
        12 => (*rng.pick(&["2024-07-09", "2024-07-09T00:00:00Z", "1720483200", "1720483200000", "2024-7-9", "2024-07-09T10:00:00.000+02:00", "2024-07-09T1"])).to_string(),
        13 => (*rng.pick(&["A-3892666", "3892666", "A-A-1", "A-", "V-151", "A-1e3"])).to_string(),
        14 => (*rng.pick(&["PRODUCT_ISSUE", "A;B", "HIGH", "closedwon", "default", "hs_lead_score", "bad name", "hs_object_id", "dealstage"])).to_string(),
        15 => {
            if rng.chance(3) {
                "x".repeat(65_537)
            } else {
                "y".repeat(rng.below(300) as usize)
            }
        }
        16 => (0..rng.below(12)).map(|_| char::from_u32(rng.below(0x3000) as u32).unwrap_or('?')).collect(),
        17 => "\t\r\n".to_string(),
        18 => "MC0yLTcwMA%3D%3D".to_string(),
        19 => rng.below(u64::MAX).to_string(),
        _ => format!("id-{}", rng.below(1000)),
    }
}

fn random_number(rng: &mut Rng) -> Value {
    match rng.below(8) {
        0 => json!(0),
        1 => json!(rng.below(1_000_000)),
        2 => json!(-(rng.below(1_000_000) as i64)),
        3 => json!(19.99),
        4 => json!(1e21),
        5 => json!(1.7e308),
        6 => json!(u64::MAX),
        _ => json!(-0.0),
    }
}

/// Returns a random JSON value whose object keys come from `keys` or are junk.
fn random_value(rng: &mut Rng, keys: &[&str], depth: u32) -> Value {
    let kinds = if depth == 0 { 5 } else { 8 };
    match rng.below(kinds) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => random_number(rng),
        3 | 4 => Value::String(random_string(rng)),
        5 => Value::Array((0..rng.below(4)).map(|_| Value::String(random_string(rng))).collect()),
        6 => Value::Array((0..rng.below(4)).map(|_| random_value(rng, keys, depth - 1)).collect()),
        _ => {
            let mut map = Map::new();
            for _ in 0..rng.below(5) {
                let key = if rng.chance(80) { (*rng.pick(keys)).to_string() } else { random_string(rng) };
                map.insert(key, random_value(rng, keys, depth - 1));
            }
            Value::Object(map)
        }
    }
}

/// Returns a valid input for `task`, so mutations reach past the first check.
fn template(task: &str) -> Value {
    match task.trim_start_matches("TASK_").to_ascii_lowercase().replace('_', "-").as_str() {
        "get-contact" => json!({ "contact-id-or-email": "5101", "custom-properties": ["hs_lead_score"] }),
        "create-contact" => json!({ "email": "ana@example.com", "create-deals-association": ["9001"], "custom-properties": { "hs_lead_score": 12 } }),
        "get-deal" => json!({ "deal-id": "9001" }),
        "create-deal" => json!({ "deal-name": "x", "pipeline": "p", "deal-stage": "s", "amount": 19.99, "close-date": "2024-07-09" }),
        "update-deal" => json!({ "deal-id": "9001", "deal-stage": "closedwon", "create-contacts-association": ["201", "202"] }),
        "get-company" => json!({ "company-id": "8001" }),
        "create-company" => json!({ "company-domain": "example.com", "postal-code,": "10491", "annual-revenue": 5 }),
        "get-ticket" => json!({ "ticket-id": "6001" }),
        "create-ticket" => json!({ "ticket-name": "t", "ticket-status": "1", "pipeline": "0", "categories": ["A", "B"] }),
        "update-ticket" => json!({ "ticket-id": "6001", "priority": "HIGH", "create-contacts-association": ["201"] }),
        "get-thread" => json!({ "thread-id": "7001" }),
        "insert-message" => json!({ "thread-id": "7001", "sender-actor-id": "A-1", "recipients": ["ana@example.com"], "channel-account-id": "240", "subject": "s", "text": "t" }),
        "retrieve-association" => json!({ "contact-id": "201", "object-type": "Threads" }),
        "get-owner" => json!({ "id-type": "User ID", "id": "2001" }),
        "get-all" => json!({ "object-type": "Deals" }),
        _ => json!({}),
    }
}

fn random_task(rng: &mut Rng) -> String {
    if rng.chance(92) {
        (*rng.pick(TASKS)).to_string()
    } else {
        random_string(rng)
    }
}

fn random_input(rng: &mut Rng, task: &str) -> String {
    let mutations = match rng.below(20) {
        0 => return random_string(rng),
        1 => {
            let text = template(task).to_string();
            let cut = rng.below(text.len() as u64) as usize;
            return text.get(..cut).unwrap_or("").to_string();
        }
        2 => return random_value(rng, FIELD_IDS, 3).to_string(),
        3..=10 => 0,
        11..=16 => 1,
        _ => rng.below(5),
    };
    let mut input = match template(task) {
        Value::Object(map) if rng.chance(95) => map,
        _ => Map::new(),
    };
    for _ in 0..mutations {
        let key = if rng.chance(85) { (*rng.pick(FIELD_IDS)).to_string() } else { random_string(rng) };
        if rng.chance(20) {
            input.remove(&key);
        } else {
            input.insert(key, random_value(rng, &["hs_lead_score", "email", "x"], 2));
        }
    }
    Value::Object(input).to_string()
}

fn random_setup(rng: &mut Rng) -> Setup {
    let mut setup = setup();
    if rng.chance(80) {
        return setup;
    }
    if rng.chance(20) {
        setup.token = random_string(rng);
    }
    if rng.chance(30) {
        let urls = ["http://127.0.0.1:9", "https://x.com/p/", "http://api.hubapi.com", "http://[::1]:70000", "https://a@b", "", "http://localhost"];
        setup.base_url = Some((*rng.pick(&urls)).to_string());
    }
    if rng.chance(40) {
        setup.max_attempts = Some(*rng.pick(&[0, 1, 2, 4, 7, u32::MAX]));
    }
    if rng.chance(40) {
        setup.max_retry_wait_ms = Some(*rng.pick(&[0, 1, 999, 30_000, u64::MAX]));
    }
    if rng.chance(30) {
        setup.max_pages = Some(*rng.pick(&[0, 1, 2, 3, u32::MAX]));
    }
    if rng.chance(10) {
        setup.max_response_bytes = Some(*rng.pick(&[0, 1, u64::MAX]));
    }
    if rng.chance(10) {
        setup.connect_timeout_ms = Some(*rng.pick(&[0, 1, u64::MAX]));
    }
    setup
}

/// Returns the body shape HubSpot sends for `request`, as an index into
/// [`shaped_body`]'s shapes.
fn shape_for(request: &Request) -> u64 {
    let path = request.path_and_query.as_str();
    let post = request.method == Method::Post;
    if path.contains("/messages") {
        if post { 4 } else { 3 }
    } else if path.contains("/crm/v4/") {
        2
    } else if path.contains("limit=") {
        1
    } else if path.contains("/owners/") {
        5
    } else {
        0
    }
}

/// Returns a body of one of the shapes HubSpot sends, with random values inside:
/// shape `shape` when given, else a random one.
fn shaped_body(rng: &mut Rng, shape: Option<u64>) -> Value {
    let id = if rng.chance(80) { json!(rng.below(100_000).to_string()) } else { random_value(rng, RESPONSE_KEYS, 1) };
    let after = if rng.chance(60) { json!(format!("c{}", rng.below(4))) } else { random_value(rng, RESPONSE_KEYS, 1) };
    let mut paging = json!({ "next": { "after": after, "link": "https://api.hubapi.com/x" } });
    if rng.chance(10) {
        paging = random_value(rng, RESPONSE_KEYS, 2);
    }
    let properties = if rng.chance(80) {
        let mut map = Map::new();
        for name in ["amount", "hs_ticket_category", "email", "annualrevenue", "totalrevenue", "hs_lastmodifieddate", "hs_lead_score"] {
            if rng.chance(40) {
                map.insert(name.to_string(), random_value(rng, RESPONSE_KEYS, 1));
            }
        }
        Value::Object(map)
    } else {
        random_value(rng, RESPONSE_KEYS, 2)
    };
    match shape.unwrap_or_else(|| rng.below(9)) {
        0 => json!({ "id": id, "properties": properties, "updatedAt": random_value(rng, RESPONSE_KEYS, 0), "associations": { "contacts": { "results": [{ "id": id }] } } }),
        1 => json!({ "results": (0..rng.below(4)).map(|_| json!({ "id": rng.below(10_000) })).collect::<Vec<_>>(), "paging": paging }),
        2 => json!({ "results": [{ "toObjectId": id, "associationTypes": [] }], "paging": paging }),
        3 => json!({
            "results": [{
                "type": if rng.chance(70) { json!("MESSAGE") } else { random_value(rng, RESPONSE_KEYS, 0) },
                "createdAt": if rng.chance(70) { json!("2024-07-09T10:00:00.5Z") } else { random_value(rng, RESPONSE_KEYS, 0) },
                "senders": [{ "actorId": "A-1", "deliveryIdentifier": { "type": "HS_EMAIL_ADDRESS", "value": random_string(rng) } }],
                "recipients": random_value(rng, RESPONSE_KEYS, 2),
                "channelId": random_value(rng, RESPONSE_KEYS, 0),
                "client": { "clientType": "INTEGRATION", "integrationAppId": 4242 },
            }],
            "paging": paging,
        }),
        4 => json!({ "id": id, "status": { "statusType": if rng.chance(60) { json!(*rng.pick(&["SENT", "FAILED", "READ"])) } else { random_value(rng, RESPONSE_KEYS, 0) }, "failureDetails": random_value(rng, RESPONSE_KEYS, 1) } }),
        5 => json!({ "id": id, "userId": random_value(rng, RESPONSE_KEYS, 0), "teams": random_value(rng, RESPONSE_KEYS, 2), "archived": random_value(rng, RESPONSE_KEYS, 0) }),
        6 => json!({
            "message": random_value(rng, RESPONSE_KEYS, 0),
            "category": random_value(rng, RESPONSE_KEYS, 0),
            "policyName": *rng.pick(&["DAILY", "TEN_SECONDLY_ROLLING", "SECONDLY"]),
            "errors": random_value(rng, RESPONSE_KEYS, 3),
            "context": random_value(rng, RESPONSE_KEYS, 2),
        }),
        7 => json!({ "message": format!("Property values were not valid: [{{\"name\":{}}}", random_string(rng)) }),
        _ => random_value(rng, RESPONSE_KEYS, 3),
    }
}

fn random_body(rng: &mut Rng, request: &Request) -> Vec<u8> {
    if rng.chance(50) {
        return serde_json::to_vec(&shaped_body(rng, Some(shape_for(request)))).unwrap();
    }
    match rng.below(14) {
        0 => Vec::new(),
        1 => b"<html><body>502 Bad Gateway</body></html>".to_vec(),
        2 => {
            let text = serde_json::to_vec(&shaped_body(rng, None)).unwrap();
            let cut = rng.below(text.len() as u64 + 1) as usize;
            text[..cut].to_vec()
        }
        3 => (0..rng.below(64)).map(|_| rng.below(256) as u8).collect(),
        4 => {
            let depth = rng.below(300) as usize;
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
        }
        5 if rng.chance(2) => {
            let ids: Vec<Value> = (0..5_000).map(|i| json!({ "id": i.to_string() })).collect();
            serde_json::to_vec(&json!({ "results": ids })).unwrap()
        }
        6 => b"null".to_vec(),
        7 => b"{\"id\": 1e400}".to_vec(),
        _ => serde_json::to_vec(&shaped_body(rng, None)).unwrap(),
    }
}

fn random_status(rng: &mut Rng) -> u16 {
    match rng.below(10) {
        0..=4 => *rng.pick(&[200, 201, 204]),
        5 => *rng.pick(&[400, 401, 403, 404, 409, 414, 423, 429, 477]),
        6 => *rng.pick(&[500, 501, 502, 503, 504, 522, 599]),
        7 => 429,
        8 => *rng.pick(&[0, 100, 302, 999]),
        _ => rng.below(u64::from(u16::MAX) + 1) as u16,
    }
}

fn random_headers(rng: &mut Rng) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    if rng.chance(70) {
        headers.push(("content-type".to_string(), (*rng.pick(&["application/json", "text/html", ""])).to_string()));
    }
    if rng.chance(30) {
        let value = *rng.pick(&["1", "0", "-1", "99999999999999999999", "abc", " 2 ", "18446744073709551615"]);
        headers.push(((*rng.pick(&["retry-after", "Retry-After"])).to_string(), value.to_string()));
    }
    if rng.chance(20) {
        let value = *rng.pick(&["10000", "0", "x", "18446744073709551615"]);
        headers.push(("x-hubspot-ratelimit-interval-milliseconds".to_string(), value.to_string()));
    }
    if rng.chance(10) {
        headers.push(("x-hubspot-correlation-id".to_string(), random_string(rng)));
    }
    headers
}

/// A transport whose replies are random, bounded to [`MAX_REQUESTS_PER_CASE`].
struct RandomTransport {
    rng: Rng,
    sent: u32,
}

impl Transport for RandomTransport {
    fn send(&mut self, request: &Request, _limits: &Limits) -> Result<Response, Failure> {
        self.sent += 1;
        if self.sent > MAX_REQUESTS_PER_CASE {
            return Err(Failure { kind: FailureKind::Denied, message: "request budget used up".to_string(), maybe_sent: false, status: None });
        }
        let rng = &mut self.rng;
        if rng.chance(10) {
            let kinds = [
                FailureKind::Denied,
                FailureKind::Dns,
                FailureKind::ConnectionRefused,
                FailureKind::ConnectTimeout,
                FailureKind::ReadTimeout,
                FailureKind::Tls,
                FailureKind::ConnectionClosed,
                FailureKind::BodyTooLarge,
                FailureKind::Other,
            ];
            return Err(Failure {
                kind: *rng.pick(&kinds),
                message: random_string(rng),
                maybe_sent: rng.chance(50),
                status: if rng.chance(30) { Some(random_status(rng)) } else { None },
            });
        }
        Ok(Response {
            status: random_status(rng),
            headers: random_headers(rng),
            body: random_body(rng, request),
        })
    }

    fn sleep(&mut self, _milliseconds: u64) {}
}

/// Panic messages caught by the test's panic hook, newest last.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Runs [`CASES`] random cases. `cargo test --test fuzz -- --nocapture` prints how
/// many cases ended in each outcome.
#[test]
fn execute_never_panics() {
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut panics) = PANICS.lock() {
            panics.push(info.to_string());
        }
    }));

    let mut panicked: Vec<(u64, String, String, String)> = Vec::new();
    let mut bad_outputs: Vec<(u64, String)> = Vec::new();
    let mut leaked: Vec<(u64, String)> = Vec::new();
    let mut outcomes: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut requests_sent = 0u64;

    for case in 0..CASES {
        let mut rng = Rng::new(SEED ^ case.wrapping_mul(0x1000_0000_01B3));
        let task = random_task(&mut rng);
        let input = random_input(&mut rng, &task);
        let setup = random_setup(&mut rng);
        let mut transport = RandomTransport { rng: Rng::new(rng.next()), sent: 0 };

        let outcome = catch_unwind(AssertUnwindSafe(|| run::execute(&mut transport, &setup, &task, &input)));

        requests_sent += u64::from(transport.sent);
        match outcome {
            Err(_) => {
                *outcomes.entry("panic").or_default() += 1;
                let message = PANICS.lock().map(|mut p| p.pop().unwrap_or_default()).unwrap_or_default();
                panicked.push((case, task, input.chars().take(300).collect(), message));
            }
            Ok(Ok(output)) => {
                *outcomes.entry("ok").or_default() += 1;
                if !matches!(serde_json::from_str::<Value>(&output), Ok(Value::Object(_))) {
                    bad_outputs.push((case, output));
                }
            }
            Ok(Err(error)) => {
                *outcomes.entry(case_name(&error)).or_default() += 1;
                let text = format!("{error:?}");
                if setup.token == TOKEN && (text.contains("SECRET-TOKEN") || message_of(&error).contains("SECRET-TOKEN")) {
                    leaked.push((case, text));
                }
            }
        }
    }

    std::panic::set_hook(previous_hook);
    println!("{CASES} cases, {requests_sent} requests; outcomes: {outcomes:?}");
    assert!(panicked.is_empty(), "{} of {CASES} cases panicked; first (case, task, input, panic): {:?}", panicked.len(), panicked.first());
    assert!(bad_outputs.is_empty(), "outputs that are not JSON objects: {:?}", bad_outputs.first());
    assert!(leaked.is_empty(), "token in {} errors; first: {:?}", leaked.len(), leaked.first());

    // Guards the generator: most outcomes must be reached, or the run tests little.
    let ok_count = outcomes.get("ok").copied().unwrap_or(0);
    assert!(ok_count > CASES / 100, "only {ok_count} of {CASES} cases succeeded: {outcomes:?}");
    assert!(outcomes.len() >= 10, "only {} outcomes reached: {outcomes:?}", outcomes.len());
}
