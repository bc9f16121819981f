//! Per-tenant integration settings, and the markers that make notification delivery idempotent.

use crate::Table;
use crate::error::StoreError;
use crate::keys::{PK, TTL};
use crate::tx::{Cond, OnFail, Tx, item, key, n, s};
use crm_domain::TenantId;
use crm_domain::slack::SlackSettings;

const CONFIG: &str = "CONFIG";
/// How long a delivered event is remembered, against redelivery.
const SENT_MEMORY_SECONDS: i64 = 7 * 24 * 60 * 60;

fn slack_pk(tenant: TenantId) -> String {
    format!("T#{tenant}#INTEGRATION#SLACK")
}

impl Table {
    pub async fn slack_settings(&self, tenant: TenantId) -> Result<Option<SlackSettings>, StoreError> {
        let found = self.get_item(key(slack_pk(tenant), CONFIG), false).await?;
        Ok(found.map(serde_dynamo::from_item).transpose()?)
    }

    pub async fn put_slack_settings(&self, tenant: TenantId, settings: &SlackSettings) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        let record = item(
            settings,
            [(PK, slack_pk(tenant)), (crate::keys::SK, CONFIG.to_owned()), ("tenant_id", tenant.to_string())],
        )?;
        tx.put(record, None)?;
        tx.commit().await
    }

    /// Removes the settings; `NotFound` when there were none.
    pub async fn delete_slack_settings(&self, tenant: TenantId) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        tx.delete(
            key(slack_pk(tenant), CONFIG),
            Some((Cond::new("attribute_exists(#pk)").name("#pk", PK), OnFail::NotFound)),
        )?;
        tx.commit().await
    }

    /// Records a delivery Slack refused for good, for the admin to see.
    pub async fn record_slack_failure(&self, tenant: TenantId, error: &str, at: &str) -> Result<(), StoreError> {
        let set =
            Cond::new("SET last_error = :error, last_error_at = :at").value(":error", s(error)).value(":at", s(at));
        let mut tx = Tx::new(self);
        let exists = Cond::new("attribute_exists(#pk)").name("#pk", PK);
        tx.update(key(slack_pk(tenant), CONFIG), set, Some((exists, OnFail::NotFound)))?;
        match tx.commit().await {
            Err(StoreError::NotFound) => Ok(()),
            other => other,
        }
    }

    /// Whether a notification for this event was delivered already.
    pub async fn notification_sent(&self, tenant: TenantId, channel: &str, event_id: &str) -> Result<bool, StoreError> {
        Ok(self.get_item(key(format!("T#{tenant}#NOTIFIED#{channel}#{event_id}"), "SENT"), true).await?.is_some())
    }

    pub async fn mark_notification_sent(
        &self,
        tenant: TenantId,
        channel: &str,
        event_id: &str,
        now_unix: i64,
    ) -> Result<(), StoreError> {
        let mut marker = key(format!("T#{tenant}#NOTIFIED#{channel}#{event_id}"), "SENT");
        marker.insert(TTL.to_owned(), n(now_unix + SENT_MEMORY_SECONDS));
        let mut tx = Tx::new(self);
        tx.put(marker, None)?;
        tx.commit().await
    }
}
