//! Refresh-token sessions. A session is one sign-in and every refresh token rotated from it; only the
//! hash of the current token is stored. Presenting an older token means it leaked: the whole session
//! is revoked.

use crate::Table;
use crate::error::StoreError;
use crate::keys::{self, PK, SK, TTL};
use crate::tx::{Cond, OnFail, Tx, item, key, n, s};
use crm_domain::{SessionId, TenantId, UserId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id: SessionId,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    /// SHA-256 of the current refresh token's secret, hex.
    pub secret_hash: String,
    /// Unix seconds; also the item's TTL.
    pub expires_at: i64,
    pub revoked: bool,
    pub created_at: String,
    /// The user's session generation when it began: ending every session raises the user's.
    #[serde(default)]
    pub generation: u64,
}

impl Table {
    pub async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let mut record =
            item(session, [(PK, keys::session(session.tenant_id, session.id)), (SK, keys::sk::SESSION.to_owned())])?;
        record.insert(TTL.to_owned(), n(session.expires_at));
        let mut tx = Tx::new(self);
        tx.put(record, Some((Cond::absent(), OnFail::VersionConflict)))?;
        tx.commit().await
    }

    pub async fn session(&self, tenant: TenantId, id: SessionId) -> Result<Option<Session>, StoreError> {
        let record = self.get_item(key(keys::session(tenant, id), keys::sk::SESSION), true).await?;
        Ok(record.map(serde_dynamo::from_item).transpose()?)
    }

    /// Replaces the current secret, only if it is still `current_hash` and the session is live; a
    /// concurrent use of the same token loses with `VersionConflict`.
    pub async fn rotate_session(
        &self,
        session: &Session,
        current_hash: &str,
        next_hash: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let set = Cond::new("SET secret_hash = :next, expires_at = :exp, #ttl = :exp")
            .name("#ttl", TTL)
            .value(":next", s(next_hash))
            .value(":exp", n(expires_at));
        let only_if = Cond::new("secret_hash = :current AND revoked = :false")
            .value(":current", s(current_hash))
            .value(":false", aws_sdk_dynamodb::types::AttributeValue::Bool(false));
        let mut tx = Tx::new(self);
        tx.update(
            key(keys::session(session.tenant_id, session.id), keys::sk::SESSION),
            set,
            Some((only_if, OnFail::VersionConflict)),
        )?;
        tx.commit().await
    }

    pub async fn revoke_session(&self, tenant: TenantId, id: SessionId) -> Result<(), StoreError> {
        let set = Cond::new("SET revoked = :true").value(":true", aws_sdk_dynamodb::types::AttributeValue::Bool(true));
        let mut tx = Tx::new(self);
        tx.update(
            key(keys::session(tenant, id), keys::sk::SESSION),
            set,
            Some((Cond::new("attribute_exists(#pk)").name("#pk", PK), OnFail::NotFound)),
        )?;
        tx.commit().await
    }
}
