//! Per route: DynamoDB calls, sequential round trips and consumed capacity per request, and the handler's
//! CPU time per request. Write capacity is counted twice: as DynamoDB Local reports it, and by AWS's rules
//! (`crm_local_gateway::capacity`) from each written item's images on the table's stream, with a breakdown
//! of the last request's units by item (this thread's CPU clock around the handler, on a single-threaded runtime, so it
//! counts our code, the SDK's signing and (de)serialisation, and nothing of DynamoDB Local, which runs in
//! its own process). Handlers are called directly, as the Lambda runtime calls them.
//! Run with `bash infra/bench/routes.sh`, which starts DynamoDB Local.

use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut,
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use axum::Router;
use crm_api::{App, Settings};
use crm_domain::activity::{Action, Activity};
use crm_local_gateway::capacity::{Image, Shape, WriteUnits, item_size};
use crm_local_gateway::template::Template;
use http_body_util::BodyExt;
use lambda_http::{Body, Request, RequestExt, Service};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

const RUNS: usize = 60;
const WARM_UP: usize = 5;

/// Counts every DynamoDB call, the sequential round trips they made (a call starting while none is in
/// flight begins a new one), and the capacity DynamoDB reports (it is asked for with every call).
#[derive(Debug, Default)]
struct Meter {
    calls: AtomicU64,
    round_trips: AtomicU64,
    in_flight: AtomicU64,
    read_milli_units: AtomicU64,
    write_milli_units: AtomicU64,
    /// The items written since the last request began.
    writes: Mutex<Vec<Written>>,
}

/// An item a write named (by its `pk` and `sk`), and whether inside a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Written {
    pk: String,
    sk: String,
    transactional: bool,
}

static METER: Meter = Meter {
    calls: AtomicU64::new(0),
    round_trips: AtomicU64::new(0),
    in_flight: AtomicU64::new(0),
    read_milli_units: AtomicU64::new(0),
    write_milli_units: AtomicU64::new(0),
    writes: Mutex::new(Vec::new()),
};

#[derive(Debug)]
struct MeterInterceptor;

macro_rules! each_operation {
    ($apply:ident) => {
        $apply!(
            aws_sdk_dynamodb::operation::get_item::GetItemInput,
            aws_sdk_dynamodb::operation::get_item::GetItemOutput,
            read
        );
        $apply!(aws_sdk_dynamodb::operation::query::QueryInput, aws_sdk_dynamodb::operation::query::QueryOutput, read);
        $apply!(
            aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput,
            aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput,
            read
        );
        $apply!(
            aws_sdk_dynamodb::operation::put_item::PutItemInput,
            aws_sdk_dynamodb::operation::put_item::PutItemOutput,
            write
        );
        $apply!(
            aws_sdk_dynamodb::operation::update_item::UpdateItemInput,
            aws_sdk_dynamodb::operation::update_item::UpdateItemOutput,
            write
        );
        $apply!(
            aws_sdk_dynamodb::operation::delete_item::DeleteItemInput,
            aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput,
            write
        );
        $apply!(
            aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput,
            aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput,
            write
        );
        $apply!(
            aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput,
            aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput,
            write
        );
    };
}

trait Capacity {
    fn capacity(&self) -> Vec<ConsumedCapacity>;
}

macro_rules! capacity_of_one {
    ($($output:ty),*) => {$(
        impl Capacity for $output {
            fn capacity(&self) -> Vec<ConsumedCapacity> {
                self.consumed_capacity.clone().into_iter().collect()
            }
        }
    )*};
}
macro_rules! capacity_of_many {
    ($($output:ty),*) => {$(
        impl Capacity for $output {
            fn capacity(&self) -> Vec<ConsumedCapacity> {
                self.consumed_capacity.clone().unwrap_or_default()
            }
        }
    )*};
}
capacity_of_one!(
    aws_sdk_dynamodb::operation::get_item::GetItemOutput,
    aws_sdk_dynamodb::operation::query::QueryOutput,
    aws_sdk_dynamodb::operation::put_item::PutItemOutput,
    aws_sdk_dynamodb::operation::update_item::UpdateItemOutput,
    aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput
);
capacity_of_many!(
    aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput,
    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput,
    aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput
);

impl Intercept for MeterInterceptor {
    fn name(&self) -> &'static str {
        "MeterInterceptor"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input_mut();
        macro_rules! ask {
            ($input:ty, $output:ty, $kind:ident) => {
                if let Some(input) = input.downcast_mut::<$input>() {
                    input.return_consumed_capacity = Some(ReturnConsumedCapacity::Total);
                }
            };
        }
        each_operation!(ask);
        METER.writes.lock().unwrap().extend(written_items(input));
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        METER.calls.fetch_add(1, Ordering::SeqCst);
        if METER.in_flight.fetch_add(1, Ordering::SeqCst) == 0 {
            METER.round_trips.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        METER.in_flight.fetch_sub(1, Ordering::SeqCst);
        let Ok(output) = context.output_or_error() else { return Ok(()) };
        macro_rules! record {
            ($input:ty, $output:ty, read) => {
                if let Some(output) = output.downcast_ref::<$output>() {
                    METER.read_milli_units.fetch_add(units(&output.capacity()), Ordering::SeqCst);
                }
            };
            ($input:ty, $output:ty, write) => {
                if let Some(output) = output.downcast_ref::<$output>() {
                    METER.write_milli_units.fetch_add(units(&output.capacity()), Ordering::SeqCst);
                }
            };
        }
        each_operation!(record);
        Ok(())
    }

    fn read_after_execution(
        &self,
        _: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        Ok(())
    }
}

type Item = HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

/// The items a write request names.
fn written_items(input: &aws_smithy_runtime_api::client::interceptors::context::Input) -> Vec<Written> {
    use aws_sdk_dynamodb::operation::{
        batch_write_item::BatchWriteItemInput, delete_item::DeleteItemInput, put_item::PutItemInput,
        transact_write_items::TransactWriteItemsInput, update_item::UpdateItemInput,
    };
    let named = |item: Option<&Item>, transactional: bool| {
        let text = |name: &str| item.and_then(|i| i.get(name)).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        Written { pk: text("pk"), sk: text("sk"), transactional }
    };
    if let Some(put) = input.downcast_ref::<PutItemInput>() {
        return vec![named(put.item.as_ref(), false)];
    }
    if let Some(update) = input.downcast_ref::<UpdateItemInput>() {
        return vec![named(update.key.as_ref(), false)];
    }
    if let Some(delete) = input.downcast_ref::<DeleteItemInput>() {
        return vec![named(delete.key.as_ref(), false)];
    }
    if let Some(transaction) = input.downcast_ref::<TransactWriteItemsInput>() {
        return transaction
            .transact_items()
            .iter()
            .map(|action| {
                let key = (action.put().map(|p| p.item()))
                    .or(action.update().map(|u| u.key()))
                    .or(action.delete().map(|d| d.key()))
                    .or(action.condition_check().map(|c| c.key()));
                named(key, true)
            })
            .collect();
    }
    if let Some(batch) = input.downcast_ref::<BatchWriteItemInput>() {
        return batch
            .request_items()
            .into_iter()
            .flat_map(|items| items.values().flatten())
            .map(|write| {
                let key = write.put_request().map(|p| p.item()).or(write.delete_request().map(|d| d.key()));
                named(key, false)
            })
            .collect();
    }
    Vec::new()
}

/// What happened to one item, from the table's stream.
struct Change {
    pk: String,
    sk: String,
    old: Option<Image>,
    new: Option<Image>,
}

/// Reads the table's stream from its start, to learn each written item's images.
struct StreamTail {
    streams: aws_sdk_dynamodbstreams::Client,
    arn: String,
    iterators: HashMap<String, Option<String>>,
    /// Every item as the stream last showed it (the bench's table is new, so every item went through it).
    current: HashMap<(String, String), Image>,
}

impl StreamTail {
    async fn open(aws: &aws_config::SdkConfig, dynamodb: &aws_sdk_dynamodb::Client, table: &str) -> Self {
        let described = dynamodb.describe_table().table_name(table).send().await.unwrap();
        let arn = described.table.and_then(|t| t.latest_stream_arn).expect("the table has a stream");
        StreamTail {
            streams: crm_local_gateway::workers::streams_client(aws),
            arn,
            iterators: HashMap::new(),
            current: HashMap::new(),
        }
    }

    /// Every change since the last call.
    async fn changes(&mut self) -> Vec<Change> {
        let described = self.streams.describe_stream().stream_arn(&self.arn).send().await.unwrap();
        for shard in described.stream_description.and_then(|d| d.shards).unwrap_or_default() {
            let Some(id) = shard.shard_id else { continue };
            if !self.iterators.contains_key(&id) {
                let iterator = self
                    .streams
                    .get_shard_iterator()
                    .stream_arn(&self.arn)
                    .shard_id(&id)
                    .shard_iterator_type(aws_sdk_dynamodbstreams::types::ShardIteratorType::TrimHorizon)
                    .send()
                    .await
                    .unwrap()
                    .shard_iterator;
                self.iterators.insert(id, iterator);
            }
        }
        let mut changes = Vec::new();
        for iterator in self.iterators.values_mut() {
            while let Some(current) = iterator.clone() {
                let output = self.streams.get_records().shard_iterator(current).send().await.unwrap();
                *iterator = output.next_shard_iterator;
                let records = output.records.unwrap_or_default();
                if records.is_empty() {
                    break;
                }
                for record in records.into_iter().filter_map(|r| r.dynamodb) {
                    let keys = record.keys.unwrap_or_default();
                    let text = |name: &str| keys.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                    let key = (text("pk"), text("sk"));
                    match &record.new_image {
                        Some(image) => self.current.insert(key.clone(), image.clone()),
                        None => self.current.remove(&key),
                    };
                    changes.push(Change { pk: key.0, sk: key.1, old: record.old_image, new: record.new_image });
                }
            }
        }
        changes
    }
}

/// Counts a request's write units by AWS's rules.
struct AwsCapacity {
    shape: Shape,
    tail: StreamTail,
}

/// One written item's units in the last request, for the breakdown.
struct ItemUnits {
    item: String,
    transactional: bool,
    units: WriteUnits,
}

impl AwsCapacity {
    /// Forgets what was written so far (a request's preparation).
    async fn begin(&mut self) {
        self.tail.changes().await;
        METER.writes.lock().unwrap().clear();
    }

    /// The units of what was written since `begin`, item by item.
    async fn written(&mut self) -> Vec<ItemUnits> {
        let changes = self.tail.changes().await;
        let mut writes = std::mem::take(&mut *METER.writes.lock().unwrap());
        writes.dedup();
        let mut items = Vec::new();
        for write in writes {
            let mine: Vec<&Change> = changes.iter().filter(|c| c.pk == write.pk && c.sk == write.sk).collect();
            let units = match (mine.first(), mine.last()) {
                (Some(first), Some(last)) => self.shape.write_units(first.old.as_ref(), last.new.as_ref()),
                // Nothing streamed: a condition check, or a write that changed nothing. AWS bills the item's
                // size all the same, and no index entry.
                _ => {
                    let size = self.tail.current.get(&(write.pk.clone(), write.sk.clone())).map(item_size).unwrap_or(0);
                    WriteUnits { table: size.div_ceil(1024).max(1) as u64, indexes: Vec::new() }
                }
            };
            items.push(ItemUnits { item: label(&write.pk, &write.sk), transactional: write.transactional, units });
        }
        items
    }
}

/// An item's kind, from its keys with the tenant and ids left out: `LEAD#<id> RECORD`, `ACTIVITY ACT`.
fn label(pk: &str, sk: &str) -> String {
    fn generic(part: &str) -> &str {
        if part.len() >= 26 && part.chars().all(|c| c.is_ascii_alphanumeric()) { "<id>" } else { part }
    }
    let pk: Vec<&str> = pk.split('#').skip(2).map(generic).collect();
    let sk: Vec<&str> = sk.split('#').map(generic).collect();
    format!("{} {}", pk.join("#"), sk.join("#"))
}

fn units(capacity: &[ConsumedCapacity]) -> u64 {
    capacity.iter().map(|c| (c.capacity_units.unwrap_or(0.0) * 1000.0).round() as u64).sum()
}

fn thread_cpu_nanos() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given and nothing else.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

fn request(method: &str, path: &str, token: &str, body: Option<Value>) -> Request {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let mut builder = http::Request::builder()
        .method(method)
        .uri(if query.is_empty() {
            format!("https://bench.example{path}")
        } else {
            format!("https://bench.example{path}?{query}")
        })
        .header("authorization", format!("Bearer {token}"));
    if body.is_some() {
        builder = builder.header("content-type", "application/json");
    }
    let body = body.map(|b| Body::Text(b.to_string())).unwrap_or(Body::Empty);
    let query: HashMap<String, String> =
        query.split('&').filter_map(|p| p.split_once('=')).map(|(k, v)| (k.into(), v.into())).collect();
    builder.body(body).unwrap().with_query_string_parameters(query)
}

fn with_params(req: Request, params: &[(&str, &str)]) -> Request {
    let params: HashMap<String, String> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    req.with_path_parameters(params)
}

/// Runs a request through the router every HTTP function serves (`_binary` names the route's function).
async fn call(app: &Router, _binary: &str, req: Request) -> (u16, Value) {
    let Ok(response) = Service::call(&mut app.clone(), req).await;
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap_or_else(|| panic!("no id in {value}")).to_owned()
}

struct Row {
    route: String,
    status: u16,
    calls: f64,
    round_trips: f64,
    rcu: f64,
    wcu: f64,
    aws_wcu: f64,
    /// The last request's written items.
    written: Vec<ItemUnits>,
    cpu_p50_us: f64,
    cpu_p99_us: f64,
}

/// Runs one route `RUNS` times; `prepare` makes each request (unmeasured).
async fn measure<F, Fut>(app: &Router, capacity: &mut AwsCapacity, route: &str, binary: &str, prepare: F) -> Row
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Request>,
{
    let (mut cpu, mut totals, mut status) = (Vec::new(), [0u64; 4], 0);
    let (mut aws_units, mut written) = (0, Vec::new());
    for run in 0..WARM_UP + RUNS {
        let req = prepare().await;
        capacity.begin().await;
        for counter in [&METER.calls, &METER.round_trips, &METER.read_milli_units, &METER.write_milli_units] {
            counter.store(0, Ordering::SeqCst);
        }
        let started = thread_cpu_nanos();
        let (answered, body) = call(app, binary, req).await;
        let spent = thread_cpu_nanos() - started;
        assert!(answered < 300, "{route}: {answered} {body}");
        written = capacity.written().await;
        if run >= WARM_UP {
            aws_units += written.iter().map(|w| w.units.total() * if w.transactional { 2 } else { 1 }).sum::<u64>();
            status = answered;
            cpu.push(spent as f64 / 1000.0);
            for (total, counter) in totals.iter_mut().zip([
                &METER.calls,
                &METER.round_trips,
                &METER.read_milli_units,
                &METER.write_milli_units,
            ]) {
                *total += counter.load(Ordering::SeqCst);
            }
        }
    }
    cpu.sort_by(f64::total_cmp);
    let per = |total: u64, scale: f64| total as f64 / RUNS as f64 / scale;
    Row {
        route: route.to_owned(),
        status,
        calls: per(totals[0], 1.0),
        round_trips: per(totals[1], 1.0),
        rcu: per(totals[2], 1000.0),
        wcu: per(totals[3], 1000.0),
        aws_wcu: per(aws_units, 1.0),
        written,
        cpu_p50_us: cpu[cpu.len() / 2],
        cpu_p99_us: cpu[((cpu.len() - 1) as f64 * 0.99).round() as usize],
    }
}

fn main() {
    // One thread: the CPU clock of this thread is the whole request's CPU.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(bench());
}

async fn bench() {
    let table_name = std::env::var("TABLE_NAME").expect("run through infra/bench/routes.sh");
    let template = Template::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml")).unwrap();
    let aws = aws_config::load_from_env().await;
    let metered = aws_sdk_dynamodb::config::Builder::from(&aws).interceptor(MeterInterceptor).build();
    let client = aws_sdk_dynamodb::Client::from_conf(metered);
    crm_local_gateway::table::ensure_table(&client, &table_name, &template.table).await.unwrap();
    let tail = StreamTail::open(&aws, &client, &table_name).await;
    let mut capacity = AwsCapacity { shape: Shape::of(&template.table), tail };
    let c = &mut capacity;
    let table = crm_store::Table::new(client, table_name);
    let accounts = table.clone();
    // The token keys come from the local Secrets Manager, as a deployed function reads them.
    let lookup = |name: &str| std::env::var(name).ok();
    let secrets = crm_store::secret_env::expand(&aws, &crm_api::app::SECRET_SETTINGS, &lookup).await.unwrap();
    let settings = Settings::from_lookup(|name| secrets.get(name).cloned().or_else(|| lookup(name))).unwrap();
    let app = crm_api::router::router(Arc::new(App::new(table, &settings, aws).unwrap()));

    // An account with a page and more of leads, a customer, a deal, notes, a channel with messages.
    let email = format!("bench-{}@example.com", std::process::id());
    let signup = json!({"account_name": "Bench", "name": "Bench Admin", "email": email, "password": "correct horse battery staple"});
    let unauthenticated = |method, path, body| request(method, path, "", body);
    // The account is stored as a confirmed sign-up stores it (the bench reads no mail), then signed in to.
    let (account, draft) = serde_json::from_value::<crm_domain::user::SignUp>(signup.clone())
        .unwrap()
        .validate(crm_domain::clock::Timestamp::now())
        .unwrap();
    let password_hash = crm_api::passwords::hash(draft.password).await.unwrap();
    let (user, at) = (draft.user, crm_domain::clock::Timestamp::now().rfc3339());
    let created = Activity::record("user", user.id, Action::Created, user.id, &at, Vec::new());
    accounts.sign_up(&account, &user, &password_hash, &created).await.unwrap();
    let sign_in = json!({"email": email, "password": signup["password"]});
    let (status, signed_up) =
        call(&app, "auth_sign_in", unauthenticated("POST", "/api/v1/auth/sign_in", Some(sign_in))).await;
    assert_eq!(status, 200, "{signed_up}");
    let token = signed_up["access_token"].as_str().unwrap().to_owned();
    let t = token.as_str();
    // The bench asks over a thousand requests a minute of one account: past Free's rate, within Business's.
    accounts.set_plan(account.id, crm_domain::plan::Plan::Business).await.unwrap();
    let post = |binary: &'static str, path: String, body: Value| {
        let app = &app;
        async move { call(app, binary, request("POST", &path, t, Some(body))).await.1 }
    };
    for n in 0..30 {
        post("leads_create", "/api/v1/leads".into(), json!({"name": format!("Lead {n}"), "tags": ["bench"]})).await;
    }
    let lead = id(&post(
        "leads_create",
        "/api/v1/leads".into(),
        json!({"name": "Ada Lovelace", "email": "ada@example.com", "company": "Engines", "tags": ["vip"]}),
    )
    .await);
    let customer = id(&post("customers_create", "/api/v1/customers".into(), json!({"name": "Engines Ltd"})).await);
    let deal = id(&post(
        "deals_create",
        "/api/v1/deals".into(),
        json!({"name": "Big deal", "customer_id": customer, "amount": {"amount_minor": 100000, "currency": "EUR"}}),
    )
    .await);
    for n in 0..5 {
        post("notes_create", format!("/api/v1/leads/{lead}/notes"), json!({"body": format!("Note {n}")})).await;
    }
    let channel = id(&post("channels_create", "/api/v1/channels".into(), json!({"name": "bench"})).await);
    for n in 0..10 {
        post(
            "messages_create",
            "/api/v1/messages".into(),
            json!({"channel_id": channel, "body": format!("Message {n}")}),
        )
        .await;
    }
    let endpoint = post(
        "integrations_webhooks_create",
        "/api/v1/integrations/webhooks".into(),
        json!({"source": "generic", "name": "Bench"}),
    )
    .await;
    let webhook_token = endpoint["secret"].as_str().unwrap().to_owned();

    let get = |path: String, params: Vec<(&'static str, String)>| {
        let params: Vec<(&str, String)> = params;
        move || {
            let path = path.clone();
            let params = params.clone();
            async move {
                let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                with_params(request("GET", &path, t, None), &borrowed)
            }
        }
    };
    let send = |method: &'static str, path: String, params: Vec<(&'static str, String)>, body: Value| {
        move || {
            let (path, params, body) = (path.clone(), params.clone(), body.clone());
            async move {
                let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                with_params(request(method, &path, t, Some(body)), &borrowed)
            }
        }
    };
    let lead_param = vec![("id", lead.clone())];
    let mut rows = vec![
        measure(&app, c, "GET /api/v1/me", "me", get("/api/v1/me".into(), vec![])).await,
        measure(&app, c, "GET /api/v1/leads/{id}", "leads_get", get(format!("/api/v1/leads/{lead}"), lead_param.clone()))
            .await,
        measure(&app, c, "GET /api/v1/leads (25)", "leads_list", get("/api/v1/leads".into(), vec![])).await,
        measure(&app, c, "GET /api/v1/leads?tag= (25)", "leads_list", get("/api/v1/leads?tag=bench".into(), vec![])).await,
        measure(
            &app,
            c,
            "GET /api/v1/customers/{id}",
            "customers_get",
            get(format!("/api/v1/customers/{customer}"), vec![("id", customer.clone())]),
        )
        .await,
        measure(
            &app,
            c,
            "GET /api/v1/deals/{id}",
            "deals_get",
            get(format!("/api/v1/deals/{deal}"), vec![("id", deal.clone())]),
        )
        .await,
        measure(&app, c, "GET /api/v1/deals", "deals_list", get("/api/v1/deals".into(), vec![])).await,
        measure(
            &app,
            c,
            "GET /api/v1/{kind}/{id}/notes",
            "notes_list",
            get(format!("/api/v1/leads/{lead}/notes"), vec![("kind", "leads".into()), ("id", lead.clone())]),
        )
        .await,
        measure(
            &app,
            c,
            "GET /api/v1/{kind}/{id}/timeline",
            "record_timeline",
            get(format!("/api/v1/leads/{lead}/timeline"), vec![("kind", "leads".into()), ("id", lead.clone())]),
        )
        .await,
        measure(&app, c, "POST /api/v1/graphql (a lead, owner, notes, timeline)", "graphql", {
            let query = format!(
                "{{ lead(id: \"{lead}\") {{ name owner {{ name }} notes {{ items {{ body }} }} timeline {{ items {{ action }} }} }} }}"
            );
            send("POST", "/api/v1/graphql".into(), vec![], json!({ "query": query }))
        })
        .await,
        measure(&app, c, "POST /api/v1/graphql (25 leads with owners)", "graphql", {
            let query = "{ leads { items { name owner { name } } } }";
            send("POST", "/api/v1/graphql".into(), vec![], json!({ "query": query }))
        })
        .await,
        measure(&app, c, "GET /api/v1/activity", "activity_list", get("/api/v1/activity".into(), vec![])).await,
        measure(&app, c, "GET /api/v1/tags", "tags_list", get("/api/v1/tags".into(), vec![])).await,
        measure(&app, c, "GET /api/v1/dashboard", "dashboard", get("/api/v1/dashboard".into(), vec![])).await,
        measure(&app, c, "GET /api/v1/users", "users_list", get("/api/v1/users".into(), vec![])).await,
        measure(&app, c, "GET /api/v1/channels", "channels_list", get("/api/v1/channels".into(), vec![])).await,
        measure(
            &app,
            c,
            "GET /api/v1/messages",
            "messages_list",
            get(format!("/api/v1/messages?channel={channel}"), vec![]),
        )
        .await,
        measure(&app, c, "GET /api/v1/presence", "presence_list", get("/api/v1/presence".into(), vec![])).await,
        measure(
            &app,
            c,
            "GET /api/v1/integrations/webhooks",
            "integrations_webhooks_list",
            get("/api/v1/integrations/webhooks".into(), vec![]),
        )
        .await,
        measure(
            &app,
            c,
            "POST /api/v1/leads",
            "leads_create",
            send("POST", "/api/v1/leads".into(), vec![], json!({"name": "New lead", "tags": ["bench"]})),
        )
        .await,
        measure(&app, c, "PATCH /api/v1/leads/{id}", "leads_update", {
            let counter = std::cell::Cell::new(0);
            let lead = lead.clone();
            move || {
                counter.set(counter.get() + 1);
                let body = json!({"company": format!("Engines {}", counter.get())});
                let lead = lead.clone();
                async move {
                    with_params(request("PATCH", &format!("/api/v1/leads/{lead}"), t, Some(body)), &[("id", &lead)])
                }
            }
        })
        .await,
        measure(&app, c, "DELETE /api/v1/leads/{id}", "leads_delete", || async {
            let doomed =
                id(&post("leads_create", "/api/v1/leads".into(), json!({"name": "Doomed", "tags": ["bench"]})).await);
            with_params(request("DELETE", &format!("/api/v1/leads/{doomed}"), t, None), &[("id", &doomed)])
        })
        .await,
        measure(&app, c, "POST /api/v1/leads/{id}/convert", "leads_convert", || async {
            let qualified =
                id(&post("leads_create", "/api/v1/leads".into(), json!({"name": "Qualified", "status": "qualified"}))
                    .await);
            with_params(
                request("POST", &format!("/api/v1/leads/{qualified}/convert"), t, Some(json!({}))),
                &[("id", &qualified)],
            )
        })
        .await,
        measure(
            &app,
            c,
            "POST /api/v1/{kind}/{id}/notes",
            "notes_create",
            send(
                "POST",
                format!("/api/v1/leads/{lead}/notes"),
                vec![("kind", "leads".into()), ("id", lead.clone())],
                json!({"body": "Called back"}),
            ),
        )
        .await,
        measure(
            &app,
            c,
            "POST /api/v1/messages",
            "messages_create",
            send("POST", "/api/v1/messages".into(), vec![], json!({"channel_id": channel, "body": "Hello team"})),
        )
        .await,
    ];
    let webhook = measure(&app, c, "POST /api/v1/webhooks/leads", "webhooks_leads", || {
        let token = webhook_token.clone();
        async move {
            let mut req = request(
                "POST",
                "/api/v1/webhooks/leads",
                &token,
                Some(json!({"name": "From the site", "email": "site@example.com"})),
            );
            req.headers_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
            req
        }
    })
    .await;
    rows.push(webhook);

    println!(
        "| route | status | DynamoDB calls | round trips | RCU | WCU (DynamoDB Local) | WCU (AWS rules) | CPU p50 (µs) | CPU p99 (µs) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for row in &rows {
        println!(
            "| `{}` | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} | {:.0} |",
            row.route,
            row.status,
            row.calls,
            row.round_trips,
            row.rcu,
            row.wcu,
            row.aws_wcu,
            row.cpu_p50_us,
            row.cpu_p99_us
        );
    }
    println!("\nWrite units by AWS's rules, item by item (the last request; ×2 inside a transaction):\n");
    for row in rows.iter().filter(|row| !row.written.is_empty()) {
        let items: Vec<String> = row
            .written
            .iter()
            .map(|w| {
                let indexes: Vec<String> =
                    w.units.indexes.iter().filter(|(_, u)| *u > 0).map(|(name, u)| format!(" + {name} {u}")).collect();
                let times = if w.transactional { "2×" } else { "" };
                format!("`{}` {times}({}{})", w.item, w.units.table, indexes.concat())
            })
            .collect();
        println!("- `{}`: {}", row.route, items.join(", "));
    }
}
