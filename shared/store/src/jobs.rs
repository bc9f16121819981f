//! Jobs in the table: one item per job under its tenant. Writing a new one is what starts it: the table
//! stream's router sends it to the jobs queue.

use crate::Table;
use crate::error::StoreError;
use crate::keys::{self, PK, SK, TTL};
use crate::tx::{item, key, n};
use crm_domain::job::Job;
use crm_domain::{JobId, TenantId};

/// How long a job's resource is kept after it was asked for.
const KEEP_SECONDS: i64 = 7 * 24 * 60 * 60;

impl Table {
    /// Stores a job as it is now (a new one starts it).
    pub async fn put_job(&self, tenant: TenantId, job: &Job, now_unix: i64) -> Result<(), StoreError> {
        let mut record = item(job, [(PK, keys::job(tenant, job.id)), (SK, keys::sk::JOB.to_owned())])?;
        record.insert("tenant_id".to_owned(), crate::tx::s(tenant.to_string()));
        record.insert(TTL.to_owned(), n(now_unix + KEEP_SECONDS));
        self.client().put_item().table_name(self.name()).set_item(Some(record)).send().await?;
        Ok(())
    }

    pub async fn job(&self, tenant: TenantId, id: JobId) -> Result<Option<Job>, StoreError> {
        let found = self.get_item(key(keys::job(tenant, id), keys::sk::JOB), true).await?;
        Ok(found.map(serde_dynamo::from_item).transpose()?)
    }
}
