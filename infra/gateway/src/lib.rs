//! The local stand-in for API Gateway. It reads `template.yaml`, creates the table it defines, serves the
//! HTTP API's routes, and answers each request by building the payload-2.0 event API Gateway would send
//! and running it through the same `lambda_http` adapter and handler as the deployed function.

pub mod aws_calls;
pub mod capacity;
pub mod deploy;
pub mod event;
pub mod routing;
pub mod table;
pub mod template;
pub mod web;
pub mod websocket;
pub mod workers;

use crate::routing::select;
use crate::template::{HttpRoute, Template};
use crm_api::{App, Settings};
use crm_store::Table;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Context, LambdaEvent, Service};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// API Gateway's own limit on an HTTP API request body.
const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error(transparent)]
    Template(#[from] template::TemplateError),
    #[error("configuration: {0}")]
    Settings(#[from] crm_api::app::SettingsError),
    #[error("{0}")]
    Table(String),
    #[error("{0}")]
    Workers(String),
    #[error("template.yaml routes {0} to binary `{1}`; every HTTP route runs the `api` binary")]
    UnknownBinary(String, String),
    #[error("{addr} is already in use: is the local stack already running? Stop it (Ctrl-C) or choose another port")]
    AddressInUse { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
}

pub struct GatewayOptions {
    pub template: PathBuf,
    pub listen: SocketAddr,
    /// Where the WebSocket API and its `@connections` endpoint listen.
    pub ws_listen: SocketAddr,
    /// Settings for the worker functions beyond the process environment (e.g. `SLACK_BASE_URL`).
    pub settings: HashMap<String, String>,
    /// Overrides every queue's visibility timeout, so failed messages come back (and reach their
    /// dead-letter queue) in seconds rather than the deployed timeout.
    pub queue_visibility_seconds: Option<i32>,
    /// Where stream consumers keep their place, as Lambda's event source mappings do: a restarted
    /// gateway resumes after the last batch delivered instead of at the stream's tip.
    pub stream_checkpoints: Option<PathBuf>,
    /// Where to record each function's AWS calls (one file per gateway), for `infra/iam_conformance.py`.
    pub record_aws_calls: Option<PathBuf>,
    /// The web app's build (`web/dist`), served at `/` beside the API.
    pub web_root: Option<PathBuf>,
}

impl GatewayOptions {
    pub fn new(template: PathBuf, listen: SocketAddr) -> Self {
        let ws_listen = SocketAddr::new(listen.ip(), if listen.port() == 0 { 0 } else { listen.port() + 1 });
        GatewayOptions {
            template,
            listen,
            ws_listen,
            settings: HashMap::new(),
            queue_visibility_seconds: None,
            stream_checkpoints: None,
            record_aws_calls: None,
            web_root: None,
        }
    }
}

/// The binary every HTTP route's function runs.
pub const HTTP_BINARY: &str = "api";

/// API Gateway's limit on an HTTP API integration: past it the client gets 503 whatever the function does.
const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);

struct State {
    routes: Vec<HttpRoute>,
    cors: Option<template::Cors>,
    /// The router as the token-issuing functions run it (with the signing key), and as every other
    /// function runs it (with the verifying key only).
    issuing: axum::Router,
    verifying: axum::Router,
    verifying_app: Arc<App>,
    next_request: AtomicU64,
    web: Option<web::WebApp>,
}

pub struct RunningGateway {
    pub addr: SocketAddr,
    pub ws_addr: SocketAddr,
    ws_stop: Option<oneshot::Sender<()>>,
    pub routes: Vec<HttpRoute>,
    /// The local queues, by the template's logical ids.
    pub queues: std::collections::BTreeMap<String, workers::LocalQueue>,
    pollers: Vec<JoinHandle<()>>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RunningGateway {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws_addr)
    }

    /// Stops accepting, lets requests in flight finish (up to 10 s), then returns.
    pub async fn stop(mut self) {
        for poller in &self.pollers {
            poller.abort();
        }
        if let Some(stop) = self.ws_stop.take() {
            let _ = stop.send(());
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Logs as the functions do (JSON lines filtered by `RUST_LOG`).
pub fn init_tracing() {
    crm_api::lambda::init_tracing();
}

/// Creates the template's SES identities in the local SES (moto), which sends only from verified ones,
/// as SES does; one that exists already is fine.
async fn create_mail_identities(identities: &[String]) -> Result<(), String> {
    if identities.is_empty() {
        return Ok(());
    }
    let ses = aws_sdk_sesv2::Client::new(&aws_config::load_from_env().await);
    for identity in identities {
        match ses.create_email_identity().email_identity(identity).send().await {
            Ok(_) => {}
            Err(error) if error.as_service_error().is_some_and(|e| e.is_already_exists_exception()) => {}
            Err(error) => {
                return Err(format!("SES identity {identity}: {}", aws_sdk_sesv2::error::DisplayErrorContext(&error)));
            }
        }
    }
    Ok(())
}

/// Creates the buckets functions are given in the local S3 (moto), each named after the table and its
/// logical id; answers the local name of each.
async fn create_buckets(
    table: &str,
    bucket_variables: &std::collections::BTreeSet<(String, String)>,
) -> Result<BTreeMap<String, String>, String> {
    let mut names = BTreeMap::new();
    if bucket_variables.is_empty() {
        return Ok(names);
    }
    let config = aws_config::load_from_env().await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    for (_, bucket) in bucket_variables {
        let local: String = format!("{table}-{bucket}")
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
            .collect();
        match s3.create_bucket().bucket(&local).send().await {
            Ok(_) => {}
            Err(error) if error.as_service_error().is_some_and(|e| e.is_bucket_already_owned_by_you()) => {}
            Err(error) => return Err(format!("bucket {local}: {}", aws_sdk_s3::error::DisplayErrorContext(error))),
        }
        // The web app puts import files through upload links from the gateway's origin, whose port is
        // chosen at start; the template allows the web app's origins only (checked in template_checks.py).
        let put_from_anywhere = aws_sdk_s3::types::CorsRule::builder()
            .allowed_methods("PUT")
            .allowed_origins("*")
            .allowed_headers("content-type")
            .build()
            .map_err(|e| format!("bucket {local}: {e}"))?;
        let cors = aws_sdk_s3::types::CorsConfiguration::builder()
            .cors_rules(put_from_anywhere)
            .build()
            .map_err(|e| format!("bucket {local}: {e}"))?;
        s3.put_bucket_cors()
            .bucket(&local)
            .cors_configuration(cors)
            .send()
            .await
            .map_err(|e| format!("bucket {local} CORS: {}", aws_sdk_s3::error::DisplayErrorContext(e)))?;
        names.insert(bucket.clone(), local);
    }
    Ok(names)
}

/// The settings that show the template's parameters (names, never secrets), for the IAM check to resolve
/// the template's references with.
fn named_settings(lookup: &impl Fn(&str) -> Option<String>) -> BTreeMap<String, String> {
    let names = ["TABLE_NAME", "SEARCH_INDEX", "JWT_ISSUER", "JWT_AUDIENCE", "MAIL_FROM", "WEB_APP_URL"];
    let secrets = crm_api::app::SECRET_SETTINGS.map(|setting| format!("{setting}_FROM_SECRET"));
    names
        .iter()
        .map(|name| (*name).to_owned())
        .chain(secrets)
        .filter_map(|name| Some((name.clone(), lookup(&name)?)))
        .collect()
}

/// What each HTTP and WebSocket function reads once per execution environment in Lambda (its secrets), read
/// as that function: the local stack serves them all from one shared router that read them once.
async fn cold_starts(
    template: &Template,
    aws: &aws_config::SdkConfig,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<(), String> {
    let functions: std::collections::BTreeSet<&String> =
        template.routes.iter().map(|r| &r.function).chain(template.ws_routes.iter().map(|r| &r.function)).collect();
    for function in functions {
        let Some(variables) = template.function_variables.get(function) else { continue };
        let given = |name: &str| if workers::withheld(variables, name) { None } else { lookup(name) };
        let reading = crm_store::secret_env::expand(aws, &crm_api::app::SECRET_SETTINGS, &given);
        aws_calls::as_function(function, reading).await.map_err(|e| format!("{function}'s secrets: {e}"))?;
    }
    Ok(())
}

/// Reads the template, prepares the table and starts serving. Settings come from the same environment
/// variables a deployed function reads.
pub async fn start(options: GatewayOptions) -> Result<RunningGateway, GatewayError> {
    let template = Template::load(&options.template)?;
    // Secrets come from the local Secrets Manager (moto) where the environment names them, as in Lambda.
    let lookup = |name: &str| options.settings.get(name).cloned().or_else(|| std::env::var(name).ok());
    let secrets =
        crm_store::secret_env::expand(&aws_config::load_from_env().await, &crm_api::app::SECRET_SETTINGS, &lookup)
            .await
            .map_err(|e| GatewayError::Table(format!("secrets: {e}")))?;
    let settings = Settings::from_lookup(|name| secrets.get(name).cloned().or_else(|| lookup(name)))?;
    let table = Table::from_env(settings.table_name.clone()).await;
    table::ensure_table(table.client(), table.name(), &template.table).await.map_err(GatewayError::Table)?;
    let sqs = aws_sdk_sqs::Client::new(&aws_config::load_from_env().await);
    let queues = workers::create_queues(&sqs, table.name(), &template.queues, options.queue_visibility_seconds)
        .await
        .map_err(GatewayError::Table)?;
    if let Some(route) = template.routes.iter().find(|r| r.binary != HTTP_BINARY) {
        return Err(GatewayError::UnknownBinary(route.route_key(), route.binary.clone()));
    }
    create_mail_identities(&template.mail_identities).await.map_err(GatewayError::Table)?;
    let domains = deploy::create_search_domains(&aws_config::load_from_env().await, &template.search_domains)
        .await
        .map_err(GatewayError::Table)?;
    let buckets = create_buckets(table.name(), &template.bucket_variables).await.map_err(GatewayError::Table)?;
    if let Some(directory) = &options.record_aws_calls {
        let names = aws_calls::LocalNames {
            table: table.name().to_owned(),
            queues: queues
                .iter()
                .map(|(id, q)| (id.clone(), q.arn.rsplit(':').next().unwrap_or("").to_owned()))
                .collect(),
            search_domains: domains.clone(),
            buckets: buckets.clone(),
            environment: named_settings(&lookup),
        };
        aws_calls::record_into(directory.clone(), &names).map_err(GatewayError::Table)?;
        crm_search::observe_requests(aws_calls::record_search);
        crm_files::observe_presigned(aws_calls::record_presigned);
        crm_api::graphql::carry_into_spawned(aws_calls::in_current_function);
    }
    // What the functions are given: clients whose calls are recorded, when recording.
    let functions_aws = aws_calls::recording_config(aws_config::load_from_env().await);
    if options.record_aws_calls.is_some() {
        cold_starts(&template, &functions_aws, &lookup).await.map_err(GatewayError::Table)?;
    }
    let functions_table = Table::new(crm_store::DynamoDbClient::new(&functions_aws), table.name().to_owned());
    // The deploy's own steps (the search index behind its alias) before anything writes, as in AWS.
    deploy::create_custom_resources(&template, &queues, &domains, table.name(), &options.settings, &functions_aws)
        .await
        .map_err(GatewayError::Table)?;
    let ws_listener = bind(options.ws_listen).await?;
    let ws_addr =
        ws_listener.local_addr().map_err(|source| GatewayError::Listen { addr: options.ws_listen, source })?;
    let management_endpoint = format!("http://{ws_addr}/{}", websocket::STAGE);
    let checkpoints = options.stream_checkpoints.clone();
    let mut worker_settings = options.settings.clone();
    worker_settings.insert("WEBSOCKET_MANAGEMENT_ENDPOINT".into(), management_endpoint.clone());
    let local_s3 = lookup("AWS_ENDPOINT_URL_S3").is_some();
    let mut settings = settings;
    for (variable, bucket) in &template.bucket_variables {
        let local = buckets.get(bucket).cloned().unwrap_or_default();
        worker_settings.insert(variable.clone(), local.clone());
        if variable == "FILES_BUCKET" {
            settings.files_bucket = Some((local, local_s3));
        }
    }
    if let Some((_, queue)) = template.queue_variables.iter().find(|(variable, _)| variable == "JOBS_QUEUE_URL") {
        settings.jobs_queue_url = queues.get(queue).map(|q| q.url.clone());
    }
    let pollers = workers::start(&template, &queues, table.name(), &worker_settings, checkpoints, &functions_aws)
        .await
        .map_err(GatewayError::Workers)?;
    settings.websocket_management_endpoint = Some(management_endpoint);
    // Mail goes out from the template's identity, as the deployed functions' MAIL_FROM says.
    settings.mail_from = settings.mail_from.or_else(|| template.mail_identities.first().cloned());
    let aws = functions_aws;
    let table = functions_table;
    let verifying = Settings { jwt_private_key: None, ..settings.clone() };
    let verifying_app = Arc::new(App::new(table.clone(), &verifying, aws.clone())?);
    let state = Arc::new(State {
        routes: template.routes.clone(),
        cors: template.cors.clone(),
        issuing: crm_api::router::router(Arc::new(App::new(table, &settings, aws)?)),
        verifying: crm_api::router::router(verifying_app.clone()),
        verifying_app,
        next_request: AtomicU64::new(1),
        web: options.web_root.clone().map(|root| web::WebApp::new(root, &format!("ws://{ws_addr}"))),
    });

    let listener = bind(options.listen).await?;
    let addr = listener.local_addr().map_err(|source| GatewayError::Listen { addr: options.listen, source })?;
    let ws_state = Arc::new(
        websocket::WsState::new(&template.ws_routes, state.verifying_app.clone(), ws_addr)
            .map_err(GatewayError::Workers)?,
    );
    let (ws_stop, ws_stopped) = oneshot::channel();
    tokio::spawn(websocket::serve(ws_listener, ws_state, ws_stopped));
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(accept(listener, state, stopped));
    Ok(RunningGateway {
        addr,
        ws_addr,
        ws_stop: Some(ws_stop),
        routes: template.routes,
        queues,
        pollers,
        stop: Some(stop),
        task,
    })
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, GatewayError> {
    TcpListener::bind(addr).await.map_err(|source| match source.kind() {
        std::io::ErrorKind::AddrInUse => GatewayError::AddressInUse { addr },
        _ => GatewayError::Listen { addr, source },
    })
}

async fn accept(listener: TcpListener, state: Arc<State>, mut stopped: oneshot::Receiver<()>) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                let Ok((stream, remote)) = accepted else { continue };
                let state = state.clone();
                let service = hyper::service::service_fn(move |req| {
                    let state = state.clone();
                    async move { Ok::<_, std::convert::Infallible>(serve(state, req, remote).await) }
                });
                let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
}

fn gateway_message(status: u16, message: &str) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(format!("{{\"message\":\"{message}\"}}"))))
        .unwrap_or_default()
}

async fn serve(state: Arc<State>, req: hyper::Request<Incoming>, remote: SocketAddr) -> hyper::Response<Full<Bytes>> {
    let origin = req.headers().get("origin").and_then(|o| o.to_str().ok()).map(str::to_owned);
    let allowed_origin =
        state.cors.as_ref().zip(origin.as_deref()).and_then(|(cors, origin)| cors.allowed_origin(origin));
    let is_preflight =
        req.method() == hyper::Method::OPTIONS && req.headers().contains_key("access-control-request-method");
    if let (Some(cors), true) = (&state.cors, is_preflight) {
        return preflight(cors, allowed_origin);
    }
    let mut response = route(state.clone(), req, remote).await;
    if let (Some(cors), Some(origin)) = (&state.cors, allowed_origin) {
        let headers = response.headers_mut();
        if let Ok(origin) = origin.parse() {
            headers.insert("access-control-allow-origin", origin);
        }
        if !cors.expose_headers.is_empty()
            && let Ok(expose) = cors.expose_headers.join(",").parse()
        {
            headers.insert("access-control-expose-headers", expose);
        }
    }
    response
}

/// API Gateway answers CORS preflight requests itself when the API has a CORS configuration.
fn preflight(cors: &template::Cors, allowed_origin: Option<String>) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(204);
    if let Some(origin) = allowed_origin {
        builder = builder
            .header("access-control-allow-origin", origin)
            .header("access-control-allow-methods", cors.allow_methods.join(","))
            .header("access-control-allow-headers", cors.allow_headers.join(","));
        if let Some(max_age) = cors.max_age {
            builder = builder.header("access-control-max-age", max_age.to_string());
        }
    }
    builder.body(Full::new(Bytes::new())).unwrap_or_default()
}

async fn route(state: Arc<State>, req: hyper::Request<Incoming>, remote: SocketAddr) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return gateway_message(413, "Request Entity Too Large"),
    };
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let Some(matched) = select(&state.routes, &method, &path) else {
        if let Some(page) = state.web.as_ref().and_then(|web| web.answer(&method, &path)) {
            return page;
        }
        tracing::info!(%method, %path, status = 404, "no route");
        return gateway_message(404, "Not Found");
    };
    let request_id = format!("local-{:012}", state.next_request.fetch_add(1, Ordering::Relaxed));
    let incoming = event::Incoming {
        method: &method,
        raw_path: &path,
        raw_query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body: &body,
        remote,
        request_id: &request_id,
    };
    let event = event::http_api_event(&incoming, &matched);
    let router = if matched.route.issues_tokens { state.issuing.clone() } else { state.verifying.clone() };
    let function_timeout = Duration::from_secs(matched.route.timeout_seconds);
    let invocation =
        tokio::spawn(aws_calls::as_function_owned(matched.route.function.clone(), invoke(router, event, request_id)));
    let abort = invocation.abort_handle();
    match tokio::time::timeout(function_timeout.min(INTEGRATION_TIMEOUT), invocation).await {
        Ok(Ok(Ok(response))) => to_http(response),
        Ok(Ok(Err(error))) => {
            tracing::error!(%method, %path, %error, "invocation failed");
            gateway_message(500, "Internal Server Error")
        }
        // A panicking handler: Lambda reports the invocation as failed and API Gateway answers 500.
        Ok(Err(_)) => gateway_message(500, "Internal Server Error"),
        Err(_) => {
            abort.abort();
            timed_out(&method, &path, function_timeout)
        }
    }
}

/// What the client gets when an invocation runs too long: past the function's `Timeout` Lambda ends it
/// and API Gateway answers 500; past API Gateway's 30-second integration limit, 503.
fn timeout_answer(function_timeout: Duration) -> (u16, &'static str) {
    if function_timeout < INTEGRATION_TIMEOUT { (500, "Internal Server Error") } else { (503, "Service Unavailable") }
}

fn timed_out(method: &str, path: &str, function_timeout: Duration) -> hyper::Response<Full<Bytes>> {
    let (status, message) = timeout_answer(function_timeout);
    tracing::error!(%method, %path, timeout_s = function_timeout.as_secs(), status, "the invocation ran out of time");
    gateway_message(status, message)
}

/// What the Lambda runtime does with an event: deserialize it, run the adapter around the handler,
/// serialize the response.
async fn invoke(
    router: axum::Router,
    event: serde_json::Value,
    request_id: String,
) -> Result<ApiGatewayV2httpResponse, String> {
    let payload: LambdaRequest = serde_json::from_value(event).map_err(|e| format!("event: {e}"))?;
    let mut context = Context::default();
    context.request_id = request_id;
    // The adapter is not `Send`; only its future crosses the await.
    let call = Adapter::from(router).call(LambdaEvent::new(payload, context));
    let response = call.await.map_err(|e| e.to_string())?;
    let json = serde_json::to_value(&response).map_err(|e| format!("response: {e}"))?;
    serde_json::from_value(json).map_err(|e| format!("response: {e}"))
}

fn to_http(response: ApiGatewayV2httpResponse) -> hyper::Response<Full<Bytes>> {
    use base64::Engine;
    let body: Vec<u8> = match response.body {
        Some(lambda_http::Body::Text(text)) if response.is_base64_encoded => {
            base64::engine::general_purpose::STANDARD.decode(text).unwrap_or_default()
        }
        Some(lambda_http::Body::Text(text)) => text.into_bytes(),
        Some(lambda_http::Body::Binary(bytes)) => bytes,
        _ => Vec::new(),
    };
    let mut builder = hyper::Response::builder().status(u16::try_from(response.status_code).unwrap_or(500));
    for (name, value) in response.headers.iter() {
        builder = builder.header(name, value);
    }
    for cookie in &response.cookies {
        builder = builder.header("set-cookie", cookie);
    }
    builder.body(Full::new(Bytes::from(body))).unwrap_or_else(|_| gateway_message(500, "Internal Server Error"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_function_is_answered_as_api_gateway_answers_it() {
        assert_eq!(timeout_answer(Duration::from_secs(10)), (500, "Internal Server Error"));
        assert_eq!(timeout_answer(Duration::from_secs(29)), (500, "Internal Server Error"));
        assert_eq!(timeout_answer(Duration::from_secs(30)), (503, "Service Unavailable"));
        assert_eq!(timeout_answer(Duration::from_secs(120)), (503, "Service Unavailable"));
    }
}
