//! `POST /api/v1/imports`: reads a CSV file put through an upload link into leads or customers. A job:
//! the answer is 202 with the job's resource, which shows its progress and, once it ended, how many rows
//! made, changed or left records, with a link to the rows it refused and why. Each row is checked and
//! written as the caller would make it through the API (Sales: records it owns).

use crate::extract::{AppState, Caller, Json};
use crate::problem::ApiError;
use axum::extract::State;
use axum::response::Response;
use crm_domain::import::{ImportAsked, MAX_IMPORT_BYTES, NewImport};
use crm_domain::job::Job;

/// Import leads or customers from an uploaded CSV file; follow the job at its `Location`
#[utoipa::path(post, operation_id = "imports_create", path = "/api/v1/imports", tag = "imports",
    request_body(content = NewImport, example = json!({"kind": "lead", "upload_id": "01JD3V6Z8Q4X2N7K5M9P0R1S2T",
        "columns": {"name": "Full name", "email": "E-mail"}})),
    responses((status = 202, description = "The queued import; `Location` is its job", body = Job,
        headers(("Location" = String, description = "The job: `/api/v1/jobs/{id}`")))),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Json(asked): Json<ImportAsked>,
) -> Result<Response, ApiError> {
    let actor = caller.actor;
    let import = asked.validate()?;
    let files = app.files.as_ref().ok_or_else(|| ApiError::Internal("no files bucket (FILES_BUCKET)".into()))?;
    let key = crm_files::upload_key(actor.tenant, actor.user, import.upload_id());
    match files.head(&key).await.map_err(|e| ApiError::Internal(e.to_string()))? {
        None => {
            return Err(ApiError::missing("upload_id", "names no file you uploaded (uploads are kept for 7 days)"));
        }
        Some((bytes, _)) if bytes > MAX_IMPORT_BYTES => {
            return Err(ApiError::invalid("upload_id", format!("the file has {bytes} bytes; at most 20 MiB are read")));
        }
        Some(_) => {}
    }
    crate::jobs::queue(&app, &actor, Job::import(import, actor.user, crm_domain::clock::Timestamp::now())).await
}
