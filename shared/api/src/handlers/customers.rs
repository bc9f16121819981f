//! `/api/v1/customers` and `/api/v1/customers/{id}`: create, list, read, change and delete customers.

use crate::records::{IntoFilter, record_filter};
use crm_domain::customer::{Customer, CustomerPatch, NewCustomer};
use crm_domain::{CustomerId, UserId};
use crm_store::RecordFilter;

/// The filters of `GET /api/v1/customers`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CustomerFilters {
    /// Only customers of this owner
    #[param(value_type = Option<String>, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub owner_id: Option<UserId>,
    /// Only customers carrying this tag
    #[param(schema_with = crm_domain::schema::tag)]
    pub tag: Option<String>,
}

impl IntoFilter for CustomerFilters {
    fn into_filter(self) -> Result<RecordFilter, ApiError> {
        record_filter(None, self.owner_id, self.tag)
    }
}

record_routes! {
    record: Customer,
    id: CustomerId,
    new: NewCustomer,
    patch: CustomerPatch,
    filters: CustomerFilters,
    tag: "customers",
    collection: "/api/v1/customers",
    item: "/api/v1/customers/{id}",
    summaries: [
        "Create a customer",
        "Customers, newest first, filtered and paged",
        "One customer",
        "Change a customer (null clears a field)",
        "Delete a customer (Admin, Manager)"
    ],
    operation_ids: ["customers_create", "customers_list", "customers_get", "customers_update", "customers_delete"],
}
