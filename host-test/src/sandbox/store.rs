//! The sandbox's in-memory state: CRM records, associations, owners, conversation threads and
//! messages. Route handlers validate input and then change the store; tests may change it
//! directly through [`crate::sandbox::Sandbox::store`], which skips that validation.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::wire::now_ms;

/// A CRM object type served under `/crm/v3/objects/{type}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectType {
    Contact,
    Company,
    Deal,
    Ticket,
}

impl ObjectType {
    pub const ALL: [ObjectType; 4] =
        [ObjectType::Contact, ObjectType::Company, ObjectType::Deal, ObjectType::Ticket];

    /// Parses a path segment: the plural name (any case) or the object type ID (`0-1` ...).
    pub fn from_path(segment: &str) -> Option<ObjectType> {
        match segment.to_ascii_lowercase().as_str() {
            "contacts" | "contact" | "0-1" => Some(ObjectType::Contact),
            "companies" | "company" | "0-2" => Some(ObjectType::Company),
            "deals" | "deal" | "0-3" => Some(ObjectType::Deal),
            "tickets" | "ticket" | "0-5" => Some(ObjectType::Ticket),
            _ => None,
        }
    }

    /// Returns the plural name, as used in paths and as keys of `associations` in v3 responses.
    pub fn plural(self) -> &'static str {
        match self {
            ObjectType::Contact => "contacts",
            ObjectType::Company => "companies",
            ObjectType::Deal => "deals",
            ObjectType::Ticket => "tickets",
        }
    }

    /// Returns the singular name used in v3 association type names (`deal_to_contact`).
    pub fn singular(self) -> &'static str {
        match self {
            ObjectType::Contact => "contact",
            ObjectType::Company => "company",
            ObjectType::Deal => "deal",
            ObjectType::Ticket => "ticket",
        }
    }

    /// Returns the object type ID (`0-1` for contacts).
    pub fn type_id(self) -> &'static str {
        match self {
            ObjectType::Contact => "0-1",
            ObjectType::Company => "0-2",
            ObjectType::Deal => "0-3",
            ObjectType::Ticket => "0-5",
        }
    }

    /// Returns the upper-case name HubSpot uses in error contexts (`CONTACT=151 is not valid`).
    pub fn upper(self) -> &'static str {
        match self {
            ObjectType::Contact => "CONTACT",
            ObjectType::Company => "COMPANY",
            ObjectType::Deal => "DEAL",
            ObjectType::Ticket => "TICKET",
        }
    }

    /// Returns the name of the last-modified property: `lastmodifieddate` for contacts,
    /// `hs_lastmodifieddate` for the other types.
    pub fn last_modified_property(self) -> &'static str {
        match self {
            ObjectType::Contact => "lastmodifieddate",
            _ => "hs_lastmodifieddate",
        }
    }

    /// Returns the properties returned when a request names none (besides the always-present
    /// `hs_object_id`, `createdate` and last-modified properties).
    pub fn default_properties(self) -> &'static [&'static str] {
        match self {
            ObjectType::Contact => &["email", "firstname", "lastname"],
            ObjectType::Company => &["domain", "name"],
            ObjectType::Deal => &["amount", "closedate", "dealname", "dealstage", "pipeline"],
            ObjectType::Ticket => &[
                "content",
                "hs_pipeline",
                "hs_pipeline_stage",
                "hs_ticket_category",
                "hs_ticket_priority",
                "subject",
            ],
        }
    }
}

/// Kind of a property, which decides how its values are validated and stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropertyKind {
    /// Any string, stored as given.
    Text,
    /// A decimal number, stored as given.
    Number,
    /// A date-time, stored as `YYYY-MM-DDThh:mm:ss.sssZ`. Digits are read as epoch milliseconds.
    DateTime,
    /// A date, stored as `YYYY-MM-DD`. The value must be midnight UTC.
    Date,
    /// Set by HubSpot only; a write is rejected with `READ_ONLY_VALUE`.
    ReadOnly,
}

/// A CRM record. `properties` contains what was set: a missing name reads as `null`, and a name
/// set to `""` reads as `""`. `hs_object_id`, `createdate` and the last-modified property are
/// computed from `id`, `created_at` and `updated_at` when the record is returned.
#[derive(Clone, Debug)]
pub struct CrmObject {
    pub id: u64,
    pub properties: BTreeMap<String, String>,
    /// Epoch milliseconds.
    pub created_at: i64,
    /// Epoch milliseconds.
    pub updated_at: i64,
    /// Epoch milliseconds when the record was archived; `None` while it is active.
    pub archived_at: Option<i64>,
}

/// A team an owner belongs to.
#[derive(Clone, Debug)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub primary: bool,
}

/// A CRM owner as returned by `/crm/v3/owners`.
#[derive(Clone, Debug)]
pub struct Owner {
    pub id: u64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// `None` for deactivated (archived) owners, which keep `user_id_including_inactive`.
    pub user_id: Option<u64>,
    pub user_id_including_inactive: Option<u64>,
    /// `None` omits the `teams` key, as HubSpot does for owners without teams.
    pub teams: Option<Vec<Team>>,
    pub created_at: i64,
    pub updated_at: i64,
    pub archived: bool,
}

/// A conversations inbox thread.
#[derive(Clone, Debug)]
pub struct Thread {
    pub id: u64,
    pub created_at: i64,
    /// `OPEN` or `CLOSED`.
    pub status: String,
    pub closed_at: Option<i64>,
    pub inbox_id: String,
    /// A contact ID, or a visitor ID when no contact exists yet.
    pub associated_contact_id: String,
    pub original_channel_id: String,
    pub original_channel_account_id: String,
    /// An agent actor ID such as `A-3892666`.
    pub assigned_to: Option<String>,
    pub associated_ticket_id: Option<String>,
    pub spam: bool,
    pub archived: bool,
}

/// A message or other thread item (comment, status change ...), kept as the JSON that the
/// messages endpoint returns, so items of any `type` can be stored.
#[derive(Clone, Debug)]
pub struct Message {
    pub id: String,
    /// Epoch milliseconds; the list endpoint sorts on it.
    pub created_at: i64,
    pub body: Value,
}

/// A HubSpot user who may send messages as actor `A-<user_id>`.
#[derive(Clone, Debug)]
pub struct Agent {
    pub user_id: u64,
    pub name: String,
    pub email: String,
}

/// One HubSpot-defined association type: the direction, its type ID and the inverse type ID.
#[derive(Clone, Copy, Debug)]
pub struct AssociationType {
    pub from: ObjectType,
    pub to: ObjectType,
    pub type_id: u32,
    /// The type ID of the same association seen from the other side.
    pub inverse_id: u32,
    /// Primary types carry the label `Primary` and imply the unlabeled type.
    pub primary: bool,
    /// The name v3 responses use in `associations.{type}.results[].type`.
    pub v3_name: &'static str,
}

const fn assoc(
    from: ObjectType,
    to: ObjectType,
    type_id: u32,
    inverse_id: u32,
    primary: bool,
    v3_name: &'static str,
) -> AssociationType {
    AssociationType { from, to, type_id, inverse_id, primary, v3_name }
}

use ObjectType::{Company, Contact, Deal, Ticket};

/// HubSpot-defined association type IDs, from the enums of HubSpot's official Node and Python
/// clients (`AssociationTypes`).
pub const ASSOCIATION_TYPES: &[AssociationType] = &[
    assoc(Contact, Company, 279, 280, false, "contact_to_company_unlabeled"),
    assoc(Contact, Company, 1, 2, true, "contact_to_company"),
    assoc(Company, Contact, 280, 279, false, "company_to_contact_unlabeled"),
    assoc(Company, Contact, 2, 1, true, "company_to_contact"),
    assoc(Contact, Deal, 4, 3, false, "contact_to_deal"),
    assoc(Deal, Contact, 3, 4, false, "deal_to_contact"),
    assoc(Contact, Ticket, 15, 16, false, "contact_to_ticket"),
    assoc(Ticket, Contact, 16, 15, false, "ticket_to_contact"),
    assoc(Deal, Company, 341, 342, false, "deal_to_company_unlabeled"),
    assoc(Deal, Company, 5, 6, true, "deal_to_company"),
    assoc(Company, Deal, 342, 341, false, "company_to_deal_unlabeled"),
    assoc(Company, Deal, 6, 5, true, "company_to_deal"),
    assoc(Ticket, Company, 339, 340, false, "ticket_to_company_unlabeled"),
    assoc(Ticket, Company, 26, 25, true, "ticket_to_company"),
    assoc(Company, Ticket, 340, 339, false, "company_to_ticket_unlabeled"),
    assoc(Company, Ticket, 25, 26, true, "company_to_ticket"),
    assoc(Deal, Ticket, 27, 28, false, "deal_to_ticket"),
    assoc(Ticket, Deal, 28, 27, false, "ticket_to_deal"),
];

/// Returns the association type `type_id` if it is defined for `from` → `to`.
pub fn association_type(from: ObjectType, to: ObjectType, type_id: u32) -> Option<AssociationType> {
    ASSOCIATION_TYPES.iter().copied().find(|t| t.from == from && t.to == to && t.type_id == type_id)
}

/// Returns the unlabeled (default) association type for `from` → `to`.
pub fn default_association_type(from: ObjectType, to: ObjectType) -> Option<AssociationType> {
    ASSOCIATION_TYPES.iter().copied().find(|t| t.from == from && t.to == to && !t.primary)
}

type AssociationKey = (ObjectType, u64, ObjectType);

/// The whole sandbox state.
#[derive(Debug)]
pub struct Store {
    objects: HashMap<ObjectType, BTreeMap<u64, CrmObject>>,
    /// Lower-cased email of each active contact → contact ID.
    emails: HashMap<String, u64>,
    /// Merged-away ID → surviving ID.
    merged: HashMap<(ObjectType, u64), u64>,
    /// Both directions of every association: target ID → the type IDs linking to it.
    associations: HashMap<AssociationKey, BTreeMap<u64, BTreeSet<u32>>>,
    schema: HashMap<ObjectType, HashMap<String, PropertyKind>>,
    owners: BTreeMap<u64, Owner>,
    threads: BTreeMap<u64, Thread>,
    /// Thread ID → its items, oldest first.
    messages: HashMap<u64, Vec<Message>>,
    agents: BTreeMap<u64, Agent>,
    /// Channel account ID → channel ID.
    channel_accounts: BTreeMap<String, String>,
    next_object_id: u64,
    next_message_id: u64,
}

/// First ID given to records created at run time. It is above 2^32 on purpose: real HubSpot IDs
/// passed 7,000,000,000 in 2024, so a client that stores IDs as 32-bit integers fails here too.
const FIRST_GENERATED_ID: u64 = 90_000_000_001;

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// Creates an empty store with HubSpot's standard property definitions.
    pub fn new() -> Store {
        let mut store = Store {
            objects: ObjectType::ALL.iter().map(|t| (*t, BTreeMap::new())).collect(),
            emails: HashMap::new(),
            merged: HashMap::new(),
            associations: HashMap::new(),
            schema: HashMap::new(),
            owners: BTreeMap::new(),
            threads: BTreeMap::new(),
            messages: HashMap::new(),
            agents: BTreeMap::new(),
            channel_accounts: BTreeMap::new(),
            next_object_id: FIRST_GENERATED_ID,
            next_message_id: 1,
        };
        store.define_standard_properties();
        store
    }

    fn define_standard_properties(&mut self) {
        use PropertyKind::*;
        let common: &[(&str, PropertyKind)] = &[
            ("hs_object_id", ReadOnly),
            ("createdate", DateTime),
            ("hs_lastmodifieddate", ReadOnly),
            ("hs_merged_object_ids", ReadOnly),
            ("hs_object_source", ReadOnly),
            ("hs_object_source_label", ReadOnly),
            ("hubspot_owner_id", Text),
            ("hs_updated_by_user_id", ReadOnly),
            ("notes_last_updated", DateTime),
        ];
        let contact: &[(&str, PropertyKind)] = &[
            ("email", Text),
            ("firstname", Text),
            ("lastname", Text),
            ("phone", Text),
            ("mobilephone", Text),
            ("fax", Text),
            ("company", Text),
            ("jobtitle", Text),
            ("website", Text),
            ("address", Text),
            ("city", Text),
            ("state", Text),
            ("zip", Text),
            ("country", Text),
            ("industry", Text),
            ("salutation", Text),
            ("message", Text),
            ("lifecyclestage", Text),
            ("hs_lead_status", Text),
            ("hs_persona", Text),
            ("hs_language", Text),
            ("hs_timezone", Text),
            ("annualrevenue", Number),
            ("numemployees", Text),
            ("date_of_birth", Date),
            ("lastmodifieddate", ReadOnly),
            ("hs_email_domain", ReadOnly),
            ("hs_calculated_merged_vids", ReadOnly),
        ];
        let company: &[(&str, PropertyKind)] = &[
            ("name", Text),
            ("domain", Text),
            ("website", Text),
            ("phone", Text),
            ("address", Text),
            ("address2", Text),
            ("city", Text),
            ("state", Text),
            ("zip", Text),
            ("country", Text),
            ("industry", Text),
            ("description", Text),
            ("type", Text),
            ("lifecyclestage", Text),
            ("hs_lead_status", Text),
            ("timezone", Text),
            ("linkedin_company_page", Text),
            ("founded_year", Text),
            ("annualrevenue", Number),
            ("totalrevenue", Number),
            ("numberofemployees", Number),
            ("closedate", DateTime),
        ];
        let deal: &[(&str, PropertyKind)] = &[
            ("dealname", Text),
            ("amount", Number),
            ("closedate", DateTime),
            ("pipeline", Text),
            ("dealstage", Text),
            ("dealtype", Text),
            ("description", Text),
            ("hs_priority", Text),
            ("hs_next_step", Text),
            ("deal_currency_code", Text),
            ("hs_forecast_amount", Number),
            ("hs_forecast_probability", Number),
            ("hs_deal_stage_probability", Number),
            ("renewal_date", Date),
        ];
        let ticket: &[(&str, PropertyKind)] = &[
            ("subject", Text),
            ("content", Text),
            ("hs_pipeline", Text),
            ("hs_pipeline_stage", Text),
            ("hs_ticket_category", Text),
            ("hs_ticket_priority", Text),
            ("source_type", Text),
            ("hs_resolution", Text),
            ("closed_date", DateTime),
            ("hs_ticket_id", ReadOnly),
            ("hs_helpdesk_sort_timestamp", ReadOnly),
            ("hs_last_message_from_visitor", ReadOnly),
        ];
        for (object_type, own) in
            [(Contact, contact), (Company, company), (Deal, deal), (Ticket, ticket)]
        {
            let map = self.schema.entry(object_type).or_default();
            for (name, kind) in common.iter().chain(own.iter()) {
                map.insert((*name).to_string(), *kind);
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Properties and records
    // -----------------------------------------------------------------------------------------

    /// Defines (or redefines) a property, like a custom property created in a portal.
    pub fn define_property(&mut self, object_type: ObjectType, name: &str, kind: PropertyKind) {
        self.schema.entry(object_type).or_default().insert(name.to_string(), kind);
    }

    /// Returns how `name` is validated, or `None` when the property does not exist.
    pub fn property_kind(&self, object_type: ObjectType, name: &str) -> Option<PropertyKind> {
        self.schema.get(&object_type).and_then(|m| m.get(name)).copied()
    }

    /// Returns a fresh record ID.
    pub fn allocate_id(&mut self) -> u64 {
        let id = self.next_object_id;
        self.next_object_id += 1;
        id
    }

    /// Inserts a record with the given ID (or a fresh one when `id` is `None`) and properties,
    /// without validation, and returns its ID. An existing record with that ID is replaced.
    pub fn insert_object(
        &mut self,
        object_type: ObjectType,
        id: Option<u64>,
        properties: &[(&str, &str)],
    ) -> u64 {
        let now = now_ms();
        let id = id.unwrap_or_else(|| self.allocate_id());
        let properties =
            properties.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
        self.put_object(
            object_type,
            CrmObject { id, properties, created_at: now, updated_at: now, archived_at: None },
        );
        id
    }

    /// Inserts or replaces a whole record and keeps the email index current.
    pub fn put_object(&mut self, object_type: ObjectType, object: CrmObject) {
        if object.id >= self.next_object_id {
            self.next_object_id = object.id + 1;
        }
        if object_type == Contact {
            if let Some(old) = self.objects[&Contact].get(&object.id) {
                if let Some(email) = old.properties.get("email") {
                    self.emails.remove(&email.to_lowercase());
                }
            }
            if object.archived_at.is_none() {
                if let Some(email) = object.properties.get("email").filter(|e| !e.is_empty()) {
                    self.emails.insert(email.to_lowercase(), object.id);
                }
            }
        }
        self.objects.entry(object_type).or_default().insert(object.id, object);
    }

    /// Returns the record stored under `id`, archived or not, without following merges.
    pub fn object(&self, object_type: ObjectType, id: u64) -> Option<&CrmObject> {
        self.objects.get(&object_type).and_then(|m| m.get(&id))
    }

    /// Returns all records of a type in ID order, archived ones included.
    pub fn objects(&self, object_type: ObjectType) -> &BTreeMap<u64, CrmObject> {
        &self.objects[&object_type]
    }

    /// Returns the number of records of a type, archived ones included.
    pub fn count(&self, object_type: ObjectType) -> usize {
        self.objects[&object_type].len()
    }

    /// Follows merges from `id` to the ID of the surviving record.
    pub fn resolve_id(&self, object_type: ObjectType, id: u64) -> u64 {
        let mut current = id;
        for _ in 0..32 {
            match self.merged.get(&(object_type, current)) {
                Some(next) => current = *next,
                None => break,
            }
        }
        current
    }

    /// Returns the ID of the active contact with this email, compared case-insensitively.
    pub fn contact_by_email(&self, email: &str) -> Option<u64> {
        self.emails.get(&email.to_lowercase()).copied()
    }

    /// Sets properties on a record (an empty string clears a value but keeps it as `""`) and
    /// bumps its last-modified time. Returns false when the record does not exist.
    pub fn update_properties(
        &mut self,
        object_type: ObjectType,
        id: u64,
        properties: &[(String, String)],
    ) -> bool {
        let Some(mut object) = self.object(object_type, id).cloned() else {
            return false;
        };
        for (name, value) in properties {
            object.properties.insert(name.clone(), value.clone());
        }
        object.updated_at = now_ms().max(object.updated_at + 1);
        self.put_object(object_type, object);
        true
    }

    /// Archives a record, as `DELETE /crm/v3/objects/{type}/{id}` does. Returns false when the
    /// record does not exist or is already archived.
    pub fn archive(&mut self, object_type: ObjectType, id: u64) -> bool {
        let Some(mut object) = self.object(object_type, id).cloned() else {
            return false;
        };
        if object.archived_at.is_some() {
            return false;
        }
        let now = now_ms();
        object.archived_at = Some(now);
        object.updated_at = now;
        self.put_object(object_type, object);
        true
    }

    /// Merges `old_ids` into a new record `survivor_id` (a fresh ID when `None`), as HubSpot's
    /// merge does since merges create a new record: the old IDs then resolve to the survivor,
    /// which lists them in `hs_merged_object_ids` and takes over their associations.
    /// Properties of later IDs win over earlier ones. Returns the survivor's ID.
    pub fn merge(&mut self, object_type: ObjectType, old_ids: &[u64], survivor_id: Option<u64>) -> u64 {
        let survivor_id = survivor_id.unwrap_or_else(|| self.allocate_id());
        let now = now_ms();
        let mut properties = BTreeMap::new();
        let mut created_at = now;
        for id in old_ids {
            if let Some(old) = self.object(object_type, *id).cloned() {
                created_at = created_at.min(old.created_at);
                properties.extend(old.properties.clone());
                if let Some(mut archived) = self.objects.get_mut(&object_type).and_then(|m| m.remove(id)) {
                    archived.archived_at = Some(now);
                    if let Some(email) = archived.properties.get("email") {
                        self.emails.remove(&email.to_lowercase());
                    }
                }
            }
            self.merged.insert((object_type, *id), survivor_id);
            self.move_associations(object_type, *id, survivor_id);
        }
        let merged_ids: Vec<String> = old_ids.iter().map(u64::to_string).collect();
        properties.insert("hs_merged_object_ids".into(), merged_ids.join(";"));
        self.put_object(
            object_type,
            CrmObject { id: survivor_id, properties, created_at, updated_at: now, archived_at: None },
        );
        survivor_id
    }

    fn move_associations(&mut self, object_type: ObjectType, from: u64, to: u64) {
        for other in ObjectType::ALL {
            let Some(targets) = self.associations.remove(&(object_type, from, other)) else {
                continue;
            };
            for (target, type_ids) in targets {
                for type_id in type_ids {
                    if let Some(t) = association_type(object_type, other, type_id) {
                        self.unlink_one(other, target, object_type, from, t.inverse_id);
                        self.link_one(object_type, to, other, target, type_id);
                        self.link_one(other, target, object_type, to, t.inverse_id);
                    }
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Associations
    // -----------------------------------------------------------------------------------------

    fn link_one(&mut self, from: ObjectType, from_id: u64, to: ObjectType, to_id: u64, type_id: u32) {
        self.associations
            .entry((from, from_id, to))
            .or_default()
            .entry(to_id)
            .or_default()
            .insert(type_id);
    }

    fn unlink_one(&mut self, from: ObjectType, from_id: u64, to: ObjectType, to_id: u64, type_id: u32) {
        if let Some(targets) = self.associations.get_mut(&(from, from_id, to)) {
            if let Some(types) = targets.get_mut(&to_id) {
                types.remove(&type_id);
                if types.is_empty() {
                    targets.remove(&to_id);
                }
            }
        }
    }

    /// Associates two records in both directions. A primary type also adds the unlabeled type
    /// and moves the primary flag away from any other target, since a record has at most one
    /// primary company. Returns an error when `type_id` is not defined for `from` → `to`.
    pub fn associate(
        &mut self,
        from: ObjectType,
        from_id: u64,
        to: ObjectType,
        to_id: u64,
        type_id: u32,
    ) -> Result<(), String> {
        let Some(kind) = association_type(from, to, type_id) else {
            return Err(format!(
                "association type {type_id} is not defined from {} to {}",
                from.plural(),
                to.plural()
            ));
        };
        if kind.primary {
            let previous: Vec<u64> = self
                .associations
                .get(&(from, from_id, to))
                .map(|targets| {
                    targets
                        .iter()
                        .filter(|(id, types)| **id != to_id && types.contains(&type_id))
                        .map(|(id, _)| *id)
                        .collect()
                })
                .unwrap_or_default();
            for other in previous {
                self.unlink_one(from, from_id, to, other, type_id);
                self.unlink_one(to, other, from, from_id, kind.inverse_id);
            }
            if let Some(unlabeled) = default_association_type(from, to) {
                self.link_one(from, from_id, to, to_id, unlabeled.type_id);
                self.link_one(to, to_id, from, from_id, unlabeled.inverse_id);
            }
        }
        self.link_one(from, from_id, to, to_id, type_id);
        self.link_one(to, to_id, from, from_id, kind.inverse_id);
        Ok(())
    }

    /// Removes every association between two records, in both directions.
    pub fn dissociate(&mut self, from: ObjectType, from_id: u64, to: ObjectType, to_id: u64) {
        if let Some(targets) = self.associations.get_mut(&(from, from_id, to)) {
            targets.remove(&to_id);
        }
        if let Some(targets) = self.associations.get_mut(&(to, to_id, from)) {
            targets.remove(&from_id);
        }
    }

    /// Returns the targets of type `to` associated with a record, in ID order, each with its
    /// association type IDs (primary types first).
    pub fn associations(&self, from: ObjectType, from_id: u64, to: ObjectType) -> Vec<(u64, Vec<u32>)> {
        let Some(targets) = self.associations.get(&(from, from_id, to)) else {
            return Vec::new();
        };
        targets
            .iter()
            .filter(|(_, types)| !types.is_empty())
            .map(|(id, types)| {
                let mut ids: Vec<u32> = types.iter().copied().collect();
                ids.sort_by_key(|t| {
                    let primary = association_type(from, to, *t).map(|a| a.primary).unwrap_or(false);
                    (!primary, *t)
                });
                (*id, ids)
            })
            .collect()
    }

    // -----------------------------------------------------------------------------------------
    // Owners
    // -----------------------------------------------------------------------------------------

    pub fn insert_owner(&mut self, owner: Owner) {
        self.owners.insert(owner.id, owner);
    }

    pub fn owner(&self, id: u64) -> Option<&Owner> {
        self.owners.get(&id)
    }

    /// Returns all owners in ID order, archived ones included.
    pub fn owners(&self) -> impl Iterator<Item = &Owner> {
        self.owners.values()
    }

    // -----------------------------------------------------------------------------------------
    // Conversations
    // -----------------------------------------------------------------------------------------

    pub fn insert_thread(&mut self, thread: Thread) {
        self.messages.entry(thread.id).or_default();
        self.threads.insert(thread.id, thread);
    }

    pub fn thread(&self, id: u64) -> Option<&Thread> {
        self.threads.get(&id)
    }

    pub fn thread_mut(&mut self, id: u64) -> Option<&mut Thread> {
        self.threads.get_mut(&id)
    }

    /// Returns all threads in ID order.
    pub fn threads(&self) -> impl Iterator<Item = &Thread> {
        self.threads.values()
    }

    /// Returns a new message ID: 32 hex digits, the form HubSpot uses.
    pub fn allocate_message_id(&mut self) -> String {
        let n = self.next_message_id;
        self.next_message_id += 1;
        format!("{:016x}{:016x}", n.wrapping_mul(0x9E37_79B9_7F4A_7C15), n)
    }

    /// Appends an item to a thread. `body` must be the full JSON the messages endpoint returns;
    /// its `createdAt` is not read, `created_at` orders the items.
    pub fn insert_message(&mut self, thread_id: u64, message: Message) {
        let items = self.messages.entry(thread_id).or_default();
        let at = items.partition_point(|m| m.created_at <= message.created_at);
        items.insert(at, message);
    }

    /// Returns a thread's items, oldest first.
    pub fn messages(&self, thread_id: u64) -> &[Message] {
        self.messages.get(&thread_id).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn add_agent(&mut self, agent: Agent) {
        self.agents.insert(agent.user_id, agent);
    }

    /// Returns the agent behind an actor ID such as `A-3892666`.
    pub fn agent_by_actor(&self, actor_id: &str) -> Option<&Agent> {
        let user_id = actor_id.strip_prefix("A-")?.parse::<u64>().ok()?;
        self.agents.get(&user_id)
    }

    /// Registers a channel account (`channelAccountId`) on a channel (`channelId`, such as
    /// `1002` for email).
    pub fn add_channel_account(&mut self, channel_account_id: &str, channel_id: &str) {
        self.channel_accounts.insert(channel_account_id.to_string(), channel_id.to_string());
    }

    /// Returns the channel ID of a channel account.
    pub fn channel_of_account(&self, channel_account_id: &str) -> Option<&str> {
        self.channel_accounts.get(channel_account_id).map(String::as_str)
    }
}
