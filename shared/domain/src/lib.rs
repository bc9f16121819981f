//! The CRM's types and rules, free of I/O so they can be tested directly.

pub mod activity;
pub mod api_key;
pub mod billing;
pub mod chat;
pub mod clock;
mod contact;
pub mod contacts;
pub mod customer;
pub mod deal;
pub mod duplicates;
pub mod events;
pub mod export;
pub mod ids;
pub mod import;
pub mod job;
pub mod lead;
pub mod merge;
pub mod note;
pub mod notification;
pub mod outgoing;
pub mod patch;
pub mod plan;
pub mod policy;
pub mod record;
pub mod schema;
pub mod slack;
pub mod stats;
pub mod throttle;
pub mod user;
pub mod validation;
pub mod webhook;

pub use ids::{
    ActivityId, ChannelId, CustomerId, DealId, DeliveryId, EndpointId, JobId, LeadId, MessageId, NoteId,
    NotificationId, SessionId, TenantId, UploadId, UserId, WebhookId,
};
pub use policy::{Actor, Denied, Role};
pub use record::{Record, RecordId, RecordKind};
pub use validation::{FieldError, Invalid};
