//! `POST /api/v1/channels`: a team channel (`{"name": …, "members": […]}`), whose creator is its first
//! member, or a direct conversation with another user (`{"kind": "direct", "user_id": …}`), which exists
//! once per pair: asking again answers the existing one.

use crate::app::App;
use crate::http::{json, json_body};
use crate::problem::ApiError;
use crm_domain::chat::NewChannel;
use crm_domain::clock::Timestamp;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    let input: NewChannel = json_body(&req)?;
    let (channel, members) = input.validate(&actor, Timestamp::now())?;
    let stored = app.table.create_channel(actor.tenant, &channel, &members).await?;
    let status = if stored.id == channel.id { StatusCode::CREATED } else { StatusCode::OK };
    json(status, &stored)
}
