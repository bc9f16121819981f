//! The search query: typo-tolerant matching on names, companies, emails, phones and notes, prefix matching
//! as you type, always filtered by tenant (and owner for Sales), ranked, highlighted, paged behind an opaque
//! cursor bound to its tenant and query. The cursor carries the next offset rather than `search_after`
//! sort values: the local engine compares tied float scores exactly and loses ties, and a search box's
//! results never run near OpenSearch's 10,000-result window.

use crate::client::{SearchClient, SearchError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub struct SearchRequest {
    pub tenant: String,
    pub text: String,
    pub kind: Option<String>,
    /// Sales: only documents of this owner.
    pub owner: Option<String>,
    pub limit: usize,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Hit {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub score: f64,
    pub name: Option<String>,
    pub company: Option<String>,
    pub email: Option<String>,
    /// For notes: the record the note is on.
    pub parent_type: Option<String>,
    pub parent_id: Option<String>,
    /// Matched fragments by field, HTML-escaped, the matches wrapped in `<em>` (the only markup).
    pub highlight: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchPage {
    pub items: Vec<Hit>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    f: String,
    from: usize,
}

/// OpenSearch's default `index.max_result_window`.
const MAX_WINDOW: usize = 10_000;

/// Ties a cursor to the tenant, query and filters it came from.
fn fingerprint(request: &SearchRequest) -> String {
    let text = format!("{}\n{}\n{:?}\n{:?}", request.tenant, request.text, request.kind, request.owner);
    Sha256::digest(text.as_bytes())[..12].iter().map(|b| format!("{b:02x}")).collect()
}

impl SearchClient {
    pub async fn search(&self, request: &SearchRequest) -> Result<SearchPage, crate::query::QueryError> {
        let mut filter = vec![json!({"term": {"tenant_id": request.tenant}})];
        if let Some(kind) = &request.kind {
            filter.push(json!({"term": {"type": kind}}));
        }
        if let Some(owner) = &request.owner {
            filter.push(json!({"term": {"owner_id": owner}}));
        }
        // An email address is looked up exactly: fuzzy matching would find everyone at the same domain.
        let should = match crm_domain::validation::email("q", request.text.trim()) {
            Ok(address) => json!([{"term": {"email.exact": address}}]),
            Err(_) => json!([
                {"multi_match": {"query": request.text, "fields": ["name^3", "company^2", "email^2", "email.parts", "phone", "body"], "fuzziness": "AUTO", "prefix_length": 1, "max_expansions": 20}},
                {"multi_match": {"query": request.text, "fields": ["name.prefix^2", "company.prefix"]}}
            ]),
        };
        let mut body = json!({
            "size": request.limit,
            "query": {"bool": {
                "filter": filter,
                "should": should,
                "minimum_should_match": 1
            }},
            "highlight": {"fields": {"name": {}, "company": {}, "email": {}, "body": {}}},
            "sort": [{"_score": "desc"}, {"record_id": "asc"}]
        });
        let mut from = 0;
        if let Some(cursor) = &request.cursor {
            let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| QueryError::BadCursor)?;
            let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| QueryError::BadCursor)?;
            if cursor.f != fingerprint(request) || cursor.from + request.limit > MAX_WINDOW {
                return Err(QueryError::BadCursor);
            }
            from = cursor.from;
        }
        body["from"] = json!(from);
        let Some(response) = self.query(&body).await? else {
            return Ok(SearchPage { items: Vec::new(), next_cursor: None });
        };
        let hits = response["hits"]["hits"].as_array().cloned().unwrap_or_default();
        let total = response["hits"]["total"]["value"].as_u64().unwrap_or(0) as usize;
        let next = from + hits.len();
        let next_cursor =
            (hits.len() == request.limit && next < total && next + request.limit <= MAX_WINDOW).then(|| {
                URL_SAFE_NO_PAD
                    .encode(serde_json::to_vec(&Cursor { f: fingerprint(request), from: next }).unwrap_or_default())
            });
        let items = hits.iter().map(hit_of).collect();
        Ok(SearchPage { items, next_cursor })
    }

    /// Records of a kind whose names match `name` closely (every word of it, a typo or two allowed in each),
    /// best first: candidates for duplicates. `owner` narrows them to one owner's (Sales).
    pub async fn similar_names(
        &self,
        tenant: &str,
        kind: &str,
        owner: Option<&str>,
        name: &str,
        limit: usize,
    ) -> Result<Vec<Hit>, QueryError> {
        let mut filter = vec![json!({"term": {"tenant_id": tenant}}), json!({"term": {"type": kind}})];
        if let Some(owner) = owner {
            filter.push(json!({"term": {"owner_id": owner}}));
        }
        let body = json!({
            "size": limit,
            "query": {"bool": {
                "filter": filter,
                "must": {"match": {"name": {"query": name, "fuzziness": "AUTO", "prefix_length": 1, "operator": "and"}}}
            }},
            "sort": [{"_score": "desc"}, {"record_id": "asc"}]
        });
        let hits = match self.query(&body).await? {
            Some(response) => response["hits"]["hits"].as_array().cloned().unwrap_or_default(),
            None => Vec::new(),
        };
        Ok(hits.iter().map(hit_of).collect())
    }

    /// Runs a query on the index; `None` when nothing is indexed yet (a fresh stack before its index
    /// exists finds nothing, which is not an error).
    async fn query(&self, body: &serde_json::Value) -> Result<Option<serde_json::Value>, QueryError> {
        let (status, response) = self.json(Method::POST, &format!("/{}/_search", self.index), Some(body)).await?;
        if status == 404 && response["error"]["type"] == "index_not_found_exception" {
            tracing::warn!(index = %self.index, "search on a missing index");
            return Ok(None);
        }
        if !(200..300).contains(&status) {
            return Err(QueryError::Search(SearchError::Backend(format!("search: {status} {response}"))));
        }
        Ok(Some(response))
    }
}

/// A hit as the API shows it.
fn hit_of(hit: &serde_json::Value) -> Hit {
    let source = &hit["_source"];
    let text = |field: &str| source[field].as_str().map(str::to_owned);
    Hit {
        kind: text("type").unwrap_or_default(),
        id: text("record_id").unwrap_or_default(),
        score: hit["_score"].as_f64().unwrap_or(0.0),
        name: text("name"),
        company: text("company"),
        email: text("email"),
        parent_type: text("parent_type"),
        parent_id: text("parent_id"),
        highlight: safe_highlights(&hit["highlight"]),
    }
}

/// The engine's highlighted fragments with the stored text escaped: the only markup left is the `<em>`
/// around each match, so a client that renders them cannot be made to render what a record holds.
fn safe_highlights(highlight: &serde_json::Value) -> BTreeMap<String, Vec<String>> {
    let fragments: BTreeMap<String, Vec<String>> = serde_json::from_value(highlight.clone()).unwrap_or_default();
    fragments.into_iter().map(|(field, texts)| (field, texts.iter().map(|t| escape_fragment(t)).collect())).collect()
}

fn escape_fragment(fragment: &str) -> String {
    let escaped = fragment
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    escaped.replace("&lt;em&gt;", "<em>").replace("&lt;/em&gt;", "</em>")
}

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("the cursor is not valid for this search")]
    BadCursor,
    #[error(transparent)]
    Search(#[from] SearchError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_carry_no_markup_but_the_emphasis() {
        let hit = json!({"name": ["<em>Eve</em> <img src=x onerror=alert(1)>"], "body": ["a & \"b\" 'c'"]});
        let safe = safe_highlights(&hit);
        assert_eq!(safe["name"], ["<em>Eve</em> &lt;img src=x onerror=alert(1)&gt;"]);
        assert_eq!(safe["body"], ["a &amp; &quot;b&quot; &#39;c&#39;"]);
    }
}
