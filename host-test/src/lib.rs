//! Native host for the HubSpot component: the wasmtime embedding (`embed`), an
//! in-memory HubSpot-compatible server for tests and demos (`sandbox`), and the
//! `hubspot` command-line program built on both.

pub mod embed;
pub mod sandbox;

pub use embed::{
    setup, types, AllowedOrigin, ConnectionStats, Error, Host, Session, Setup, StoreState, Tasks, COMPONENT,
    DEFAULT_BASE_URL,
};
