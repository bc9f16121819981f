use crm_e2e::{Api, Tenant, User, api, ws_url};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub(crate) struct Socket {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Socket {
    /// Connects with the token in the query string and says hello with a heartbeat (which announces
    /// presence); waits for its ack.
    pub(crate) async fn open(user: &User) -> Socket {
        let mut socket = Socket::open_silently(user).await;
        socket.send(json!({"action": "heartbeat"})).await;
        socket.next("ack").await;
        socket
    }

    /// Connects and says nothing.
    pub(crate) async fn open_silently(user: &User) -> Socket {
        let (ws, _) = tokio_tungstenite::connect_async(format!("{}/?token={}", ws_url(), user.token))
            .await
            .expect("the socket opens");
        Socket { ws }
    }

    pub(crate) async fn send(&mut self, frame: Value) {
        self.ws.send(Message::text(frame.to_string())).await.expect("send");
    }

    pub(crate) async fn send_text(&mut self, text: String) {
        self.ws.send(Message::text(text)).await.expect("send");
    }

    /// The next frame of this type (others are skipped), within 10 s.
    pub(crate) async fn next(&mut self, kind: &str) -> Value {
        self.next_where(kind, |_| true).await
    }

    /// The next frame of this type that `matches`, within 10 s.
    pub(crate) async fn next_where(&mut self, kind: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("no `{kind}` frame arrived"));
            let Some(Ok(Message::Text(text))) = frame else { continue };
            let value: Value = serde_json::from_str(&text).expect("frames are JSON");
            if value["type"] == kind && matches(&value) {
                return value;
            }
        }
    }

    /// Waits for the server to close the socket (within 10 s), answering the error frame it said last.
    pub(crate) async fn closed_by_server(&mut self) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut last_error = Value::Null;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await.expect("the server closes the socket") {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).expect("frames are JSON");
                    if value["type"] == "error" {
                        last_error = value;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return last_error,
                Some(Ok(_)) => {}
            }
        }
    }

    /// Asserts that no frame of this type arrives for a while.
    pub(crate) async fn nothing(&mut self, kind: &str, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Some(Ok(Message::Text(text)))) = tokio::time::timeout_at(deadline, self.ws.next()).await {
            let value: Value = serde_json::from_str(&text).unwrap();
            assert_ne!(value["type"], kind, "unexpected frame {value}");
        }
    }
}

pub(crate) async fn team_channel(api: &Api, tenant: &Tenant, members: &[&User]) -> String {
    let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
    let channel = api
        .post("/api/v1/channels", Some(&tenant.admin.token), json!({"name": "deals", "members": ids}))
        .await
        .expect(201)
        .body;
    channel["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn two_users_chat_live_and_another_tenant_hears_nothing() {
    let api = api();
    let a = api.sign_up().await;
    let sales = api.add_user(&a, "sales").await;
    let b = api.sign_up().await;
    let channel = team_channel(&api, &a, &[&sales]).await;
    let mut admin_socket = Socket::open(&a.admin).await;
    let mut sales_socket = Socket::open(&sales).await;
    let mut stranger = Socket::open(&b.admin).await;

    admin_socket
        .send(json!({"action": "sendMessage", "channel_id": channel, "body": "Call Acme today?", "client_id": "m1"}))
        .await;
    let ack = admin_socket.next("ack").await;
    assert_eq!((ack["action"].as_str(), ack["client_id"].as_str()), (Some("sendMessage"), Some("m1")));
    let received = sales_socket.next("message").await;
    assert_eq!(received["message"]["body"], "Call Acme today?");
    assert_eq!(received["message"]["id"], ack["message_id"]);
    assert_eq!(received["message"]["author_id"], a.admin.id.as_str());

    // A reply through REST reaches the socket too, mentions included.
    let reply = format!("On it @{}", a.admin.id);
    api.post("/api/v1/messages", Some(&sales.token), json!({"channel_id": channel, "body": reply})).await.expect(201);
    let replied = admin_socket.next("message").await;
    assert_eq!(replied["message"]["body"], reply.as_str());
    assert_eq!(replied["message"]["mentions"], json!([a.admin.id]));

    stranger.nothing("message", Duration::from_millis(800)).await;
    // Nor can the other tenant read or post in the channel.
    api.get(&format!("/api/v1/messages?channel={channel}"), &b.admin.token).await.expect_problem(404, None);
    stranger.send(json!({"action": "sendMessage", "channel_id": channel, "body": "hi"})).await;
    assert_eq!(stranger.next("error").await["field"], "channel_id");
}

#[tokio::test]
async fn typing_presence_and_mentions_arrive() {
    let api = api();
    let a = api.sign_up().await;
    let sales = api.add_user(&a, "sales").await;
    let manager = api.add_user(&a, "manager").await;
    let channel = team_channel(&api, &a, &[&sales]).await;
    let mut admin_socket = Socket::open(&a.admin).await;
    let mut manager_socket = Socket::open(&manager).await;

    let sales_socket = Socket::open(&sales).await;
    let online = admin_socket.next_where("presence", |p| p["user_id"] == sales.id.as_str()).await;
    assert_eq!((online["user_id"].as_str(), online["status"].as_str()), (Some(sales.id.as_str()), Some("online")));
    // A second tab of the same user does not announce again.
    let mut second_tab = Socket::open(&sales).await;
    let presence = api.get("/api/v1/presence", &a.admin.token).await.expect(200).body;
    let entry =
        presence["online"].as_array().unwrap().iter().find(|o| o["user_id"] == sales.id.as_str()).cloned().unwrap();
    assert_eq!(entry["connections"], 2);

    second_tab.send(json!({"action": "typing", "channel_id": channel})).await;
    let typing = admin_socket.next("typing").await;
    assert_eq!(
        (typing["user_id"].as_str(), typing["channel_id"].as_str()),
        (Some(sales.id.as_str()), Some(channel.as_str()))
    );

    // A mention reaches the mentioned user even outside the channel.
    second_tab.send(json!({"action": "sendMessage", "channel_id": channel, "body": format!("@{} can you approve?", manager.id)})).await;
    let mentioned = manager_socket.next("message").await;
    assert_eq!(mentioned["mentioned"], true);
    assert_eq!(mentioned["message"]["mentions"], json!([manager.id]));

    drop(second_tab);
    drop(sales_socket);
    let offline = admin_socket.next_where("presence", |p| p["user_id"] == sales.id.as_str()).await;
    assert_eq!((offline["user_id"].as_str(), offline["status"].as_str()), (Some(sales.id.as_str()), Some("offline")));
    let presence = api.get("/api/v1/presence", &a.admin.token).await.expect(200).body;
    assert!(presence["online"].as_array().unwrap().iter().all(|o| o["user_id"] != sales.id.as_str()));
}

#[tokio::test]
async fn history_pages_back_and_unread_counts_rise_and_clear() {
    let api = api();
    let a = api.sign_up().await;
    let sales = api.add_user(&a, "sales").await;
    let channel = team_channel(&api, &a, &[&sales]).await;
    for n in 0..5 {
        api.post(
            "/api/v1/messages",
            Some(&a.admin.token),
            json!({"channel_id": channel, "body": format!("message {n}")}),
        )
        .await
        .expect(201);
    }
    let mut bodies = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("/api/v1/messages?channel={channel}&limit=2&cursor={c}"),
            None => format!("/api/v1/messages?channel={channel}&limit=2"),
        };
        let page = api.get(&url, &sales.token).await.expect(200).body;
        bodies.extend(page["items"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(bodies, ["message 4", "message 3", "message 2", "message 1", "message 0"]);

    let unread = |channels: &Value| {
        channels["items"].as_array().unwrap().iter().find(|c| c["channel_id"] == channel.as_str()).unwrap()["unread"]
            .clone()
    };
    assert_eq!(unread(&api.get("/api/v1/channels", &sales.token).await.expect(200).body), 5);
    assert_eq!(unread(&api.get("/api/v1/channels", &a.admin.token).await.expect(200).body), 0);
    let mut socket = Socket::open(&sales).await;
    socket.send(json!({"action": "markRead", "channel_id": channel})).await;
    assert_eq!(socket.next("ack").await["action"], "markRead");
    assert_eq!(unread(&api.get("/api/v1/channels", &sales.token).await.expect(200).body), 0);
}

#[tokio::test]
async fn a_stale_connection_is_cleaned_when_api_gateway_answers_410() {
    let api = api();
    let a = api.sign_up().await;
    let sales = api.add_user(&a, "sales").await;
    let channel = team_channel(&api, &a, &[&sales]).await;
    // A connection whose $disconnect never came (API Gateway does not guarantee it).
    let table = crm_store::Table::from_env(std::env::var("TABLE_NAME").unwrap()).await;
    let tenant = crm_domain::TenantId::parse(&a.id).unwrap();
    let user = crm_domain::UserId::parse(&sales.id).unwrap();
    let now = crm_domain::clock::Timestamp::now();
    let stale = crm_store::Connection {
        connection_id: format!("stale-{}", sales.id),
        tenant_id: tenant,
        user_id: user,
        connected_at: now.plus_seconds(-300).rfc3339(),
        expires_at: now.unix_seconds() + 600,
        announced: true,
        token: crm_store::TokenTerms { expires_at: now.unix_seconds() + 600, generation: 0 },
    };
    table.put_connection(&stale).await.unwrap();
    // One whose $connect is still running: API Gateway answers 410 for it too, but it must not be
    // forgotten (issue #15, item 18).
    let arriving = crm_store::Connection {
        connection_id: format!("arriving-{}", sales.id),
        connected_at: now.rfc3339(),
        announced: false,
        ..stale.clone()
    };
    table.put_connection(&arriving).await.unwrap();
    let online =
        |presence: &Value| presence["online"].as_array().unwrap().iter().any(|o| o["user_id"] == sales.id.as_str());
    assert!(online(&api.get("/api/v1/presence", &a.admin.token).await.expect(200).body));

    api.post("/api/v1/messages", Some(&a.admin.token), json!({"channel_id": channel, "body": "anyone?"}))
        .await
        .expect(201);
    assert_eq!(table.connection_owner(&stale.connection_id).await.unwrap(), None);
    assert!(table.connection_owner(&arriving.connection_id).await.unwrap().is_some());
    table.delete_connection(tenant, &arriving.connection_id).await.unwrap();
    assert!(!online(&api.get("/api/v1/presence", &a.admin.token).await.expect(200).body));
}

#[tokio::test]
async fn bad_frames_get_error_frames_and_the_socket_stays_open() {
    let api = api();
    let a = api.sign_up().await;
    let mut socket = Socket::open(&a.admin).await;
    socket.send_text("not json".into()).await;
    assert_eq!(socket.next("error").await["field"], "action");
    socket.send(json!({"action": "dance"})).await;
    assert!(socket.next("error").await["error"].as_str().unwrap().contains("dance"));
    socket.send(json!({"action": "sendMessage", "channel_id": "nope", "body": "x"})).await;
    socket.next("error").await;
    socket.send_text(format!(r#"{{"action":"sendMessage","body":"{}"}}"#, "x".repeat(40 * 1024))).await;
    assert!(socket.next("error").await["error"].as_str().unwrap().contains("limited"));
    let channel = team_channel(&api, &a, &[]).await;
    socket.send(json!({"action": "sendMessage", "channel_id": channel, "body": "y".repeat(5000)})).await;
    let too_long = socket.next("error").await;
    assert_eq!(too_long["field"], "body", "{too_long}");
    socket.send(json!({"action": "heartbeat"})).await;
    assert_eq!(socket.next("ack").await["action"], "heartbeat");

    let refused = tokio_tungstenite::connect_async(format!("{}/?token=forged", ws_url())).await;
    assert!(refused.is_err(), "a connection without a valid token is refused");
    let refused = tokio_tungstenite::connect_async(ws_url()).await;
    assert!(refused.is_err());
}

#[tokio::test]
async fn channels_direct_conversations_and_membership() {
    let api = api();
    let a = api.sign_up().await;
    let sales = api.add_user(&a, "sales").await;
    let other = api.add_user(&a, "sales").await;
    let direct = api
        .post("/api/v1/channels", Some(&sales.token), json!({"kind": "direct", "user_id": a.admin.id}))
        .await
        .expect(201)
        .body;
    let again = api
        .post("/api/v1/channels", Some(&a.admin.token), json!({"kind": "direct", "user_id": sales.id}))
        .await
        .expect(200)
        .body;
    assert_eq!(direct["id"], again["id"]);
    let direct_id = direct["id"].as_str().unwrap();
    api.get(&format!("/api/v1/messages?channel={direct_id}"), &other.token).await.expect_problem(404, None);
    api.post("/api/v1/messages", Some(&other.token), json!({"channel_id": direct_id, "body": "psst"}))
        .await
        .expect_problem(404, None);
    api.post(&format!("/api/v1/channels/{direct_id}/members"), Some(&sales.token), json!({"user_ids": [other.id]}))
        .await
        .expect_problem(403, None);

    let team = team_channel(&api, &a, &[]).await;
    api.post("/api/v1/messages", Some(&other.token), json!({"channel_id": team, "body": "hello"}))
        .await
        .expect_problem(403, None);
    api.post(&format!("/api/v1/channels/{team}/members"), Some(&other.token), json!({"user_ids": [sales.id]}))
        .await
        .expect_problem(403, None);
    api.post(&format!("/api/v1/channels/{team}/members"), Some(&other.token), json!({"user_ids": [other.id]}))
        .await
        .expect(204);
    api.post("/api/v1/messages", Some(&other.token), json!({"channel_id": team, "body": "hello"})).await.expect(201);
    let teams = api.get("/api/v1/channels?scope=team", &sales.token).await.expect(200).body;
    assert!(teams["items"].as_array().unwrap().iter().any(|c| c["id"] == team.as_str()));
    let stranger = api.sign_up().await;
    api.post(
        &format!("/api/v1/channels/{team}/members"),
        Some(&stranger.admin.token),
        json!({"user_ids": [stranger.admin.id]}),
    )
    .await
    .expect_problem(404, None);
    api.post("/api/v1/channels", Some(&a.admin.token), json!({"name": "x", "members": [stranger.admin.id]}))
        .await
        .expect_problem(404, Some("members"));
}

/// A member named twice, apart from each other, is a member once (it used to break the channel's single
/// transaction into a 500), and the initial list stays within what one transaction holds (issue #15, item 9).
#[tokio::test]
async fn a_member_named_twice_joins_once() {
    let api = api();
    let a = api.sign_up().await;
    let x = api.add_user(&a, "sales").await;
    let y = api.add_user(&a, "sales").await;
    let members = json!([x.id, y.id, x.id, a.admin.id]);
    api.post("/api/v1/channels", Some(&a.admin.token), json!({"name": "twice", "members": members})).await.expect(201);
    let crowd: Vec<String> = (0..50).map(|_| ulid_like()).collect();
    api.post("/api/v1/channels", Some(&a.admin.token), json!({"name": "crowd", "members": crowd}))
        .await
        .expect_problem(422, Some("members"));
}

fn ulid_like() -> String {
    crm_domain::UserId::new().to_string()
}

/// A user is announced online when their connection is made, not only at its first heartbeat (issue #15,
/// item 19).
#[tokio::test]
async fn a_new_connection_is_announced_before_any_heartbeat() {
    let api = api();
    let a = api.sign_up().await;
    let sales = api.add_user(&a, "sales").await;
    let mut admin_socket = Socket::open(&a.admin).await;
    let _sales_socket = Socket::open_silently(&sales).await;
    let online = admin_socket.next_where("presence", |p| p["user_id"] == sales.id.as_str()).await;
    assert_eq!(online["status"], "online");
}

/// One user may hold at most 10 live connections: every chat event is posted to each of them (issue #15,
/// item 10).
#[tokio::test]
async fn a_user_holds_at_most_ten_connections() {
    let api = api();
    let a = api.sign_up().await;
    let mut sockets = Vec::new();
    for _ in 0..crm_domain::chat::MAX_CONNECTIONS_PER_USER {
        sockets.push(Socket::open_silently(&a.admin).await);
    }
    let refused = tokio_tungstenite::connect_async(format!("{}/?token={}", ws_url(), a.admin.token)).await;
    let Err(tokio_tungstenite::tungstenite::Error::Http(response)) = refused else {
        panic!("an eleventh connection was accepted");
    };
    assert_eq!(response.status(), 429);
    drop(sockets.pop());
    tokio::time::sleep(Duration::from_millis(500)).await;
    Socket::open(&a.admin).await;
}

#[tokio::test]
async fn deactivation_and_signing_out_everywhere_close_the_users_sockets() {
    let api = api();
    let tenant = api.sign_up().await;
    let sales = api.add_user(&tenant, "sales").await;
    let mut watcher = Socket::open(&tenant.admin).await;
    let mut socket = Socket::open(&sales).await;
    watcher.next_where("presence", |p| p["user_id"] == sales.id.as_str() && p["status"] == "online").await;

    api.patch(&format!("/api/v1/users/{}", sales.id), &tenant.admin.token, json!({"status": "deactivated"}))
        .await
        .expect(200);
    let farewell = socket.closed_by_server().await;
    assert!(farewell["error"].as_str().is_some_and(|e| e.contains("sign-in has ended")), "{farewell}");
    watcher.next_where("presence", |p| p["user_id"] == sales.id.as_str() && p["status"] == "offline").await;

    let mut own = Socket::open(&tenant.admin).await;
    api.post("/api/v1/auth/sign_out_everywhere", Some(&tenant.admin.token), json!({})).await.expect(204);
    own.closed_by_server().await;
    watcher.closed_by_server().await;
    let refused = tokio_tungstenite::connect_async(format!("{}/?token={}", ws_url(), tenant.admin.token)).await;
    assert!(refused.is_err(), "a signed-out token opens no connection");
}

#[tokio::test]
async fn changing_or_resetting_a_password_closes_the_users_sockets() {
    let api = api();
    let tenant = api.sign_up().await;
    let sales = api.add_user(&tenant, "sales").await;
    let mut watcher = Socket::open(&tenant.admin).await;
    let mut socket = Socket::open(&sales).await;
    watcher.next_where("presence", |p| p["user_id"] == sales.id.as_str() && p["status"] == "online").await;

    let changed = "a longer and newer passphrase";
    let change = json!({"current_password": crm_e2e::PASSWORD, "new_password": changed});
    api.post("/api/v1/me/password", Some(&sales.token), change).await.expect(204);
    let farewell = socket.closed_by_server().await;
    assert!(farewell["error"].as_str().is_some_and(|e| e.contains("sign-in has ended")), "{farewell}");
    watcher.next_where("presence", |p| p["user_id"] == sales.id.as_str() && p["status"] == "offline").await;

    let signed_in = api
        .post("/api/v1/auth/sign_in", None, json!({"email": sales.email, "password": changed}))
        .await
        .expect(200)
        .body;
    let again = User { token: signed_in["access_token"].as_str().unwrap().to_owned(), ..sales.clone() };
    let mut socket = Socket::open(&again).await;
    watcher.next_where("presence", |p| p["user_id"] == sales.id.as_str() && p["status"] == "online").await;
    api.post("/api/v1/auth/password_reset", None, json!({"email": sales.email})).await.expect(202);
    let mail = crm_e2e::mail_to(&sales.email, "Reset your password").await;
    let token = crm_e2e::token_in(&mail, "/reset-password?token=");
    let reset = json!({"token": token, "new_password": "yet another long passphrase"});
    api.post("/api/v1/auth/password_reset/confirm", None, reset).await.expect(204);
    socket.closed_by_server().await;
    watcher.next_where("presence", |p| p["user_id"] == sales.id.as_str() && p["status"] == "offline").await;
}
