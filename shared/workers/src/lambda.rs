//! Running a worker as a Lambda function.

use crate::Workers;
use crate::functions::{Worker, by_name};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;
use std::sync::Arc;

/// `main` of every worker function: build the clients once, then handle events with the worker its
/// `WORKER` variable names.
pub async fn run() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let name = std::env::var("WORKER").map_err(|_| "WORKER must name the worker this function runs")?;
    let worker: Worker = by_name(&name).ok_or_else(|| format!("WORKER={name} names no worker"))?;
    let workers = Arc::new(Workers::from_env().await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let workers = workers.clone();
        async move { worker(&workers, event.payload).await }
    }))
    .await
}
