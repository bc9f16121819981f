//! `POST /api/v1/auth/refresh`: a refresh token for a new token pair. Refresh tokens rotate: each works
//! once, and presenting a used one revokes its whole session.

use crate::extract::{AppState, ClientAddress, Json};
use crate::problem::{ApiError, Problem};
use crate::sessions::{self, RefreshRequest, TokenPair};
use axum::extract::State;

/// Rotate a refresh token into a new token pair
#[utoipa::path(post, operation_id = "auth_refresh", path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, description = "A new token pair", body = TokenPair), (status = 401, description = "The refresh token is invalid, expired, used or revoked", body = Problem, content_type = "application/problem+json"), (status = 429, description = "Too many unusable refresh tokens from this address; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json")),
    security(()))]
pub async fn handle(
    State(app): AppState,
    address: ClientAddress,
    Json(input): Json<RefreshRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    Ok(Json(sessions::throttled(&app, &address, async || sessions::refresh(&app, &input.refresh_token).await).await?))
}
