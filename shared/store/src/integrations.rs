//! Per-tenant integration settings, and the markers that make notification delivery idempotent.

use crate::Table;
use crate::error::StoreError;
use crate::keys::{PK, TTL};
use crate::secrets::{Sealer, SecretError};
use crate::tx::{Cond, OnFail, Tx, item, key, n, s};
use crm_domain::TenantId;
use crm_domain::events::EventKind;
use crm_domain::slack::SlackSettings;
use serde::{Deserialize, Serialize};

const CONFIG: &str = "CONFIG";
/// How long a delivered event is remembered, against redelivery.
const SENT_MEMORY_SECONDS: i64 = 7 * 24 * 60 * 60;

fn slack_pk(tenant: TenantId) -> String {
    format!("T#{tenant}#INTEGRATION#SLACK")
}

/// Where a tenant's Slack webhook URL is sealed: it opens nowhere else.
fn slack_place(tenant: TenantId) -> String {
    slack_pk(tenant)
}

/// Slack settings as stored: the webhook URL (a credential: whoever has it can post to the channel) only
/// sealed, beside a masked form for showing it back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSlack {
    pub sealed_webhook_url: String,
    pub masked_url: String,
    pub events: Vec<EventKind>,
    pub updated_at: String,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub last_error_at: Option<String>,
}

impl StoredSlack {
    pub fn seal(tenant: TenantId, settings: &SlackSettings, sealer: &Sealer) -> Result<Self, SecretError> {
        Ok(StoredSlack {
            sealed_webhook_url: sealer.seal(&settings.webhook_url, &slack_place(tenant))?,
            masked_url: settings.masked_url(),
            events: settings.events.clone(),
            updated_at: settings.updated_at.clone(),
            last_error: settings.last_error.clone(),
            last_error_at: settings.last_error_at.clone(),
        })
    }

    /// The webhook URL, for the one worker that posts to it.
    pub fn webhook_url(&self, tenant: TenantId, sealer: &Sealer) -> Result<String, SecretError> {
        sealer.open(&self.sealed_webhook_url, &slack_place(tenant))
    }
}

impl Table {
    /// Whether the account has Slack set up, as of now (a strongly consistent read).
    pub async fn uses_slack(&self, tenant: TenantId) -> Result<bool, StoreError> {
        Ok(self.get_item(key(slack_pk(tenant), CONFIG), true).await?.is_some())
    }

    pub async fn slack_settings(&self, tenant: TenantId) -> Result<Option<StoredSlack>, StoreError> {
        let found = self.get_item(key(slack_pk(tenant), CONFIG), false).await?;
        Ok(found.map(serde_dynamo::from_item).transpose()?)
    }

    pub async fn put_slack_settings(&self, tenant: TenantId, settings: &StoredSlack) -> Result<(), StoreError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::slack::SlackSetup;

    #[test]
    fn the_webhook_url_is_kept_only_sealed_and_opens_only_for_its_tenant() {
        let sealer = Sealer::from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").unwrap();
        let url = "https://hooks.slack.com/services/T000/B000/secretpart";
        let settings = SlackSetup { webhook_url: url.into(), events: None }.validate("now").unwrap();
        let tenant = TenantId::new();
        let stored = StoredSlack::seal(tenant, &settings, &sealer).unwrap();
        let item = serde_json::to_string(&stored).unwrap();
        assert!(!item.contains("secretpart"), "{item}");
        assert_eq!(stored.masked_url, "https://hooks.slack.com/services/T000…");
        assert_eq!(stored.webhook_url(tenant, &sealer).unwrap(), url);
        assert!(stored.webhook_url(TenantId::new(), &sealer).is_err());
    }
}
