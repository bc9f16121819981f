//! Record operations — create, change, delete — taking and returning domain values. The API, the inbound
//! webhooks and the Google Contacts sync all call them, so policy, validation and the activity entry
//! written with each change are the same whoever makes it (and the table's stream turns each into the same
//! events). An operation prepares its writes; the caller adds what it needs to the same transaction (an
//! idempotency claim, a contact link) and commits.

pub mod notes;

use crm_domain::activity::{Action, Activity};
use crm_domain::clock::Timestamp;
use crm_domain::customer::Customer;
use crm_domain::deal::{Deal, NewDeal};
use crm_domain::events::Via;
use crm_domain::lead::Lead;
use crm_domain::merge::{self, MergeJob, MergeRefused, Mergeable};
use crm_domain::record::{NewRecord, RecordPatch};
use crm_domain::validation::FieldError;
use crm_domain::{Actor, Denied, Invalid, Record, RecordId, RecordKind, UserId, policy};
use crm_store::{Changes, StoreError, Table};

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Denied(#[from] Denied),
    /// No such record in the caller's account (or one the caller may not see).
    #[error("not found")]
    NotFound,
    /// The record was merged into another, which the caller may follow (it saw the record).
    #[error("the {} was merged into {} {}", kind.entity(), kind.entity(), into.survivor_id)]
    Merged { kind: RecordKind, into: crm_store::MergedInto },
    /// A field names a record the caller's account does not have (or the caller cannot see).
    #[error("{field} {detail}")]
    MissingReference { field: &'static str, detail: String },
    /// The caller expected another version of the record.
    #[error("the record's version does not match")]
    PreconditionFailed,
    /// The record's state refuses the operation (a lead converted already).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Writes ready to commit, and what they make.
pub struct Prepared<'t, T> {
    pub value: T,
    pub changes: Changes<'t>,
}

impl<T> Prepared<'_, T> {
    pub async fn commit(self) -> Result<T, StoreError> {
        self.changes.commit().await?;
        Ok(self.value)
    }
}

/// A change that changes something, or the record as it is.
pub enum Changed<'t, R> {
    Unchanged(R),
    Prepared(Prepared<'t, R>),
}

/// A record of the actor's tenant that the actor may see; anything else is "not found".
/// A record merged into another is "not found" too, but says where it went to whoever could see it.
pub async fn visible<R: Record>(table: &Table, actor: &Actor, id: R::Id) -> Result<R, CoreError> {
    let Some(record) = table.record::<R>(actor.tenant, id).await? else {
        let merged = table.merged_into(actor.tenant, R::KIND, &id.to_string()).await?;
        return Err(match merged {
            Some(merged) if policy::view_record(actor, merged.owner).is_ok() => {
                CoreError::Merged { kind: R::KIND, into: merged }
            }
            _ => CoreError::NotFound,
        });
    };
    policy::view_record(actor, record.owner())?;
    Ok(record)
}

/// The owner of a visible record of any kind, named by its kind and id as text.
pub async fn visible_owner(table: &Table, actor: &Actor, kind: RecordKind, id: &str) -> Result<UserId, CoreError> {
    async fn owner<R: Record>(table: &Table, actor: &Actor, id: &str) -> Result<UserId, CoreError> {
        let id = R::Id::parse(id).ok_or(CoreError::NotFound)?;
        Ok(visible::<R>(table, actor, id).await?.owner())
    }
    match kind {
        RecordKind::Lead => owner::<Lead>(table, actor, id).await,
        RecordKind::Customer => owner::<Customer>(table, actor, id).await,
        RecordKind::Deal => owner::<Deal>(table, actor, id).await,
    }
}

/// A new record as `actor` makes it: the owner the policy settles on, the fields checked, the records it
/// names visible to the actor, the owner an active user, and its activity entry.
pub async fn create<'t, R: Record, N: NewRecord<R>>(
    table: &'t Table,
    actor: &Actor,
    input: N,
    now: Timestamp,
) -> Result<Prepared<'t, R>, CoreError> {
    let owner = policy::owner_for_new_record(actor, input.requested_owner())?;
    let references = input.references();
    let record = input.validate(owner, now)?;
    let mut changes = table.changes(actor.tenant);
    for (kind, id, field) in references {
        // A reference the actor cannot see is as good as missing.
        visible_owner(table, actor, kind, &id).await.map_err(|_| CoreError::MissingReference {
            field,
            detail: format!("names no {} of this account", kind.entity()),
        })?;
        changes.require_record(kind, &id, field)?;
    }
    let id = record.id().to_string();
    changes.create(&record)?;
    if record.owner() != actor.user {
        changes.require_active_user(record.owner())?;
    }
    changes.log(&Activity::record(R::KIND.entity(), &id, Action::Created, actor.user, &now.rfc3339(), Vec::new()))?;
    Ok(Prepared { value: record, changes })
}

/// `before` changed by `patch` as `actor` may change it, at the version the actor expects (if it said).
pub fn update<'t, R: Record, P: RecordPatch<R>>(
    table: &'t Table,
    actor: &Actor,
    before: R,
    expected: Option<u64>,
    patch: P,
    now: Timestamp,
) -> Result<Changed<'t, R>, CoreError> {
    policy::edit_record(actor, before.owner())?;
    if expected.is_some_and(|v| v != before.version()) {
        return Err(CoreError::PreconditionFailed);
    }
    let update = patch.apply(&before, now)?;
    if update.changes.is_empty() {
        return Ok(Changed::Unchanged(before));
    }
    let mut changes = table.changes(actor.tenant);
    changes.replace(&before, &update.record)?;
    if update.changed("owner_id") {
        policy::reassign_record(actor)?;
        changes.require_active_user(update.record.owner())?;
    }
    let action = Action::for_changes(&update.changes);
    let id = before.id().to_string();
    changes.log(&Activity::record(R::KIND.entity(), &id, action, actor.user, &now.rfc3339(), update.changes))?;
    Ok(Changed::Prepared(Prepared { value: update.record, changes }))
}

/// `record` deleted as `actor` may delete it, at the version the actor expects (if it said).
pub fn delete<'t, R: Record>(
    table: &'t Table,
    actor: &Actor,
    record: R,
    expected: Option<u64>,
    now: Timestamp,
) -> Result<Prepared<'t, ()>, CoreError> {
    policy::delete_record(actor, record.owner())?;
    if expected.is_some_and(|v| v != record.version()) {
        return Err(CoreError::PreconditionFailed);
    }
    let mut changes = table.changes(actor.tenant);
    changes.remove(&record)?;
    let id = record.id().to_string();
    changes.log(&Activity::record(R::KIND.entity(), &id, Action::Deleted, actor.user, &now.rfc3339(), Vec::new()))?;
    Ok(Prepared { value: (), changes })
}

/// What a conversion made: the lead (now `converted`), its new customer and the deal opened with them.
pub struct Conversion {
    pub lead: Lead,
    pub customer: Customer,
    pub deal: Option<Deal>,
}

/// `lead` converted by `actor` into a customer, with a deal for them when `deal` is given (its customer
/// is the new one; errors name its fields under `deal.`), each with its activity entry.
pub fn convert<'t>(
    table: &'t Table,
    actor: &Actor,
    lead: Lead,
    expected: Option<u64>,
    deal: Option<NewDeal>,
    now: Timestamp,
) -> Result<Prepared<'t, Conversion>, CoreError> {
    policy::edit_record(actor, lead.owner_id)?;
    if expected.is_some_and(|v| v != lead.version) {
        return Err(CoreError::PreconditionFailed);
    }
    let customer = Customer::from_lead(&lead, now);
    let converted = lead.convert(customer.id, now).map_err(|refused| CoreError::Conflict(refused.to_string()))?;
    let deal = deal
        .map(|terms| {
            let terms = NewDeal { customer_id: Some(customer.id), lead_id: None, owner_id: None, ..terms };
            terms.validate(lead.owner_id, now).map_err(|Invalid(errors)| {
                let errors = errors.into_iter().map(|e| FieldError { field: format!("deal.{}", e.field), ..e });
                CoreError::Invalid(Invalid(errors.collect()))
            })
        })
        .transpose()?;
    let at = now.rfc3339();
    let mut conversion = Activity::record("lead", lead.id, Action::Converted, actor.user, &at, converted.changes)
        .with("customer_id", customer.id);
    let mut changes = table.changes(actor.tenant);
    changes.replace(&lead, &converted.record)?;
    changes.create(&customer)?;
    let created = Activity::record("customer", customer.id, Action::Created, actor.user, &at, Vec::new());
    changes.log(&created.with("lead_id", lead.id))?;
    if let Some(deal) = &deal {
        conversion = conversion.with("deal_id", deal.id);
        changes.create(deal)?;
        let opened = Activity::record("deal", deal.id, Action::Created, actor.user, &at, Vec::new());
        changes.log(&opened.with("customer_id", customer.id))?;
    }
    changes.log(&conversion)?;
    // One action stays free for the idempotency claim the caller may add.
    let excess = (changes.actions() + 1).saturating_sub(crm_store::MAX_TRANSACTION_ACTIONS);
    if excess > 0 {
        let detail = format!(
            "too many tags to convert in one step: the customer takes the lead's {} tags, so the deal must carry \
             fewer tags (each tag the lead lacks counts twice; {excess} too many)",
            lead.tags.len()
        );
        return Err(CoreError::Invalid(Invalid(vec![FieldError::new("deal.tags", detail)])));
    }
    Ok(Prepared { value: Conversion { lead: converted.record, customer, deal }, changes })
}

/// What a merge did: the survivor as it is now, and what is left to move to it from the duplicate.
pub struct Merged<R> {
    pub survivor: R,
    pub rest: MergeJob,
}

/// `duplicate` merged into `survivor` by `actor` (who must be able to change the one and delete the other),
/// at the survivor's version the actor expects (if it said): the survivor takes the duplicate's fields where
/// it has none, their tags and the duplicate's conversion (the record converted with it is re-pointed); the
/// duplicate is deleted, leaving a redirect; both timelines get the merge. Its notes, timeline and deals are
/// left for a job to move ([`Merged::rest`]).
pub async fn merge<'t, R: Mergeable>(
    table: &'t Table,
    actor: &Actor,
    survivor: R,
    duplicate: R,
    expected: Option<u64>,
    now: Timestamp,
) -> Result<Prepared<'t, Merged<R>>, CoreError> {
    policy::edit_record(actor, survivor.owner())?;
    policy::delete_record(actor, duplicate.owner())?;
    if expected.is_some_and(|v| v != survivor.version()) {
        return Err(CoreError::PreconditionFailed);
    }
    let update = merge::merged(&survivor, &duplicate, now).map_err(|refused| match refused {
        MergeRefused::BothConverted(_) => CoreError::Conflict(refused.to_string()),
        MergeRefused::Itself | MergeRefused::TooManyTags(_) => {
            CoreError::Invalid(Invalid(vec![FieldError::new("duplicate_id", refused.to_string())]))
        }
    })?;
    let (survivor_id, duplicate_id) = (survivor.id().to_string(), duplicate.id().to_string());
    let entity = R::KIND.entity();
    let at = now.rfc3339();
    let mut changes = table.changes(actor.tenant);
    changes.via(Via::Merge);
    changes.replace(&survivor, &update.record)?;
    changes.remove(&duplicate)?;
    let gone = Activity::record(entity, &duplicate_id, Action::Merged, actor.user, &at, Vec::new());
    let gone = gone.with("merged_into", &survivor_id);
    changes.redirect(&duplicate, &survivor.id(), gone.id)?;
    if duplicate.counterpart().is_some() && update.record.counterpart() == duplicate.counterpart() {
        repoint_counterpart(table, actor, &mut changes, &duplicate, survivor.id(), now).await?;
    }
    let merged = Activity::record(entity, &survivor_id, Action::Merged, actor.user, &at, update.changes);
    changes.log(&merged.with("duplicate_id", &duplicate_id))?;
    changes.log(&gone)?;
    let rest = MergeJob { kind: R::KIND, survivor_id, duplicate_id, entry: gone.id };
    Ok(Prepared { value: Merged { survivor: update.record, rest }, changes })
}

/// Points the record a merged duplicate was converted from or into at the survivor, with its entry.
async fn repoint_counterpart<R: Mergeable>(
    table: &Table,
    actor: &Actor,
    changes: &mut Changes<'_>,
    duplicate: &R,
    survivor: R::Id,
    now: Timestamp,
) -> Result<(), CoreError> {
    let Some(id) = duplicate.counterpart() else { return Ok(()) };
    let Some(counterpart) = table.record::<R::Counterpart>(actor.tenant, id).await? else { return Ok(()) };
    let Some(update) = R::repoint(&counterpart, duplicate.id(), survivor, now) else { return Ok(()) };
    changes.replace(&counterpart, &update.record)?;
    let entity = <R::Counterpart as Record>::KIND.entity();
    changes.log(&Activity::record(entity, id, Action::Updated, actor.user, &now.rfc3339(), update.changes))?;
    Ok(())
}
