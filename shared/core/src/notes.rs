//! Notes on records: whoever sees a record may note on it; its author, an Admin or a Manager edits or
//! deletes a note. Each change is logged on the record's timeline in the same transaction.

use crate::{Changed, CoreError, Prepared, visible_owner};
use crm_domain::activity::{Action, Activity};
use crm_domain::clock::Timestamp;
use crm_domain::note::{Note, NoteBody};
use crm_domain::{Actor, NoteId, RecordKind, policy};
use crm_store::Table;

/// A note by `actor` on a record it sees.
pub async fn add<'t>(
    table: &'t Table,
    actor: &Actor,
    kind: RecordKind,
    record_id: &str,
    input: NoteBody,
    now: Timestamp,
) -> Result<Prepared<'t, Note>, CoreError> {
    visible_owner(table, actor, kind, record_id).await?;
    let note = input.create(kind, record_id.to_owned(), actor.user, now)?;
    let mut changes = table.changes(actor.tenant);
    changes.create_note(&note)?.log(&logged(&note, Action::NoteAdded, actor, now))?;
    Ok(Prepared { value: note, changes })
}

/// A note on a record `actor` sees, which it may edit (its author, an Admin or a Manager), at the version
/// the actor expects (if it said).
pub async fn editable(
    table: &Table,
    actor: &Actor,
    kind: RecordKind,
    record_id: &str,
    id: NoteId,
    expected: Option<u64>,
) -> Result<Note, CoreError> {
    let owner = visible_owner(table, actor, kind, record_id).await?;
    let note = table.note(actor.tenant, kind, record_id, id).await?.ok_or(CoreError::NotFound)?;
    policy::edit_note(actor, owner, note.author_id)?;
    if expected.is_some_and(|v| v != note.version) {
        return Err(CoreError::PreconditionFailed);
    }
    Ok(note)
}

/// `note` (from [`editable`]) with the new text, or as it is when the text is the same.
pub fn edit<'t>(
    table: &'t Table,
    actor: &Actor,
    note: Note,
    input: NoteBody,
    now: Timestamp,
) -> Result<Changed<'t, Note>, CoreError> {
    let Some(edited) = input.edit(&note, now)? else { return Ok(Changed::Unchanged(note)) };
    let mut changes = table.changes(actor.tenant);
    changes.replace_note(&note, &edited)?.log(&logged(&note, Action::NoteEdited, actor, now))?;
    Ok(Changed::Prepared(Prepared { value: edited, changes }))
}

/// `note` (from [`editable`]) deleted.
pub fn remove<'t>(table: &'t Table, actor: &Actor, note: Note, now: Timestamp) -> Result<Prepared<'t, ()>, CoreError> {
    let mut changes = table.changes(actor.tenant);
    changes.remove_note(&note)?.log(&logged(&note, Action::NoteDeleted, actor, now))?;
    Ok(Prepared { value: (), changes })
}

/// The record's timeline entry for a change of one of its notes.
fn logged(note: &Note, action: Action, actor: &Actor, now: Timestamp) -> Activity {
    let entity = note.record_type.entity();
    Activity::record(entity, &note.record_id, action, actor.user, &now.rfc3339(), Vec::new()).with("note_id", note.id)
}
