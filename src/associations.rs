//! Retrieve Association: the IDs of a contact's deals, companies, tickets or threads.

use serde::Deserialize;

use crate::client::Client;
use crate::conversations;
use crate::listing::{for_each_page, UniqueIds};
use crate::props::id_from_string_or_number;
use crate::tasks::{AssociationObjectType, ObjectIdsOutput, RetrieveAssociationInput};
use crate::types::Error;
use crate::url::PathBuilder;
use crate::validate;

/// Page size for v4 association reads: HubSpot's default and maximum.
const V4_PAGE_SIZE: &str = "500";

/// One target of a v4 association read. `toObjectId` is a JSON number on the wire
/// although HubSpot's spec calls it a string; both are accepted. All labels of one
/// target arrive in one entry.
#[derive(Deserialize)]
struct Target {
    #[serde(rename = "toObjectId", deserialize_with = "id_from_string_or_number")]
    to_object_id: String,
}

/// Lists the IDs associated with a contact, de-duplicated in first-seen order.
pub fn retrieve(client: &mut Client<'_>, input: &RetrieveAssociationInput) -> Result<ObjectIdsOutput, Error> {
    let contact_id = validate::id("contact-id", &input.contact_id)?;
    let to = match input.object_type {
        AssociationObjectType::Deals => "deals",
        AssociationObjectType::Companies => "companies",
        AssociationObjectType::Tickets => "tickets",
        AssociationObjectType::Threads => return conversations::threads_of_contact(client, &contact_id),
    };

    Ok(v4_ids(client, "contacts", &contact_id, to)?.into_output())
}

/// Reads every page of `GET /crm/v4/objects/{from}/{id}/associations/{to}` and
/// returns the target IDs, de-duplicated in first-seen order.
pub fn v4_ids(client: &mut Client<'_>, from: &str, id: &str, to: &str) -> Result<UniqueIds, Error> {
    let target = format!("list {to} associated with {from} {id}");
    let mut ids = UniqueIds::new();
    let path_for = |after: Option<&str>| {
        PathBuilder::new("/crm/v4/objects")
            .literal("/")
            .literal(from)
            .segment(id)
            .literal("/associations/")
            .literal(to)
            .query("limit", V4_PAGE_SIZE)
            .query_opt("after", after)
            .build()
    };
    for_each_page::<Target>(client, &target, path_for, |targets| {
        for target in targets {
            ids.push(target.to_object_id);
        }
    })?;
    Ok(ids)
}
