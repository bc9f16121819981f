//! Fuzzy search over OpenSearch. Documents are written by the search-index worker from table changes;
//! every query is filtered by tenant (and by owner for Sales). Requests are SigV4-signed with the
//! function's credentials in AWS; locally the endpoint is an in-memory OpenSearch-compatible server.

mod bootstrap;
mod client;
mod document;
mod query;

pub use bootstrap::{MAPPING_VERSION, RollOut, versioned_index};
pub use client::{SearchClient, SearchError, Write, observe_requests};
pub use document::{SearchDoc, doc_id};
pub use query::{Hit, QueryError, SearchPage, SearchRequest};

/// The index settings and mappings, put in place behind the alias by [`SearchClient::roll_out`].
pub const MAPPING: &str = include_str!("../../../infra/opensearch/records-index.json");
