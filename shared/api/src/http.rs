//! What handlers answer: JSON, a record with its version as an ETag, a created resource with its
//! location, a list page. The request side is in `crate::extract`.

use crate::extract::Json;
use crate::problem::ApiError;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

/// A JSON response with a status, from text already serialized.
pub fn json_text(status: StatusCode, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A JSON response with a status.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_string(value).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(json_text(status, body))
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        json(StatusCode::OK, &self.0).unwrap_or_else(IntoResponse::into_response)
    }
}

/// A record with its version as a strong ETag, for `If-Match` on later changes.
pub struct Versioned<T> {
    pub status: StatusCode,
    pub body: T,
    pub version: u64,
}

impl<T> Versioned<T> {
    pub fn ok(body: T, version: u64) -> Self {
        Versioned { status: StatusCode::OK, body, version }
    }

    pub fn created(body: T, version: u64) -> Self {
        Versioned { status: StatusCode::CREATED, body, version }
    }
}

impl<T: Serialize> IntoResponse for Versioned<T> {
    fn into_response(self) -> Response {
        match json(self.status, &self.body) {
            Ok(mut response) => {
                if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", self.version)) {
                    response.headers_mut().insert(header::ETAG, etag);
                }
                response
            }
            Err(error) => error.into_response(),
        }
    }
}

/// A JSON body with a status other than 200 (201 for a creation without a version, 202 for queued work).
pub struct WithStatus<T>(pub StatusCode, pub T);

impl<T: Serialize> IntoResponse for WithStatus<T> {
    fn into_response(self) -> Response {
        json(self.0, &self.1).unwrap_or_else(IntoResponse::into_response)
    }
}

/// A list page as every list route answers it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PageBody<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> PageBody<T> {
    /// The same page with each item turned into another type.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> PageBody<U> {
        PageBody { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

impl<T> From<crm_store::Page<T>> for PageBody<T> {
    fn from(page: crm_store::Page<T>) -> Self {
        PageBody { items: page.items, next_cursor: page.next_cursor }
    }
}

impl<T: Serialize> IntoResponse for PageBody<T> {
    fn into_response(self) -> Response {
        json(StatusCode::OK, &self).unwrap_or_else(IntoResponse::into_response)
    }
}
