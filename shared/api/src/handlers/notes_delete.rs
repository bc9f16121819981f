//! `DELETE /api/v1/{leads|customers|deals}/{id}/notes/{note_id}`: its author, an Admin or a Manager
//! removes a note.

use crate::app::App;
use crate::http::{if_match, no_content, only_query_params, path_id};
use crate::problem::ApiError;
use crate::records::{path_kind, visible_owner};
use crm_domain::activity::{Action, Activity, Change};
use crm_domain::clock::Timestamp;
use crm_domain::{NoteId, policy};
use crm_store::StoreError;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &[])?;
    let kind = path_kind(&req)?;
    let record_id = path_id(&req, "id", |id| Some(id.to_owned()))?;
    let note_id = path_id(&req, "note_id", NoteId::parse)?;
    let expected = if_match(&req)?;
    let owner = visible_owner(app, &actor, kind, &record_id).await?;
    let note = app.table.note(actor.tenant, kind, &record_id, note_id).await?.ok_or(ApiError::NotFound)?;
    policy::edit_note(&actor, owner, note.author_id)?;
    if expected.is_some_and(|v| v != note.version) {
        return Err(ApiError::PreconditionFailed);
    }
    let removed = Change { field: "note".into(), old: note.body.clone().into(), new: serde_json::Value::Null };
    let now = Timestamp::now();
    let activity =
        Activity::record(kind.entity(), &record_id, Action::NoteDeleted, actor.user, &now.rfc3339(), vec![removed])
            .with("note_id", note.id);
    let mut changes = app.table.changes(actor.tenant);
    changes.remove_note(&note)?.log(&activity)?;
    match changes.commit().await {
        Ok(()) => Ok(no_content()),
        Err(StoreError::VersionConflict) if expected.is_some() => Err(ApiError::PreconditionFailed),
        Err(other) => Err(other.into()),
    }
}
