//! `$connect`: authenticates the access token and records the connection under its tenant and user.
//! The token comes as `?token=<access token>` or, for browsers that cannot set headers, as the
//! subprotocol list `Sec-WebSocket-Protocol: bearer, <access token>` (answered with `bearer`). The user is
//! announced online to the tenant's other connections from here; nothing is posted to the new one, which
//! is not open until this returns. The connection lives no longer than the token: the client reconnects
//! with a fresh one.

use crate::app::App;
use crate::ws::{event_endpoint, status};
use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use crm_domain::chat::connection_expiry;
use crm_domain::clock::Timestamp;
use crm_store::{Connection, TokenTerms};
use http::HeaderValue;

const PROTOCOL: &str = "bearer";

/// The token, and whether it came as a subprotocol (which must then be echoed).
fn token(event: &ApiGatewayWebsocketProxyRequest) -> Option<(String, bool)> {
    if let Some(token) = event.query_string_parameters.first("token") {
        return Some((token.to_owned(), false));
    }
    let protocols = event.headers.get("sec-websocket-protocol")?.to_str().ok()?;
    let mut parts = protocols.split(',').map(str::trim);
    (parts.next()? == PROTOCOL).then(|| parts.next().map(|t| (t.to_owned(), true)))?
}

pub async fn handle(app: &App, event: ApiGatewayWebsocketProxyRequest) -> ApiGatewayProxyResponse {
    let Some(connection_id) = event.request_context.connection_id.clone() else { return status(400) };
    let Some((token, as_protocol)) = token(&event) else { return status(401) };
    // Chat is for people: an API key opens no connection (refused before it is even looked up).
    if token.trim().starts_with(crm_domain::api_key::KEY_PREFIX) {
        return status(401);
    }
    let Ok((claim, _)) = app.user_of_token(&token).await else { return status(401) };
    let actor = claim.actor;
    let now = Timestamp::now();
    let connection = Connection {
        connection_id,
        tenant_id: actor.tenant,
        user_id: actor.user,
        connected_at: now.rfc3339(),
        expires_at: connection_expiry(now.unix_seconds(), claim.expires_at),
        announced: false,
        token: TokenTerms { expires_at: claim.expires_at, generation: claim.generation },
    };
    let client = app.chat.client(event_endpoint(&event).as_deref());
    match app.chat.arrive(client.as_ref(), connection).await {
        Ok(()) => {}
        Err(crm_chat::ChatError::TooManyConnections(max)) => {
            tracing::info!(tenant = %actor.tenant, user = %actor.user, max, "connection refused: too many");
            return status(429);
        }
        Err(error) => {
            tracing::error!(%error, "could not record a connection");
            return status(500);
        }
    }
    let mut response = status(200);
    if as_protocol {
        response.headers.insert("sec-websocket-protocol", HeaderValue::from_static(PROTOCOL));
    }
    response
}
