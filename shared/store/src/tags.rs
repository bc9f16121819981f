//! Tag usage counters: one item per tag and tenant, kept in step with the records in the same
//! transaction, and listed alphabetically through the tenant's tag index.

use crate::Table;
use crate::cursor::{ListScope, Page, PageRequest};
use crate::error::StoreError;
use crate::keys::{self, Index};
use crate::read::ListQuery;
use crate::tx::{Cond, n};
use crm_domain::RecordKind;
use crm_domain::TenantId;
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

/// Net changes to tag counts within one transaction.
#[derive(Debug, Default)]
pub(crate) struct TagDeltas(BTreeMap<String, [i64; 3]>);

fn slot(kind: RecordKind) -> usize {
    match kind {
        RecordKind::Lead => 0,
        RecordKind::Customer => 1,
        RecordKind::Deal => 2,
    }
}

impl TagDeltas {
    /// Counts a record's tags going from `before` to `after`.
    pub fn record(&mut self, kind: RecordKind, before: &[String], after: &[String]) {
        for tag in before.iter().filter(|t| !after.contains(t)) {
            self.0.entry(tag.clone()).or_default()[slot(kind)] -= 1;
        }
        for tag in after.iter().filter(|t| !before.contains(t)) {
            self.0.entry(tag.clone()).or_default()[slot(kind)] += 1;
        }
    }

    /// One update per tag whose counts changed: `(tag, update expression)`.
    pub fn updates(&self, tenant: TenantId) -> Vec<(String, Cond)> {
        self.0
            .iter()
            .filter(|(_, counts)| counts.iter().any(|c| *c != 0))
            .map(|(tag, [leads, customers, deals])| {
                let update = Cond::new(
                    "SET #tag = :tag, #gpk = :gpk, #gsk = :tag ADD leads :leads, customers :customers, deals :deals, #total :total",
                )
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
                (tag.clone(), update)
            })
            .collect()
    }
}

impl Table {
    /// A tenant's tags in use, alphabetically, with how many records of each kind carry them.
    pub async fn tags(&self, tenant: TenantId, page: &PageRequest) -> Result<Page<TagCount>, StoreError> {
        let scope = ListScope {
            tenant_prefix: keys::tenant_prefix(tenant),
            index: Some(Index::Gsi1),
            partition: keys::tags_of(tenant),
            shape: "tags".into(),
        };
        let in_use = Cond::new("#total > :zero").name("#total", "total").value(":zero", n(0));
        let query = ListQuery { scope: &scope, sort_key_prefix: None, filter: Some(in_use), newest_first: false };
        self.query_records(query, page).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn deltas_net_out_within_a_change() {
        let mut deltas = TagDeltas::default();
        deltas.record(RecordKind::Lead, &tags(&["a", "b"]), &tags(&["b", "c"]));
        deltas.record(RecordKind::Customer, &[], &tags(&["a"]));
        assert_eq!(deltas.0["a"], [-1, 1, 0]);
        assert_eq!(deltas.0["c"], [1, 0, 0]);
        assert!(!deltas.0.contains_key("b"));
        let updates = deltas.updates(TenantId::new());
        assert_eq!(updates.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(), ["a", "c"]);
    }
}
