//! `POST /api/v1/integrations/google/sync`: queues a sync of the caller's Google contacts (through the
//! table's stream to the contacts-sync worker); answers 202 at once.

use crate::extract::{AppState, Caller, Json};
use crate::http::WithStatus;
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use crm_domain::RecordKind;
use crm_domain::clock::Timestamp;
use crm_store::StoreError;
use http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// What a contact the CRM does not know becomes: `customer` (the default) or `lead`.
    #[serde(default)]
    pub import_as: Option<ImportAs>,
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImportAs {
    Customer,
    Lead,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SyncQueued {
    pub status: &'static str,
    pub import_as: &'static str,
}

/// What a client is told to wait when a sync is already queued or running (a run takes seconds).
const SYNC_RETRY_AFTER_SECONDS: u64 = 30;

/// Queue a two-way sync of the caller's Google contacts
#[utoipa::path(post, operation_id = "integrations_google_sync", path = "/api/v1/integrations/google/sync", tag = "integrations", request_body = Option<SyncRequest>,
    responses((status = 202, description = "Queued", body = SyncQueued), (status = 409, description = "Not connected, or Google sync is not configured", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "A sync is already queued or running", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until a sync may be asked for again")))),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    request: Option<Json<SyncRequest>>,
) -> Result<WithStatus<SyncQueued>, ApiError> {
    let actor = caller.actor;
    let request = request.map(|Json(r)| r).unwrap_or_default();
    let import_as = match request.import_as {
        None | Some(ImportAs::Customer) => RecordKind::Customer,
        Some(ImportAs::Lead) => RecordKind::Lead,
    };
    if app.table.google_connection(actor.tenant, actor.user).await?.is_none() {
        return Err(ApiError::Conflict {
            detail: "connect a Google account first (GET /api/v1/integrations/google/authorize)".into(),
            field: None,
        });
    }
    let now = Timestamp::now();
    match app.table.request_google_sync(actor.tenant, actor.user, import_as, now).await {
        Ok(()) => {}
        Err(StoreError::Duplicate) => {
            return Err(ApiError::TooManyRequests {
                detail: "a sync is already queued or running; ask again once it has finished \
                         (last_synced_at on GET /api/v1/integrations/google)"
                    .into(),
                retry_after: SYNC_RETRY_AFTER_SECONDS,
            });
        }
        Err(other) => return Err(other.into()),
    }
    Ok(WithStatus(StatusCode::ACCEPTED, SyncQueued { status: "queued", import_as: import_as.entity() }))
}
