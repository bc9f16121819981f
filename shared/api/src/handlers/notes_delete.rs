//! `DELETE /api/v1/{leads|customers|deals}/{id}/notes/{note_id}`: its author, an Admin or a Manager
//! removes a note.

use crate::extract::{AppState, Caller, IfMatch, Path};
use crate::problem::ApiError;
use crate::records::NotePath;
use axum::extract::State;
use crm_domain::clock::Timestamp;
use http::StatusCode;

/// Delete a note (its author, Admin, Manager)
#[utoipa::path(delete, operation_id = "notes_delete", path = "/api/v1/{kind}/{id}/notes/{note_id}", tag = "notes",
    params(NotePath, IfMatch),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Path(path): Path<NotePath>,
    expected: IfMatch,
) -> Result<StatusCode, ApiError> {
    let actor = caller.actor;
    let note = path.editable_note(&app, &actor, expected).await?;
    let prepared = crm_core::notes::remove(&app.table, &actor, note, Timestamp::now())?;
    prepared.commit().await.map_err(|e| expected.lost_race(e))?;
    Ok(StatusCode::NO_CONTENT)
}
