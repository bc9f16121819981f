//! The search-index worker: upserts and deletes search documents from table changes. Writes carry the
//! record's version as an external version, so an old event never overwrites a newer document, and a
//! redelivered one changes nothing.

use crate::Workers;
use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use crm_domain::events::{DomainEvent, Snapshot};
use crm_search::SearchDoc;
use lambda_runtime::Error;

fn version(snapshot: &Snapshot) -> u64 {
    match snapshot {
        Snapshot::Lead(r) => r.version,
        Snapshot::Customer(r) => r.version,
        Snapshot::Deal(r) => r.version,
        Snapshot::Note(n) => n.version,
        Snapshot::Message(_) => 1,
    }
}

async fn apply(workers: &Workers, event: &DomainEvent) -> Result<(), Error> {
    let search = workers.search.as_ref().ok_or("search is not configured (OPENSEARCH_ENDPOINT)")?;
    if !workers.search_ready.load(std::sync::atomic::Ordering::Relaxed) {
        // The deploy-time step: the first batch makes sure the index exists with its mapping.
        search.ensure_index().await?;
        workers.search_ready.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    match (&event.old, &event.new) {
        (_, Some(new)) => {
            let note_owner = match new {
                Snapshot::Note(note) => workers
                    .table
                    .record_owner(event.tenant_id, note.record_type, &note.record_id)
                    .await?
                    .map(|o| o.to_string()),
                _ => None,
            };
            if let Some((id, doc, version)) = SearchDoc::from_snapshot(event.tenant_id, new, note_owner) {
                search.upsert(&id, &doc, version).await?;
            }
        }
        (Some(old), None) => {
            if let Some((id, _, _)) = SearchDoc::from_snapshot(event.tenant_id, old, None) {
                search.delete(&id, version(old) + 1).await?;
            }
        }
        (None, None) => {}
    }
    Ok(())
}

pub async fn handle(workers: &Workers, event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let outcome = match serde_json::from_str::<DomainEvent>(message.body.as_deref().unwrap_or("")) {
            Ok(event) => apply(workers, &event).await,
            Err(error) => Err(error.into()),
        };
        if let Err(error) = outcome {
            tracing::warn!(message_id = %id, %error, "search indexing failed; the message will be retried");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}
