//! `GET /api-docs` and `GET /api-docs/{file}`: Swagger UI (vendored into the binary) browsing
//! `/api-docs/openapi.json`.

use crate::extract::Path;
use crate::problem::ApiError;
use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};
use std::sync::{Arc, LazyLock};
use utoipa_swagger_ui::Config;

static CONFIG: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| Arc::new(Config::new(["/api-docs/openapi.json"])));

/// `GET /api-docs`: the page itself.
pub async fn index() -> Result<Response, ApiError> {
    serve("index.html")
}

/// `GET /api-docs/{file}`: its scripts and styles.
pub async fn file(Path(file): Path<String>) -> Result<Response, ApiError> {
    serve(&file)
}

fn serve(file: &str) -> Result<Response, ApiError> {
    let found = utoipa_swagger_ui::serve(file, CONFIG.clone()).map_err(|e| ApiError::Internal(e.to_string()))?;
    let Some(found) = found else { return Err(ApiError::NotFound) };
    let mut bytes = found.bytes.into_owned();
    if file == "index.html" && !found.gzpipped {
        // Served at /api-docs (no trailing slash): its relative links must resolve under /api-docs/.
        let page = String::from_utf8_lossy(&bytes).replacen("<head>", "<head><base href=\"/api-docs/\">", 1);
        bytes = page.into_bytes();
    }
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = StatusCode::OK;
    if let Ok(content_type) = HeaderValue::from_str(&found.content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, content_type);
    }
    if found.gzpipped {
        response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    Ok(response)
}
