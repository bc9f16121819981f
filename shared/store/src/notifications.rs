//! Notification inboxes. A user's entries share one partition, newest last by id; while unread, an entry
//! is also in a sparse gsi1 partition of the user's unread entries, so the unread list and count read
//! only what is unread. Entries expire by TTL; a user's preferences sit beside them.

use crate::Table;
use crate::cursor::{ListScope, Page, PageRequest};
use crate::error::StoreError;
use crate::keys::{Index, PK, SK, TTL, tenant_prefix};
use crate::read::ListQuery;
use crate::tx::{Item, item, key, n, s, unless_condition_failed};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, Select};
use crm_domain::notification::{Draft, Notification, NotificationKind, Preferences};
use crm_domain::{NotificationId, TenantId, UserId};
use futures_util::future::join_all;

const ENTRY_PREFIX: &str = "N#";
const PREFERENCES: &str = "PREFS";
const READ_AT: &str = "read_at";
/// Entries marked read by one request at a time, concurrently.
const MARK_CONCURRENCY: usize = 25;

fn inbox(tenant: TenantId, user: UserId) -> String {
    format!("T#{tenant}#INBOX#{user}")
}

fn unread(tenant: TenantId, user: UserId) -> String {
    format!("T#{tenant}#UNREAD#{user}")
}

fn entry_key(tenant: TenantId, user: UserId, id: NotificationId) -> Item {
    key(inbox(tenant, user), &format!("{ENTRY_PREFIX}{id}"))
}

fn scope(tenant: TenantId, user: UserId, unread_only: bool) -> ListScope {
    ListScope {
        tenant_prefix: tenant_prefix(tenant),
        index: unread_only.then_some(Index::Gsi1),
        partition: if unread_only { unread(tenant, user) } else { inbox(tenant, user) },
        shape: String::new(),
    }
}

impl Table {
    /// Stores a notification unless it is stored already (the same event delivered again); answers
    /// whether it is new.
    pub async fn add_notification(&self, draft: &Draft) -> Result<bool, StoreError> {
        let id = draft.notification.id.to_string();
        let (tenant, user) = (draft.tenant_id, draft.recipient);
        let mut stored = item(
            &draft.notification,
            [
                (PK, inbox(tenant, user)),
                (SK, format!("{ENTRY_PREFIX}{id}")),
                (Index::Gsi1.pk(), unread(tenant, user)),
                (Index::Gsi1.sk(), id),
            ],
        )?;
        stored.insert(TTL.to_owned(), n(draft.expires_at()));
        // Absent, not null, while unread: marking it read sets it only if it is not there.
        stored.remove(READ_AT);
        self.put_if_absent(stored).await
    }

    /// A page of the user's notifications, newest first; only the unread ones if asked.
    pub async fn notifications(
        &self,
        tenant: TenantId,
        user: UserId,
        unread_only: bool,
        page: &PageRequest,
    ) -> Result<Page<Notification>, StoreError> {
        let scope = scope(tenant, user, unread_only);
        let prefix = (!unread_only).then_some(ENTRY_PREFIX);
        let query = ListQuery { scope: &scope, sort_key_prefix: prefix, filter: None, newest_first: true };
        let (items, next_cursor) = self.query_page(query, page).await?;
        let items = items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    /// How many of the user's notifications are unread.
    pub async fn unread_notifications(&self, tenant: TenantId, user: UserId) -> Result<u64, StoreError> {
        let mut count = 0u64;
        let mut start = None;
        loop {
            let query = self.partition_query(Some(Index::Gsi1), unread(tenant, user));
            let output = query.select(Select::Count).set_exclusive_start_key(start).send().await?;
            count += u64::try_from(output.count).unwrap_or(0);
            start = output.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(count);
            }
        }
    }

    /// Marks one notification read (again: it keeps its first read time); `NotFound` when the user has
    /// no such notification.
    pub async fn mark_notification_read(
        &self,
        tenant: TenantId,
        user: UserId,
        id: NotificationId,
        now: &str,
    ) -> Result<Notification, StoreError> {
        let updated = self
            .client()
            .update_item()
            .table_name(self.name())
            .set_key(Some(entry_key(tenant, user, id)))
            .update_expression("SET #read = if_not_exists(#read, :now) REMOVE #gpk, #gsk")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#read", READ_AT)
            .expression_attribute_names("#gpk", Index::Gsi1.pk())
            .expression_attribute_names("#gsk", Index::Gsi1.sk())
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":now", s(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        let output = unless_condition_failed(updated)?.ok_or(StoreError::NotFound)?;
        Ok(serde_dynamo::from_item(output.attributes.unwrap_or_default())?)
    }

    /// Marks every unread notification of the user read; answers how many were.
    pub async fn mark_all_notifications_read(
        &self,
        tenant: TenantId,
        user: UserId,
        now: &str,
    ) -> Result<u64, StoreError> {
        let unread_ids: Vec<NotificationId> = self
            .partition(Some(Index::Gsi1), unread(tenant, user), None)
            .await?
            .into_iter()
            .filter_map(|item| match item.get("id") {
                Some(AttributeValue::S(id)) => NotificationId::parse(id),
                _ => None,
            })
            .collect();
        let mut marked = 0u64;
        for chunk in unread_ids.chunks(MARK_CONCURRENCY) {
            let results = join_all(chunk.iter().map(|id| self.mark_notification_read(tenant, user, *id, now))).await;
            for result in results {
                match result {
                    Ok(_) => marked += 1,
                    // Expired meanwhile: nothing left to mark.
                    Err(StoreError::NotFound) => {}
                    Err(other) => return Err(other),
                }
            }
        }
        Ok(marked)
    }

    /// The user's preferences (every kind on until changed).
    pub async fn notification_preferences(&self, tenant: TenantId, user: UserId) -> Result<Preferences, StoreError> {
        match self.get_item(key(inbox(tenant, user), PREFERENCES), false).await? {
            Some(found) => Ok(serde_dynamo::from_item(found)?),
            None => Ok(Preferences::default()),
        }
    }

    /// Switches the named kinds on or off, leaving the others as they are; answers the preferences now.
    pub async fn set_notification_preferences(
        &self,
        tenant: TenantId,
        user: UserId,
        changes: &[(NotificationKind, bool)],
    ) -> Result<Preferences, StoreError> {
        if changes.is_empty() {
            return self.notification_preferences(tenant, user).await;
        }
        let sets: Vec<String> = changes.iter().map(|(kind, _)| format!("#{0} = :{0}", kind.as_str())).collect();
        let mut update = self
            .client()
            .update_item()
            .table_name(self.name())
            .set_key(Some(key(inbox(tenant, user), PREFERENCES)))
            .update_expression(format!("SET {}", sets.join(", ")))
            .return_values(ReturnValue::AllNew);
        for (kind, on) in changes {
            update = update
                .expression_attribute_names(format!("#{}", kind.as_str()), kind.as_str())
                .expression_attribute_values(format!(":{}", kind.as_str()), AttributeValue::Bool(*on));
        }
        let output = update.send().await?;
        Ok(serde_dynamo::from_item(output.attributes.unwrap_or_default())?)
    }
}
