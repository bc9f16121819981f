//! What leads, customers and deals have in common: an owner, tags, a version, perhaps a workflow state
//! (a lead's status, a deal's stage), notes and a timeline. Storage, policy and routes treat them alike
//! through this trait.

use crate::activity::Change;
use crate::clock::Timestamp;
use crate::ids::UserId;
use crate::validation::Invalid;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt::Display;

#[cfg_attr(feature = "graphql", derive(async_graphql::Enum), graphql(rename_items = "snake_case"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    Lead,
    Customer,
    Deal,
}

impl RecordKind {
    pub const ALL: [RecordKind; 3] = [RecordKind::Lead, RecordKind::Customer, RecordKind::Deal];

    /// `lead`, as activity entries name it.
    pub fn entity(self) -> &'static str {
        match self {
            RecordKind::Lead => "lead",
            RecordKind::Customer => "customer",
            RecordKind::Deal => "deal",
        }
    }

    /// `leads`, as URLs name the collection.
    pub fn collection(self) -> &'static str {
        match self {
            RecordKind::Lead => "leads",
            RecordKind::Customer => "customers",
            RecordKind::Deal => "deals",
        }
    }

    pub fn from_collection(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.collection() == text)
    }

    pub fn from_entity(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.entity() == text)
    }

    /// The query parameter that filters by the workflow state, if the kind has one.
    pub fn state_field(self) -> Option<&'static str> {
        match self {
            RecordKind::Lead => Some("status"),
            RecordKind::Customer => None,
            RecordKind::Deal => Some("stage"),
        }
    }
}

/// An id type of a record, parsed from untrusted text.
pub trait RecordId: Copy + Display + PartialEq + Send + Sync + 'static {
    fn parse(text: &str) -> Option<Self>;
}

pub trait Record: Serialize + DeserializeOwned + Clone + PartialEq + Send + Sync + 'static {
    type Id: RecordId;
    const KIND: RecordKind;

    fn id(&self) -> Self::Id;
    fn owner(&self) -> UserId;
    fn tags(&self) -> &[String];
    fn version(&self) -> u64;
    /// The email address the record is found by (imports match on it, duplicates share it), if it has one.
    fn email(&self) -> Option<&str> {
        None
    }
    /// The workflow state the record is listed under (`status`, `stage`), if the kind has one.
    fn state(&self) -> Option<&'static str> {
        None
    }
    /// The canonical name of a state given as a filter, if it is one of this kind's states.
    fn parse_state(_text: &str) -> Option<&'static str> {
        None
    }
    /// The states a filter may name, for error messages.
    fn state_names() -> &'static [&'static str] {
        &[]
    }
}

/// The accessors every record implements the same way from its `id`, `owner_id`, `tags` and `version`.
macro_rules! record_basics {
    ($id:ty) => {
        fn id(&self) -> $id {
            self.id
        }
        fn owner(&self) -> crate::ids::UserId {
            self.owner_id
        }
        fn tags(&self) -> &[String] {
            &self.tags
        }
        fn version(&self) -> u64 {
            self.version
        }
    };
}
pub(crate) use record_basics;

/// A checked creation request for a record: who it asks to own the record, and the record itself once
/// the owner is settled.
pub trait NewRecord<R: Record> {
    fn requested_owner(&self) -> Option<UserId>;
    /// Other records the new one refers to, which must exist and be visible to its creator:
    /// `(kind, id, field)`.
    fn references(&self) -> Vec<(RecordKind, String, &'static str)> {
        Vec::new()
    }
    fn validate(self, owner: UserId, now: Timestamp) -> Result<R, Invalid>;
}

/// A record after a partial update, and what changed (empty when nothing did).
#[derive(Debug)]
pub struct Updated<R> {
    pub record: R,
    pub changes: Vec<Change>,
}

impl<R> Updated<R> {
    pub fn changed(&self, field: &str) -> bool {
        self.changes.iter().any(|c| c.field == field)
    }
}

/// A checked partial update of a record.
pub trait RecordPatch<R: Record> {
    fn apply(self, current: &R, now: Timestamp) -> Result<Updated<R>, Invalid>;
}

/// Finishes an update: records the differences and bumps version and timestamp when there are any.
pub fn settle<R: Record>(
    current: &R,
    mut next: R,
    now: Timestamp,
    bump: impl FnOnce(&mut R, String, u64),
) -> Updated<R> {
    let changes = Change::between(current, &next);
    if !changes.is_empty() {
        bump(&mut next, now.rfc3339(), current.version() + 1);
    }
    Updated { record: next, changes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_name_themselves_consistently() {
        for kind in RecordKind::ALL {
            assert_eq!(RecordKind::from_collection(kind.collection()), Some(kind));
            assert_eq!(RecordKind::from_entity(kind.entity()), Some(kind));
        }
        assert_eq!(RecordKind::from_collection("users"), None);
    }
}
