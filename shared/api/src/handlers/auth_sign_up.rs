//! `POST /api/v1/auth/sign_up`: opens an account with its first user, an Admin, and signs them in.

use crate::app::App;
use crate::extract::{AppState, ClientAddress, Json};
use crate::http::WithStatus;
use crate::passwords;
use crate::problem::{ApiError, Problem};
use crate::sessions::{self, TokenPair};
use crate::throttle;
use axum::extract::State;
use crm_domain::activity::{Action, Activity};
use crm_domain::clock::Timestamp;
use crm_domain::throttle::Attempt;
use crm_domain::user::{SignUp, Tenant, User};
use http::StatusCode;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedUp {
    pub account: Tenant,
    pub user: User,
    #[serde(flatten)]
    pub tokens: TokenPair,
}

/// Opens an account from `address`: a few accounts an hour per address, then each must wait (429).
pub async fn sign_up(app: &App, input: SignUp, address: &ClientAddress) -> Result<SignedUp, ApiError> {
    let now = Timestamp::now();
    let (tenant, draft) = input.validate(now)?;
    let attempts = [(Attempt::SignUpFromAddress, address.0.as_str())];
    throttle::check(app, &attempts, now.unix_seconds()).await?;
    throttle::count(app, &attempts, now.unix_seconds()).await?;
    let password_hash = passwords::hash(draft.password).await.map_err(ApiError::Internal)?;
    let user = draft.user;
    let activity = Activity::record("user", user.id, Action::Created, user.id, &now.rfc3339(), Vec::new());
    app.table.sign_up(&tenant, &user, &password_hash, &activity).await?;
    let tokens = sessions::start(app, &user, 0).await?;
    Ok(SignedUp { account: tenant, user, tokens })
}

/// Open an account; its first user is an Admin, signed in
#[utoipa::path(post, operation_id = "auth_sign_up", path = "/api/v1/auth/sign_up", tag = "auth",
    request_body(content = SignUp, example = json!({"account_name": "Acme Inc", "name": "Ada Lovelace", "email": "ada@acme.example", "password": "correct horse battery staple"})),
    responses((status = 201, description = "The account, its Admin and their tokens", body = SignedUp), (status = 409, description = "The email is taken", body = Problem, content_type = "application/problem+json"), (status = 429, description = "Too many accounts opened from this address; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json")),
    security(()))]
pub async fn handle(
    State(app): AppState,
    address: ClientAddress,
    Json(input): Json<SignUp>,
) -> Result<WithStatus<SignedUp>, ApiError> {
    Ok(WithStatus(StatusCode::CREATED, sign_up(&app, input, &address).await?))
}
