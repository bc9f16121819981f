//! `POST /api/v1/channels`: a team channel (`{"name": …, "members": […]}`), whose creator is its first
//! member, or a direct conversation with another user (`{"kind": "direct", "user_id": …}`), which exists
//! once per pair: asking again answers the existing one.

use crate::extract::{AppState, Caller, Json};
use crate::http::WithStatus;
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use crm_domain::chat::Channel;
use crm_domain::chat::NewChannel;
use crm_domain::clock::Timestamp;
use http::StatusCode;

/// Create a team channel or a direct conversation
#[utoipa::path(post, operation_id = "channels_create", path = "/api/v1/channels", tag = "chat", request_body = NewChannel,
    responses((status = 201, description = "The new channel", body = Channel), (status = 200, description = "The direct conversation that already exists", body = Channel),
        (status = 409, description = "A direct conversation with oneself", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Json(input): Json<NewChannel>,
) -> Result<WithStatus<Channel>, ApiError> {
    let (channel, members) = input.validate(&caller.actor, Timestamp::now())?;
    let stored = app.table.create_channel(caller.actor.tenant, &channel, &members).await?;
    let status = if stored.id == channel.id { StatusCode::CREATED } else { StatusCode::OK };
    Ok(WithStatus(status, stored))
}
