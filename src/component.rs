//! The component's exports: each WIT function runs its task over `wasi:http`.

use crate::run;
use crate::tasks::*;
use crate::types::{Error, Setup};
use crate::wasi_transport::WasiTransport;

/// The exported implementation.
struct Component;

macro_rules! export_task {
    ($name:ident, $input:ty, $output:ty) => {
        fn $name(setup: Setup, input: $input) -> Result<$output, Error> {
            run::$name(&mut WasiTransport, &setup, &input)
        }
    };
}

impl Guest for Component {
    export_task!(get_contact, GetContactInput, GetContactOutput);
    export_task!(create_contact, CreateContactInput, CreateContactOutput);
    export_task!(get_deal, GetDealInput, GetDealOutput);
    export_task!(create_deal, CreateDealInput, CreateDealOutput);
    export_task!(update_deal, UpdateDealInput, UpdateDealOutput);
    export_task!(get_company, GetCompanyInput, GetCompanyOutput);
    export_task!(create_company, CreateCompanyInput, CreateCompanyOutput);
    export_task!(get_ticket, GetTicketInput, GetTicketOutput);
    export_task!(create_ticket, CreateTicketInput, CreateTicketOutput);
    export_task!(update_ticket, UpdateTicketInput, UpdateTicketOutput);
    export_task!(get_thread, GetThreadInput, GetThreadOutput);
    export_task!(insert_message, InsertMessageInput, InsertMessageOutput);
    export_task!(retrieve_association, RetrieveAssociationInput, ObjectIdsOutput);
    export_task!(get_owner, GetOwnerInput, GetOwnerOutput);
    export_task!(get_all, GetAllInput, ObjectIdsOutput);

    fn execute(setup: Setup, task: String, input: String) -> Result<String, Error> {
        run::execute(&mut WasiTransport, &setup, &task, &input)
    }
}

crate::bindings::export!(Component with_types_in crate::bindings);
