//! `GET /api/v1/tags`: the account's tags in use, alphabetically, with how many leads, customers and deals
//! carry each.

use crate::app::App;
use crate::http::{PageBody, json, only_query_params, page_request};
use crate::problem::ApiError;
use crm_store::TagCount;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &["limit", "cursor"])?;
    let page = page_request(&req)?;
    let tags: PageBody<TagCount> = app.table.tags(actor.tenant, &page).await?.into();
    json(StatusCode::OK, &tags)
}
