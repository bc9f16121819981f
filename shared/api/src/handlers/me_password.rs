//! `POST /api/v1/me/password`: the caller changes their password, proving the current one. Every session
//! ends with it, this one included: the client signs in again with the new password. Wrong current
//! passwords count like wrong sign-ins for the account (see `auth_sign_in`).

use crate::extract::{AppState, Caller, Json};
use crate::passwords;
use crate::problem::{ApiError, Problem};
use crate::sessions;
use crate::throttle;
use axum::extract::State;
use crm_chat::Member;
use crm_domain::clock::Timestamp;
use crm_domain::throttle::Attempt;
use crm_domain::validation::{self as v, FieldError, Invalid};
use http::StatusCode;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    #[schema(schema_with = crm_domain::schema::password)]
    pub new_password: String,
}

/// Change the caller's password
#[utoipa::path(post, operation_id = "me_password", path = "/api/v1/me/password", tag = "users",
    request_body(content = PasswordChange, example = json!({"current_password": "correct horse battery staple", "new_password": "a longer and newer passphrase"})),
    responses((status = 204, description = "Changed; every session has ended, this one included"), (status = 429, description = "Too many wrong passwords for this account; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Json(change): Json<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let new_password = v::password("new_password", &change.new_password).map_err(|e| Invalid(vec![e]))?;
    let now = Timestamp::now().unix_seconds();
    let attempts = [(Attempt::SignInForAccount, caller.user.email.as_str())];
    throttle::check(&app, &attempts, now).await?;
    let user = Member { tenant: caller.actor.tenant, user: caller.actor.user };
    let stored = app.table.user(user.tenant, user.user).await?.ok_or(ApiError::NotFound)?;
    if !passwords::verify(change.current_password, Some(stored.password_hash)).await {
        throttle::count(&app, &attempts, now).await?;
        return Err(Invalid(vec![FieldError::new("current_password", "is not the current password")]).into());
    }
    let hash = passwords::hash(new_password).await.map_err(ApiError::Internal)?;
    sessions::end_everywhere(&app, user, Some(&hash)).await?;
    Ok(StatusCode::NO_CONTENT)
}
