//! `$default`: frames whose `action` names no route (or that are not JSON objects) get an error frame.

use crate::app::App;
use crate::ws::frame;
use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use crm_domain::chat::ServerEvent;

pub async fn handle(_app: &App, event: ApiGatewayWebsocketProxyRequest) -> ApiGatewayProxyResponse {
    let body = event.body.unwrap_or_default();
    let action = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("action").and_then(|a| a.as_str()).map(str::to_owned));
    let error = match action {
        Some(action) => format!("unknown action `{action}`; use sendMessage, typing, heartbeat or markRead"),
        None => "frames are JSON objects with an `action`: sendMessage, typing, heartbeat or markRead".to_owned(),
    };
    frame(&ServerEvent::error(error, Some("action")))
}
