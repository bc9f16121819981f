//! `GET /api/v1/api_keys` (Admin): the account's API keys (never the keys themselves).

use crate::extract::{AppState, Claimed, Listed};
use crate::http::PageBody;
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::api_key::ApiKey;
use crm_domain::policy;

/// The account's API keys (Admin)
#[utoipa::path(get, operation_id = "api_keys_list", path = "/api/v1/api_keys", tag = "users", params(Listed),
    responses((status = 200, description = "A page of API keys", body = PageBody<ApiKey>)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    Claimed(claimed): Claimed,
    query: Listed,
) -> Result<PageBody<ApiKey>, ApiError> {
    let read = async |actor: crm_domain::Actor| {
        policy::manage_api_keys(&actor)?;
        Ok(app.table.api_keys(actor.tenant, &query.page).await?)
    };
    let (_, page) = app.confirm_while(claimed, read).await?;
    Ok(page.into())
}
