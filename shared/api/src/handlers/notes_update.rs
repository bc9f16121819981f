//! `PATCH /api/v1/{leads|customers|deals}/{id}/notes/{note_id}`: its author, an Admin or a Manager edits a
//! note. Takes `If-Match`.

use crate::extract::{AppState, Caller, IfMatch, Json, Path};
use crate::http::Versioned;
use crate::problem::ApiError;
use crate::records::NotePath;
use axum::extract::State;
use crm_core::Changed;
use crm_domain::clock::Timestamp;
use crm_domain::note::{Note, NoteBody};

/// Edit a note (its author, Admin, Manager)
#[utoipa::path(patch, operation_id = "notes_update", path = "/api/v1/{kind}/{id}/notes/{note_id}", tag = "notes", request_body = NoteBody,
    params(NotePath, IfMatch),
    responses((status = 200, description = "The edited note", body = Note)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Path(path): Path<NotePath>,
    expected: IfMatch,
    Json(input): Json<NoteBody>,
) -> Result<Versioned<Note>, ApiError> {
    let actor = caller.actor;
    let note = path.editable_note(&app, &actor, expected).await?;
    let note = match crm_core::notes::edit(&app.table, &actor, note, input, Timestamp::now())? {
        Changed::Unchanged(note) => note,
        Changed::Prepared(prepared) => prepared.commit().await.map_err(|e| expected.lost_race(e))?,
    };
    let version = note.version;
    Ok(Versioned::ok(note, version))
}
