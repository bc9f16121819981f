//! `POST /api/v1/search/reindex` (Admin): rebuilds the account's search documents from the table — every
//! lead, customer and deal, and their notes. A job: the answer is 202 with the job's resource, and the work
//! runs in the jobs worker.

use crate::extract::{AppState, Caller};
use crate::problem::ApiError;
use axum::extract::State;
use axum::response::Response;
use crm_domain::job::{Job, JobKind};

/// Rebuild the account's search documents from the table (Admin); follow the job at its `Location`
#[utoipa::path(post, operation_id = "search_reindex", path = "/api/v1/search/reindex", tag = "search",
    responses((status = 202, description = "The queued job; `Location` is its resource", body = Job,
        headers(("Location" = String, description = "The job: `/api/v1/jobs/{id}`")))),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, caller: Caller) -> Result<Response, ApiError> {
    crate::jobs::start(&app, &caller.actor, JobKind::SearchReindex).await
}
