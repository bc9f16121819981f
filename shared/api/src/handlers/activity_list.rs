//! `GET /api/v1/activity`: the account's activity log, newest first; Sales users page through what they
//! did themselves.

use crate::app::App;
use crate::http::{PageBody, json, only_query_params, page_request};
use crate::problem::ApiError;
use crm_domain::activity::Activity;
use crm_domain::policy;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &["limit", "cursor"])?;
    let page = page_request(&req)?;
    let log: PageBody<Activity> = app.table.activity(actor.tenant, policy::activity_actor(&actor), &page).await?.into();
    json(StatusCode::OK, &log)
}
