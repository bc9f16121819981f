//! `POST /api/v1/exports`: writes a kind of record, with the list filters, as a CSV file. A job: the answer
//! is 202 with the job's resource; once it succeeded, `GET /api/v1/jobs/{id}` hands out a short-lived link
//! to the file. Sales exports only its own records, as its lists show only those.

use crate::extract::{AppState, Caller, Json};
use crate::problem::ApiError;
use axum::extract::State;
use axum::response::Response;
use crm_domain::export::{ExportAsked, NewExport};
use crm_domain::job::Job;
use crm_domain::policy;

/// Export leads, customers or deals as CSV; follow the job at its `Location`
#[utoipa::path(post, operation_id = "exports_create", path = "/api/v1/exports", tag = "exports",
    request_body(content = NewExport, example = json!({"kind": "lead", "status": "qualified", "tag": "vip"})),
    responses((status = 202, description = "The queued export; `Location` is its job", body = Job,
        headers(("Location" = String, description = "The job: `/api/v1/jobs/{id}`")))),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Json(asked): Json<ExportAsked>,
) -> Result<Response, ApiError> {
    let actor = caller.actor;
    let asked = asked.validate()?;
    let owner = policy::list_owner(&actor, asked.owner())?;
    let export = asked.of_owner(owner);
    crate::jobs::queue(&app, &actor, Job::export(export, actor.user, crm_domain::clock::Timestamp::now())).await
}
