//! `DELETE /api/v1/integrations/slack` (Admin): stops Slack notifications.

use crate::app::App;
use crate::http::{no_content, only_query_params};
use crate::integrations::admin_only;
use crate::problem::ApiError;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    admin_only(&actor)?;
    only_query_params(&req, &[])?;
    app.table.delete_slack_settings(actor.tenant).await?;
    Ok(no_content())
}
