//! `GET /api/v1/integrations/google`: the caller's Google connection and how its syncs went.

use crate::app::App;
use crate::http::{json, only_query_params};
use crate::integrations::GoogleView;
use crate::problem::ApiError;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &[])?;
    let connection = app.table.google_connection(actor.tenant, actor.user).await?.ok_or(ApiError::NotFound)?;
    json(StatusCode::OK, &GoogleView::from(connection))
}
