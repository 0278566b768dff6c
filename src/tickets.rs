//! Get Ticket, Create Ticket and Update Ticket.

use crate::client::Client;
use crate::crm::{self, ObjectType, Properties, RecordKey};
use crate::tasks::{
    CreateTicketInput, CreateTicketOutput, GetTicketInput, GetTicketOutput, UpdateTicketInput, UpdateTicketOutput,
};
use crate::types::Error;
use crate::validate;

/// Ticket properties read by Get Ticket.
const READ: &[&str] = &[
    "hubspot_owner_id",
    "subject",
    "hs_pipeline_stage",
    "hs_pipeline",
    "hs_ticket_category",
    "hs_ticket_priority",
    "source_type",
    "hs_object_source_label",
    "createdate",
    "hs_lastmodifieddate",
];

/// Reads a ticket and its associated contacts.
pub fn get(client: &mut Client<'_>, input: &GetTicketInput) -> Result<GetTicketOutput, Error> {
    let id = validate::id("ticket-id", &input.ticket_id)?;
    let custom = crm::custom_names("custom-properties", input.custom_properties.as_deref())?;

    let ticket = crm::read(client, ObjectType::Tickets, &RecordKey::Id(id), READ, &custom, Some(ObjectType::Contacts))?;

    Ok(GetTicketOutput {
        owner_id: ticket.text("hubspot_owner_id")?,
        ticket_name: ticket.text("subject")?,
        ticket_status: ticket.text("hs_pipeline_stage")?,
        pipeline: ticket.text("hs_pipeline")?,
        categories: ticket.list("hs_ticket_category")?,
        priority: ticket.text("hs_ticket_priority")?,
        source: ticket.text("source_type")?,
        record_source: ticket.text("hs_object_source_label")?,
        create_date: ticket.text("createdate")?,
        last_modified_date: ticket.text("hs_lastmodifieddate")?,
        associated_contact_ids: crm::associated_contacts(client, ObjectType::Tickets, &ticket)?,
        custom_properties: ticket.custom(&custom)?,
    })
}

/// Creates a ticket with its contact associations inline.
pub fn create(client: &mut Client<'_>, input: &CreateTicketInput) -> Result<CreateTicketOutput, Error> {
    let mut properties = Properties::new();
    properties.set("owner-id", "hubspot_owner_id", validate::optional_id("owner-id", &input.owner_id)?);
    properties.set("ticket-name", "subject", Some(validate::required_text("ticket-name", &input.ticket_name)?));
    properties.set("ticket-status", "hs_pipeline_stage", Some(validate::required_text("ticket-status", &input.ticket_status)?));
    properties.set("pipeline", "hs_pipeline", Some(validate::required_text("pipeline", &input.pipeline)?));
    properties.set("categories", "hs_ticket_category", categories(&input.categories)?);
    properties.set("priority", "hs_ticket_priority", validate::optional_text("priority", &input.priority)?);
    properties.set("source", "source_type", validate::optional_text("source", &input.source)?);
    properties.set_custom("custom-properties", input.custom_properties.as_deref())?;

    let contacts = validate::optional_ids("create-contacts-association", &input.create_contacts_association)?;
    let ticket_id = crm::create(client, ObjectType::Tickets, properties, &[(ObjectType::Contacts, contacts)])?;
    Ok(CreateTicketOutput { ticket_id })
}

/// Updates only the given ticket properties, then adds contact associations.
pub fn update(client: &mut Client<'_>, input: &UpdateTicketInput) -> Result<UpdateTicketOutput, Error> {
    let id = validate::id("ticket-id", &input.ticket_id)?;
    let mut properties = Properties::new();
    properties.set("owner-id", "hubspot_owner_id", validate::optional_id("owner-id", &input.owner_id)?);
    properties.set("ticket-name", "subject", validate::optional_text("ticket-name", &input.ticket_name)?);
    properties.set("ticket-status", "hs_pipeline_stage", validate::optional_text("ticket-status", &input.ticket_status)?);
    properties.set("pipeline", "hs_pipeline", validate::optional_text("pipeline", &input.pipeline)?);
    properties.set("categories", "hs_ticket_category", categories(&input.categories)?);
    properties.set("priority", "hs_ticket_priority", validate::optional_text("priority", &input.priority)?);
    properties.set("source", "source_type", validate::optional_text("source", &input.source)?);
    properties.set_custom("custom-properties", input.custom_properties.as_deref())?;
    let contacts = validate::optional_ids("create-contacts-association", &input.create_contacts_association)?;
    crm::require_change(&properties, &contacts, "ticket-id")?;

    let updated_names = properties.names();
    let ticket = crm::update(client, ObjectType::Tickets, &id, properties)?;
    crm::associate_after_update(client, ObjectType::Tickets, &id, ObjectType::Contacts, &contacts, &updated_names)?;

    Ok(UpdateTicketOutput {
        updated_at: crm::updated_at(ObjectType::Tickets, &ticket)?,
    })
}

/// Joins categories with `;`, HubSpot's multi-select separator. An empty list
/// gives `""`, which clears the property.
fn categories(value: &Option<Vec<String>>) -> Result<Option<String>, Error> {
    let Some(items) = value else {
        return Ok(None);
    };
    let mut joined: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("categories[{i}]");
        let item = validate::required_text(&field, item.trim())?;
        if item.contains(';') {
            return Err(crate::error::invalid(&field, "a category must not contain ; (HubSpot's separator): give each category as its own item"));
        }
        joined.push(item);
    }
    Ok(Some(joined.join(";")))
}
