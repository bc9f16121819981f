//! `GET /api/v1/tags`: the account's tags in use, alphabetically, with how many leads, customers and deals
//! carry each. Sales users see the tags and counts of the records they own, as with the records themselves.

use crate::extract::{AppState, Claimed, Listed};
use crate::http::PageBody;
use crate::problem::ApiError;
use axum::extract::State;
use crm_store::{TagCount, TagScope};

/// Tags in use with counts per kind (for Sales, on the records they own)
#[utoipa::path(get, operation_id = "tags_list", path = "/api/v1/tags", tag = "tags", params(Listed),
    responses((status = 200, description = "A page of tags, alphabetically", body = PageBody<TagCount>)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    Claimed(claimed): Claimed,
    query: Listed,
) -> Result<PageBody<TagCount>, ApiError> {
    let read = async |actor: crm_domain::Actor| {
        let scope = if actor.role.sees_whole_tenant() { TagScope::Tenant } else { TagScope::OwnedBy(actor.user) };
        Ok(app.table.tags(actor.tenant, scope, &query.page).await?)
    };
    let (_, page) = app.confirm_while(claimed, read).await?;
    Ok(page.into())
}
