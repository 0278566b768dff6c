//! Get Deal, Create Deal and Update Deal.

use crate::client::Client;
use crate::crm::{self, ObjectType, Properties, RecordKey};
use crate::tasks::{CreateDealInput, CreateDealOutput, GetDealInput, GetDealOutput, UpdateDealInput, UpdateDealOutput};
use crate::types::Error;
use crate::validate;

/// Deal properties read by Get Deal.
const READ: &[&str] = &[
    "hubspot_owner_id",
    "dealname",
    "pipeline",
    "dealstage",
    "amount",
    "dealtype",
    "closedate",
    "createdate",
];

/// Reads a deal and its associated contacts.
pub fn get(client: &mut Client<'_>, input: &GetDealInput) -> Result<GetDealOutput, Error> {
    let id = validate::id("deal-id", &input.deal_id)?;
    let custom = crm::custom_names("custom-properties", input.custom_properties.as_deref())?;

    let deal = crm::read(client, ObjectType::Deals, &RecordKey::Id(id), READ, &custom, Some(ObjectType::Contacts))?;

    Ok(GetDealOutput {
        owner_id: deal.text("hubspot_owner_id")?,
        deal_name: deal.text("dealname")?,
        pipeline: deal.text("pipeline")?,
        deal_stage: deal.text("dealstage")?,
        amount: deal.number("amount")?,
        deal_type: deal.text("dealtype")?,
        close_date: deal.text("closedate")?,
        create_date: deal.text("createdate")?,
        associated_contact_ids: crm::associated_contacts(client, ObjectType::Deals, &deal)?,
        custom_properties: deal.custom(&custom)?,
    })
}

/// Creates a deal with its contact associations inline.
pub fn create(client: &mut Client<'_>, input: &CreateDealInput) -> Result<CreateDealOutput, Error> {
    let mut properties = Properties::new();
    properties.set("owner-id", "hubspot_owner_id", validate::optional_id("owner-id", &input.owner_id)?);
    properties.set("deal-name", "dealname", Some(validate::required_text("deal-name", &input.deal_name)?));
    properties.set("pipeline", "pipeline", Some(validate::required_text("pipeline", &input.pipeline)?));
    properties.set("deal-stage", "dealstage", Some(validate::required_text("deal-stage", &input.deal_stage)?));
    properties.set("amount", "amount", input.amount.map(|a| validate::number("amount", a)).transpose()?);
    properties.set("deal-type", "dealtype", validate::optional_text("deal-type", &input.deal_type)?);
    properties.set("close-date", "closedate", input.close_date.as_deref().map(|d| validate::date("close-date", d)).transpose()?);
    properties.set_custom("custom-properties", input.custom_properties.as_deref())?;

    let contacts = validate::optional_ids("create-contacts-association", &input.create_contacts_association)?;
    let deal_id = crm::create(client, ObjectType::Deals, properties, &[(ObjectType::Contacts, contacts)])?;
    Ok(CreateDealOutput { deal_id })
}

/// Updates only the given deal properties, then adds contact associations.
pub fn update(client: &mut Client<'_>, input: &UpdateDealInput) -> Result<UpdateDealOutput, Error> {
    let id = validate::id("deal-id", &input.deal_id)?;
    let mut properties = Properties::new();
    properties.set("owner-id", "hubspot_owner_id", validate::optional_id("owner-id", &input.owner_id)?);
    properties.set("deal-name", "dealname", validate::optional_text("deal-name", &input.deal_name)?);
    properties.set("pipeline", "pipeline", validate::optional_text("pipeline", &input.pipeline)?);
    properties.set("deal-stage", "dealstage", validate::optional_text("deal-stage", &input.deal_stage)?);
    properties.set("amount", "amount", input.amount.map(|a| validate::number("amount", a)).transpose()?);
    properties.set("deal-type", "dealtype", validate::optional_text("deal-type", &input.deal_type)?);
    properties.set("close-date", "closedate", input.close_date.as_deref().map(|d| validate::date("close-date", d)).transpose()?);
    properties.set_custom("custom-properties", input.custom_properties.as_deref())?;
    let contacts = validate::optional_ids("create-contacts-association", &input.create_contacts_association)?;
    crm::require_change(&properties, &contacts, "deal-id")?;

    let updated_names = properties.names();
    // NOTE: with only associations given, this PATCH carries `{"properties":{}}`,
    // which HubSpot's schema allows; it also returns the `updatedAt` the output
    // needs. Its acceptance by HubSpot is not verified against a live account.
    let deal = crm::update(client, ObjectType::Deals, &id, properties)?;
    crm::associate_after_update(client, ObjectType::Deals, &id, ObjectType::Contacts, &contacts, &updated_names)?;

    Ok(UpdateDealOutput {
        updated_by_user_id: deal.text("hs_updated_by_user_id")?,
        updated_at: crm::updated_at(ObjectType::Deals, &deal)?,
    })
}
