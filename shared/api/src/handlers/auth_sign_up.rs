//! `POST /api/v1/auth/sign_up`: opens an account with its first user, an Admin, and signs them in.

use crate::app::App;
use crate::http::{json, json_body};
use crate::passwords;
use crate::problem::ApiError;
use crate::sessions::{self, TokenPair};
use crm_domain::activity::{Action, Activity};
use crm_domain::clock::Timestamp;
use crm_domain::user::{SignUp, Tenant, User};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedUp {
    pub account: Tenant,
    pub user: User,
    #[serde(flatten)]
    pub tokens: TokenPair,
}

pub async fn sign_up(app: &App, input: SignUp) -> Result<SignedUp, ApiError> {
    let now = Timestamp::now();
    let (tenant, draft) = input.validate(now)?;
    let password_hash = passwords::hash(draft.password).await.map_err(ApiError::Internal)?;
    let user = draft.user;
    let activity = Activity::record("user", user.id, Action::Created, user.id, &now.rfc3339(), Vec::new());
    app.table.sign_up(&tenant, &user, &password_hash, &activity).await?;
    let tokens = sessions::start(app, &user).await?;
    Ok(SignedUp { account: tenant, user, tokens })
}

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    json(StatusCode::CREATED, &sign_up(app, json_body(&req)?).await?)
}
