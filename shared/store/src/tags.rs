//! Tag usage counters: one item per tag and tenant, kept in step with the records in the same
//! transaction, and listed alphabetically through the tenant's tag index.

use crate::Table;
use crate::cursor::{ListScope, Page, PageRequest};
use crate::error::StoreError;
use crate::keys::{self, Index};
use crate::read::ListQuery;
use crate::tx::{Cond, n};
use crm_domain::RecordKind;
use crm_domain::{TenantId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TagCount {
    pub tag: String,
    #[serde(default)]
    pub leads: i64,
    #[serde(default)]
    pub customers: i64,
    #[serde(default)]
    pub deals: i64,
    #[serde(default)]
    pub total: i64,
}

/// Net changes to tag counts within one transaction: the tenant's counts and each owner's. An owner's
/// counts are attributes of the same counter item (`o#<user>#leads`, …), so scoping the counts to the
/// records a Sales user owns costs no extra transaction actions.
#[derive(Debug, Default)]
pub(crate) struct TagDeltas(BTreeMap<String, TagDelta>);

#[derive(Debug, Default, PartialEq, Eq)]
struct TagDelta {
    tenant: [i64; 3],
    owners: BTreeMap<UserId, [i64; 3]>,
}

impl TagDelta {
    fn add(&mut self, kind: RecordKind, owner: UserId, by: i64) {
        self.tenant[slot(kind)] += by;
        self.owners.entry(owner).or_default()[slot(kind)] += by;
    }

    fn is_zero(&self) -> bool {
        self.tenant.iter().chain(self.owners.values().flatten()).all(|c| *c == 0)
    }
}

fn slot(kind: RecordKind) -> usize {
    match kind {
        RecordKind::Lead => 0,
        RecordKind::Customer => 1,
        RecordKind::Deal => 2,
    }
}

const COUNT_NAMES: [&str; 3] = ["leads", "customers", "deals"];

/// The attribute holding one owner's count of a kind (`slot` 3 is their total).
fn owner_attribute(owner: UserId, slot: usize) -> String {
    format!("o#{owner}#{}", COUNT_NAMES.get(slot).copied().unwrap_or("total"))
}

/// A record as it stood before or after a change: who owned it and its tags.
pub(crate) type Tagged<'a> = (UserId, &'a [String]);

impl TagDeltas {
    /// Counts a record going from `before` to `after` (`None`: it did not or no longer exists).
    pub fn record(&mut self, kind: RecordKind, before: Option<Tagged<'_>>, after: Option<Tagged<'_>>) {
        if let Some((owner, tags)) = before {
            for tag in tags {
                self.0.entry(tag.clone()).or_default().add(kind, owner, -1);
            }
        }
        if let Some((owner, tags)) = after {
            for tag in tags {
                self.0.entry(tag.clone()).or_default().add(kind, owner, 1);
            }
        }
    }

    /// Adds another change's counts to these.
    pub fn absorb(&mut self, other: &TagDeltas) {
        for (tag, delta) in &other.0 {
            let mine = self.0.entry(tag.clone()).or_default();
            for (count, more) in mine.tenant.iter_mut().zip(delta.tenant) {
                *count += more;
            }
            for (owner, counts) in &delta.owners {
                for (count, more) in mine.owners.entry(*owner).or_default().iter_mut().zip(counts) {
                    *count += more;
                }
            }
        }
    }

    /// One update per tag whose counts changed: `(tag, update expression)`.
    pub fn updates(&self, tenant: TenantId) -> Vec<(String, Cond)> {
        self.0
            .iter()
            .filter(|(_, delta)| !delta.is_zero())
            .map(|(tag, delta)| {
                let [leads, customers, deals] = delta.tenant;
                let mut additions = vec!["leads :leads, customers :customers, deals :deals, #total :total".to_owned()];
                let mut update = Cond::new("")
                    .name("#tag", "tag")
                    .name("#gpk", Index::Gsi1.pk())
                    .name("#gsk", Index::Gsi1.sk())
                    .name("#total", "total")
                    .value(":tag", crate::tx::s(tag))
                    .value(":gpk", crate::tx::s(keys::tags_of(tenant)))
                    .value(":leads", n(leads))
                    .value(":customers", n(customers))
                    .value(":deals", n(deals))
                    .value(":total", n(leads + customers + deals));
                for (index, (owner, counts)) in
                    delta.owners.iter().filter(|(_, c)| c.iter().any(|c| *c != 0)).enumerate()
                {
                    let total = counts.iter().sum::<i64>();
                    for (slot, count) in counts.iter().chain([&total]).enumerate() {
                        let (name, value) = (format!("#o{index}_{slot}"), format!(":o{index}_{slot}"));
                        additions.push(format!("{name} {value}"));
                        update = update.name(&name, &owner_attribute(*owner, slot)).value(&value, n(*count));
                    }
                }
                update.expr = format!("SET #tag = :tag, #gpk = :gpk, #gsk = :tag ADD {}", additions.join(", "));
                (tag.clone(), update)
            })
            .collect()
    }
}

/// Whose records a tag listing counts.
#[derive(Clone, Copy, Debug)]
pub enum TagScope {
    Tenant,
    OwnedBy(UserId),
}

fn owned_count(item: &crate::tx::Item, owner: UserId, tag: String) -> TagCount {
    let count = |slot| {
        item.get(&owner_attribute(owner, slot)).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0)
    };
    TagCount { tag, leads: count(0), customers: count(1), deals: count(2), total: count(3) }
}

impl Table {
    /// A tenant's tags in use, alphabetically, with how many records of each kind carry them: all of the
    /// tenant's records, or only those one user owns.
    pub async fn tags(
        &self,
        tenant: TenantId,
        scope: TagScope,
        page: &PageRequest,
    ) -> Result<Page<TagCount>, StoreError> {
        let list = ListScope {
            tenant_prefix: keys::tenant_prefix(tenant),
            index: Some(Index::Gsi1),
            partition: keys::tags_of(tenant),
            shape: "tags".into(),
        };
        let total = match scope {
            TagScope::Tenant => "total".to_owned(),
            TagScope::OwnedBy(owner) => owner_attribute(owner, 3),
        };
        let in_use = Cond::new("#total > :zero").name("#total", &total).value(":zero", n(0));
        let query = ListQuery { scope: &list, sort_key_prefix: None, filter: Some(in_use), newest_first: false };
        let (items, next_cursor) = self.query_page(query, page).await?;
        let items = items
            .into_iter()
            .map(|item| {
                let counted: TagCount = serde_dynamo::from_item(item.clone())?;
                Ok(match scope {
                    TagScope::Tenant => counted,
                    TagScope::OwnedBy(owner) => owned_count(&item, owner, counted.tag),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Page { items, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn deltas_net_out_within_a_change_for_the_tenant_and_each_owner() {
        let (ada, bob) = (UserId::new(), UserId::new());
        let mut deltas = TagDeltas::default();
        deltas.record(RecordKind::Lead, Some((ada, &tags(&["a", "b"]))), Some((ada, &tags(&["b", "c"]))));
        deltas.record(RecordKind::Customer, None, Some((ada, &tags(&["a"]))));
        assert_eq!(deltas.0["a"].tenant, [-1, 1, 0]);
        assert_eq!(deltas.0["a"].owners[&ada], [-1, 1, 0]);
        assert_eq!(deltas.0["c"].tenant, [1, 0, 0]);
        assert!(deltas.0["b"].is_zero());
        // A reassignment moves the counts between owners and leaves the tenant's alone.
        deltas.record(RecordKind::Deal, Some((ada, &tags(&["d"]))), Some((bob, &tags(&["d"]))));
        assert_eq!(deltas.0["d"].tenant, [0, 0, 0]);
        assert_eq!((deltas.0["d"].owners[&ada], deltas.0["d"].owners[&bob]), ([0, 0, -1], [0, 0, 1]));
        let updates = deltas.updates(TenantId::new());
        assert_eq!(updates.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(), ["a", "c", "d"]);
        let (_, moved) = &updates[2];
        assert!(moved.names.values().any(|name| *name == format!("o#{bob}#deals")), "{:?}", moved.names);
        assert!(moved.names.values().any(|name| *name == format!("o#{ada}#total")), "{:?}", moved.names);
    }
}
