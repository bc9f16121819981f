//! `POST /api/v1/auth/password_reset`: asks for a password reset mail. The answer is always 202 and a mail
//! always goes out (a reset link, or a note that the address has no account), so neither tells anyone but
//! the mailbox's owner whether it is registered. Throttled per mailbox and per client address.

use crate::app::App;
use crate::extract::{AppState, ClientAddress, Json};
use crate::handlers::auth_sign_up::MailSent;
use crate::http::WithStatus;
use crate::mail;
use crate::problem::{ApiError, Problem};
use crate::throttle;
use axum::extract::State;
use crm_domain::clock::Timestamp;
use crm_domain::throttle::Attempt;
use crm_domain::validation as v;
use crm_domain::{Invalid, TenantId, UserId};
use crm_store::secrets::random_token;
use http::StatusCode;
use serde::{Deserialize, Serialize};

/// One-time tokens of this purpose reset a password.
pub const RESET_PURPOSE: &str = "password_reset";

/// Whose password a reset token resets.
#[derive(Debug, Serialize, Deserialize)]
pub struct PendingReset {
    pub tenant: TenantId,
    pub user: UserId,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    #[schema(schema_with = crm_domain::schema::email)]
    pub email: String,
}

pub async fn request_reset(app: &App, input: ResetRequest, address: &ClientAddress) -> Result<MailSent, ApiError> {
    let email = v::email("email", &input.email).map_err(|e| Invalid(vec![e]))?;
    let now = Timestamp::now().unix_seconds();
    let attempts = [(Attempt::ResetFromAddress, address.0.as_str()), (Attempt::MailToAddress, email.as_str())];
    throttle::check(app, &attempts, now).await?;
    throttle::count(app, &attempts, now).await?;
    let mailer = app.mailer()?;
    let token = random_token(32).map_err(|e| ApiError::Internal(e.to_string()))?;
    let message = match app.table.user_by_email_evenly(&email).await?.filter(|s| s.user.is_active()) {
        Some(stored) => {
            let pending = PendingReset { tenant: stored.user.tenant_id, user: stored.user.id };
            app.table.put_once(RESET_PURPOSE, &token, &pending, now + mail::RESET_MINUTES * 60).await?;
            mail::reset_password(&mailer.web_app, &email, &token)
        }
        None => mail::no_account(&mailer.web_app, &email),
    };
    mailer.send(&message).await?;
    Ok(MailSent { status: "reset_sent", email })
}

/// Ask for a password reset mail
#[utoipa::path(post, operation_id = "auth_password_reset", path = "/api/v1/auth/password_reset", tag = "auth",
    request_body(content = ResetRequest, example = json!({"email": "ada@acme.example"})),
    responses((status = 202, description = "A mail went to the address: a reset link, or a note that it has no account", body = MailSent), (status = 429, description = "Too many resets asked for this mailbox or from this address; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json")),
    security(()))]
pub async fn handle(
    State(app): AppState,
    address: ClientAddress,
    Json(input): Json<ResetRequest>,
) -> Result<WithStatus<MailSent>, ApiError> {
    Ok(WithStatus(StatusCode::ACCEPTED, request_reset(&app, input, &address).await?))
}
