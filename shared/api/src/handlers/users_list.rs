//! `GET /api/v1/users`: the account's users, a page at a time (Admin and Manager).

use crate::app::App;
use crate::http::paged;
use crate::problem::ApiError;
use crm_domain::policy;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    paged(app, &req, &[], async |actor, page| {
        policy::list_users(&actor)?;
        Ok(app.table.users(actor.tenant, &page).await?)
    })
    .await
}
