//! `GET /api/v1/integrations/google/callback?code&state`: where Google sends the user back after
//! consent. No bearer token arrives here; the one-time state names the user. The code is exchanged for
//! a refresh token, which is stored sealed.

use crate::app::App;
use crate::http::{json, only_query_params, query_param};
use crate::integrations::{GoogleView, google_redirect_uri};
use crate::problem::ApiError;
use crm_domain::clock::Timestamp;
use crm_store::{GoogleConnection, google_place};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    only_query_params(&req, &["code", "state", "scope", "error", "authuser", "prompt", "hd", "iss"])?;
    let google = app.google()?;
    let state = query_param(&req, "state")?.ok_or_else(|| ApiError::bad_request("state", "`state` is required"))?;
    let now = Timestamp::now();
    let unknown_state = || ApiError::bad_request("state", "the state is unknown, used or expired; start again");
    let started = app.table.take_oauth_state(&state, now.unix_seconds()).await?.ok_or_else(unknown_state)?;
    if let Some(error) = query_param(&req, "error")? {
        return Err(ApiError::bad_request("error", format!("Google did not grant access: {error}")));
    }
    let code = query_param(&req, "code")?.ok_or_else(|| ApiError::bad_request("code", "`code` is required"))?;
    let user = app.table.user(started.tenant, started.user).await?;
    if !user.is_some_and(|u| u.user.is_active()) {
        return Err(ApiError::Unauthorized("the user who started this connection no longer has access"));
    }
    let refresh_token = google.exchange_code(&code, &google_redirect_uri(google, &req)).await?;
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
    json(StatusCode::OK, &GoogleView::from(connection))
}
