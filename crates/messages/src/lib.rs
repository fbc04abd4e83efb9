//! Messages to parents: the templates a school edits, with merge fields; whether a contact can
//! be reached; and delivery by SMTP and by an HTTP SMS provider behind one interface, with
//! retries and backoff.
//!
//! Nothing here knows the database: the web crate's delivery loop takes queued messages from
//! the store, sends them through a [`Transport`], and records what happened.

mod address;
mod template;
mod transport;

pub use address::{email_address, uk_mobile};
pub use template::{Fields, Kind, TemplateError, Templates, fields_used, render};
pub use transport::{HttpSms, SendError, Smtp, Transport, Transports, retry_after};
