//! Request-rate counters: one item per account and rate window (a minute), counting its requests and
//! searches, expiring soon after its window. A request counts itself with one `UpdateItem` that answers
//! the new counts, so the count and the check are one call, run alongside the caller's user read.

use crate::Table;
use crate::error::StoreError;
use crate::keys::{self, TTL};
use crate::tx::{Item, key, n};
use crm_domain::TenantId;
use crm_domain::plan::{RATE_WINDOW_SECONDS, RateCount};

const REQUESTS: &str = "requests";
const SEARCHES: &str = "searches";

fn window_key(tenant: TenantId, window: i64) -> Item {
    key(format!("{}#RATE", keys::tenant(tenant)), &format!("W#{window}"))
}

fn count_of(item: &Item, name: &str) -> u64 {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

impl Table {
    /// Counts one request (and one search, if it is one) in the account's `window`; answers the window's
    /// counts with it.
    pub async fn count_request(&self, tenant: TenantId, window: i64, search: bool) -> Result<RateCount, StoreError> {
        self.add_to_window(tenant, window, search, 1).await
    }

    /// Takes back a request counted by [`Table::count_request`] (one whose caller turned out not to be
    /// who the credential claimed: a forged key must not use up an account's rate).
    pub async fn uncount_request(&self, tenant: TenantId, window: i64, search: bool) -> Result<(), StoreError> {
        self.add_to_window(tenant, window, search, -1).await.map(|_| ())
    }

    /// The account's counts in `window`, without counting.
    pub async fn request_counts(&self, tenant: TenantId, window: i64) -> Result<RateCount, StoreError> {
        let item = self.get_item(window_key(tenant, window), false).await?.unwrap_or_default();
        Ok(RateCount { requests: count_of(&item, REQUESTS), searches: count_of(&item, SEARCHES) })
    }

    async fn add_to_window(
        &self,
        tenant: TenantId,
        window: i64,
        search: bool,
        by: i64,
    ) -> Result<RateCount, StoreError> {
        let adds = if search { "#requests :by, #searches :by" } else { "#requests :by" };
        let mut update = self
            .client()
            .update_item()
            .table_name(self.name())
            .set_key(Some(window_key(tenant, window)))
            .update_expression(format!("ADD {adds} SET #ttl = :expires"))
            .expression_attribute_names("#requests", REQUESTS)
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_values(":by", n(by))
            // Gone a minute after its window closes: nothing reads a past window.
            .expression_attribute_values(":expires", n((window + 2) * RATE_WINDOW_SECONDS))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew);
        if search {
            update = update.expression_attribute_names("#searches", SEARCHES);
        }
        let item = update.send().await?.attributes.unwrap_or_default();
        Ok(RateCount { requests: count_of(&item, REQUESTS), searches: count_of(&item, SEARCHES) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_keyed_under_their_account() {
        let tenant = TenantId::new();
        let key = window_key(tenant, 42);
        assert!(key["pk"].as_s().unwrap().starts_with(&keys::tenant_prefix(tenant)));
        assert_eq!(key["sk"].as_s().unwrap(), "W#42");
    }
}
