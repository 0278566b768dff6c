//! The JSON entry point: task IDs, JSON inputs with the reference field IDs, and
//! JSON outputs.
//!
//! Inputs are strict: a key the task does not know, or a value of the wrong JSON
//! type, is an `invalid-input` error naming the key, so a typo never silently
//! drops a field. `null` counts as absent. The key `task` is ignored, because
//! pipeline engines often pass it inside the input.

use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::invalid;
use crate::tasks::*;
use crate::types::{Error, PropertyRead, PropertyValue};
use crate::{associations, companies, contacts, conversations, deals, listing, owners, tickets};

/// Largest JSON input accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// The task IDs, with the WIT function name accepted for each.
const TASKS: &[(&str, &str)] = &[
    ("TASK_GET_CONTACT", "get-contact"),
    ("TASK_CREATE_CONTACT", "create-contact"),
    ("TASK_GET_DEAL", "get-deal"),
    ("TASK_CREATE_DEAL", "create-deal"),
    ("TASK_UPDATE_DEAL", "update-deal"),
    ("TASK_GET_COMPANY", "get-company"),
    ("TASK_CREATE_COMPANY", "create-company"),
    ("TASK_GET_TICKET", "get-ticket"),
    ("TASK_CREATE_TICKET", "create-ticket"),
    ("TASK_UPDATE_TICKET", "update-ticket"),
    ("TASK_GET_THREAD", "get-thread"),
    ("TASK_INSERT_MESSAGE", "insert-message"),
    ("TASK_RETRIEVE_ASSOCIATION", "retrieve-association"),
    ("TASK_GET_OWNER", "get-owner"),
    ("TASK_GET_ALL", "get-all"),
];

/// Runs the task `task` on the JSON object `input`.
pub fn execute(client: &mut Client<'_>, task: &str, input: &str) -> Result<String, Error> {
    let task_id = resolve_task(task)?;
    if input.len() > MAX_INPUT_BYTES {
        return Err(invalid("input", &format!("input is larger than {MAX_INPUT_BYTES} bytes")));
    }
    let value: Value = serde_json::from_str(input)
        .map_err(|e| invalid("input", &format!("input is not valid JSON ({e}): pass a JSON object such as {{\"deal-id\":\"9001\"}}")))?;
    let Value::Object(map) = value else {
        return Err(invalid("input", "input must be a JSON object whose keys are the task's field IDs"));
    };
    let mut fields = Fields::new(&map);

    let output = match task_id {
        "TASK_GET_CONTACT" => get_contact_output(contacts::get(client, &get_contact_input(&mut fields)?)?),
        "TASK_CREATE_CONTACT" => {
            let out = contacts::create(client, &create_contact_input(&mut fields)?)?;
            object([("contact-id", Value::String(out.contact_id))])
        }
        "TASK_GET_DEAL" => get_deal_output(deals::get(client, &get_deal_input(&mut fields)?)?),
        "TASK_CREATE_DEAL" => {
            let out = deals::create(client, &create_deal_input(&mut fields)?)?;
            object([("deal-id", Value::String(out.deal_id))])
        }
        "TASK_UPDATE_DEAL" => {
            let out = deals::update(client, &update_deal_input(&mut fields)?)?;
            let mut map = Map::new();
            put(&mut map, "updated-by-user-id", out.updated_by_user_id);
            map.insert("updated-at".into(), Value::String(out.updated_at));
            Value::Object(map)
        }
        "TASK_GET_COMPANY" => get_company_output(companies::get(client, &get_company_input(&mut fields)?)?),
        "TASK_CREATE_COMPANY" => {
            let out = companies::create(client, &create_company_input(&mut fields)?)?;
            object([("company-id", Value::String(out.company_id))])
        }
        "TASK_GET_TICKET" => get_ticket_output(tickets::get(client, &get_ticket_input(&mut fields)?)?),
        "TASK_CREATE_TICKET" => {
            let out = tickets::create(client, &create_ticket_input(&mut fields)?)?;
            object([("ticket-id", Value::String(out.ticket_id))])
        }
        "TASK_UPDATE_TICKET" => {
            let out = tickets::update(client, &update_ticket_input(&mut fields)?)?;
            object([("updated-at", Value::String(out.updated_at))])
        }
        "TASK_GET_THREAD" => {
            let input = GetThreadInput { thread_id: fields.required_string("thread-id")? };
            fields.finish()?;
            get_thread_output(conversations::get_thread(client, &input)?)
        }
        "TASK_INSERT_MESSAGE" => {
            let out = conversations::insert_message(client, &insert_message_input(&mut fields)?)?;
            object([("status", Value::String(out.status)), ("message-id", Value::String(out.message_id))])
        }
        "TASK_RETRIEVE_ASSOCIATION" => {
            let contact_id = fields.required_string("contact-id")?;
            let object_type = fields.required_string("object-type")?;
            fields.finish()?;
            let input = RetrieveAssociationInput {
                contact_id,
                object_type: association_object_type(&object_type)?,
            };
            ids_output(associations::retrieve(client, &input)?)
        }
        "TASK_GET_OWNER" => {
            let kind = fields.required_string("id-type")?;
            let id = fields.required_string("id")?;
            fields.finish()?;
            let input = GetOwnerInput { id_type: id_type(&kind)?, id };
            get_owner_output(owners::get(client, &input)?)
        }
        "TASK_GET_ALL" => {
            let object_type = fields.required_string("object-type")?;
            fields.finish()?;
            let input = GetAllInput { object_type: all_object_type(&object_type)? };
            ids_output(listing::get_all(client, &input)?)
        }
        _ => return Err(Error::Other(format!("task {task_id} has no JSON mapping"))),
    };

    serde_json::to_string(&output).map_err(|e| Error::Other(format!("could not encode the output: {e}")))
}

/// Maps `TASK_GET_CONTACT` or `get-contact` to the task ID.
fn resolve_task(task: &str) -> Result<&'static str, Error> {
    let trimmed = task.trim();
    TASKS
        .iter()
        .find(|(id, name)| *id == trimmed || *name == trimmed)
        .map(|(id, _)| *id)
        .ok_or_else(|| {
            let known: Vec<&str> = TASKS.iter().map(|(id, _)| *id).collect();
            invalid(
                "task",
                &format!(
                    "unknown task {}: use one of {} (or the function name, such as get-contact)",
                    crate::validate::quote(trimmed),
                    known.join(", ")
                ),
            )
        })
}

/// Reads the keys of an input object and remembers which were used.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    used: Vec<&'static str>,
    missing: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    fn new(map: &'a Map<String, Value>) -> Fields<'a> {
        Fields {
            map,
            used: vec!["task"],
            missing: Vec::new(),
        }
    }

    fn value(&mut self, key: &'static str) -> Option<&'a Value> {
        self.used.push(key);
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn string(&mut self, key: &'static str) -> Result<Option<String>, Error> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(wrong_type(key, "a string", other)),
        }
    }

    /// Reads a required string. A missing key is reported by [`Fields::finish`],
    /// after unknown keys, so a misspelled key is named as such.
    fn required_string(&mut self, key: &'static str) -> Result<String, Error> {
        match self.string(key)? {
            Some(value) => Ok(value),
            None => {
                self.missing.push(key);
                Ok(String::new())
            }
        }
    }

    fn required_string_list(&mut self, key: &'static str) -> Result<Vec<String>, Error> {
        match self.string_list(key)? {
            Some(values) => Ok(values),
            None => {
                self.missing.push(key);
                Ok(Vec::new())
            }
        }
    }

    fn number(&mut self, key: &'static str) -> Result<Option<f64>, Error> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .map(Some)
                .ok_or_else(|| invalid(key, &format!("{key} is not a finite number"))),
            Some(other) => Err(wrong_type(key, "a number such as 1500.5", other)),
        }
    }

    fn string_list(&mut self, key: &'static str) -> Result<Option<Vec<String>>, Error> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(wrong_type(&format!("{key}[{i}]"), "a string", other)),
                })
                .collect::<Result<Vec<String>, Error>>()
                .map(Some),
            Some(other) => Err(wrong_type(key, "a list of strings such as [\"201\",\"202\"]", other)),
        }
    }

    /// Reads custom properties to write: a JSON object of property names to values.
    /// Numbers and booleans are written as HubSpot's text form.
    fn property_values(&mut self, key: &'static str) -> Result<Option<Vec<PropertyValue>>, Error> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(name, value)| {
                    let value = match value {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        other => return Err(wrong_type(&format!("{key}.{name}"), "a string, number or boolean", other)),
                    };
                    Ok(PropertyValue { name: name.clone(), value })
                })
                .collect::<Result<Vec<PropertyValue>, Error>>()
                .map(Some),
            Some(other) => Err(wrong_type(key, "an object of property names to values such as {\"hs_lead_score\":\"12\"}", other)),
        }
    }

    /// Rejects keys the task does not know, then reports missing required keys.
    fn finish(self) -> Result<(), Error> {
        let unknown = self.map.keys().find(|key| !self.used.contains(&key.as_str()));
        if let Some(key) = unknown {
            let mut known: Vec<&str> = self.used.iter().copied().filter(|k| *k != "task").collect();
            known.sort_unstable();
            known.dedup();
            let hint = match self.missing.first() {
                Some(missing) => format!(" (the required field {missing} is missing: is this it?)"),
                None => String::new(),
            };
            return Err(invalid(
                key,
                &format!(
                    "{} is not a field of this task{hint}: check the spelling; the fields are {}",
                    crate::validate::quote(key),
                    known.join(", ")
                ),
            ));
        }
        match self.missing.first() {
            Some(key) => Err(invalid(key, &format!("{key} is required: add \"{key}\" to the input"))),
            None => Ok(()),
        }
    }
}

fn wrong_type(key: &str, expected: &str, got: &Value) -> Error {
    let kind = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    invalid(key, &format!("{key} must be {expected}, not {kind}"))
}

fn get_contact_input(f: &mut Fields<'_>) -> Result<GetContactInput, Error> {
    let input = GetContactInput {
        contact_id_or_email: f.required_string("contact-id-or-email")?,
        custom_properties: f.string_list("custom-properties")?,
    };
    f_finish(f)?;
    Ok(input)
}

fn create_contact_input(f: &mut Fields<'_>) -> Result<CreateContactInput, Error> {
    let input = CreateContactInput {
        owner_id: f.string("owner-id")?,
        email: f.required_string("email")?,
        first_name: f.string("first-name")?,
        last_name: f.string("last-name")?,
        phone_number: f.string("phone-number")?,
        company: f.string("company")?,
        job_title: f.string("job-title")?,
        lifecycle_stage: f.string("lifecycle-stage")?,
        lead_status: f.string("lead-status")?,
        create_deals_association: f.string_list("create-deals-association")?,
        create_companies_association: f.string_list("create-companies-association")?,
        create_tickets_association: f.string_list("create-tickets-association")?,
        custom_properties: f.property_values("custom-properties")?,
    };
    f_finish(f)?;
    Ok(input)
}

fn get_deal_input(f: &mut Fields<'_>) -> Result<GetDealInput, Error> {
    let input = GetDealInput {
        deal_id: f.required_string("deal-id")?,
        custom_properties: f.string_list("custom-properties")?,
    };
    f_finish(f)?;
    Ok(input)
}

fn create_deal_input(f: &mut Fields<'_>) -> Result<CreateDealInput, Error> {
    let input = CreateDealInput {
        owner_id: f.string("owner-id")?,
        deal_name: f.required_string("deal-name")?,
        pipeline: f.required_string("pipeline")?,
        deal_stage: f.required_string("deal-stage")?,
        amount: f.number("amount")?,
        deal_type: f.string("deal-type")?,
        close_date: f.string("close-date")?,
        create_contacts_association: f.string_list("create-contacts-association")?,
        custom_properties: f.property_values("custom-properties")?,
    };
    f_finish(f)?;
    Ok(input)
}

fn update_deal_input(f: &mut Fields<'_>) -> Result<UpdateDealInput, Error> {
    let input = UpdateDealInput {
        deal_id: f.required_string("deal-id")?,
        owner_id: f.string("owner-id")?,
        deal_name: f.string("deal-name")?,
        pipeline: f.string("pipeline")?,
        deal_stage: f.string("deal-stage")?,
        amount: f.number("amount")?,
        deal_type: f.string("deal-type")?,
        close_date: f.string("close-date")?,
        create_contacts_association: f.string_list("create-contacts-association")?,
        custom_properties: f.property_values("custom-properties")?,
    };
    f_finish(f)?;
    Ok(input)
}

fn get_company_input(f: &mut Fields<'_>) -> Result<GetCompanyInput, Error> {
    let input = GetCompanyInput {
        company_id: f.required_string("company-id")?,
        custom_properties: f.string_list("custom-properties")?,
    };
    f_finish(f)?;
    Ok(input)
}

fn create_company_input(f: &mut Fields<'_>) -> Result<CreateCompanyInput, Error> {
    // The original schema spelled the key `postal-code,`; both spellings are read.
    let postal_code = f.string("postal-code")?;
    let legacy_postal_code = f.string("postal-code,")?;
    if postal_code.is_some() && legacy_postal_code.is_some() {
        return Err(invalid("postal-code", "postal-code is given twice (as postal-code and postal-code,): keep only postal-code"));
    }
    let input = CreateCompanyInput {
        owner_id: f.string("owner-id")?,
        company_name: f.string("company-name")?,
        company_domain: f.required_string("company-domain")?,
        description: f.string("description")?,
        phone_number: f.string("phone-number")?,
        industry: f.string("industry")?,
        company_type: f.string("company-type")?,
        city: f.string("city")?,
        state: f.string("state")?,
        country: f.string("country")?,
        postal_code: postal_code.or(legacy_postal_code),
        time_zone: f.string("time-zone")?,
        annual_revenue: f.number("annual-revenue")?,
        linkedin_page: f.string("linkedin-page")?,
        create_contacts_association: f.string_list("create-contacts-association")?,
        custom_properties: f.property_values("custom-properties")?,
    };
    f_finish(f)?;
    Ok(input)
}

fn get_ticket_input(f: &mut Fields<'_>) -> Result<GetTicketInput, Error> {
    let input = GetTicketInput {
        ticket_id: f.required_string("ticket-id")?,
        custom_properties: f.string_list("custom-properties")?,
    };
    f_finish(f)?;
    Ok(input)
}

fn create_ticket_input(f: &mut Fields<'_>) -> Result<CreateTicketInput, Error> {
    let input = CreateTicketInput {
        owner_id: f.string("owner-id")?,
        ticket_name: f.required_string("ticket-name")?,
        ticket_status: f.required_string("ticket-status")?,
        pipeline: f.required_string("pipeline")?,
        categories: f.string_list("categories")?,
        priority: f.string("priority")?,
        source: f.string("source")?,
        create_contacts_association: f.string_list("create-contacts-association")?,
        custom_properties: f.property_values("custom-properties")?,
    };
    f_finish(f)?;
    Ok(input)
}

fn update_ticket_input(f: &mut Fields<'_>) -> Result<UpdateTicketInput, Error> {
    let input = UpdateTicketInput {
        ticket_id: f.required_string("ticket-id")?,
        owner_id: f.string("owner-id")?,
        ticket_name: f.string("ticket-name")?,
        ticket_status: f.string("ticket-status")?,
        pipeline: f.string("pipeline")?,
        categories: f.string_list("categories")?,
        priority: f.string("priority")?,
        source: f.string("source")?,
        create_contacts_association: f.string_list("create-contacts-association")?,
        custom_properties: f.property_values("custom-properties")?,
    };
    f_finish(f)?;
    Ok(input)
}

fn insert_message_input(f: &mut Fields<'_>) -> Result<InsertMessageInput, Error> {
    let input = InsertMessageInput {
        thread_id: f.required_string("thread-id")?,
        sender_actor_id: f.required_string("sender-actor-id")?,
        recipients: f.required_string_list("recipients")?,
        channel_account_id: f.required_string("channel-account-id")?,
        subject: f.required_string("subject")?,
        text: f.required_string("text")?,
    };
    f_finish(f)?;
    Ok(input)
}

/// Finishes a borrowed `Fields` by checking for unknown keys.
fn f_finish(f: &mut Fields<'_>) -> Result<(), Error> {
    let fields = Fields {
        map: f.map,
        used: std::mem::take(&mut f.used),
        missing: std::mem::take(&mut f.missing),
    };
    fields.finish()
}

/// Matches a documented enum value (`Deals`) or its WIT name (`deals`), ignoring
/// case and surrounding whitespace.
fn enum_value<T: Copy>(field: &str, value: &str, cases: &[(&str, &str, T)]) -> Result<T, Error> {
    let trimmed = value.trim();
    cases
        .iter()
        .find(|(label, wit, _)| label.eq_ignore_ascii_case(trimmed) || wit.eq_ignore_ascii_case(trimmed))
        .map(|(_, _, case)| *case)
        .ok_or_else(|| {
            let labels: Vec<&str> = cases.iter().map(|(label, _, _)| *label).collect();
            invalid(
                field,
                &format!("{field} {} is not allowed: use one of {}", crate::validate::quote(trimmed), labels.join(", ")),
            )
        })
}

fn association_object_type(value: &str) -> Result<AssociationObjectType, Error> {
    enum_value(
        "object-type",
        value,
        &[
            ("Deals", "deals", AssociationObjectType::Deals),
            ("Companies", "companies", AssociationObjectType::Companies),
            ("Tickets", "tickets", AssociationObjectType::Tickets),
            ("Threads", "threads", AssociationObjectType::Threads),
        ],
    )
}

fn all_object_type(value: &str) -> Result<AllObjectType, Error> {
    enum_value(
        "object-type",
        value,
        &[
            ("Contacts", "contacts", AllObjectType::Contacts),
            ("Deals", "deals", AllObjectType::Deals),
            ("Companies", "companies", AllObjectType::Companies),
            ("Tickets", "tickets", AllObjectType::Tickets),
            ("Threads", "threads", AllObjectType::Threads),
            ("Owners", "owners", AllObjectType::Owners),
        ],
    )
}

fn id_type(value: &str) -> Result<IdType, Error> {
    enum_value(
        "id-type",
        value,
        &[("Owner ID", "owner-id", IdType::OwnerId), ("User ID", "user-id", IdType::UserId)],
    )
}

fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Inserts `value` under `key` when present.
fn put(map: &mut Map<String, Value>, key: &str, value: Option<String>) {
    if let Some(value) = value {
        map.insert(key.to_string(), Value::String(value));
    }
}

fn put_number(map: &mut Map<String, Value>, key: &str, value: Option<f64>) {
    if let Some(number) = value.and_then(serde_json::Number::from_f64) {
        map.insert(key.to_string(), Value::Number(number));
    }
}

fn strings(values: Vec<String>) -> Value {
    Value::Array(values.into_iter().map(Value::String).collect())
}

/// Custom properties as an object of names to values; absent values are left out.
fn custom(values: Vec<PropertyRead>) -> Value {
    Value::Object(
        values
            .into_iter()
            .filter_map(|p| p.value.map(|v| (p.name, Value::String(v))))
            .collect(),
    )
}

fn get_contact_output(out: GetContactOutput) -> Value {
    let mut map = Map::new();
    put(&mut map, "owner-id", out.owner_id);
    put(&mut map, "email", out.email);
    put(&mut map, "first-name", out.first_name);
    put(&mut map, "last-name", out.last_name);
    put(&mut map, "phone-number", out.phone_number);
    put(&mut map, "company", out.company);
    put(&mut map, "job-title", out.job_title);
    put(&mut map, "lifecycle-stage", out.lifecycle_stage);
    put(&mut map, "lead-status", out.lead_status);
    map.insert("contact-id".into(), Value::String(out.contact_id));
    map.insert("custom-properties".into(), custom(out.custom_properties));
    Value::Object(map)
}

fn get_deal_output(out: GetDealOutput) -> Value {
    let mut map = Map::new();
    put(&mut map, "owner-id", out.owner_id);
    put(&mut map, "deal-name", out.deal_name);
    put(&mut map, "pipeline", out.pipeline);
    put(&mut map, "deal-stage", out.deal_stage);
    put_number(&mut map, "amount", out.amount);
    put(&mut map, "deal-type", out.deal_type);
    put(&mut map, "close-date", out.close_date);
    put(&mut map, "create-date", out.create_date);
    map.insert("associated-contact-ids".into(), strings(out.associated_contact_ids));
    map.insert("custom-properties".into(), custom(out.custom_properties));
    Value::Object(map)
}

fn get_company_output(out: GetCompanyOutput) -> Value {
    let mut map = Map::new();
    put(&mut map, "owner-id", out.owner_id);
    put(&mut map, "company-name", out.company_name);
    put(&mut map, "company-domain", out.company_domain);
    put(&mut map, "description", out.description);
    put(&mut map, "phone-number", out.phone_number);
    put(&mut map, "industry", out.industry);
    put(&mut map, "company-type", out.company_type);
    put(&mut map, "city", out.city);
    put(&mut map, "state", out.state);
    put(&mut map, "country", out.country);
    put(&mut map, "postal-code", out.postal_code);
    put(&mut map, "time-zone", out.time_zone);
    put_number(&mut map, "annual-revenue", out.annual_revenue);
    put_number(&mut map, "total-revenue", out.total_revenue);
    put(&mut map, "linkedin-page", out.linkedin_page);
    map.insert("associated-contact-ids".into(), strings(out.associated_contact_ids));
    map.insert("custom-properties".into(), custom(out.custom_properties));
    Value::Object(map)
}

fn get_ticket_output(out: GetTicketOutput) -> Value {
    let mut map = Map::new();
    put(&mut map, "owner-id", out.owner_id);
    put(&mut map, "ticket-name", out.ticket_name);
    put(&mut map, "ticket-status", out.ticket_status);
    put(&mut map, "pipeline", out.pipeline);
    map.insert("categories".into(), strings(out.categories));
    put(&mut map, "priority", out.priority);
    put(&mut map, "source", out.source);
    put(&mut map, "record-source", out.record_source);
    put(&mut map, "create-date", out.create_date);
    put(&mut map, "last-modified-date", out.last_modified_date);
    map.insert("associated-contact-ids".into(), strings(out.associated_contact_ids));
    map.insert("custom-properties".into(), custom(out.custom_properties));
    Value::Object(map)
}

fn get_thread_output(out: GetThreadOutput) -> Value {
    let results: Vec<Value> = out
        .results
        .into_iter()
        .map(|m| {
            let mut sender = Map::new();
            put(&mut sender, "sender-name", m.sender.sender_name);
            put(&mut sender, "sender-type", m.sender.sender_type);
            put(&mut sender, "sender-value", m.sender.sender_value);
            put(&mut sender, "sender-actor-id", m.sender.sender_actor_id);
            let recipients: Vec<Value> = m
                .recipients
                .into_iter()
                .map(|r| {
                    let mut map = Map::new();
                    put(&mut map, "name", r.name);
                    put(&mut map, "type", r.type_);
                    put(&mut map, "value", r.value);
                    Value::Object(map)
                })
                .collect();
            let mut map = Map::new();
            map.insert("created-at".into(), Value::String(m.created_at));
            map.insert("sender".into(), Value::Object(sender));
            map.insert("recipients".into(), Value::Array(recipients));
            put(&mut map, "text", m.text);
            put(&mut map, "subject", m.subject);
            put(&mut map, "channel-id", m.channel_id);
            put(&mut map, "channel-account-id", m.channel_account_id);
            Value::Object(map)
        })
        .collect();
    object([("results", Value::Array(results)), ("no-of-messages", Value::from(out.no_of_messages))])
}

fn get_owner_output(out: GetOwnerOutput) -> Value {
    let mut map = Map::new();
    put(&mut map, "first-name", out.first_name);
    put(&mut map, "last-name", out.last_name);
    put(&mut map, "email", out.email);
    map.insert("owner-id".into(), Value::String(out.owner_id));
    put(&mut map, "user-id", out.user_id);
    let teams: Vec<Value> = out
        .teams
        .into_iter()
        .map(|t| {
            object([
                ("team-name", Value::String(t.team_name)),
                ("team-id", Value::String(t.team_id)),
                ("team-primary", Value::Bool(t.team_primary)),
            ])
        })
        .collect();
    map.insert("teams".into(), Value::Array(teams));
    map.insert("created-at".into(), Value::String(out.created_at));
    map.insert("updated-at".into(), Value::String(out.updated_at));
    map.insert("archived".into(), Value::Bool(out.archived));
    Value::Object(map)
}

fn ids_output(out: ObjectIdsOutput) -> Value {
    object([
        ("object-ids", strings(out.object_ids)),
        ("object-ids-length", Value::from(out.object_ids_length)),
    ])
}
