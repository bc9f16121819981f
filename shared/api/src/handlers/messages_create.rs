//! `POST /api/v1/messages`: `{"channel_id", "body"}` — the same as the WebSocket `sendMessage`, for clients
//! without a socket: stored, counted unread, and pushed to the members' connections; two DynamoDB round
//! trips (the caller, channel and members read together, then the writes together).

use crate::extract::{AppState, ClaimedAsking, Json};
use crate::http::WithStatus;
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use crm_chat::Member;
use crm_domain::Actor;
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
    ClaimedAsking { claim, asks }: ClaimedAsking,
    Json(input): Json<SendMessage>,
) -> Result<WithStatus<Message>, ApiError> {
    // The channel and its members are read while the caller is confirmed; the message is stored only after.
    let prepare = async |actor: Actor| {
        let member = Member { tenant: actor.tenant, user: actor.user };
        Ok(app.chat.prepare(member, input.clone()).await?)
    };
    let (_, outgoing) = app.confirm_asking_while(claim, asks, prepare).await?;
    let client = app.chat.client(None);
    let message = app.chat.deliver(client.as_ref(), outgoing, None).await?;
    Ok(WithStatus(StatusCode::CREATED, message))
}
