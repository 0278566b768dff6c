//! Get Owner.

use serde::Deserialize;

use crate::client::Client;
use crate::props::{id_from_string_or_number, opt_id_from_string_or_number};
use crate::tasks::{GetOwnerInput, GetOwnerOutput, IdType, Team};
use crate::types::Error;
use crate::url::PathBuilder;
use crate::validate;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Owner {
    #[serde(deserialize_with = "id_from_string_or_number")]
    id: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    /// A JSON number; `null` for deactivated owners.
    #[serde(default, deserialize_with = "opt_id_from_string_or_number")]
    user_id: Option<String>,
    /// Set for deactivated owners, whose `userId` is `null`.
    #[serde(default, deserialize_with = "opt_id_from_string_or_number")]
    user_id_including_inactive: Option<String>,
    /// Absent when the owner has no teams or the account's tier has none.
    #[serde(default)]
    teams: Option<Vec<OwnerTeam>>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    archived: bool,
}

#[derive(Deserialize)]
struct OwnerTeam {
    #[serde(deserialize_with = "id_from_string_or_number")]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    primary: Option<bool>,
}

/// Reads an owner by owner ID or user ID. Deactivated owners are only returned
/// with `archived=true`, so a 404 is followed by one archived lookup.
pub fn get(client: &mut Client<'_>, input: &GetOwnerInput) -> Result<GetOwnerOutput, Error> {
    let id = validate::id("id", &input.id)?;
    let (id_property, noun) = match input.id_type {
        IdType::OwnerId => ("id", "owner"),
        IdType::UserId => ("userId", "owner with user ID"),
    };
    let target = format!("{noun} {id}");
    let path = |archived: bool| {
        let path = PathBuilder::new("/crm/v3/owners").segment(&id).query("idProperty", id_property);
        if archived { path.query("archived", "true") } else { path }.build()
    };

    let owner: Owner = match client.get(&path(false), &target) {
        Err(Error::NotFound(not_found)) => match client.get(&path(true), &target) {
            Err(Error::NotFound(_)) => return Err(Error::NotFound(not_found)),
            other => other?,
        },
        other => other?,
    };

    Ok(GetOwnerOutput {
        first_name: non_empty(owner.first_name),
        last_name: non_empty(owner.last_name),
        email: non_empty(owner.email),
        owner_id: owner.id,
        user_id: owner.user_id.or(owner.user_id_including_inactive),
        teams: owner
            .teams
            .unwrap_or_default()
            .into_iter()
            .map(|team| Team {
                team_name: team.name.unwrap_or_default(),
                team_id: team.id,
                team_primary: team.primary.unwrap_or(false),
            })
            .collect(),
        created_at: owner.created_at.unwrap_or_default(),
        updated_at: owner.updated_at.unwrap_or_default(),
        archived: owner.archived,
    })
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}
