//! `POST /api/v1/auth/sign_out_everywhere`: ends every session of the caller: refresh tokens, access
//! tokens (at once, not when they expire) and open WebSocket connections, on every device.

use crate::extract::{AppState, Caller};
use crate::problem::ApiError;
use crate::sessions;
use axum::extract::State;
use crm_chat::Member;
use http::StatusCode;

/// Sign out on every device
#[utoipa::path(post, operation_id = "auth_sign_out_everywhere", path = "/api/v1/auth/sign_out_everywhere", tag = "auth",
    responses((status = 204, description = "Every session of the caller has ended, this one included")),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, caller: Caller) -> Result<StatusCode, ApiError> {
    let user = Member { tenant: caller.actor.tenant, user: caller.actor.user };
    sessions::end_everywhere(&app, user, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
