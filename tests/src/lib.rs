//! Test harness: starts the local gateway once per test binary (on a free port, over the DynamoDB Local
//! and moto that `infra/test.sh` started) and gives tests a small HTTP client for the API.

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The running gateway's URL and its local queues' URLs by logical id.
struct Running {
    url: String,
    ws_url: String,
    slack: slack_fake::Requests,
    google: google_fake::Shared,
    receiver: receiver_fake::Requests,
    stripe: stripe_fake::Requests,
    queues: std::collections::BTreeMap<String, String>,
}

static GATEWAY: OnceLock<Running> = OnceLock::new();

/// A table (and queues) of this test binary's own, when it asked for one.
static OWN_TABLE: OnceLock<String> = OnceLock::new();

/// Gives this test binary a table and queues of its own (`TABLE_NAME` and `suffix`): bulk work's burst of
/// stream records then delays no other test's stream-driven check. Call before anything else.
pub fn use_own_table(suffix: &str) {
    let shared = std::env::var("TABLE_NAME").expect("TABLE_NAME");
    let _ = OWN_TABLE.set(format!("{shared}-{suffix}"));
}

/// The table the tests' stack uses.
pub fn table_name() -> String {
    OWN_TABLE.get().cloned().unwrap_or_else(|| std::env::var("TABLE_NAME").expect("TABLE_NAME"))
}

fn gateway_url() -> &'static str {
    &gateway().url
}

/// The local WebSocket API's URL, `ws://127.0.0.1:<port>`.
pub fn ws_url() -> &'static str {
    &gateway().ws_url
}

/// The URL of one of the template's queues, by logical id (`StatsRollupQueue`, …).
pub fn queue_url(logical_id: &str) -> String {
    gateway().queues.get(logical_id).cloned().unwrap_or_else(|| panic!("no queue {logical_id} in template.yaml"))
}

fn gateway() -> &'static Running {
    GATEWAY.get_or_init(|| {
        if std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_err() {
            panic!("the end-to-end tests need the local engines: run them with `bash infra/test.sh`");
        }
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            crm_local_gateway::init_tracing();
            let runtime =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let (slack_base, slack) = slack_fake::start().await;
                let (google_base, google) = google_fake::start().await;
                let (receiver_base, receiver) = receiver_fake::start().await;
                let (stripe_base, stripe) = stripe_fake::start().await;
                let mut options = crm_local_gateway::GatewayOptions::new(
                    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml"),
                    ([127, 0, 0, 1], 0).into(),
                );
                options.queue_visibility_seconds = Some(1);
                // infra/test.sh holds what each function called against its IAM policy afterwards.
                options.record_aws_calls = std::env::var("LOCAL_AWS_CALLS_DIR").ok().map(PathBuf::from);
                options.settings.insert("TABLE_NAME".into(), table_name());
                options.settings.insert("SLACK_BASE_URL".into(), slack_base);
                // Every page of a job is a step of its own: each job shows it continues where it paused (a
                // bench may ask for steps as long as deployed ones).
                let step_seconds = std::env::var("JOB_STEP_SECONDS").unwrap_or_else(|_| "0".into());
                options.settings.insert("JOB_STEP_SECONDS".into(), step_seconds);
                for (name, value) in [
                    ("GOOGLE_CLIENT_ID", "fake-client-id".to_owned()),
                    ("GOOGLE_CLIENT_SECRET", "fake-client-secret".to_owned()),
                    ("GOOGLE_AUTH_URL", format!("{google_base}/auth")),
                    ("GOOGLE_TOKEN_URL", format!("{google_base}/token")),
                    ("GOOGLE_PEOPLE_URL", google_base.clone()),
                    // Outgoing webhooks to the receiver's host reach the local fake; waits between attempts
                    // last a second, and an attempt a second at most.
                    ("WEBHOOK_LOCAL_TARGETS", format!("{RECEIVER_HOST}={receiver_base}")),
                    ("WEBHOOK_RETRY_CAP_SECONDS", "1".to_owned()),
                    ("WEBHOOK_TIMEOUT_MS", "1000".to_owned()),
                    // Exports upload 4 KiB parts, so a few hundred records go through a multipart upload.
                    ("FILE_PART_BYTES", "4096".to_owned()),
                    // Every call with an API key records its use, so every function's grant for that is used.
                    ("API_KEY_USAGE_SECONDS", "0".to_owned()),
                    ("STRIPE_API_BASE", stripe_base),
                    ("STRIPE_SECRET_KEY", stripe_fake::SECRET_KEY.to_owned()),
                    ("STRIPE_WEBHOOK_SECRET", stripe_fake::WEBHOOK_SECRET.to_owned()),
                    ("STRIPE_PRICE_TEAM", stripe_fake::PRICE_TEAM.to_owned()),
                    ("STRIPE_PRICE_BUSINESS", stripe_fake::PRICE_BUSINESS.to_owned()),
                ] {
                    options.settings.insert(name.into(), value);
                }
                match crm_local_gateway::start(options).await {
                    Ok(gateway) => {
                        let queues = gateway.queues.iter().map(|(name, q)| (name.clone(), q.url.clone())).collect();
                        sender
                            .send(Ok(Running {
                                url: gateway.url(),
                                ws_url: gateway.ws_url(),
                                slack,
                                google,
                                receiver,
                                stripe,
                                queues,
                            }))
                            .ok();
                        std::future::pending::<()>().await;
                    }
                    Err(error) => {
                        sender.send(Err(error.to_string())).ok();
                    }
                }
            });
        });
        receiver.recv().expect("gateway thread").unwrap_or_else(|e| panic!("local gateway did not start: {e}"))
    })
}

/// What the fake Slack received on webhook paths containing `fragment`, in order.
pub fn slack_requests(fragment: &str) -> Vec<slack_fake::Received> {
    gateway()
        .slack
        .lock()
        .map(|r| r.iter().filter(|r| r.path.contains(fragment)).cloned().collect())
        .unwrap_or_default()
}

pub mod google_fake;
pub mod receiver_fake;
pub mod stripe_fake;

/// What the Stripe fake was asked, in order.
pub fn stripe_requests() -> Vec<stripe_fake::Asked> {
    gateway().stripe.lock().map(|r| r.clone()).unwrap_or_default()
}

/// The host of outgoing webhook endpoints that the local stack delivers to the receiver fake.
pub const RECEIVER_HOST: &str = "hooks.receiver.test";

/// What the receiver fake got on paths containing `fragment`, in order.
pub fn received(fragment: &str) -> Vec<receiver_fake::Received> {
    gateway()
        .receiver
        .lock()
        .map(|r| r.iter().filter(|r| r.path.contains(fragment)).cloned().collect())
        .unwrap_or_default()
}

/// Works on the fake Google's address book opened by authorization code `code`.
pub fn google_book<T>(code: &str, work: impl FnOnce(&mut google_fake::Book) -> T) -> T {
    let mut state = gateway().google.lock().expect("Google fake");
    work(state.books.entry(code.to_owned()).or_default())
}

/// Starts a local fake of a third party on a free loopback port, answering every request with `answer`
/// until the test process ends; answers its base URL.
pub(crate) async fn start_fake<F, R>(what: &str, answer: F) -> String
where
    F: Fn(hyper::Request<hyper::body::Incoming>) -> R + Clone + Send + Sync + 'static,
    R: std::future::Future<Output = hyper::Response<http_body_util::Full<hyper::body::Bytes>>> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("bind {what}: {e}"));
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let answer = answer.clone();
            let service = hyper::service::service_fn(move |req| {
                let answer = answer.clone();
                async move { Ok::<_, std::convert::Infallible>(answer(req).await) }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    base
}

pub mod slack_fake {
    //! A stand-in for Slack's incoming webhooks. It records every request, and answers by the path:
    //! `ratelimited` gets one 429 with `Retry-After: 2` first, `flaky` one 500 first, `broken` always
    //! 404; anything else 200 `ok`.

    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    use serde_json::Value;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    #[derive(Clone, Debug)]
    pub struct Received {
        pub path: String,
        pub body: Value,
        pub at: Instant,
        pub status: u16,
    }

    pub type Requests = Arc<Mutex<Vec<Received>>>;

    pub async fn start() -> (String, Requests) {
        let requests: Requests = Arc::default();
        let recorded = requests.clone();
        let base = crate::start_fake("the Slack fake", move |req: hyper::Request<hyper::body::Incoming>| {
            let recorded = recorded.clone();
            async move {
                let path = req.uri().path().to_owned();
                let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let (status, retry_after) = {
                    let mut all = recorded.lock().expect("requests");
                    let earlier = all.iter().filter(|r| r.path == path).count();
                    let (status, retry_after) = match () {
                        _ if path.contains("ratelimited") && earlier == 0 => (429, Some("2")),
                        _ if path.contains("flaky") && earlier == 0 => (500, None),
                        _ if path.contains("broken") => (404, None),
                        _ => (200, None),
                    };
                    all.push(Received { path, body, at: Instant::now(), status });
                    (status, retry_after)
                };
                let mut response = hyper::Response::builder().status(status);
                if let Some(seconds) = retry_after {
                    response = response.header("retry-after", seconds);
                }
                let text = if status == 404 { "no_service" } else { "ok" };
                response.body(Full::new(Bytes::from(text))).expect("response")
            }
        })
        .await;
        (base, requests)
    }
}

/// An HTTP response with its body parsed as JSON where it is JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.body);
        self
    }

    /// Asserts an RFC 9457 problem with this status (and field, if given).
    #[track_caller]
    pub fn expect_problem(self, status: u16, field: Option<&str>) -> Self {
        let reply = self.expect(status);
        assert_eq!(reply.header("content-type"), Some("application/problem+json"), "{}", reply.body);
        assert_eq!(reply.body["status"], status, "{}", reply.body);
        assert!(reply.body["type"].as_str().is_some_and(|t| t.starts_with("/problems/")), "{}", reply.body);
        if let Some(field) = field {
            assert_eq!(reply.body["field"], field, "{}", reply.body);
        }
        reply
    }
}

#[derive(Clone)]
pub struct Api {
    pub base: String,
    http: reqwest::Client,
}

/// A client of its own, calling from an address of its own (any of 127.0.0.0/8 reaches the gateway), as
/// separate people would: the API throttles sign-ups and wrong passwords per address.
pub fn api() -> Api {
    static CLIENTS: AtomicU64 = AtomicU64::new(0);
    let n = CLIENTS.fetch_add(1, Ordering::Relaxed);
    let process = std::process::id() % 200;
    let address = std::net::Ipv4Addr::new(127, 20 + process as u8, (n / 250 % 250) as u8, (n % 250 + 2) as u8);
    let http = reqwest::Client::builder().local_address(std::net::IpAddr::V4(address)).build().expect("an HTTP client");
    Api { base: gateway_url().to_owned(), http }
}

impl Api {
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.base));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn send(&self, builder: reqwest::RequestBuilder) -> Reply {
        let response = builder.send().await.expect("request reaches the local gateway");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("response body");
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Reply { status, headers, body }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(self.request(Method::GET, path, Some(token))).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(self.request(Method::POST, path, token).json(&body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(self.request(Method::PATCH, path, Some(token)).json(&body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.send(self.request(Method::DELETE, path, Some(token))).await
    }

    /// A new account with its Admin signed in: the sign-up, the mail and the confirmation, as a person
    /// would go through them.
    pub async fn sign_up(&self) -> Tenant {
        let email = unique_email("admin");
        let body = json!({"account_name": "Acme", "name": "Ada Admin", "email": email, "password": PASSWORD});
        self.post("/api/v1/auth/sign_up", None, body).await.expect(202);
        let token = token_in(&mail_to(&email, "Confirm your email address").await, "/verify-email?token=");
        let reply = self.post("/api/v1/auth/verify_email", None, json!({"token": token})).await.expect(201);
        let admin = User::from_tokens(&reply.body, &email);
        Tenant { id: reply.body["account"]["id"].as_str().expect("account id").to_owned(), admin }
    }

    /// A user of `tenant` with `role`, created by its Admin and signed in.
    pub async fn add_user(&self, tenant: &Tenant, role: &str) -> User {
        let email = unique_email(role);
        self.post(
            "/api/v1/users",
            Some(&tenant.admin.token),
            json!({"email": email, "name": format!("{role} user"), "role": role, "password": PASSWORD}),
        )
        .await
        .expect(201);
        self.sign_in(&email).await
    }

    pub async fn sign_in(&self, email: &str) -> User {
        let reply =
            self.post("/api/v1/auth/sign_in", None, json!({"email": email, "password": PASSWORD})).await.expect(200);
        User::from_tokens(&reply.body, email)
    }

    /// Creates a lead and returns its JSON.
    pub async fn create_lead(&self, token: &str, body: Value) -> Value {
        self.post("/api/v1/leads", Some(token), body).await.expect(201).body
    }
}

/// A mail sent through the local SES (moto): the latest to `address` whose subject is `subject`, within
/// 10 s. Answers its text.
pub async fn mail_to(address: &str, subject: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let data = moto_data().await;
        let found = mails(&data).filter(|m| m["subject"] == subject && sent_to(m, address)).last();
        if let Some(mail) = found {
            return mail["body"].as_str().expect("a text body").to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "no mail \"{subject}\" to {address} arrived");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// How many mails were sent to `address` through the local SES.
pub async fn mail_count(address: &str) -> usize {
    mails(&moto_data().await).filter(|m| sent_to(m, address)).count()
}

/// Everything moto holds. Its dump of every backend fails now and then while another request changes one
/// (an error page rather than JSON), so a failed dump is asked for again, for up to 10 s.
async fn moto_data() -> Value {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_SESV2").expect("AWS_ENDPOINT_URL_SESV2 (moto) is set");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let dumped = match reqwest::get(format!("{endpoint}/moto-api/data.json")).await {
            Ok(response) => response.json::<Value>().await.map_err(|e| e.to_string()),
            Err(error) => Err(error.to_string()),
        };
        match dumped {
            Ok(data) => return data,
            Err(error) => assert!(std::time::Instant::now() < deadline, "moto's data never came as JSON: {error}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn mails(data: &Value) -> impl Iterator<Item = &Value> {
    data["ses"]["Message"].as_array().into_iter().flatten()
}

fn sent_to(mail: &Value, address: &str) -> bool {
    mail["destinations"]["ToAddresses"].as_array().is_some_and(|to| to.iter().any(|a| a == address))
}

/// The one-time token a mail's link carries after `marker` (`/verify-email?token=`).
pub fn token_in(text: &str, marker: &str) -> String {
    let start = text.find(marker).unwrap_or_else(|| panic!("no {marker} in the mail: {text}")) + marker.len();
    text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

/// Starts a job with `POST path` (answered 202 with the job and its `Location`) and follows it until it
/// ends, within 30 s; answers the finished job, which must have succeeded.
pub async fn run_job(api: &Api, path: &str, token: &str) -> Value {
    let job = finished_job(api, path, token, json!({})).await;
    // One step per page (JOB_STEP_SECONDS=0), and at least a page per kind of record.
    assert!(job["steps"].as_u64().unwrap() >= 3, "{job}");
    job
}

/// As [`run_job`], with `body` asking for the job (an export's kind and filters).
pub async fn finished_job(api: &Api, path: &str, token: &str, body: Value) -> Value {
    finished_job_within(api, path, token, body, std::time::Duration::from_secs(30)).await
}

/// As [`finished_job`], for a job that may take up to `limit` (a large import).
pub async fn finished_job_within(api: &Api, path: &str, token: &str, body: Value, limit: std::time::Duration) -> Value {
    let started = api.post(path, Some(token), body).await.expect(202);
    let location = started.header("location").expect("a job's Location").to_owned();
    assert_eq!(started.body["status"], "queued", "{}", started.body);
    assert_eq!(location, format!("/api/v1/jobs/{}", id_of(&started.body)));
    let deadline = std::time::Instant::now() + limit;
    // Often enough for a short job, without spending a long one's rate on asking.
    let pause = std::time::Duration::from_millis(if limit.as_secs() > 60 { 500 } else { 100 });
    loop {
        let job = api.get(&location, token).await.expect(200).body;
        if job["status"] != "queued" && job["status"] != "running" {
            assert_eq!(job["status"], "succeeded", "{job}");
            return job;
        }
        assert!(std::time::Instant::now() < deadline, "the job never ended: {job}");
        tokio::time::sleep(pause).await;
    }
}

/// Puts `file` into the files bucket through an upload link, as a browser would; answers the upload's id.
pub async fn upload(api: &Api, token: &str, file: &[u8]) -> String {
    let link = api.post("/api/v1/uploads", Some(token), json!({"bytes": file.len()})).await.expect(201).body;
    assert_eq!(link["method"], "PUT", "{link}");
    let mut put = reqwest::Client::new().put(link["url"].as_str().expect("an upload url")).body(file.to_vec());
    for (name, value) in link["headers"].as_object().expect("headers") {
        put = put.header(name, value.as_str().expect("a header value"));
    }
    let answer = put.send().await.expect("the upload is sent");
    assert!(answer.status().is_success(), "upload: {}", answer.status());
    id_of(&link)
}

/// A file a finished job links to, as text.
pub async fn downloaded(job: &Value) -> String {
    let url = job["download"]["url"].as_str().unwrap_or_else(|| panic!("no download link: {job:#}"));
    let answer = reqwest::get(url).await.expect("the download");
    assert_eq!(answer.status(), 200, "{url}");
    answer.text().await.expect("the file's text")
}

/// Puts `file` through an upload link and imports it as `asked` says (`kind`, `columns`, …); answers the
/// finished job.
pub async fn import(api: &Api, token: &str, file: &[u8], asked: Value) -> Value {
    let upload_id = upload(api, token, file).await;
    let mut body = asked;
    body["upload_id"] = json!(upload_id);
    finished_job_within(api, "/api/v1/imports", token, body, std::time::Duration::from_secs(600)).await
}

/// A CSV file of `rows` under `header`.
pub fn csv_file<R: AsRef<[u8]>>(header: &[&str], rows: &[Vec<R>]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header).expect("a header");
    for row in rows {
        writer.write_record(row).expect("a row");
    }
    writer.into_inner().expect("the file")
}

/// The rows of a CSV file, by column.
pub fn csv_rows(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().expect("a header").iter().map(str::to_owned).collect();
    reader
        .records()
        .map(|row| header.iter().cloned().zip(row.expect("a row").iter().map(str::to_owned)).collect())
        .collect()
}

/// An import's created, updated, unchanged and failed rows.
pub fn import_tally(job: &Value) -> [u64; 4] {
    ["created", "updated", "unchanged", "failed"].map(|name| job["result"][name].as_u64().unwrap_or(u64::MAX))
}

/// The `id` of a JSON record.
pub fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

pub const PASSWORD: &str = "correct horse battery staple";

pub fn unique_email(tag: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{tag}.{}.{nanos}.{}@example.com", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

pub struct Tenant {
    pub id: String,
    pub admin: User,
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub email: String,
    pub token: String,
    pub refresh: String,
}

impl User {
    fn from_tokens(body: &Value, email: &str) -> Self {
        User {
            id: body["user"]["id"].as_str().expect("user id").to_owned(),
            email: email.to_owned(),
            token: body["access_token"].as_str().expect("access token").to_owned(),
            refresh: body["refresh_token"].as_str().expect("refresh token").to_owned(),
        }
    }
}

/// Follows `next_cursor` through a list, returning every page's ids.
pub async fn all_pages(api: &Api, path: &str, token: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{separator}cursor={c}"),
            None => path.to_owned(),
        };
        let reply = api.get(&url, token).await.expect(200);
        let ids = reply.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect();
        pages.push(ids);
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return pages,
        }
        assert!(pages.len() < 100, "runaway pagination");
    }
}

/// Puts an account on a plan, as the billing worker will when a subscription changes: tests that need more
/// seats, keys or endpoints than a new account's Free plan allows start with this.
pub async fn on_plan(tenant: &Tenant, plan: crm_domain::plan::Plan) {
    let table = crm_store::Table::from_env(table_name()).await;
    let id = crm_domain::TenantId::parse(&tenant.id).expect("a tenant id");
    table.set_plan(id, plan).await.expect("the plan is set");
}

/// Sets how much of a counted limit an account holds, as if it had made that many: a test of the records
/// limit starts near it without making a thousand records first (at the Free plan's request rate, that
/// alone would take minutes).
pub async fn holding(tenant: &Tenant, counted: crm_domain::plan::Counted, used: u64) {
    use aws_sdk_dynamodb::types::AttributeValue;
    let table = crm_store::Table::from_env(table_name()).await;
    let id = crm_domain::TenantId::parse(&tenant.id).expect("a tenant id");
    table
        .client()
        .update_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S(crm_store::keys::tenant(id)))
        .key("sk", AttributeValue::S(crm_store::USAGE.to_owned()))
        .update_expression("SET #count = :used")
        .expression_attribute_names("#count", counted.name())
        .expression_attribute_values(":used", AttributeValue::N(used.to_string()))
        .send()
        .await
        .expect("the usage count is set");
}
