//! Starting a job: the request stores it queued, sends its first step to the jobs queue and answers 202 with
//! its resource, `Location: /api/v1/jobs/{id}`; the jobs worker runs it (see `crm_workers::jobs`). The step
//! is sent here rather than from the table's stream, so a job starts at once even while the stream is
//! behind (a large import's burst of changes).

use crate::app::App;
use crate::http::WithStatus;
use crate::problem::ApiError;
use axum::response::{IntoResponse, Response};
use crm_domain::clock::Timestamp;
use crm_domain::job::{Job, JobKind, JobMessage};
use crm_domain::{Actor, Role};
use http::{HeaderValue, StatusCode, header};

/// Queues a job of `kind` for the Admin `actor`.
pub async fn start(app: &App, actor: &Actor, kind: JobKind) -> Result<Response, ApiError> {
    if actor.role != Role::Admin {
        return Err(ApiError::Forbidden("only an admin can start this work".into()));
    }
    queue(app, actor, Job::queued(kind, actor.user, Timestamp::now())).await
}

/// Queues `job`, asked for by `actor`. A job whose first step cannot be sent is stored as failed, saying so.
pub async fn queue(app: &App, actor: &Actor, job: Job) -> Result<Response, ApiError> {
    let (sqs, url) =
        app.jobs_queue.as_ref().ok_or_else(|| ApiError::Internal("no jobs queue (JOBS_QUEUE_URL)".into()))?;
    app.table.put_job(actor.tenant, &job, Timestamp::now().unix_seconds()).await?;
    let first = JobMessage { tenant_id: actor.tenant, job_id: job.id, step: 0 };
    let body = serde_json::to_string(&first).map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Err(error) = sqs.send_message().queue_url(url).message_body(body).send().await {
        let error = aws_sdk_sqs::error::DisplayErrorContext(&error).to_string();
        let now = Timestamp::now();
        app.table
            .put_job(actor.tenant, &job.failed("it could not be queued; ask again".into(), now), now.unix_seconds())
            .await?;
        return Err(ApiError::Internal(format!("queueing job {}: {error}", job.id)));
    }
    let location = HeaderValue::from_str(&format!("/api/v1/jobs/{}", job.id))
        .map_err(|e| ApiError::Internal(format!("a job's location: {e}")))?;
    let mut response = WithStatus(StatusCode::ACCEPTED, job).into_response();
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}
