//! `GET /api/v1/channels`: the channels the caller belongs to, newest first, with unread counts; with
//! `scope=team`, every team channel of the account (to find ones to join).

use crate::extract::{AppState, Claimed, Listed};
use crate::http::PageBody;
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::Actor;
use crm_domain::chat::{Channel, Membership};

/// Whose channels.
#[derive(Debug, Default, Clone, Copy, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The caller's channels, with unread counts
    #[default]
    Member,
    /// Every team channel of the account
    Team,
}

/// One entry of the list: the caller's membership (scope `member`), or a team channel (scope `team`).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ChannelEntry {
    Membership(Membership),
    Channel(Channel),
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChannelScope {
    /// `member` (default): the caller's channels; `team`: every team channel
    #[param(inline)]
    pub scope: Option<Scope>,
}

/// The caller's channels with unread counts (scope=team: every team channel)
#[utoipa::path(get, operation_id = "channels_list", path = "/api/v1/channels", tag = "chat", params(Listed<ChannelScope>),
    responses((status = 200, description = "A page of the caller's memberships (or, with scope=team, of team channels)",
        body = PageBody<ChannelEntry>)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    Claimed(claimed): Claimed,
    query: Listed<ChannelScope>,
) -> Result<PageBody<ChannelEntry>, ApiError> {
    let read = async |actor: Actor| {
        Ok(match query.filters.scope.unwrap_or_default() {
            Scope::Member => PageBody::from(app.table.user_channels(actor.tenant, actor.user, &query.page).await?)
                .map(ChannelEntry::Membership),
            Scope::Team => {
                PageBody::from(app.table.team_channels(actor.tenant, &query.page).await?).map(ChannelEntry::Channel)
            }
        })
    };
    let (_, page) = app.confirm_while(claimed, read).await?;
    Ok(page)
}
