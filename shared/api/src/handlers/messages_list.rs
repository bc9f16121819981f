//! `GET /api/v1/messages?channel=…`: a channel's history, newest first, a page at a time.

use crate::app::App;
use crate::http::{PageBody, json, only_query_params, page_request, query_param};
use crate::problem::ApiError;
use crm_domain::ChannelId;
use crm_domain::chat::Message;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &["channel", "limit", "cursor"])?;
    let id = query_param(&req, "channel")?
        .ok_or_else(|| ApiError::bad_request("channel", "`channel` is required"))
        .and_then(|c| {
            ChannelId::parse(&c).ok_or_else(|| ApiError::bad_request("channel", "`channel` must be a channel id"))
        })?;
    let page = page_request(&req)?;
    let channel = app.table.channel(actor.tenant, id).await?.ok_or(ApiError::NotFound)?;
    channel.may_read(app.table.membership(actor.tenant, id, actor.user).await?.is_some())?;
    let messages: PageBody<Message> = app.table.messages(actor.tenant, id, &page).await?.into();
    json(StatusCode::OK, &messages)
}
