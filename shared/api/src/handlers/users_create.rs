//! `POST /api/v1/users`: an Admin adds a user to their account with a role and an initial password.

use crate::app::App;
use crate::extract::{AppState, Caller, Json};
use crate::http::Versioned;
use crate::passwords;
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use crm_domain::activity::{Action, Activity};
use crm_domain::clock::Timestamp;
use crm_domain::user::{NewUser, User};
use crm_domain::{Actor, policy};

pub async fn create_user(app: &App, actor: &Actor, input: NewUser) -> Result<User, ApiError> {
    policy::create_user(actor)?;
    let now = Timestamp::now();
    let draft = input.validate(actor.tenant, now)?;
    let password_hash = passwords::hash(draft.password).await.map_err(ApiError::Internal)?;
    let activity = Activity::record("user", draft.user.id, Action::Created, actor.user, &now.rfc3339(), Vec::new());
    app.table.create_user(&draft.user, &password_hash, &activity).await?;
    Ok(draft.user)
}

/// Add a user with a role (Admin)
#[utoipa::path(post, operation_id = "users_create", path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, description = "The new user", body = User), (status = 409, description = "The email is taken", body = Problem, content_type = "application/problem+json"), (status = 402, description = "The account's plan allows no more seats: the problem names the limit (`limit`), the plan and the plan that allows more (`upgrade_to`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Json(input): Json<NewUser>,
) -> Result<Versioned<User>, ApiError> {
    let user = create_user(&app, &caller.actor, input).await?;
    let version = user.version;
    Ok(Versioned::created(user, version))
}
