//! `POST /api/v1/integrations/slack` (Admin): stores the account's Slack incoming-webhook URL (https, on
//! Slack's host) and which events to notify on; replaces earlier settings. The URL is a credential: it is
//! stored sealed under `INTEGRATIONS_KEY` and only ever shown masked.

use crate::extract::{AppState, Caller, Json};
use crate::integrations::{SlackView, admin_only};
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::clock::Timestamp;
use crm_domain::slack::SlackSetup;
use crm_store::StoredSlack;

/// Store the Slack webhook and events (Admin)
#[utoipa::path(post, operation_id = "integrations_slack_put", path = "/api/v1/integrations/slack", tag = "integrations", request_body = SlackSetup,
    responses((status = 200, description = "The stored settings, URL masked", body = SlackView)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Json(setup): Json<SlackSetup>,
) -> Result<Json<SlackView>, ApiError> {
    admin_only(&caller.actor)?;
    let settings = setup.validate(&Timestamp::now().rfc3339())?;
    let stored = StoredSlack::seal(caller.actor.tenant, &settings, app.sealer()?)
        .map_err(|e| ApiError::Internal(format!("sealing the Slack webhook URL: {e}")))?;
    app.table.put_slack_settings(caller.actor.tenant, &stored).await?;
    Ok(Json(SlackView::from(&stored)))
}
