//! `GET /api/v1/me`: the signed-in user.

use crate::app::App;
use crate::http::{only_query_params, versioned};
use crate::problem::ApiError;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (_, user) = app.authenticate(&req).await?;
    only_query_params(&req, &[])?;
    versioned(StatusCode::OK, &user, user.version)
}
