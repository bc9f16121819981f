//! `POST /api/v1/messages`: `{"channel_id", "body"}` — the same as the WebSocket `sendMessage`, for clients
//! without a socket: stored, counted unread, and pushed to the members' connections.

use crate::app::App;
use crate::http::{json, json_body};
use crate::problem::ApiError;
use crm_chat::Member;
use crm_domain::chat::SendMessage;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    let input: SendMessage = json_body(&req)?;
    let member = Member { tenant: actor.tenant, user: actor.user };
    let client = app.chat.client(None);
    let message = app.chat.send(client.as_ref(), member, input, None).await?;
    json(StatusCode::CREATED, &message)
}
