//! `POST /api/v1/auth/refresh`: a refresh token for a new token pair. Refresh tokens rotate: each works
//! once, and presenting a used one revokes its whole session.

use crate::app::App;
use crate::http::{json, json_body};
use crate::problem::ApiError;
use crate::sessions::{self, RefreshRequest};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let input: RefreshRequest = json_body(&req)?;
    json(StatusCode::OK, &sessions::refresh(app, &input.refresh_token).await?)
}
