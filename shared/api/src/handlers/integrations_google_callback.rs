//! `POST /api/v1/integrations/google/callback`: completes connecting the caller's Google account. Google
//! sends the browser back to the web app's page (`GOOGLE_REDIRECT_URI`) with `code` and `state`; the page
//! posts them here with the signed-in user's token. The state must be one this user started (so a consent
//! link made by someone else cannot connect the victim's Google account to the attacker's CRM user), and
//! the code is exchanged with the state's PKCE verifier. The refresh token is stored sealed.

use crate::extract::{AppState, Caller, Json};
use crate::integrations::{GoogleView, google_redirect_uri};
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use crm_domain::clock::Timestamp;
use crm_store::{GoogleConnection, google_place};
use serde::Deserialize;

/// What Google's redirect brought the web app (RFC 6749 §4.1.2).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// The one-time state from `authorize`
    #[schema(min_length = 1, max_length = 512)]
    pub state: String,
    /// The authorization code
    #[schema(min_length = 1, max_length = 2048)]
    pub code: String,
}

/// Complete connecting the caller's Google account with the code Google's redirect brought
#[utoipa::path(post, operation_id = "integrations_google_callback", path = "/api/v1/integrations/google/callback", tag = "integrations",
    request_body(content = Consent, example = json!({"state": "<state from authorize>", "code": "<code from Google's redirect>"})),
    responses((status = 200, description = "Connected", body = GoogleView), (status = 403, description = "The state was started by another user", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Google sync is not configured, or the state is unknown, used or expired", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Json(consent): Json<Consent>,
) -> Result<Json<GoogleView>, ApiError> {
    let google = app.google()?;
    let actor = caller.actor;
    let now = Timestamp::now();
    let unknown_state = || ApiError::Conflict {
        detail: "the state is unknown, used or expired; start connecting again".into(),
        field: Some("state".into()),
    };
    // One use only, whoever presents it: a state that leaked to another user is spent by the attempt.
    let started = app.table.take_oauth_state(&consent.state, now.unix_seconds()).await?.ok_or_else(unknown_state)?;
    if (started.tenant, started.user) != (actor.tenant, actor.user) {
        tracing::warn!(tenant = %actor.tenant, user = %actor.user, "a Google consent started by another user was presented");
        return Err(ApiError::Forbidden("this connection was started by another user; start connecting again".into()));
    }
    let redirect_uri = google_redirect_uri(google);
    let refresh_token = google.exchange_code(&consent.code, &redirect_uri, &started.code_verifier).await?;
    let sealed = app
        .sealer()?
        .seal(&refresh_token, &google_place(actor.tenant, actor.user))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let connection = GoogleConnection {
        user_id: actor.user,
        sealed_refresh_token: sealed,
        connected_at: now.rfc3339(),
        sync_token: None,
        last_synced_at: None,
        last_error: None,
        imported: 0,
        pushed: 0,
        pulled: 0,
    };
    app.table.put_google_connection(actor.tenant, &connection).await?;
    tracing::info!(tenant = %actor.tenant, user = %actor.user, "Google account connected");
    Ok(Json(GoogleView::from(connection)))
}
