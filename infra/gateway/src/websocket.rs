//! The local WebSocket API: upgrades connections after its `$connect` function accepts them, routes each
//! frame on its `action` to the route's function (`$default` otherwise) and sends back what the function
//! answers, calls `$disconnect` when a connection ends, and serves the `@connections` management endpoint
//! (POST/GET/DELETE, 410 Gone for a connection that is closed or unknown) that functions post to.

use crate::template::WsRoute;
use crm_api::App;
use crm_api::ws::WsHandler;
use crm_domain::chat::{MAX_FRAME_BYTES, ServerEvent};
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

pub const STAGE: &str = "local";

enum Outgoing {
    Text(String),
    Close,
}

struct Connection {
    sender: mpsc::UnboundedSender<Outgoing>,
    connected_at: String,
    source_ip: String,
}

pub struct WsState {
    /// Each route's handler and the function (logical id) it runs as.
    routes: HashMap<String, (WsHandler, String)>,
    app: Arc<App>,
    connections: Mutex<HashMap<String, Connection>>,
    domain: String,
    next: AtomicU64,
}

impl WsState {
    pub fn new(routes: &[WsRoute], app: Arc<App>, addr: SocketAddr) -> Result<Self, String> {
        let routes = routes
            .iter()
            .map(|r| (r.route_key.clone(), (crm_api::ws::for_route(&r.route_key), r.function.clone())))
            .collect();
        Ok(WsState { routes, app, connections: Mutex::default(), domain: addr.to_string(), next: AtomicU64::new(1) })
    }

    fn context(&self, route_key: &str, event_type: &str, connection_id: &str, source_ip: &str) -> Value {
        let now = OffsetDateTime::now_utc();
        let epoch_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
        json!({
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": format!("local-{}", self.next.fetch_add(1, Ordering::Relaxed)),
            "requestTime": now.format(time::macros::format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000")).unwrap_or_default(),
            "messageDirection": "IN",
            "stage": STAGE,
            "connectedAt": epoch_ms,
            "requestTimeEpoch": epoch_ms,
            "identity": {"sourceIp": source_ip},
            "requestId": format!("local-ws-{}", self.next.fetch_add(1, Ordering::Relaxed)),
            "domainName": self.domain,
            "connectionId": connection_id,
            "apiId": "local",
        })
    }

    async fn invoke(&self, route_key: &str, event: Value) -> Option<Value> {
        let (handler, function) = self.routes.get(route_key)?.clone();
        let app = self.app.clone();
        let call = async move { handler(&app, event).await.map_err(|e| e.to_string()) };
        // As Lambda isolates a failing invocation, a panicking handler fails only its own call.
        match tokio::spawn(crate::aws_calls::as_function_owned(function, call)).await {
            Ok(Ok(response)) => Some(response),
            Ok(Err(error)) => {
                tracing::error!(route = route_key, %error, "WebSocket function failed");
                None
            }
            Err(_) => None,
        }
    }
}

type Response = hyper::Response<Full<Bytes>>;

fn respond(status: u16, body: impl Into<Bytes>) -> Response {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(body.into()))
        .unwrap_or_default()
}

fn gone() -> Response {
    let mut response = respond(410, r#"{"message":"Gone"}"#);
    if let Ok(value) = "GoneException".parse() {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

pub async fn serve(listener: TcpListener, state: Arc<WsState>, mut stopped: oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                let Ok((stream, remote)) = accepted else { continue };
                let state = state.clone();
                let service = hyper::service::service_fn(move |req| {
                    let state = state.clone();
                    async move { Ok::<_, std::convert::Infallible>(handle(state, req, remote).await) }
                });
                tokio::spawn(async move {
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).with_upgrades().await;
                });
            }
        }
    }
    let connections: Vec<_> =
        state.connections.lock().map(|c| c.values().map(|c| c.sender.clone()).collect()).unwrap_or_default();
    for sender in connections {
        let _ = sender.send(Outgoing::Close);
    }
}

async fn handle(state: Arc<WsState>, req: hyper::Request<Incoming>, remote: SocketAddr) -> Response {
    let path = req.uri().path().to_owned();
    let management =
        path.strip_prefix(&format!("/{STAGE}")).unwrap_or(&path).strip_prefix("/@connections/").map(str::to_owned);
    if let Some(connection_id) = management {
        // The SDK percent-encodes the id in the path (API Gateway's ids end in `=`).
        return manage(&state, req, &crate::routing::percent_decode(&connection_id)).await;
    }
    let is_upgrade =
        req.headers().get("upgrade").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !is_upgrade {
        return respond(426, r#"{"message":"Upgrade to a WebSocket"}"#);
    }
    connect(state, req, remote).await
}

/// The `@connections` management endpoint.
async fn manage(state: &WsState, req: hyper::Request<Incoming>, connection_id: &str) -> Response {
    let method = req.method().clone();
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let connections = state.connections.lock().expect("connections");
    let Some(connection) = connections.get(connection_id) else { return gone() };
    match method.as_str() {
        "POST" => {
            let text = String::from_utf8_lossy(&body).into_owned();
            if connection.sender.send(Outgoing::Text(text)).is_err() {
                return gone();
            }
            respond(200, "")
        }
        "GET" => respond(
            200,
            json!({"connectedAt": connection.connected_at, "identity": {"sourceIp": connection.source_ip}, "lastActiveAt": connection.connected_at}).to_string(),
        ),
        "DELETE" => {
            let _ = connection.sender.send(Outgoing::Close);
            respond(204, "")
        }
        _ => respond(405, r#"{"message":"Method Not Allowed"}"#),
    }
}

fn header_map(req: &hyper::Request<Incoming>) -> (Map<String, Value>, Map<String, Value>) {
    let mut single = Map::new();
    let mut multi = Map::new();
    for name in req.headers().keys() {
        let values: Vec<String> =
            req.headers().get_all(name).iter().filter_map(|v| v.to_str().ok().map(str::to_owned)).collect();
        single.insert(name.as_str().to_owned(), Value::String(values.join(",")));
        multi.insert(name.as_str().to_owned(), json!(values));
    }
    (single, multi)
}

async fn connect(state: Arc<WsState>, req: hyper::Request<Incoming>, remote: SocketAddr) -> Response {
    let Some(key) = req.headers().get("sec-websocket-key").map(|k| derive_accept_key(k.as_bytes())) else {
        return respond(400, r#"{"message":"Missing Sec-WebSocket-Key"}"#);
    };
    let connection_id = format!("{:016x}=", rand_id(&state));
    let source_ip = remote.ip().to_string();
    let (headers, multi_headers) = header_map(&req);
    let query: Map<String, Value> = req
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (crate::routing::percent_decode(k), Value::String(crate::routing::percent_decode(&v.replace('+', " "))))
        })
        .collect();
    let mut event = json!({
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "requestContext": state.context("$connect", "CONNECT", &connection_id, &source_ip),
        "isBase64Encoded": false,
    });
    if !query.is_empty() {
        event["multiValueQueryStringParameters"] =
            Value::Object(query.iter().map(|(k, v)| (k.clone(), json!([v]))).collect());
        event["queryStringParameters"] = Value::Object(query);
    }
    let answer = state.invoke("$connect", event).await.unwrap_or_else(|| json!({"statusCode": 500}));
    let status = answer["statusCode"].as_u64().unwrap_or(500) as u16;
    if !(200..300).contains(&status) {
        return respond(status, json!({"message": "Forbidden"}).to_string());
    }
    let mut response = hyper::Response::builder()
        .status(101)
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-accept", key);
    if let Some(protocol) = answer["headers"]["sec-websocket-protocol"].as_str() {
        response = response.header("sec-websocket-protocol", protocol);
    }
    let (sender, receiver) = mpsc::unbounded_channel();
    let connected_at = OffsetDateTime::now_utc().unix_timestamp().to_string();
    state
        .connections
        .lock()
        .expect("connections")
        .insert(connection_id.clone(), Connection { sender, connected_at, source_ip: source_ip.clone() });
    tokio::spawn(async move {
        match hyper::upgrade::on(req).await {
            Ok(upgraded) => {
                let socket = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
                run_connection(&state, socket, receiver, &connection_id, &source_ip).await;
            }
            Err(error) => tracing::warn!(%error, "WebSocket upgrade failed"),
        }
        state.connections.lock().expect("connections").remove(&connection_id);
        let event = json!({"requestContext": state.context("$disconnect", "DISCONNECT", &connection_id, &source_ip), "isBase64Encoded": false});
        state.invoke("$disconnect", event).await;
    });
    response.body(Full::new(Bytes::new())).unwrap_or_default()
}

fn rand_id(state: &WsState) -> u64 {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
    nanos.rotate_left(17) ^ state.next.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

async fn run_connection(
    state: &WsState,
    socket: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>,
    mut outgoing: mpsc::UnboundedReceiver<Outgoing>,
    connection_id: &str,
    source_ip: &str,
) {
    let (mut sink, mut stream) = socket.split();
    loop {
        tokio::select! {
            frame = stream.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text.to_string(),
                    Some(Ok(Message::Binary(_))) => {
                        let error = ServerEvent::error("send text frames of JSON", None).to_json();
                        if sink.send(Message::text(error)).await.is_err() { break }
                        continue;
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                // API Gateway refuses frames over its limit itself; the connection stays open.
                if text.len() > MAX_FRAME_BYTES {
                    let error = ServerEvent::error(format!("frames are limited to {MAX_FRAME_BYTES} bytes"), None).to_json();
                    if sink.send(Message::text(error)).await.is_err() { break }
                    continue;
                }
                let action = serde_json::from_str::<Value>(&text).ok().and_then(|v| v.get("action").and_then(Value::as_str).map(str::to_owned));
                let route = action.filter(|a| state.routes.contains_key(a)).unwrap_or_else(|| "$default".to_owned());
                let event = json!({"requestContext": state.context(&route, "MESSAGE", connection_id, source_ip), "body": text, "isBase64Encoded": false});
                if let Some(answer) = state.invoke(&route, event).await
                    && let Some(body) = answer["body"].as_str().filter(|b| !b.is_empty())
                    && sink.send(Message::text(body.to_owned())).await.is_err()
                {
                    break;
                }
            }
            message = outgoing.recv() => match message {
                Some(Outgoing::Text(text)) => if sink.send(Message::text(text)).await.is_err() { break },
                Some(Outgoing::Close) | None => {
                    let _ = sink.send(Message::Close(None)).await;
                    break;
                }
            }
        }
    }
}
