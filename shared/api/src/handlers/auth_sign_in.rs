//! `POST /api/v1/auth/sign_in`: email and password for an access token and a refresh token.

use crate::app::App;
use crate::extract::{AppState, ClientAddress, Json};
use crate::passwords;
use crate::problem::{ApiError, Problem};
use crate::sessions::{self, TokenPair};
use crate::throttle;
use axum::extract::State;
use crm_domain::clock::Timestamp;
use crm_domain::throttle::Attempt;
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

/// Signs in from `address`. Wrong passwords are counted for the email and for the address, and past a
/// few of either, each further try must wait (429); a right password forgives the email's count.
pub async fn sign_in(app: &App, input: SignIn, address: &ClientAddress) -> Result<SignedIn, ApiError> {
    let email = input.email.trim().to_lowercase();
    let now = Timestamp::now().unix_seconds();
    let attempts = [(Attempt::SignInForAccount, email.as_str()), (Attempt::SignInFromAddress, address.0.as_str())];
    throttle::check(app, &attempts, now).await?;
    // Nothing that could never have been registered is looked up (and an oversized key would be
    // refused by DynamoDB itself).
    let stored = if input.password.chars().count() > MAX_PASSWORD || email.len() > MAX_EMAIL {
        None
    } else {
        app.table.user_by_email_evenly(&email).await?
    };
    let matches = passwords::verify(input.password, stored.as_ref().map(|s| s.password_hash.clone())).await;
    match stored {
        Some(stored) if matches && stored.user.is_active() => {
            app.table.forget_attempts(Attempt::SignInForAccount, &email, now).await?;
            let tokens = sessions::start(app, &stored.user, stored.session_generation).await?;
            Ok(SignedIn { user: stored.user, tokens })
        }
        _ => {
            throttle::count(app, &attempts, now).await?;
            Err(BAD_CREDENTIALS)
        }
    }
}

/// Sign in with email and password
#[utoipa::path(post, operation_id = "auth_sign_in", path = "/api/v1/auth/sign_in", tag = "auth",
    request_body(content = SignIn, example = json!({"email": "ada@acme.example", "password": "correct horse battery staple"})),
    responses((status = 200, description = "The user and their tokens", body = SignedIn), (status = 401, description = "The email or password is not correct", body = Problem, content_type = "application/problem+json"), (status = 429, description = "Too many wrong passwords for this email or from this address; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json")),
    security(()))]
pub async fn handle(
    State(app): AppState,
    address: ClientAddress,
    Json(input): Json<SignIn>,
) -> Result<Json<SignedIn>, ApiError> {
    Ok(Json(sign_in(&app, input, &address).await?))
}
