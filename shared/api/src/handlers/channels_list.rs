//! `GET /api/v1/channels`: the channels the caller belongs to, newest first, with unread counts; with
//! `scope=team`, every team channel of the account (to find ones to join).

use crate::app::App;
use crate::http::{PageBody, json, only_query_params, page_request, query_param};
use crate::problem::ApiError;
use crm_domain::chat::{Channel, Membership};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &["scope", "limit", "cursor"])?;
    let page = page_request(&req)?;
    match query_param(&req, "scope")?.as_deref() {
        None | Some("member") => {
            let channels: PageBody<Membership> = app.table.user_channels(actor.tenant, actor.user, &page).await?.into();
            json(StatusCode::OK, &channels)
        }
        Some("team") => {
            let channels: PageBody<Channel> = app.table.team_channels(actor.tenant, &page).await?.into();
            json(StatusCode::OK, &channels)
        }
        Some(_) => Err(ApiError::bad_request("scope", "`scope` must be member or team")),
    }
}
