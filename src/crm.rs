//! Requests shared by the CRM object tasks: read, create with inline associations,
//! partial update, and associations added after an update.

use serde_json::{json, Map, Value};

use crate::client::Client;
use crate::error::{case_name, message_of};
use crate::props::CrmObject;
use crate::transport::Method;
use crate::types::{Error, PartialWriteError, PropertyValue};
use crate::url::PathBuilder;
use crate::validate;

/// The CRM object types the tasks use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectType {
    /// Contacts (`0-1`).
    Contacts,
    /// Companies (`0-2`).
    Companies,
    /// Deals (`0-3`).
    Deals,
    /// Tickets (`0-5`).
    Tickets,
}

impl ObjectType {
    /// Returns the object type's name in API paths.
    pub fn path_name(self) -> &'static str {
        match self {
            ObjectType::Contacts => "contacts",
            ObjectType::Companies => "companies",
            ObjectType::Deals => "deals",
            ObjectType::Tickets => "tickets",
        }
    }

    /// Returns the singular noun for messages.
    pub fn noun(self) -> &'static str {
        match self {
            ObjectType::Contacts => "contact",
            ObjectType::Companies => "company",
            ObjectType::Deals => "deal",
            ObjectType::Tickets => "ticket",
        }
    }
}

/// Returns HubSpot's unlabeled association type ID from `from` to `to`. The IDs
/// depend on the direction: deal to contact is 3, contact to deal is 4. The values
/// are those of the `AssociationTypes` enums in HubSpot's official Node and Python
/// clients.
pub fn association_type_id(from: ObjectType, to: ObjectType) -> Option<u32> {
    use ObjectType::*;
    match (from, to) {
        (Contacts, Deals) => Some(4),
        (Deals, Contacts) => Some(3),
        (Contacts, Tickets) => Some(15),
        (Tickets, Contacts) => Some(16),
        (Contacts, Companies) => Some(279),
        (Companies, Contacts) => Some(280),
        (Deals, Companies) => Some(341),
        (Companies, Deals) => Some(342),
        (Tickets, Companies) => Some(339),
        (Companies, Tickets) => Some(340),
        (Deals, Tickets) => Some(27),
        (Tickets, Deals) => Some(28),
        _ => None,
    }
}

/// Returns the type ID from `from` to `to`, or an error for a pair no task uses.
fn known_type_id(from: ObjectType, to: ObjectType) -> Result<u32, Error> {
    association_type_id(from, to).ok_or_else(|| {
        Error::Other(format!(
            "no association type from {} to {} is known",
            from.path_name(),
            to.path_name()
        ))
    })
}

/// Checks and de-duplicates a list of custom property names to read.
pub fn custom_names(field: &str, names: Option<&[String]>) -> Result<Vec<String>, Error> {
    let names = names.unwrap_or_default();
    if names.len() > validate::MAX_CUSTOM_PROPERTIES {
        return Err(crate::error::invalid(
            field,
            &format!("{field} lists {} properties; at most {} are accepted", names.len(), validate::MAX_CUSTOM_PROPERTIES),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let name = validate::property_name(&format!("{field}[{i}]"), name)?;
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

/// Reads one object by ID, or by email for contacts, with the given properties and
/// optionally its associations.
pub fn read(
    client: &mut Client<'_>,
    object: ObjectType,
    key: &RecordKey,
    properties: &[&str],
    custom: &[String],
    associations: Option<ObjectType>,
) -> Result<CrmObject, Error> {
    let mut all: Vec<&str> = properties.to_vec();
    all.extend(custom.iter().map(String::as_str).filter(|name| !properties.contains(name)));

    let mut path = PathBuilder::new("/crm/v3/objects").literal("/").literal(object.path_name());
    let target = match key {
        RecordKey::Id(id) => {
            path = path.segment(id);
            format!("{} {id}", object.noun())
        }
        RecordKey::Email(email) => {
            path = path.segment(email).query("idProperty", "email");
            format!("{} with email {email}", object.noun())
        }
    };
    path = path.query_list("properties", &all);
    if let Some(to) = associations {
        path = path.query("associations", to.path_name());
    }

    client.get(&path.build(), &target)
}

/// Returns the IDs of the contacts associated with `record`. HubSpot embeds at
/// most 100 associations in a read; when it cut the list, all pages are read from
/// the v4 associations endpoint instead.
pub fn associated_contacts(client: &mut Client<'_>, object: ObjectType, record: &CrmObject) -> Result<Vec<String>, Error> {
    if !record.associations_truncated("contacts") {
        return Ok(record.associated_ids("contacts"));
    }
    let ids = crate::associations::v4_ids(client, object.path_name(), &record.id, "contacts")?;
    Ok(ids.into_vec())
}

/// Key by which a record is read: its ID or, for contacts, its email.
pub enum RecordKey {
    /// By record ID.
    Id(String),
    /// By email (contacts), sent with `idProperty=email`.
    Email(String),
}

/// Collects the `properties` object of a create or update body.
#[derive(Default)]
pub struct Properties {
    map: Map<String, Value>,
    fields: Vec<(String, &'static str)>,
}

impl Properties {
    /// Creates an empty set.
    pub fn new() -> Properties {
        Properties::default()
    }

    /// Sets `property` from the input field `field` when a value was given.
    pub fn set(&mut self, field: &'static str, property: &str, value: Option<String>) {
        self.fields.push((property.to_string(), field));
        if let Some(value) = value {
            self.map.insert(property.to_string(), Value::String(value));
        }
    }

    /// Adds custom properties. A name that a typed field also sets is rejected, so
    /// one value never silently overrides another.
    pub fn set_custom(&mut self, field: &str, custom: Option<&[PropertyValue]>) -> Result<(), Error> {
        let custom = custom.unwrap_or_default();
        if custom.len() > validate::MAX_CUSTOM_PROPERTIES {
            return Err(crate::error::invalid(
                field,
                &format!("{field} has {} properties; at most {} are accepted", custom.len(), validate::MAX_CUSTOM_PROPERTIES),
            ));
        }
        let mut seen: Vec<String> = Vec::new();
        for item in custom {
            let name = validate::property_name(&format!("{field}.name"), &item.name)?;
            let item_field = format!("{field}.{name}");
            if let Some((_, typed)) = self.fields.iter().find(|(property, _)| *property == name) {
                return Err(crate::error::invalid(
                    &item_field,
                    &format!("{name} is already set by the field {typed}: set it there, not in {field}"),
                ));
            }
            if seen.contains(&name) {
                return Err(crate::error::invalid(&item_field, &format!("{name} is given twice in {field}")));
            }
            if name == "hs_object_id" {
                return Err(crate::error::invalid(&item_field, "hs_object_id is read-only in HubSpot"));
            }
            let value = validate::text(&item_field, &item.value)?;
            seen.push(name.clone());
            self.map.insert(name, Value::String(value));
        }
        Ok(())
    }

    /// Returns whether no property is set.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Returns the names of the properties set, for messages.
    pub fn names(&self) -> Vec<String> {
        self.map.keys().cloned().collect()
    }

    /// Returns the `properties` JSON object.
    pub fn into_json(self) -> Value {
        Value::Object(self.map)
    }
}

/// Creates a record with its associations inline, in one atomic request, and
/// returns the new ID.
pub fn create(
    client: &mut Client<'_>,
    object: ObjectType,
    properties: Properties,
    associations: &[(ObjectType, Vec<String>)],
) -> Result<String, Error> {
    let mut inline: Vec<Value> = Vec::new();
    for (to, ids) in associations {
        let type_id = known_type_id(object, *to)?;
        for id in ids {
            inline.push(json!({
                "to": { "id": id },
                "types": [{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id }],
            }));
        }
    }

    let body = json!({ "properties": properties.into_json(), "associations": inline });
    let path = format!("/crm/v3/objects/{}", object.path_name());
    let target = format!("create {}", object.noun());
    let created: CrmObject = client.write(Method::Post, &path, &body, &target)?;
    Ok(created.id)
}

/// Updates only the given properties (`PATCH`) and returns the updated object.
pub fn update(client: &mut Client<'_>, object: ObjectType, id: &str, properties: Properties) -> Result<CrmObject, Error> {
    let body = json!({ "properties": properties.into_json() });
    let path = PathBuilder::new("/crm/v3/objects")
        .literal("/")
        .literal(object.path_name())
        .segment(id)
        .build();
    let target = format!("update {} {id}", object.noun());
    client.write(Method::Patch, &path, &body, &target)
}

/// Associates an updated record with each ID in `ids`, one v4 `PUT` each. The
/// update itself has already been applied, so any failure is a `partial-write`
/// that states it.
pub fn associate_after_update(
    client: &mut Client<'_>,
    object: ObjectType,
    id: &str,
    to: ObjectType,
    ids: &[String],
    updated: &[String],
) -> Result<(), Error> {
    let type_id = known_type_id(object, to)?;
    let body = json!([{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id }]);

    let mut done: Vec<&str> = Vec::new();
    for to_id in ids {
        let path = PathBuilder::new("/crm/v4/objects")
            .literal("/")
            .literal(object.path_name())
            .segment(id)
            .literal("/associations/")
            .literal(to.path_name())
            .segment(to_id)
            .build();
        let target = format!("associate {} {id} with {} {to_id}", object.noun(), to.noun());

        if let Err(error) = client.write_ignoring_body(Method::Put, &path, &body, &target) {
            let mut applied = if updated.is_empty() {
                format!("{} {id} was updated with no property changes", object.noun())
            } else {
                format!("{} {id} was updated ({})", object.noun(), updated.join(", "))
            };
            if !done.is_empty() {
                applied.push_str(&format!("; associated with {} {}", to.path_name(), done.join(", ")));
            }
            return Err(Error::PartialWrite(PartialWriteError {
                record_id: id.to_string(),
                status: status_of(&error),
                message: format!(
                    "{applied}, but associating {} {to_id} failed ({}): {}. Repeat only the association",
                    to.noun(),
                    case_name(&error),
                    message_of(&error)
                ),
                applied,
            }));
        }
        done.push(to_id);
    }
    Ok(())
}

/// Returns the time of an update from `updatedAt`, or from the last-modified
/// property when a server leaves `updatedAt` out. The update was applied either way.
pub fn updated_at(object: ObjectType, updated: &CrmObject) -> Result<String, Error> {
    if let Some(at) = updated.updated_at.as_ref().filter(|at| !at.is_empty()) {
        return Ok(at.clone());
    }
    if let Some(at) = updated.text("hs_lastmodifieddate")? {
        return Ok(at);
    }
    Err(crate::error::bad_response(
        200,
        format!(
            "{} {} was updated, but HubSpot's response has no updatedAt",
            object.noun(),
            updated.id
        ),
        crate::types::WriteState::Applied,
    ))
}

fn status_of(error: &Error) -> Option<u16> {
    match error {
        Error::Unauthorized(e) | Error::NotFound(e) | Error::Api(e) => Some(e.status),
        Error::Forbidden(e) => Some(e.api.status),
        Error::Conflict(e) => Some(e.api.status),
        Error::RateLimited(e) => Some(e.api.status),
        Error::InvalidResponse(e) => Some(e.status),
        _ => None,
    }
}

/// Rejects an update that would change nothing.
pub fn require_change(properties: &Properties, associations: &[String], id_field: &str) -> Result<(), Error> {
    if properties.is_empty() && associations.is_empty() {
        return Err(crate::error::invalid(
            id_field,
            "nothing to update: give at least one field to change or an association to add",
        ));
    }
    Ok(())
}
