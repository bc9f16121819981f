//! Activity entries live in their record's item collection (for its timeline) and in the tenant's
//! activity index (for the log), and are always written in the same transaction as the change.

use crate::error::StoreError;
use crate::keys::{self, Index};
use crate::tx::{Item, item};
use crm_domain::TenantId;
use crm_domain::activity::Activity;

pub(crate) fn activity_item(tenant: TenantId, record_pk: String, activity: &Activity) -> Result<Item, StoreError> {
    item(
        activity,
        [
            (keys::PK, record_pk),
            (keys::SK, format!("{}{}", keys::sk::ACTIVITY_PREFIX, activity.id)),
            (Index::Gsi1.pk(), keys::activity_of(tenant)),
            (Index::Gsi1.sk(), activity.id.to_string()),
            ("tenant_id", tenant.to_string()),
        ],
    )
}
