//! Owners v3: `GET /crm/v3/owners` and `GET /crm/v3/owners/{id}`.

use serde_json::{json, Map, Value};

use super::crm::PUBLIC_BASE_URL;
use super::server::{Ctx, Reply, Request};
use super::store::Owner;
use super::wire::{decode_cursor, encode_cursor, iso_ms};
use super::PagedRoute;

const DEFAULT_LIMIT: usize = 100;
/// HubSpot documents no maximum; 500 is what third-party connectors use successfully.
const MAX_LIMIT: usize = 500;

/// Renders an owner as `PublicOwner`. Archived owners have `userId: null`; `teams` is left out
/// for owners without teams.
pub(crate) fn render_owner(owner: &Owner) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(owner.id.to_string()));
    out.insert("email".into(), json!(owner.email));
    out.insert("type".into(), json!("PERSON"));
    out.insert("firstName".into(), json!(owner.first_name));
    out.insert("lastName".into(), json!(owner.last_name));
    out.insert("userId".into(), json!(owner.user_id));
    out.insert("userIdIncludingInactive".into(), json!(owner.user_id_including_inactive));
    out.insert("createdAt".into(), json!(iso_ms(owner.created_at)));
    out.insert("updatedAt".into(), json!(iso_ms(owner.updated_at)));
    out.insert("archived".into(), json!(owner.archived));
    if let Some(teams) = &owner.teams {
        let teams: Vec<Value> =
            teams.iter().map(|t| json!({"id": t.id, "name": t.name, "primary": t.primary})).collect();
        out.insert("teams".into(), Value::Array(teams));
    }
    Value::Object(out)
}

pub(crate) fn handle(ctx: &mut Ctx, req: &Request, rest: &[&str]) -> Reply {
    match (req.method.as_str(), rest) {
        ("GET", []) => list(ctx, req),
        // `/crm/v3/owners/5/` (trailing slash) has an empty last segment and gets a 404, as on
        // HubSpot.
        ("GET", [id]) if !id.is_empty() => get(ctx, req, id),
        (_, []) => ctx.method_not_allowed(&req.method, &req.raw_path),
        _ => ctx.route_not_found(&req.method, &req.raw_path),
    }
}

fn get(ctx: &mut Ctx, req: &Request, id: &str) -> Reply {
    let archived = match req.query.archived() {
        Ok(a) => a,
        Err(message) => return ctx.invalid(&message),
    };
    let by_user_id = match req.query.get("idProperty") {
        None | Some("id") => false,
        Some("userId") => true,
        Some(other) => return ctx.invalid(&format!("Invalid idProperty '{other}': expected id or userId")),
    };
    let wanted = id.parse::<u64>().ok();
    let found = ctx.store.owners().find(|o| {
        let key = if by_user_id { o.user_id.or(o.user_id_including_inactive) } else { Some(o.id) };
        key.is_some() && key == wanted && o.archived == archived
    });
    match found {
        Some(owner) => Reply::json(200, &render_owner(owner)),
        None => ctx.error(
            404,
            &format!("Owner {id} was not found"),
            "OBJECT_NOT_FOUND",
            json!({"context": {"id": [id]}}),
        ),
    }
}

fn list(ctx: &mut Ctx, req: &Request) -> Reply {
    let archived = match req.query.archived() {
        Ok(a) => a,
        Err(message) => return ctx.invalid(&message),
    };
    let limit = match req.query.limit(DEFAULT_LIMIT, MAX_LIMIT) {
        Ok(limit) => limit,
        Err(message) => return ctx.invalid(&message),
    };
    let page_size = ctx.page_size(PagedRoute::Owners, limit);
    let start = match req.query.get("after").filter(|a| !a.is_empty()) {
        None => 0,
        Some(after) => match decode_cursor("owners", after) {
            Ok(start) => start,
            Err(message) => return ctx.invalid(&message),
        },
    };
    let email = req.query.get("email").map(str::to_lowercase).filter(|e| !e.is_empty());

    let mut matching = ctx
        .store
        .owners()
        .filter(|o| o.id >= start && o.archived == archived)
        .filter(|o| email.as_ref().is_none_or(|e| o.email.to_lowercase() == *e));
    let results: Vec<Value> = matching.by_ref().take(page_size).map(render_owner).collect();
    let mut body = json!({"results": results});
    if let Some(next) = matching.next() {
        let after = encode_cursor("owners", next.id);
        let link = format!("{PUBLIC_BASE_URL}{}?limit={limit}&after={after}", req.raw_path);
        body["paging"] = json!({"next": {"after": after, "link": link}});
    }
    Reply::json(200, &body)
}
