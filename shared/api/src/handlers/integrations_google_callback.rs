//! `GET /api/v1/integrations/google/callback?code&state`: where Google sends the user back after
//! consent. No bearer token arrives here; the one-time state names the user. The code is exchanged for
//! a refresh token, which is stored sealed.

use crate::extract::{AppState, Json, Query};
use crate::integrations::{GoogleView, google_redirect_uri};
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use crm_domain::clock::Timestamp;
use crm_store::{GoogleConnection, google_place};
use http::HeaderMap;

/// What Google's redirect carries (RFC 6749 §4.1.2, and the extras Google adds).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Callback {
    /// The one-time state from `authorize`
    pub state: String,
    /// The authorization code, when the user consented
    pub code: Option<String>,
    /// Set when the user declined
    pub error: Option<String>,
    /// The scopes granted
    pub scope: Option<String>,
    /// Google's account index
    pub authuser: Option<String>,
    /// Google's prompt
    pub prompt: Option<String>,
    /// The hosted domain
    pub hd: Option<String>,
    /// The issuer
    pub iss: Option<String>,
}

/// Google's redirect after consent: the code is exchanged and the refresh token stored sealed
#[utoipa::path(get, operation_id = "integrations_google_callback", path = "/api/v1/integrations/google/callback", tag = "integrations", params(Callback),
    responses((status = 200, description = "Connected", body = GoogleView), (status = 401, description = "The user who started the connection no longer has access", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Google sync is not configured", body = Problem, content_type = "application/problem+json")),
    security(()))]
pub async fn handle(
    State(app): AppState,
    headers: HeaderMap,
    Query(callback): Query<Callback>,
) -> Result<Json<GoogleView>, ApiError> {
    let google = app.google()?;
    let state = callback.state;
    let now = Timestamp::now();
    // The state is the caller's credential here: an unknown one is refused like a bad token.
    let unknown_state = || ApiError::Unauthorized("the state is unknown, used or expired; start again");
    let started = app.table.take_oauth_state(&state, now.unix_seconds()).await?.ok_or_else(unknown_state)?;
    if let Some(error) = callback.error {
        return Err(ApiError::bad_request("error", format!("Google did not grant access: {error}")));
    }
    let code = callback.code.ok_or_else(|| ApiError::bad_request("code", "`code` is required"))?;
    let user = app.table.user(started.tenant, started.user).await?;
    if !user.is_some_and(|u| u.user.is_active()) {
        return Err(ApiError::Unauthorized("the user who started this connection no longer has access"));
    }
    let refresh_token = google.exchange_code(&code, &google_redirect_uri(google, &headers)).await?;
    let sealed = app
        .sealer()?
        .seal(&refresh_token, &google_place(started.tenant, started.user))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let connection = GoogleConnection {
        user_id: started.user,
        sealed_refresh_token: sealed,
        connected_at: now.rfc3339(),
        sync_token: None,
        last_synced_at: None,
        last_error: None,
        imported: 0,
        pushed: 0,
        pulled: 0,
    };
    app.table.put_google_connection(started.tenant, &connection).await?;
    tracing::info!(tenant = %started.tenant, user = %started.user, "Google account connected");
    Ok(Json(GoogleView::from(connection)))
}
