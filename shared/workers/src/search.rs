//! The search-index worker: upserts and deletes search documents from table changes. Writes carry the
//! record's version as an external version, so an old event never overwrites a newer document, and a
//! redelivered one changes nothing.

use crate::{Retries, Workers};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use crm_domain::events::{DomainEvent, Snapshot};
use crm_domain::{RecordKind, TenantId, UserId};
use crm_search::SearchDoc;
use crm_store::PageRequest;
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

/// The record a snapshot holds: its kind, id and owner.
fn record_of(snapshot: &Snapshot) -> Option<(RecordKind, String, UserId)> {
    match snapshot {
        Snapshot::Lead(r) => Some((RecordKind::Lead, r.id.to_string(), r.owner_id)),
        Snapshot::Customer(r) => Some((RecordKind::Customer, r.id.to_string(), r.owner_id)),
        Snapshot::Deal(r) => Some((RecordKind::Deal, r.id.to_string(), r.owner_id)),
        Snapshot::Note(_) | Snapshot::Message(_) => None,
    }
}

/// A record's notes follow it: re-indexed under its owner now after a reassignment (a note is found by
/// whoever may see its record, and no longer by the former owner), or removed from search once the
/// record is deleted.
async fn follow_record(
    workers: &Workers,
    search: &crm_search::SearchClient,
    tenant: TenantId,
    (kind, record_id): (RecordKind, &str),
    owner: Option<UserId>,
) -> Result<(), Error> {
    let mut page = PageRequest { limit: 100, cursor: None };
    loop {
        let notes = workers.table.notes(tenant, kind, record_id, &page).await?;
        let owner = owner.map(|o| o.to_string());
        let docs: Vec<(String, SearchDoc, u64)> = notes
            .items
            .into_iter()
            .filter_map(|note| SearchDoc::from_snapshot(tenant, &Snapshot::Note(note), owner.clone()))
            .collect();
        if owner.is_some() {
            search.bulk(&docs).await?;
        } else {
            for (id, _, version) in &docs {
                search.delete(id, version + 1).await?;
            }
        }
        match notes.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => return Ok(()),
        }
    }
}

async fn apply(workers: &Workers, event: &DomainEvent) -> Result<(), Error> {
    let search = workers.search.as_ref().ok_or("search is not configured (OPENSEARCH_ENDPOINT)")?;
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
            let reassigned = match (event.old.as_ref().and_then(record_of), record_of(new)) {
                (Some((_, _, before)), Some((kind, id, after))) if before != after => Some((kind, id, after)),
                _ => None,
            };
            if let Some((kind, id, owner)) = reassigned {
                follow_record(workers, search, event.tenant_id, (kind, &id), Some(owner)).await?;
            }
        }
        (Some(old), None) => {
            if let Some((id, _, _)) = SearchDoc::from_snapshot(event.tenant_id, old, None) {
                search.delete(&id, version(old) + 1).await?;
            }
            if let Some((kind, id, _)) = record_of(old) {
                follow_record(workers, search, event.tenant_id, (kind, &id), None).await?;
            }
        }
        (None, None) => {}
    }
    Ok(())
}

pub async fn handle(workers: &Workers, event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let mut retries = Retries::default();
    for message in &event.records {
        let outcome = match serde_json::from_str::<DomainEvent>(message.body.as_deref().unwrap_or("")) {
            Ok(event) => apply(workers, &event).await,
            Err(error) => Err(error.into()),
        };
        if let Err(error) = outcome {
            retries.retry(message, "search indexing", &error);
        }
    }
    Ok(retries.response())
}
