//! `GET /api/v1/me`: the signed-in user.

use crate::extract::Caller;
use crate::http::Versioned;
use crm_domain::user::User;

/// The signed-in user
#[utoipa::path(get, operation_id = "me", path = "/api/v1/me", tag = "users",
    responses((status = 200, description = "The caller", body = User)),
    security(("bearer" = [])))]
pub async fn handle(caller: Caller) -> Versioned<User> {
    let version = caller.user.version;
    Versioned::ok(caller.user, version)
}
