//! `sendMessage`, `typing`, `heartbeat` and `markRead`: the frames of an established connection. Each
//! answers with one frame: an `ack`, or an `error` naming what was wrong — never a dropped socket.

use crate::app::App;
use crate::ws::{event_endpoint, frame, status};
use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use crm_chat::{ChatError, Member};
use crm_domain::chat::{
    ClientFrame, ConnectionHolder, MAX_FRAME_BYTES, ServerEvent, connection_ended, connection_expiry,
};
use crm_domain::clock::Timestamp;

pub async fn handle(app: &App, event: ApiGatewayWebsocketProxyRequest) -> ApiGatewayProxyResponse {
    let Some(connection) = event.request_context.connection_id.clone() else { return status(400) };
    let body = event.body.clone().unwrap_or_default();
    if body.len() > MAX_FRAME_BYTES {
        return frame(&ServerEvent::error(format!("frames are limited to {MAX_FRAME_BYTES} bytes"), None));
    }
    let unavailable = || frame(&ServerEvent::error("temporarily unavailable; try again", None));
    let owner = match app.table.connection_owner(&connection).await {
        Ok(Some(owner)) => owner,
        Ok(None) => return frame(&ServerEvent::error("this connection is not known; reconnect", None)),
        Err(error) => {
            tracing::error!(%error, "connection lookup failed");
            return unavailable();
        }
    };
    let Some(client) = app.chat.client(event_endpoint(&event).as_deref()) else {
        return frame(&ServerEvent::error("no management endpoint configured", None));
    };
    // Every frame re-checks the user (one read by key): a deactivation or signing out everywhere ends
    // the connection even if a socket outlived the attempt to close it.
    let holder = match app.table.user(owner.tenant, owner.user).await {
        Ok(stored) => {
            stored.map(|s| ConnectionHolder { active: s.user.is_active(), session_generation: s.session_generation })
        }
        Err(error) => {
            tracing::error!(%error, "user lookup failed");
            return unavailable();
        }
    };
    let now = Timestamp::now().unix_seconds();
    if let Some(why) = connection_ended(owner.token.expires_at, owner.token.generation, holder, now) {
        app.chat.end(&client, owner.tenant, &connection, why).await;
        return status(200);
    }
    let member = Member { tenant: owner.tenant, user: owner.user };
    let parsed: Result<ClientFrame, _> = serde_json::from_str(&body);
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(error) => return frame(&ServerEvent::error(format!("malformed frame: {error}"), None)),
    };
    let expires_at = connection_expiry(now, owner.token.expires_at);
    match app.chat.frame(&client, member, &connection, parsed, expires_at).await {
        Ok(answer) => frame(&answer),
        Err(ChatError::Invalid(invalid)) => {
            let first = invalid.0.first();
            frame(&ServerEvent::error(invalid.to_string(), first.map(|e| e.field.as_str())))
        }
        Err(ChatError::NotFound) => frame(&ServerEvent::error("no such channel", Some("channel_id"))),
        Err(ChatError::Forbidden(why)) => frame(&ServerEvent::error(why, Some("channel_id"))),
        Err(error @ ChatError::TooManyConnections(_)) => frame(&ServerEvent::error(error.to_string(), None)),
        Err(ChatError::Store(error)) => {
            tracing::error!(%error, "chat action failed");
            unavailable()
        }
    }
}
