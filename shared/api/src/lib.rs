//! HTTP plumbing shared by every route (auth, problem+json errors, JSON in and out, pagination) and the
//! route handlers themselves, one file per route.

pub mod app;
pub mod handlers;
pub mod http;
pub mod idempotency;
pub mod integrations;
pub mod lambda;
pub mod openapi;
pub mod passwords;
pub mod problem;
pub mod records;
pub mod routes;
pub mod sessions;
pub mod tokens;
pub mod webhooks;
pub mod ws;

pub use app::{App, Settings};
pub use problem::ApiError;
