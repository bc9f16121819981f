//! `GET /api/v1/tags`: the account's tags in use, alphabetically, with how many leads, customers and deals
//! carry each.

use crate::extract::{AppState, Claimed, Listed};
use crate::http::PageBody;
use crate::problem::ApiError;
use axum::extract::State;
use crm_store::TagCount;

/// Tags in use with counts per kind
#[utoipa::path(get, operation_id = "tags_list", path = "/api/v1/tags", tag = "tags", params(Listed),
    responses((status = 200, description = "A page of tags, alphabetically", body = PageBody<TagCount>)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    Claimed(claimed): Claimed,
    query: Listed,
) -> Result<PageBody<TagCount>, ApiError> {
    let read = async |actor: crm_domain::Actor| Ok(app.table.tags(actor.tenant, &query.page).await?);
    let (_, page) = app.confirm_while(claimed, read).await?;
    Ok(page.into())
}
