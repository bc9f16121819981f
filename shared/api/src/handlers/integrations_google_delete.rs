//! `DELETE /api/v1/integrations/google`: disconnects the caller's Google account (its refresh token is
//! deleted; records already synced stay).

use crate::app::App;
use crate::http::{no_content, only_query_params};
use crate::problem::ApiError;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &[])?;
    app.table.delete_google_connection(actor.tenant, actor.user).await?;
    Ok(no_content())
}
