//! `GET /api/v1/users`: the account's users, a page at a time (Admin and Manager).

use crate::extract::{AppState, Claimed, Listed};
use crate::http::PageBody;
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::policy;
use crm_domain::user::User;

/// The account's users (Admin, Manager)
#[utoipa::path(get, operation_id = "users_list", path = "/api/v1/users", tag = "users", params(Listed),
    responses((status = 200, description = "A page of users", body = PageBody<User>)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    Claimed(claimed): Claimed,
    query: Listed,
) -> Result<PageBody<User>, ApiError> {
    let read = async |actor: crm_domain::Actor| {
        policy::list_users(&actor)?;
        Ok(app.table.users(actor.tenant, &query.page).await?)
    };
    let (_, page) = app.confirm_while(claimed, read).await?;
    Ok(page.into())
}
