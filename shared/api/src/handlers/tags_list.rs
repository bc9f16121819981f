//! `GET /api/v1/tags`: the account's tags in use, alphabetically, with how many leads, customers and deals
//! carry each.

use crate::app::App;
use crate::http::paged;
use crate::problem::ApiError;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    paged(app, &req, &[], async |actor, page| Ok(app.table.tags(actor.tenant, &page).await?)).await
}
