//! Records every AWS call a function makes, as IAM would judge it (function, action, resource ARN), for
//! `infra/iam_conformance.py` to hold against that function's `Policies` in `template.yaml`. The functions
//! share this process, so the gateway runs each invocation inside [`as_function`]; the SDK clients the
//! functions are given send through [`recording_config`]'s HTTP client, which reads the function's name
//! from the task and the call from the signed request.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// The account every local ARN is in (moto's).
pub const ACCOUNT: &str = "123456789012";
/// The local WebSocket API's id in `execute-api` ARNs.
pub const WEBSOCKET_API_ID: &str = "local-websocket-api";
/// A call made outside any function's invocation: a finding in itself (a task the invocation spawned).
pub const NO_FUNCTION: &str = "(outside any function)";

tokio::task_local! {
    static FUNCTION: Arc<str>;
}

/// Runs `work` as `function`'s invocation: AWS calls it makes are that function's.
pub async fn as_function<F: Future>(function: &str, work: F) -> F::Output {
    FUNCTION.scope(Arc::from(function), work).await
}

/// As [`as_function`], owning the name (for a spawned invocation).
pub async fn as_function_owned<F: Future>(function: String, work: F) -> F::Output {
    FUNCTION.scope(Arc::from(function), work).await
}

/// `work`, to be spawned, run as the current invocation's (a batch a GraphQL request's loader reads).
pub fn in_current_function(
    work: futures_util::future::BoxFuture<'static, ()>,
) -> futures_util::future::BoxFuture<'static, ()> {
    Box::pin(as_function_owned(current_function(), work))
}

fn current_function() -> String {
    FUNCTION.try_with(|f| f.to_string()).unwrap_or_else(|_| NO_FUNCTION.to_owned())
}

/// One call as IAM judges it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Call {
    pub function: String,
    pub action: String,
    pub resource: String,
    /// For an `UpdateItem`, what IAM's `dynamodb:Attributes` and `dynamodb:ReturnValues` condition keys
    /// see: the key's attributes and every attribute the expressions name (through placeholders: the code
    /// names no attribute literally), and the `ReturnValues` asked for.
    pub attributes: Option<(Vec<String>, String)>,
}

/// Where the calls go: one JSON line each, first seen only, after a line describing the local names.
struct Recorder {
    file: Mutex<(std::fs::File, BTreeSet<Call>)>,
    region: String,
    /// The local search domain's name: OpenSearch requests name only the endpoint.
    search_domain: Option<String>,
}

static RECORDER: OnceLock<Recorder> = OnceLock::new();

/// What the checker needs to resolve the template's references to this stack's local names.
pub struct LocalNames {
    pub table: String,
    pub queues: BTreeMap<String, String>,
    pub search_domains: BTreeMap<String, String>,
    /// The local name of each S3 bucket functions are given, by logical id.
    pub buckets: BTreeMap<String, String>,
    /// The settings the template's parameters show in (`JWT_ISSUER`, `…_FROM_SECRET`, `SEARCH_INDEX`, …).
    pub environment: BTreeMap<String, String>,
}

/// Starts recording into `directory` (one file per gateway). Only the first call in a process takes effect.
pub fn record_into(directory: PathBuf, names: &LocalNames) -> Result<(), String> {
    std::fs::create_dir_all(&directory).map_err(|e| format!("{}: {e}", directory.display()))?;
    let path = directory.join(format!("{}.jsonl", names.table));
    let mut file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let context = json!({"context": {
        "region": region,
        "account": ACCOUNT,
        "table": names.table,
        "queues": names.queues,
        "search_domains": names.search_domains,
        "buckets": names.buckets,
        "websocket_api_id": WEBSOCKET_API_ID,
        "websocket_stage": crate::websocket::STAGE,
        "environment": names.environment,
    }});
    writeln!(file, "{context}").map_err(|e| format!("{}: {e}", path.display()))?;
    let search_domain = names.search_domains.values().next().cloned();
    let _ = RECORDER.set(Recorder { file: Mutex::new((file, BTreeSet::new())), region, search_domain });
    Ok(())
}

fn record(calls: impl IntoIterator<Item = Call>) {
    let Some(recorder) = RECORDER.get() else { return };
    let Ok(mut guard) = recorder.file.lock() else { return };
    let (file, seen) = &mut *guard;
    for call in calls {
        if seen.insert(call.clone()) {
            let mut line = json!({"function": call.function, "action": call.action, "resource": call.resource});
            if let Some((attributes, return_values)) = &call.attributes {
                line["attributes"] = json!(attributes);
                line["return_values"] = json!(return_values);
            }
            let _ = writeln!(file, "{line}");
        }
    }
}

/// `config` with an HTTP client that records each call before sending it (unchanged when not recording).
pub fn recording_config(config: aws_config::SdkConfig) -> aws_config::SdkConfig {
    if RECORDER.get().is_none() {
        return config;
    }
    let inner = config.http_client().unwrap_or_else(|| {
        use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
        aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::AwsLc)).build_https()
    });
    config.into_builder().http_client(RecordingClient { inner }).build()
}

/// Records an OpenSearch request (signed with service `es` in AWS; plain HTTP to the local engine).
/// Only a function's own requests count: the tests also talk to the engine directly.
pub fn record_search(method: &str, path: &str) {
    let Some(recorder) = RECORDER.get() else { return };
    let Ok(function) = FUNCTION.try_with(|f| f.to_string()) else { return };
    let Some(domain) = &recorder.search_domain else { return };
    let path = path.split('?').next().unwrap_or(path).trim_start_matches('/');
    let action = format!("es:ESHttp{}{}", &method[..1].to_ascii_uppercase(), method[1..].to_ascii_lowercase());
    let resource = format!("arn:aws:es:{}:{ACCOUNT}:domain/{domain}/{path}", recorder.region);
    record([Call { function, action, resource, attributes: None }]);
}

#[derive(Debug)]
struct RecordingClient {
    inner: SharedHttpClient,
}

impl HttpClient for RecordingClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(RecordingConnector { inner: self.inner.http_connector(settings, components) })
    }
}

#[derive(Debug)]
struct RecordingConnector {
    inner: SharedHttpConnector,
}

impl HttpConnector for RecordingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if let Some(recorder) = RECORDER.get() {
            record(describe(&request, &recorder.region));
        }
        self.inner.call(request)
    }
}

/// The IAM action and resources of a signed SDK request.
fn describe(request: &HttpRequest, region: &str) -> Vec<Call> {
    let function = current_function();
    let header = |name: &str| request.headers().get(name).map(str::to_owned);
    // `Credential=<key>/<date>/<region>/<service>/aws4_request`
    let service = header("authorization")
        .and_then(|a| a.split("Credential=").nth(1).and_then(|c| c.split('/').nth(3)).map(str::to_owned))
        .unwrap_or_else(|| "unsigned".into());
    let body: Value = request.body().bytes().and_then(|b| serde_json::from_slice(b).ok()).unwrap_or(Value::Null);
    let path = request.uri().split("://").nth(1).map_or("", |rest| rest.find('/').map_or("", |i| &rest[i..]));
    let path = path.split('?').next().unwrap_or(path);
    let operation = header("x-amz-target").and_then(|t| t.split('.').next_back().map(str::to_owned));
    let arn = |service: &str, resource: &str| format!("arn:aws:{service}:{region}:{ACCOUNT}:{resource}");
    let (action, resources) = match service.as_str() {
        "dynamodb" => {
            let operation = operation.unwrap_or_default();
            let attributes = (operation == "UpdateItem").then(|| update_attributes(&body));
            return dynamodb_calls(&operation, &body)
                .into_iter()
                .map(|(action, resource)| Call {
                    function: function.clone(),
                    action,
                    resource: arn("dynamodb", &resource),
                    attributes: attributes.clone(),
                })
                .collect();
        }
        "sqs" => {
            let queue = body["QueueUrl"].as_str().and_then(|u| u.rsplit('/').next()).unwrap_or("");
            // A batch is allowed by its single action's permission (there is no `sqs:SendMessageBatch`).
            let operation = operation.unwrap_or_default();
            let action = operation.strip_suffix("Batch").unwrap_or(&operation);
            (format!("sqs:{action}"), vec![arn("sqs", queue)])
        }
        "secretsmanager" => {
            let secret = body["SecretId"].as_str().unwrap_or("");
            // IAM sees the secret's ARN, which ends in six random characters after its name.
            let resource = if secret.starts_with("arn:") {
                secret.to_owned()
            } else {
                arn("secretsmanager", &format!("secret:{secret}-AbCdEf"))
            };
            (format!("secretsmanager:{}", operation.unwrap_or_default()), vec![resource])
        }
        "ses" if path == "/v2/email/outbound-emails" => {
            let from = body["FromEmailAddress"].as_str().unwrap_or("");
            let address = from.rsplit('<').next().unwrap_or(from).trim_end_matches('>');
            ("ses:SendEmail".to_owned(), vec![arn("ses", &format!("identity/{address}"))])
        }
        "execute-api" => {
            // `/<stage>/@connections/<id>` locally; IAM's resource is `<api>/<stage>/<METHOD>/@connections/<id>`.
            let rest = path.trim_start_matches('/');
            let (stage, connection) = rest.split_once('/').unwrap_or(("", rest));
            let resource = format!("{WEBSOCKET_API_ID}/{stage}/{}/{connection}", request.method());
            ("execute-api:ManageConnections".to_owned(), vec![arn("execute-api", &resource)])
        }
        "s3" => {
            let query = request.uri().split_once('?').map_or("", |(_, q)| q);
            return s3_call(request.method(), path, query)
                .into_iter()
                .map(|(action, resource)| Call { function: function.clone(), action, resource, attributes: None })
                .collect();
        }
        "es" if path.starts_with("/2021-01-01/opensearch/domain/") => {
            let domain = path.trim_start_matches("/2021-01-01/opensearch/domain/");
            ("es:DescribeDomain".to_owned(), vec![arn("es", &format!("domain/{domain}"))])
        }
        other => (format!("{other}:{} {path}", request.method()), vec![String::new()]),
    };
    resources
        .into_iter()
        .map(|resource| Call { function: function.clone(), action: action.clone(), resource, attributes: None })
        .collect()
}

/// The IAM action and object ARN of a path-style S3 request (`/<bucket>/<key>`): every step of a multipart
/// upload is `s3:PutObject`'s, as IAM has it, but its abort.
fn s3_call(method: &str, path: &str, query: &str) -> Option<(String, String)> {
    let object = path.trim_start_matches('/');
    let has = |name: &str| query.split('&').any(|pair| pair.split('=').next() == Some(name));
    let action = match method {
        "GET" | "HEAD" => "s3:GetObject",
        "DELETE" if has("uploadId") => "s3:AbortMultipartUpload",
        "DELETE" => "s3:DeleteObject",
        "PUT" | "POST" => "s3:PutObject",
        _ => return None,
    };
    Some((action.to_owned(), format!("arn:aws:s3:::{object}")))
}

/// Records the object a presigned URL lets its holder fetch, as the function that signed it: the fetch is
/// made with that function's credentials, so its role must allow it.
pub fn record_presigned(method: &str, url: &str) {
    if RECORDER.get().is_none() {
        return;
    }
    let function = current_function();
    let rest = url.split("://").nth(1).unwrap_or(url);
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    let path = path.split('?').next().unwrap_or(path);
    let calls =
        s3_call(method, path, "").map(|(action, resource)| Call { function, action, resource, attributes: None });
    record(calls);
}

/// The attributes an `UpdateItem` touches as IAM counts them, sorted, and its `ReturnValues`.
fn update_attributes(body: &Value) -> (Vec<String>, String) {
    let keys = body["Key"].as_object().into_iter().flatten().map(|(name, _)| name.clone());
    let named = body["ExpressionAttributeNames"].as_object().into_iter().flatten();
    let mut attributes: Vec<String> = keys.chain(named.filter_map(|(_, n)| n.as_str().map(str::to_owned))).collect();
    attributes.sort();
    attributes.dedup();
    (attributes, body["ReturnValues"].as_str().unwrap_or("NONE").to_owned())
}

/// The IAM actions and resources (`table/<name>[/index/<index>]`) of a DynamoDB request. A transaction is
/// judged item by item, as the action each item performs (there is no `TransactWriteItems` permission).
fn dynamodb_calls(operation: &str, body: &Value) -> Vec<(String, String)> {
    let mut calls = Vec::new();
    if let Some(table) = body["TableName"].as_str() {
        let resource = match body["IndexName"].as_str() {
            Some(index) => format!("table/{table}/index/{index}"),
            None => format!("table/{table}"),
        };
        calls.push((format!("dynamodb:{operation}"), resource));
    }
    if let Some(items) = body["RequestItems"].as_object() {
        calls.extend(items.keys().map(|table| (format!("dynamodb:{operation}"), format!("table/{table}"))));
    }
    for item in body["TransactItems"].as_array().into_iter().flatten() {
        for (kind, inner) in item.as_object().into_iter().flatten() {
            let action = match kind.as_str() {
                "ConditionCheck" => "ConditionCheckItem".to_owned(),
                other => format!("{other}Item"),
            };
            if let Some(table) = inner["TableName"].as_str() {
                calls.push((format!("dynamodb:{action}"), format!("table/{table}")));
            }
        }
    }
    calls.sort();
    calls.dedup();
    calls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_names_the_attributes_iam_conditions_see() {
        let body = json!({"TableName": "t", "Key": {"pk": {"S": "a"}, "sk": {"S": "b"}},
            "UpdateExpression": "SET #used = :now",
            "ConditionExpression": "attribute_exists(#pk) AND #used < :since",
            "ExpressionAttributeNames": {"#used": "key_last_used", "#pk": "pk"}});
        assert_eq!(update_attributes(&body), (vec!["key_last_used".into(), "pk".into(), "sk".into()], "NONE".into()));
        let returning = json!({"Key": {"pk": {"S": "a"}}, "ReturnValues": "ALL_NEW"});
        assert_eq!(update_attributes(&returning).1, "ALL_NEW");
    }

    #[test]
    fn transactions_are_judged_item_by_item_and_batches_per_table() {
        let body = json!({"TransactItems": [
            {"Put": {"TableName": "crm", "Item": {}}},
            {"ConditionCheck": {"TableName": "crm", "Key": {}}},
            {"Put": {"TableName": "crm", "Item": {}}},
        ]});
        let calls = dynamodb_calls("TransactWriteItems", &body);
        let expected = [("dynamodb:ConditionCheckItem", "table/crm"), ("dynamodb:PutItem", "table/crm")];
        assert_eq!(calls, expected.map(|(a, r)| (a.to_owned(), r.to_owned())));
        let calls = dynamodb_calls("Query", &json!({"TableName": "crm", "IndexName": "gsi1"}));
        assert_eq!(calls, [("dynamodb:Query".to_owned(), "table/crm/index/gsi1".to_owned())]);
        let calls = dynamodb_calls("BatchGetItem", &json!({"RequestItems": {"crm": {"Keys": []}}}));
        assert_eq!(calls, [("dynamodb:BatchGetItem".to_owned(), "table/crm".to_owned())]);
    }
}
