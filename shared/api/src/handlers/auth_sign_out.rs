//! `POST /api/v1/auth/sign_out`: ends the session of a refresh token; its access tokens expire on their own
//! within minutes.

use crate::extract::{AppState, ClientAddress, Json};
use crate::problem::{ApiError, Problem};
use crate::sessions::{self, RefreshRequest};
use axum::extract::State;
use http::StatusCode;

/// End the session of a refresh token
#[utoipa::path(post, operation_id = "auth_sign_out", path = "/api/v1/auth/sign_out", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Signed out"), (status = 401, description = "The refresh token is invalid, expired, used or revoked", body = Problem, content_type = "application/problem+json"), (status = 429, description = "Too many unusable refresh tokens from this address; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json")),
    security(()))]
pub async fn handle(
    State(app): AppState,
    address: ClientAddress,
    Json(input): Json<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    sessions::throttled(&app, &address, async || sessions::end(&app, &input.refresh_token).await).await?;
    Ok(StatusCode::NO_CONTENT)
}
