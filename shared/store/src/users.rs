//! Accounts, users and the service-wide email directory.

use crate::Table;
use crate::activity::activity_item;
use crate::cursor::{ListScope, Page, PageRequest};
use crate::error::StoreError;
use crate::keys::{self, Index, PK, SK};
use crate::read::ListQuery;
use crate::tx::{Cond, OnFail, Tx, item, key, n, s, unless_condition_failed};
use crm_domain::activity::Activity;
use crm_domain::plan::{Counted, Plan};
use crm_domain::user::{Tenant, User, UserStatus};
use crm_domain::{TenantId, UserId};
use serde::{Deserialize, Serialize};

const PASSWORD_HASH: &str = "password_hash";
const SESSION_GENERATION: &str = "session_generation";
/// On a service user: the digest of its API key's secret, the key's expiry (unix seconds) and its view.
const KEY_DIGEST: &str = "key_digest";
const KEY_EXPIRES: &str = "key_expires";
/// Unix seconds of the key's last recorded use.
const KEY_LAST_USED: &str = "key_last_used";
const KEY_VIEW: &str = "api_key";

/// What a call with an API key is checked against.
#[derive(Clone, Debug)]
pub struct StoredKey {
    pub digest: String,
    pub expires_at: Option<i64>,
    /// Unix seconds of the last recorded use.
    pub last_used: Option<i64>,
}

/// A user with the credential that only sign-in may look at.
#[derive(Clone, Debug)]
pub struct StoredUser {
    pub user: User,
    pub password_hash: String,
    /// Raised by every "sign out everywhere" (a deactivation, a password change): tokens and sessions of
    /// an earlier generation are no longer honoured.
    pub session_generation: u64,
    /// Set on the service user of an API key: only that key reaches it (it has no password).
    pub key: Option<StoredKey>,
}

#[derive(Serialize, Deserialize)]
struct EmailEntry {
    tenant_id: TenantId,
    user_id: UserId,
}

impl Table {
    /// A new account, its first user and that user's email claim, all or nothing.
    pub async fn sign_up(
        &self,
        tenant: &Tenant,
        admin: &User,
        password_hash: &str,
        activity: &Activity,
    ) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        let account = item(tenant, [(PK, keys::tenant(tenant.id)), (SK, keys::sk::TENANT.to_owned())])?;
        tx.put(account, Some((Cond::absent(), OnFail::VersionConflict)))?;
        // A new account starts on Free, its first user in its first seat.
        tx.put(
            crate::usage::new_usage_item(tenant.id, Plan::Free, 1),
            Some((Cond::absent(), OnFail::VersionConflict)),
        )?;
        self.add_user(&mut tx, admin, password_hash, activity)?;
        tx.commit().await
    }

    /// A new user of an existing account; the email is claimed in the same transaction, so two
    /// concurrent sign-ups with one address cannot both succeed.
    pub async fn create_user(&self, user: &User, password_hash: &str, activity: &Activity) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        tx.take(user.tenant_id, Counted::Seats)?;
        self.add_user(&mut tx, user, password_hash, activity)?;
        tx.commit().await
    }

    fn add_user(
        &self,
        tx: &mut Tx<'_>,
        user: &User,
        password_hash: &str,
        activity: &Activity,
    ) -> Result<(), StoreError> {
        let entry = EmailEntry { tenant_id: user.tenant_id, user_id: user.id };
        let email = item(&entry, [(PK, keys::email(&user.email)), (SK, keys::sk::EMAIL.to_owned())])?;
        tx.put(email, Some((Cond::absent(), OnFail::EmailTaken)))?;
        let pk = keys::user(user.tenant_id, user.id);
        let mut record = item(
            user,
            [
                (PK, pk.clone()),
                (SK, keys::sk::USER.to_owned()),
                (Index::Gsi1.pk(), keys::users_of(user.tenant_id)),
                (Index::Gsi1.sk(), user.id.to_string()),
            ],
        )?;
        record.insert(PASSWORD_HASH.to_owned(), s(password_hash));
        tx.put(record, Some((Cond::absent(), OnFail::VersionConflict)))?;
        tx.put(activity_item(user.tenant_id, activity)?, None)?;
        Ok(())
    }

    /// A user by id, read consistently: it decides whether a token is still honoured.
    pub async fn user(&self, tenant: TenantId, id: UserId) -> Result<Option<StoredUser>, StoreError> {
        let Some(mut record) = self.get_item(key(keys::user(tenant, id), keys::sk::USER), true).await? else {
            return Ok(None);
        };
        let password_hash = record.remove(PASSWORD_HASH).and_then(|v| v.as_s().ok().cloned()).unwrap_or_default();
        let generation = record.remove(SESSION_GENERATION).and_then(|v| v.as_n().ok().and_then(|n| n.parse().ok()));
        let key = record.remove(KEY_DIGEST).and_then(|v| v.as_s().ok().cloned()).map(|digest| StoredKey {
            digest,
            expires_at: record.get(KEY_EXPIRES).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()),
            last_used: record.get(KEY_LAST_USED).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()),
        });
        Ok(Some(StoredUser {
            user: serde_dynamo::from_item(record)?,
            password_hash,
            session_generation: generation.unwrap_or_default(),
            key,
        }))
    }

    /// The account and user an email address belongs to.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<StoredUser>, StoreError> {
        let Some(entry) = self.get_item(key(keys::email(email), keys::sk::EMAIL), true).await? else {
            return Ok(None);
        };
        let entry: EmailEntry = serde_dynamo::from_item(entry)?;
        self.user(entry.tenant_id, entry.user_id).await
    }

    /// `user_by_email` with the same reads whether or not the address is registered (a miss reads a user
    /// that cannot exist), so response times do not tell which addresses have accounts.
    pub async fn user_by_email_evenly(&self, email: &str) -> Result<Option<StoredUser>, StoreError> {
        let Some(entry) = self.get_item(key(keys::email(email), keys::sk::EMAIL), true).await? else {
            self.user(TenantId::SYSTEM, UserId::NOBODY).await?;
            return Ok(None);
        };
        let entry: EmailEntry = serde_dynamo::from_item(entry)?;
        self.user(entry.tenant_id, entry.user_id).await
    }

    /// Users of the account by id, those that exist, in no particular order (one BatchGetItem per 100).
    pub async fn users_by_id(&self, tenant: TenantId, ids: &[UserId]) -> Result<Vec<User>, StoreError> {
        let keys = ids.iter().map(|u| key(keys::user(tenant, *u), keys::sk::USER)).collect();
        let items = self.batch_get(keys, false).await?;
        Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
    }

    /// A page of an account's users, oldest first.
    pub async fn users(&self, tenant: TenantId, page: &PageRequest) -> Result<Page<User>, StoreError> {
        let scope = ListScope {
            tenant_prefix: keys::tenant_prefix(tenant),
            index: Some(Index::Gsi1),
            partition: keys::users_of(tenant),
            shape: String::new(),
        };
        let query = ListQuery { scope: &scope, sort_key_prefix: None, filter: None, newest_first: false };
        let (items, next_cursor) = self.query_page(query, page).await?;
        let items = items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    /// Stores a new API key as its service user (no email entry: nobody signs in as it), with the digest
    /// of its secret.
    pub async fn create_api_key(
        &self,
        draft: &crm_domain::api_key::KeyDraft,
        digest: &str,
        activity: &Activity,
    ) -> Result<(), StoreError> {
        let user = &draft.service_user;
        let mut record = item(
            user,
            [
                (PK, keys::user(user.tenant_id, user.id)),
                (SK, keys::sk::USER.to_owned()),
                (Index::Gsi1.pk(), keys::api_keys_of(user.tenant_id)),
                (Index::Gsi1.sk(), user.id.to_string()),
            ],
        )?;
        record.insert(KEY_DIGEST.to_owned(), s(digest));
        record.insert(KEY_VIEW.to_owned(), serde_dynamo::to_attribute_value(&draft.key)?);
        if let Some(expires) = draft.expires_at_unix {
            record.insert(KEY_EXPIRES.to_owned(), n(expires));
        }
        let mut tx = Tx::new(self);
        tx.take(user.tenant_id, Counted::ApiKeys)?;
        tx.put(record, Some((Cond::absent(), OnFail::VersionConflict)))?;
        tx.put(activity_item(user.tenant_id, activity)?, None)?;
        tx.commit().await
    }

    /// A page of an account's API keys, oldest first.
    pub async fn api_keys(
        &self,
        tenant: TenantId,
        page: &PageRequest,
    ) -> Result<Page<crm_domain::api_key::ApiKey>, StoreError> {
        let scope = ListScope {
            tenant_prefix: keys::tenant_prefix(tenant),
            index: Some(Index::Gsi1),
            partition: keys::api_keys_of(tenant),
            shape: String::new(),
        };
        let query = ListQuery { scope: &scope, sort_key_prefix: None, filter: None, newest_first: false };
        let (items, next_cursor) = self.query_page(query, page).await?;
        let items = items
            .into_iter()
            .map(|mut item| {
                let view = item.remove(KEY_VIEW).ok_or(StoreError::NotFound)?;
                let mut key: crm_domain::api_key::ApiKey = serde_dynamo::from_attribute_value(view)?;
                // The service user's status is the key's: a revoked key's user is deactivated.
                let last_used = item.get(KEY_LAST_USED).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok());
                key.last_used_at =
                    last_used.and_then(crm_domain::clock::Timestamp::from_unix_seconds).map(|t| t.rfc3339());
                let user: User = serde_dynamo::from_item(item)?;
                key.status = user.status;
                Ok(key)
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Page { items, next_cursor })
    }

    /// Records that an API key was used at `now` (unix seconds), unless a use at or after `since` is
    /// recorded already (another call got there first).
    pub async fn note_key_use(&self, tenant: TenantId, id: UserId, now: i64, since: i64) -> Result<(), StoreError> {
        let noted = self
            .client()
            .update_item()
            .table_name(self.name())
            .set_key(Some(key(keys::user(tenant, id), keys::sk::USER)))
            .update_expression("SET #used = :now")
            .condition_expression("attribute_exists(#pk) AND (attribute_not_exists(#used) OR #used < :since)")
            .expression_attribute_names("#used", KEY_LAST_USED)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":since", n(since))
            .send()
            .await;
        // A use recorded meanwhile by another call is as good.
        unless_condition_failed(noted)?;
        Ok(())
    }

    /// Revokes an API key at once: its service user is deactivated and its session generation raised.
    pub async fn revoke_api_key(&self, tenant: TenantId, id: UserId, now: &str) -> Result<(), StoreError> {
        let stored = self.user(tenant, id).await?.filter(|u| u.key.is_some()).ok_or(StoreError::NotFound)?;
        if !stored.user.is_active() {
            // Revoked already: revoking again changes nothing.
            return Ok(());
        }
        let revoke = Cond::new("SET #status = :deactivated, updated_at = :now ADD #generation :one, #version :one")
            .name("#status", "status")
            .name("#generation", SESSION_GENERATION)
            .name("#version", "version")
            .value(":deactivated", s("deactivated"))
            .value(":now", s(now))
            .value(":one", n(1));
        let still_active = Cond::new("#status = :active").name("#status", "status").value(":active", s("active"));
        let mut tx = Tx::new(self);
        tx.update(key(keys::user(tenant, id), keys::sk::USER), revoke, Some((still_active, OnFail::VersionConflict)))?;
        // The key's place under the plan's limit is free again.
        tx.give_back(tenant, Counted::ApiKeys)?;
        match tx.commit().await {
            // Revoked by a concurrent request meanwhile: as above.
            Err(StoreError::VersionConflict) => Ok(()),
            other => other,
        }
    }

    /// Saves a changed user if nobody changed it since `before` was read. The password hash is untouched;
    /// a deactivation also ends every session of the user.
    pub async fn update_user(&self, before: &User, after: &User, activity: &Activity) -> Result<(), StoreError> {
        let pk = keys::user(after.tenant_id, after.id);
        let status = match after.status {
            UserStatus::Active => "active",
            UserStatus::Deactivated => "deactivated",
        };
        let deactivated = before.is_active() && !after.is_active();
        let set = Cond::new(if deactivated {
            "SET #name = :name, #role = :role, #status = :status, updated_at = :updated_at, #version = :version \
             ADD #generation :one"
        } else {
            "SET #name = :name, #role = :role, #status = :status, updated_at = :updated_at, #version = :version"
        })
        .name("#name", "name")
        .name("#role", "role")
        .name("#status", "status")
        .value(":name", s(&after.name))
        .value(":role", s(after.role.as_str()))
        .value(":status", s(status))
        .value(":updated_at", s(&after.updated_at))
        .value(":version", n(after.version));
        let set = if deactivated { set.name("#generation", SESSION_GENERATION).value(":one", n(1)) } else { set };
        let mut tx = Tx::new(self);
        tx.update(
            key(pk.clone(), keys::sk::USER),
            set,
            Some((Cond::at_version(before.version), OnFail::VersionConflict)),
        )?;
        tx.put(activity_item(after.tenant_id, activity)?, None)?;
        // Only active people hold seats: coming back takes one (if the plan has one free), leaving frees one.
        if deactivated {
            tx.give_back(after.tenant_id, Counted::Seats)?;
        } else if !before.is_active() && after.is_active() {
            tx.take(after.tenant_id, Counted::Seats)?;
        }
        tx.commit().await
    }
}

impl Table {
    /// Ends every session and token of a user ("sign out everywhere"), optionally with a new password
    /// hash; answers the new session generation, which the caller's fresh tokens carry.
    pub async fn end_sessions(
        &self,
        tenant: TenantId,
        user: UserId,
        new_password_hash: Option<&str>,
    ) -> Result<u64, StoreError> {
        let update = match new_password_hash {
            Some(_) => "ADD #generation :one SET #hash = :hash",
            None => "ADD #generation :one",
        };
        let mut request = self
            .client()
            .update_item()
            .table_name(self.name())
            .set_key(Some(key(keys::user(tenant, user), keys::sk::USER)))
            .update_expression(update)
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", keys::PK)
            .expression_attribute_names("#generation", SESSION_GENERATION)
            .expression_attribute_values(":one", n(1))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew);
        if let Some(hash) = new_password_hash {
            request = request
                .expression_attribute_names("#hash", PASSWORD_HASH)
                .expression_attribute_values(":hash", s(hash));
        }
        let output = request.send().await.map_err(|error| {
            if error.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) {
                StoreError::NotFound
            } else {
                error.into()
            }
        })?;
        let generation = output.attributes.as_ref().and_then(|a| a.get(SESSION_GENERATION));
        Ok(generation.and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or_default())
    }

    /// Which of these users exist in the tenant (one BatchGetItem per 100).
    pub async fn users_exist(&self, tenant: TenantId, users: &[UserId]) -> Result<Vec<UserId>, StoreError> {
        let mut found = Vec::new();
        for chunk in users.chunks(100) {
            let keys: Vec<_> = chunk.iter().map(|u| key(keys::user(tenant, *u), keys::sk::USER)).collect();
            let attributes = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .projection_expression("id")
                .build()?;
            let output = self.client().batch_get_item().request_items(self.name(), attributes).send().await?;
            for item in output.responses.and_then(|mut r| r.remove(self.name())).unwrap_or_default() {
                if let Some(id) = item.get("id").and_then(|v| v.as_s().ok()).and_then(|id| UserId::parse(id)) {
                    found.push(id);
                }
            }
        }
        Ok(found)
    }
}
