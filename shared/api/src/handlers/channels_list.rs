//! `GET /api/v1/channels`: the channels the caller belongs to, newest first, with unread counts; with
//! `scope=team`, every team channel of the account (to find ones to join).

use crate::extract::{AppState, Caller, Listed};
use crate::http::{PageBody, json};
use crate::problem::ApiError;
use axum::extract::State;
use axum::response::Response;
use crm_domain::chat::{Channel, Membership};
use http::StatusCode;

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

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChannelScope {
    /// `member` (default): the caller's channels; `team`: every team channel
    pub scope: Option<Scope>,
}

/// The caller's channels with unread counts (scope=team: every team channel)
#[utoipa::path(get, path = "/api/v1/channels", tag = "chat", params(Listed<ChannelScope>),
    responses((status = 200, description = "A page of the caller's channels (or, with scope=team, of team channels)",
        body = PageBody<Membership>)),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, caller: Caller, query: Listed<ChannelScope>) -> Result<Response, ApiError> {
    let actor = caller.actor;
    match query.filters.scope.unwrap_or_default() {
        Scope::Member => {
            let channels: PageBody<Membership> =
                app.table.user_channels(actor.tenant, actor.user, &query.page).await?.into();
            json(StatusCode::OK, &channels)
        }
        Scope::Team => {
            let channels: PageBody<Channel> = app.table.team_channels(actor.tenant, &query.page).await?.into();
            json(StatusCode::OK, &channels)
        }
    }
}
