//! Starting a job: the request stores it queued and answers 202 with its resource, `Location:
//! /api/v1/jobs/{id}`; the table stream hands it to the jobs worker (see `crm_workers::jobs`).

use crate::app::App;
use crate::http::WithStatus;
use crate::problem::ApiError;
use axum::response::{IntoResponse, Response};
use crm_domain::clock::Timestamp;
use crm_domain::job::{Job, JobKind};
use crm_domain::{Actor, Role};
use http::{HeaderValue, StatusCode, header};

/// Queues a job of `kind` for the Admin `actor`.
pub async fn start(app: &App, actor: &Actor, kind: JobKind) -> Result<Response, ApiError> {
    if actor.role != Role::Admin {
        return Err(ApiError::Forbidden("only an admin can start this work".into()));
    }
    queue(app, actor, Job::queued(kind, actor.user, Timestamp::now())).await
}

/// Queues `job`, asked for by `actor`.
pub async fn queue(app: &App, actor: &Actor, job: Job) -> Result<Response, ApiError> {
    app.table.put_job(actor.tenant, &job, Timestamp::now().unix_seconds()).await?;
    let location = HeaderValue::from_str(&format!("/api/v1/jobs/{}", job.id))
        .map_err(|e| ApiError::Internal(format!("a job's location: {e}")))?;
    let mut response = WithStatus(StatusCode::ACCEPTED, job).into_response();
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}
