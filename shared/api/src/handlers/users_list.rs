//! `GET /api/v1/users`: the account's users, a page at a time (Admin and Manager).

use crate::app::App;
use crate::http::{PageBody, json, only_query_params, page_request};
use crate::problem::ApiError;
use crm_domain::user::User;
use crm_domain::{Actor, policy};
use crm_store::PageRequest;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn list_users(app: &App, actor: &Actor, page: PageRequest) -> Result<PageBody<User>, ApiError> {
    policy::list_users(actor)?;
    Ok(app.table.users(actor.tenant, &page).await?.into())
}

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &["limit", "cursor"])?;
    let page = page_request(&req)?;
    json(StatusCode::OK, &list_users(app, &actor, page).await?)
}
