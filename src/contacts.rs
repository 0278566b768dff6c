//! Get Contact and Create Contact.

use crate::client::Client;
use crate::crm::{self, ObjectType, Properties, RecordKey};
use crate::tasks::{CreateContactInput, CreateContactOutput, GetContactInput, GetContactOutput};
use crate::types::Error;
use crate::validate;

/// Contact properties read by Get Contact, in output order.
const READ: &[&str] = &[
    "hubspot_owner_id",
    "email",
    "firstname",
    "lastname",
    "phone",
    "company",
    "jobtitle",
    "lifecyclestage",
    "hs_lead_status",
];

/// Reads a contact by ID, or by email when the value contains `@`.
pub fn get(client: &mut Client<'_>, input: &GetContactInput) -> Result<GetContactOutput, Error> {
    const FIELD: &str = "contact-id-or-email";
    let key = if input.contact_id_or_email.contains('@') {
        RecordKey::Email(validate::email(FIELD, &input.contact_id_or_email)?)
    } else {
        RecordKey::Id(validate::id(FIELD, &input.contact_id_or_email)?)
    };
    let custom = crm::custom_names("custom-properties", input.custom_properties.as_deref())?;

    let contact = crm::read(client, ObjectType::Contacts, &key, READ, &custom, None)?;

    Ok(GetContactOutput {
        owner_id: contact.text("hubspot_owner_id")?,
        email: contact.text("email")?,
        first_name: contact.text("firstname")?,
        last_name: contact.text("lastname")?,
        phone_number: contact.text("phone")?,
        company: contact.text("company")?,
        job_title: contact.text("jobtitle")?,
        lifecycle_stage: contact.text("lifecyclestage")?,
        lead_status: contact.text("hs_lead_status")?,
        custom_properties: contact.custom(&custom)?,
        // After a merge HubSpot answers with the surviving record, whose ID differs
        // from the one requested: report the response's ID.
        contact_id: contact.id,
    })
}

/// Creates a contact with its deal, company and ticket associations inline.
pub fn create(client: &mut Client<'_>, input: &CreateContactInput) -> Result<CreateContactOutput, Error> {
    let mut properties = Properties::new();
    properties.set("owner-id", "hubspot_owner_id", opt_id("owner-id", &input.owner_id)?);
    properties.set("email", "email", Some(validate::email("email", &input.email)?));
    properties.set("first-name", "firstname", opt_text("first-name", &input.first_name)?);
    properties.set("last-name", "lastname", opt_text("last-name", &input.last_name)?);
    properties.set("phone-number", "phone", opt_text("phone-number", &input.phone_number)?);
    properties.set("company", "company", opt_text("company", &input.company)?);
    properties.set("job-title", "jobtitle", opt_text("job-title", &input.job_title)?);
    properties.set("lifecycle-stage", "lifecyclestage", opt_text("lifecycle-stage", &input.lifecycle_stage)?);
    properties.set("lead-status", "hs_lead_status", opt_text("lead-status", &input.lead_status)?);
    properties.set_custom("custom-properties", input.custom_properties.as_deref())?;

    let associations = vec![
        (ObjectType::Deals, opt_ids("create-deals-association", &input.create_deals_association)?),
        (ObjectType::Companies, opt_ids("create-companies-association", &input.create_companies_association)?),
        (ObjectType::Tickets, opt_ids("create-tickets-association", &input.create_tickets_association)?),
    ];

    let contact_id = crm::create(client, ObjectType::Contacts, properties, &associations)?;
    Ok(CreateContactOutput { contact_id })
}

/// Checks an optional text field.
pub fn opt_text(field: &str, value: &Option<String>) -> Result<Option<String>, Error> {
    value.as_deref().map(|v| validate::text(field, v)).transpose()
}

/// Checks an optional ID field; `""` is kept, as it clears the property on update.
pub fn opt_id(field: &str, value: &Option<String>) -> Result<Option<String>, Error> {
    match value.as_deref() {
        None => Ok(None),
        Some("") => Ok(Some(String::new())),
        Some(v) => validate::id(field, v).map(Some),
    }
}

/// Checks an optional list of IDs.
pub fn opt_ids(field: &str, value: &Option<Vec<String>>) -> Result<Vec<String>, Error> {
    value.as_deref().map(|ids| validate::ids(field, ids)).transpose().map(Option::unwrap_or_default)
}
