//! `GET /api/v1/integrations/slack` (Admin): the account's Slack settings, the URL masked, with the last
//! delivery Slack refused.

use crate::extract::{AppState, Claimed, Json};
use crate::integrations::{SlackView, admin_only};
use crate::problem::{ApiError, Problem};
use axum::extract::State;

/// The Slack settings, URL masked (Admin)
#[utoipa::path(get, operation_id = "integrations_slack_get", path = "/api/v1/integrations/slack", tag = "integrations",
    responses((status = 200, description = "The settings", body = SlackView), (status = 404, description = "Slack is not set up", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, Claimed(claimed): Claimed) -> Result<Json<SlackView>, ApiError> {
    let read = async |actor: crm_domain::Actor| {
        admin_only(&actor)?;
        app.table.slack_settings(actor.tenant).await?.ok_or(ApiError::NotFound)
    };
    let (_, settings) = app.confirm_while(claimed, read).await?;
    Ok(Json(SlackView::from(&settings)))
}
