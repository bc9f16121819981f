//! `POST /api/v1/channels/{id}/members`: `{"user_ids": […]}` joins users to a team channel; members add
//! others, anyone may add themselves.

use crate::extract::{AppState, Caller, Json, Path};
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::clock::Timestamp;
use crm_domain::{ChannelId, UserId};
use http::StatusCode;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMembers {
    #[schema(min_items = 1, max_items = 50)]
    pub user_ids: Vec<UserId>,
}

const MAX_AT_ONCE: usize = 50;

/// Add members to a team channel
#[utoipa::path(post, operation_id = "channels_members_add", path = "/api/v1/channels/{id}/members", tag = "chat", request_body = AddMembers,
    params(crate::records::IdPath),
    responses((status = 204, description = "Added")),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Path(id): Path<ChannelId>,
    Json(input): Json<AddMembers>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.actor;
    if input.user_ids.is_empty() || input.user_ids.len() > MAX_AT_ONCE {
        return Err(ApiError::invalid("user_ids", format!("must list 1 to {MAX_AT_ONCE} users")));
    }
    let channel = app.table.channel(actor.tenant, id).await?.ok_or(ApiError::NotFound)?;
    let is_member = app.table.membership(actor.tenant, id, actor.user).await?.is_some();
    channel.may_add(&actor, is_member, &input.user_ids)?;
    app.table.add_members(actor.tenant, &channel, &input.user_ids, &Timestamp::now().rfc3339()).await?;
    Ok(StatusCode::NO_CONTENT)
}
