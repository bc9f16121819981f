//! Leads, customers and deals. Each record is an item collection `T#<tenant>#<KIND>#<id>`: the record
//! itself, one copy per tag (indexed under the tag, so a tag filter is one Query), its notes and its
//! activity entries.

use crate::Table;
use crate::cursor::{ListScope, Page, PageRequest};
use crate::error::StoreError;
use crate::keys::{self, Index, PK, SK};
use crate::read::ListQuery;
use crate::tx::{Cond, Item, item, key, s};
use crm_domain::{Record, TenantId, UserId};
use serde::de::DeserializeOwned;

/// Which records a list shows. Every filter is served by an index; when several are given, the most
/// selective one picks the index (tag, then owner, then state) and the rest filter its pages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// A lead status or deal stage.
    pub state: Option<&'static str>,
    pub owner: Option<UserId>,
    pub tag: Option<String>,
}

pub(crate) fn record_key<R: Record>(tenant: TenantId, id: &R::Id) -> Item {
    key(keys::record(tenant, R::KIND, &id.to_string()), keys::sk::RECORD)
}

pub(crate) fn record_item<R: Record>(tenant: TenantId, record: &R) -> Result<Item, StoreError> {
    let id = record.id().to_string();
    let kind = R::KIND;
    let mut keys = vec![
        (PK, keys::record(tenant, kind, &id)),
        (SK, keys::sk::RECORD.to_owned()),
        (Index::Gsi1.pk(), keys::records_of(tenant, kind)),
        (Index::Gsi1.sk(), id.clone()),
        (Index::Gsi3.pk(), keys::records_by_owner(tenant, kind, record.owner())),
        (Index::Gsi3.sk(), id.clone()),
        ("tenant_id", tenant.to_string()),
        ("entity", kind.entity().to_owned()),
    ];
    if let Some(state) = record.state() {
        keys.push((Index::Gsi2.pk(), keys::records_by_state(tenant, kind, state)));
        keys.push((Index::Gsi2.sk(), id));
    }
    item(record, keys)
}

pub(crate) fn tag_sk(tag: &str) -> String {
    format!("{}{tag}", keys::sk::TAG_PREFIX)
}

pub(crate) fn tag_copy<R: Record>(tenant: TenantId, record: &R, tag: &str) -> Result<Item, StoreError> {
    let id = record.id().to_string();
    item(
        record,
        [
            (PK, keys::record(tenant, R::KIND, &id)),
            (SK, tag_sk(tag)),
            (Index::Gsi1.pk(), keys::records_by_tag(tenant, R::KIND, tag)),
            (Index::Gsi1.sk(), id),
            ("tenant_id", tenant.to_string()),
            ("entity", format!("{}_tag", R::KIND.entity())),
        ],
    )
}

/// A record's email copy: its id indexed under its email address, so that an import (or a search for
/// duplicates) finds the records with an address in one query. Written only when the address changes.
pub(crate) fn email_copy<R: Record>(tenant: TenantId, record: &R, email: &str) -> Item {
    let id = record.id().to_string();
    key(keys::record(tenant, R::KIND, &id), keys::sk::EMAIL_COPY)
        .into_iter()
        .chain([
            (Index::Gsi1.pk().to_owned(), s(keys::records_by_email(tenant, R::KIND, email))),
            (Index::Gsi1.sk().to_owned(), s(id.clone())),
            ("id".to_owned(), s(id)),
            ("tenant_id".to_owned(), s(tenant.to_string())),
            ("entity".to_owned(), s(format!("{}_email", R::KIND.entity()))),
        ])
        .collect()
}

impl Table {
    /// The ids of a tenant's records of a kind with this (canonical) email address, oldest first; at most
    /// `limit`. Read from an index, so a record written a moment ago may be missing.
    pub async fn records_with_email(
        &self,
        tenant: TenantId,
        kind: crm_domain::RecordKind,
        email: &str,
        limit: i32,
    ) -> Result<Vec<String>, StoreError> {
        let query = self.partition_query(Some(Index::Gsi1), keys::records_by_email(tenant, kind, email));
        let output = query.limit(limit).send().await?;
        Ok(output.items().iter().filter_map(|item| item.get("id")?.as_s().ok().cloned()).collect())
    }

    /// Writes the email copies of records (background work: a reindex fills in the copies of records
    /// written before they existed). A copy is a hint: whoever follows one reads the record itself.
    pub async fn put_email_copies<R: Record>(&self, tenant: TenantId, records: &[R]) -> Result<(), StoreError> {
        let mut writes = Vec::new();
        for record in records {
            if let Some(email) = record.email() {
                let put =
                    aws_sdk_dynamodb::types::PutRequest::builder().set_item(Some(email_copy(tenant, record, email)));
                writes.push(aws_sdk_dynamodb::types::WriteRequest::builder().put_request(put.build()?).build());
            }
        }
        self.write_all(writes).await
    }

    pub async fn record<R: Record>(&self, tenant: TenantId, id: R::Id) -> Result<Option<R>, StoreError> {
        let found = self.get_item(record_key::<R>(tenant, &id), false).await?;
        Ok(found.map(serde_dynamo::from_item).transpose()?)
    }

    /// Records of a kind by id, those that exist, in no particular order (one BatchGetItem per 100).
    pub async fn records_by_id<R: Record>(&self, tenant: TenantId, ids: &[R::Id]) -> Result<Vec<R>, StoreError> {
        let items = self.batch_get(ids.iter().map(|id| record_key::<R>(tenant, id)).collect(), false).await?;
        Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
    }

    /// The owner of a record of any kind, by its id as text.
    pub async fn record_owner(
        &self,
        tenant: TenantId,
        kind: crm_domain::RecordKind,
        id: &str,
    ) -> Result<Option<UserId>, StoreError> {
        let found = self.get_item(key(keys::record(tenant, kind, id), keys::sk::RECORD), false).await?;
        Ok(found.and_then(|item| item.get("owner_id").and_then(|v| v.as_s().ok()).and_then(|o| UserId::parse(o))))
    }

    /// A page of a tenant's records of one kind, newest first.
    pub async fn records<R: Record>(
        &self,
        tenant: TenantId,
        filter: &RecordFilter,
        page: &PageRequest,
    ) -> Result<Page<R>, StoreError> {
        let kind = R::KIND;
        let (index, partition) = match (&filter.tag, filter.owner, filter.state) {
            (Some(tag), _, _) => (Index::Gsi1, keys::records_by_tag(tenant, kind, tag)),
            (None, Some(owner), _) => (Index::Gsi3, keys::records_by_owner(tenant, kind, owner)),
            (None, None, Some(state)) => (Index::Gsi2, keys::records_by_state(tenant, kind, state)),
            (None, None, None) => (Index::Gsi1, keys::records_of(tenant, kind)),
        };
        let mut conditions = Vec::new();
        let mut cond = Cond::default();
        if let (Some(state), Some(field)) = (filter.state.filter(|_| index != Index::Gsi2), kind.state_field()) {
            conditions.push("#state = :state");
            cond = cond.name("#state", field).value(":state", s(state));
        }
        if let Some(owner) = filter.owner.filter(|_| filter.tag.is_some()) {
            conditions.push("#owner = :owner");
            cond = cond.name("#owner", "owner_id").value(":owner", s(owner.to_string()));
        }
        let filter_cond = (!conditions.is_empty()).then(|| Cond { expr: conditions.join(" AND "), ..cond });
        let scope = ListScope {
            tenant_prefix: keys::tenant_prefix(tenant),
            index: Some(index),
            partition,
            shape: format!("{filter:?}"),
        };
        let query = ListQuery { scope: &scope, sort_key_prefix: None, filter: filter_cond, newest_first: true };
        self.query_records(query, page).await
    }

    /// Every record of a kind in a tenant, for background work that must see them all (contact sync
    /// matching by email); never on a request path.
    pub async fn every_record<R: Record>(&self, tenant: TenantId) -> Result<Vec<R>, StoreError> {
        let items = self.partition(Some(Index::Gsi1), keys::records_of(tenant, R::KIND), None).await?;
        Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
    }

    /// One page of a query, each item read as a `T`.
    pub(crate) async fn query_records<T: DeserializeOwned>(
        &self,
        query: ListQuery<'_>,
        page: &PageRequest,
    ) -> Result<Page<T>, StoreError> {
        let (items, next_cursor) = self.query_page(query, page).await?;
        let items = items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }
}
