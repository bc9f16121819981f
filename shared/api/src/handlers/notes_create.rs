//! `POST /api/v1/{leads|customers|deals}/{id}/notes`: anyone who may see a record may note on it. Takes an
//! `Idempotency-Key`.

use crate::app::App;
use crate::http::{json_body, path_id};
use crate::idempotency::IdempotentRequest;
use crate::problem::ApiError;
use crate::records::{commit_created, path_kind, visible_owner};
use crm_domain::activity::{Action, Activity, Change};
use crm_domain::clock::Timestamp;
use crm_domain::note::NoteBody;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    let kind = path_kind(&req)?;
    let record_id = path_id(&req, "id", |id| Some(id.to_owned()))?;
    let idempotent = IdempotentRequest::from_request(&req)?;
    let input: NoteBody = json_body(&req)?;
    visible_owner(app, &actor, kind, &record_id).await?;
    let now = Timestamp::now();
    let note = input.create(kind, record_id.clone(), actor.user, now)?;
    let added = Change { field: "note".into(), old: serde_json::Value::Null, new: note.body.clone().into() };
    let activity =
        Activity::record(kind.entity(), &record_id, Action::NoteAdded, actor.user, &now.rfc3339(), vec![added])
            .with("note_id", note.id);
    let mut changes = app.table.changes(actor.tenant);
    changes.create_note(&note)?.log(&activity)?;
    let collection = kind.collection();
    let location = format!("/api/v1/{collection}/{record_id}/notes/{}", note.id);
    let operation = format!("POST /api/v1/{collection}/{record_id}/notes");
    commit_created(changes, &actor, idempotent, &operation, &note, Some(location), Some(note.version)).await
}
