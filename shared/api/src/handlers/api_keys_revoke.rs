//! `DELETE /api/v1/api_keys/{id}` (Admin): revokes a key at once; its next call answers 401.

use crate::extract::{AppState, Caller, Path};
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::UserId;
use crm_domain::clock::Timestamp;
use crm_domain::policy;
use http::StatusCode;

/// Revoke an API key (Admin)
#[utoipa::path(delete, operation_id = "api_keys_revoke", path = "/api/v1/api_keys/{id}", tag = "users",
    params(crate::records::IdPath),
    responses((status = 204, description = "Revoked")),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, caller: Caller, Path(id): Path<UserId>) -> Result<StatusCode, ApiError> {
    policy::manage_api_keys(&caller.actor)?;
    app.table.revoke_api_key(caller.actor.tenant, id, &Timestamp::now().rfc3339()).await?;
    Ok(StatusCode::NO_CONTENT)
}
