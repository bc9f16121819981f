//! `POST /api/v1/auth/sign_out`: ends the session of a refresh token; its access tokens expire on their own
//! within minutes.

use crate::app::App;
use crate::http::{json_body, no_content};
use crate::problem::ApiError;
use crate::sessions::{self, RefreshRequest};
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let input: RefreshRequest = json_body(&req)?;
    sessions::end(app, &input.refresh_token).await?;
    Ok(no_content())
}
