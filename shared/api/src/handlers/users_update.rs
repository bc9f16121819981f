//! `PATCH /api/v1/users/{id}`: an Admin renames a user, changes their role, or deactivates them (which
//! ends every session and token they hold at once, closes their WebSocket connections and disconnects
//! their Google sync; reactivating them revives none of it).

use crate::app::App;
use crate::extract::{AppState, Caller, IfMatch, Json, Path};
use crate::http::Versioned;
use crate::problem::{ApiError, Problem};
use crate::sessions;
use axum::extract::State;
use crm_chat::Member;
use crm_domain::activity::{Action, Activity, Change};
use crm_domain::clock::Timestamp;
use crm_domain::user::{User, UserPatch};
use crm_domain::{Actor, UserId, policy};

pub async fn update_user(
    app: &App,
    actor: &Actor,
    id: UserId,
    expected: IfMatch,
    patch: UserPatch,
) -> Result<User, ApiError> {
    policy::update_user(actor, id)?;
    // An API key's service user is not a person: it is revoked, never edited (or revived) here.
    let stored = app.table.user(actor.tenant, id).await?.filter(|s| s.key.is_none());
    let before = stored.ok_or(ApiError::NotFound)?.user;
    expected.check(before.version)?;
    let now = Timestamp::now();
    let after = patch.apply(&before, now)?;
    let changes = Change::between(&before, &after);
    if changes.is_empty() {
        return Ok(before);
    }
    let activity = Activity::record("user", id, Action::Updated, actor.user, &now.rfc3339(), changes);
    // A deactivation ends the user's sessions in the same write; their sockets and Google sync follow.
    app.table.update_user(&before, &after, &activity).await?;
    if before.is_active() && !after.is_active() {
        sessions::close_connections(app, Member { tenant: actor.tenant, user: id }).await;
        match app.table.delete_google_connection(actor.tenant, id).await {
            Ok(()) | Err(crm_store::StoreError::NotFound) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(after)
}

/// Rename, change the role of, or deactivate a user (Admin)
#[utoipa::path(patch, operation_id = "users_update", path = "/api/v1/users/{id}", tag = "users", request_body = UserPatch,
    params(crate::records::IdPath, IfMatch),
    responses((status = 200, description = "The changed user", body = User), (status = 402, description = "The account's plan allows no more seats (reactivating a user takes one): the problem names the limit (`limit`), the plan and the plan that allows more (`upgrade_to`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Path(id): Path<UserId>,
    expected: IfMatch,
    Json(patch): Json<UserPatch>,
) -> Result<Versioned<User>, ApiError> {
    let user = update_user(&app, &caller.actor, id, expected, patch).await?;
    let version = user.version;
    Ok(Versioned::ok(user, version))
}
