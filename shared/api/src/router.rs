//! The HTTP API as one typed router: every route with its handler, the OpenAPI document generated from the
//! same list, and the layer every request passes through. Each route is still its own Lambda function in
//! `template.yaml`; they all run this router, and API Gateway sends each function only its own route.

use crate::app::App;
use crate::extract::RawBody;
use crate::handlers::{self, *};
use crate::problem::{ApiError, Failure};
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::handler::Handler;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use http_body_util::BodyExt;
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use utoipa::openapi::path::ParameterIn;
use utoipa_axum::PathItemExt;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Declares the documented routes once: `documented` collects them with their documentation for the
/// OpenAPI document; `served` registers the same handlers at the same paths and methods for serving, and
/// builds no documentation, so a function's init stays small.
macro_rules! api_routes {
    ($($module:ident :: $handler:ident),* $(,)?) => {
        /// Every documented route with its documentation.
        pub fn documented() -> OpenApiRouter<Arc<App>> {
            OpenApiRouter::new()$(.routes(routes!($module::$handler)))*
        }

        fn served() -> Router<Arc<App>> {
            let router = Router::new();
            $(let router = utoipa_axum::paste! { serve::<$module::[<__path_ $handler>], _, _>(router, $module::$handler) };)*
            router
        }
    };
}

// Every documented route. Adding a route is one line here.
api_routes!(
    auth_sign_up::handle,
    auth_sign_in::handle,
    auth_refresh::handle,
    auth_sign_out::handle,
    auth_sign_out_everywhere::handle,
    auth_verify_email::handle,
    auth_password_reset::handle,
    auth_password_reset_confirm::handle,
    me::handle,
    account::handle,
    billing::checkout,
    billing::portal,
    billing::webhook,
    me_password::handle,
    users_create::handle,
    users_list::handle,
    directory::handle,
    api_keys_create::handle,
    api_keys_list::handle,
    api_keys_revoke::handle,
    users_update::handle,
    leads::create,
    leads::list,
    leads::get,
    leads::update,
    leads::delete,
    leads_convert::handle,
    customers::create,
    customers::list,
    customers::get,
    customers::update,
    customers::delete,
    deals::create,
    deals::list,
    deals::get,
    deals::update,
    deals::delete,
    notes_list::handle,
    notes_create::handle,
    notes_update::handle,
    notes_delete::handle,
    record_timeline::handle,
    activity_list::handle,
    tags_list::handle,
    dashboard::handle,
    dashboard_rebuild::handle,
    integrations_slack_put::handle,
    integrations_slack_get::handle,
    integrations_slack_delete::handle,
    integrations_webhooks_create::handle,
    integrations_webhooks_list::handle,
    integrations_webhooks_delete::handle,
    webhook_endpoints::create,
    webhook_endpoints::list,
    webhook_endpoints::update,
    webhook_endpoints::delete,
    webhook_endpoints::rotate_secret,
    webhook_endpoints::deliveries,
    webhook_endpoints::redeliver,
    webhooks_leads::handle,
    webhooks_leads_zapier::handle,
    webhooks_leads_typeform::handle,
    integrations_google_authorize::handle,
    integrations_google_callback::handle,
    integrations_google_get::handle,
    integrations_google_delete::handle,
    integrations_google_sync::handle,
    channels_list::handle,
    channels_create::handle,
    channels_members_add::handle,
    messages_list::handle,
    messages_create::handle,
    presence_list::handle,
    notifications::list,
    notifications::unread_count,
    notifications::read,
    notifications::read_all,
    notifications::preferences_get,
    notifications::preferences_update,
    search::handle,
    search_reindex::handle,
    jobs_get::handle,
    exports_create::handle,
    uploads_create::handle,
    imports_create::handle,
    record_pdf::handle,
    dashboard_pdf::handle,
    record_duplicates::handle,
    record_merge::handle,
    graphql::handle,
);

/// Adds a handler at its documented path and methods. A query parameter its documentation does not
/// declare is refused; the declared ones are read from the documentation on the route's first request.
fn serve<D, H, T>(router: Router<Arc<App>>, handler: H) -> Router<Arc<App>>
where
    D: utoipa::Path,
    H: Handler<T, Arc<App>>,
    T: 'static,
{
    let declared: Arc<OnceLock<BTreeSet<String>>> = Arc::default();
    let check = move |req: Request, next: Next| {
        let declared = declared.clone();
        async move { refuse_undeclared_query(declared.get_or_init(declared_query::<D>), req, next).await }
    };
    let methods = D::methods()
        .into_iter()
        .fold(MethodRouter::new(), |methods, method| methods.on(method.to_method_filter(), handler.clone()));
    router.route(&D::path(), methods.route_layer(middleware::from_fn(check)))
}

fn declared_query<D: utoipa::Path>() -> BTreeSet<String> {
    let operation = D::operation();
    let query = crate::openapi::parameters(&operation).filter(|p| p.parameter_in == ParameterIn::Query);
    query.map(|p| p.name.clone()).collect()
}

/// The routes that serve the documentation itself, not operations of the API.
pub const UNDOCUMENTED: [(&str, &str); 3] =
    [("GET", "/api-docs/openapi.json"), ("GET", "/api-docs"), ("GET", "/api-docs/{file}")];

/// The whole HTTP API over `app`: what every HTTP function's `main` and the local gateway serve.
pub fn router(app: Arc<App>) -> Router {
    served()
        .route(UNDOCUMENTED[0].1, get(handlers::openapi_json::handle))
        .route(UNDOCUMENTED[1].1, get(handlers::api_docs::index))
        .route(UNDOCUMENTED[2].1, get(handlers::api_docs::file))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(app)
        .layer(middleware::from_fn(every_request))
}

/// API Gateway answers an undeclared route or method itself, before any function runs.
async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// A query parameter the operation does not declare is refused, so a typo in a filter is never silently
/// ignored and the document stays the exact list of what the server accepts.
async fn refuse_undeclared_query(declared: &BTreeSet<String>, req: Request, next: Next) -> Response {
    if let Some(query) = req.uri().query() {
        let undeclared =
            form_urlencoded::parse(query.as_bytes()).map(|(name, _)| name.into_owned()).find(|n| !declared.contains(n));
        if let Some(name) = undeclared {
            let known = declared.iter().cloned().collect::<Vec<_>>().join(", ");
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
