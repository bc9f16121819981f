//! `POST /api/v1/integrations/slack` (Admin): stores the account's Slack incoming-webhook URL (https, on
//! Slack's host) and which events to notify on; replaces earlier settings.

use crate::app::App;
use crate::http::{json, json_body};
use crate::integrations::{SlackView, admin_only};
use crate::problem::ApiError;
use crm_domain::clock::Timestamp;
use crm_domain::slack::SlackSetup;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    admin_only(&actor)?;
    let setup: SlackSetup = json_body(&req)?;
    let settings = setup.validate(&Timestamp::now().rfc3339())?;
    app.table.put_slack_settings(actor.tenant, &settings).await?;
    json(StatusCode::OK, &SlackView::from(&settings))
}
