//! The stats-rollup worker: applies each event's counter changes to the pre-computed statistics, once per
//! event (a redelivered event changes nothing). A batch's events are folded per tenant into one write per
//! touched statistics item, and the tenants' writes go concurrently.

use crate::{Retries, Workers};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use crm_domain::TenantId;
use crm_domain::clock::Timestamp;
use crm_domain::events::DomainEvent;
use crm_domain::stats::{self, Deltas};
use futures_util::future::join_all;
use lambda_runtime::Error;
use std::collections::BTreeMap;

/// A batch's events that change statistics, by tenant: each with its message and its changes.
type ByTenant<'m> = BTreeMap<TenantId, Vec<(&'m SqsMessage, String, Deltas)>>;

pub async fn handle(workers: &Workers, event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let mut retries = Retries::default();
    let mut by_tenant: ByTenant = BTreeMap::new();
    for message in &event.records {
        match serde_json::from_str::<DomainEvent>(message.body.as_deref().unwrap_or("")) {
            Ok(event) => {
                let deltas = stats::deltas(event.old.as_ref(), event.new.as_ref());
                let events = by_tenant.entry(event.tenant_id).or_default();
                // The same event twice in a batch (delivered again before the first was deleted) is one
                // event; a transaction may name its marker once.
                if !deltas.is_empty() && !events.iter().any(|(_, id, _)| *id == event.id) {
                    events.push((message, event.id, deltas));
                }
            }
            Err(error) => retries.retry(message, "stats rollup", &format!("not a domain event: {error}")),
        }
    }
    let now = Timestamp::now().unix_seconds();
    let applied = join_all(by_tenant.iter().map(|(tenant, events)| async move {
        let changes: Vec<(&str, &Deltas)> = events.iter().map(|(_, id, deltas)| (id.as_str(), deltas)).collect();
        (events, workers.table.apply_stats(*tenant, &changes, now).await)
    }));
    for (events, outcome) in applied.await {
        // A tenant's events that failed come back together; those applied meanwhile are skipped then.
        if let Err(error) = outcome {
            for (message, _, _) in events {
                retries.retry(message, "stats rollup", &error);
            }
        }
    }
    Ok(retries.response())
}
