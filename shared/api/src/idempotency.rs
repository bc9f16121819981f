//! The `Idempotency-Key` header on creating requests.

use crate::http::json_text;
use crate::problem::ApiError;
use axum::response::Response;
use crm_domain::Actor;
use crm_domain::clock::Timestamp;
use crm_store::{IDEMPOTENCY_WINDOW_SECONDS, IdempotencyClaim, IdempotencyRecord};
use http::HeaderMap;
use http::StatusCode;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const HEADER: &str = "Idempotency-Key";
const MAX_KEY: usize = crate::extract::MAX_IDEMPOTENCY_KEY;

#[derive(Debug, Clone)]
pub struct IdempotentRequest {
    key: String,
    body_hash: String,
    window_seconds: i64,
}

/// How long an inbound delivery's id is remembered: sources redeliver for hours, sometimes days.
pub const DELIVERY_WINDOW_SECONDS: i64 = 30 * 24 * 60 * 60;

impl IdempotentRequest {
    /// The key and a hash of the body, when the client sent a key.
    pub fn from_parts(headers: &HeaderMap, body: &[u8]) -> Result<Option<Self>, ApiError> {
        let Some(value) = headers.get(HEADER) else { return Ok(None) };
        let key = value.to_str().unwrap_or_default();
        Self::new(key, body, HEADER).map(Some)
    }

    /// A key the client gave in `field` (a header, or a GraphQL argument), for a request whose input is `body`.
    pub fn new(key: &str, body: &[u8], field: &str) -> Result<Self, ApiError> {
        let visible = (1..=MAX_KEY).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
        if !visible {
            let detail = format!("{field} must be 1 to {MAX_KEY} visible ASCII characters");
            return Err(ApiError::bad_request(field, detail));
        }
        let body_hash = Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self { key: key.to_owned(), body_hash, window_seconds: IDEMPOTENCY_WINDOW_SECONDS })
    }

    /// An inbound delivery identified by the source's own id (a Typeform response token): a
    /// redelivery answers with the first result even if the source re-encoded the body.
    pub fn for_delivery(delivery_id: &str) -> Self {
        let body_hash = crm_store::secrets::sha256_hex(delivery_id);
        Self { key: delivery_id.to_owned(), body_hash, window_seconds: DELIVERY_WINDOW_SECONDS }
    }

    /// The first response, when this key was already used for the operation: for operations whose
    /// preconditions the first request changed (a conversion), so the retry cannot reach the write.
    pub async fn earlier_response(
        &self,
        table: &crm_store::Table,
        actor: &Actor,
        operation: &str,
    ) -> Result<Option<Response>, ApiError> {
        let now = Timestamp::now().unix_seconds();
        let Some(stored) = table.idempotency_record(actor.tenant, actor.user, operation, &self.key, now).await? else {
            return Ok(None);
        };
        if stored.request_hash != self.body_hash {
            return Err(reused());
        }
        Ok(Some(stored_response(&stored)))
    }

    /// The record to store with the change: the response the first request gets.
    pub fn claim<T: Serialize>(
        &self,
        actor: &Actor,
        operation: &str,
        status: StatusCode,
        body: &T,
        now: Timestamp,
    ) -> Result<IdempotencyClaim, ApiError> {
        Ok(IdempotencyClaim {
            tenant: actor.tenant,
            user: actor.user,
            operation: operation.to_owned(),
            key: self.key.clone(),
            record: IdempotencyRecord {
                request_hash: self.body_hash.clone(),
                status: status.as_u16(),
                body: serde_json::to_string(body).map_err(|e| ApiError::Internal(e.to_string()))?,
                expires_at: now.unix_seconds() + self.window_seconds,
            },
        })
    }
}

/// A key reused for another request conflicts with what the key already stands for.
fn reused() -> ApiError {
    ApiError::Conflict {
        detail: format!("{HEADER} was already used with a different request body"),
        field: Some(HEADER.into()),
    }
}

/// The answer to a request whose key was used before: the first response if the body is the same,
/// a 422 if the key is being reused for something else.
pub fn replay(claim: Option<&IdempotencyClaim>, stored: &IdempotencyRecord) -> Result<Response, ApiError> {
    let Some(claim) = claim else {
        return Err(ApiError::Internal("replay without an idempotency claim".into()));
    };
    if claim.record.request_hash != stored.request_hash {
        return Err(reused());
    }
    Ok(stored_response(stored))
}

fn stored_response(stored: &IdempotencyRecord) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = json_text(status, stored.body.clone());
    response.headers_mut().insert("idempotent-replayed", http::HeaderValue::from_static("true"));
    response
}
