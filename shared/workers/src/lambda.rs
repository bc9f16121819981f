//! Running a worker as a Lambda function.

use crate::Workers;
use crate::functions::Worker;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;
use std::sync::Arc;

/// `main` of every worker function: build the clients once, then handle events.
pub async fn run(worker: Worker) -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let workers = Arc::new(Workers::from_env().await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let workers = workers.clone();
        async move { worker(&workers, event.payload).await }
    }))
    .await
}
