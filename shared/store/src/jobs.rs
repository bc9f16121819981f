//! Jobs in the table: one item per job under its tenant. Writing a new one is what starts it: the table
//! stream's router sends it to the jobs queue. A job that runs in several steps keeps its checkpoint on its
//! item, and a statistics rebuild stages each step's sums as items of the job's partition (in chunks that
//! fit an item), so no step holds more than its own.

use crate::Table;
use crate::error::StoreError;
use crate::keys::{self, PK, SK, TTL};
use crate::tx::{item, key, n, s};
use crm_domain::job::{Checkpoint, Job};
use crm_domain::{JobId, TenantId};

/// How long a job's resource is kept after it was asked for.
const KEEP_SECONDS: i64 = 7 * 24 * 60 * 60;
const CHECKPOINT: &str = "checkpoint";
const STAGED_PREFIX: &str = "PART#";
/// Well inside DynamoDB's 400 KB item limit.
const STAGED_CHUNK_BYTES: usize = 300 * 1024;

impl Table {
    /// Stores a job as it is now (a new one starts it).
    pub async fn put_job(&self, tenant: TenantId, job: &Job, now_unix: i64) -> Result<(), StoreError> {
        self.save_job(tenant, job, None, now_unix).await
    }

    /// Stores a job with where its next step starts.
    pub async fn save_job(
        &self,
        tenant: TenantId,
        job: &Job,
        checkpoint: Option<&Checkpoint>,
        now_unix: i64,
    ) -> Result<(), StoreError> {
        let mut record = item(job, [(PK, keys::job(tenant, job.id)), (SK, keys::sk::JOB.to_owned())])?;
        record.insert("tenant_id".to_owned(), s(tenant.to_string()));
        record.insert(TTL.to_owned(), n(now_unix + KEEP_SECONDS));
        if let Some(checkpoint) = checkpoint {
            record.insert(CHECKPOINT.to_owned(), serde_dynamo::to_attribute_value(checkpoint)?);
        }
        self.client().put_item().table_name(self.name()).set_item(Some(record)).send().await?;
        Ok(())
    }

    /// A job and its checkpoint (none before its first step ended).
    pub async fn job_and_checkpoint(
        &self,
        tenant: TenantId,
        id: JobId,
    ) -> Result<Option<(Job, Option<Checkpoint>)>, StoreError> {
        let Some(found) = self.get_item(key(keys::job(tenant, id), keys::sk::JOB), true).await? else {
            return Ok(None);
        };
        let checkpoint = found.get(CHECKPOINT).cloned().map(serde_dynamo::from_attribute_value).transpose()?;
        Ok(Some((serde_dynamo::from_item(found)?, checkpoint)))
    }

    /// Stages one step's part of a job's result, split into items of at most `STAGED_CHUNK_BYTES`; a step run
    /// again writes the same items.
    pub async fn stage_job_part(
        &self,
        tenant: TenantId,
        id: JobId,
        step: u32,
        rows: &[String],
        now_unix: i64,
    ) -> Result<(), StoreError> {
        let mut chunks: Vec<Vec<&str>> = vec![Vec::new()];
        let mut size = 0;
        for row in rows {
            if size + row.len() > STAGED_CHUNK_BYTES && !chunks.last().is_some_and(Vec::is_empty) {
                chunks.push(Vec::new());
                size = 0;
            }
            size += row.len();
            if let Some(chunk) = chunks.last_mut() {
                chunk.push(row.as_str());
            }
        }
        for (number, chunk) in chunks.iter().enumerate() {
            let mut record = key(keys::job(tenant, id), &format!("{STAGED_PREFIX}{step:06}#{number:04}"));
            record.insert("rows".to_owned(), s(format!("[{}]", chunk.join(","))));
            record.insert(TTL.to_owned(), n(now_unix + KEEP_SECONDS));
            self.client().put_item().table_name(self.name()).set_item(Some(record)).send().await?;
        }
        Ok(())
    }

    /// Every staged part of a job, as the JSON arrays `stage_job_part` wrote.
    pub async fn staged_job_parts(&self, tenant: TenantId, id: JobId) -> Result<Vec<String>, StoreError> {
        let items = self.partition(None, keys::job(tenant, id), Some(STAGED_PREFIX)).await?;
        Ok(items.iter().filter_map(|item| item.get("rows")?.as_s().ok().cloned()).collect())
    }

    pub async fn job(&self, tenant: TenantId, id: JobId) -> Result<Option<Job>, StoreError> {
        let found = self.get_item(key(keys::job(tenant, id), keys::sk::JOB), true).await?;
        Ok(found.map(serde_dynamo::from_item).transpose()?)
    }
}
