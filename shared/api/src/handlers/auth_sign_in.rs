//! `POST /api/v1/auth/sign_in`: email and password for an access token and a refresh token.

use crate::app::App;
use crate::extract::{AppState, Json};
use crate::passwords;
use crate::problem::{ApiError, Problem};
use crate::sessions::{self, TokenPair};
use axum::extract::State;
use crm_domain::user::User;
use crm_domain::validation::{MAX_EMAIL, MAX_PASSWORD};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedIn {
    pub user: User,
    #[serde(flatten)]
    pub tokens: TokenPair,
}

const BAD_CREDENTIALS: ApiError = ApiError::Unauthorized("the email or password is not correct");

pub async fn sign_in(app: &App, input: SignIn) -> Result<SignedIn, ApiError> {
    let email = input.email.trim().to_lowercase();
    // Nothing that could never have been registered is looked up (and an oversized key would be
    // refused by DynamoDB itself).
    if input.password.chars().count() > MAX_PASSWORD || email.len() > MAX_EMAIL {
        return Err(BAD_CREDENTIALS);
    }
    let stored = app.table.user_by_email(&email).await?;
    let matches = passwords::verify(input.password, stored.as_ref().map(|s| s.password_hash.clone())).await;
    match stored {
        Some(stored) if matches && stored.user.is_active() => {
            let tokens = sessions::start(app, &stored.user).await?;
            Ok(SignedIn { user: stored.user, tokens })
        }
        _ => Err(BAD_CREDENTIALS),
    }
}

/// Sign in with email and password
#[utoipa::path(post, operation_id = "auth_sign_in", path = "/api/v1/auth/sign_in", tag = "auth",
    request_body(content = SignIn, example = json!({"email": "ada@acme.example", "password": "correct horse battery staple"})),
    responses((status = 200, description = "The user and their tokens", body = SignedIn), (status = 401, description = "The email or password is not correct", body = Problem, content_type = "application/problem+json")),
    security(()))]
pub async fn handle(State(app): AppState, Json(input): Json<SignIn>) -> Result<Json<SignedIn>, ApiError> {
    Ok(Json(sign_in(&app, input).await?))
}
