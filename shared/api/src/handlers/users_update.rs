//! `PATCH /api/v1/users/{id}`: an Admin renames a user, changes their role, or deactivates them (which
//! stops every token they hold at once).

use crate::app::App;
use crate::http::{if_match, json_body, path_id, versioned};
use crate::problem::ApiError;
use crm_domain::activity::{Action, Activity, Change};
use crm_domain::clock::Timestamp;
use crm_domain::user::{User, UserPatch};
use crm_domain::{Actor, UserId, policy};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn update_user(
    app: &App,
    actor: &Actor,
    id: UserId,
    expected: Option<u64>,
    patch: UserPatch,
) -> Result<User, ApiError> {
    policy::update_user(actor, id)?;
    let before = app.table.user(actor.tenant, id).await?.ok_or(ApiError::NotFound)?.user;
    if expected.is_some_and(|v| v != before.version) {
        return Err(ApiError::PreconditionFailed);
    }
    let now = Timestamp::now();
    let after = patch.apply(&before, now)?;
    let changes = Change::between(&before, &after);
    if changes.is_empty() {
        return Ok(before);
    }
    let activity = Activity::record("user", id, Action::Updated, actor.user, &now.rfc3339(), changes);
    app.table.update_user(&before, &after, &activity).await?;
    Ok(after)
}

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    let id = path_id(&req, "id", UserId::parse)?;
    let user = update_user(app, &actor, id, if_match(&req)?, json_body(&req)?).await?;
    versioned(StatusCode::OK, &user, user.version)
}
