//! Notes on leads, customers and deals.

use crate::clock::Timestamp;
use crate::ids::{NoteId, UserId};
use crate::record::RecordKind;
use crate::validation::{self as v, Invalid};
use serde::{Deserialize, Serialize};

pub const MAX_NOTE: usize = 10_000;

#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject), graphql(rename_fields = "snake_case"))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Note {
    pub id: NoteId,
    pub record_type: RecordKind,
    pub record_id: String,
    pub author_id: UserId,
    pub body: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

/// `POST /{leads|customers|deals}/{id}/notes` and `PATCH …/notes/{note_id}`.
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "NoteInput", rename_fields = "snake_case")
)]
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    #[schema(schema_with = crate::schema::note)]
    pub body: String,
}

fn body(raw: &str) -> Result<String, Invalid> {
    // Notes keep their line breaks and tabs; other control characters are refused.
    let text = raw.trim();
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(v::FieldError::new("body", "must not contain control characters").into());
    }
    v::required_text("body", &text.replace(['\n', '\r', '\t'], " "), MAX_NOTE)?;
    Ok(text.to_owned())
}

impl NoteBody {
    pub fn create(
        self,
        record_type: RecordKind,
        record_id: String,
        author: UserId,
        now: Timestamp,
    ) -> Result<Note, Invalid> {
        let at = now.rfc3339();
        Ok(Note {
            id: NoteId::new(),
            record_type,
            record_id,
            author_id: author,
            body: body(&self.body)?,
            created_at: at.clone(),
            updated_at: at,
            version: 1,
        })
    }

    /// The edited note, or `None` when the text is unchanged.
    pub fn edit(self, note: &Note, now: Timestamp) -> Result<Option<Note>, Invalid> {
        let text = body(&self.body)?;
        if text == note.body {
            return Ok(None);
        }
        Ok(Some(Note { body: text, updated_at: now.rfc3339(), version: note.version + 1, ..note.clone() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_keep_line_breaks_and_refuse_empty_or_huge_text() {
        let note = NoteBody { body: " Called.\nWill call back. ".into() }
            .create(RecordKind::Lead, "L".into(), UserId::new(), Timestamp::now())
            .unwrap();
        assert_eq!(note.body, "Called.\nWill call back.");
        assert!(
            NoteBody { body: "  ".into() }
                .create(RecordKind::Lead, "L".into(), UserId::new(), Timestamp::now())
                .is_err()
        );
        let huge = "x".repeat(MAX_NOTE + 1);
        assert!(NoteBody { body: huge }.create(RecordKind::Lead, "L".into(), UserId::new(), Timestamp::now()).is_err());
        assert_eq!(NoteBody { body: "Called.\nWill call back.".into() }.edit(&note, Timestamp::now()).unwrap(), None);
        assert_eq!(NoteBody { body: "Done".into() }.edit(&note, Timestamp::now()).unwrap().unwrap().version, 2);
    }
}
