//! Outgoing webhook endpoints and their delivery logs. An account's endpoints share one small partition
//! with a counter that holds them to the limit; each endpoint's deliveries are a partition of their own,
//! newest last by id, expiring by TTL. Signing secrets are stored only sealed under `INTEGRATIONS_KEY`.

use crate::Table;
use crate::cursor::{ListScope, Page, PageRequest};
use crate::error::StoreError;
use crate::keys::{PK, SK, TTL, tenant_prefix};
use crate::read::ListQuery;
use crate::secrets::{Sealer, SecretError};
use crate::tx::{Cond, Item, OnFail, Tx, item, key, n, s, unless_condition_failed};
use aws_sdk_dynamodb::types::ReturnValue;
use crm_domain::clock::Timestamp;
use crm_domain::outgoing::{self, Delivery, Endpoint, EndpointStatus};
use crm_domain::plan::Counted;
use crm_domain::{DeliveryId, EndpointId, TenantId};
use serde::{Deserialize, Serialize};

const ENDPOINT_PREFIX: &str = "EP#";
const DELIVERY_PREFIX: &str = "D#";
/// The endpoint partition's suffix, by which the table's stream tells endpoint items.
pub const ENDPOINTS_SUFFIX: &str = "#HOOKS_OUT";
pub const ENDPOINT_SK_PREFIX: &str = ENDPOINT_PREFIX;
/// How the stream tells delivery items: `T#<tenant>#HOOKOUT#<endpoint>` / `D#<delivery>`.
pub const DELIVERIES_INFIX: &str = "#HOOKOUT#";
pub const DELIVERY_SK_PREFIX: &str = DELIVERY_PREFIX;

fn endpoints_of(tenant: TenantId) -> String {
    format!("T#{tenant}{ENDPOINTS_SUFFIX}")
}

fn endpoint_key(tenant: TenantId, id: EndpointId) -> Item {
    key(endpoints_of(tenant), &format!("{ENDPOINT_PREFIX}{id}"))
}

fn deliveries_of(tenant: TenantId, endpoint: EndpointId) -> String {
    format!("T#{tenant}{DELIVERIES_INFIX}{endpoint}")
}

fn delivery_key(tenant: TenantId, endpoint: EndpointId, id: DeliveryId) -> Item {
    key(deliveries_of(tenant, endpoint), &format!("{DELIVERY_PREFIX}{id}"))
}

/// Where an endpoint's secrets are sealed: they open nowhere else.
fn secret_place(tenant: TenantId, id: EndpointId) -> String {
    format!("T#{tenant}#HOOKOUT#{id}#SECRET")
}

/// An endpoint as stored: what the API shows, and its signing secrets, sealed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEndpoint {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    pub sealed_secret: String,
    /// The secret before the last rotation, valid until `endpoint.previous_secret_valid_until`.
    #[serde(default)]
    pub sealed_previous_secret: Option<String>,
}

impl StoredEndpoint {
    pub fn seal(tenant: TenantId, endpoint: Endpoint, secret: &str, sealer: &Sealer) -> Result<Self, SecretError> {
        let sealed_secret = sealer.seal(secret, &secret_place(tenant, endpoint.id))?;
        Ok(StoredEndpoint { endpoint, sealed_secret, sealed_previous_secret: None })
    }

    /// A new secret in place of the current one, which stays valid for the overlap.
    pub fn rotate(
        &mut self,
        tenant: TenantId,
        secret: &str,
        sealer: &Sealer,
        now: Timestamp,
    ) -> Result<(), SecretError> {
        let sealed = sealer.seal(secret, &secret_place(tenant, self.endpoint.id))?;
        self.sealed_previous_secret = Some(std::mem::replace(&mut self.sealed_secret, sealed));
        let until = now.plus_seconds(outgoing::ROTATION_OVERLAP_SECONDS);
        self.endpoint.previous_secret_valid_until = Some(until.rfc3339());
        self.endpoint.updated_at = now.rfc3339();
        Ok(())
    }

    /// The secrets a delivery at `now` is signed with: the current one, and the previous one while the
    /// rotation overlaps.
    pub fn signing_secrets(
        &self,
        tenant: TenantId,
        sealer: &Sealer,
        now: Timestamp,
    ) -> Result<Vec<String>, SecretError> {
        let place = secret_place(tenant, self.endpoint.id);
        let mut secrets = vec![sealer.open(&self.sealed_secret, &place)?];
        let overlapping =
            self.endpoint.previous_secret_valid_until.as_deref().and_then(Timestamp::parse).is_some_and(|t| t > now);
        if let (true, Some(previous)) = (overlapping, &self.sealed_previous_secret) {
            secrets.push(sealer.open(previous, &place)?);
        }
        Ok(secrets)
    }
}

fn endpoint_item(tenant: TenantId, stored: &StoredEndpoint) -> Result<Item, StoreError> {
    let mut stored_item =
        item(stored, [(PK, endpoints_of(tenant)), (SK, format!("{ENDPOINT_PREFIX}{}", stored.endpoint.id))])?;
    stored_item.insert("tenant_id".into(), s(tenant.to_string()));
    Ok(stored_item)
}

/// A delivery as stored: its log entry, and the body every attempt sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredDelivery {
    #[serde(flatten)]
    pub delivery: Delivery,
    pub body: String,
}

fn delivery_item(tenant: TenantId, stored: &StoredDelivery) -> Result<Item, StoreError> {
    let d = &stored.delivery;
    let mut stored_item =
        item(stored, [(PK, deliveries_of(tenant, d.endpoint_id)), (SK, format!("{DELIVERY_PREFIX}{}", d.id))])?;
    let made = Timestamp::parse(&d.created_at).unwrap_or_else(Timestamp::now);
    stored_item.insert(TTL.into(), n(made.plus_seconds(outgoing::DELIVERY_LOG_DAYS * 24 * 60 * 60).unix_seconds()));
    Ok(stored_item)
}

impl Table {
    /// Stores a new endpoint, unless the account's plan allows no more.
    pub async fn create_endpoint(&self, tenant: TenantId, stored: &StoredEndpoint) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        tx.take(tenant, Counted::WebhookEndpoints)?;
        tx.put(endpoint_item(tenant, stored)?, Some((Cond::absent(), OnFail::VersionConflict)))?;
        tx.commit().await
    }

    /// Whether the account has any outgoing webhook endpoint, as of now (a strongly consistent read).
    pub async fn uses_webhooks(&self, tenant: TenantId) -> Result<bool, StoreError> {
        self.partition_has(endpoints_of(tenant), ENDPOINT_PREFIX).await
    }

    /// The account's endpoints, oldest first.
    pub async fn endpoints(&self, tenant: TenantId) -> Result<Vec<StoredEndpoint>, StoreError> {
        let items = self.partition(None, endpoints_of(tenant), Some(ENDPOINT_PREFIX)).await?;
        Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
    }

    pub async fn endpoint(&self, tenant: TenantId, id: EndpointId) -> Result<Option<StoredEndpoint>, StoreError> {
        let found = self.get_item(endpoint_key(tenant, id), true).await?;
        Ok(found.map(serde_dynamo::from_item).transpose()?)
    }

    /// `after` replaces `before`, provided nobody changed the endpoint since `before` was read.
    pub async fn replace_endpoint(
        &self,
        tenant: TenantId,
        before: &StoredEndpoint,
        after: &StoredEndpoint,
    ) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        let unchanged = Cond::new("#updated = :updated AND #failures = :failures")
            .name("#updated", "updated_at")
            .name("#failures", "consecutive_failures")
            .value(":updated", s(&before.endpoint.updated_at))
            .value(":failures", n(before.endpoint.consecutive_failures));
        tx.put(endpoint_item(tenant, after)?, Some((unchanged, OnFail::VersionConflict)))?;
        tx.commit().await
    }

    /// Deletes an endpoint; `NotFound` when there is none. Its deliveries expire with their TTL.
    pub async fn delete_endpoint(&self, tenant: TenantId, id: EndpointId) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        let exists = Cond::new("attribute_exists(#pk)").name("#pk", PK);
        tx.delete(endpoint_key(tenant, id), Some((exists, OnFail::NotFound)))?;
        tx.give_back(tenant, Counted::WebhookEndpoints)?;
        tx.commit().await
    }

    /// Counts a delivery that failed for good against its endpoint, and disables the endpoint when that
    /// makes too many in a row; answers whether this call disabled it.
    pub async fn endpoint_failed(
        &self,
        tenant: TenantId,
        id: EndpointId,
        error: &str,
        now: &str,
    ) -> Result<bool, StoreError> {
        let counted = self
            .client()
            .update_item()
            .table_name(self.name())
            .set_key(Some(endpoint_key(tenant, id)))
            .update_expression("ADD #failures :one")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#failures", "consecutive_failures")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        // A deleted endpoint has nothing to count or disable.
        let Some(output) = unless_condition_failed(counted)? else { return Ok(false) };
        let failures = output
            .attributes
            .and_then(|a| a.get("consecutive_failures").and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<u32>().ok()))
            .unwrap_or(0);
        if failures < outgoing::DISABLE_AFTER_FAILURES {
            return Ok(false);
        }
        let reason = format!("{failures} deliveries in a row failed; the last: {error}");
        let disabled = self
            .client()
            .update_item()
            .table_name(self.name())
            .set_key(Some(endpoint_key(tenant, id)))
            .update_expression("SET #status = :disabled, #reason = :reason, #updated = :now")
            .condition_expression("#status = :active")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#reason", "disabled_reason")
            .expression_attribute_names("#updated", "updated_at")
            .expression_attribute_values(":disabled", s(status_name(EndpointStatus::Disabled)))
            .expression_attribute_values(":active", s(status_name(EndpointStatus::Active)))
            .expression_attribute_values(":reason", s(reason))
            .expression_attribute_values(":now", s(now))
            .send()
            .await;
        // Disabled already (by an Admin, or by a concurrent failure): not this call's doing.
        Ok(unless_condition_failed(disabled)?.is_some())
    }

    /// A delivery succeeded: the endpoint's run of failures, if it had one, is over.
    pub async fn endpoint_delivered(&self, tenant: TenantId, id: EndpointId) -> Result<(), StoreError> {
        let reset = self
            .client()
            .update_item()
            .table_name(self.name())
            .set_key(Some(endpoint_key(tenant, id)))
            .update_expression("SET #failures = :zero")
            .condition_expression("#failures > :zero")
            .expression_attribute_names("#failures", "consecutive_failures")
            .expression_attribute_values(":zero", n(0))
            .send()
            .await;
        // No run of failures to end.
        unless_condition_failed(reset)?;
        Ok(())
    }

    /// Stores a new delivery unless it is stored already (the same event dispatched again); answers
    /// whether it is new.
    pub async fn add_delivery(&self, tenant: TenantId, stored: &StoredDelivery) -> Result<bool, StoreError> {
        self.put_if_absent(delivery_item(tenant, stored)?).await
    }

    /// Saves a delivery after an attempt (or a request to deliver it again).
    pub async fn save_delivery(&self, tenant: TenantId, stored: &StoredDelivery) -> Result<(), StoreError> {
        self.client().put_item().table_name(self.name()).set_item(Some(delivery_item(tenant, stored)?)).send().await?;
        Ok(())
    }

    pub async fn delivery(
        &self,
        tenant: TenantId,
        endpoint: EndpointId,
        id: DeliveryId,
    ) -> Result<Option<StoredDelivery>, StoreError> {
        let found = self.get_item(delivery_key(tenant, endpoint, id), true).await?;
        Ok(found.map(serde_dynamo::from_item).transpose()?)
    }

    /// A page of an endpoint's deliveries, newest first.
    pub async fn deliveries(
        &self,
        tenant: TenantId,
        endpoint: EndpointId,
        page: &PageRequest,
    ) -> Result<Page<Delivery>, StoreError> {
        let scope = ListScope {
            tenant_prefix: tenant_prefix(tenant),
            index: None,
            partition: deliveries_of(tenant, endpoint),
            shape: String::new(),
        };
        let query =
            ListQuery { scope: &scope, sort_key_prefix: Some(DELIVERY_PREFIX), filter: None, newest_first: true };
        let (items, next_cursor) = self.query_page(query, page).await?;
        let items = items
            .into_iter()
            .map(|item| serde_dynamo::from_item::<_, StoredDelivery>(item).map(|d| d.delivery))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }
}

fn status_name(status: EndpointStatus) -> String {
    match serde_json::to_value(status) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_endpoints_and_deliveries_read_back_as_written() {
        let endpoint =
            serde_json::from_str::<outgoing::NewEndpoint>(r#"{"url":"https://example.com/h","events":["deal.won"]}"#)
                .unwrap()
                .validate("2026-11-29T10:00:00.000Z")
                .unwrap();
        let mut stored = StoredEndpoint { endpoint, sealed_secret: "s".into(), sealed_previous_secret: None };
        stored.endpoint.consecutive_failures = 3;
        let item = endpoint_item(TenantId::new(), &stored).unwrap();
        assert_eq!(serde_dynamo::from_item::<_, StoredEndpoint>(item).unwrap(), stored);
        let delivery = StoredDelivery {
            delivery: Delivery {
                id: DeliveryId::new(),
                endpoint_id: stored.endpoint.id,
                event_id: "evt_1".into(),
                event_type: crm_domain::events::EventKind::DealWon,
                status: crm_domain::outgoing::DeliveryStatus::Pending,
                attempts: 2,
                last_status_code: Some(503),
                last_error: None,
                last_attempt_at: None,
                next_attempt_at: None,
                created_at: "2026-11-29T10:00:00.000Z".into(),
            },
            body: "{}".into(),
        };
        let item = delivery_item(TenantId::new(), &delivery).unwrap();
        assert_eq!(serde_dynamo::from_item::<_, StoredDelivery>(item).unwrap(), delivery);
    }
}
