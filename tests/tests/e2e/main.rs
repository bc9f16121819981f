//! End-to-end tests over the local stack: real HTTP into the local gateway, real DynamoDB Local behind it.
//! Run with `bash infra/test.sh`.

mod api_keys;
mod auth;
mod billing;
mod chat;
mod crm;
mod dashboard;
mod duplicates;
mod errors;
mod exports;
mod graphql;
mod graphql_both_ways;
mod imports;
mod integrations;
mod isolation;
mod keys;
mod leads;
mod matrix;
mod merges;
mod notifications;
mod pdfs;
mod plans;
mod search;
mod slack;
mod tenancy;
mod users;
mod webhooks_out;
