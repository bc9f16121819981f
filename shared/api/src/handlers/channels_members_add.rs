//! `POST /api/v1/channels/{id}/members`: `{"user_ids": […]}` joins users to a team channel; members add
//! others, anyone may add themselves.

use crate::app::App;
use crate::http::{json_body, no_content, path_id};
use crate::problem::ApiError;
use crm_domain::clock::Timestamp;
use crm_domain::{ChannelId, UserId};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMembers {
    pub user_ids: Vec<UserId>,
}

const MAX_AT_ONCE: usize = 50;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    let id = path_id(&req, "id", ChannelId::parse)?;
    let input: AddMembers = json_body(&req)?;
    if input.user_ids.is_empty() || input.user_ids.len() > MAX_AT_ONCE {
        return Err(ApiError::invalid("user_ids", format!("must list 1 to {MAX_AT_ONCE} users")));
    }
    let channel = app.table.channel(actor.tenant, id).await?.ok_or(ApiError::NotFound)?;
    let is_member = app.table.membership(actor.tenant, id, actor.user).await?.is_some();
    channel.may_add(&actor, is_member, &input.user_ids)?;
    app.table.add_members(actor.tenant, &channel, &input.user_ids, &Timestamp::now().rfc3339()).await?;
    Ok(no_content())
}
