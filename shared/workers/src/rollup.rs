//! The stats-rollup worker: applies each event's counter changes to the pre-computed statistics, once per
//! event (a redelivered event changes nothing).

use crate::{Retries, Workers};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use crm_domain::clock::Timestamp;
use crm_domain::events::DomainEvent;
use crm_domain::stats;
use lambda_runtime::Error;

/// Applies one event; `Ok(false)` when it was applied before.
pub async fn apply(workers: &Workers, event: &DomainEvent) -> Result<bool, crm_store::StoreError> {
    let deltas = stats::deltas(event.old.as_ref(), event.new.as_ref());
    if deltas.is_empty() {
        return Ok(true);
    }
    workers.table.apply_stats(event.tenant_id, &event.id, &deltas, Timestamp::now().unix_seconds()).await
}

pub async fn handle(workers: &Workers, event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let mut retries = Retries::default();
    for message in &event.records {
        let outcome = match serde_json::from_str::<DomainEvent>(message.body.as_deref().unwrap_or("")) {
            Ok(event) => apply(workers, &event).await.map(|_| ()).map_err(|e| e.to_string()),
            Err(error) => Err(format!("not a domain event: {error}")),
        };
        if let Err(error) = outcome {
            retries.retry(message, "stats rollup", &error);
        }
    }
    Ok(retries.response())
}
