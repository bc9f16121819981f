//! The HTTP API: one typed router (`router`), the extractors every handler takes its inputs from
//! (`extract`), problem+json errors, the handlers (one file per route, with their documentation) and the
//! OpenAPI document generated from them; and the WebSocket routes (`ws`).

pub mod api_keys;
pub mod app;
pub mod downloads;
pub mod extract;
pub mod graphql;
pub mod handlers;
pub mod http;
pub mod idempotency;
pub mod integrations;
pub mod jobs;
pub mod lambda;
pub mod mail;
pub mod openapi;
pub mod passwords;
pub mod problem;
pub mod records;
pub mod reports;
pub mod router;
pub mod sessions;
pub mod strict;
pub mod stripe;
pub mod throttle;
pub mod tokens;
pub mod webhooks;
pub mod ws;

pub use app::{App, Settings};
pub use problem::ApiError;
