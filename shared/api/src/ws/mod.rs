//! The WebSocket API's route handlers (`$connect`, `$disconnect`, the actions, `$default`) and how they run
//! as Lambda functions. Like the workers, a handler takes the API Gateway WebSocket event as JSON and
//! answers JSON, so the deployed functions and the local gateway share its (de)serialization.

pub mod action;
pub mod connect;
pub mod default;
pub mod disconnect;

use crate::app::App;
use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::encodings::Body;
use crm_domain::chat::ServerEvent;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
pub type WsHandler = for<'a> fn(&'a App, Value) -> BoxFuture<'a, Result<Value, Error>>;

async fn typed<'a, F>(
    app: &'a App,
    event: Value,
    handler: fn(&'a App, ApiGatewayWebsocketProxyRequest) -> F,
) -> Result<Value, Error>
where
    F: Future<Output = ApiGatewayProxyResponse> + 'a,
{
    let event: ApiGatewayWebsocketProxyRequest = serde_json::from_value(event)?;
    Ok(serde_json::to_value(handler(app, event).await)?)
}

macro_rules! ws_routes {
    ($($name:ident => $handler:path),* $(,)?) => {
        $(
            pub fn $name(app: &App, event: Value) -> BoxFuture<'_, Result<Value, Error>> {
                Box::pin(typed(app, event, $handler))
            }
        )*

    };
}

ws_routes!(
    ws_connect => connect::handle,
    ws_disconnect => disconnect::handle,
    ws_send_message => action::handle,
    ws_default => default::handle,
);

/// The handler of a route key: `$connect`, `$disconnect`, `$default`, or one of the actions.
pub fn for_route(route_key: &str) -> WsHandler {
    match route_key {
        "$connect" => ws_connect,
        "$disconnect" => ws_disconnect,
        "$default" => ws_default,
        _ => ws_send_message,
    }
}

/// A response whose body API Gateway sends back to the client as one frame.
pub fn frame(event: &ServerEvent) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = 200;
    response.body = Some(Body::Text(event.to_json()));
    response
}

pub fn status(code: i64) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = code;
    response
}

/// The management endpoint of the API an event came through: `https://{domain}/{stage}`.
pub fn event_endpoint(event: &ApiGatewayWebsocketProxyRequest) -> Option<String> {
    let context = &event.request_context;
    Some(format!("https://{}/{}", context.domain_name.as_deref()?, context.stage.as_deref()?))
}

/// `main` of every WebSocket function: build the clients once, then handle each event by its route key.
pub async fn run() -> Result<(), Error> {
    crate::lambda::init_tracing();
    let app = Arc::new(App::from_env().await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let app = app.clone();
        let route_key = event.payload["requestContext"]["routeKey"].as_str().unwrap_or("$default").to_owned();
        async move { for_route(&route_key)(&app, event.payload).await }
    }))
    .await
}
