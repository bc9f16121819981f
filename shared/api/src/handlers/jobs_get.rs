//! `GET /api/v1/jobs/{id}`: a job's status, progress, result or error, to an Admin or to whoever asked for
//! it; a finished export comes with a short-lived link to its file, an import with one to the rows it refused.

use crate::downloads::Download;
use crate::extract::{AppState, Claimed, Json, Path};
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::job::{Job, JobKind, JobStatus};
use crm_domain::{JobId, Role};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobView {
    #[serde(flatten)]
    pub job: Job,
    /// A finished export's file, or the rows a finished import refused (with why): a link that works for
    /// 15 minutes (ask again for a fresh one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download: Option<Download>,
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
pub async fn handle(
    State(app): AppState,
    Claimed(claimed): Claimed,
    Path(id): Path<JobId>,
) -> Result<Json<JobView>, ApiError> {
    let read = async |actor: crm_domain::Actor| {
        let job = app.table.job(actor.tenant, id).await?.ok_or(ApiError::NotFound)?;
        if actor.role != Role::Admin && job.requested_by != actor.user {
            return Err(ApiError::NotFound);
        }
        Ok(job)
    };
    let (_, job) = app.confirm_while(claimed, read).await?;
    let file = job.result.as_ref().and_then(|r| r["file"].as_str()).map(str::to_owned);
    let download = match (file, download_name(&job)) {
        (Some(key), Some(name)) if job.status == JobStatus::Succeeded => {
            Some(crate::downloads::link(&app, &key, &name).await?)
        }
        _ => None,
    };
    Ok(Json(JobView { job, download }))
}
