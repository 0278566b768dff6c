//! Drives the HubSpot sandbox over real loopback HTTP with a minimal raw client, so the tests
//! see exactly the bytes a client would.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use host_test::sandbox::{Fault, ObjectType, PagedRoute, Sandbox, SandboxOptions};
use serde_json::{json, Value};

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    /// Body after de-chunking; for a `Content-Length` response, the bytes actually received.
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends one request with `Connection: close` and reads the response until the server closes.
fn raw_request(sandbox: &Sandbox, method: &str, target: &str, body: Option<&Value>, token: Option<&str>) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(sandbox.addr())?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let body_text = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", sandbox.addr());
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if body.is_some() {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body_text.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body_text.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    Ok(parse_response(&raw))
}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("response has a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..line_end]).trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            let start = line_end + 2;
            out.extend_from_slice(&rest[start..(start + size).min(rest.len())]);
            rest = &rest[(start + size + 2).min(rest.len())..];
        }
        body = out;
    }
    Response { status, headers, body }
}

fn get(sandbox: &Sandbox, target: &str) -> Response {
    raw_request(sandbox, "GET", target, None, Some(&sandbox.token())).expect("request failed")
}

fn send(sandbox: &Sandbox, method: &str, target: &str, body: Value) -> Response {
    raw_request(sandbox, method, target, Some(&body), Some(&sandbox.token())).expect("request failed")
}

fn started() -> Sandbox {
    Sandbox::start().expect("sandbox starts")
}

// ---------------------------------------------------------------------------------------------
// Authentication, headers, recording
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_token_is_401() {
    let sandbox = started();
    let response = raw_request(&sandbox, "GET", "/crm/v3/objects/contacts/151", None, None).unwrap();
    assert_eq!(response.status, 401);
    let body = response.json();
    assert_eq!(body["category"], "INVALID_AUTHENTICATION");
    assert_eq!(body["status"], "error");
    assert!(body["message"].as_str().unwrap().starts_with("Authentication credentials not found."));
    assert!(body["correlationId"].is_string());
    assert_eq!(response.header("x-hubspot-auth-failure"), Some("401 Unauthorized"));

    let wrong = raw_request(&sandbox, "GET", "/crm/v3/objects/contacts/151", None, Some("pat-wrong")).unwrap();
    assert_eq!(wrong.status, 401);
}

#[test]
fn success_carries_rate_limit_headers() {
    let sandbox = started();
    let response = get(&sandbox, "/crm/v3/objects/contacts/151");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("x-hubspot-ratelimit-interval-milliseconds"), Some("10000"));
    for name in ["x-hubspot-ratelimit-max", "x-hubspot-ratelimit-remaining", "x-hubspot-ratelimit-daily", "x-hubspot-ratelimit-daily-remaining", "x-hubspot-correlation-id"] {
        assert!(response.header(name).is_some(), "missing {name}");
    }
    let search = send(&sandbox, "POST", "/crm/v3/objects/contacts/search", json!({}));
    assert_eq!(search.status, 200);
    assert!(search.header("x-hubspot-ratelimit-max").is_none());
}

#[test]
fn requests_are_recorded_raw() {
    let sandbox = started();
    get(&sandbox, "/crm/v3/objects/contacts/Ana.Lima%2BVIP%40example.com?idProperty=email&after=MC0x%253D");
    let requests = sandbox.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.path(), "/crm/v3/objects/contacts/Ana.Lima%2BVIP%40example.com");
    assert_eq!(request.query(), Some("idProperty=email&after=MC0x%253D"));
    assert!(request.header("Authorization").unwrap().starts_with("Bearer "));
    assert_eq!(request.json(), Value::Null);
    sandbox.clear_requests();
    assert!(sandbox.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------
// CRM objects
// ---------------------------------------------------------------------------------------------

#[test]
fn contact_by_encoded_email() {
    let sandbox = started();
    let response = get(&sandbox, "/crm/v3/objects/contacts/ana.lima%2Bvip%40EXAMPLE.com?idProperty=email&properties=email,phone,hs_lead_status,nonexistent");
    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(body["id"], "151");
    let props = &body["properties"];
    assert_eq!(props["email"], "Ana.Lima+VIP@example.com");
    assert_eq!(props["phone"], "+5511912345678");
    assert_eq!(props["hs_object_id"], "151");
    assert_eq!(props["createdate"], "2024-05-01T10:00:00.000Z");
    assert_eq!(props["lastmodifieddate"], "2024-06-02T08:30:11.123Z");
    assert!(props.get("nonexistent").is_none());
    assert_eq!(body["archived"], false);

    let missing = get(&sandbox, "/crm/v3/objects/contacts/nobody%40example.com?idProperty=email");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["category"], "OBJECT_NOT_FOUND");
}

#[test]
fn null_and_empty_values() {
    let sandbox = started();
    let body = get(&sandbox, "/crm/v3/objects/contacts/152?properties=phone&properties=hs_lead_status").json();
    assert_eq!(body["properties"]["phone"], "");
    assert_eq!(body["properties"]["hs_lead_status"], Value::Null);
    let deal = get(&sandbox, "/crm/v3/objects/0-3/9003").json();
    assert_eq!(deal["properties"]["amount"], "");
    assert_eq!(deal["properties"]["dealname"], "Pilot");
    assert!(deal["properties"]["hs_lastmodifieddate"].is_string());
}

#[test]
fn associations_in_get() {
    let sandbox = started();
    let deal = get(&sandbox, "/crm/v3/objects/deals/9001?associations=contacts").json();
    let results = deal["associations"]["contacts"]["results"].as_array().unwrap();
    assert_eq!(results, &vec![json!({"id": "151", "type": "deal_to_contact"}), json!({"id": "152", "type": "deal_to_contact"})]);

    let contact = get(&sandbox, "/crm/v3/objects/contacts/151?associations=companies").json();
    let companies = contact["associations"]["companies"]["results"].as_array().unwrap();
    let for_700: Vec<&Value> = companies.iter().filter(|c| c["id"] == "700").collect();
    assert_eq!(for_700.len(), 2, "{companies:?}");
    assert_eq!(companies.len(), 4);

    let lonely = get(&sandbox, "/crm/v3/objects/deals/9002?associations=contacts").json();
    assert!(lonely.get("associations").is_none());
}

#[test]
fn merged_contact_redirects() {
    let sandbox = started();
    let body = get(&sandbox, "/crm/v3/objects/contacts/1001?properties=hs_merged_object_ids,email").json();
    assert_eq!(body["id"], "3003");
    assert_eq!(body["properties"]["hs_merged_object_ids"], "1001;2002");
    assert_eq!(body["properties"]["email"], "frank@example.com");
}

#[test]
fn duplicate_email_is_409() {
    let sandbox = started();
    let response = send(&sandbox, "POST", "/crm/v3/objects/contacts", json!({"properties": {"email": "ANA.LIMA+vip@example.com"}}));
    assert_eq!(response.status, 409);
    let body = response.json();
    assert_eq!(body["message"], "Contact already exists. Existing ID: 151");
    assert_eq!(body["category"], "CONFLICT");
}

#[test]
fn create_returns_201() {
    let sandbox = started();
    let response = send(
        &sandbox,
        "POST",
        "/crm/v3/objects/deals",
        json!({"properties": {"dealname": "New", "pipeline": "default", "dealstage": "qualifiedtobuy", "amount": "1500.50", "closedate": "1720483200", "description": null},
               "associations": [{"to": {"id": "151"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]}]}),
    );
    assert_eq!(response.status, 201);
    let body = response.json();
    let id = body["id"].as_str().unwrap().to_string();
    assert!(id.parse::<u64>().unwrap() > u64::from(u32::MAX));
    assert_eq!(body["properties"]["hs_object_id"], id.as_str());
    assert_eq!(body["properties"]["closedate"], "1970-01-20T21:54:43.200Z");
    assert!(body["properties"]["hs_lastmodifieddate"].as_str().unwrap().ends_with('Z'));
    assert!(body["properties"].get("description").is_none());
    assert_eq!(body["archived"], false);
    assert!(body["createdAt"].is_string());
    assert!(body["updatedAt"].is_string());

    let contacts = get(&sandbox, &format!("/crm/v4/objects/deals/{id}/associations/contacts")).json();
    assert_eq!(contacts["results"][0]["toObjectId"], 151);
}

#[test]
fn wrong_association_type_creates_nothing() {
    let sandbox = started();
    let before = sandbox.store().count(ObjectType::Deal);
    let response = send(
        &sandbox,
        "POST",
        "/crm/v3/objects/deals",
        json!({"properties": {"dealname": "Wrong"},
               "associations": [{"to": {"id": "151"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 4}]}]}),
    );
    assert_eq!(response.status, 400);
    let body = response.json();
    assert_eq!(body["message"], "One or more associations are invalid");
    assert_eq!(body["context"]["INVALID_OBJECT_IDS"][0], "DEAL=151 is not valid");
    assert_eq!(sandbox.store().count(ObjectType::Deal), before);

    let missing_target = send(
        &sandbox,
        "POST",
        "/crm/v3/objects/deals",
        json!({"properties": {"dealname": "Wrong"},
               "associations": [{"to": {"id": "999999"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]}]}),
    );
    assert_eq!(missing_target.status, 400);
    assert_eq!(missing_target.json()["context"]["INVALID_OBJECT_IDS"][0], "CONTACT=999999 is not valid");
    assert_eq!(sandbox.store().count(ObjectType::Deal), before);
}

#[test]
fn date_property_must_be_midnight() {
    let sandbox = started();
    let response = send(&sandbox, "PATCH", "/crm/v3/objects/contacts/151", json!({"properties": {"date_of_birth": "1720526400000"}}));
    assert_eq!(response.status, 400);
    let body = response.json();
    assert_eq!(body["category"], "VALIDATION_ERROR");
    assert_eq!(
        body["message"],
        "Property values were not valid: [{\"isValid\":false,\"message\":\"1720526400000 is at 12:0:0.0 UTC, not midnight!\",\"error\":\"INVALID_DATE\",\"name\":\"date_of_birth\"}]"
    );
    let ok = send(&sandbox, "PATCH", "/crm/v3/objects/contacts/151", json!({"properties": {"date_of_birth": "1720483200000"}}));
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["properties"]["date_of_birth"], "2024-07-09");
}

#[test]
fn unknown_property_write_is_400() {
    let sandbox = started();
    let response = send(&sandbox, "POST", "/crm/v3/objects/companies", json!({"properties": {"name": "X", "colour": "blue"}}));
    assert_eq!(response.status, 400);
    assert!(response.json()["message"].as_str().unwrap().contains("PROPERTY_DOESNT_EXIST"));
}

#[test]
fn patch_changes_only_given_properties() {
    let sandbox = started();
    let response = send(&sandbox, "PATCH", "/crm/v3/objects/deals/9001", json!({"properties": {"amount": "", "dealstage": "closedwon", "dealname": null}}));
    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(body["properties"]["amount"], "");
    assert_eq!(body["properties"]["dealstage"], "closedwon");
    assert_eq!(body["properties"]["dealname"], "Q3 renewal");
    assert_eq!(body["properties"]["hs_updated_by_user_id"], "2001");
    assert_ne!(body["properties"]["hs_lastmodifieddate"], "2024-06-02T08:30:11.123Z");

    let ticket = send(&sandbox, "PATCH", "/crm/v3/objects/tickets/4001", json!({"properties": {"hs_ticket_priority": "LOW"}})).json();
    assert!(ticket["properties"].get("hs_updated_by_user_id").is_none());
    assert_eq!(send(&sandbox, "PATCH", "/crm/v3/objects/tickets/77", json!({"properties": {}})).status, 404);
}

#[test]
fn archived_records_need_archived_true() {
    let sandbox = started();
    assert_eq!(raw_request(&sandbox, "DELETE", "/crm/v3/objects/companies/702", None, Some(&sandbox.token())).unwrap().status, 204);
    assert_eq!(get(&sandbox, "/crm/v3/objects/companies/702").status, 404);
    let archived = get(&sandbox, "/crm/v3/objects/companies/702?archived=true");
    assert_eq!(archived.status, 200);
    assert_eq!(archived.json()["archived"], true);
    let list = get(&sandbox, "/crm/v3/objects/companies?archived=true").json();
    assert_eq!(list["results"].as_array().unwrap().len(), 1);
}

#[test]
fn list_pages_over_seeded_contacts() {
    let sandbox = Sandbox::start_with(SandboxOptions { seed: false, ..SandboxOptions::default() }).unwrap();
    let ids = sandbox.seed_contacts(250);
    let mut seen = Vec::new();
    let mut target = "/crm/v3/objects/contacts?limit=100".to_string();
    let mut pages = 0;
    loop {
        let body = get(&sandbox, &target).json();
        pages += 1;
        seen.extend(body["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()));
        let Some(after) = body["paging"]["next"]["after"].as_str() else { break };
        assert!(after.contains("%3D"), "{after}");
        assert!(body["paging"]["next"]["link"].as_str().unwrap().starts_with("https://api.hubapi.com/crm/v3/objects/contacts?"));
        // Encode the JSON value once as a query value, as HubSpot's SDKs do.
        target = format!("/crm/v3/objects/contacts?limit=100&after={}", after.replace('%', "%25"));
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);

    assert_eq!(get(&sandbox, "/crm/v3/objects/contacts?limit=101").status, 400);
    assert_eq!(get(&sandbox, "/crm/v3/objects/contacts").json()["results"].as_array().unwrap().len(), 10);
}

#[test]
fn seed_contacts_gives_unique_ids() {
    let sandbox = Sandbox::start_with(SandboxOptions { seed: false, ..SandboxOptions::default() }).unwrap();
    let ids = sandbox.seed_contacts(100_000);
    assert_eq!(ids.len(), 100_000);
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 100_000);
}

#[test]
fn search_filters_and_caps() {
    let sandbox = started();
    let body = send(
        &sandbox,
        "POST",
        "/crm/v3/objects/contacts/search",
        json!({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": "ben@EXAMPLE.com"}]}], "properties": ["email"]}),
    )
    .json();
    assert_eq!(body["total"], 1);
    assert_eq!(body["results"][0]["id"], "152");
    assert_eq!(send(&sandbox, "POST", "/crm/v3/objects/contacts/search", json!({"limit": 201})).status, 400);
    assert_eq!(send(&sandbox, "POST", "/crm/v3/objects/contacts/search", json!({"after": "10000"})).status, 400);
}

// ---------------------------------------------------------------------------------------------
// Associations v4
// ---------------------------------------------------------------------------------------------

#[test]
fn v4_associations_page() {
    let sandbox = started();
    sandbox.set_page_size(PagedRoute::V4Associations, 1);
    let mut target = "/crm/v4/objects/contacts/151/associations/companies".to_string();
    let mut entries = Vec::new();
    loop {
        let body = get(&sandbox, &target).json();
        entries.extend(body["results"].as_array().unwrap().clone());
        let Some(link) = body["paging"]["next"]["link"].as_str() else { break };
        assert!(link.starts_with("https://api.hubapi.com/crm/v4/objects/contacts/151/associations/companies?"));
        target = link.trim_start_matches("https://api.hubapi.com").to_string();
    }
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["toObjectId"], 700);
    assert_eq!(
        entries[0]["associationTypes"],
        json!([{"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"}, {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": null}])
    );
    assert_eq!(get(&sandbox, "/crm/v4/objects/contacts/424242/associations/deals").json(), json!({"results": []}));
    assert_eq!(get(&sandbox, "/crm/v4/objects/contacts/151/associations/deals?limit=501").status, 400);
}

#[test]
fn v4_put_validates_direction() {
    let sandbox = started();
    let wrong = send(&sandbox, "PUT", "/crm/v4/objects/deals/9002/associations/contacts/151", json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 4}]));
    assert_eq!(wrong.status, 400);
    let missing = send(&sandbox, "PUT", "/crm/v4/objects/deals/9002/associations/contacts/999", json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]));
    assert_eq!(missing.status, 400);
    let ok = send(&sandbox, "PUT", "/crm/v4/objects/deals/9002/associations/contacts/151", json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]));
    assert_eq!(ok.status, 201);
    assert_eq!(ok.json()["toObjectId"], 151);
    let default = raw_request(&sandbox, "PUT", "/crm/v4/objects/deals/9003/associations/default/companies/701", None, Some(&sandbox.token())).unwrap();
    assert_eq!(default.status, 200);
    let back = get(&sandbox, "/crm/v4/objects/companies/701/associations/deals").json();
    assert_eq!(back["results"][0]["toObjectId"], 9003);
    assert_eq!(back["results"][0]["associationTypes"][0]["typeId"], 342);
}

// ---------------------------------------------------------------------------------------------
// Owners
// ---------------------------------------------------------------------------------------------

#[test]
fn owners_by_id_and_user_id() {
    let sandbox = started();
    let maria = get(&sandbox, "/crm/v3/owners/1001").json();
    assert_eq!(maria["userId"], 2001);
    assert_eq!(maria["teams"][0]["name"], "West Coast Sales");
    let kenji = get(&sandbox, "/crm/v3/owners/2002?idProperty=userId").json();
    assert_eq!(kenji["id"], "1002");
    assert!(kenji.get("teams").is_none());
    assert_eq!(get(&sandbox, "/crm/v3/owners/1003").status, 404);
    let former = get(&sandbox, "/crm/v3/owners/1003?archived=true").json();
    assert_eq!(former["userId"], Value::Null);
    assert_eq!(former["userIdIncludingInactive"], 2003);
    assert_eq!(get(&sandbox, "/crm/v3/owners/1001/").status, 404);
    let list = get(&sandbox, "/crm/v3/owners?limit=1").json();
    assert_eq!(list["results"].as_array().unwrap().len(), 1);
    assert!(list["paging"]["next"]["after"].as_str().unwrap().contains("%3D"));
    assert_eq!(get(&sandbox, "/crm/v3/owners?limit=501").status, 400);
}

// ---------------------------------------------------------------------------------------------
// Conversations
// ---------------------------------------------------------------------------------------------

#[test]
fn threads_require_status_with_contact() {
    let sandbox = started();
    let base = "/conversations/v3/conversations/threads";
    assert_eq!(get(&sandbox, &format!("{base}?associatedContactId=151")).status, 400);
    assert_eq!(get(&sandbox, &format!("{base}?associatedContactId=151&threadStatus=OPEN&inboxId=147959634")).status, 400);
    let open = get(&sandbox, &format!("{base}?associatedContactId=151&threadStatus=OPEN")).json();
    let ids: Vec<&str> = open["results"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["8001"]);
    let closed = get(&sandbox, &format!("{base}?associatedContactId=151&threadStatus=CLOSED")).json();
    assert_eq!(closed["results"][0]["id"], "8002");
    assert_eq!(get(&sandbox, &format!("{base}/999")).status, 404);
}

#[test]
fn messages_newest_first_mixed_types() {
    let sandbox = started();
    let body = get(&sandbox, "/conversations/v3/conversations/threads/8001/messages").json();
    let items = body["results"].as_array().unwrap();
    assert_eq!(items.len(), 9);
    assert_eq!(items[0]["id"], "m-8001-9");
    let types: Vec<&str> = items.iter().map(|m| m["type"].as_str().unwrap()).collect();
    for wanted in ["MESSAGE", "COMMENT", "THREAD_STATUS_CHANGE", "ASSIGNMENT", "CALL_SUMMARY"] {
        assert!(types.contains(&wanted), "{wanted} missing from {types:?}");
    }
    let with_file = items.iter().find(|m| m["id"] == "m-8001-5").unwrap();
    assert_eq!(with_file["client"]["integrationAppId"], 1_234_567);
    assert_eq!(with_file["attachments"][0]["type"], "FILE");
    let oldest = get(&sandbox, "/conversations/v3/conversations/threads/8001/messages?sort=createdAt&limit=2").json();
    assert_eq!(oldest["results"][0]["id"], "m-8001-1");
    assert!(oldest["results"][0]["recipients"][0].get("name").is_none());
    assert!(oldest["paging"]["next"]["after"].is_string());
}

#[test]
fn post_message_validates_and_sends() {
    let sandbox = started();
    let path = "/conversations/v3/conversations/threads/8001/messages";
    let valid = json!({
        "type": "MESSAGE", "text": "Fixed now.", "senderActorId": "A-3892666", "channelId": "1002", "channelAccountId": "55",
        "recipients": [{"recipientField": "TO", "deliveryIdentifiers": [{"type": "HS_EMAIL_ADDRESS", "value": "Ana.Lima+VIP@example.com"}]}],
    });
    let sent = send(&sandbox, "POST", path, valid.clone());
    assert_eq!(sent.status, 201);
    let body = sent.json();
    assert_eq!(body["status"]["statusType"], "SENT");
    assert_eq!(body["recipients"][0]["deliveryIdentifier"]["value"], "Ana.Lima+VIP@example.com");
    assert!(body["client"]["integrationAppId"].is_u64());

    let mut singular = valid.clone();
    singular["recipients"] = json!([{"deliveryIdentifier": {"type": "HS_EMAIL_ADDRESS", "value": "x@bounce.example"}}]);
    let failed = send(&sandbox, "POST", path, singular).json();
    assert_eq!(failed["status"]["statusType"], "FAILED");
    assert!(failed["status"]["failureDetails"]["errorMessage"].is_string());

    for (field, value) in [("senderActorId", json!("V-151")), ("senderActorId", json!("A-1")), ("type", json!("NOTE")), ("recipients", json!([{"name": "x"}])), ("channelAccountId", json!("77"))] {
        let mut bad = valid.clone();
        bad[field] = value.clone();
        let response = send(&sandbox, "POST", path, bad);
        assert_eq!(response.status, 400, "{field}={value}");
        assert_eq!(response.json()["category"], "VALIDATION_ERROR");
    }
    let comment = send(&sandbox, "POST", path, json!({"type": "COMMENT", "text": "note"}));
    assert_eq!(comment.status, 201);
    assert_eq!(send(&sandbox, "POST", "/conversations/v3/conversations/threads/1/messages", valid).status, 404);
    let newest = get(&sandbox, &format!("{path}?limit=1")).json();
    assert_eq!(newest["results"][0]["type"], "COMMENT");
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

#[test]
fn fault_status_bodies() {
    let sandbox = started();
    let path = "/crm/v3/objects/deals/9001";
    sandbox.inject(Fault::status(403).missing_scopes(&["crm.objects.deals.read"]).on("GET", "/crm/v3/objects/deals/").times(1));
    let forbidden = get(&sandbox, path);
    assert_eq!(forbidden.status, 403);
    let body = forbidden.json();
    assert_eq!(body["category"], "MISSING_SCOPES");
    assert_eq!(body["errors"][0]["context"]["requiredScopes"][0], "crm.objects.deals.read");
    assert_eq!(get(&sandbox, path).status, 200, "times(1) applies once");

    for (status, category) in [(401, "INVALID_AUTHENTICATION"), (404, "OBJECT_NOT_FOUND"), (409, "CONFLICT"), (500, "INTERNAL_ERROR"), (502, "BAD_GATEWAY"), (503, "SERVICE_UNAVAILABLE")] {
        sandbox.inject(Fault::status(status).on_path(path).times(1));
        let response = get(&sandbox, path);
        assert_eq!(response.status, status);
        let body = response.json();
        assert_eq!(body["category"], category, "{status}");
        assert!(body["correlationId"].is_string());
    }

    sandbox.inject(Fault::not_found_html().on_path(path).times(1));
    let html = get(&sandbox, path);
    assert_eq!(html.status, 404);
    assert!(html.header("content-type").unwrap().starts_with("text/html"));
}

#[test]
fn fault_rate_limits() {
    let sandbox = started();
    let path = "/crm/v3/objects/contacts/151";
    sandbox.inject(Fault::rate_limit_ten_secondly(Some(1)).on("GET", path).times(1));
    let limited = get(&sandbox, path);
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("1"));
    assert_eq!(limited.header("x-hubspot-ratelimit-remaining"), Some("0"));
    assert_eq!(limited.json()["policyName"], "TEN_SECONDLY_ROLLING");

    sandbox.inject(Fault::rate_limit_ten_secondly(None).on("GET", path).times(1));
    assert!(get(&sandbox, path).header("retry-after").is_none());

    sandbox.inject(Fault::rate_limit_daily().on("GET", path).times(1));
    let daily = get(&sandbox, path);
    assert_eq!(daily.status, 429);
    assert_eq!(daily.json()["policyName"], "DAILY");
}

#[test]
fn fault_canned_and_query_match() {
    let sandbox = started();
    sandbox.inject(Fault::json(200, json!({"results": [], "scripted": true})).header("X-Test", "yes").on("GET", "/crm/v3/objects/contacts").query_contains("after=").times(2));
    assert!(get(&sandbox, "/crm/v3/objects/contacts").json().get("scripted").is_none());
    let scripted = get(&sandbox, "/crm/v3/objects/contacts?after=abc");
    assert_eq!(scripted.json()["scripted"], true);
    assert_eq!(scripted.header("x-test"), Some("yes"));
}

#[test]
fn fault_broken_bodies() {
    let sandbox = started();
    let path = "/crm/v3/objects/contacts/151";

    sandbox.inject(Fault::malformed_json().on_path(path).times(1));
    let malformed = get(&sandbox, path);
    assert_eq!(malformed.status, 200);
    assert!(serde_json::from_slice::<Value>(&malformed.body).is_err());

    sandbox.inject(Fault::empty_body().on_path(path).times(1));
    let empty = get(&sandbox, path);
    assert_eq!(empty.status, 200);
    assert!(empty.body.is_empty());

    sandbox.inject(Fault::html_page().on_path(path).times(1));
    assert!(String::from_utf8_lossy(&get(&sandbox, path).body).contains("<html>"));

    sandbox.inject(Fault::huge_body(3_000_000).on_path(path).times(1));
    let huge = get(&sandbox, path);
    assert_eq!(huge.body.len(), 3_000_000);
    assert_eq!(huge.json()["status"], "ok");

    sandbox.inject(Fault::truncated_body().on_path(path).times(1));
    let truncated = get(&sandbox, path);
    let declared: usize = truncated.header("content-length").unwrap().parse().unwrap();
    assert!(truncated.body.len() < declared, "{} < {declared}", truncated.body.len());
}

fn expect_timeout(sandbox: &Sandbox, path: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(sandbox.addr()).unwrap();
    stream.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n", sandbox.token());
    stream.write_all(request.as_bytes()).unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => panic!("server closed the connection instead of stalling"),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return received,
            Err(e) => panic!("read failed: {e}"),
        }
    }
}

#[test]
fn fault_stalls_and_delays() {
    let sandbox = started();
    let path = "/crm/v3/objects/contacts/151";

    sandbox.inject(Fault::stall().on_path(path).times(1));
    assert!(expect_timeout(&sandbox, path).is_empty());

    sandbox.inject(Fault::stall_body().on_path(path).times(1));
    let head = String::from_utf8(expect_timeout(&sandbox, path)).unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(!head.contains("\"id\""));

    sandbox.inject(Fault::delay(Duration::from_millis(300)).on_path(path).times(1));
    let t = Instant::now();
    let delayed = get(&sandbox, path);
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(delayed.json()["id"], "151");
    assert_eq!(sandbox.requests().len(), 3);
}

#[test]
fn drop_stops_server() {
    let sandbox = started();
    sandbox.inject(Fault::stall());
    let addr = sandbox.addr();
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    drop(sandbox);
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn keep_alive_serves_several_requests() {
    let sandbox = started();
    let mut stream = TcpStream::connect(sandbox.addr()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    for id in ["151", "152", "201"] {
        let request = format!(
            "GET /crm/v3/objects/contacts/{id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
            sandbox.token()
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut received = Vec::new();
        let mut buffer = [0u8; 4096];
        let response = loop {
            let n = stream.read(&mut buffer).unwrap();
            assert!(n > 0, "connection closed early");
            received.extend_from_slice(&buffer[..n]);
            let Some(split) = received.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
            let partial = parse_response(&received);
            let length: usize = partial.header("content-length").unwrap().parse().unwrap();
            if received.len() >= split + 4 + length {
                break partial;
            }
        };
        assert_eq!(response.status, 200);
        assert_eq!(response.json()["id"], id);
    }
    assert_eq!(sandbox.requests().len(), 3);
}
