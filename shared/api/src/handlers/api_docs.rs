//! `GET /api-docs` and `GET /api-docs/{file}`: Swagger UI (vendored into the binary) browsing
//! `/api-docs/openapi.json`; and `GET /api-docs/graphql`, GraphiQL for `POST /api/v1/graphql`.

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

/// `GET /api-docs/{file}`: its scripts and styles; `graphql`, the GraphiQL page.
pub async fn file(Path(file): Path<String>) -> Result<Response, ApiError> {
    if file == "graphql" {
        let mut response = Response::new(Body::from(GRAPHIQL));
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        return Ok(response);
    }
    serve(&file)
}

/// GraphiQL, loaded from unpkg at pinned versions: a page for people trying queries, which sends the bearer
/// token they put in its headers editor.
const GRAPHIQL: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>CRM GraphQL</title>
<link rel="stylesheet" href="https://unpkg.com/graphiql@3.8.3/graphiql.min.css">
</head>
<body style="margin: 0">
<div id="graphiql" style="height: 100vh"></div>
<script crossorigin src="https://unpkg.com/react@18.3.1/umd/react.production.min.js"></script>
<script crossorigin src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js"></script>
<script crossorigin src="https://unpkg.com/graphiql@3.8.3/graphiql.min.js"></script>
<script>
  const fetcher = GraphiQL.createFetcher({ url: "/api/v1/graphql" });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultHeaders: JSON.stringify({ Authorization: "Bearer <an access token from POST /api/v1/auth/sign_in>" }, null, 2),
      defaultQuery: "{
  leads(first: 5) {
    items { id name status owner { name } notes(first: 3) { items { body } } }
    next_cursor
  }
}
",
    }),
  );
</script>
</body>
</html>
"#;

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
