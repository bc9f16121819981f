//! The CRM's types and rules, free of I/O so they can be tested directly.

pub mod activity;
pub mod clock;
pub mod ids;
pub mod lead;
pub mod patch;
pub mod policy;
pub mod user;
pub mod validation;

pub use ids::{ActivityId, LeadId, SessionId, TenantId, UserId};
pub use policy::{Actor, Denied, Role};
pub use validation::{FieldError, Invalid};
