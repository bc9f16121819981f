//! `GET /api/v1/messages?channel=…`: a channel's history, newest first, a page at a time.

use crate::extract::{AppState, Caller, Listed};
use crate::http::PageBody;
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use crm_domain::ChannelId;
use crm_domain::chat::Message;

/// Which channel's history.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct History {
    /// The channel's id
    #[param(value_type = String, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub channel: ChannelId,
}

/// A channel's history, newest first
#[utoipa::path(get, operation_id = "messages_list", path = "/api/v1/messages", tag = "chat", params(Listed<History>),
    responses((status = 200, description = "A page of messages", body = PageBody<Message>), (status = 404, description = "No such channel in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    query: Listed<History>,
) -> Result<PageBody<Message>, ApiError> {
    let (actor, id) = (caller.actor, query.filters.channel);
    let channel = app.table.channel(actor.tenant, id).await?.ok_or(ApiError::NotFound)?;
    channel.may_read(app.table.membership(actor.tenant, id, actor.user).await?.is_some())?;
    Ok(app.table.messages(actor.tenant, id, &query.page).await?.into())
}
