//! What a deploy does besides creating resources, done the same way at the local stack's start: the search
//! domains exist in the local OpenSearch Service API (moto), and each custom resource's function gets
//! CloudFormation's `Create` request and must answer `SUCCESS` at the request's `ResponseURL`.

use crate::template::{CustomResource, Template};
use crate::workers::{LocalQueue, function_workers};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A domain's name in the local OpenSearch Service API (at most 28 characters, as AWS allows).
pub fn local_domain_name(logical_id: &str) -> String {
    format!("local-{}", logical_id.to_ascii_lowercase()).chars().take(28).collect()
}

/// Creates each search domain of the template in the local OpenSearch Service API; answers their names by
/// logical id. One that exists already is fine.
pub async fn create_search_domains(
    config: &aws_config::SdkConfig,
    domains: &[String],
) -> Result<BTreeMap<String, String>, String> {
    let mut names = BTreeMap::new();
    if domains.is_empty() {
        return Ok(names);
    }
    let client = aws_sdk_opensearch::Client::new(config);
    for logical_id in domains {
        let name = local_domain_name(logical_id);
        match client.create_domain().domain_name(&name).send().await {
            Ok(_) => {}
            Err(error) if error.as_service_error().is_some_and(|e| e.is_resource_already_exists_exception()) => {}
            Err(error) => {
                return Err(format!(
                    "search domain {name}: {}",
                    aws_sdk_opensearch::error::DisplayErrorContext(&error)
                ));
            }
        }
        names.insert(logical_id.clone(), name);
    }
    Ok(names)
}

/// Runs every custom resource's `Create`, in the template's order; the first failure stops the start, as it
/// rolls a deploy back.
pub async fn create_custom_resources(
    template: &Template,
    queues: &BTreeMap<String, LocalQueue>,
    domains: &BTreeMap<String, String>,
    table_name: &str,
    settings: &HashMap<String, String>,
    functions_aws: &aws_config::SdkConfig,
) -> Result<(), String> {
    for resource in &template.custom_resources {
        let creating = create(resource, queues, domains, table_name, settings, functions_aws);
        crate::aws_calls::as_function(&resource.function, creating).await?;
    }
    Ok(())
}

async fn create(
    resource: &CustomResource,
    queues: &BTreeMap<String, LocalQueue>,
    domains: &BTreeMap<String, String>,
    table_name: &str,
    settings: &HashMap<String, String>,
    functions_aws: &aws_config::SdkConfig,
) -> Result<(), String> {
    let worker = crm_workers::functions::by_name(&resource.worker)
        .ok_or_else(|| format!("{} names worker `{}`, which crm_workers lacks", resource.function, resource.worker))?;
    let mut environment = settings.clone();
    for (variable, target) in &resource.references {
        if let Some(name) = domains.get(target) {
            environment.insert(variable.clone(), name.clone());
        }
    }
    let workers =
        function_workers(&resource.references, queues, table_name, &environment, functions_aws, &resource.variables)
            .await?;
    let response = request_create(worker, &workers, resource).await?;
    if response["Status"] != "SUCCESS" {
        return Err(format!("{} failed: {}", resource.logical_id, response["Reason"]));
    }
    tracing::info!(resource = %resource.logical_id, data = %response["Data"], "custom resource created");
    Ok(())
}

/// Sends `resource`'s function CloudFormation's `Create` request; answers what it put at the response URL.
pub async fn request_create(
    worker: crm_workers::functions::Worker,
    workers: &crm_workers::Workers,
    resource: &CustomResource,
) -> Result<Value, String> {
    let (response_url, answer) = response_url().await?;
    let request = json!({
        "RequestType": "Create",
        "ServiceToken": format!("arn:aws:lambda:local:000000000000:function:{}", resource.function),
        "RequestId": format!("local-{}", std::process::id()),
        "ResponseURL": response_url,
        "StackId": "arn:aws:cloudformation:local:000000000000:stack/local/0",
        "ResourceType": resource.resource_type,
        "LogicalResourceId": resource.logical_id,
        "ResourceProperties": {},
    });
    worker(workers, request).await.map_err(|e| format!("{}: {e}", resource.logical_id))?;
    answer.await.map_err(|_| format!("{} never answered CloudFormation", resource.logical_id))
}

/// A URL that takes one `PUT` (CloudFormation's presigned response URL), and the body it received.
async fn response_url() -> Result<(String, oneshot::Receiver<Value>), String> {
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|e| format!("response URL: {e}"))?;
    let addr = listener.local_addr().map_err(|e| format!("response URL: {e}"))?;
    let (sender, receiver) = oneshot::channel();
    tokio::spawn(async move {
        let Ok((stream, _)) = listener.accept().await else { return };
        let sender = std::sync::Mutex::new(Some(sender));
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let sender = sender.lock().ok().and_then(|mut s| s.take());
            async move {
                let signed_without_type = !request.headers().contains_key(hyper::header::CONTENT_TYPE);
                let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                let response: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                // S3 refuses a presigned PUT whose headers differ from what was signed.
                let status = if signed_without_type { 200 } else { 403 };
                if let Some(sender) = sender.filter(|_| status == 200) {
                    let _ = sender.send(response);
                }
                hyper::Response::builder().status(status).body(Full::new(Bytes::new()))
            }
        });
        let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
    });
    Ok((format!("http://{addr}/cloudformation-response?X-Amz-Signature=local"), receiver))
}
