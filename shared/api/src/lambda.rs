//! Running the HTTP API as a Lambda function behind an API Gateway HTTP API. The local gateway drives the
//! same router with the same events, so both paths share every line below.

use crate::app::App;
use lambda_http::Error;
use std::sync::Arc;

/// Logs as JSON lines, filtered by `RUST_LOG` (default `info`).
pub fn init_tracing() {
    lambda_http::tracing::init_default_subscriber();
}

/// `main` of every HTTP function: build the clients once, then serve the router. API Gateway sends each
/// function only its own route.
pub async fn run() -> Result<(), Error> {
    init_tracing();
    let app = Arc::new(App::from_env().await?);
    lambda_http::run(crate::router::router(app)).await
}
