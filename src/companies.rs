//! Get Company and Create Company.

use crate::client::Client;
use crate::crm::{self, ObjectType, Properties, RecordKey};
use crate::tasks::{CreateCompanyInput, CreateCompanyOutput, GetCompanyInput, GetCompanyOutput};
use crate::types::Error;
use crate::validate;

/// Company properties read by Get Company.
const READ: &[&str] = &[
    "hubspot_owner_id",
    "name",
    "domain",
    "description",
    "phone",
    "industry",
    "type",
    "city",
    "state",
    "country",
    "zip",
    "timezone",
    "annualrevenue",
    "totalrevenue",
    "linkedin_company_page",
];

/// Reads a company and its associated contacts.
pub fn get(client: &mut Client<'_>, input: &GetCompanyInput) -> Result<GetCompanyOutput, Error> {
    let id = validate::id("company-id", &input.company_id)?;
    let custom = crm::custom_names("custom-properties", input.custom_properties.as_deref())?;

    let company = crm::read(client, ObjectType::Companies, &RecordKey::Id(id), READ, &custom, Some(ObjectType::Contacts))?;

    Ok(GetCompanyOutput {
        owner_id: company.text("hubspot_owner_id")?,
        company_name: company.text("name")?,
        company_domain: company.text("domain")?,
        description: company.text("description")?,
        phone_number: company.text("phone")?,
        industry: company.text("industry")?,
        company_type: company.text("type")?,
        city: company.text("city")?,
        state: company.text("state")?,
        country: company.text("country")?,
        postal_code: company.text("zip")?,
        time_zone: company.text("timezone")?,
        annual_revenue: company.number("annualrevenue")?,
        total_revenue: company.number("totalrevenue")?,
        linkedin_page: company.text("linkedin_company_page")?,
        associated_contact_ids: crm::associated_contacts(client, ObjectType::Companies, &company)?,
        custom_properties: company.custom(&custom)?,
    })
}

/// Creates a company with its contact associations inline.
pub fn create(client: &mut Client<'_>, input: &CreateCompanyInput) -> Result<CreateCompanyOutput, Error> {
    let mut properties = Properties::new();
    properties.set("owner-id", "hubspot_owner_id", validate::optional_id("owner-id", &input.owner_id)?);
    properties.set("company-name", "name", validate::optional_text("company-name", &input.company_name)?);
    properties.set("company-domain", "domain", Some(validate::required_text("company-domain", input.company_domain.trim())?));
    properties.set("description", "description", validate::optional_text("description", &input.description)?);
    properties.set("phone-number", "phone", validate::optional_text("phone-number", &input.phone_number)?);
    properties.set("industry", "industry", validate::optional_text("industry", &input.industry)?);
    properties.set("company-type", "type", validate::optional_text("company-type", &input.company_type)?);
    properties.set("city", "city", validate::optional_text("city", &input.city)?);
    properties.set("state", "state", validate::optional_text("state", &input.state)?);
    properties.set("country", "country", validate::optional_text("country", &input.country)?);
    properties.set("postal-code", "zip", validate::optional_text("postal-code", &input.postal_code)?);
    properties.set("time-zone", "timezone", validate::optional_text("time-zone", &input.time_zone)?);
    properties.set("annual-revenue", "annualrevenue", input.annual_revenue.map(|a| validate::number("annual-revenue", a)).transpose()?);
    properties.set("linkedin-page", "linkedin_company_page", validate::optional_text("linkedin-page", &input.linkedin_page)?);
    properties.set_custom("custom-properties", input.custom_properties.as_deref())?;

    let contacts = validate::optional_ids("create-contacts-association", &input.create_contacts_association)?;
    let company_id = crm::create(client, ObjectType::Companies, properties, &[(ObjectType::Contacts, contacts)])?;
    Ok(CreateCompanyOutput { company_id })
}
