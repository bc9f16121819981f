//! The deploy's search step, a CloudFormation custom resource: waits until the OpenSearch domain is done
//! changing, then rolls the index of this build's mapping out behind the alias (`crm_search`'s roll-out).
//! Whatever happens, it answers CloudFormation at the request's `ResponseURL`: a custom resource that never
//! answers holds the stack for an hour.

use crate::Workers;
use aws_lambda_events::cloudformation::{
    CloudFormationCustomResourceRequest, CloudFormationCustomResourceResponse,
    CloudFormationCustomResourceResponseStatus,
};
use lambda_runtime::Error;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Leaves the roll-out most of the function's 15 minutes.
const DOMAIN_WAIT_LIMIT: Duration = Duration::from_secs(5 * 60);
const DOMAIN_POLL_INTERVAL: Duration = Duration::from_secs(15);
/// CloudFormation shows at most this much of a failure's reason.
const MAX_REASON_CHARS: usize = 400;

/// The fields every request type carries, and the physical id of a resource that exists.
struct Request<'a> {
    response_url: &'a str,
    stack_id: &'a str,
    request_id: &'a str,
    logical_resource_id: &'a str,
    physical_resource_id: Option<&'a str>,
    deleting: bool,
}

fn fields(request: &CloudFormationCustomResourceRequest) -> Option<Request<'_>> {
    Some(match request {
        CloudFormationCustomResourceRequest::Create(r) => Request {
            response_url: &r.response_url,
            stack_id: &r.stack_id,
            request_id: &r.request_id,
            logical_resource_id: &r.logical_resource_id,
            physical_resource_id: None,
            deleting: false,
        },
        CloudFormationCustomResourceRequest::Update(r) => Request {
            response_url: &r.response_url,
            stack_id: &r.stack_id,
            request_id: &r.request_id,
            logical_resource_id: &r.logical_resource_id,
            physical_resource_id: Some(&r.physical_resource_id),
            deleting: false,
        },
        CloudFormationCustomResourceRequest::Delete(r) => Request {
            response_url: &r.response_url,
            stack_id: &r.stack_id,
            request_id: &r.request_id,
            logical_resource_id: &r.logical_resource_id,
            physical_resource_id: Some(&r.physical_resource_id),
            deleting: true,
        },
        _ => return None,
    })
}

pub async fn handle(workers: &Workers, request: CloudFormationCustomResourceRequest) -> Result<(), Error> {
    let request = fields(&request).ok_or("an unknown CloudFormation request type")?;
    // The indexes go with the domain; keeping them costs nothing when only this resource is removed.
    let outcome = if request.deleting { Ok(None) } else { put_index_in_place(workers).await.map(Some) };
    let mut response = CloudFormationCustomResourceResponse::default();
    response.stack_id = request.stack_id.to_owned();
    response.request_id = request.request_id.to_owned();
    response.logical_resource_id = request.logical_resource_id.to_owned();
    // The alias is the resource: the same id on every update, so CloudFormation never "replaces" it.
    let alias = workers.search.as_ref().map(|s| s.index.clone());
    response.physical_resource_id =
        request.physical_resource_id.map(str::to_owned).or(alias).unwrap_or_else(|| "search-index".to_owned());
    match outcome {
        Ok(index) => {
            response.status = CloudFormationCustomResourceResponseStatus::Success;
            response.data = index.map(|index| HashMap::from([("Index".to_owned(), index)])).unwrap_or_default();
        }
        Err(error) => {
            tracing::error!(%error, "the search index roll-out failed");
            response.status = CloudFormationCustomResourceResponseStatus::Failed;
            response.reason = Some(error.chars().take(MAX_REASON_CHARS).collect());
        }
    }
    // A presigned S3 URL: signed without a content type, so none may be sent.
    let answer = workers.http().put(request.response_url).body(serde_json::to_vec(&response)?).send().await?;
    if !answer.status().is_success() {
        return Err(format!("CloudFormation's response URL answered {}", answer.status()).into());
    }
    Ok(())
}

/// Waits for the domain, then rolls out; answers the index now behind the alias.
async fn put_index_in_place(workers: &Workers) -> Result<String, String> {
    let Some(search) = workers.search.as_ref() else {
        // Only a local stack runs without search; every deployed function has OPENSEARCH_ENDPOINT.
        tracing::warn!("search is not configured (OPENSEARCH_ENDPOINT): no index to put in place");
        return Ok(String::new());
    };
    if let Some(domain) = &workers.search_domain {
        wait_for_domain(workers, domain).await?;
    }
    let roll_out = search.roll_out().await.map_err(|e| e.to_string())?;
    tracing::info!(index = %roll_out.index, filled_from = ?roll_out.filled_from, deleted = ?roll_out.deleted, "search index in place");
    Ok(roll_out.index)
}

/// A domain in the middle of a change (a blue/green deployment, a resize) can drop index requests.
async fn wait_for_domain(workers: &Workers, domain: &str) -> Result<(), String> {
    let client = aws_sdk_opensearch::Client::new(&workers.aws);
    let started = Instant::now();
    loop {
        let described = client.describe_domain().domain_name(domain).send().await.map_err(|e| {
            format!("describing domain {domain}: {}", aws_sdk_opensearch::error::DisplayErrorContext(e))
        })?;
        let status = described.domain_status();
        if status.is_some_and(|s| !s.processing().unwrap_or(false) && !s.deleted().unwrap_or(false)) {
            return Ok(());
        }
        if started.elapsed() > DOMAIN_WAIT_LIMIT {
            return Err(format!("domain {domain} was still changing after {} s", DOMAIN_WAIT_LIMIT.as_secs()));
        }
        tracing::info!(%domain, "waiting for the search domain to finish changing");
        tokio::time::sleep(DOMAIN_POLL_INTERVAL).await;
    }
}
