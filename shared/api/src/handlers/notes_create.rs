//! `POST /api/v1/{leads|customers|deals}/{id}/notes`: anyone who may see a record may note on it. Takes an
//! `Idempotency-Key`.

use crate::extract::{AppState, Caller, IdempotencyKey, Json, Path};
use crate::problem::ApiError;
use crate::records::{Made, RecordPath, commit_created};
use axum::extract::State;
use axum::response::Response;
use crm_domain::clock::Timestamp;
use crm_domain::note::{Note, NoteBody};

/// Add a note to a lead, customer or deal
#[utoipa::path(post, operation_id = "notes_create", path = "/api/v1/{kind}/{id}/notes", tag = "notes", request_body = NoteBody,
    params(RecordPath, IdempotencyKey),
    responses((status = 201, description = "The note", body = Note)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Path(RecordPath { kind, id: record_id }): Path<RecordPath>,
    key: IdempotencyKey,
    Json(input): Json<NoteBody>,
) -> Result<Response, ApiError> {
    let (actor, kind) = (caller.actor, kind.0);
    let crm_core::Prepared { value: note, changes } =
        crm_core::notes::add(&app.table, &actor, kind, &record_id, input, Timestamp::now()).await?;
    let collection = kind.collection();
    let location = format!("/api/v1/{collection}/{record_id}/notes/{}", note.id);
    let operation = format!("POST /api/v1/{collection}/{record_id}/notes");
    let made = Made::Note(kind, &record_id);
    commit_created(&app, made, changes, &actor, key.0, &operation, &note, Some(location), Some(note.version)).await
}
