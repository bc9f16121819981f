//! `GET /api/v1/integrations/slack` (Admin): the account's Slack settings, the URL masked, with the last
//! delivery Slack refused.

use crate::extract::{AppState, Caller, Json};
use crate::integrations::{SlackView, admin_only};
use crate::problem::{ApiError, Problem};
use axum::extract::State;

/// The Slack settings, URL masked (Admin)
#[utoipa::path(get, operation_id = "integrations_slack_get", path = "/api/v1/integrations/slack", tag = "integrations",
    responses((status = 200, description = "The settings", body = SlackView), (status = 404, description = "Slack is not set up", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, caller: Caller) -> Result<Json<SlackView>, ApiError> {
    admin_only(&caller.actor)?;
    let settings = app.table.slack_settings(caller.actor.tenant).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(SlackView::from(&settings)))
}
