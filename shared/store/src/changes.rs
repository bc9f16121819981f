//! A change set: everything one request writes, committed as one transaction (or a single write when it
//! is one item). Records bring their tag copies and tag counters along; activity entries, idempotency
//! claims and the existence checks a change depends on go in the same all-or-nothing write.

use crate::Table;
use crate::activity::activity_item;
use crate::error::StoreError;
use crate::idempotency::IdempotencyClaim;
use crate::keys::{self, PK};
use crate::notes::{note_item, note_key};
use crate::records::{email_copy, record_item, record_key, tag_copy, tag_sk};
use crate::tags::TagDeltas;
use crate::tx::{Cond, OnFail, Tx, key, s};
use crm_domain::activity::Activity;
use crm_domain::events::Via;
use crm_domain::note::Note;
use crm_domain::plan::Counted;
use crm_domain::{Record, RecordKind, TenantId, UserId};

/// The attributes of a record item naming who last changed it and through what.
pub const CHANGED_BY: &str = "changed_by";
pub const CHANGED_VIA: &str = "changed_via";

/// DynamoDB's limit on the items one transaction writes or checks.
pub const MAX_TRANSACTION_ACTIONS: usize = 100;

pub struct Changes<'a> {
    pub(crate) tenant: TenantId,
    pub(crate) tx: Tx<'a>,
    tags: TagDeltas,
    /// Who makes the change (the actor of its activity entries) and through what: stamped on every
    /// record it writes, so the table's stream can say who did what.
    author: Option<UserId>,
    via: Via,
    /// Records made less records deleted: counted against the plan once, at commit (a transaction
    /// writes the usage item at most once).
    records_added: i64,
}

impl Table {
    pub fn changes(&self, tenant: TenantId) -> Changes<'_> {
        Changes {
            tenant,
            tx: Tx::new(self),
            tags: TagDeltas::default(),
            author: None,
            via: Via::default(),
            records_added: 0,
        }
    }
}

impl Changes<'_> {
    /// A new record, with its tag copies, provided the account's plan has room for one more.
    pub fn create<R: Record>(&mut self, record: &R) -> Result<&mut Self, StoreError> {
        self.tx.put(record_item(self.tenant, record)?, Some((Cond::absent(), OnFail::VersionConflict)))?;
        self.records_added += 1;
        for tag in record.tags() {
            self.tx.put(tag_copy(self.tenant, record, tag)?, None)?;
        }
        if let Some(email) = record.email() {
            self.tx.put(email_copy(self.tenant, record, email), None)?;
        }
        self.tags.record(R::KIND, None, Some((record.owner(), record.tags())));
        Ok(self)
    }

    /// `after` replaces `before`, provided nobody changed the record since `before` was read.
    pub fn replace<R: Record>(&mut self, before: &R, after: &R) -> Result<&mut Self, StoreError> {
        let at_version = Cond::at_version(before.version());
        self.tx.put(record_item(self.tenant, after)?, Some((at_version, OnFail::VersionConflict)))?;
        let pk = keys::record(self.tenant, R::KIND, &before.id().to_string());
        for dropped in before.tags().iter().filter(|t| !after.tags().contains(t)) {
            self.tx.delete(key(pk.clone(), &tag_sk(dropped)), None)?;
        }
        for tag in after.tags() {
            self.tx.put(tag_copy(self.tenant, after, tag)?, None)?;
        }
        match (before.email(), after.email()) {
            (old, Some(new)) if old != Some(new) => _ = self.tx.put(email_copy(self.tenant, after, new), None)?,
            (Some(_), None) => _ = self.tx.delete(key(pk.clone(), keys::sk::EMAIL_COPY), None)?,
            _ => {}
        }
        self.tags.record(R::KIND, Some((before.owner(), before.tags())), Some((after.owner(), after.tags())));
        Ok(self)
    }

    /// Deletes a record and its tag copies, provided it is still at `record`'s version. Its notes and
    /// activity stay, so the log still tells who deleted what.
    pub fn remove<R: Record>(&mut self, record: &R) -> Result<&mut Self, StoreError> {
        let at_version = Cond::at_version(record.version());
        self.tx.delete(record_key::<R>(self.tenant, &record.id()), Some((at_version, OnFail::VersionConflict)))?;
        self.records_added -= 1;
        let pk = keys::record(self.tenant, R::KIND, &record.id().to_string());
        for tag in record.tags() {
            self.tx.delete(key(pk.clone(), &tag_sk(tag)), None)?;
        }
        if record.email().is_some() {
            self.tx.delete(key(pk, keys::sk::EMAIL_COPY), None)?;
        }
        self.tags.record(R::KIND, Some((record.owner(), record.tags())), None);
        Ok(self)
    }

    /// The change holds only if `user` is an active user of the tenant (an owner being assigned).
    pub fn require_active_user(&mut self, user: UserId) -> Result<&mut Self, StoreError> {
        let active = Cond::new("attribute_exists(#pk) AND #status = :active")
            .name("#pk", PK)
            .name("#status", "status")
            .value(":active", s("active"));
        self.tx.check(key(keys::user(self.tenant, user), keys::sk::USER), active, OnFail::UnknownOwner)?;
        Ok(self)
    }

    /// The change holds only if the record exists (a deal's customer, say); otherwise it fails naming
    /// `field`.
    pub fn require_record(&mut self, kind: RecordKind, id: &str, field: &'static str) -> Result<&mut Self, StoreError> {
        let exists = Cond::new("attribute_exists(#pk)").name("#pk", PK);
        self.tx.check(
            key(keys::record(self.tenant, kind, id), keys::sk::RECORD),
            exists,
            OnFail::MissingReference(field),
        )?;
        Ok(self)
    }

    pub fn log(&mut self, activity: &Activity) -> Result<&mut Self, StoreError> {
        self.tx.put(activity_item(self.tenant, activity)?, None)?;
        self.author = Some(activity.actor_id);
        Ok(self)
    }

    /// The change comes through `via` rather than the API (an inbound webhook, the Google sync).
    pub fn via(&mut self, via: Via) -> &mut Self {
        self.via = via;
        self
    }

    /// Stores the request's first result under its idempotency key; fails with `Replay` if the key
    /// was used.
    pub fn claim(&mut self, claim: &IdempotencyClaim, now_unix: i64) -> Result<&mut Self, StoreError> {
        claim.add_to(&mut self.tx, now_unix)?;
        Ok(self)
    }

    pub fn create_note(&mut self, note: &Note) -> Result<&mut Self, StoreError> {
        self.tx.put(note_item(self.tenant, note)?, Some((Cond::absent(), OnFail::VersionConflict)))?;
        Ok(self)
    }

    pub fn replace_note(&mut self, before: &Note, after: &Note) -> Result<&mut Self, StoreError> {
        self.tx
            .put(note_item(self.tenant, after)?, Some((Cond::at_version(before.version), OnFail::VersionConflict)))?;
        Ok(self)
    }

    pub fn remove_note(&mut self, note: &Note) -> Result<&mut Self, StoreError> {
        let note_key = note_key(self.tenant, note.record_type, &note.record_id, note.id);
        self.tx.delete(note_key, Some((Cond::at_version(note.version), OnFail::VersionConflict)))?;
        Ok(self)
    }

    /// Adds another change of the same account to this one, so both commit in one transaction: its
    /// writes, its tag counts and its records counted against the plan. A check both make is made once.
    pub fn absorb(&mut self, other: &Changes<'_>) -> &mut Self {
        self.tx.absorb(&other.tx);
        self.tags.absorb(&other.tags);
        self.records_added += other.records_added;
        self.author = other.author.or(self.author);
        self.via = other.via;
        self
    }

    /// How many writes the change makes, tag counters included: DynamoDB takes at most
    /// [`MAX_TRANSACTION_ACTIONS`] in one transaction.
    pub fn actions(&self) -> usize {
        self.tx.len() + self.tags.updates(self.tenant).len() + usize::from(self.records_added != 0)
    }

    pub async fn commit(mut self) -> Result<(), StoreError> {
        for (tag, update) in self.tags.updates(self.tenant) {
            self.tx.update(key(keys::tag(self.tenant, &tag), keys::sk::TAG_COUNT), update, None)?;
        }
        match self.records_added {
            0 => {}
            added @ 1.. => _ = self.tx.take_many(self.tenant, Counted::Records, added.unsigned_abs())?,
            removed => _ = self.tx.give_back_many(self.tenant, Counted::Records, removed.unsigned_abs())?,
        }
        let mut stamp = vec![(CHANGED_VIA, s(self.via.as_str()))];
        if let Some(author) = self.author {
            stamp.push((CHANGED_BY, s(author.to_string())));
        }
        self.tx.stamp_puts(keys::sk::RECORD, &stamp);
        self.tx.commit().await
    }
}
