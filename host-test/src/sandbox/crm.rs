//! CRM objects v3: `/crm/v3/objects/{type}` list, create, search, and `/{id}` get, update,
//! archive, for contacts, companies, deals and tickets (also addressed as `0-1`, `0-2`, `0-3`,
//! `0-5`).

use std::cmp::Ordering;

use serde_json::{json, Map, Value};

use super::server::{Ctx, Reply, Request};
use super::store::{association_type, CrmObject, ObjectType, PropertyKind, Store};
use super::wire::{decode_cursor, encode_cursor, iso_date, iso_ms, now_ms, parse_timestamp_ms};
use super::PagedRoute;

/// Base of the absolute `paging.next.link` URLs, which HubSpot always points at its own host.
pub(crate) const PUBLIC_BASE_URL: &str = "https://api.hubapi.com";

const LIST_DEFAULT_LIMIT: usize = 10;
/// HubSpot's list endpoints return at most 100 records per page. Whether a larger `limit` is
/// rejected or capped is not documented; the sandbox rejects it so over-asking clients show up.
const LIST_MAX_LIMIT: usize = 100;
const SEARCH_DEFAULT_LIMIT: usize = 10;
/// Search pages hold at most 200 results (raised from 100 in September 2024).
const SEARCH_MAX_LIMIT: usize = 200;
/// A search query can page through at most 10,000 results.
const SEARCH_MAX_RESULTS: usize = 10_000;
const SEARCH_MAX_GROUPS: usize = 5;
const SEARCH_MAX_FILTERS_PER_GROUP: usize = 10;
const SEARCH_MAX_FILTERS: usize = 25;

/// User ID reported in `hs_updated_by_user_id` after a deal update: the user (owner 1001,
/// Maria Silva) behind the sandbox's private-app token. Ticket updates do not report it, as
/// HubSpot's ticket PATCH responses were observed without it.
pub const UPDATING_USER_ID: &str = "2001";

pub(crate) fn handle(ctx: &mut Ctx, req: &Request, rest: &[&str]) -> Reply {
    let Some((type_segment, tail)) = rest.split_first() else {
        return ctx.route_not_found(&req.method, &req.raw_path);
    };
    let Some(object_type) = ObjectType::from_path(type_segment) else {
        return ctx.invalid(&format!("Unable to infer object type from: {type_segment}"));
    };
    match (req.method.as_str(), tail) {
        ("GET", []) => list(ctx, req, object_type),
        ("POST", []) => create(ctx, req, object_type),
        ("POST", ["search"]) => search(ctx, req, object_type),
        ("GET", [id]) if !id.is_empty() => get(ctx, req, object_type, id),
        ("PATCH", [id]) if !id.is_empty() => update(ctx, req, object_type, id),
        ("DELETE", [id]) if !id.is_empty() => archive(ctx, object_type, id),
        (_, []) | (_, ["search"]) => ctx.method_not_allowed(&req.method, &req.raw_path),
        (_, [id]) if !id.is_empty() => ctx.method_not_allowed(&req.method, &req.raw_path),
        _ => ctx.route_not_found(&req.method, &req.raw_path),
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/// Set of properties a response carries.
pub(crate) enum Selection {
    /// The type's default set.
    Defaults,
    /// The named properties; unknown names are left out, unset ones are `null`.
    Named(Vec<String>),
    /// Every property that has a value, as create and update responses return.
    AllSet,
}

impl Selection {
    fn from_names(names: Vec<String>) -> Selection {
        if names.is_empty() {
            Selection::Defaults
        } else {
            Selection::Named(names)
        }
    }
}

/// Returns a property value as responses show it, including the computed ones.
fn property_value(object_type: ObjectType, object: &CrmObject, name: &str) -> Option<String> {
    match name {
        "hs_object_id" => Some(object.id.to_string()),
        "createdate" => Some(iso_ms(object.created_at)),
        "hs_lastmodifieddate" => Some(iso_ms(object.updated_at)),
        "lastmodifieddate" if object_type == ObjectType::Contact => Some(iso_ms(object.updated_at)),
        _ => object.properties.get(name).cloned(),
    }
}

fn render_properties(store: &Store, object_type: ObjectType, object: &CrmObject, selection: &Selection) -> Map<String, Value> {
    let always = ["hs_object_id", "createdate", object_type.last_modified_property()];
    let mut out = Map::new();
    let mut put = |name: &str| {
        if out.contains_key(name) {
            return;
        }
        match property_value(object_type, object, name) {
            Some(value) => {
                out.insert(name.to_string(), Value::String(value));
            }
            None if store.property_kind(object_type, name).is_some() => {
                out.insert(name.to_string(), Value::Null);
            }
            // HubSpot ignores property names that do not exist.
            None => {}
        }
    };
    match selection {
        Selection::Defaults => object_type.default_properties().iter().for_each(|n| put(n)),
        Selection::Named(names) => names.iter().for_each(|n| put(n)),
        Selection::AllSet => object.properties.keys().for_each(|n| put(n)),
    }
    always.iter().for_each(|n| put(n));
    out
}

/// Renders a record as `SimplePublicObject`, with `associations` for the listed target types
/// (the key is left out for a type without associations).
pub(crate) fn render_object(
    store: &Store,
    object_type: ObjectType,
    object: &CrmObject,
    selection: &Selection,
    association_types: &[ObjectType],
) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(object.id.to_string()));
    out.insert("properties".into(), Value::Object(render_properties(store, object_type, object, selection)));
    out.insert("createdAt".into(), json!(iso_ms(object.created_at)));
    out.insert("updatedAt".into(), json!(iso_ms(object.updated_at)));
    out.insert("archived".into(), json!(object.archived_at.is_some()));
    if let Some(at) = object.archived_at {
        out.insert("archivedAt".into(), json!(iso_ms(at)));
    }
    let mut associations = Map::new();
    for target_type in association_types {
        // NOTE: HubSpot pages these lists at 100 entries with a `paging` link; the sandbox
        // returns every entry.
        let results: Vec<Value> = store
            .associations(object_type, object.id, *target_type)
            .into_iter()
            .filter(|(id, _)| store.object(*target_type, *id).is_some_and(|o| o.archived_at.is_none()))
            .flat_map(|(id, type_ids)| {
                type_ids.into_iter().filter_map(move |t| {
                    association_type(object_type, *target_type, t)
                        .map(|a| json!({"id": id.to_string(), "type": a.v3_name}))
                })
            })
            .collect();
        if !results.is_empty() {
            associations.insert(target_type.plural().into(), json!({"results": results}));
        }
    }
    if !associations.is_empty() {
        out.insert("associations".into(), Value::Object(associations));
    }
    Value::Object(out)
}

fn requested_association_types(req: &Request) -> Vec<ObjectType> {
    let mut types = Vec::new();
    for name in req.query.list("associations") {
        if let Some(t) = ObjectType::from_path(&name) {
            if !types.contains(&t) {
                types.push(t);
            }
        }
    }
    types
}

// ---------------------------------------------------------------------------------------------
// Read
// ---------------------------------------------------------------------------------------------

/// Finds the record a path ID names: by `idProperty` when given (email matched
/// case-insensitively), else by numeric ID following merges. Archived records are found only
/// when `archived` is true, and active ones only when it is false.
fn find(store: &Store, object_type: ObjectType, id: &str, id_property: Option<&str>, archived: bool) -> Option<u64> {
    let found = match id_property {
        None | Some("hs_object_id") | Some("id") => {
            let numeric = id.parse::<u64>().ok()?;
            Some(store.resolve_id(object_type, numeric))
        }
        Some("email") if object_type == ObjectType::Contact && !archived => store.contact_by_email(id),
        Some(property) => {
            let wanted = id.to_lowercase();
            store
                .objects(object_type)
                .values()
                .filter(|o| o.archived_at.is_some() == archived)
                .find(|o| {
                    o.properties.get(property).is_some_and(|v| {
                        if property == "email" {
                            v.to_lowercase() == wanted
                        } else {
                            v == id
                        }
                    })
                })
                .map(|o| o.id)
        }
    }?;
    store.object(object_type, found).filter(|o| o.archived_at.is_some() == archived).map(|o| o.id)
}

fn get(ctx: &mut Ctx, req: &Request, object_type: ObjectType, id: &str) -> Reply {
    let archived = match req.query.archived() {
        Ok(a) => a,
        Err(message) => return ctx.invalid(&message),
    };
    let Some(found) = find(ctx.store, object_type, id, req.query.get("idProperty"), archived) else {
        return ctx.object_not_found(id);
    };
    let selection = Selection::from_names(req.query.list("properties"));
    let object = &ctx.store.objects(object_type)[&found];
    let body = render_object(ctx.store, object_type, object, &selection, &requested_association_types(req));
    Reply::json(200, &body)
}

fn paging_link(req: &Request, after: &str, limit: usize) -> String {
    format!("{PUBLIC_BASE_URL}{}?limit={limit}&after={after}", req.raw_path)
}

fn list(ctx: &mut Ctx, req: &Request, object_type: ObjectType) -> Reply {
    let archived = match req.query.archived() {
        Ok(a) => a,
        Err(message) => return ctx.invalid(&message),
    };
    let limit = match req.query.limit(LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT) {
        Ok(limit) => limit,
        Err(message) => return ctx.invalid(&message),
    };
    let page_size = ctx.page_size(PagedRoute::CrmList, limit);
    let start = match req.query.get("after").filter(|a| !a.is_empty()) {
        None => 0,
        Some(after) => match decode_cursor(object_type.type_id(), after) {
            Ok(start) => start,
            Err(message) => return ctx.invalid(&message),
        },
    };

    let selection = Selection::from_names(req.query.list("properties"));
    let association_types = requested_association_types(req);
    let mut page = ctx
        .store
        .objects(object_type)
        .range(start..)
        .map(|(_, o)| o)
        .filter(|o| o.archived_at.is_some() == archived)
        .take(page_size + 1);
    let results: Vec<Value> = page
        .by_ref()
        .take(page_size)
        .map(|o| render_object(ctx.store, object_type, o, &selection, &association_types))
        .collect();
    let mut body = json!({"results": results});
    if let Some(next) = page.next() {
        let after = encode_cursor(object_type.type_id(), next.id);
        body["paging"] = json!({"next": {"after": after, "link": paging_link(req, &after, limit)}});
    }
    Reply::json(200, &body)
}

// ---------------------------------------------------------------------------------------------
// Write
// ---------------------------------------------------------------------------------------------

/// One entry of HubSpot's `Property values were not valid: [...]` message.
struct PropertyError {
    name: String,
    error: &'static str,
    message: String,
}

fn property_errors_reply(ctx: &Ctx, errors: &[PropertyError]) -> Reply {
    // Built by hand to keep HubSpot's key order: isValid, message, error, name.
    let entries: Vec<String> = errors
        .iter()
        .map(|e| {
            format!(
                "{{\"isValid\":false,\"message\":{},\"error\":{},\"name\":{}}}",
                Value::String(e.message.clone()),
                Value::String(e.error.to_string()),
                Value::String(e.name.clone())
            )
        })
        .collect();
    let message = format!("Property values were not valid: [{}]", entries.join(","));
    let details: Vec<Value> = errors
        .iter()
        .map(|e| json!({"message": e.message, "code": e.error, "context": {"propertyName": [e.name]}}))
        .collect();
    ctx.error(400, &message, "VALIDATION_ERROR", json!({"errors": details}))
}

/// Formats the time of day the way HubSpot's not-midnight message does (`14:0:0.0`).
fn time_of_day(ms: i64) -> String {
    let rem = ms.rem_euclid(86_400_000);
    format!("{}:{}:{}.{}", rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000)
}

/// Validates and normalizes the `properties` of a create or update. `null` values are skipped,
/// as HubSpot ignores them; `""` clears a value.
fn normalize_properties(
    store: &Store,
    object_type: ObjectType,
    input: &Map<String, Value>,
) -> Result<Vec<(String, String)>, Vec<PropertyError>> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for (name, raw) in input {
        let value = match raw {
            Value::Null => continue,
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                errors.push(PropertyError {
                    name: name.clone(),
                    error: "INVALID_OPTION",
                    message: format!("Property \"{name}\" must be a string, number or boolean"),
                });
                continue;
            }
        };
        let Some(kind) = store.property_kind(object_type, name) else {
            errors.push(PropertyError {
                name: name.clone(),
                error: "PROPERTY_DOESNT_EXIST",
                message: format!("Property \"{name}\" does not exist"),
            });
            continue;
        };
        match normalize_value(store, name, kind, &value) {
            Ok(normalized) => values.push((name.clone(), normalized)),
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

fn normalize_value(store: &Store, name: &str, kind: PropertyKind, value: &str) -> Result<String, PropertyError> {
    let fail = |error: &'static str, message: String| PropertyError { name: name.to_string(), error, message };
    if kind == PropertyKind::ReadOnly {
        return Err(fail("READ_ONLY_VALUE", format!("\"{name}\" is a read only property; its value cannot be set.")));
    }
    if value.is_empty() {
        return Ok(String::new());
    }
    match kind {
        PropertyKind::Number => match value.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(value.trim().to_string()),
            _ => Err(fail("INVALID_FLOAT", format!("{value} was not a valid number."))),
        },
        // Digits are epoch milliseconds, so 10-digit epoch seconds land in January 1970, as on
        // HubSpot.
        PropertyKind::DateTime => match parse_timestamp_ms(value) {
            Some(ms) => Ok(iso_ms(ms)),
            None => Err(fail("INVALID_LONG", format!("{value} was not a valid long."))),
        },
        PropertyKind::Date => match parse_timestamp_ms(value) {
            Some(ms) if ms.rem_euclid(86_400_000) == 0 => Ok(iso_date(ms)),
            Some(ms) => Err(fail("INVALID_DATE", format!("{value} is at {} UTC, not midnight!", time_of_day(ms)))),
            None => Err(fail("INVALID_DATE", format!("{value} is not a valid date."))),
        },
        PropertyKind::Text if name == "email" && !is_plausible_email(value) => {
            Err(fail("INVALID_EMAIL", format!("Email address {value} is invalid")))
        }
        PropertyKind::Text if name == "hubspot_owner_id" => match value.parse::<u64>().ok().and_then(|id| store.owner(id)) {
            Some(_) => Ok(value.to_string()),
            None => Err(fail("INVALID_OWNER_ID", format!("{value} is not a valid owner id"))),
        },
        _ => Ok(value.to_string()),
    }
}

fn is_plausible_email(value: &str) -> bool {
    match value.split_once('@') {
        Some((local, domain)) => !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !value.contains(' '),
        None => false,
    }
}

/// Parses the body of a create or update into its `properties` object.
fn body_properties(ctx: &Ctx, req: &Request) -> Result<(Value, Map<String, Value>), Reply> {
    let body = req.json().map_err(|m| ctx.invalid(&m))?;
    if !body.is_object() {
        return Err(ctx.invalid("Invalid input JSON: expected an object with \"properties\""));
    }
    let properties = match body.get("properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err(ctx.invalid("Invalid input JSON: \"properties\" must be an object")),
    };
    Ok((body, properties))
}

fn conflict(ctx: &Ctx, existing: u64) -> Reply {
    ctx.error(409, &format!("Contact already exists. Existing ID: {existing}"), "CONFLICT", Value::Null)
}

/// A validated association from a create request.
struct NewAssociation {
    to_type: ObjectType,
    to_id: u64,
    type_id: u32,
}

/// Validates the `associations` array of a create. Every target must exist and every type ID
/// must be defined for this direction; otherwise HubSpot rejects the whole request.
fn parse_associations(ctx: &Ctx, from: ObjectType, body: &Value) -> Result<Vec<NewAssociation>, Reply> {
    let items = match body.get("associations") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ctx.invalid("Invalid input JSON: \"associations\" must be an array")),
    };
    let mut valid = Vec::new();
    let mut invalid_ids = Vec::new();
    let mut invalid_object_ids = Vec::new();
    let mut invalid_object_types = Vec::new();
    for item in items {
        let to_id_text = match item.pointer("/to/id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(ctx.invalid("Invalid input JSON: each association needs \"to\": {\"id\": ...}")),
        };
        let Some(types) = item.get("types").and_then(Value::as_array).filter(|t| !t.is_empty()) else {
            return Err(ctx.invalid("Invalid input JSON: each association needs a non-empty \"types\" array"));
        };
        for spec in types {
            let category = spec.get("associationCategory").and_then(Value::as_str).unwrap_or("");
            let Some(type_id) = spec.get("associationTypeId").and_then(Value::as_u64) else {
                return Err(ctx.invalid("Invalid input JSON: \"associationTypeId\" must be an integer"));
            };
            if !matches!(category, "HUBSPOT_DEFINED" | "USER_DEFINED" | "INTEGRATOR_DEFINED" | "WORK") {
                return Err(ctx.invalid(&format!("Invalid input JSON: unknown associationCategory '{category}'")));
            }
            let kind = u32::try_from(type_id).ok().and_then(|t| association_type(from, to_type_of(from, t)?, t));
            let target = kind.and_then(|k| {
                let id = to_id_text.parse::<u64>().ok()?;
                let id = ctx.store.resolve_id(k.to, id);
                ctx.store.object(k.to, id).filter(|o| o.archived_at.is_none()).map(|_| (k, id))
            });
            match (category, target) {
                ("HUBSPOT_DEFINED", Some((k, id))) => valid.push(NewAssociation { to_type: k.to, to_id: id, type_id: k.type_id }),
                _ => {
                    // The target is read as the type the ID names in HubSpot's table, whatever
                    // the direction; that is the object HubSpot then fails to find.
                    let guessed = guess_target_type(type_id).map_or("OBJECT", ObjectType::upper);
                    invalid_ids.push(format!("{guessed}={to_id_text} is not valid"));
                    invalid_object_ids.push(to_id_text.clone());
                    invalid_object_types.push(guessed.to_string());
                }
            }
        }
    }
    if invalid_ids.is_empty() {
        Ok(valid)
    } else {
        Err(ctx.error(
            400,
            "One or more associations are invalid",
            "VALIDATION_ERROR",
            json!({"context": {
                "INVALID_OBJECT_IDS": invalid_ids,
                "objectId": invalid_object_ids,
                "objectType": invalid_object_types,
            }}),
        ))
    }
}

fn to_type_of(from: ObjectType, type_id: u32) -> Option<ObjectType> {
    ObjectType::ALL.into_iter().find(|to| association_type(from, *to, type_id).is_some())
}

fn guess_target_type(type_id: u64) -> Option<ObjectType> {
    super::store::ASSOCIATION_TYPES.iter().find(|t| u64::from(t.type_id) == type_id).map(|t| t.to)
}

fn create(ctx: &mut Ctx, req: &Request, object_type: ObjectType) -> Reply {
    let (body, input) = match body_properties(ctx, req) {
        Ok(parsed) => parsed,
        Err(reply) => return reply,
    };
    let mut values = match normalize_properties(ctx.store, object_type, &input) {
        Ok(values) => values,
        Err(errors) => return property_errors_reply(ctx, &errors),
    };
    if object_type == ObjectType::Contact {
        if let Some((_, email)) = values.iter().find(|(n, v)| n == "email" && !v.is_empty()) {
            if let Some(existing) = ctx.store.contact_by_email(email) {
                return conflict(ctx, existing);
            }
        }
    }
    let associations = match parse_associations(ctx, object_type, &body) {
        Ok(associations) => associations,
        Err(reply) => return reply,
    };

    // Valid: build the record. `createdate` sets the creation time instead of being stored.
    let now = now_ms();
    let mut created_at = now;
    if let Some(pos) = values.iter().position(|(n, _)| n == "createdate") {
        let (_, value) = values.remove(pos);
        created_at = parse_timestamp_ms(&value).unwrap_or(now);
    }
    let id = ctx.store.allocate_id();
    let mut object = CrmObject {
        id,
        properties: values.into_iter().collect(),
        created_at,
        updated_at: now,
        archived_at: None,
    };
    add_computed_on_create(object_type, &mut object);
    ctx.store.put_object(object_type, object);
    for a in &associations {
        // `parse_associations` only returns type IDs from the table, which `associate` accepts.
        let _ = ctx.store.associate(object_type, id, a.to_type, a.to_id, a.type_id);
    }
    let object = &ctx.store.objects(object_type)[&id];
    Reply::json(201, &render_object(ctx.store, object_type, object, &Selection::AllSet, &[]))
}

/// Adds the properties HubSpot computes when a record is created through the API.
fn add_computed_on_create(object_type: ObjectType, object: &mut CrmObject) {
    let props = &mut object.properties;
    props.insert("hs_object_source".into(), "INTEGRATION".into());
    props.insert("hs_object_source_label".into(), "INTEGRATION".into());
    match object_type {
        ObjectType::Contact => {
            if let Some(domain) = props.get("email").and_then(|e| e.split_once('@')).map(|(_, d)| d.to_lowercase()) {
                props.insert("hs_email_domain".into(), domain);
            }
        }
        ObjectType::Ticket => {
            props.insert("hs_ticket_id".into(), object.id.to_string());
            props.insert("hs_helpdesk_sort_timestamp".into(), iso_ms(object.created_at));
            props.insert("hs_last_message_from_visitor".into(), "false".into());
        }
        _ => {}
    }
}

fn update(ctx: &mut Ctx, req: &Request, object_type: ObjectType, id: &str) -> Reply {
    let Some(found) = find(ctx.store, object_type, id, req.query.get("idProperty"), false) else {
        return ctx.object_not_found(id);
    };
    let (_, input) = match body_properties(ctx, req) {
        Ok(parsed) => parsed,
        Err(reply) => return reply,
    };
    let mut values = match normalize_properties(ctx.store, object_type, &input) {
        Ok(values) => values,
        Err(errors) => return property_errors_reply(ctx, &errors),
    };
    if object_type == ObjectType::Contact {
        if let Some((_, email)) = values.iter().find(|(n, v)| n == "email" && !v.is_empty()) {
            if let Some(existing) = ctx.store.contact_by_email(email).filter(|e| *e != found) {
                return conflict(ctx, existing);
            }
        }
    }

    let mut created_at = None;
    if let Some(pos) = values.iter().position(|(n, _)| n == "createdate") {
        let (_, value) = values.remove(pos);
        created_at = parse_timestamp_ms(&value);
    }
    if object_type == ObjectType::Deal {
        values.push(("hs_updated_by_user_id".into(), UPDATING_USER_ID.into()));
    }
    ctx.store.update_properties(object_type, found, &values);
    if let Some(created_at) = created_at {
        if let Some(mut object) = ctx.store.object(object_type, found).cloned() {
            object.created_at = created_at;
            ctx.store.put_object(object_type, object);
        }
    }
    let object = &ctx.store.objects(object_type)[&found];
    Reply::json(200, &render_object(ctx.store, object_type, object, &Selection::AllSet, &[]))
}

fn archive(ctx: &mut Ctx, object_type: ObjectType, id: &str) -> Reply {
    // HubSpot returns 204 for an ID that does not exist too.
    if let Some(found) = find(ctx.store, object_type, id, None, false) {
        ctx.store.archive(object_type, found);
    }
    Reply::no_content()
}

// ---------------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------------

/// Reads a property for filtering and sorting: date properties as epoch milliseconds, numbers as
/// numbers, everything else as lower-case text.
#[derive(Debug, PartialEq, PartialOrd)]
enum Comparable {
    Number(f64),
    Text(String),
}

fn comparable(store: &Store, object_type: ObjectType, name: &str, value: &str) -> Comparable {
    let kind = match name {
        "createdate" | "hs_lastmodifieddate" | "lastmodifieddate" => Some(PropertyKind::DateTime),
        _ => store.property_kind(object_type, name),
    };
    if matches!(kind, Some(PropertyKind::DateTime | PropertyKind::Date)) {
        if let Some(ms) = parse_timestamp_ms(value) {
            return Comparable::Number(ms as f64);
        }
    }
    match value.trim().parse::<f64>() {
        Ok(n) if !value.trim().is_empty() => Comparable::Number(n),
        _ => Comparable::Text(value.to_lowercase()),
    }
}

fn filter_value(filter: &Value, key: &str) -> Option<String> {
    match filter.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn matches_filter(store: &Store, object_type: ObjectType, object: &CrmObject, filter: &Value) -> Result<bool, String> {
    let name = filter.get("propertyName").and_then(Value::as_str).ok_or("each filter needs a propertyName")?;
    let operator = filter.get("operator").and_then(Value::as_str).unwrap_or("EQ");
    let actual = property_value(object_type, object, name).filter(|v| !v.is_empty());
    let cmp = |v: &str| comparable(store, object_type, name, v);
    let expected = || filter_value(filter, "value").ok_or_else(|| format!("operator {operator} needs a value"));
    let result = match operator {
        "HAS_PROPERTY" => actual.is_some(),
        "NOT_HAS_PROPERTY" => actual.is_none(),
        "EQ" => {
            let wanted = cmp(&expected()?);
            actual.is_some_and(|a| cmp(&a) == wanted)
        }
        "NEQ" => {
            let wanted = cmp(&expected()?);
            actual.is_none_or(|a| cmp(&a) != wanted)
        }
        "LT" | "LTE" | "GT" | "GTE" => {
            let wanted = cmp(&expected()?);
            actual.is_some_and(|a| match cmp(&a).partial_cmp(&wanted) {
                Some(Ordering::Less) => matches!(operator, "LT" | "LTE"),
                Some(Ordering::Equal) => matches!(operator, "LTE" | "GTE"),
                Some(Ordering::Greater) => matches!(operator, "GT" | "GTE"),
                None => false,
            })
        }
        "BETWEEN" => {
            let low = cmp(&expected()?);
            let high = cmp(&filter_value(filter, "highValue").ok_or("BETWEEN needs a highValue")?);
            actual.is_some_and(|a| {
                let a = cmp(&a);
                a >= low && a <= high
            })
        }
        "IN" | "NOT_IN" => {
            let values: Vec<Comparable> = filter
                .get("values")
                .and_then(Value::as_array)
                .ok_or_else(|| format!("operator {operator} needs values"))?
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string).or_else(|| v.as_number().map(|n| n.to_string())))
                .map(|v| cmp(&v))
                .collect();
            let found = actual.is_some_and(|a| values.contains(&cmp(&a)));
            (operator == "IN") == found
        }
        "CONTAINS_TOKEN" | "NOT_CONTAINS_TOKEN" => {
            let token = expected()?.to_lowercase().replace('*', "");
            let found = actual.is_some_and(|a| a.to_lowercase().contains(&token));
            (operator == "CONTAINS_TOKEN") == found
        }
        other => return Err(format!("Unknown filter operator {other}")),
    };
    Ok(result)
}

fn search_text_properties(object_type: ObjectType) -> &'static [&'static str] {
    match object_type {
        ObjectType::Contact => &["firstname", "lastname", "email", "phone", "company"],
        ObjectType::Company => &["name", "domain", "website", "phone"],
        ObjectType::Deal => &["dealname"],
        ObjectType::Ticket => &["subject", "content"],
    }
}

fn search(ctx: &mut Ctx, req: &Request, object_type: ObjectType) -> Reply {
    let mut reply = search_reply(ctx, req, object_type);
    // HubSpot's search responses carry no X-HubSpot-RateLimit-* headers.
    reply.rate_limit_headers = false;
    reply
}

fn search_reply(ctx: &mut Ctx, req: &Request, object_type: ObjectType) -> Reply {
    let body = match req.json() {
        Ok(Value::Null) => json!({}),
        Ok(body @ Value::Object(_)) => body,
        Ok(_) => return ctx.invalid("Invalid input JSON: expected an object"),
        Err(message) => return ctx.invalid(&message),
    };
    let limit = match body.get("limit") {
        None | Some(Value::Null) => SEARCH_DEFAULT_LIMIT,
        Some(v) => match v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())) {
            Some(n) if (1..=SEARCH_MAX_LIMIT as u64).contains(&n) => n as usize,
            _ => return ctx.invalid(&format!("limit must be between 1 and {SEARCH_MAX_LIMIT}, got {v}")),
        },
    };
    let page_size = ctx.page_size(PagedRoute::CrmSearch, limit);
    let offset = match body.get("after") {
        None | Some(Value::Null) => 0,
        Some(Value::String(s)) if s.is_empty() => 0,
        Some(Value::String(s)) if s.bytes().all(|b| b.is_ascii_digit()) => s.parse::<u64>().unwrap_or(0),
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        Some(Value::String(s)) => match decode_cursor("search", s) {
            Ok(offset) => offset,
            Err(message) => return ctx.invalid(&message),
        },
        Some(other) => return ctx.invalid(&format!("Invalid after: {other}")),
    } as usize;
    if offset >= SEARCH_MAX_RESULTS {
        return ctx.invalid(&format!(
            "The search API can return at most {SEARCH_MAX_RESULTS} results per query; after={offset} is past that"
        ));
    }

    let groups: Vec<Vec<Value>> = match body.get("filterGroups") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(groups)) => groups
            .iter()
            .map(|g| g.get("filters").and_then(Value::as_array).cloned().unwrap_or_default())
            .collect(),
        Some(_) => return ctx.invalid("Invalid input JSON: filterGroups must be an array"),
    };
    let total_filters: usize = groups.iter().map(Vec::len).sum();
    if groups.len() > SEARCH_MAX_GROUPS
        || groups.iter().any(|g| g.len() > SEARCH_MAX_FILTERS_PER_GROUP)
        || total_filters > SEARCH_MAX_FILTERS
    {
        return ctx.invalid(&format!(
            "Too many filters: at most {SEARCH_MAX_GROUPS} filterGroups, {SEARCH_MAX_FILTERS_PER_GROUP} filters per group and {SEARCH_MAX_FILTERS} filters in total"
        ));
    }
    let query = body.get("query").and_then(Value::as_str).map(str::to_lowercase).filter(|q| !q.is_empty());

    let store = &*ctx.store;
    let mut matched: Vec<&CrmObject> = Vec::new();
    for object in store.objects(object_type).values().filter(|o| o.archived_at.is_none()) {
        let mut keep = groups.is_empty();
        for group in &groups {
            let mut all = true;
            for filter in group {
                match matches_filter(store, object_type, object, filter) {
                    Ok(true) => {}
                    Ok(false) => {
                        all = false;
                        break;
                    }
                    Err(message) => return ctx.invalid(&message),
                }
            }
            if all {
                keep = true;
                break;
            }
        }
        if keep {
            if let Some(q) = &query {
                keep = search_text_properties(object_type)
                    .iter()
                    .any(|p| object.properties.get(*p).is_some_and(|v| v.to_lowercase().contains(q.as_str())));
            }
        }
        if keep {
            matched.push(object);
        }
    }

    if let Some(sorts) = body.get("sorts").and_then(Value::as_array) {
        let keys: Vec<(String, bool)> = sorts
            .iter()
            .filter_map(|s| match s {
                Value::String(text) => Some(match text.strip_prefix('-') {
                    Some(name) => (name.to_string(), true),
                    None => (text.clone(), false),
                }),
                Value::Object(_) => Some((
                    s.get("propertyName")?.as_str()?.to_string(),
                    s.get("direction").and_then(Value::as_str) == Some("DESCENDING"),
                )),
                _ => None,
            })
            .collect();
        matched.sort_by(|a, b| {
            for (name, descending) in &keys {
                let read = |o: &CrmObject| {
                    property_value(object_type, o, name).filter(|v| !v.is_empty()).map(|v| comparable(store, object_type, name, &v))
                };
                let order = match (read(a), read(b)) {
                    (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                };
                let order = if *descending { order.reverse() } else { order };
                if order != Ordering::Equal {
                    return order;
                }
            }
            a.id.cmp(&b.id)
        });
    }

    let selection = match body.get("properties").and_then(Value::as_array) {
        Some(names) => Selection::from_names(names.iter().filter_map(Value::as_str).map(str::to_string).collect()),
        None => Selection::Defaults,
    };
    let total = matched.len();
    let results: Vec<Value> = matched
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|o| render_object(store, object_type, o, &selection, &[]))
        .collect();
    let mut out = json!({"total": total, "results": results});
    let next = offset + page_size;
    if next < total && next < SEARCH_MAX_RESULTS {
        let after = encode_cursor("search", next as u64);
        out["paging"] = json!({"next": {"after": after, "link": format!("{PUBLIC_BASE_URL}{}?after={after}", req.raw_path)}});
    }
    Reply::json(200, &out)
}
