//! Fuzzy search over OpenSearch. Documents are written by the search-index worker from table changes;
//! every query is filtered by tenant (and by owner for Sales). Requests are SigV4-signed with the
//! function's credentials in AWS; locally the endpoint is an in-memory OpenSearch-compatible server.

mod client;
mod document;
mod query;

pub use client::{SearchClient, SearchError};
pub use document::{SearchDoc, doc_id};
pub use query::{Hit, QueryError, SearchPage, SearchRequest};

/// The index settings and mappings, applied idempotently by the local stack and by the search-index
/// worker at start-up.
pub const MAPPING: &str = include_str!("../../../infra/opensearch/records-index.json");
