//! `jobs`: runs the long work people ask for (a search reindex, a statistics rebuild, an export or import) away from any HTTP
//! request, page by page, saving the job's progress after each page. A step runs for at most
//! `JOB_STEP_SECONDS` (Lambda ends an invocation at 15 minutes); then it saves a checkpoint (and, for a
//! rebuild, stages its sums) and queues the next step, which starts from there. A job that ended, or a step
//! that already ran, is not run again when its message comes back.

use crate::{Retries, Workers};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use crm_domain::clock::Timestamp;
use crm_domain::customer::Customer;
use crm_domain::deal::Deal;
use crm_domain::events::Queue;
use crm_domain::events::Snapshot;
use crm_domain::export;
use crm_domain::job::{Checkpoint, Delivery, Job, JobKind, JobMessage, Upload};
use crm_domain::lead::Lead;
use crm_domain::{Record, RecordKind, TenantId, stats};
use crm_search::SearchDoc;
use crm_store::{PageRequest, RecordFilter};
use lambda_runtime::Error;
use serde_json::json;
use std::time::Instant;

mod import;
mod merge;

const PAGE: usize = 100;

/// The kinds of record a job goes through, in order (a checkpoint's `stage` indexes it): all three, or the
/// one an export writes; an import has one stage, its file; a merge three: notes, timeline, deals.
fn stages(job: &Job) -> usize {
    if matches!(job.kind, JobKind::Export | JobKind::Import) { 1 } else { 3 }
}

const CSV: &str = "text/csv; charset=utf-8";

/// A step of a job: where it started, how far it got, and (for a rebuild) this step's sums.
struct Running<'a> {
    workers: &'a Workers,
    tenant: TenantId,
    job: Job,
    /// Where this step started; saved again only when the step ends.
    started_at: Checkpoint,
    /// Where the next page starts.
    at: Checkpoint,
    sums: stats::Deltas,
    /// An export's bytes not yet in an uploaded part.
    csv: Vec<u8>,
    /// The rows this step of an import refused, as lines of the errors file.
    errors: Vec<u8>,
    /// Records this step of an import made, by email: a later row with the address updates the record
    /// before the index shows it.
    made_here: std::collections::HashMap<String, String>,
    /// Who an import writes as, read once a step.
    importer: Option<crm_domain::Actor>,
    /// The plan's limit an import's creates reached in this step: the rows after it are refused with it
    /// without trying (a step later tries again, in case room was made).
    plan_full: Option<crm_domain::plan::LimitReached>,
}

impl Running<'_> {
    /// Saves the progress shown to the caller; the stored checkpoint stays where this step started, so a
    /// step that dies is run again from there.
    async fn show_progress(&mut self) -> Result<(), Error> {
        self.job = self.job.progressed(self.at.processed, Timestamp::now());
        if let Some(file) = self.at.file.as_ref().filter(|f| f.bytes > 0) {
            self.job.percent = Some(u8::try_from((self.at.offset * 100 / file.bytes).min(99)).unwrap_or(99));
        }
        let now = Timestamp::now().unix_seconds();
        self.workers.table.save_job(self.tenant, &self.job, Some(&self.started_at), now).await?;
        Ok(())
    }

    /// Reads the next page of the kind the step is at, and does the job's work on it.
    async fn next_page(&mut self) -> Result<(), Error> {
        match self.job.kind {
            JobKind::Import => return self.import_chunk().await,
            JobKind::Merge => return self.merge_page().await,
            _ => {}
        }
        let kind = match &self.job.export {
            Some(export) => export.kind(),
            None => RecordKind::ALL[self.at.stage.min(2)],
        };
        match kind {
            RecordKind::Lead => self.page::<Lead>(Snapshot::Lead).await,
            RecordKind::Customer => self.page::<Customer>(Snapshot::Customer).await,
            RecordKind::Deal => self.page::<Deal>(Snapshot::Deal).await,
        }
    }

    async fn page<R: Record>(&mut self, wrap: fn(R) -> Snapshot) -> Result<(), Error> {
        let request = PageRequest { limit: PAGE, cursor: self.at.cursor.clone() };
        // An export reads what its list route would show its caller (the owner was narrowed when asked).
        let filter = match &self.job.export {
            Some(export) => {
                RecordFilter { state: export.state(), owner: export.owner(), tag: export.tag().map(str::to_owned) }
            }
            None => RecordFilter::default(),
        };
        let batch = self.workers.table.records::<R>(self.tenant, &filter, &request).await?;
        self.at.processed += batch.items.len() as u64;
        match self.job.kind {
            JobKind::SearchReindex => {
                let search = self.workers.search.as_ref().ok_or("search is not configured (OPENSEARCH_ENDPOINT)")?;
                // The records' email copies too: records written before there were any get theirs.
                self.workers.table.put_email_copies(self.tenant, &batch.items).await?;
                let docs = documents(self.workers, self.tenant, batch.items, wrap).await?;
                search.bulk(&docs).await?;
                self.at.written += docs.len() as u64;
            }
            JobKind::StatsRebuild => {
                let snapshots: Vec<Snapshot> = batch.items.into_iter().map(wrap).collect();
                stats::add_into(&mut self.sums, stats::totals(&snapshots));
            }
            JobKind::Import | JobKind::Merge => return Err("this job does not read pages of records".into()),
            JobKind::Export => {
                let mut writer = csv::Writer::from_writer(&mut self.csv);
                if self.at.written == 0 && self.at.bytes == 0 && !self.at.carried && writer.get_ref().is_empty() {
                    writer.write_record(export::columns(R::KIND))?;
                }
                for record in &batch.items {
                    writer.write_record(export::row(R::KIND, &serde_json::to_value(record)?))?;
                }
                writer.flush()?;
                drop(writer);
                self.at.written += batch.items.len() as u64;
                self.upload_full_parts().await?;
            }
        }
        self.at.cursor = batch.next_cursor;
        if self.at.cursor.is_none() {
            self.at.stage += 1;
        }
        Ok(())
    }

    /// Ends the step before its time is up: stages its sums (or an export's bytes too few for a part), saves
    /// where the next step starts, queues it.
    async fn pause(&mut self) -> Result<(), Error> {
        let now = Timestamp::now().unix_seconds();
        if self.job.kind == JobKind::StatsRebuild {
            let rows = staged_rows(&self.sums)?;
            self.workers.table.stage_job_part(self.tenant, self.job.id, self.at.step, &rows, now).await?;
        }
        if self.job.kind == JobKind::Export {
            self.at.carried = !self.csv.is_empty();
            if self.at.carried {
                let carry = std::mem::take(&mut self.csv);
                self.files()?.put(&self.carry_key(self.at.step + 1), carry, CSV).await?;
            }
        }
        if self.job.kind == JobKind::Import {
            self.keep_refused().await?;
        }
        self.at.step += 1;
        self.workers.table.save_job(self.tenant, &self.job, Some(&self.at), now).await?;
        self.forget_carried().await?;
        queue_step(self.workers, self.tenant, &self.job, self.at.step).await
    }

    fn files(&self) -> Result<&crm_files::Files, Error> {
        Ok(self.workers.files.as_ref().ok_or("this function has no files bucket (FILES_BUCKET)")?)
    }

    fn file_key(&self) -> String {
        crm_files::key(self.tenant, "exports", &format!("{}.csv", self.job.id))
    }

    /// Where step `step` finds the bytes the step before carried over. Each step has its own, so a step
    /// run again reads what its predecessor left, whatever the failed run wrote.
    fn carry_key(&self, step: u32) -> String {
        crm_files::key(self.tenant, "exports", &format!("{}.carry-{step}", self.job.id))
    }

    /// Reads what the step before carried over, if it did.
    async fn take_carried(&mut self) -> Result<(), Error> {
        if self.started_at.carried {
            let carried = self.files()?.get(&self.carry_key(self.started_at.step)).await?;
            self.csv = carried.ok_or("the bytes the step before carried over are gone")?;
        }
        Ok(())
    }

    /// Deletes what the step before carried over, once no run of this step needs it.
    async fn forget_carried(&self) -> Result<(), Error> {
        if self.started_at.carried {
            self.files()?.delete(&self.carry_key(self.started_at.step)).await?;
        }
        Ok(())
    }

    /// Uploads every whole part the export's bytes fill, starting the multipart upload with the first.
    async fn upload_full_parts(&mut self) -> Result<(), Error> {
        let part_bytes = self.workers.file_part_bytes.max(1);
        while self.csv.len() >= part_bytes {
            let rest = self.csv.split_off(part_bytes);
            let part = std::mem::replace(&mut self.csv, rest);
            self.upload_part(part).await?;
        }
        Ok(())
    }

    async fn upload_part(&mut self, part: Vec<u8>) -> Result<(), Error> {
        let (files, key) = (self.files()?.clone(), self.file_key());
        if self.at.upload.is_none() {
            let id = files.start_upload(&key, CSV).await?;
            self.at.upload = Some(Upload { id, parts: Vec::new() });
        }
        let upload = self.at.upload.as_mut().ok_or("no upload")?;
        let number = i32::try_from(upload.parts.len() + 1)?;
        self.at.bytes += part.len() as u64;
        upload.parts.push(files.upload_part(&key, &upload.id, number, part).await?);
        Ok(())
    }

    /// Writes the export's last bytes: the whole file when it never outgrew a part, else the last part.
    async fn finish_export(&mut self) -> Result<serde_json::Value, Error> {
        let (files, key) = (self.files()?.clone(), self.file_key());
        let last = std::mem::take(&mut self.csv);
        let bytes = self.at.bytes + last.len() as u64;
        if self.at.upload.is_none() {
            files.put(&key, last, CSV).await?;
        } else {
            if !last.is_empty() {
                self.upload_part(last).await?;
            }
            let upload = self.at.upload.as_ref().ok_or("no upload")?;
            files.finish_upload(&key, &upload.id, &upload.parts).await?;
        }
        self.forget_carried().await?;
        Ok(json!({"rows": self.at.written, "bytes": bytes, "file": key}))
    }

    /// What the job did, after its last page.
    async fn finish(&mut self) -> Result<serde_json::Value, Error> {
        match self.job.kind {
            JobKind::SearchReindex => Ok(json!({"documents": self.at.written})),
            JobKind::StatsRebuild => {
                let mut sums = std::mem::take(&mut self.sums);
                for part in self.workers.table.staged_job_parts(self.tenant, self.job.id).await? {
                    let rows: Vec<((stats::Scope, stats::Bucket), stats::Counters)> = serde_json::from_str(&part)?;
                    stats::add_into(&mut sums, rows.into_iter().collect());
                }
                self.workers.table.replace_stats(self.tenant, &sums).await?;
                Ok(json!({"records": self.at.processed, "stats_items": sums.len()}))
            }
            JobKind::Export => self.finish_export().await,
            JobKind::Import => self.finish_import().await,
            JobKind::Merge => Ok(self.merge_result()),
        }
    }
}

/// A step's sums as JSON rows, for staging.
fn staged_rows(sums: &stats::Deltas) -> Result<Vec<String>, Error> {
    Ok(sums.iter().map(|row| serde_json::to_string(&row)).collect::<Result<_, _>>()?)
}

async fn queue_step(workers: &Workers, tenant: TenantId, job: &Job, step: u32) -> Result<(), Error> {
    let url = workers.queues.get(&Queue::Jobs).ok_or("JOBS_QUEUE_URL is not set: a job cannot continue")?;
    let message = JobMessage { tenant_id: tenant, job_id: job.id, step };
    workers.sqs.send_message().queue_url(url).message_body(serde_json::to_string(&message)?).send().await?;
    Ok(())
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

async fn run(workers: &Workers, message: JobMessage) -> Result<(), Error> {
    let Some((job, checkpoint)) = workers.table.job_and_checkpoint(message.tenant_id, message.job_id).await? else {
        tracing::warn!(job = %message.job_id, "a job message for no job; dropped");
        return Ok(());
    };
    if !job.is_pending() {
        return Ok(());
    }
    let checkpoint = checkpoint.unwrap_or_default();
    match checkpoint.delivery(&message) {
        Delivery::Run => {}
        Delivery::Ended => return queue_step(workers, message.tenant_id, &job, checkpoint.step).await,
        Delivery::Ahead => {
            tracing::warn!(job = %job.id, step = message.step, "a message for a step the job has not reached");
            return Ok(());
        }
    }
    let started = Instant::now();
    let mut job = job.progressed(checkpoint.processed, Timestamp::now());
    job.steps += 1;
    let mut running = Running {
        workers,
        tenant: message.tenant_id,
        job,
        started_at: checkpoint.clone(),
        at: checkpoint,
        sums: stats::Deltas::new(),
        csv: Vec::new(),
        errors: Vec::new(),
        made_here: std::collections::HashMap::new(),
        importer: None,
        plan_full: None,
    };
    let outcome = async {
        running.take_carried().await?;
        let mut pages = 0;
        while running.at.stage < stages(&running.job) {
            // At least a page per step, so every step moves the job on.
            if pages > 0 && started.elapsed() >= workers.job_step {
                running.pause().await?;
                return Ok(None);
            }
            running.next_page().await?;
            running.show_progress().await?;
            pages += 1;
        }
        running.finish().await.map(Some)
    }
    .await;
    let now = Timestamp::now();
    let ended = match outcome {
        Ok(None) => return Ok(()),
        Ok(Some(result)) => {
            let percent = running.job.percent.map(|_| 100);
            crm_domain::job::Job { percent, ..running.job.succeeded(result, now) }
        }
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
