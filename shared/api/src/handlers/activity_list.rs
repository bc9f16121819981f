//! `GET /api/v1/activity`: the account's activity log, newest first; Sales users page through what they
//! did themselves.

use crate::extract::{AppState, Claimed, Listed};
use crate::http::PageBody;
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::activity::Activity;
use crm_domain::policy;

/// The account's activity log (Sales: its own actions)
#[utoipa::path(get, operation_id = "activity_list", path = "/api/v1/activity", tag = "activity", params(Listed),
    responses((status = 200, description = "A page of the log, newest first", body = PageBody<Activity>)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    Claimed(claimed): Claimed,
    query: Listed,
) -> Result<PageBody<Activity>, ApiError> {
    let read = async |actor: crm_domain::Actor| {
        Ok(app.table.activity(actor.tenant, policy::activity_actor(&actor), &query.page).await?)
    };
    let (_, page) = app.confirm_while(claimed, read).await?;
    Ok(page.into())
}
