//! `POST /api/v1/auth/verify_email`: the token from the sign-up mail opens the account, with its first
//! user as Admin, and signs them in. Each token works once.

use crate::app::App;
use crate::extract::{AppState, Json};
use crate::handlers::auth_sign_up::{PendingSignUp, VERIFY_PURPOSE};
use crate::http::WithStatus;
use crate::problem::{ApiError, Problem};
use crate::sessions::{self, TokenPair};
use axum::extract::State;
use crm_domain::activity::{Action, Activity};
use crm_domain::clock::Timestamp;
use crm_domain::user::{Tenant, User};
use http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailToken {
    /// The token from the mail
    #[schema(min_length = 1, max_length = 512)]
    pub token: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedUp {
    pub account: Tenant,
    pub user: User,
    #[serde(flatten)]
    pub tokens: TokenPair,
}

/// The token of a one-time mail link that is unknown, used or expired.
pub fn spent_token() -> ApiError {
    ApiError::Conflict { detail: "the token is unknown, used or expired".into(), field: Some("token".into()) }
}

pub async fn verify(app: &App, token: &str) -> Result<SignedUp, ApiError> {
    let now = Timestamp::now();
    let pending: PendingSignUp =
        app.table.take_once(VERIFY_PURPOSE, token, now.unix_seconds()).await?.ok_or_else(spent_token)?;
    let at = now.rfc3339();
    let account = Tenant { created_at: at.clone(), ..pending.account };
    let user = User { created_at: at.clone(), updated_at: at.clone(), ..pending.user };
    let activity = Activity::record("user", user.id, Action::Created, user.id, &at, Vec::new());
    // Taken meanwhile (another sign-up confirmed first): 409 naming `email`.
    app.table.sign_up(&account, &user, &pending.password_hash, &activity).await?;
    let tokens = sessions::start(app, &user, 0).await?;
    Ok(SignedUp { account, user, tokens })
}

/// Confirm the address of a sign-up: the account opens and its Admin is signed in
#[utoipa::path(post, operation_id = "auth_verify_email", path = "/api/v1/auth/verify_email", tag = "auth",
    request_body(content = EmailToken, example = json!({"token": "<token from the mail>"})),
    responses((status = 201, description = "The account, its Admin and their tokens", body = SignedUp), (status = 409, description = "The token is unknown, used or expired; or the address was registered meanwhile", body = Problem, content_type = "application/problem+json")),
    security(()))]
pub async fn handle(State(app): AppState, Json(input): Json<EmailToken>) -> Result<WithStatus<SignedUp>, ApiError> {
    Ok(WithStatus(StatusCode::CREATED, verify(&app, &input.token).await?))
}
