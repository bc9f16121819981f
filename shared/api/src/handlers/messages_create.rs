//! `POST /api/v1/messages`: `{"channel_id", "body"}` — the same as the WebSocket `sendMessage`, for clients
//! without a socket: stored, counted unread, and pushed to the members' connections.

use crate::extract::{AppState, Caller, Json};
use crate::http::WithStatus;
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use crm_chat::Member;
use crm_domain::chat::Message;
use crm_domain::chat::SendMessage;
use http::StatusCode;

/// Send a message (as the WebSocket sendMessage)
#[utoipa::path(post, operation_id = "messages_create", path = "/api/v1/messages", tag = "chat",
    request_body(content = SendMessage, example = json!({"channel_id": "01JDA5Y2ZK8Q3W4E5R6T7Y8V9C", "body": "Call Acme today?"})),
    responses((status = 201, description = "The stored message", body = Message), (status = 404, description = "No such channel in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Json(input): Json<SendMessage>,
) -> Result<WithStatus<Message>, ApiError> {
    let member = Member { tenant: caller.actor.tenant, user: caller.actor.user };
    let client = app.chat.client(None);
    let message = app.chat.send(client.as_ref(), member, input, None).await?;
    Ok(WithStatus(StatusCode::CREATED, message))
}
