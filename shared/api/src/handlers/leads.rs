//! `/api/v1/leads` and `/api/v1/leads/{id}`: create, list, read, change and delete leads.

use crate::records::{IntoFilter, record_filter};
use crm_domain::lead::{Lead, LeadPatch, LeadStatus, NewLead};
use crm_domain::{LeadId, UserId};
use crm_store::RecordFilter;

/// The filters of `GET /api/v1/leads`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeadFilters {
    /// Only leads in this status
    pub status: Option<LeadStatus>,
    /// Only leads of this owner
    #[param(value_type = Option<String>, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub owner_id: Option<UserId>,
    /// Only leads carrying this tag
    #[param(schema_with = crm_domain::schema::tag)]
    pub tag: Option<String>,
}

impl IntoFilter for LeadFilters {
    fn into_filter(self) -> Result<RecordFilter, ApiError> {
        record_filter(self.status.map(LeadStatus::as_str), self.owner_id, self.tag)
    }
}

record_routes! {
    record: Lead,
    id: LeadId,
    new: NewLead,
    patch: LeadPatch,
    filters: LeadFilters,
    tag: "leads",
    collection: "/api/v1/leads",
    item: "/api/v1/leads/{id}",
    summaries: [
        "Create a lead",
        "Leads, newest first, filtered and paged",
        "One lead",
        "Change a lead (null clears a field)",
        "Delete a lead (Admin, Manager)"
    ],
    operation_ids: ["leads_create", "leads_list", "leads_get", "leads_update", "leads_delete"],
}
