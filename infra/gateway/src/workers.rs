//! The event sources of the local stack: creates the template's queues (with their redrive to dead-letter
//! queues), polls the table's stream and each queue, and invokes the worker functions with the event
//! shapes Lambda uses (DynamoDB stream event, SQS event), honouring batch size and partial batch failures.

use crate::template::{QueueDefinition, Template, Trigger, WorkerFunction};
use aws_sdk_dynamodbstreams::types::{AttributeValue, ShardIteratorType};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName};
use base64::Engine;
use crm_workers::Workers;
use crm_workers::functions::Worker;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

const REGION: &str = "us-east-1";

/// A local queue: its URL and ARN.
#[derive(Clone, Debug)]
pub struct LocalQueue {
    pub url: String,
    pub arn: String,
}

/// Creates every queue of the template (dead-letter queues first), named `<prefix>-<logical id>`.
pub async fn create_queues(
    sqs: &aws_sdk_sqs::Client,
    prefix: &str,
    definitions: &[QueueDefinition],
    visibility_override: Option<i32>,
) -> Result<BTreeMap<String, LocalQueue>, String> {
    let mut created: BTreeMap<String, LocalQueue> = BTreeMap::new();
    let mut pending: Vec<&QueueDefinition> = definitions.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut waiting = Vec::new();
        for definition in pending {
            let dead_letter = match &definition.redrive {
                Some((dlq, max)) => match created.get(dlq) {
                    Some(queue) => Some((queue.arn.clone(), *max)),
                    None => {
                        waiting.push(definition);
                        continue;
                    }
                },
                None => None,
            };
            let name = format!("{prefix}-{}", definition.logical_id);
            let mut request = sqs.create_queue().queue_name(&name);
            if let Some(seconds) = visibility_override.or(definition.visibility_timeout) {
                request = request.attributes(QueueAttributeName::VisibilityTimeout, seconds.to_string());
            }
            if let Some((arn, max)) = dead_letter {
                let policy = json!({"deadLetterTargetArn": arn, "maxReceiveCount": max}).to_string();
                request = request.attributes(QueueAttributeName::RedrivePolicy, policy);
            }
            let url = request
                .send()
                .await
                .map_err(|e| format!("creating queue {name}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?
                .queue_url
                .unwrap_or_default();
            let attributes = sqs
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(QueueAttributeName::QueueArn)
                .send()
                .await
                .map_err(|e| format!("reading queue {name}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
            let arn =
                attributes.attributes().and_then(|a| a.get(&QueueAttributeName::QueueArn)).cloned().unwrap_or_default();
            created.insert(definition.logical_id.clone(), LocalQueue { url, arn });
        }
        if waiting.len() == before {
            return Err("a queue's RedrivePolicy names a dead-letter queue the template does not define".into());
        }
        pending = waiting;
    }
    Ok(created)
}

/// Whether setting `name` is a secret (or where one is) that a function with these variables is not given:
/// the local stack's environment holds every function's, Lambda gives each only its own.
pub fn withheld(variables: &std::collections::BTreeSet<String>, name: &str) -> bool {
    crm_api::app::SECRET_SETTINGS.iter().any(|secret| {
        let reference = format!("{secret}_FROM_SECRET");
        (name == *secret || name == reference) && !variables.contains(*secret) && !variables.contains(&reference)
    })
}

/// A worker function's clients, built from its environment: the process's, the gateway's settings, and its
/// references to queues.
pub async fn function_workers(
    references: &[(String, String)],
    queues: &BTreeMap<String, LocalQueue>,
    table_name: &str,
    settings: &HashMap<String, String>,
    config: &aws_config::SdkConfig,
    variables: &std::collections::BTreeSet<String>,
) -> Result<Workers, String> {
    let mut environment = settings.clone();
    for (variable, queue) in references {
        if let Some(local) = queues.get(queue) {
            environment.insert(variable.clone(), local.url.clone());
        }
    }
    environment.insert("TABLE_NAME".into(), table_name.to_owned());
    let lookup = |name: &str| {
        // The management endpoint reaches only the workers whose template gives it, as in AWS.
        if withheld(variables, name) || (name == "WEBSOCKET_MANAGEMENT_ENDPOINT" && !variables.contains(name)) {
            return None;
        }
        environment.get(name).cloned().or_else(|| std::env::var(name).ok())
    };
    Workers::with_config(lookup, config.clone()).await.map_err(|e| e.to_string())
}

/// Starts one poller per worker function; they run until the returned tasks are aborted.
pub async fn start(
    template: &Template,
    queues: &BTreeMap<String, LocalQueue>,
    table_name: &str,
    settings: &HashMap<String, String>,
    checkpoints: Option<std::path::PathBuf>,
    functions_aws: &aws_config::SdkConfig,
) -> Result<Vec<JoinHandle<()>>, String> {
    let config = aws_config::load_from_env().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let mut tasks = Vec::new();
    for function in &template.workers {
        let worker = crm_workers::functions::by_name(&function.worker).ok_or_else(|| {
            format!("template.yaml names worker `{}`, but crm_workers has none of that name", function.worker)
        })?;
        let starting =
            function_workers(&function.queue_refs, queues, table_name, settings, functions_aws, &function.variables);
        let workers = Arc::new(crate::aws_calls::as_function(&function.function, starting).await?);
        let task = match &function.trigger {
            Trigger::TableStream { batch_size, on_failure } => {
                let streams = streams_client(&config);
                let dynamodb = aws_sdk_dynamodb::Client::new(&config);
                let on_failure = match on_failure {
                    Some(queue) => Some(queues.get(queue).map(|q| (sqs.clone(), q.url.clone())).ok_or_else(|| {
                        format!(
                            "{} reports failures to queue {queue}, which the template does not define",
                            function.function
                        )
                    })?),
                    None => None,
                };
                let stream = StreamSource {
                    streams,
                    dynamodb,
                    table: table_name.to_owned(),
                    batch_size: *batch_size,
                    on_failure,
                };
                let places = Checkpoints::load(checkpoints.clone(), &function.function);
                tokio::spawn(poll_stream(stream, places, workers, worker, function.clone()))
            }
            Trigger::Queue { queue, batch_size, batching_window_seconds } => {
                let local = queues.get(queue).ok_or_else(|| {
                    format!("{} reads queue {queue}, which the template does not define", function.function)
                })?;
                let batching = Batching { size: *batch_size, window: Duration::from_secs(*batching_window_seconds) };
                tokio::spawn(poll_queue(sqs.clone(), local.clone(), batching, workers, worker, function.clone()))
            }
        };
        tasks.push(task);
    }
    Ok(tasks)
}

pub fn streams_client(config: &aws_config::SdkConfig) -> aws_sdk_dynamodbstreams::Client {
    // DynamoDB Local serves its streams on the DynamoDB endpoint.
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB_STREAMS").or_else(|_| std::env::var("AWS_ENDPOINT_URL_DYNAMODB")).ok();
    let mut builder = aws_sdk_dynamodbstreams::config::Builder::from(config);
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    aws_sdk_dynamodbstreams::Client::from_conf(builder.build())
}

struct StreamSource {
    streams: aws_sdk_dynamodbstreams::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    batch_size: i32,
    /// The event source mapping's on-failure destination: where a batch that keeps failing is reported.
    on_failure: Option<(aws_sdk_sqs::Client, String)>,
}

/// A stream consumer's place in each shard (the last sequence number delivered), kept in a JSON file
/// shared by the consumers (`function/shard` → sequence number) when one is configured.
struct Checkpoints {
    file: Option<std::path::PathBuf>,
    function: String,
    /// Whether a previous run left places: then no shard is read from its tip.
    resumed: bool,
    places: HashMap<String, String>,
}

impl Checkpoints {
    fn load(file: Option<std::path::PathBuf>, function: &str) -> Self {
        let all: HashMap<String, String> = file
            .as_ref()
            .and_then(|f| std::fs::read(f).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let prefix = format!("{function}/");
        let places: HashMap<String, String> =
            all.iter().filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.to_owned(), v.clone()))).collect();
        Checkpoints { file, function: function.to_owned(), resumed: !places.is_empty(), places }
    }

    fn after(&self, shard: &str) -> Option<&String> {
        self.places.get(shard)
    }

    /// Records a delivered batch's last record; the file is replaced whole, so a kill never leaves half
    /// of it.
    fn delivered(&mut self, shard: &str, sequence_number: &str) {
        self.places.insert(shard.to_owned(), sequence_number.to_owned());
        let Some(file) = &self.file else { return };
        let mut all: HashMap<String, String> =
            std::fs::read(file).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
        all.insert(format!("{}/{shard}", self.function), sequence_number.to_owned());
        let temporary = file.with_extension(format!("{}.tmp", std::process::id()));
        let written = serde_json::to_vec(&all)
            .map_err(std::io::Error::other)
            .and_then(|json| std::fs::write(&temporary, json))
            .and_then(|()| std::fs::rename(&temporary, file));
        if let Err(error) = written {
            tracing::warn!(file = %file.display(), %error, "could not save a stream checkpoint");
        }
    }
}

/// Reads the table's stream shard by shard and hands each batch of records to the worker: from where a
/// previous run left off (with checkpoints), else from the tip for the shards present at start.
async fn poll_stream(
    source: StreamSource,
    mut checkpoints: Checkpoints,
    workers: Arc<Workers>,
    worker: Worker,
    function: WorkerFunction,
) {
    let StreamSource { streams, dynamodb, table, batch_size, on_failure } = source;
    let stream_arn = loop {
        match dynamodb.describe_table().table_name(&table).send().await {
            Ok(output) => match output.table.and_then(|t| t.latest_stream_arn) {
                Some(arn) => break arn,
                None => {
                    tracing::error!(%table, "the table has no stream; {} will not run", function.function);
                    return;
                }
            },
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    };
    let mut iterators: HashMap<String, Option<String>> = HashMap::new();
    let mut first_scan = true;
    loop {
        if let Ok(description) = streams.describe_stream().stream_arn(&stream_arn).send().await {
            for shard in description.stream_description.map(|d| d.shards.unwrap_or_default()).unwrap_or_default() {
                let Some(shard_id) = shard.shard_id else { continue };
                if iterators.contains_key(&shard_id) {
                    continue;
                }
                // Shards present at a fresh start are read from their tip (what happened before is not
                // news); shards that appear later, or that a previous run did not reach, from their beginning.
                let request = streams.get_shard_iterator().stream_arn(&stream_arn).shard_id(&shard_id);
                let request = match checkpoints.after(&shard_id) {
                    Some(sequence) => {
                        request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(sequence)
                    }
                    None if first_scan && !checkpoints.resumed => {
                        request.shard_iterator_type(ShardIteratorType::Latest)
                    }
                    None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
                };
                let iterator = match request.send().await {
                    Ok(output) => output.shard_iterator,
                    Err(error) => {
                        let error = error.as_service_error().map_or_else(|| error.to_string(), ToString::to_string);
                        tracing::warn!(function = %function.function, %shard_id, %error, "no shard iterator; trying again");
                        continue;
                    }
                };
                iterators.insert(shard_id, iterator);
            }
            first_scan = false;
        }
        let mut delivered = false;
        for (shard_id, iterator) in iterators.iter_mut() {
            let Some(current) = iterator.clone() else { continue };
            let output = match streams.get_records().shard_iterator(&current).limit(batch_size).send().await {
                Ok(output) => output,
                Err(error) => {
                    // An iterator that can no longer be read (DynamoDB Local answers a fresh shard's "latest"
                    // iterator with TrimmedDataAccess at times; iterators also expire) is taken again from
                    // the last record delivered, or from the shard's beginning: retrying it would stall the
                    // consumer for good.
                    let dead = error
                        .as_service_error()
                        .is_some_and(|e| e.is_trimmed_data_access_exception() || e.is_expired_iterator_exception());
                    let shown = error.as_service_error().map_or_else(|| error.to_string(), ToString::to_string);
                    tracing::warn!(function = %function.function, %shard_id, error = %shown, "reading the stream failed");
                    if dead {
                        let request = streams.get_shard_iterator().stream_arn(&stream_arn).shard_id(shard_id.as_str());
                        let request = match checkpoints.after(shard_id) {
                            Some(sequence) => request
                                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                                .sequence_number(sequence),
                            None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
                        };
                        *iterator = request.send().await.ok().and_then(|o| o.shard_iterator).or(Some(current));
                    }
                    continue;
                }
            };
            let records = output.records.unwrap_or_default();
            if !records.is_empty() {
                delivered = true;
                let event =
                    json!({"Records": records.iter().map(|r| stream_record(r, &stream_arn)).collect::<Vec<_>>()});
                if !deliver(&workers, worker, &function, event).await
                    && let Some((sqs, url)) = &on_failure
                {
                    let report = failure_record(&function.function, &stream_arn, shard_id, &records);
                    if let Err(error) = sqs.send_message().queue_url(url).message_body(report.to_string()).send().await
                    {
                        tracing::error!(function = %function.function, %error, "could not report a failed stream batch");
                    }
                }
                if let Some(last) = records.last().and_then(|r| r.dynamodb.as_ref()).and_then(|c| c.sequence_number()) {
                    checkpoints.delivered(shard_id, last);
                }
            }
            *iterator = output.next_shard_iterator;
        }
        if !delivered {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// What Lambda sends an event source mapping's on-failure destination for a stream batch it gave up on:
/// where the batch is in the stream, not its records.
fn failure_record(
    function: &str,
    stream_arn: &str,
    shard_id: &str,
    records: &[aws_sdk_dynamodbstreams::types::Record],
) -> Value {
    let sequence = |r: Option<&aws_sdk_dynamodbstreams::types::Record>| {
        r.and_then(|r| r.dynamodb.as_ref()).and_then(|c| c.sequence_number().map(str::to_owned))
    };
    json!({
        "requestContext": {"functionArn": format!("arn:aws:lambda:local:000000000000:function:{function}"), "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 3},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0",
        "timestamp": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": sequence(records.first()),
            "endSequenceNumber": sequence(records.last()),
            "batchSize": records.len(),
            "streamArn": stream_arn,
        },
    })
}

/// Invokes a stream worker, retrying a batch it reports failed a few times as Lambda would; answers
/// whether the batch was processed in the end.
async fn deliver(workers: &Workers, worker: Worker, function: &WorkerFunction, event: Value) -> bool {
    for attempt in 1..=3 {
        match crate::aws_calls::as_function(&function.function, worker(workers, event.clone())).await {
            Ok(response) if batch_failures(&response).is_empty() => return true,
            Ok(response) => {
                tracing::warn!(function = %function.function, attempt, failures = ?batch_failures(&response), "stream batch failed")
            }
            Err(error) => tracing::warn!(function = %function.function, attempt, %error, "stream batch failed"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tracing::error!(function = %function.function, "giving up on a stream batch after 3 attempts");
    false
}

fn batch_failures(response: &Value) -> Vec<String> {
    response["batchItemFailures"]
        .as_array()
        .map(|failures| failures.iter().filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// How a queue's messages are batched for its function, as Lambda's event source mapping does it.
#[derive(Clone, Copy, Debug)]
struct Batching {
    size: i32,
    /// How long to keep gathering once a batch has begun, until it is full.
    window: Duration,
}

/// Receives a batch: what one receive brings, or, with a batching window, receives more until the batch is
/// full or the window since the first message has passed. `None` when the queue could not be read.
async fn receive_batch(
    sqs: &aws_sdk_sqs::Client,
    queue: &LocalQueue,
    batching: Batching,
) -> Option<Vec<aws_sdk_sqs::types::Message>> {
    let size = usize::try_from(batching.size.max(1)).unwrap_or(1);
    let mut messages = Vec::new();
    let mut began: Option<tokio::time::Instant> = None;
    loop {
        let wanted = (size - messages.len()).min(10) as i32;
        let received = sqs
            .receive_message()
            .queue_url(&queue.url)
            .max_number_of_messages(wanted)
            // Long-poll for the first message; then only take what is there.
            .wait_time_seconds(if began.is_none() { 1 } else { 0 })
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await;
        let got = match received {
            Ok(output) => output.messages.unwrap_or_default(),
            Err(_) if messages.is_empty() => return None,
            Err(_) => return Some(messages),
        };
        if !got.is_empty() && began.is_none() {
            began = Some(tokio::time::Instant::now());
        }
        let empty = got.is_empty();
        messages.extend(got);
        let Some(began) = began else { return Some(messages) };
        if messages.len() >= size || batching.window.is_zero() || began.elapsed() >= batching.window {
            return Some(messages);
        }
        if empty {
            tokio::time::sleep(Duration::from_millis(20).min(batching.window.saturating_sub(began.elapsed()))).await;
        }
    }
}

/// Drains a queue into its worker: receives a batch, invokes the worker with an SQS event, and deletes the
/// messages it did not report failed. Failed ones reappear after their visibility timeout, and the queue's
/// redrive policy moves them to its dead-letter queue in the end.
async fn poll_queue(
    sqs: aws_sdk_sqs::Client,
    queue: LocalQueue,
    batching: Batching,
    workers: Arc<Workers>,
    worker: Worker,
    function: WorkerFunction,
) {
    loop {
        let Some(messages) = receive_batch(&sqs, &queue, batching).await else {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        };
        if messages.is_empty() {
            continue;
        }
        let records: Vec<Value> = messages.iter().map(|m| sqs_record(m, &queue.arn)).collect();
        let batch = worker(&workers, json!({"Records": records}));
        let failed = match crate::aws_calls::as_function(&function.function, batch).await {
            Ok(response) if function.report_batch_item_failures => batch_failures(&response),
            Ok(_) => Vec::new(),
            Err(error) => {
                tracing::warn!(function = %function.function, %error, "worker failed; the whole batch will be retried");
                continue;
            }
        };
        let done: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .enumerate()
            .filter(|(_, m)| !failed.iter().any(|f| Some(f.as_str()) == m.message_id()))
            .filter_map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(m.receipt_handle()?)
                    .build()
                    .ok()
            })
            .collect();
        // SQS deletes at most 10 messages a call.
        for chunk in done.chunks(10) {
            let _ = sqs.delete_message_batch().queue_url(&queue.url).set_entries(Some(chunk.to_vec())).send().await;
        }
    }
}

fn sqs_record(message: &aws_sdk_sqs::types::Message, queue_arn: &str) -> Value {
    let attributes: Map<String, Value> = message
        .attributes()
        .map(|a| a.iter().map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone()))).collect())
        .unwrap_or_default();
    json!({
        "messageId": message.message_id(),
        "receiptHandle": message.receipt_handle(),
        "body": message.body(),
        "attributes": attributes,
        "messageAttributes": {},
        "md5OfBody": message.md5_of_body(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    })
}

fn stream_record(record: &aws_sdk_dynamodbstreams::types::Record, stream_arn: &str) -> Value {
    let change = record.dynamodb();
    let image = |item: Option<&HashMap<String, AttributeValue>>| -> Value {
        Value::Object(item.map(|i| i.iter().map(|(k, v)| (k.clone(), attribute(v))).collect()).unwrap_or_default())
    };
    let mut dynamodb = json!({
        "Keys": image(change.and_then(|c| c.keys.as_ref())),
        "SequenceNumber": change.and_then(|c| c.sequence_number()),
        "SizeBytes": change.and_then(|c| c.size_bytes()),
        "StreamViewType": change.and_then(|c| c.stream_view_type()).map(|v| v.as_str().to_owned()),
        "ApproximateCreationDateTime": change.and_then(|c| c.approximate_creation_date_time()).map(|t| t.secs() as f64),
    });
    if let Some(new) = change.and_then(|c| c.new_image.as_ref()) {
        dynamodb["NewImage"] = image(Some(new));
    }
    if let Some(old) = change.and_then(|c| c.old_image.as_ref()) {
        dynamodb["OldImage"] = image(Some(old));
    }
    json!({
        "eventID": record.event_id(),
        "eventName": record.event_name().map(|n| n.as_str().to_owned()),
        "eventVersion": record.event_version(),
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    })
}

/// An attribute value in DynamoDB's JSON form, as stream events carry it.
fn attribute(value: &AttributeValue) -> Value {
    let base64 =
        |b: &aws_sdk_dynamodbstreams::primitives::Blob| base64::engine::general_purpose::STANDARD.encode(b.as_ref());
    match value {
        AttributeValue::S(s) => json!({"S": s}),
        AttributeValue::N(n) => json!({"N": n}),
        AttributeValue::B(b) => json!({"B": base64(b)}),
        AttributeValue::Ss(v) => json!({"SS": v}),
        AttributeValue::Ns(v) => json!({"NS": v}),
        AttributeValue::Bs(v) => json!({"BS": v.iter().map(base64).collect::<Vec<_>>()}),
        AttributeValue::M(m) => {
            json!({"M": m.iter().map(|(k, v)| (k.clone(), attribute(v))).collect::<Map<String, Value>>()})
        }
        AttributeValue::L(l) => json!({"L": l.iter().map(attribute).collect::<Vec<_>>()}),
        AttributeValue::Null(_) => json!({"NULL": true}),
        AttributeValue::Bool(b) => json!({"BOOL": b}),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_stream_batch_is_reported_by_its_place_in_the_stream() {
        let record = |sequence: &str| {
            aws_sdk_dynamodbstreams::types::Record::builder()
                .dynamodb(aws_sdk_dynamodbstreams::types::StreamRecord::builder().sequence_number(sequence).build())
                .build()
        };
        let report = failure_record("Router", "arn:stream", "shard-1", &[record("100"), record("105")]);
        assert_eq!(report["DDBStreamBatchInfo"]["shardId"], "shard-1");
        assert_eq!(report["DDBStreamBatchInfo"]["startSequenceNumber"], "100");
        assert_eq!(report["DDBStreamBatchInfo"]["endSequenceNumber"], "105");
        assert_eq!(report["DDBStreamBatchInfo"]["batchSize"], 2);
        assert_eq!(report["requestContext"]["condition"], "RetryAttemptsExhausted");
    }

    #[test]
    fn checkpoints_survive_a_restart_per_function_and_shard() {
        let file = std::env::temp_dir().join(format!("crm-checkpoints-{}.json", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let fresh = Checkpoints::load(Some(file.clone()), "Router");
        assert!(!fresh.resumed && fresh.after("shard-1").is_none());
        let mut router = fresh;
        router.delivered("shard-1", "100");
        router.delivered("shard-1", "105");
        Checkpoints::load(Some(file.clone()), "Other").delivered("shard-1", "7");

        let restarted = Checkpoints::load(Some(file.clone()), "Router");
        assert!(restarted.resumed);
        assert_eq!(restarted.after("shard-1").map(String::as_str), Some("105"));
        assert_eq!(Checkpoints::load(Some(file.clone()), "Other").after("shard-1").map(String::as_str), Some("7"));
        assert!(!Checkpoints::load(None, "Router").resumed);
        std::fs::remove_file(&file).unwrap();
    }

    #[test]
    fn attributes_take_dynamodb_json_form() {
        let nested = AttributeValue::M(HashMap::from([("n".to_owned(), AttributeValue::N("1".into()))]));
        assert_eq!(attribute(&nested), json!({"M": {"n": {"N": "1"}}}));
        assert_eq!(
            attribute(&AttributeValue::L(vec![AttributeValue::Null(true), AttributeValue::Bool(false)])),
            json!({"L": [{"NULL": true}, {"BOOL": false}]})
        );
    }
}
