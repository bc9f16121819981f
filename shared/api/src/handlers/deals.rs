//! `/api/v1/deals` and `/api/v1/deals/{id}`: create, list, read, change and delete deals.

use crate::records::{IntoFilter, record_filter};
use crm_domain::deal::{Deal, DealPatch, DealStage, NewDeal};
use crm_domain::{DealId, UserId};
use crm_store::RecordFilter;

/// The filters of `GET /api/v1/deals`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DealFilters {
    /// Only deals in this stage
    pub stage: Option<DealStage>,
    /// Only deals of this owner
    #[param(value_type = Option<String>, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub owner_id: Option<UserId>,
    /// Only deals carrying this tag
    #[param(schema_with = crm_domain::schema::tag)]
    pub tag: Option<String>,
}

impl IntoFilter for DealFilters {
    fn into_filter(self) -> Result<RecordFilter, ApiError> {
        record_filter(self.stage.map(DealStage::as_str), self.owner_id, self.tag)
    }
}

record_routes! {
    record: Deal,
    id: DealId,
    new: NewDeal,
    patch: DealPatch,
    filters: DealFilters,
    tag: "deals",
    collection: "/api/v1/deals",
    item: "/api/v1/deals/{id}",
    summaries: [
        "Create a deal",
        "Deals, newest first, filtered and paged",
        "One deal",
        "Change a deal (null clears a field)",
        "Delete a deal (Admin, Manager)"
    ],
    operation_ids: ["deals_create", "deals_list", "deals_get", "deals_update", "deals_delete"],
}
