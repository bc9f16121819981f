//! `POST /api/v1/dashboard/rebuild` (Admin): recomputes the account's statistics from its records, so drift
//! can always be repaired (the rebuilt figures equal the incremental ones). A job: the answer is 202 with
//! the job's resource, and the work runs in the jobs worker.

use crate::extract::{AppState, Caller};
use crate::problem::ApiError;
use axum::extract::State;
use axum::response::Response;
use crm_domain::job::{Job, JobKind};

/// Recompute the statistics from the records (Admin); follow the job at its `Location`
#[utoipa::path(post, operation_id = "dashboard_rebuild", path = "/api/v1/dashboard/rebuild", tag = "dashboard",
    responses((status = 202, description = "The queued job; `Location` is its resource", body = Job,
        headers(("Location" = String, description = "The job: `/api/v1/jobs/{id}`")))),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, caller: Caller) -> Result<Response, ApiError> {
    crate::jobs::start(&app, &caller.actor, JobKind::StatsRebuild).await
}
