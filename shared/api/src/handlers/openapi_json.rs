//! `GET /api-docs/openapi.json`: the OpenAPI 3.1 document of every REST route.

use crate::http::json_text;
use axum::response::Response;
use http::StatusCode;

pub async fn handle() -> Response {
    json_text(StatusCode::OK, crate::openapi::spec_json().to_owned())
}
