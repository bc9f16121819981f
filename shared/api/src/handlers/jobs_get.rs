//! `GET /api/v1/jobs/{id}`: a job's status, progress, result or error, to an Admin or to whoever asked for
//! it; a finished export comes with a short-lived link to its file, an import with one to the rows it refused.

use crate::extract::{AppState, Caller, Json, Path};
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::clock::Timestamp;
use crm_domain::job::{Job, JobKind, JobStatus};
use crm_domain::{JobId, Role};
use serde::Serialize;

/// How long a link to a file works.
const DOWNLOAD_SECONDS: u64 = 15 * 60;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobView {
    #[serde(flatten)]
    pub job: Job,
    /// A finished export's file, or the rows a finished import refused (with why): a link that works for
    /// 15 minutes (ask again for a fresh one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download: Option<Download>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Download {
    pub url: String,
    pub expires_at: String,
}

/// The name a job's file is offered under: an export's records, or the rows an import refused.
fn download_name(job: &Job) -> Option<String> {
    match (job.kind, &job.export, &job.import) {
        (JobKind::Export, Some(export), _) => Some(format!("{}-{}.csv", export.kind().collection(), job.id)),
        (JobKind::Import, _, Some(import)) => {
            Some(format!("{}-import-errors-{}.csv", import.kind().collection(), job.id))
        }
        _ => None,
    }
}

/// A job: its status, how far it got, and what it did (an Admin, or who asked for it)
#[utoipa::path(get, operation_id = "jobs_get", path = "/api/v1/jobs/{id}", tag = "jobs", params(crate::records::IdPath),
    responses((status = 200, description = "The job", body = JobView)),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, caller: Caller, Path(id): Path<JobId>) -> Result<Json<JobView>, ApiError> {
    let job = app.table.job(caller.actor.tenant, id).await?.ok_or(ApiError::NotFound)?;
    if caller.actor.role != Role::Admin && job.requested_by != caller.actor.user {
        return Err(ApiError::NotFound);
    }
    let file = job.result.as_ref().and_then(|r| r["file"].as_str()).map(str::to_owned);
    let download = match (file, download_name(&job)) {
        (Some(key), Some(name)) if job.status == JobStatus::Succeeded => {
            let files =
                app.files.as_ref().ok_or_else(|| ApiError::Internal("no files bucket (FILES_BUCKET)".into()))?;
            let valid_for = std::time::Duration::from_secs(DOWNLOAD_SECONDS);
            let url =
                files.download_url(&key, &name, valid_for).await.map_err(|e| ApiError::Internal(e.to_string()))?;
            let expires = Timestamp::from_unix_seconds(Timestamp::now().unix_seconds() + DOWNLOAD_SECONDS as i64);
            Some(Download { url, expires_at: expires.map(|t| t.rfc3339()).unwrap_or_default() })
        }
        _ => None,
    };
    Ok(Json(JobView { job, download }))
}
