//! Inbound webhook endpoints. Each is stored twice in one transaction: under its tenant (for the Admin's
//! list) and in the system tenant's directory by endpoint id, so a delivery — which names only the
//! endpoint — finds its tenant and proof of origin in one GetItem.

use crate::Table;
use crate::error::StoreError;
use crate::keys::{PK, SK};
use crate::tx::{Cond, OnFail, Tx, item, key};
use crm_domain::webhook::WebhookEndpoint;
use crm_domain::{TenantId, WebhookId};
use serde::{Deserialize, Serialize};

const ENDPOINT_PREFIX: &str = "EP#";
const DIRECTORY_SK: &str = "ENDPOINT";

/// An endpoint with what proves a delivery came from its source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredWebhook {
    pub tenant: TenantId,
    pub endpoint: WebhookEndpoint,
    /// SHA-256 (hex) of the bearer token, for token-authenticated sources.
    #[serde(default)]
    pub token_sha256: Option<String>,
    /// The signing secret, encrypted, for signed sources (the signature is recomputed from it).
    #[serde(default)]
    pub sealed_secret: Option<String>,
}

fn endpoints_of(tenant: TenantId) -> String {
    format!("T#{tenant}#WEBHOOKS")
}

fn directory(id: WebhookId) -> String {
    format!("T#{}#WEBHOOK#{id}", TenantId::SYSTEM)
}

impl Table {
    pub async fn put_webhook(&self, stored: &StoredWebhook) -> Result<(), StoreError> {
        let id = stored.endpoint.id;
        let mut tx = Tx::new(self);
        let own = item(stored, [(PK, endpoints_of(stored.tenant)), (SK, format!("{ENDPOINT_PREFIX}{id}"))])?;
        tx.put(own, Some((Cond::absent(), OnFail::Duplicate)))?;
        let listed = item(stored, [(PK, directory(id)), (SK, DIRECTORY_SK.to_owned())])?;
        tx.put(listed, Some((Cond::absent(), OnFail::Duplicate)))?;
        tx.commit().await
    }

    /// A tenant's endpoints, oldest first (a handful per tenant).
    pub async fn webhooks(&self, tenant: TenantId) -> Result<Vec<StoredWebhook>, StoreError> {
        let items = self.partition(None, endpoints_of(tenant), Some(ENDPOINT_PREFIX)).await?;
        Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
    }

    /// The endpoint a delivery names, with its tenant.
    pub async fn webhook(&self, id: WebhookId) -> Result<Option<StoredWebhook>, StoreError> {
        let found = self.get_item(key(directory(id), DIRECTORY_SK), false).await?;
        Ok(found.map(serde_dynamo::from_item).transpose()?)
    }

    /// Removes an endpoint of the tenant; `NotFound` when it has no such endpoint.
    pub async fn delete_webhook(&self, tenant: TenantId, id: WebhookId) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        let exists = Cond::new("attribute_exists(#pk)").name("#pk", PK);
        tx.delete(key(endpoints_of(tenant), &format!("{ENDPOINT_PREFIX}{id}")), Some((exists, OnFail::NotFound)))?;
        tx.delete(key(directory(id), DIRECTORY_SK), None)?;
        tx.commit().await
    }
}
