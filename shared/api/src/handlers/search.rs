//! `GET /api/v1/search?q=&type=&limit=&cursor=`: fuzzy, typo-tolerant search across leads, customers, deals
//! and notes, ranked and highlighted, always within the caller's account (and, for Sales, its own records).

use crate::app::App;
use crate::extract::{AppState, Caller, Json, Listed};
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::Actor;
use crm_search::{QueryError, SearchPage, SearchRequest};
use crm_store::PageRequest;

const MAX_QUERY: usize = 200;

/// What a search looks for.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// The words to find (typos and prefixes match)
    #[param(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub q: String,
    /// Only this kind of result
    #[serde(rename = "type")]
    #[param(inline)]
    pub kind: Option<SearchKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema, async_graphql::Enum)]
#[serde(rename_all = "lowercase")]
#[graphql(rename_items = "lowercase")]
pub enum SearchKind {
    Lead,
    Customer,
    Deal,
    Note,
}

impl SearchKind {
    fn as_str(self) -> &'static str {
        match self {
            SearchKind::Lead => "lead",
            SearchKind::Customer => "customer",
            SearchKind::Deal => "deal",
            SearchKind::Note => "note",
        }
    }
}

/// Fuzzy search across leads, customers, deals and notes
#[utoipa::path(get, operation_id = "search", path = "/api/v1/search", tag = "search", params(Listed<SearchQuery>),
    responses((status = 200, description = "A page of hits, best first, highlighted", body = SearchPage)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    query: Listed<SearchQuery>,
) -> Result<Json<SearchPage>, ApiError> {
    Ok(Json(find(&app, &caller.actor, &query.filters.q, query.filters.kind, query.page).await?))
}

/// A page of what `actor` may find for `q` (of one kind, if given): the REST route's and GraphQL's search.
pub async fn find(
    app: &App,
    actor: &Actor,
    q: &str,
    kind: Option<SearchKind>,
    page: PageRequest,
) -> Result<SearchPage, ApiError> {
    let text = crm_domain::validation::required_text("q", q, MAX_QUERY)
        .map_err(|e| ApiError::bad_request("q", format!("`q` {}", e.message)))?;
    let search =
        app.search().ok_or_else(|| ApiError::Internal("search is not configured (OPENSEARCH_ENDPOINT)".into()))?;
    let request = SearchRequest {
        tenant: actor.tenant.to_string(),
        text,
        kind: kind.map(|k| k.as_str().to_owned()),
        owner: (!actor.role.sees_whole_tenant()).then(|| actor.user.to_string()),
        limit: page.limit,
        cursor: page.cursor,
    };
    match search.search(&request).await {
        Ok(found) => Ok(found),
        Err(QueryError::BadCursor) => Err(ApiError::bad_request("cursor", "the cursor is not valid for this search")),
        Err(QueryError::Search(error)) => Err(ApiError::Internal(error.to_string())),
    }
}
