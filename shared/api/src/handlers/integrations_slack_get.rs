//! `GET /api/v1/integrations/slack` (Admin): the account's Slack settings, the URL masked, with the last
//! delivery Slack refused.

use crate::app::App;
use crate::http::{json, only_query_params};
use crate::integrations::{SlackView, admin_only};
use crate::problem::ApiError;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    admin_only(&actor)?;
    only_query_params(&req, &[])?;
    let settings = app.table.slack_settings(actor.tenant).await?.ok_or(ApiError::NotFound)?;
    json(StatusCode::OK, &SlackView::from(&settings))
}
