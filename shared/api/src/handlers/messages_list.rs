//! `GET /api/v1/messages?channel=…`: a channel's history, newest first, a page at a time.

use crate::extract::{AppState, Claimed, Listed};
use crate::http::PageBody;
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use crm_domain::chat::Message;
use crm_domain::{Actor, ChannelId};

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
    Claimed(claimed): Claimed,
    query: Listed<History>,
) -> Result<PageBody<Message>, ApiError> {
    let id = query.filters.channel;
    // The channel, the caller's membership and the page are read together; the page is answered only
    // once the channel lets the caller read it.
    let read = async |actor: Actor| {
        let (channel, membership, page) = tokio::try_join!(
            app.table.channel(actor.tenant, id),
            app.table.membership(actor.tenant, id, actor.user),
            app.table.messages(actor.tenant, id, &query.page)
        )?;
        channel.ok_or(ApiError::NotFound)?.may_read(membership.is_some())?;
        Ok(page)
    };
    let (_, page) = app.confirm_while(claimed, read).await?;
    Ok(page.into())
}
