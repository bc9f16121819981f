//! Idempotent creation: the first result of a request is stored under its `Idempotency-Key` in the same
//! transaction as the change, so a retry gets exactly that result and writes nothing.

use crate::error::StoreError;
use crate::keys::{self, TTL};
use crate::tx::{Cond, Item, OnFail, Tx, item, n};
use crm_domain::{TenantId, UserId};
use serde::{Deserialize, Serialize};

/// How long a key is remembered.
pub const IDEMPOTENCY_WINDOW_SECONDS: i64 = 24 * 60 * 60;

/// What the caller intends to store, if the key is new.
#[derive(Clone, Debug)]
pub struct IdempotencyClaim {
    pub tenant: TenantId,
    pub user: UserId,
    /// The operation, such as `POST /api/v1/leads`.
    pub operation: String,
    pub key: String,
    pub record: IdempotencyRecord,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    /// Hash of the request body: the same key with a different body is a client error.
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    pub expires_at: i64,
}

impl crate::Table {
    /// The stored result of an earlier request with this key, if it has not expired.
    pub async fn idempotency_record(
        &self,
        tenant: TenantId,
        user: UserId,
        operation: &str,
        key: &str,
        now_unix: i64,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let pk = keys::idempotency(tenant, user, operation, key);
        let found = self.get_item(crate::tx::key(pk, keys::sk::IDEMPOTENCY), true).await?;
        let record: Option<IdempotencyRecord> = found.map(serde_dynamo::from_item).transpose()?;
        Ok(record.filter(|r| r.expires_at > now_unix))
    }
}

impl IdempotencyClaim {
    /// Adds the claim to a transaction: it succeeds only if the key is unused (or its record expired,
    /// since TTL deletion lags).
    pub(crate) fn add_to(&self, tx: &mut Tx<'_>, now_unix: i64) -> Result<(), StoreError> {
        let pk = keys::idempotency(self.tenant, self.user, &self.operation, &self.key);
        let mut record: Item = item(&self.record, [(keys::PK, pk), (keys::SK, keys::sk::IDEMPOTENCY.to_owned())])?;
        record.insert(TTL.to_owned(), n(self.record.expires_at));
        let unused = Cond::new("attribute_not_exists(#pk) OR #ttl < :now")
            .name("#pk", keys::PK)
            .name("#ttl", TTL)
            .value(":now", n(now_unix));
        tx.put(record, Some((unused, OnFail::Replay)))?;
        Ok(())
    }
}
