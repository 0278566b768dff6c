//! HubSpot connector as a WebAssembly component.
//!
//! The crate builds to a `wasm32-wasip2` component that exports the fifteen HubSpot
//! tasks declared in `wit/`. HubSpot logic talks to the network only through the
//! [`transport::Transport`] trait: the `wasi:http` implementation in `wasi_transport`
//! is the only wasm-specific module, so everything else also compiles natively and
//! is tested with a fake transport.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

#[allow(clippy::crate_in_macro_def)]
mod bindings {
    wit_bindgen::generate!({
        world: "hubspot",
        path: "wit",
        pub_export_macro: true,
        default_bindings_module: "crate::bindings",
    });
}

pub use bindings::exports::connector::hubspot::tasks;
pub use bindings::exports::connector::hubspot::types;

pub mod client;
pub mod config;
pub mod error;
pub mod json;
pub mod transport;
pub mod url;
pub mod validate;

pub(crate) mod associations;
mod companies;
mod contacts;
mod conversations;
mod crm;
mod deals;
mod listing;
mod owners;
mod props;
mod tickets;

pub mod run;

#[cfg(target_arch = "wasm32")]
mod component;
#[cfg(target_arch = "wasm32")]
mod wasi_transport;
