//! `sendMessage`, `typing`, `heartbeat` and `markRead`: the frames of an established connection. Each
//! answers with one frame: an `ack`, or an `error` naming what was wrong — never a dropped socket.

use crate::app::App;
use crate::ws::{event_endpoint, frame, status};
use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use crm_chat::{ChatError, Member};
use crm_domain::chat::{CONNECTION_TTL_SECONDS, ClientFrame, MAX_FRAME_BYTES, ServerEvent};

pub async fn handle(app: &App, event: ApiGatewayWebsocketProxyRequest) -> ApiGatewayProxyResponse {
    let Some(connection) = event.request_context.connection_id.clone() else { return status(400) };
    let body = event.body.clone().unwrap_or_default();
    if body.len() > MAX_FRAME_BYTES {
        return frame(&ServerEvent::error(format!("frames are limited to {MAX_FRAME_BYTES} bytes"), None));
    }
    let member = match app.table.connection_owner(&connection).await {
        Ok(Some((tenant, user))) => Member { tenant, user },
        Ok(None) => return frame(&ServerEvent::error("this connection is not known; reconnect", None)),
        Err(error) => {
            tracing::error!(%error, "connection lookup failed");
            return frame(&ServerEvent::error("temporarily unavailable; try again", None));
        }
    };
    let parsed: Result<ClientFrame, _> = serde_json::from_str(&body);
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(error) => return frame(&ServerEvent::error(format!("malformed frame: {error}"), None)),
    };
    let Some(client) = app.chat.client(event_endpoint(&event).as_deref()) else {
        return frame(&ServerEvent::error("no management endpoint configured", None));
    };
    match app.chat.frame(&client, member, &connection, parsed, CONNECTION_TTL_SECONDS).await {
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
            frame(&ServerEvent::error("temporarily unavailable; try again", None))
        }
    }
}
