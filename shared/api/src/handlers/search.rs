//! `GET /api/v1/search?q=&type=&limit=&cursor=`: fuzzy, typo-tolerant search across leads, customers, deals
//! and notes, ranked and highlighted, always within the caller's account (and, for Sales, its own records).

use crate::app::App;
use crate::http::{json, only_query_params, page_request, query_param};
use crate::problem::ApiError;
use crm_search::{QueryError, SearchRequest};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

const MAX_QUERY: usize = 200;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &["q", "type", "limit", "cursor"])?;
    let text = query_param(&req, "q")?.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
    let text = text.ok_or_else(|| ApiError::bad_request("q", "`q` is required"))?;
    if text.chars().count() > MAX_QUERY {
        return Err(ApiError::bad_request("q", format!("`q` may be at most {MAX_QUERY} characters")));
    }
    let kind = query_param(&req, "type")?;
    if let Some(kind) = &kind
        && !["lead", "customer", "deal", "note"].contains(&kind.as_str())
    {
        return Err(ApiError::bad_request("type", "`type` must be lead, customer, deal or note"));
    }
    let page = page_request(&req)?;
    let search =
        app.search().ok_or_else(|| ApiError::Internal("search is not configured (OPENSEARCH_ENDPOINT)".into()))?;
    let request = SearchRequest {
        tenant: actor.tenant.to_string(),
        text,
        kind,
        owner: (!actor.role.sees_whole_tenant()).then(|| actor.user.to_string()),
        limit: page.limit,
        cursor: page.cursor,
    };
    match search.search(&request).await {
        Ok(found) => json(StatusCode::OK, &found),
        Err(QueryError::BadCursor) => Err(ApiError::bad_request("cursor", "the cursor is not valid for this search")),
        Err(QueryError::Search(error)) => Err(ApiError::Internal(error.to_string())),
    }
}
