//! Paging through HubSpot's list endpoints, and Get All.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::client::Client;
use crate::error::invalid;
use crate::props::{id_from_string_or_number, opt_id_from_string_or_number};
use crate::tasks::{AllObjectType, GetAllInput, ObjectIdsOutput};
use crate::types::Error;
use crate::url::PathBuilder;

/// HubSpot's maximum page size for CRM object and owner lists.
pub const PAGE_SIZE: &str = "100";

/// One page of a list endpoint.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
pub struct Page<T> {
    /// Items of the page.
    #[serde(default)]
    pub results: Vec<T>,
    /// Cursor to the next page; absent on the last page.
    #[serde(default)]
    pub paging: Option<Paging>,
}

/// `paging` of a list response.
#[derive(Deserialize)]
pub struct Paging {
    /// The next page, when there is one.
    #[serde(default)]
    pub next: Option<NextPage>,
}

/// `paging.next`. Its `link` points at HubSpot's public host, so it is never
/// followed: the next request is built from `after`.
#[derive(Deserialize)]
pub struct NextPage {
    /// Opaque cursor, sent back as the `after` query value.
    #[serde(default, deserialize_with = "opt_id_from_string_or_number")]
    pub after: Option<String>,
}

/// An item of which only the ID is read.
#[derive(Deserialize)]
pub struct IdOnly {
    /// The item's ID.
    #[serde(deserialize_with = "id_from_string_or_number")]
    pub id: String,
}

/// Requests pages until the last one and hands each page's items to `each`.
///
/// Stops when `paging` or its cursor is missing, when a page is empty, or when a
/// cursor repeats (some endpoints return paging on their last page). Requesting
/// more than `max-pages` pages in one task, over all its listings, is an error, so
/// a partial list is never returned as complete.
pub fn for_each_page<T: DeserializeOwned>(
    client: &mut Client<'_>,
    target: &str,
    path_for: impl Fn(Option<&str>) -> String,
    mut each: impl FnMut(Vec<T>),
) -> Result<(), Error> {
    let max_pages = client.config().max_pages;
    let mut after: Option<String> = None;

    loop {
        if !client.count_page() {
            return Err(invalid(
                "setup.max-pages",
                &format!("{target}: more than {max_pages} pages; raise setup.max-pages to list everything"),
            ));
        }

        let page: Page<T> = client.get(&path_for(after.as_deref()), target)?;
        let empty = page.results.is_empty();
        each(page.results);

        let next = page.paging.and_then(|p| p.next).and_then(|n| n.after).filter(|a| !a.is_empty());
        match next {
            Some(cursor) if !empty && after.as_deref() != Some(cursor.as_str()) => after = Some(cursor),
            _ => return Ok(()),
        }
    }
}

/// Appends IDs to `ids`, keeping only their first occurrence.
pub struct UniqueIds {
    ids: Vec<String>,
    seen: std::collections::HashSet<String>,
}

impl UniqueIds {
    /// Creates an empty list.
    pub fn new() -> UniqueIds {
        UniqueIds {
            ids: Vec::new(),
            seen: std::collections::HashSet::new(),
        }
    }

    /// Adds `id` unless it is already present.
    pub fn push(&mut self, id: String) {
        if self.seen.insert(id.clone()) {
            self.ids.push(id);
        }
    }

    /// Returns the IDs.
    pub fn into_vec(self) -> Vec<String> {
        self.ids
    }

    /// Returns the task output.
    pub fn into_output(self) -> ObjectIdsOutput {
        ObjectIdsOutput {
            object_ids_length: u32::try_from(self.ids.len()).unwrap_or(u32::MAX),
            object_ids: self.ids,
        }
    }
}

impl Default for UniqueIds {
    fn default() -> Self {
        UniqueIds::new()
    }
}

/// Lists every non-archived ID of a type, 100 per request.
pub fn get_all(client: &mut Client<'_>, input: &GetAllInput) -> Result<ObjectIdsOutput, Error> {
    let (prefix, target, crm) = match input.object_type {
        AllObjectType::Contacts => ("/crm/v3/objects/contacts", "list contacts", true),
        AllObjectType::Deals => ("/crm/v3/objects/deals", "list deals", true),
        AllObjectType::Companies => ("/crm/v3/objects/companies", "list companies", true),
        AllObjectType::Tickets => ("/crm/v3/objects/tickets", "list tickets", true),
        AllObjectType::Threads => ("/conversations/v3/conversations/threads", "list threads", false),
        AllObjectType::Owners => ("/crm/v3/owners", "list owners", false),
    };

    let mut ids = UniqueIds::new();
    let path_for = |after: Option<&str>| {
        let mut path = PathBuilder::new(prefix).query("limit", PAGE_SIZE);
        if crm {
            // Only the ID is needed: asking for one property keeps pages small.
            path = path.query("properties", "hs_object_id");
        }
        path.query_opt("after", after).build()
    };
    for_each_page::<IdOnly>(client, target, path_for, |items| {
        for item in items {
            ids.push(item.id);
        }
    })?;
    Ok(ids.into_output())
}
