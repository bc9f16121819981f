//! Running a handler as a Lambda function behind an API Gateway HTTP API. The local gateway drives the
//! same service with the same events, so both paths share every line below.

use crate::app::App;
use crate::routes::Handler;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Error, Request, RequestExt, Response, service_fn};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

/// Logs as JSON lines, filtered by `RUST_LOG` (default `info`).
pub fn init_tracing() {
    lambda_http::tracing::init_default_subscriber();
}

/// Calls a route's handler and turns its outcome into the HTTP response, logging one line per request.
pub async fn respond(app: Arc<App>, handler: Handler, req: Request) -> Result<Response<Body>, Infallible> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.raw_http_path().to_owned();
    let request_id = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone().unwrap_or_default(),
        _ => String::new(),
    };
    let response = match handler(&app, req).await {
        Ok(response) => response,
        Err(error) => {
            if error.status().is_server_error() {
                tracing::error!(%request_id, %method, %path, error = %error, "request failed");
            }
            error.into_response(&path)
        }
    };
    tracing::info!(
        %request_id,
        %method,
        %path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    Ok(response)
}

/// The whole life of a route's function after init: receive events, answer them.
pub async fn serve(app: App, handler: Handler) -> Result<(), Error> {
    let app = Arc::new(app);
    lambda_http::run(service_fn(move |req| respond(app.clone(), handler, req))).await
}

/// `main` of every HTTP function: build the clients once, then serve the route.
pub async fn run(handler: Handler) -> Result<(), Error> {
    init_tracing();
    let app = App::from_env().await?;
    serve(app, handler).await
}
