//! Associations: v4 per-record routes under `/crm/v4/objects/{from}/{id}/associations/`, and
//! the batch routes `/crm/v4/associations/{from}/{to}/batch/read` and
//! `/crm/v3/associations/{from}/{to}/batch/{read,create}`.

use serde_json::{json, Value};

use super::crm::PUBLIC_BASE_URL;
use super::server::{Ctx, Reply, Request};
use super::store::{association_type, default_association_type, AssociationType, ObjectType, Store, ASSOCIATION_TYPES};
use super::wire::{decode_cursor, encode_cursor, iso_ms, now_ms};
use super::PagedRoute;

/// v4 association lists default to, and are capped at, 500 entries per page.
const V4_MAX_LIMIT: usize = 500;

fn parse_type(ctx: &Ctx, segment: &str) -> Result<ObjectType, Reply> {
    ObjectType::from_path(segment).ok_or_else(|| ctx.invalid(&format!("Unable to infer object type from: {segment}")))
}

/// Returns the v4 label of a type: `Primary` for primary types, `null` for unlabeled ones.
fn label(kind: &AssociationType) -> Value {
    if kind.primary {
        json!("Primary")
    } else {
        Value::Null
    }
}

/// Renders one v4 result entry: the target as a JSON number and all its labels.
fn v4_entry(from: ObjectType, to: ObjectType, to_id: u64, type_ids: &[u32]) -> Value {
    let types: Vec<Value> = type_ids
        .iter()
        .filter_map(|t| association_type(from, to, *t))
        .map(|k| json!({"category": "HUBSPOT_DEFINED", "typeId": k.type_id, "label": label(&k)}))
        .collect();
    json!({"toObjectId": to_id, "associationTypes": types})
}

/// Returns a record's active targets of type `to`, following merges of the source ID.
fn active_targets(store: &Store, from: ObjectType, from_id: u64, to: ObjectType) -> Vec<(u64, Vec<u32>)> {
    let from_id = store.resolve_id(from, from_id);
    store
        .associations(from, from_id, to)
        .into_iter()
        .filter(|(id, _)| store.object(to, *id).is_some_and(|o| o.archived_at.is_none()))
        .collect()
}

pub(crate) fn handle_v4_objects(ctx: &mut Ctx, req: &Request, rest: &[&str]) -> Reply {
    match (req.method.as_str(), rest) {
        ("GET", [from, id, "associations", to]) => list(ctx, req, from, id, to),
        ("PUT", [from, id, "associations", "default", to, to_id]) => put_default(ctx, from, id, to, to_id),
        ("PUT", [from, id, "associations", to, to_id]) => put_labeled(ctx, req, from, id, to, to_id),
        ("DELETE", [from, id, "associations", to, to_id]) => remove(ctx, from, id, to, to_id),
        _ => ctx.route_not_found(&req.method, &req.raw_path),
    }
}

fn list(ctx: &mut Ctx, req: &Request, from: &str, id: &str, to: &str) -> Reply {
    let (from_type, to_type) = match (parse_type(ctx, from), parse_type(ctx, to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let limit = match req.query.limit(V4_MAX_LIMIT, V4_MAX_LIMIT) {
        Ok(limit) => limit,
        Err(message) => return ctx.invalid(&message),
    };
    let page_size = ctx.page_size(PagedRoute::V4Associations, limit);
    let start = match req.query.get("after").filter(|a| !a.is_empty()) {
        None => 0,
        Some(after) => match decode_cursor("v4", after) {
            Ok(start) => start,
            Err(message) => return ctx.invalid(&message),
        },
    };

    // An unknown or non-numeric source ID gives empty results, not an error, as on HubSpot.
    let targets = match id.parse::<u64>() {
        Ok(from_id) => active_targets(ctx.store, from_type, from_id, to_type),
        Err(_) => Vec::new(),
    };
    let mut remaining = targets.into_iter().filter(|(to_id, _)| *to_id >= start);
    let results: Vec<Value> = remaining
        .by_ref()
        .take(page_size)
        .map(|(to_id, types)| v4_entry(from_type, to_type, to_id, &types))
        .collect();
    let mut body = json!({"results": results});
    if let Some((next, _)) = remaining.next() {
        let after = encode_cursor("v4", next);
        let link = format!("{PUBLIC_BASE_URL}{}?limit={limit}&after={after}", req.raw_path);
        body["paging"] = json!({"next": {"after": after, "link": link}});
    }
    Reply::json(200, &body)
}

/// Resolves both ends of a PUT or DELETE: the source must exist (404) and so must the target
/// (400, as HubSpot reports an invalid target ID).
fn resolve_pair(ctx: &Ctx, from: &str, id: &str, to: &str, to_id: &str) -> Result<(ObjectType, u64, ObjectType, u64), Reply> {
    let from_type = parse_type(ctx, from)?;
    let to_type = parse_type(ctx, to)?;
    let find = |t: ObjectType, raw: &str| {
        let id = raw.parse::<u64>().ok()?;
        let id = ctx.store.resolve_id(t, id);
        ctx.store.object(t, id).filter(|o| o.archived_at.is_none()).map(|o| o.id)
    };
    let Some(from_id) = find(from_type, id) else {
        return Err(ctx.object_not_found(id));
    };
    let Some(target) = find(to_type, to_id) else {
        return Err(ctx.error(
            400,
            "One or more associations are invalid",
            "VALIDATION_ERROR",
            json!({"context": {"INVALID_OBJECT_IDS": [format!("{}={to_id} is not valid", to_type.upper())]}}),
        ));
    };
    Ok((from_type, from_id, to_type, target))
}

fn put_labeled(ctx: &mut Ctx, req: &Request, from: &str, id: &str, to: &str, to_id: &str) -> Reply {
    let (from_type, from_id, to_type, target) = match resolve_pair(ctx, from, id, to, to_id) {
        Ok(pair) => pair,
        Err(reply) => return reply,
    };
    let specs = match req.json() {
        Ok(Value::Array(specs)) if !specs.is_empty() => specs,
        Ok(_) => return ctx.invalid("Invalid input JSON: expected a non-empty array of association specs"),
        Err(message) => return ctx.invalid(&message),
    };
    let mut type_ids = Vec::new();
    for spec in &specs {
        let category = spec.get("associationCategory").and_then(Value::as_str).unwrap_or("");
        let type_id = spec.get("associationTypeId").and_then(Value::as_u64).and_then(|t| u32::try_from(t).ok());
        let valid = match type_id {
            Some(t) if category == "HUBSPOT_DEFINED" => association_type(from_type, to_type, t).map(|k| k.type_id),
            _ => None,
        };
        match valid {
            Some(t) => type_ids.push(t),
            None => {
                return ctx.invalid(&format!(
                    "association type {} ({category}) is not valid from {} to {}",
                    spec.get("associationTypeId").unwrap_or(&Value::Null),
                    from_type.type_id(),
                    to_type.type_id()
                ))
            }
        }
    }
    for t in type_ids {
        let _ = ctx.store.associate(from_type, from_id, to_type, target, t);
    }

    let labels: Vec<Value> = ctx
        .store
        .associations(from_type, from_id, to_type)
        .into_iter()
        .filter(|(id, _)| *id == target)
        .flat_map(|(_, types)| types)
        .filter_map(|t| association_type(from_type, to_type, t))
        .map(|k| label(&k))
        .filter(|l| !l.is_null())
        .collect();
    Reply::json(
        201,
        &json!({
            "fromObjectTypeId": from_type.type_id(),
            "fromObjectId": from_id,
            "toObjectTypeId": to_type.type_id(),
            "toObjectId": target,
            "labels": labels,
        }),
    )
}

fn put_default(ctx: &mut Ctx, from: &str, id: &str, to: &str, to_id: &str) -> Reply {
    let (from_type, from_id, to_type, target) = match resolve_pair(ctx, from, id, to, to_id) {
        Ok(pair) => pair,
        Err(reply) => return reply,
    };
    let Some(kind) = default_association_type(from_type, to_type) else {
        return ctx.invalid(&format!("No default association type from {} to {}", from_type.type_id(), to_type.type_id()));
    };
    let started = now_ms();
    let _ = ctx.store.associate(from_type, from_id, to_type, target, kind.type_id);
    let spec = |from_id: u64, to_id: u64, type_id: u32| {
        json!({
            "from": {"id": from_id.to_string()},
            "to": {"id": to_id.to_string()},
            "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id},
        })
    };
    Reply::json(
        200,
        &json!({
            "status": "COMPLETE",
            "results": [spec(from_id, target, kind.type_id), spec(target, from_id, kind.inverse_id)],
            "startedAt": iso_ms(started),
            "completedAt": iso_ms(now_ms()),
        }),
    )
}

fn remove(ctx: &mut Ctx, from: &str, id: &str, to: &str, to_id: &str) -> Reply {
    let (from_type, from_id, to_type, target) = match resolve_pair(ctx, from, id, to, to_id) {
        Ok(pair) => pair,
        Err(reply) => return reply,
    };
    ctx.store.dissociate(from_type, from_id, to_type, target);
    Reply::no_content()
}

/// Reads `{"inputs":[{"id":"151"}, ...]}` into the raw ID strings.
fn batch_inputs(ctx: &Ctx, req: &Request) -> Result<Vec<String>, Reply> {
    let body = req.json().map_err(|m| ctx.invalid(&m))?;
    let inputs = body
        .get("inputs")
        .and_then(Value::as_array)
        .ok_or_else(|| ctx.invalid("Invalid input JSON: expected {\"inputs\": [{\"id\": ...}]}"))?;
    inputs
        .iter()
        .map(|input| match input.get("id") {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            _ => Err(ctx.invalid("Invalid input JSON: each input needs an \"id\"")),
        })
        .collect()
}

pub(crate) fn handle_v4_batch(ctx: &mut Ctx, req: &Request, rest: &[&str]) -> Reply {
    let ("POST", [from, to, "batch", "read"]) = (req.method.as_str(), rest) else {
        return ctx.route_not_found(&req.method, &req.raw_path);
    };
    let (from_type, to_type) = match (parse_type(ctx, from), parse_type(ctx, to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let ids = match batch_inputs(ctx, req) {
        Ok(ids) => ids,
        Err(reply) => return reply,
    };
    let started = now_ms();
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for id in ids {
        let targets = id.parse::<u64>().map(|n| active_targets(ctx.store, from_type, n, to_type)).unwrap_or_default();
        if targets.is_empty() {
            errors.push(json!({
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": format!("No {} is associated with {} {id}.", to_type.singular(), from_type.singular()),
                "context": {"fromObjectId": [id]},
            }));
            continue;
        }
        let to: Vec<Value> = targets.iter().map(|(t, types)| v4_entry(from_type, to_type, *t, types)).collect();
        results.push(json!({"from": {"id": id}, "to": to}));
    }
    let status = if errors.is_empty() { 200 } else { 207 };
    let mut body = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso_ms(started),
        "completedAt": iso_ms(now_ms()),
    });
    if !errors.is_empty() {
        body["numErrors"] = json!(errors.len());
        body["errors"] = json!(errors);
    }
    Reply::json(status, &body)
}

pub(crate) fn handle_v3_batch(ctx: &mut Ctx, req: &Request, rest: &[&str]) -> Reply {
    let (from, to, action) = match (req.method.as_str(), rest) {
        ("POST", [from, to, "batch", action @ ("read" | "create")]) => (*from, *to, *action),
        _ => return ctx.route_not_found(&req.method, &req.raw_path),
    };
    let (from_type, to_type) = match (parse_type(ctx, from), parse_type(ctx, to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    if action == "create" {
        return v3_batch_create(ctx, req, from_type, to_type);
    }
    let ids = match batch_inputs(ctx, req) {
        Ok(ids) => ids,
        Err(reply) => return reply,
    };
    let started = now_ms();
    // An unknown source ID is left out of the results without an error, as on HubSpot.
    // NOTE: HubSpot caps each source at 100 targets with a paging link; the sandbox returns all.
    let results: Vec<Value> = ids
        .iter()
        .filter_map(|id| {
            let targets = active_targets(ctx.store, from_type, id.parse().ok()?, to_type);
            if targets.is_empty() {
                return None;
            }
            let to: Vec<Value> = targets
                .iter()
                .flat_map(|(t, types)| {
                    types.iter().filter_map(move |type_id| {
                        association_type(from_type, to_type, *type_id).map(|k| json!({"id": t.to_string(), "type": k.v3_name}))
                    })
                })
                .collect();
            Some(json!({"from": {"id": id}, "to": to}))
        })
        .collect();
    Reply::json(
        200,
        &json!({"status": "COMPLETE", "results": results, "startedAt": iso_ms(started), "completedAt": iso_ms(now_ms())}),
    )
}

fn v3_batch_create(ctx: &mut Ctx, req: &Request, from_type: ObjectType, to_type: ObjectType) -> Reply {
    let body = match req.json() {
        Ok(body) => body,
        Err(message) => return ctx.invalid(&message),
    };
    let Some(inputs) = body.get("inputs").and_then(Value::as_array) else {
        return ctx.invalid("Invalid input JSON: expected {\"inputs\": [{\"from\":{\"id\"},\"to\":{\"id\"},\"type\"}]}");
    };
    let read_id = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.parse::<u64>().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    let mut planned = Vec::new();
    for input in inputs {
        let type_name = input.get("type").and_then(Value::as_str).unwrap_or("");
        // `type` is a v3 name (`deal_to_contact`) or a numeric type ID as a string (`279`).
        let kind = ASSOCIATION_TYPES.iter().copied().find(|k| {
            k.from == from_type && k.to == to_type && (k.v3_name == type_name || k.type_id.to_string() == type_name)
        });
        let Some(kind) = kind else {
            return ctx.invalid(&format!(
                "{type_name} is not a valid association type from {} to {}",
                from_type.plural(),
                to_type.plural()
            ));
        };
        let exists = |t: ObjectType, id: Option<u64>| {
            id.map(|id| ctx.store.resolve_id(t, id)).filter(|id| ctx.store.object(t, *id).is_some_and(|o| o.archived_at.is_none()))
        };
        let from_id = exists(from_type, read_id(input.pointer("/from/id")));
        let to_id = exists(to_type, read_id(input.pointer("/to/id")));
        match (from_id, to_id) {
            (Some(f), Some(t)) => planned.push((f, t, kind)),
            _ => {
                return ctx.error(
                    400,
                    "One or more associations are invalid",
                    "VALIDATION_ERROR",
                    json!({"context": {"INVALID_OBJECT_IDS": [format!("{}={} is not valid", to_type.upper(), input.pointer("/to/id").unwrap_or(&Value::Null))]}}),
                )
            }
        }
    }
    let started = now_ms();
    let mut results = Vec::new();
    for (from_id, to_id, kind) in planned {
        let _ = ctx.store.associate(from_type, from_id, to_type, to_id, kind.type_id);
        results.push(json!({"from": {"id": from_id.to_string()}, "to": [{"id": to_id.to_string(), "type": kind.v3_name}]}));
    }
    Reply::json(
        201,
        &json!({"status": "COMPLETE", "results": results, "startedAt": iso_ms(started), "completedAt": iso_ms(now_ms())}),
    )
}
