//! `GET /api/v1/activity`: the account's activity log, newest first; Sales users page through what they
//! did themselves.

use crate::app::App;
use crate::http::paged;
use crate::problem::ApiError;
use crm_domain::policy;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    paged(app, &req, &[], async |actor, page| {
        Ok(app.table.activity(actor.tenant, policy::activity_actor(&actor), &page).await?)
    })
    .await
}
