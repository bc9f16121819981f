//! `DELETE /api/v1/integrations/slack` (Admin): stops Slack notifications.

use crate::extract::{AppState, Caller};
use crate::integrations::admin_only;
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use http::StatusCode;

/// Stop Slack notifications (Admin)
#[utoipa::path(delete, operation_id = "integrations_slack_delete", path = "/api/v1/integrations/slack", tag = "integrations",
    responses((status = 204, description = "Stopped"), (status = 404, description = "Slack is not set up", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, caller: Caller) -> Result<StatusCode, ApiError> {
    admin_only(&caller.actor)?;
    app.table.delete_slack_settings(caller.actor.tenant).await?;
    Ok(StatusCode::NO_CONTENT)
}
