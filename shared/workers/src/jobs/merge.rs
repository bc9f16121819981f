//! The rest of a merge: the duplicate's notes, then its timeline entries, move into the survivor's item
//! collection (each put with its delete in one transaction, so a note is never in both places nor lost),
//! then the account's deals of the duplicate are re-pointed at the survivor, each with its entry. Every
//! stage reads what is still left, so a step run again (or a merge asked for again) picks up where the
//! last one stopped.

use super::Running;
use crm_domain::activity::{Action, Activity};
use crm_domain::clock::Timestamp;
use crm_domain::deal::Deal;
use crm_domain::events::Via;
use crm_domain::merge::{self, MergeJob};
use crm_store::{PageRequest, RecordFilter};
use lambda_runtime::Error;
use serde_json::json;

/// Notes or entries moved per transaction: each is a put and a delete, and 25 notes stay far below the
/// transaction's 4 MB.
const MOVES: usize = 25;

/// The stages of a merge job, in order.
const NOTES: usize = 0;
const ENTRIES: usize = 1;

impl Running<'_> {
    fn merging(&self) -> Result<MergeJob, Error> {
        Ok(self.job.merge.clone().ok_or("a merge job that does not say what to merge")?)
    }

    /// Moves the next few notes or entries, or re-points the next page of deals.
    pub(super) async fn merge_page(&mut self) -> Result<(), Error> {
        let merging = self.merging()?;
        let table = &self.workers.table;
        let (kind, from, to) = (merging.kind, merging.duplicate_id.as_str(), merging.survivor_id.as_str());
        let first = PageRequest { limit: MOVES, cursor: None };
        let mut changes = table.changes(self.tenant);
        changes.via(Via::Merge);
        let moved = match self.at.stage {
            NOTES => {
                let notes = table.notes(self.tenant, kind, from, &first).await?.items;
                for note in &notes {
                    changes.move_note(note, to)?;
                }
                self.at.moved.notes += notes.len() as u64;
                notes.len()
            }
            ENTRIES => {
                // One more than a transaction takes: the duplicate's own entry of the merge stays.
                let page = PageRequest { limit: MOVES + 1, cursor: None };
                let entries = table.timeline(self.tenant, kind, from, &page).await?.items;
                let entries: Vec<_> = entries.into_iter().filter(|e| e.id != merging.entry).take(MOVES).collect();
                for entry in &entries {
                    changes.move_entry(entry, kind, to)?;
                }
                self.at.moved.entries += entries.len() as u64;
                entries.len()
            }
            _ => return self.repoint_deals(&merging).await,
        };
        if moved == 0 {
            self.at.stage += 1;
            return Ok(());
        }
        changes.commit().await?;
        self.at.processed += moved as u64;
        Ok(())
    }

    /// Re-points the deals of the next page that were the duplicate's.
    async fn repoint_deals(&mut self, merging: &MergeJob) -> Result<(), Error> {
        let table = &self.workers.table;
        let page = PageRequest { limit: super::PAGE, cursor: self.at.cursor.clone() };
        let deals = table.records::<Deal>(self.tenant, &RecordFilter::default(), &page).await?;
        let now = Timestamp::now();
        let (from, to) = (merging.duplicate_id.as_str(), merging.survivor_id.as_str());
        for deal in &deals.items {
            let Some(update) = merge::repoint_deal(deal, merging.kind, from, to, now) else { continue };
            let entry = Activity::record(
                "deal",
                deal.id,
                Action::Updated,
                self.job.requested_by,
                &now.rfc3339(),
                update.changes,
            );
            let mut changes = table.changes(self.tenant);
            changes.via(Via::Merge).replace(deal, &update.record)?.log(&entry)?;
            changes.commit().await?;
            self.at.moved.deals += 1;
            self.at.processed += 1;
        }
        self.at.cursor = deals.next_cursor;
        if self.at.cursor.is_none() {
            self.at.stage += 1;
        }
        Ok(())
    }

    pub(super) fn merge_result(&self) -> serde_json::Value {
        let moved = self.at.moved;
        json!({"notes": moved.notes, "entries": moved.entries, "deals": moved.deals})
    }
}
