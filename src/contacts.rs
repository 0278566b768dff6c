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
        // After a merge HubSpot returns the surviving record, whose ID differs from
        // the one requested, so the response's ID is reported.
        contact_id: contact.id,
    })
}

/// Creates a contact with its deal, company and ticket associations inline.
pub fn create(client: &mut Client<'_>, input: &CreateContactInput) -> Result<CreateContactOutput, Error> {
    let mut properties = Properties::new();
    properties.set("owner-id", "hubspot_owner_id", validate::optional_id("owner-id", &input.owner_id)?);
    properties.set("email", "email", Some(validate::email("email", &input.email)?));
    properties.set("first-name", "firstname", validate::optional_text("first-name", &input.first_name)?);
    properties.set("last-name", "lastname", validate::optional_text("last-name", &input.last_name)?);
    properties.set("phone-number", "phone", validate::optional_text("phone-number", &input.phone_number)?);
    properties.set("company", "company", validate::optional_text("company", &input.company)?);
    properties.set("job-title", "jobtitle", validate::optional_text("job-title", &input.job_title)?);
    properties.set("lifecycle-stage", "lifecyclestage", validate::optional_text("lifecycle-stage", &input.lifecycle_stage)?);
    properties.set("lead-status", "hs_lead_status", validate::optional_text("lead-status", &input.lead_status)?);
    properties.set_custom("custom-properties", input.custom_properties.as_deref())?;

    let associations = vec![
        (ObjectType::Deals, validate::optional_ids("create-deals-association", &input.create_deals_association)?),
        (ObjectType::Companies, validate::optional_ids("create-companies-association", &input.create_companies_association)?),
        (ObjectType::Tickets, validate::optional_ids("create-tickets-association", &input.create_tickets_association)?),
    ];

    let contact_id = crm::create(client, ObjectType::Contacts, properties, &associations)?;
    Ok(CreateContactOutput { contact_id })
}
