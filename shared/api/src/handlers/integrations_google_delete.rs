//! `DELETE /api/v1/integrations/google`: disconnects the caller's Google account (its refresh token is
//! deleted; records already synced stay).

use crate::extract::{AppState, Caller};
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use http::StatusCode;

/// Disconnect the caller's Google account
#[utoipa::path(delete, operation_id = "integrations_google_delete", path = "/api/v1/integrations/google", tag = "integrations",
    responses((status = 204, description = "Disconnected"), (status = 404, description = "Not connected", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, caller: Caller) -> Result<StatusCode, ApiError> {
    app.table.delete_google_connection(caller.actor.tenant, caller.actor.user).await?;
    Ok(StatusCode::NO_CONTENT)
}
