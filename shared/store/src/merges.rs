//! What a merge writes besides records: the duplicate's redirect to the survivor (so its routes can say
//! where it went), and the moves of its notes and timeline entries into the survivor's item collection.

use crate::Table;
use crate::activity::activity_item;
use crate::changes::{CHANGED_VIA, Changes};
use crate::error::StoreError;
use crate::keys::{self, PK};
use crate::notes::{note_item, note_key};
use crate::tx::{Item, key, s};
use crm_domain::activity::Activity;
use crm_domain::events::Via;
use crm_domain::note::Note;
use crm_domain::{ActivityId, Record, RecordKind, TenantId, UserId};

/// Where a merged duplicate went: the survivor's id, the duplicate's owner (who may be told) and the
/// duplicate's own entry of the merge (which stays where it is).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergedInto {
    pub survivor_id: String,
    pub owner: UserId,
    pub entry: ActivityId,
}

impl Changes<'_> {
    /// Leaves a redirect where `duplicate` was, to the record it was merged into.
    pub fn redirect<R: Record>(
        &mut self,
        duplicate: &R,
        survivor: &R::Id,
        entry: ActivityId,
    ) -> Result<&mut Self, StoreError> {
        let pk = keys::record(self.tenant, R::KIND, &duplicate.id().to_string());
        let item: Item = key(pk, keys::sk::MERGED)
            .into_iter()
            .chain([
                ("survivor_id".to_owned(), s(survivor.to_string())),
                ("owner_id".to_owned(), s(duplicate.owner().to_string())),
                ("entry".to_owned(), s(entry.to_string())),
                ("tenant_id".to_owned(), s(self.tenant.to_string())),
                ("entity".to_owned(), s(format!("{}_merged", R::KIND.entity()))),
            ])
            .collect();
        self.tx.put(item, None)?;
        Ok(self)
    }

    /// Moves a note to the record `to` of its kind, as a merge, saying so, so nobody is told of it as a new
    /// note. Its version moves on by two: the search index removes the old note at its version + 1, and
    /// must take the moved one over that removal in whatever order it hears of the two.
    pub fn move_note(&mut self, note: &Note, to: &str) -> Result<&mut Self, StoreError> {
        let moved = Note { record_id: to.to_owned(), version: note.version + 2, ..note.clone() };
        let mut item = note_item(self.tenant, &moved)?;
        item.insert(CHANGED_VIA.to_owned(), s(Via::Merge.as_str()));
        self.tx.put(item, None)?;
        self.tx.delete(note_key(self.tenant, note.record_type, &note.record_id, note.id), None)?;
        Ok(self)
    }

    /// Moves a timeline entry to the timeline of the record `to` of `kind`. The entry still names the record
    /// it was written for.
    pub fn move_entry(&mut self, entry: &Activity, kind: RecordKind, to: &str) -> Result<&mut Self, StoreError> {
        let mut item = activity_item(self.tenant, entry)?;
        let from = item.insert(PK.to_owned(), s(keys::record(self.tenant, kind, to)));
        let sk = format!("{}{}", keys::sk::ACTIVITY_PREFIX, entry.id);
        self.tx.put(item, None)?;
        let from =
            from.and_then(|pk| pk.as_s().ok().cloned()).ok_or(StoreError::Corrupt("an entry without a key".into()))?;
        self.tx.delete(key(from, &sk), None)?;
        Ok(self)
    }
}

impl Table {
    /// Where a record that is gone was merged into, if it was.
    pub async fn merged_into(
        &self,
        tenant: TenantId,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<MergedInto>, StoreError> {
        let found = self.get_item(key(keys::record(tenant, kind, id), keys::sk::MERGED), false).await?;
        let text = |item: &Item, name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        Ok(found.and_then(|item| {
            Some(MergedInto {
                survivor_id: text(&item, "survivor_id")?,
                owner: UserId::parse(&text(&item, "owner_id")?)?,
                entry: ActivityId::parse(&text(&item, "entry")?)?,
            })
        }))
    }
}
