//! `jobs`: runs the long work an Admin asks for (a search reindex, a statistics rebuild) away from any HTTP
//! request, page by page, saving the job's progress after each page; a job that ended is not run again when
//! its message comes back.

use crate::{Retries, Workers};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use crm_domain::clock::Timestamp;
use crm_domain::customer::Customer;
use crm_domain::deal::Deal;
use crm_domain::events::Snapshot;
use crm_domain::job::{Job, JobKind, JobMessage};
use crm_domain::lead::Lead;
use crm_domain::{Record, TenantId, stats};
use crm_search::SearchDoc;
use crm_store::{PageRequest, RecordFilter};
use lambda_runtime::Error;
use serde_json::json;

const PAGE: usize = 100;

/// Where a job is, to save its progress as it goes.
struct Running<'a> {
    workers: &'a Workers,
    tenant: TenantId,
    job: Job,
}

impl Running<'_> {
    async fn processed(&mut self, more: usize) -> Result<(), Error> {
        self.job = self.job.progressed(self.job.processed + more as u64, Timestamp::now());
        self.workers.table.put_job(self.tenant, &self.job, Timestamp::now().unix_seconds()).await?;
        Ok(())
    }
}

/// The next page of one kind's records, counted into the job's progress; `None` once they are all read.
/// `cursor` starts as `Some(None)` and becomes `None` after the last page.
async fn next_page<R: Record>(
    running: &mut Running<'_>,
    cursor: &mut Option<Option<String>>,
) -> Result<Option<Vec<R>>, Error> {
    let Some(current) = cursor.take() else { return Ok(None) };
    let page = PageRequest { limit: PAGE, cursor: current };
    let batch = running.workers.table.records::<R>(running.tenant, &RecordFilter::default(), &page).await?;
    running.processed(batch.items.len()).await?;
    *cursor = batch.next_cursor.map(Some);
    Ok(Some(batch.items))
}

/// Adds one kind's records to the statistics' sums, page by page.
async fn sum<R: Record>(
    running: &mut Running<'_>,
    wrap: fn(R) -> Snapshot,
    sums: &mut stats::Deltas,
) -> Result<(), Error> {
    let mut cursor = Some(None);
    while let Some(records) = next_page::<R>(running, &mut cursor).await? {
        let snapshots: Vec<Snapshot> = records.into_iter().map(wrap).collect();
        stats::add_into(sums, stats::totals(&snapshots));
    }
    Ok(())
}

/// Recomputes the statistics from the records, holding only the sums, not the records.
async fn rebuild_stats(running: &mut Running<'_>) -> Result<serde_json::Value, Error> {
    let mut sums = stats::Deltas::new();
    sum::<Lead>(running, Snapshot::Lead, &mut sums).await?;
    sum::<Customer>(running, Snapshot::Customer, &mut sums).await?;
    sum::<Deal>(running, Snapshot::Deal, &mut sums).await?;
    running.workers.table.replace_stats(running.tenant, &sums).await?;
    Ok(json!({"records": running.job.processed, "stats_items": sums.len()}))
}

/// The search documents of some records and their notes.
async fn documents<R: Record>(
    workers: &Workers,
    tenant: TenantId,
    records: Vec<R>,
    wrap: fn(R) -> Snapshot,
) -> Result<Vec<(String, SearchDoc, u64)>, Error> {
    let mut docs = Vec::new();
    for record in records {
        let (id, owner) = (record.id().to_string(), record.owner().to_string());
        docs.extend(SearchDoc::from_snapshot(tenant, &wrap(record), None));
        let mut notes_page = PageRequest { limit: PAGE, cursor: None };
        loop {
            let notes = workers.table.notes(tenant, R::KIND, &id, &notes_page).await?;
            for note in notes.items {
                docs.extend(SearchDoc::from_snapshot(tenant, &Snapshot::Note(note), Some(owner.clone())));
            }
            match notes.next_cursor {
                Some(cursor) => notes_page.cursor = Some(cursor),
                None => break,
            }
        }
    }
    Ok(docs)
}

/// Writes one kind's documents (records and their notes), page by page; answers how many.
async fn index<R: Record>(running: &mut Running<'_>, wrap: fn(R) -> Snapshot) -> Result<usize, Error> {
    let (workers, tenant) = (running.workers, running.tenant);
    let search = workers.search.as_ref().ok_or("search is not configured (OPENSEARCH_ENDPOINT)")?;
    let (mut cursor, mut written) = (Some(None), 0);
    while let Some(records) = next_page::<R>(running, &mut cursor).await? {
        let docs = documents(workers, tenant, records, wrap).await?;
        search.bulk(&docs).await?;
        written += docs.len();
    }
    Ok(written)
}

/// Rebuilds the search documents from the table, a page of records (and their notes) at a time.
async fn reindex(running: &mut Running<'_>) -> Result<serde_json::Value, Error> {
    let written = index::<Lead>(running, Snapshot::Lead).await?
        + index::<Customer>(running, Snapshot::Customer).await?
        + index::<Deal>(running, Snapshot::Deal).await?;
    Ok(json!({"documents": written}))
}

async fn run(workers: &Workers, message: JobMessage) -> Result<(), Error> {
    let Some(job) = workers.table.job(message.tenant_id, message.job_id).await? else {
        tracing::warn!(job = %message.job_id, "a job message for no job; dropped");
        return Ok(());
    };
    if !job.is_pending() {
        return Ok(());
    }
    let mut running = Running { workers, tenant: message.tenant_id, job: job.progressed(0, Timestamp::now()) };
    let outcome = match job.kind {
        JobKind::StatsRebuild => rebuild_stats(&mut running).await,
        JobKind::SearchReindex => reindex(&mut running).await,
    };
    let now = Timestamp::now();
    let ended = match outcome {
        Ok(result) => running.job.succeeded(result, now),
        Err(error) => {
            tracing::error!(job = %message.job_id, %error, "job failed");
            running.job.failed(error.to_string(), now)
        }
    };
    workers.table.put_job(message.tenant_id, &ended, now.unix_seconds()).await?;
    Ok(())
}

pub async fn handle(workers: &Workers, event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let mut retries = Retries::default();
    for message in &event.records {
        let outcome = match serde_json::from_str::<JobMessage>(message.body.as_deref().unwrap_or("")) {
            Ok(job) => run(workers, job).await,
            Err(error) => Err(error.into()),
        };
        if let Err(error) = outcome {
            retries.retry(message, "recording a job", &error);
        }
    }
    Ok(retries.response())
}
