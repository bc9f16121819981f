//! HTTP to OpenSearch, SigV4-signed when the endpoint is AWS's (service `es`).

use crate::MAPPING;
use crate::document::SearchDoc;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use reqwest::Method;
use serde_json::Value;
use std::time::{Duration, SystemTime};

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search is not configured (OPENSEARCH_ENDPOINT)")]
    NotConfigured,
    #[error("OpenSearch: {0}")]
    Backend(String),
}

/// Told of every request (method, path and query), when set: the local stack records which function
/// makes which OpenSearch call, to hold it against that function's IAM policy.
static OBSERVER: std::sync::OnceLock<fn(&str, &str)> = std::sync::OnceLock::new();

/// Sets the observer of every search request in this process (the first call wins).
pub fn observe_requests(observer: fn(&str, &str)) {
    let _ = OBSERVER.set(observer);
}

#[derive(Clone)]
pub struct SearchClient {
    /// Built on the first request, and shared by clones: building one parses every trusted root
    /// certificate, which a function that never searches should not pay for at init.
    http: std::sync::Arc<std::sync::OnceLock<reqwest::Client>>,
    endpoint: String,
    pub index: String,
    aws: Option<aws_config::SdkConfig>,
    /// Replicas per shard for a new index (`SEARCH_REPLICAS`): none on a one-node domain, whose cluster
    /// would otherwise stay yellow; the mapping's own value when unset.
    pub(crate) replicas: Option<u32>,
}

/// The index's settings and mapping, with `replicas` per shard if given.
pub fn index_body(replicas: Option<u32>) -> Result<Value, SearchError> {
    let mut body: Value = serde_json::from_str(MAPPING).map_err(|e| SearchError::Backend(e.to_string()))?;
    if let Some(replicas) = replicas {
        body["settings"]["index"]["number_of_replicas"] = Value::from(replicas);
    }
    Ok(body)
}

impl SearchClient {
    /// `endpoint` like `https://search-…es.amazonaws.com` (signed) or `http://127.0.0.1:9200` (local,
    /// unsigned: an in-memory engine has no IAM).
    pub fn new(endpoint: &str, index: &str, aws: Option<aws_config::SdkConfig>) -> Self {
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        let aws = aws.filter(|_| endpoint.starts_with("https://"));
        SearchClient { http: Default::default(), endpoint, index: index.to_owned(), aws, replicas: None }
    }

    /// From `OPENSEARCH_ENDPOINT` and `SEARCH_INDEX`, if set.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>, aws: &aws_config::SdkConfig) -> Option<Self> {
        let endpoint = lookup("OPENSEARCH_ENDPOINT").filter(|e| !e.is_empty())?;
        let index = lookup("SEARCH_INDEX").filter(|i| !i.is_empty()).unwrap_or_else(|| "crm-records".into());
        let replicas = lookup("SEARCH_REPLICAS").and_then(|r| r.parse().ok());
        Some(SearchClient { replicas, ..SearchClient::new(&endpoint, &index, Some(aws.clone())) })
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        content_type: &str,
        timeout: Option<Duration>,
    ) -> Result<(u16, Value), SearchError> {
        if let Some(observer) = OBSERVER.get() {
            observer(method.as_str(), path);
        }
        let url = format!("{}{path}", self.endpoint);
        let body = body.unwrap_or_default();
        let http = self
            .http
            .get_or_init(|| reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default());
        let mut request = http.request(method.clone(), &url).header("content-type", content_type).body(body.clone());
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        if let Some(aws) = &self.aws {
            for (name, value) in self.signature(aws, method.as_str(), &url, &body, content_type).await? {
                request = request.header(name, value);
            }
        }
        let response = request.send().await.map_err(|e| SearchError::Backend(e.to_string()))?;
        let status = response.status().as_u16();
        let value = response.json().await.unwrap_or(Value::Null);
        Ok((status, value))
    }

    async fn signature(
        &self,
        aws: &aws_config::SdkConfig,
        method: &str,
        url: &str,
        body: &[u8],
        content_type: &str,
    ) -> Result<Vec<(String, String)>, SearchError> {
        let provider =
            aws.credentials_provider().ok_or(SearchError::Backend("no AWS credentials to sign with".into()))?;
        let credentials = provider.provide_credentials().await.map_err(|e| SearchError::Backend(e.to_string()))?;
        let identity: Identity = credentials.into();
        let region = aws.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".into());
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&region)
            .name("es")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| SearchError::Backend(e.to_string()))?
            .into();
        let headers = [("content-type", content_type)];
        let signable = SignableRequest::new(method, url, headers.into_iter(), SignableBody::Bytes(body))
            .map_err(|e| SearchError::Backend(e.to_string()))?;
        let (instructions, _) = sign(signable, &params).map_err(|e| SearchError::Backend(e.to_string()))?.into_parts();
        let (headers, _) = instructions.into_parts();
        Ok(headers.into_iter().map(|h| (h.name().to_owned(), h.value().to_owned())).collect())
    }

    pub(crate) async fn json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), SearchError> {
        self.send(method, path, body.map(|b| b.to_string().into_bytes()), "application/json", None).await
    }

    pub(crate) async fn send_with_timeout(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        timeout: Duration,
    ) -> Result<(u16, Value), SearchError> {
        let body = body.map(|b| b.to_string().into_bytes());
        self.send(method, path, body, "application/json", Some(timeout)).await
    }

    /// Writes many documents in one request (a reindex). A document already at the same version is
    /// written again, so a reindex repairs what a lost write left behind.
    pub async fn bulk(&self, docs: &[(String, SearchDoc, u64)]) -> Result<(), SearchError> {
        let actions: Vec<Action> = docs.iter().map(|(id, doc, version)| Action::Index(id, doc, *version)).collect();
        for (outcome, (id, _, _)) in self.send_bulk(&actions, "external_gte").await?.into_iter().zip(docs) {
            outcome.map_err(|error| SearchError::Backend(format!("bulk: document {id}: {error}")))?;
        }
        Ok(())
    }

    /// Applies `writes` in one request, in their order, and answers each one's own outcome. Each carries
    /// its record's version: a write no newer than what the index holds changes nothing and succeeds, as
    /// does deleting a document that is not there.
    pub async fn apply(&self, writes: &[Write]) -> Result<Vec<Result<(), SearchError>>, SearchError> {
        let actions: Vec<Action> = writes
            .iter()
            .map(|write| match write {
                Write::Upsert { id, doc, version } => Action::Index(id, doc, *version),
                Write::Delete { id, version } => Action::Delete(id, *version),
            })
            .collect();
        self.send_bulk(&actions, "external").await
    }

    async fn send_bulk(
        &self,
        actions: &[Action<'_>],
        version_type: &str,
    ) -> Result<Vec<Result<(), SearchError>>, SearchError> {
        if actions.is_empty() {
            return Ok(Vec::new());
        }
        let mut body = String::new();
        for action in actions {
            let (name, id, version) = match action {
                Action::Index(id, _, version) => ("index", id, version),
                Action::Delete(id, version) => ("delete", id, version),
            };
            let line = serde_json::json!({name: {"_index": self.index, "_id": id, "version": version, "version_type": version_type}});
            body.push_str(&line.to_string());
            body.push('\n');
            if let Action::Index(_, doc, _) = action {
                body.push_str(&serde_json::to_string(doc).map_err(|e| SearchError::Backend(e.to_string()))?);
                body.push('\n');
            }
        }
        // Only through the alias: a write before the deploy step made it would otherwise create an index of
        // that name with a guessed mapping.
        let (status, response) = self
            .send(Method::POST, "/_bulk?require_alias=true", Some(body.into_bytes()), "application/x-ndjson", None)
            .await?;
        if !(200..300).contains(&status) {
            return Err(SearchError::Backend(format!("bulk: {status} {response}")));
        }
        // The request succeeds as a whole even when documents fail: each item says how its write went.
        let items = response["items"].as_array().map(Vec::as_slice).unwrap_or_default();
        if items.len() != actions.len() {
            return Err(SearchError::Backend(format!("bulk: {} writes answered {} items", actions.len(), items.len())));
        }
        Ok(actions.iter().zip(items).map(|(action, item)| item_outcome(action, item)).collect())
    }

    /// Makes recent writes searchable now (tests and reindexing; the index refreshes on its own too).
    pub async fn refresh(&self) -> Result<(), SearchError> {
        self.json(Method::POST, &format!("/{}/_refresh", self.index), None).await.map(|_| ())
    }
}

/// One write to the index, at its record's version.
#[derive(Debug, Clone)]
pub enum Write {
    Upsert { id: String, doc: Box<SearchDoc>, version: u64 },
    Delete { id: String, version: u64 },
}

/// A write as the bulk request names it, borrowed from a [`Write`] or a reindex's documents.
enum Action<'a> {
    Index(&'a str, &'a SearchDoc, u64),
    Delete(&'a str, u64),
}

/// One bulk item's outcome. A 409 is a version no newer than the stored one; a delete's 404 without an
/// error is a document that is not there (a missing index is a 404 with an error).
fn item_outcome(action: &Action, item: &Value) -> Result<(), SearchError> {
    let result = item.as_object().and_then(|action| action.values().next()).unwrap_or(&Value::Null);
    let status = result["status"].as_u64().unwrap_or(0);
    let gone = matches!(action, Action::Delete(..)) && status == 404 && result["error"].is_null();
    if (200..300).contains(&status) || status == 409 || gone {
        Ok(())
    } else {
        Err(SearchError::Backend(format!("{status} {}", result["error"])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bulk_item_is_judged_by_its_own_status() {
        let ok = |item: Value| item_outcome(&Action::Delete("T:lead:L1", 3), &item).is_ok();
        assert!(ok(serde_json::json!({"delete": {"status": 200, "result": "deleted"}})));
        assert!(ok(serde_json::json!({"delete": {"status": 404, "result": "not_found"}})), "already gone");
        assert!(ok(
            serde_json::json!({"delete": {"status": 409, "error": {"type": "version_conflict_engine_exception"}}})
        ));
        assert!(!ok(serde_json::json!({"delete": {"status": 404, "error": {"type": "index_not_found_exception"}}})));
        assert!(!ok(
            serde_json::json!({"delete": {"status": 429, "error": {"type": "es_rejected_execution_exception"}}})
        ));
        assert!(!ok(serde_json::json!({})));
    }

    #[test]
    fn a_one_node_domain_gets_an_index_without_replicas() {
        assert_eq!(index_body(Some(0)).unwrap()["settings"]["index"]["number_of_replicas"], 0);
        assert_eq!(index_body(None).unwrap()["settings"]["index"]["number_of_replicas"], 1);
    }
}
