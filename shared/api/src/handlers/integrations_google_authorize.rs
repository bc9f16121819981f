//! `GET /api/v1/integrations/google/authorize`: starts connecting the caller's Google account — the
//! consent URL to send them to, with a one-time state bound to them (valid ten minutes).

use crate::app::App;
use crate::http::{json, only_query_params};
use crate::integrations::google_redirect_uri;
use crate::problem::ApiError;
use crm_domain::clock::Timestamp;
use crm_store::secrets::random_token;
use crm_store::{OAUTH_STATE_SECONDS, OAuthState};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Authorization {
    /// Open this in the user's browser; Google redirects back to the callback route.
    pub authorization_url: String,
    pub state: String,
    pub expires_at: String,
}

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &[])?;
    let google = app.google()?;
    let state = random_token(32).map_err(|e| ApiError::Internal(e.to_string()))?;
    let expires = Timestamp::now().plus_seconds(OAUTH_STATE_SECONDS);
    let stored = OAuthState { tenant: actor.tenant, user: actor.user, expires_at: expires.unix_seconds() };
    app.table.put_oauth_state(&state, &stored).await?;
    let authorization_url = google.consent_url(&state, &google_redirect_uri(google, &req));
    json(StatusCode::OK, &Authorization { authorization_url, state, expires_at: expires.rfc3339() })
}
