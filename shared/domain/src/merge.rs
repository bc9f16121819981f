//! Merging two records of a kind into one: the survivor keeps its own fields and takes the duplicate's where
//! it has none, their tags together, and the duplicate's conversion; the duplicate's notes, timeline and
//! deals then move over to it (a job: see `crm_workers::jobs`). Pure: the core reads and writes.

use crate::clock::Timestamp;
use crate::customer::Customer;
use crate::deal::Deal;
use crate::ids::{CustomerId, LeadId};
use crate::lead::{Lead, LeadStatus};
use crate::record::{Record, RecordKind, Updated, settle};
use crate::validation::MAX_TAGS;
use serde::{Deserialize, Serialize};

/// `POST /api/v1/{kind}/{id}/merge`: the record to merge into the one the path names.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeAsked {
    /// The duplicate: a record of the same kind, deleted by the merge.
    #[schema(pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub duplicate_id: String,
}

/// What a merge job moves: from the duplicate (gone) to the survivor. `entry` is the duplicate's own merge
/// entry, which stays with it in the activity log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MergeJob {
    pub kind: RecordKind,
    pub survivor_id: String,
    pub duplicate_id: String,
    #[schema(value_type = String)]
    pub entry: crate::ActivityId,
}

/// What a merge job moved so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub notes: u64,
    pub entries: u64,
    pub deals: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeRefused {
    #[error("a record cannot be merged into itself")]
    Itself,
    #[error("both records were converted ({0}); a record keeps one conversion")]
    BothConverted(&'static str),
    #[error("together the records have {0} tags; a record has at most {MAX_TAGS}")]
    TooManyTags(usize),
}

/// A record kind that merges: how a survivor takes a duplicate's fields, and the record of the other kind
/// its conversion links it to.
pub trait Mergeable: Record {
    /// The kind a conversion links this one to (a lead's customer, a customer's lead).
    type Counterpart: Record;
    /// `self` with the duplicate's fields where it has none, and its conversion (not the version or times).
    fn absorb(&self, duplicate: &Self) -> Result<Self, MergeRefused>;
    /// The record a conversion links this one to.
    fn counterpart(&self) -> Option<<Self::Counterpart as Record>::Id>;
    /// The record converted with a merged duplicate, pointing at the survivor instead; `None` when it
    /// pointed elsewhere.
    fn repoint(
        counterpart: &Self::Counterpart,
        duplicate: Self::Id,
        survivor: Self::Id,
        now: Timestamp,
    ) -> Option<Updated<Self::Counterpart>>;
    /// Marks the record changed at `at`, at `version`.
    fn stamp(&mut self, at: String, version: u64);
}

/// The survivor after the merge, with what changed. The version moves on even when no field did: the
/// record took on another's history.
pub fn merged<R: Mergeable>(survivor: &R, duplicate: &R, now: Timestamp) -> Result<Updated<R>, MergeRefused> {
    if survivor.id() == duplicate.id() {
        return Err(MergeRefused::Itself);
    }
    let next = survivor.absorb(duplicate)?;
    if next.tags().len() > MAX_TAGS {
        return Err(MergeRefused::TooManyTags(next.tags().len()));
    }
    let mut updated = settle(survivor, next, now, |_, _, _| {});
    updated.record.stamp(now.rfc3339(), survivor.version() + 1);
    Ok(updated)
}

/// `ours`, or `theirs` when ours is empty.
fn either<T: Clone>(ours: &Option<T>, theirs: &Option<T>) -> Option<T> {
    ours.clone().or_else(|| theirs.clone())
}

/// Both records' tags, ours first.
fn union(ours: &[String], theirs: &[String]) -> Vec<String> {
    let mut tags = ours.to_vec();
    tags.extend(theirs.iter().filter(|t| !ours.contains(t)).cloned());
    tags
}

impl Mergeable for Lead {
    fn absorb(&self, duplicate: &Lead) -> Result<Lead, MergeRefused> {
        let converted = |l: &Lead| l.status == LeadStatus::Converted;
        let conversion = match (converted(self), converted(duplicate)) {
            (true, true) => return Err(MergeRefused::BothConverted("each became a customer")),
            (false, true) => (duplicate.status, duplicate.customer_id, duplicate.converted_at.clone()),
            _ => (self.status, self.customer_id, self.converted_at.clone()),
        };
        let (status, customer_id, converted_at) = conversion;
        Ok(Lead {
            email: either(&self.email, &duplicate.email),
            phone: either(&self.phone, &duplicate.phone),
            company: either(&self.company, &duplicate.company),
            source: either(&self.source, &duplicate.source),
            estimated_value: either(&self.estimated_value, &duplicate.estimated_value),
            tags: union(&self.tags, &duplicate.tags),
            status,
            customer_id,
            converted_at,
            ..self.clone()
        })
    }

    type Counterpart = Customer;

    fn counterpart(&self) -> Option<crate::CustomerId> {
        self.customer_id
    }

    fn repoint(customer: &Customer, duplicate: LeadId, survivor: LeadId, now: Timestamp) -> Option<Updated<Customer>> {
        (customer.lead_id == Some(duplicate)).then(|| {
            let next = Customer { lead_id: Some(survivor), ..customer.clone() };
            settle(customer, next, now, |c, at, v| (c.updated_at, c.version) = (at, v))
        })
    }

    fn stamp(&mut self, at: String, version: u64) {
        (self.updated_at, self.version) = (at, version);
    }
}

impl Mergeable for Customer {
    fn absorb(&self, duplicate: &Customer) -> Result<Customer, MergeRefused> {
        if self.lead_id.is_some() && duplicate.lead_id.is_some() {
            return Err(MergeRefused::BothConverted("each was converted from a lead"));
        }
        Ok(Customer {
            email: either(&self.email, &duplicate.email),
            phone: either(&self.phone, &duplicate.phone),
            company: either(&self.company, &duplicate.company),
            address: either(&self.address, &duplicate.address),
            lifetime_value: either(&self.lifetime_value, &duplicate.lifetime_value),
            lead_id: either(&self.lead_id, &duplicate.lead_id),
            tags: union(&self.tags, &duplicate.tags),
            ..self.clone()
        })
    }

    type Counterpart = Lead;

    fn counterpart(&self) -> Option<LeadId> {
        self.lead_id
    }

    fn repoint(lead: &Lead, duplicate: CustomerId, survivor: CustomerId, now: Timestamp) -> Option<Updated<Lead>> {
        (lead.customer_id == Some(duplicate)).then(|| {
            let next = Lead { customer_id: Some(survivor), ..lead.clone() };
            settle(lead, next, now, |l, at, v| (l.updated_at, l.version) = (at, v))
        })
    }

    fn stamp(&mut self, at: String, version: u64) {
        (self.updated_at, self.version) = (at, version);
    }
}

/// A deal of the duplicate (its customer, or its lead before conversion), now the survivor's; `None` for a
/// deal of anyone else.
pub fn repoint_deal(
    deal: &Deal,
    kind: RecordKind,
    duplicate: &str,
    survivor: &str,
    now: Timestamp,
) -> Option<Updated<Deal>> {
    let mut next = deal.clone();
    match kind {
        RecordKind::Customer if deal.customer_id.is_some_and(|c| c.to_string() == duplicate) => {
            next.customer_id = crate::CustomerId::parse(survivor);
        }
        RecordKind::Lead if deal.lead_id.is_some_and(|l| l.to_string() == duplicate) => {
            next.lead_id = crate::LeadId::parse(survivor);
        }
        _ => return None,
    }
    Some(settle(deal, next, now, |d, at, v| (d.updated_at, d.version) = (at, v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::NewLead;
    use crate::record::NewRecord;

    fn lead(json: &str) -> Lead {
        serde_json::from_str::<NewLead>(json).unwrap().validate(crate::UserId::new(), Timestamp::now()).unwrap()
    }

    #[test]
    fn the_survivor_keeps_its_fields_and_takes_the_duplicates_where_it_has_none() {
        let survivor = lead(r#"{"name":"Ann Lee","email":"ann@example.com","tags":["vip"]}"#);
        let duplicate =
            lead(r#"{"name":"Anne Lee","email":"other@example.com","phone":"+48 600 100 200","tags":["vip","fair"]}"#);
        let merged = merged(&survivor, &duplicate, Timestamp::now()).unwrap();
        let record = merged.record;
        assert_eq!((record.name.as_str(), record.email.as_deref()), ("Ann Lee", Some("ann@example.com")));
        assert_eq!(record.phone.as_deref(), Some("+48 600 100 200"));
        assert_eq!(record.tags, ["vip", "fair"]);
        assert_eq!(record.version, survivor.version + 1);
        let fields: Vec<_> = merged.changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["phone", "tags"]);
        // Nothing to take: the version still moves on.
        let again = super::merged(&record, &lead(r#"{"name":"Ann"}"#), Timestamp::now()).unwrap();
        assert!(again.changes.is_empty());
        assert_eq!(again.record.version, record.version + 1);
    }

    #[test]
    fn a_conversion_carries_over_but_two_do_not() {
        let now = Timestamp::now();
        let open = lead(r#"{"name":"A","status":"qualified"}"#);
        let converted = lead(r#"{"name":"B","status":"qualified"}"#).convert(crate::CustomerId::new(), now).unwrap();
        let merged = merged(&open, &converted.record, now).unwrap().record;
        assert_eq!(merged.status, LeadStatus::Converted);
        assert_eq!(merged.customer_id, converted.record.customer_id);
        assert_eq!(merged.counterpart(), converted.record.customer_id);
        let also = open.convert(crate::CustomerId::new(), now).unwrap().record;
        assert!(matches!(super::merged(&also, &converted.record, now), Err(MergeRefused::BothConverted(_))));
        assert_eq!(super::merged(&open, &open, now).unwrap_err(), MergeRefused::Itself);
    }

    #[test]
    fn tags_beyond_the_limit_refuse_the_merge() {
        let tags = |prefix: &str| (0..MAX_TAGS).map(|i| format!("\"{prefix}{i}\"")).collect::<Vec<_>>().join(",");
        let a = lead(&format!(r#"{{"name":"A","tags":[{}]}}"#, tags("a")));
        let b = lead(&format!(r#"{{"name":"B","tags":[{}]}}"#, tags("b")));
        assert_eq!(merged(&a, &b, Timestamp::now()).unwrap_err(), MergeRefused::TooManyTags(2 * MAX_TAGS));
    }

    #[test]
    fn only_the_duplicates_deals_move() {
        let now = Timestamp::now();
        let (duplicate, survivor, other) =
            (crate::CustomerId::new(), crate::CustomerId::new(), crate::CustomerId::new());
        let deal = |customer| {
            serde_json::from_value::<crate::deal::NewDeal>(serde_json::json!({
                "name": "D", "customer_id": customer, "amount": {"amount_minor": 1, "currency": "EUR"}
            }))
            .unwrap()
            .validate(crate::UserId::new(), now)
            .unwrap()
        };
        let theirs = deal(duplicate);
        let moved = repoint_deal(&theirs, RecordKind::Customer, &duplicate.to_string(), &survivor.to_string(), now);
        let moved = moved.unwrap();
        assert_eq!(moved.record.customer_id, Some(survivor));
        assert_eq!(moved.changes[0].field, "customer_id");
        let elsewhere = deal(other);
        assert!(repoint_deal(&elsewhere, RecordKind::Customer, &duplicate.to_string(), "x", now).is_none());
        assert!(repoint_deal(&theirs, RecordKind::Lead, &duplicate.to_string(), "x", now).is_none());
    }
}
