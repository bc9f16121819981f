//! `POST /api/v1/graphql`: GraphQL queries and mutations over the same records, rules and store as the REST
//! routes (see `crate::graphql`): a lead with its owner, notes and timeline in one request. Errors of a query come in
//! the body's `errors`, each with its problem `type`, `status` and `field` under `extensions`; the request
//! itself answers 200 once it could be read. The schema is printed in `docs/schema.graphql`; GraphiQL is at
//! `/api-docs/graphql`.

use crate::app::Asks;
use crate::extract::{AppState, Caller, Json, bearer};
use crate::http::json;
use crate::problem::ApiError;
use axum::extract::State;
use axum::response::Response;
use http::StatusCode;
use serde::{Deserialize, Serialize};

/// A GraphQL request, as GraphQL clients send it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GraphqlRequest {
    /// The document: a query, or a mutation
    #[schema(example = "{ leads(first: 10) { items { id name owner { name } } next_cursor } }")]
    pub query: String,
    /// Which operation of the document to run, when it has several
    #[serde(default, rename = "operationName")]
    pub operation_name: Option<String>,
    /// Values of the document's variables
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub variables: Option<serde_json::Map<String, serde_json::Value>>,
    /// Accepted and not used (some clients send it)
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub extensions: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A GraphQL response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GraphqlResponse {
    /// What the query asked for (null when it could not run)
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
    /// What went wrong: `message`, `locations`, `path`, and `extensions` with the problem's `type`, `status`
    /// and `field`
    #[schema(value_type = Option<Vec<Object>>)]
    pub errors: Option<Vec<serde_json::Value>>,
}

/// Run a GraphQL query or mutation: records, their owners, notes, timelines and links in one request
#[utoipa::path(post, operation_id = "graphql", path = "/api/v1/graphql", tag = "graphql", request_body = GraphqlRequest,
    responses((status = 200, description = "The query's data and errors", body = GraphqlResponse)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    headers: http::HeaderMap,
    Json(asked): Json<GraphqlRequest>,
) -> Result<Response, ApiError> {
    let asks = crate::graphql::asks(&asked.query, asked.operation_name.as_deref());
    let run = |actor| {
        let (app, request) = (app.clone(), asked.request());
        async move { Ok(crate::graphql::execute(app, actor, request).await) }
    };
    let response = if asks == Asks::READ {
        // A query only reads: it runs while the caller is confirmed, and its answer is kept only once they
        // are (as the REST reads do), saving a round trip.
        let claimed = app.claimed(bearer(&headers)?).await?;
        app.confirm_while(claimed, run).await?.1
    } else {
        // A mutation writes, and a search spends the account's search rate: only for a confirmed caller.
        run(Caller::asking(&app, &headers, asks).await?.actor).await?
    };
    json(StatusCode::OK, &response)
}

impl GraphqlRequest {
    fn request(&self) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(&self.query);
        if let Some(operation) = &self.operation_name {
            request = request.operation_name(operation);
        }
        if let Some(variables) = &self.variables {
            let variables = serde_json::Value::Object(variables.clone());
            request = request.variables(async_graphql::Variables::from_json(variables));
        }
        request
    }
}
