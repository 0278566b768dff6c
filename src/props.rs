//! Reading HubSpot's object JSON: IDs that arrive as strings or numbers, property
//! values that are strings, `null` or `""`, numbers in decimal strings.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::bad_response;
use crate::types::{Error, PropertyRead, WriteState};

/// Deserializes an ID given as a JSON string or a JSON number.
pub fn id_from_string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match IdValue::deserialize(deserializer)? {
        IdValue::Text(text) => Ok(text),
        IdValue::Unsigned(n) => Ok(n.to_string()),
        IdValue::Signed(n) => Ok(n.to_string()),
    }
}

/// Deserializes an optional ID given as a string, a number or `null`.
pub fn opt_id_from_string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<IdValue>::deserialize(deserializer)? {
        None => None,
        Some(IdValue::Text(text)) if text.is_empty() => None,
        Some(IdValue::Text(text)) => Some(text),
        Some(IdValue::Unsigned(n)) => Some(n.to_string()),
        Some(IdValue::Signed(n)) => Some(n.to_string()),
    })
}

#[derive(Deserialize)]
#[serde(untagged)]
enum IdValue {
    Text(String),
    Unsigned(u64),
    Signed(i64),
}

/// One `{ "id": ..., "type": ... }` entry of a v3 association list.
#[derive(Deserialize)]
pub struct AssociatedId {
    /// ID of the associated record.
    #[serde(deserialize_with = "id_from_string_or_number")]
    pub id: String,
}

/// A v3 association collection (`associations.contacts`).
#[derive(Deserialize, Default)]
pub struct AssociationList {
    /// Associated records; an ID appears once per association label.
    #[serde(default)]
    pub results: Vec<AssociatedId>,
    /// Present when HubSpot cut the list (it embeds at most 100 entries).
    #[serde(default)]
    pub paging: Option<crate::listing::Paging>,
}

/// A CRM object as HubSpot's v3 object endpoints return it.
#[derive(Deserialize)]
pub struct CrmObject {
    /// Record ID.
    #[serde(deserialize_with = "id_from_string_or_number")]
    pub id: String,
    /// Property values: strings, `null` for unset.
    #[serde(default)]
    pub properties: BTreeMap<String, Value>,
    /// Last update time.
    #[serde(default, rename = "updatedAt")]
    pub updated_at: Option<String>,
    /// Associations, by object type; absent when there are none.
    #[serde(default)]
    pub associations: Option<BTreeMap<String, AssociationList>>,
}

impl CrmObject {
    /// Returns a property's text. `null`, `""` and a missing key are all `None`.
    pub fn text(&self, name: &str) -> Result<Option<String>, Error> {
        match self.properties.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.is_empty() => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(bad_response(
                200,
                format!("property {name} of record {} is not a string", self.id),
                WriteState::None,
            )),
        }
    }

    /// Returns a property's number, parsed from HubSpot's decimal string.
    pub fn number(&self, name: &str) -> Result<Option<f64>, Error> {
        let Some(text) = self.text(name)? else {
            return Ok(None);
        };
        match text.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Some(n)),
            _ => Err(bad_response(
                200,
                format!(
                    "property {name} of record {} is not a number: {}",
                    self.id,
                    crate::validate::quote(&text)
                ),
                WriteState::None,
            )),
        }
    }

    /// Returns a multi-select property's values, split on `;`, without empty items.
    pub fn list(&self, name: &str) -> Result<Vec<String>, Error> {
        Ok(self
            .text(name)?
            .map(|text| {
                text.split(';')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Returns the IDs associated under `object_type` (`contacts`), without
    /// duplicates, in HubSpot's order.
    pub fn associated_ids(&self, object_type: &str) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        let entries = self
            .associations
            .as_ref()
            .and_then(|map| map.get(object_type))
            .map(|list| list.results.as_slice())
            .unwrap_or_default();
        for entry in entries {
            if !ids.contains(&entry.id) {
                ids.push(entry.id.clone());
            }
        }
        ids
    }

    /// Returns whether the embedded `object_type` associations continue on another
    /// page.
    pub fn associations_truncated(&self, object_type: &str) -> bool {
        self.associations
            .as_ref()
            .and_then(|map| map.get(object_type))
            .and_then(|list| list.paging.as_ref())
            .and_then(|paging| paging.next.as_ref())
            .is_some()
    }

    /// Returns the requested custom properties in the order requested.
    pub fn custom(&self, names: &[String]) -> Result<Vec<PropertyRead>, Error> {
        names
            .iter()
            .map(|name| {
                Ok(PropertyRead {
                    name: name.clone(),
                    value: self.text(name)?,
                })
            })
            .collect()
    }
}
