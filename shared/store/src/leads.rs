//! Leads. Each lead is an item collection `T#<tenant>#LEAD#<id>`: the lead itself, one item per tag
//! (a copy of the lead, indexed under the tag, so a tag filter is one Query), and its activity entries.

use crate::Table;
use crate::activity::activity_item;
use crate::cursor::{ListScope, Page, PageRequest};
use crate::error::StoreError;
use crate::idempotency::IdempotencyClaim;
use crate::keys::{self, Index, PK, SK};
use crate::read::ListQuery;
use crate::tx::{Cond, Item, OnFail, Tx, item, key, s};
use crate::users::active_user;
use crm_domain::activity::Activity;
use crm_domain::lead::{Lead, LeadStatus};
use crm_domain::{LeadId, TenantId, UserId};

/// Which leads a list shows. Every filter is served by an index; when several are given, the most
/// selective one picks the index and the rest filter its pages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeadFilter {
    pub status: Option<LeadStatus>,
    pub owner: Option<UserId>,
    pub tag: Option<String>,
}

fn lead_item(tenant: TenantId, lead: &Lead) -> Result<Item, StoreError> {
    let id = lead.id.to_string();
    item(
        lead,
        [
            (PK, keys::lead(tenant, lead.id)),
            (SK, keys::sk::LEAD.to_owned()),
            (Index::Gsi1.pk(), keys::leads_of(tenant)),
            (Index::Gsi1.sk(), id.clone()),
            (Index::Gsi2.pk(), keys::leads_by_status(tenant, lead.status.as_str())),
            (Index::Gsi2.sk(), id.clone()),
            (Index::Gsi3.pk(), keys::leads_by_owner(tenant, lead.owner_id)),
            (Index::Gsi3.sk(), id),
            ("tenant_id", tenant.to_string()),
            ("entity", "lead".to_owned()),
        ],
    )
}

fn tag_sk(tag: &str) -> String {
    format!("{}{tag}", keys::sk::TAG_PREFIX)
}

fn tag_item(tenant: TenantId, lead: &Lead, tag: &str) -> Result<Item, StoreError> {
    item(
        lead,
        [
            (PK, keys::lead(tenant, lead.id)),
            (SK, tag_sk(tag)),
            (Index::Gsi1.pk(), keys::leads_by_tag(tenant, tag)),
            (Index::Gsi1.sk(), lead.id.to_string()),
            ("tenant_id", tenant.to_string()),
            ("entity", "lead_tag".to_owned()),
        ],
    )
}

impl Table {
    /// Stores a new lead with its tag items and activity entry; with an idempotency claim, a repeated
    /// key fails with `Replay` and writes nothing. When `owner_must_exist`, the owner is checked to be
    /// an active user of the tenant in the same transaction.
    pub async fn create_lead(
        &self,
        tenant: TenantId,
        lead: &Lead,
        activity: &Activity,
        owner_must_exist: bool,
        idempotency: Option<&IdempotencyClaim>,
        now_unix: i64,
    ) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        if let Some(claim) = idempotency {
            claim.add_to(&mut tx, now_unix)?;
        }
        tx.put(lead_item(tenant, lead)?, Some((Cond::absent(), OnFail::VersionConflict)))?;
        for tag in &lead.tags {
            tx.put(tag_item(tenant, lead, tag)?, None)?;
        }
        if owner_must_exist {
            let (owner_key, active) = active_user(tenant, lead.owner_id);
            tx.check(owner_key, active, OnFail::UnknownOwner)?;
        }
        tx.put(activity_item(tenant, keys::lead(tenant, lead.id), activity)?, None)?;
        tx.commit().await
    }

    pub async fn lead(&self, tenant: TenantId, id: LeadId) -> Result<Option<Lead>, StoreError> {
        let record = self.get_item(key(keys::lead(tenant, id), keys::sk::LEAD), false).await?;
        Ok(record.map(serde_dynamo::from_item).transpose()?)
    }

    /// Saves `after` if the stored lead is still `before`'s version; rewrites the tag copies.
    pub async fn update_lead(
        &self,
        tenant: TenantId,
        before: &Lead,
        after: &Lead,
        activity: &Activity,
    ) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        tx.put(lead_item(tenant, after)?, Some((Cond::at_version(before.version), OnFail::VersionConflict)))?;
        for gone in before.tags.iter().filter(|t| !after.tags.contains(t)) {
            tx.delete(key(keys::lead(tenant, before.id), &tag_sk(gone)), None)?;
        }
        for tag in &after.tags {
            tx.put(tag_item(tenant, after, tag)?, None)?;
        }
        if after.owner_id != before.owner_id {
            let (owner_key, active) = active_user(tenant, after.owner_id);
            tx.check(owner_key, active, OnFail::UnknownOwner)?;
        }
        tx.put(activity_item(tenant, keys::lead(tenant, after.id), activity)?, None)?;
        tx.commit().await
    }

    /// Deletes a lead and its tag copies if it is still at `lead`'s version. Its activity stays, so
    /// the log still tells who deleted what.
    pub async fn delete_lead(&self, tenant: TenantId, lead: &Lead, activity: &Activity) -> Result<(), StoreError> {
        let pk = keys::lead(tenant, lead.id);
        let mut tx = Tx::new(self);
        tx.delete(key(pk.clone(), keys::sk::LEAD), Some((Cond::at_version(lead.version), OnFail::VersionConflict)))?;
        for tag in &lead.tags {
            tx.delete(key(pk.clone(), &tag_sk(tag)), None)?;
        }
        tx.put(activity_item(tenant, pk, activity)?, None)?;
        tx.commit().await
    }

    /// A page of a tenant's leads, newest first.
    pub async fn leads(
        &self,
        tenant: TenantId,
        filter: &LeadFilter,
        page: &PageRequest,
    ) -> Result<Page<Lead>, StoreError> {
        let (index, partition) = match (&filter.tag, filter.owner, filter.status) {
            (Some(tag), _, _) => (Index::Gsi1, keys::leads_by_tag(tenant, tag)),
            (None, Some(owner), _) => (Index::Gsi3, keys::leads_by_owner(tenant, owner)),
            (None, None, Some(status)) => (Index::Gsi2, keys::leads_by_status(tenant, status.as_str())),
            (None, None, None) => (Index::Gsi1, keys::leads_of(tenant)),
        };
        let mut conditions = Vec::new();
        let mut cond = Cond::default();
        if let Some(status) = filter.status.filter(|_| index != Index::Gsi2) {
            conditions.push("#status = :status");
            cond = cond.name("#status", "status").value(":status", s(status.as_str()));
        }
        if let Some(owner) = filter.owner.filter(|_| index == Index::Gsi1 && filter.tag.is_some()) {
            conditions.push("#owner = :owner");
            cond = cond.name("#owner", "owner_id").value(":owner", s(owner.to_string()));
        }
        let filter_cond = (!conditions.is_empty()).then(|| Cond { expr: conditions.join(" AND "), ..cond });
        let scope = ListScope {
            tenant_prefix: keys::tenant_prefix(tenant),
            index: Some(index),
            partition,
            shape: format!("{:?}", filter),
        };
        let query = ListQuery { scope: &scope, sort_key_prefix: None, filter: filter_cond, newest_first: true };
        let (items, next_cursor) = self.query_page(query, page).await?;
        let items = items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }
}
