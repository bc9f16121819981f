//! `GET /api/v1/integrations/google`: the caller's Google connection and how its syncs went.

use crate::extract::{AppState, Claimed, Json};
use crate::integrations::GoogleView;
use crate::problem::{ApiError, Problem};
use axum::extract::State;

/// The caller's Google connection and how its syncs went
#[utoipa::path(get, operation_id = "integrations_google_get", path = "/api/v1/integrations/google", tag = "integrations",
    responses((status = 200, description = "The connection", body = GoogleView), (status = 404, description = "Not connected", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, Claimed(claimed): Claimed) -> Result<Json<GoogleView>, ApiError> {
    let read = async |actor: crm_domain::Actor| {
        app.table.google_connection(actor.tenant, actor.user).await?.ok_or(ApiError::NotFound)
    };
    let (_, connection) = app.confirm_while(claimed, read).await?;
    Ok(Json(GoogleView::from(connection)))
}
