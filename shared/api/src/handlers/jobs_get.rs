//! `GET /api/v1/jobs/{id}` (Admin): a job's status, progress, result or error.

use crate::extract::{AppState, Caller, Json, Path};
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::job::Job;
use crm_domain::{JobId, Role};

/// A job: its status, how far it got, and what it did (Admin)
#[utoipa::path(get, operation_id = "jobs_get", path = "/api/v1/jobs/{id}", tag = "jobs", params(crate::records::IdPath),
    responses((status = 200, description = "The job", body = Job)),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, caller: Caller, Path(id): Path<JobId>) -> Result<Json<Job>, ApiError> {
    if caller.actor.role != Role::Admin {
        return Err(ApiError::Forbidden("only an admin can follow jobs".into()));
    }
    Ok(Json(app.table.job(caller.actor.tenant, id).await?.ok_or(ApiError::NotFound)?))
}
