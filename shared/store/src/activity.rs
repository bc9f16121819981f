//! Activity entries live in their record's item collection (its timeline), in the tenant's activity
//! index (the log) and in the actor's (what one user did). They are always written in the same
//! transaction as the change they describe.

use crate::Table;
use crate::cursor::{ListScope, Page, PageRequest};
use crate::error::StoreError;
use crate::keys::{self, Index};
use crate::read::ListQuery;
use crate::tx::{Item, item};
use crm_domain::activity::Activity;
use crm_domain::{RecordKind, TenantId, UserId};

pub(crate) fn activity_item(tenant: TenantId, activity: &Activity) -> Result<Item, StoreError> {
    item(
        activity,
        [
            (keys::PK, keys::entity(tenant, &activity.entity, &activity.entity_id)),
            (keys::SK, format!("{}{}", keys::sk::ACTIVITY_PREFIX, activity.id)),
            (Index::Gsi1.pk(), keys::activity_of(tenant)),
            (Index::Gsi1.sk(), activity.id.to_string()),
            (Index::Gsi2.pk(), keys::activity_by_actor(tenant, activity.actor_id)),
            (Index::Gsi2.sk(), activity.id.to_string()),
            ("tenant_id", tenant.to_string()),
        ],
    )
}

impl Table {
    /// One record's history, newest first.
    pub async fn timeline(
        &self,
        tenant: TenantId,
        kind: RecordKind,
        id: &str,
        page: &PageRequest,
    ) -> Result<Page<Activity>, StoreError> {
        let scope = ListScope {
            tenant_prefix: keys::tenant_prefix(tenant),
            index: None,
            partition: keys::record(tenant, kind, id),
            shape: "timeline".into(),
        };
        let query = ListQuery {
            scope: &scope,
            sort_key_prefix: Some(keys::sk::ACTIVITY_PREFIX),
            filter: None,
            newest_first: true,
        };
        self.query_records(query, page).await
    }

    /// The tenant's activity, newest first; with `actor`, only what that user did.
    pub async fn activity(
        &self,
        tenant: TenantId,
        actor: Option<UserId>,
        page: &PageRequest,
    ) -> Result<Page<Activity>, StoreError> {
        let (index, partition) = match actor {
            Some(actor) => (Index::Gsi2, keys::activity_by_actor(tenant, actor)),
            None => (Index::Gsi1, keys::activity_of(tenant)),
        };
        let scope = ListScope {
            tenant_prefix: keys::tenant_prefix(tenant),
            index: Some(index),
            partition,
            shape: "activity".into(),
        };
        let query = ListQuery { scope: &scope, sort_key_prefix: None, filter: None, newest_first: true };
        self.query_records(query, page).await
    }
}
