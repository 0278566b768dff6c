//! Native entry points: each task run over any [`Transport`].
//!
//! The component's exports call these with the `wasi:http` transport; tests call
//! them with a fake one.

use crate::client::Client;
use crate::config::Config;
use crate::error::scrub;
use crate::tasks::*;
use crate::transport::Transport;
use crate::types::{Error, Setup};
use crate::{associations, companies, contacts, conversations, deals, json, listing, owners, tickets};

/// Checks `setup`, then runs `task` with a client over `transport`.
pub fn with_client<T>(
    transport: &mut dyn Transport,
    setup: &Setup,
    task: impl FnOnce(&mut Client<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    let config = Config::from_setup(setup)?;
    let token = config.token.clone();
    let mut client = Client::new(transport, config);
    task(&mut client).map_err(|error| scrub(error, token.expose()))
}

macro_rules! task_fn {
    ($(#[$doc:meta])* $name:ident, $input:ty, $output:ty, $body:path) => {
        $(#[$doc])*
        pub fn $name(transport: &mut dyn Transport, setup: &Setup, input: &$input) -> Result<$output, Error> {
            with_client(transport, setup, |client| $body(client, input))
        }
    };
}

task_fn!(/// Get Contact.
    get_contact, GetContactInput, GetContactOutput, contacts::get);
task_fn!(/// Create Contact.
    create_contact, CreateContactInput, CreateContactOutput, contacts::create);
task_fn!(/// Get Deal.
    get_deal, GetDealInput, GetDealOutput, deals::get);
task_fn!(/// Create Deal.
    create_deal, CreateDealInput, CreateDealOutput, deals::create);
task_fn!(/// Update Deal.
    update_deal, UpdateDealInput, UpdateDealOutput, deals::update);
task_fn!(/// Get Company.
    get_company, GetCompanyInput, GetCompanyOutput, companies::get);
task_fn!(/// Create Company.
    create_company, CreateCompanyInput, CreateCompanyOutput, companies::create);
task_fn!(/// Get Ticket.
    get_ticket, GetTicketInput, GetTicketOutput, tickets::get);
task_fn!(/// Create Ticket.
    create_ticket, CreateTicketInput, CreateTicketOutput, tickets::create);
task_fn!(/// Update Ticket.
    update_ticket, UpdateTicketInput, UpdateTicketOutput, tickets::update);
task_fn!(/// Get Thread.
    get_thread, GetThreadInput, GetThreadOutput, conversations::get_thread);
task_fn!(/// Insert Message.
    insert_message, InsertMessageInput, InsertMessageOutput, conversations::insert_message);
task_fn!(/// Retrieve Association.
    retrieve_association, RetrieveAssociationInput, ObjectIdsOutput, associations::retrieve);
task_fn!(/// Get Owner.
    get_owner, GetOwnerInput, GetOwnerOutput, owners::get);
task_fn!(/// Get All.
    get_all, GetAllInput, ObjectIdsOutput, listing::get_all);

/// Runs a task given by ID on JSON input and returns JSON output.
pub fn execute(transport: &mut dyn Transport, setup: &Setup, task: &str, input: &str) -> Result<String, Error> {
    // The setup is checked first, so a bad token is reported before input details.
    let config = Config::from_setup(setup)?;
    let token = config.token.clone();
    let mut client = Client::new(transport, config);
    json::execute(&mut client, task, input).map_err(|error| scrub(error, token.expose()))
}
