//! `GET /api/v1/directory`: who is in the account, by name, for every signed-in user (chat names, mentions,
//! owners), without what only Admins and Managers see of a user (email, when it changed).

use crate::extract::{AppState, Claimed, Listed};
use crate::http::PageBody;
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::UserId;
use crm_domain::policy::Role;
use crm_domain::user::{User, UserStatus};
use serde::Serialize;

/// One person of the account, as every colleague may see them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Colleague {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub status: UserStatus,
}

impl From<User> for Colleague {
    fn from(user: User) -> Self {
        Colleague { id: user.id, name: user.name, role: user.role, status: user.status }
    }
}

/// The account's people, by name (any role)
#[utoipa::path(get, operation_id = "directory", path = "/api/v1/directory", tag = "users", params(Listed),
    responses((status = 200, description = "A page of the account's people", body = PageBody<Colleague>)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    Claimed(claimed): Claimed,
    query: Listed,
) -> Result<PageBody<Colleague>, ApiError> {
    let read = async |actor: crm_domain::Actor| Ok(app.table.users(actor.tenant, &query.page).await?);
    let (_, page) = app.confirm_while(claimed, read).await?;
    Ok(PageBody::from(page).map(Colleague::from))
}
