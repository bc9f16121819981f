//! `POST /api/v1/api_keys` (Admin): a key for a program, acting as a Manager or Sales service user of the
//! account. The key is in this response only; the API keeps its digest.

use crate::extract::{AppState, Caller, Json};
use crate::http::WithStatus;
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use crm_domain::activity::{Action, Activity};
use crm_domain::api_key::{ApiKey, NewApiKey};
use crm_domain::clock::Timestamp;
use crm_domain::policy;
use http::StatusCode;
use serde::Serialize;

/// A new key, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub api_key: ApiKey,
    /// Send it as `Authorization: Bearer <key>`; it is not shown again.
    pub key: String,
}

/// Create an API key for a program; the key is in this response only (Admin)
#[utoipa::path(post, operation_id = "api_keys_create", path = "/api/v1/api_keys", tag = "users", request_body = NewApiKey,
    responses((status = 201, description = "The key, shown once", body = CreatedApiKey), (status = 402, description = "The account's plan allows no more API keys: the problem names the limit (`limit`), the plan and the plan that allows more (`upgrade_to`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Json(input): Json<NewApiKey>,
) -> Result<WithStatus<CreatedApiKey>, ApiError> {
    let actor = caller.actor;
    policy::manage_api_keys(&actor)?;
    let now = Timestamp::now();
    let draft = input.validate(actor.tenant, actor.user, now)?;
    let (key, digest) = crate::api_keys::new_key(actor.tenant, draft.key.id)?;
    let activity = Activity::record("api_key", draft.key.id, Action::Created, actor.user, &now.rfc3339(), Vec::new());
    app.table.create_api_key(&draft, &digest, &activity).await?;
    Ok(WithStatus(StatusCode::CREATED, CreatedApiKey { api_key: draft.key, key }))
}
