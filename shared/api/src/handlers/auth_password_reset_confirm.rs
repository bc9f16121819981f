//! `POST /api/v1/auth/password_reset/confirm`: the token from the reset mail and a new password. Every
//! session of the user ends (as with signing out everywhere); they sign in with the new password.

use crate::extract::{AppState, Json};
use crate::handlers::auth_password_reset::{PendingReset, RESET_PURPOSE};
use crate::handlers::auth_verify_email::spent_token;
use crate::passwords;
use crate::problem::{ApiError, Problem};
use crate::sessions;
use axum::extract::State;
use crm_chat::Member;
use crm_domain::Invalid;
use crm_domain::clock::Timestamp;
use crm_domain::throttle::Attempt;
use crm_domain::validation as v;
use http::StatusCode;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    /// The token from the mail
    #[schema(min_length = 1, max_length = 512)]
    pub token: String,
    #[schema(schema_with = crm_domain::schema::password)]
    pub new_password: String,
}

/// Set a new password with the token from a reset mail
#[utoipa::path(post, operation_id = "auth_password_reset_confirm", path = "/api/v1/auth/password_reset/confirm", tag = "auth",
    request_body(content = NewPassword, example = json!({"token": "<token from the mail>", "new_password": "a longer and newer passphrase"})),
    responses((status = 204, description = "The password is changed and every session has ended"), (status = 409, description = "The token is unknown, used or expired", body = Problem, content_type = "application/problem+json")),
    security(()))]
pub async fn handle(State(app): AppState, Json(input): Json<NewPassword>) -> Result<StatusCode, ApiError> {
    let new_password = v::password("new_password", &input.new_password).map_err(|e| Invalid(vec![e]))?;
    let now = Timestamp::now().unix_seconds();
    let pending: PendingReset = app.table.take_once(RESET_PURPOSE, &input.token, now).await?.ok_or_else(spent_token)?;
    let stored = app.table.user(pending.tenant, pending.user).await?.filter(|s| s.user.is_active());
    let Some(stored) = stored else { return Err(spent_token()) };
    let hash = passwords::hash(new_password).await.map_err(ApiError::Internal)?;
    sessions::end_everywhere(&app, Member { tenant: pending.tenant, user: pending.user }, Some(&hash)).await?;
    // Whoever was guessing this account's password is not helped by the reset, but its owner is.
    app.table.forget_attempts(Attempt::SignInForAccount, &stored.user.email, now).await?;
    Ok(StatusCode::NO_CONTENT)
}
