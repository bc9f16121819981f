//! Long work (a search reindex, a statistics rebuild) runs as a job: the request answers 202 with the job's
//! resource at once, a worker fed by a queue does the work, and the job tells how far it got.

use crate::clock::Timestamp;
use crate::ids::{JobId, UserId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Rebuilds the account's search documents from its records.
    SearchReindex,
    /// Recomputes the account's statistics from its records.
    StatsRebuild,
    /// Writes records of one kind, filtered, as a CSV file (see `crate::export`).
    Export,
    /// Reads a CSV file of leads or customers into records (see `crate::import`).
    Import,
    /// Moves a merged duplicate's notes, timeline and deals to the record it was merged into (see
    /// `crate::merge`).
    Merge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Job {
    pub id: JobId,
    pub kind: JobKind,
    pub status: JobStatus,
    pub requested_by: UserId,
    pub created_at: String,
    pub updated_at: String,
    /// Records processed so far.
    pub processed: u64,
    /// The invocations it has run in so far: a long job continues in a new one before Lambda's time runs out.
    #[serde(default)]
    pub steps: u32,
    /// What the job did, once it succeeded (`{"documents": n}`, `{"records": n, "stats_items": n}`).
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    /// Why it failed.
    pub error: Option<String>,
    /// What an export job writes: the kind and filters, the owner already narrowed as the caller may see.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<crate::export::NewExport>,
    /// What an import reads: the kind, the upload and how its columns feed fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import: Option<crate::import::NewImport>,
    /// What a merge moves: from which record to which.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<crate::merge::MergeJob>,
    /// How far through its file an import is, in percent of its bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 100)]
    pub percent: Option<u8>,
}

impl Job {
    pub fn queued(kind: JobKind, requested_by: UserId, now: Timestamp) -> Self {
        let at = now.rfc3339();
        Job {
            id: JobId::new(),
            kind,
            status: JobStatus::Queued,
            requested_by,
            created_at: at.clone(),
            updated_at: at,
            processed: 0,
            steps: 0,
            result: None,
            error: None,
            export: None,
            import: None,
            merge: None,
            percent: None,
        }
    }

    /// An export of what `export` asks for.
    pub fn export(export: crate::export::NewExport, requested_by: UserId, now: Timestamp) -> Self {
        Job { export: Some(export), ..Job::queued(JobKind::Export, requested_by, now) }
    }

    /// An import of what `import` asks for.
    pub fn import(import: crate::import::NewImport, requested_by: UserId, now: Timestamp) -> Self {
        Job { import: Some(import), percent: Some(0), ..Job::queued(JobKind::Import, requested_by, now) }
    }

    /// The moving of a merged duplicate's notes, timeline and deals.
    pub fn merge(merge: crate::merge::MergeJob, requested_by: UserId, now: Timestamp) -> Self {
        Job { merge: Some(merge), ..Job::queued(JobKind::Merge, requested_by, now) }
    }

    /// Whether a worker should (still) run it: a job that ended is not run again on a redelivery.
    pub fn is_pending(&self) -> bool {
        matches!(self.status, JobStatus::Queued | JobStatus::Running)
    }

    pub fn progressed(&self, processed: u64, now: Timestamp) -> Self {
        Job { status: JobStatus::Running, processed, updated_at: now.rfc3339(), ..self.clone() }
    }

    pub fn succeeded(&self, result: serde_json::Value, now: Timestamp) -> Self {
        Job { status: JobStatus::Succeeded, result: Some(result), updated_at: now.rfc3339(), ..self.clone() }
    }

    pub fn failed(&self, error: String, now: Timestamp) -> Self {
        Job { status: JobStatus::Failed, error: Some(error), updated_at: now.rfc3339(), ..self.clone() }
    }
}

/// What the jobs queue carries: which job to run, and which of its steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobMessage {
    pub tenant_id: crate::TenantId,
    pub job_id: JobId,
    /// 0 for the job's first step (the message the new job item sends).
    #[serde(default)]
    pub step: u32,
}

/// Where a job's next step starts: which kind of record it is reading (an index into the job's kinds), the
/// cursor of its next page, and the counts so far. Saved only between steps, so a step that dies is run
/// again from the same place with the same result.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub step: u32,
    pub stage: usize,
    pub cursor: Option<String>,
    pub processed: u64,
    pub written: u64,
    /// A file's multipart upload, once the file outgrew one part.
    #[serde(default)]
    pub upload: Option<Upload>,
    /// Bytes of the file so far (in parts uploaded, and carried to the next step).
    #[serde(default)]
    pub bytes: u64,
    /// Whether the step before left bytes too few for a part, for this step to carry on from.
    #[serde(default)]
    pub carried: bool,
    /// An import's file as it was when the job started (size and ETag), and where its next row starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileSeen>,
    #[serde(default)]
    pub offset: u64,
    /// An import file's header.
    #[serde(default)]
    pub header: Vec<String>,
    #[serde(default)]
    pub tally: crate::import::Tally,
    /// The steps that refused rows, each of which left its part of the errors file.
    #[serde(default)]
    pub error_steps: Vec<u32>,
    /// What a merge moved so far.
    #[serde(default)]
    pub moved: crate::merge::Moved,
}

/// A file as a job first saw it: a file replaced under the same key since is refused, not mixed in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSeen {
    pub bytes: u64,
    pub etag: String,
}

/// What a delivered message means for a job whose next step is `checkpoint.step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Run this step.
    Run,
    /// A step that already ended, delivered again: its successor's message was sent after the checkpoint
    /// was saved, so send that again (it may have been lost) and stop.
    Ended,
    /// A step the checkpoint has not reached (a save was lost): nothing to do.
    Ahead,
}

impl Checkpoint {
    pub fn delivery(&self, message: &JobMessage) -> Delivery {
        match message.step.cmp(&self.step) {
            std::cmp::Ordering::Equal => Delivery::Run,
            std::cmp::Ordering::Less => Delivery::Ended,
            std::cmp::Ordering::Greater => Delivery::Ahead,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_step_a_checkpoint_expects_runs() {
        let message = |step| JobMessage { tenant_id: crate::TenantId::new(), job_id: JobId::new(), step };
        let checkpoint = Checkpoint { step: 2, ..Checkpoint::default() };
        assert_eq!(checkpoint.delivery(&message(2)), Delivery::Run);
        assert_eq!(checkpoint.delivery(&message(1)), Delivery::Ended);
        assert_eq!(checkpoint.delivery(&message(3)), Delivery::Ahead);
        // The new job item's message is the first step's.
        let first: JobMessage = serde_json::from_str(&format!(
            r#"{{"tenant_id":"{}","job_id":"{}"}}"#,
            crate::TenantId::new(),
            JobId::new()
        ))
        .unwrap();
        assert_eq!(Checkpoint::default().delivery(&first), Delivery::Run);
    }

    #[test]
    fn a_job_runs_once_to_an_end() {
        let now = Timestamp::now();
        let job = Job::queued(JobKind::StatsRebuild, UserId::new(), now);
        assert!(job.is_pending() && job.processed == 0);
        let running = job.progressed(100, now);
        assert_eq!((running.status, running.processed), (JobStatus::Running, 100));
        assert!(running.is_pending());
        let done = running.succeeded(serde_json::json!({"records": 100}), now);
        assert!(!done.is_pending() && done.result.is_some());
        assert!(!running.failed("boom".into(), now).is_pending());
    }
}

/// A multipart upload in progress: its id and the parts uploaded so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub id: String,
    pub parts: Vec<UploadedPart>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedPart {
    pub number: i32,
    pub etag: String,
}
