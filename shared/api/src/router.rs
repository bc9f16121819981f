//! The HTTP API as one typed router: every route with its handler, the OpenAPI document generated from the
//! same list, and the layer every request passes through. Each route is still its own Lambda function in
//! `template.yaml`; they all run this router, and API Gateway sends each function only its own route.

use crate::app::App;
use crate::extract::RawBody;
use crate::handlers::{self, *};
use crate::problem::{ApiError, Failure};
use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http_body_util::BodyExt;
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock};
use std::time::Instant;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every documented route, each with its handler. Adding a route is one line here.
pub fn documented() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(auth_sign_up::handle))
        .routes(routes!(auth_sign_in::handle))
        .routes(routes!(auth_refresh::handle))
        .routes(routes!(auth_sign_out::handle))
        .routes(routes!(me::handle))
        .routes(routes!(users_create::handle))
        .routes(routes!(users_list::handle))
        .routes(routes!(users_update::handle))
        .routes(routes!(leads::create, leads::list))
        .routes(routes!(leads::get, leads::update, leads::delete))
        .routes(routes!(leads_convert::handle))
        .routes(routes!(customers::create, customers::list))
        .routes(routes!(customers::get, customers::update, customers::delete))
        .routes(routes!(deals::create, deals::list))
        .routes(routes!(deals::get, deals::update, deals::delete))
        .routes(routes!(notes_list::handle))
        .routes(routes!(notes_create::handle))
        .routes(routes!(notes_update::handle))
        .routes(routes!(notes_delete::handle))
        .routes(routes!(record_timeline::handle))
        .routes(routes!(activity_list::handle))
        .routes(routes!(tags_list::handle))
        .routes(routes!(dashboard::handle))
        .routes(routes!(dashboard_rebuild::handle))
        .routes(routes!(integrations_slack_put::handle))
        .routes(routes!(integrations_slack_get::handle))
        .routes(routes!(integrations_slack_delete::handle))
        .routes(routes!(integrations_webhooks_create::handle))
        .routes(routes!(integrations_webhooks_list::handle))
        .routes(routes!(integrations_webhooks_delete::handle))
        .routes(routes!(webhooks_leads::handle))
        .routes(routes!(webhooks_leads_zapier::handle))
        .routes(routes!(webhooks_leads_typeform::handle))
        .routes(routes!(integrations_google_authorize::handle))
        .routes(routes!(integrations_google_callback::handle))
        .routes(routes!(integrations_google_get::handle))
        .routes(routes!(integrations_google_delete::handle))
        .routes(routes!(integrations_google_sync::handle))
        .routes(routes!(channels_list::handle))
        .routes(routes!(channels_create::handle))
        .routes(routes!(channels_members_add::handle))
        .routes(routes!(messages_list::handle))
        .routes(routes!(messages_create::handle))
        .routes(routes!(presence_list::handle))
        .routes(routes!(search::handle))
        .routes(routes!(search_reindex::handle))
}

/// The routes that serve the documentation itself, not operations of the API.
pub const UNDOCUMENTED: [(&str, &str); 3] =
    [("GET", "/api-docs/openapi.json"), ("GET", "/api-docs"), ("GET", "/api-docs/{file}")];

/// The whole HTTP API over `app`: what every HTTP function's `main` and the local gateway serve.
pub fn router(app: Arc<App>) -> Router {
    let (routes, _) = documented()
        .route(UNDOCUMENTED[0].1, get(handlers::openapi_json::handle))
        .route(UNDOCUMENTED[1].1, get(handlers::api_docs::index))
        .route(UNDOCUMENTED[2].1, get(handlers::api_docs::file))
        .route_layer(middleware::from_fn(refuse_undeclared_query))
        .split_for_parts();
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(app)
        .layer(middleware::from_fn(every_request))
}

/// API Gateway answers an undeclared route or method itself, before any function runs.
async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// The query parameters each operation declares, by method and route, from the generated document.
static DECLARED_QUERIES: LazyLock<HashMap<(String, String), BTreeSet<String>>> = LazyLock::new(|| {
    let spec = crate::openapi::spec();
    let mut declared = HashMap::new();
    for (path, item) in &spec.paths.paths {
        for (method, operation) in crate::openapi::operations(item) {
            let params = crate::openapi::parameters(operation);
            let query = params.filter(|p| p.parameter_in == utoipa::openapi::path::ParameterIn::Query);
            declared.insert((method.to_owned(), path.clone()), query.map(|p| p.name.clone()).collect());
        }
    }
    declared
});

/// A query parameter the operation does not declare is refused, so a typo in a filter is never silently
/// ignored and the document stays the exact list of what the server accepts.
async fn refuse_undeclared_query(path: MatchedPath, req: Request, next: Next) -> Response {
    if let Some(query) = req.uri().query() {
        let key = (req.method().as_str().to_owned(), path.as_str().to_owned());
        let declared = DECLARED_QUERIES.get(&key);
        let undeclared = form_urlencoded::parse(query.as_bytes())
            .map(|(name, _)| name.into_owned())
            .find(|name| declared.is_some_and(|d| !d.contains(name)));
        if let Some(name) = undeclared {
            let known = declared.map(|d| d.iter().cloned().collect::<Vec<_>>().join(", ")).unwrap_or_default();
            let takes = if known.is_empty() { "no query parameters".to_owned() } else { known };
            let detail = format!("unknown query parameter `{name}`; this route takes {takes}");
            return ApiError::bad_request(&name, detail).into_response();
        }
    }
    next.run(req).await
}

/// What every request goes through: its body is kept for the extractors (API Gateway delivers it whole),
/// an error becomes the problem document for the request's path, and one log line records the outcome.
async fn every_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let request_id = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone().unwrap_or_default(),
        _ => String::new(),
    };
    let (mut parts, body) = req.into_parts();
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => return ApiError::BadRequest { detail: error.to_string(), field: None }.render(&path),
    };
    parts.extensions.insert(RawBody(bytes.clone()));
    let mut response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    if let Some(Failure(error)) = response.extensions_mut().remove::<Failure>() {
        if error.status().is_server_error() {
            tracing::error!(%request_id, %method, %path, error = %error, "request failed");
        }
        response = error.render(&path);
    }
    tracing::info!(
        %request_id,
        %method,
        %path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}
