//! `GET /api-docs/openapi.json`: the OpenAPI 3.1 document of every REST route.

use crate::app::App;
use crate::http::json_text;
use crate::problem::ApiError;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(_app: &App, _req: Request) -> Result<Response<Body>, ApiError> {
    Ok(json_text(StatusCode::OK, crate::openapi::spec_json().to_owned()))
}
