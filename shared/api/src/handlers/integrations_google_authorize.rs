//! `GET /api/v1/integrations/google/authorize`: starts connecting the caller's Google account — the
//! consent URL to send them to, with a one-time state bound to them (valid ten minutes) and a PKCE
//! challenge whose verifier never leaves the server.

use crate::extract::{AppState, Caller, Json};
use crate::integrations::{google_redirect_uri, pkce_challenge};
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use crm_domain::clock::Timestamp;
use crm_store::secrets::random_token;
use crm_store::{OAUTH_STATE_SECONDS, OAuthState};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Authorization {
    /// Open this in the user's browser; Google redirects back to the callback route.
    pub authorization_url: String,
    pub state: String,
    pub expires_at: String,
}

/// Start connecting the caller's Google account: the consent URL with a one-time state (10 minutes)
#[utoipa::path(get, operation_id = "integrations_google_authorize", path = "/api/v1/integrations/google/authorize", tag = "integrations",
    responses((status = 200, description = "Where to send the user", body = Authorization), (status = 409, description = "Google sync is not configured", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, caller: Caller) -> Result<Json<Authorization>, ApiError> {
    let actor = caller.actor;
    let google = app.google()?;
    let random = || random_token(32).map_err(|e| ApiError::Internal(e.to_string()));
    let (state, code_verifier) = (random()?, random()?);
    let expires = Timestamp::now().plus_seconds(OAUTH_STATE_SECONDS);
    let challenge = pkce_challenge(&code_verifier);
    let stored =
        OAuthState { tenant: actor.tenant, user: actor.user, expires_at: expires.unix_seconds(), code_verifier };
    app.table.put_oauth_state(&state, &stored).await?;
    let authorization_url = google.consent_url(&state, &google_redirect_uri(google), &challenge);
    Ok(Json(Authorization { authorization_url, state, expires_at: expires.rfc3339() }))
}
