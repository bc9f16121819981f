//! Google Contacts: each user's connection (refresh token sealed, sync token, last outcome), the
//! one-time OAuth states of the consent flow, sync requests (which the table's stream hands to the
//! contacts-sync queue), and the links between address-book entries and CRM records.

use crate::Table;
use crate::changes::Changes;
use crate::error::StoreError;
use crate::keys::{PK, SK, TTL};
use crate::tx::{Cond, Item, OnFail, Tx, item, key, n, s};
use crm_domain::clock::Timestamp;
use crm_domain::{RecordKind, TenantId, UserId};
use serde::{Deserialize, Serialize};

/// How long a consent screen may stay open.
pub const OAUTH_STATE_SECONDS: i64 = 10 * 60;
/// Sync requests are only a trigger; they expire once the stream has passed them on.
/// How long a sync request holds its place when its run never finishes.
const SYNC_PENDING_SECONDS: i64 = 15 * 60;

fn sync_request_sk(user: UserId) -> String {
    format!("{SYNC_REQUEST_PREFIX}{user}")
}
const USER_PREFIX: &str = "USER#";
/// How the stream tells a connection item: `T#<tenant>#GOOGLE` / `USER#<user>`.
pub const CONNECTION_PREFIX: &str = USER_PREFIX;
pub const CONNECTIONS_SUFFIX: &str = "#GOOGLE";
const LINK_PREFIX: &str = "LINK#";
pub const SYNC_REQUEST_PREFIX: &str = "SYNC#";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoogleConnection {
    pub user_id: UserId,
    /// Sealed under `google_place(tenant, user)`.
    pub sealed_refresh_token: String,
    pub connected_at: String,
    #[serde(default)]
    pub sync_token: Option<String>,
    #[serde(default)]
    pub last_synced_at: Option<String>,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub imported: u64,
    #[serde(default)]
    pub pushed: u64,
    #[serde(default)]
    pub pulled: u64,
}

/// The outcome of one sync run, added to the connection's totals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncOutcome {
    pub sync_token: Option<String>,
    pub imported: u64,
    pub pushed: u64,
    pub pulled: u64,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthState {
    pub tenant: TenantId,
    pub user: UserId,
    pub expires_at: i64,
    /// The PKCE verifier of the consent request this state belongs to.
    pub code_verifier: String,
}

/// An address-book entry linked to a CRM record, with what both sides held at the last sync.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactLink {
    pub resource_name: String,
    pub kind: RecordKind,
    pub record_id: String,
    pub etag: String,
    pub fingerprint: String,
}

fn connections_of(tenant: TenantId) -> String {
    format!("T#{tenant}#GOOGLE")
}

fn links_of(tenant: TenantId, user: UserId) -> String {
    format!("T#{tenant}#GOOGLE#{user}")
}

fn link_sk(kind: RecordKind, record_id: &str) -> String {
    format!("{LINK_PREFIX}{}#{record_id}", kind.entity())
}

/// Where a connection's refresh token is sealed: it opens nowhere else.
pub fn google_place(tenant: TenantId, user: UserId) -> String {
    format!("{}#{user}", connections_of(tenant))
}

fn state_key(state: &str) -> Item {
    key(format!("T#{}#OAUTH#{}", TenantId::SYSTEM, crate::secrets::sha256_hex(state)), "STATE")
}

fn link_item(tenant: TenantId, user: UserId, link: &ContactLink) -> Result<Item, StoreError> {
    item(link, [(PK, links_of(tenant, user)), (SK, link_sk(link.kind, &link.record_id))])
}

impl Table {
    pub async fn put_oauth_state(&self, state: &str, value: &OAuthState) -> Result<(), StoreError> {
        let mut stored = item(value, [])?;
        stored.extend(state_key(state));
        stored.insert(TTL.to_owned(), n(value.expires_at));
        let mut tx = Tx::new(self);
        tx.put(stored, Some((Cond::absent(), OnFail::Duplicate)))?;
        tx.commit().await
    }

    /// The state a consent flow started with, consumed: a second use (or an expired one) finds nothing.
    pub async fn take_oauth_state(&self, state: &str, now_unix: i64) -> Result<Option<OAuthState>, StoreError> {
        let Some(found) = self.get_item(state_key(state), true).await? else { return Ok(None) };
        let value: OAuthState = serde_dynamo::from_item(found)?;
        let mut tx = Tx::new(self);
        tx.delete(state_key(state), Some((Cond::new("attribute_exists(#pk)").name("#pk", PK), OnFail::NotFound)))?;
        match tx.commit().await {
            Ok(()) => Ok((value.expires_at > now_unix).then_some(value)),
            Err(StoreError::NotFound) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// Stores (or replaces, on reconnecting) a user's connection.
    pub async fn put_google_connection(
        &self,
        tenant: TenantId,
        connection: &GoogleConnection,
    ) -> Result<(), StoreError> {
        let stored = item(
            connection,
            [
                (PK, connections_of(tenant)),
                (SK, format!("{USER_PREFIX}{}", connection.user_id)),
                ("tenant_id", tenant.to_string()),
            ],
        )?;
        let mut tx = Tx::new(self);
        tx.put(stored, None)?;
        tx.commit().await
    }

    pub async fn google_connection(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Option<GoogleConnection>, StoreError> {
        let found = self.get_item(key(connections_of(tenant), &format!("{USER_PREFIX}{user}")), true).await?;
        Ok(found.map(serde_dynamo::from_item).transpose()?)
    }

    /// Whether any user of the tenant has connected Google, as of now (a strongly consistent read).
    pub async fn uses_google(&self, tenant: TenantId) -> Result<bool, StoreError> {
        self.partition_has(connections_of(tenant), USER_PREFIX).await
    }

    /// Every connected user of a tenant (CRM changes are pushed to each one's linked entries).
    pub async fn google_connections(&self, tenant: TenantId) -> Result<Vec<GoogleConnection>, StoreError> {
        let items = self.partition(None, connections_of(tenant), Some(USER_PREFIX)).await?;
        Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
    }

    pub async fn delete_google_connection(&self, tenant: TenantId, user: UserId) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        let exists = Cond::new("attribute_exists(#pk)").name("#pk", PK);
        tx.delete(key(connections_of(tenant), &format!("{USER_PREFIX}{user}")), Some((exists, OnFail::NotFound)))?;
        tx.commit().await
    }

    /// Asks for a sync: the table's stream carries the request to the contacts-sync queue.
    /// `import_as` is what a contact unknown to the CRM becomes (a lead or a customer).
    pub async fn request_google_sync(
        &self,
        tenant: TenantId,
        user: UserId,
        import_as: RecordKind,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        // One pending request per user: the item stays until the run finishes (or, if a run dies, until it
        // expires), and a request while it is there fails the write's condition: a duplicate.
        let mut request = key(connections_of(tenant), &sync_request_sk(user));
        request.insert("tenant_id".into(), s(tenant.to_string()));
        request.insert("user_id".into(), s(user.to_string()));
        request.insert("requested_at".into(), s(now.rfc3339()));
        request.insert("import_as".into(), s(import_as.entity()));
        request.insert(TTL.into(), n(now.unix_seconds() + SYNC_PENDING_SECONDS));
        let free = Cond::new("attribute_not_exists(#pk) OR #ttl < :now")
            .name("#pk", PK)
            .name("#ttl", TTL)
            .value(":now", n(now.unix_seconds()));
        let mut tx = Tx::new(self);
        tx.put(request, Some((free, OnFail::Duplicate)))?;
        tx.commit().await
    }

    /// Records a run's outcome on the connection, unless it was disconnected meanwhile.
    pub async fn record_google_sync(
        &self,
        tenant: TenantId,
        user: UserId,
        outcome: &SyncOutcome,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut update = Cond::new(
            "SET last_synced_at = :now, last_error = :error, imported = if_not_exists(imported, :zero) + :imported, \
             pushed = if_not_exists(pushed, :zero) + :pushed, pulled = if_not_exists(pulled, :zero) + :pulled",
        )
        .value(":now", s(now.rfc3339()))
        .value(":zero", n(0))
        .value(":imported", n(outcome.imported))
        .value(":pushed", n(outcome.pushed))
        .value(":pulled", n(outcome.pulled))
        .value(
            ":error",
            match &outcome.error {
                Some(error) => s(error),
                None => aws_sdk_dynamodb::types::AttributeValue::Null(true),
            },
        );
        if let Some(token) = &outcome.sync_token {
            update.expr.push_str(", sync_token = :token");
            update = update.value(":token", s(token));
        }
        let mut tx = Tx::new(self);
        let exists = Cond::new("attribute_exists(#pk)").name("#pk", PK);
        tx.update(
            key(connections_of(tenant), &format!("{USER_PREFIX}{user}")),
            update,
            Some((exists, OnFail::NotFound)),
        )?;
        // The run is over: the next request may be queued.
        tx.delete(key(connections_of(tenant), &sync_request_sk(user)), None)?;
        match tx.commit().await {
            Err(StoreError::NotFound) => Ok(()),
            other => other,
        }
    }

    /// Forgets a sync token Google no longer accepts, so the next run is a full sync.
    pub async fn clear_google_sync_token(&self, tenant: TenantId, user: UserId) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        let exists = Cond::new("attribute_exists(#pk)").name("#pk", PK);
        tx.update(
            key(connections_of(tenant), &format!("{USER_PREFIX}{user}")),
            Cond::new("REMOVE sync_token"),
            Some((exists, OnFail::NotFound)),
        )?;
        match tx.commit().await {
            Err(StoreError::NotFound) => Ok(()),
            other => other,
        }
    }

    pub async fn contact_links(&self, tenant: TenantId, user: UserId) -> Result<Vec<ContactLink>, StoreError> {
        let items = self.partition(None, links_of(tenant, user), Some(LINK_PREFIX)).await?;
        Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
    }

    pub async fn contact_link(
        &self,
        tenant: TenantId,
        user: UserId,
        kind: RecordKind,
        record_id: &str,
    ) -> Result<Option<ContactLink>, StoreError> {
        let found = self.get_item(key(links_of(tenant, user), &link_sk(kind, record_id)), true).await?;
        Ok(found.map(serde_dynamo::from_item).transpose()?)
    }

    pub async fn put_contact_link(&self, tenant: TenantId, user: UserId, link: &ContactLink) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        tx.put(link_item(tenant, user, link)?, None)?;
        tx.commit().await
    }

    pub async fn delete_contact_link(
        &self,
        tenant: TenantId,
        user: UserId,
        kind: RecordKind,
        record_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        tx.delete(key(links_of(tenant, user), &link_sk(kind, record_id)), None)?;
        tx.commit().await
    }
}

impl Changes<'_> {
    /// Links a record created or matched by a sync to its address-book entry, in the same write.
    pub fn link_contact(&mut self, user: UserId, link: &ContactLink) -> Result<&mut Self, StoreError> {
        self.tx.put(link_item(self.tenant, user, link)?, None)?;
        Ok(self)
    }
}
