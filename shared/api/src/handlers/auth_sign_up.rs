//! `POST /api/v1/auth/sign_up`: asks to open an account with its first user, an Admin. Nothing is opened
//! until the address is confirmed: the answer is always 202, and the mail says what happens next — a link
//! to confirm (see `auth_verify_email`), or, for an address that already has an account, a note saying
//! so. So neither the answer nor its timing tells anyone but the mailbox's owner whether an address is
//! registered. A few sign-ups an hour per client address and per mailbox, then each must wait (429).

use crate::app::App;
use crate::extract::{AppState, ClientAddress, Json};
use crate::http::WithStatus;
use crate::mail;
use crate::passwords;
use crate::problem::{ApiError, Problem};
use crate::throttle;
use axum::extract::State;
use crm_domain::clock::Timestamp;
use crm_domain::throttle::Attempt;
use crm_domain::user::{SignUp, Tenant, User};
use crm_store::secrets::random_token;
use http::StatusCode;
use serde::{Deserialize, Serialize};

/// A sign-up waiting for its address to be confirmed.
#[derive(Debug, Serialize, Deserialize)]
pub struct PendingSignUp {
    pub account: Tenant,
    pub user: User,
    pub password_hash: String,
}

/// One-time tokens of this purpose complete a sign-up.
pub const VERIFY_PURPOSE: &str = "verify_email";

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MailSent {
    /// What was sent: `verification_sent` (sign-up) or `reset_sent` (password reset)
    pub status: &'static str,
    /// Where it went
    pub email: String,
}

pub async fn sign_up(app: &App, input: SignUp, address: &ClientAddress) -> Result<MailSent, ApiError> {
    let now = Timestamp::now();
    let (account, draft) = input.validate(now)?;
    let email = draft.user.email.clone();
    let attempts = [(Attempt::SignUpFromAddress, address.0.as_str()), (Attempt::MailToAddress, email.as_str())];
    throttle::check(app, &attempts, now.unix_seconds()).await?;
    throttle::count(app, &attempts, now.unix_seconds()).await?;
    let mailer = app.mailer()?;
    // The same work whether or not the address is taken: one lookup, one hash, one write, one mail.
    let registered = app.table.user_by_email_evenly(&email).await?.is_some();
    let password_hash = passwords::hash(draft.password).await.map_err(ApiError::Internal)?;
    let token = random_token(32).map_err(|e| ApiError::Internal(e.to_string()))?;
    let pending = PendingSignUp { account, user: draft.user, password_hash };
    let expires_at = now.unix_seconds() + mail::VERIFY_MINUTES * 60;
    app.table.put_once(VERIFY_PURPOSE, &token, &pending, expires_at).await?;
    let message = if registered {
        mail::already_registered(&mailer.web_app, &email)
    } else {
        mail::verify_address(&mailer.web_app, &email, &token)
    };
    mailer.send(&message).await?;
    Ok(MailSent { status: "verification_sent", email })
}

/// Ask to open an account; a mail confirms the address
#[utoipa::path(post, operation_id = "auth_sign_up", path = "/api/v1/auth/sign_up", tag = "auth",
    request_body(content = SignUp, example = json!({"account_name": "Acme Inc", "name": "Ada Lovelace", "email": "ada@acme.example", "password": "correct horse battery staple"})),
    responses((status = 202, description = "A mail went to the address: a link to confirm it, or a note that it already has an account", body = MailSent), (status = 429, description = "Too many sign-ups from this address or to this mailbox; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json")),
    security(()))]
pub async fn handle(
    State(app): AppState,
    address: ClientAddress,
    Json(input): Json<SignUp>,
) -> Result<WithStatus<MailSent>, ApiError> {
    Ok(WithStatus(StatusCode::ACCEPTED, sign_up(&app, input, &address).await?))
}
