//! The search-index worker: upserts and deletes search documents from table changes. Writes carry the
//! record's version as an external version, so an old event never overwrites a newer document, and a
//! redelivered one changes nothing.

use crate::{Retries, Workers};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use crm_domain::events::{DomainEvent, Snapshot};
use crm_domain::{RecordKind, TenantId, UserId};
use crm_search::{SearchClient, SearchDoc, SearchError, Write};
use crm_store::PageRequest;
use futures_util::future::join_all;
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
    search: &SearchClient,
    tenant: TenantId,
    Follow { kind, record_id, owner }: &Follow,
) -> Result<(), Error> {
    let mut page = PageRequest { limit: 100, cursor: None };
    loop {
        let notes = workers.table.notes(tenant, *kind, record_id, &page).await?;
        let owner = owner.map(|o| o.to_string());
        let docs: Vec<(String, SearchDoc, u64)> = notes
            .items
            .into_iter()
            .filter_map(|note| SearchDoc::from_snapshot(tenant, &Snapshot::Note(note), owner.clone()))
            .collect();
        if owner.is_some() {
            search.bulk(&docs).await?;
        } else {
            let deletes: Vec<Write> =
                docs.into_iter().map(|(id, _, version)| Write::Delete { id, version: version + 1 }).collect();
            for outcome in search.apply(&deletes).await? {
                outcome?;
            }
        }
        match notes.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => return Ok(()),
        }
    }
}

/// A record whose notes must follow it, to `owner` (or out of search when `None`).
struct Follow {
    kind: RecordKind,
    record_id: String,
    owner: Option<UserId>,
}

/// What one event asks of the index: a write of its own document, then perhaps its record's notes.
#[derive(Default)]
struct Plan {
    write: Option<Write>,
    follow: Option<Follow>,
}

async fn plan(workers: &Workers, event: &DomainEvent) -> Result<Plan, Error> {
    let mut plan = Plan::default();
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
            plan.write = SearchDoc::from_snapshot(event.tenant_id, new, note_owner)
                .map(|(id, doc, version)| Write::Upsert { id, doc: Box::new(doc), version });
            plan.follow = match (event.old.as_ref().and_then(record_of), record_of(new)) {
                (Some((_, _, before)), Some((kind, record_id, after))) if before != after => {
                    Some(Follow { kind, record_id, owner: Some(after) })
                }
                _ => None,
            };
        }
        (Some(old), None) => {
            plan.write = SearchDoc::from_snapshot(event.tenant_id, old, None)
                .map(|(id, _, _)| Write::Delete { id, version: version(old) + 1 });
            plan.follow = record_of(old).map(|(kind, record_id, _)| Follow { kind, record_id, owner: None });
        }
        (None, None) => {}
    }
    Ok(plan)
}

/// A batch's documents go in one bulk request, and each message stands or falls by its own write: a
/// failed one comes back alone. Events are planned concurrently (a note's needs its record's owner);
/// the bulk keeps their order, and versions settle any two about one document.
pub async fn handle(workers: &Workers, event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let mut retries = Retries::default();
    let Some(search) = workers.search.as_ref() else {
        for message in &event.records {
            retries.retry(message, "search indexing", &"search is not configured (OPENSEARCH_ENDPOINT)");
        }
        return Ok(retries.response());
    };
    let planned = join_all(event.records.iter().map(|message| async move {
        let event: DomainEvent = serde_json::from_str(message.body.as_deref().unwrap_or(""))?;
        let plan = plan(workers, &event).await?;
        Ok::<_, Error>((event.tenant_id, plan))
    }))
    .await;
    // Each planned message, whether it has a write in the bulk request (they are taken out in order), and
    // what follows it.
    let mut writes = Vec::new();
    let mut planned_messages = Vec::new();
    for (message, outcome) in event.records.iter().zip(planned) {
        match outcome {
            Ok((tenant, Plan { write, follow })) => {
                planned_messages.push((message, tenant, write.is_some(), follow));
                writes.extend(write);
            }
            Err(error) => retries.retry(message, "search indexing", &error),
        }
    }
    let mut outcomes = match search.apply(&writes).await {
        Ok(outcomes) => outcomes.into_iter(),
        Err(error) => {
            for (message, ..) in &planned_messages {
                retries.retry(message, "search indexing", &error);
            }
            return Ok(retries.response());
        }
    };
    let mut follows = Vec::new();
    for (message, tenant, wrote, follow) in &planned_messages {
        let written = match wrote {
            true => outcomes.next().unwrap_or(Err(SearchError::Backend("no outcome".into()))),
            false => Ok(()),
        };
        match (written, follow) {
            (Err(error), _) => retries.retry(message, "search indexing", &error),
            (Ok(()), Some(follow)) => follows.push((*message, *tenant, follow)),
            (Ok(()), None) => {}
        }
    }
    let followed =
        join_all(follows.iter().map(|(_, tenant, follow)| follow_record(workers, search, *tenant, follow))).await;
    for ((message, _, _), outcome) in follows.iter().zip(followed) {
        if let Err(error) = outcome {
            retries.retry(message, "search indexing", &error);
        }
    }
    Ok(retries.response())
}
