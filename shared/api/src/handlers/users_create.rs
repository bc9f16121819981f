//! `POST /api/v1/users`: an Admin adds a user to their account with a role and an initial password.

use crate::app::App;
use crate::http::{json_body, versioned};
use crate::passwords;
use crate::problem::ApiError;
use crm_domain::activity::{Action, Activity};
use crm_domain::clock::Timestamp;
use crm_domain::user::{NewUser, User};
use crm_domain::{Actor, policy};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn create_user(app: &App, actor: &Actor, input: NewUser) -> Result<User, ApiError> {
    policy::create_user(actor)?;
    let now = Timestamp::now();
    let draft = input.validate(actor.tenant, now)?;
    let password_hash = passwords::hash(draft.password).await.map_err(ApiError::Internal)?;
    let activity = Activity::record("user", draft.user.id, Action::Created, actor.user, &now.rfc3339(), Vec::new());
    app.table.create_user(&draft.user, &password_hash, &activity).await?;
    Ok(draft.user)
}

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    let user = create_user(app, &actor, json_body(&req)?).await?;
    versioned(StatusCode::CREATED, &user, user.version)
}
