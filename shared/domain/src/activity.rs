//! The activity log: every change to a record is written together with an entry saying who changed
//! what, from which value to which.

use crate::ids::{ActivityId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[cfg_attr(feature = "graphql", derive(async_graphql::Enum), graphql(rename_items = "snake_case"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Created,
    Updated,
    Deleted,
    StatusChanged,
    StageChanged,
    OwnerChanged,
    Converted,
    /// Another record of the kind was merged into this one, or this one into another (`related` says which).
    Merged,
    NoteAdded,
    NoteEdited,
    NoteDeleted,
}

impl Action {
    /// The action an update is logged as: the most telling of its changes.
    pub fn for_changes(changes: &[Change]) -> Action {
        let changed = |field: &str| changes.iter().any(|c| c.field == field);
        if changed("status") {
            Action::StatusChanged
        } else if changed("stage") {
            Action::StageChanged
        } else if changed("owner_id") {
            Action::OwnerChanged
        } else {
            Action::Updated
        }
    }
}

#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject), graphql(rename_fields = "snake_case"))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Change {
    pub field: String,
    pub old: Value,
    pub new: Value,
}

impl Change {
    /// Field-by-field differences between two versions of a record, ignoring bookkeeping fields.
    pub fn between<T: Serialize>(old: &T, new: &T) -> Vec<Change> {
        const BOOKKEEPING: [&str; 3] = ["updated_at", "version", "created_at"];
        let (Ok(Value::Object(old)), Ok(Value::Object(mut new))) =
            (serde_json::to_value(old), serde_json::to_value(new))
        else {
            return Vec::new();
        };
        let mut changes: Vec<Change> = old
            .into_iter()
            .filter(|(field, _)| !BOOKKEEPING.contains(&field.as_str()))
            .filter_map(|(field, old)| {
                let new = new.remove(&field).unwrap_or(Value::Null);
                (old != new).then_some(Change { field, old, new })
            })
            .collect();
        changes.sort_by(|a, b| a.field.cmp(&b.field));
        changes
    }
}

#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject), graphql(rename_fields = "snake_case"))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Activity {
    pub id: ActivityId,
    /// `lead`, `customer`, `deal`, …
    pub entity: String,
    pub entity_id: String,
    pub action: Action,
    pub actor_id: UserId,
    pub at: String,
    #[serde(default)]
    pub changes: Vec<Change>,
    /// Other records the action touched, such as `note_id`, or `customer_id` and `deal_id` of a conversion.
    #[serde(default)]
    pub related: BTreeMap<String, String>,
}

impl Activity {
    pub fn record(
        entity: &str,
        entity_id: impl ToString,
        action: Action,
        actor: UserId,
        at: &str,
        changes: Vec<Change>,
    ) -> Self {
        Activity {
            id: ActivityId::new(),
            entity: entity.to_owned(),
            entity_id: entity_id.to_string(),
            action,
            actor_id: actor,
            at: at.to_owned(),
            changes,
            related: BTreeMap::new(),
        }
    }

    pub fn with(mut self, name: &str, id: impl ToString) -> Self {
        self.related.insert(name.to_owned(), id.to_string());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Thing {
        a: i32,
        b: Option<&'static str>,
        version: u64,
    }

    #[test]
    fn differences_skip_bookkeeping() {
        let changes = Change::between(&Thing { a: 1, b: None, version: 1 }, &Thing { a: 2, b: None, version: 2 });
        assert_eq!(changes, vec![Change { field: "a".into(), old: 1.into(), new: 2.into() }]);
    }
}
