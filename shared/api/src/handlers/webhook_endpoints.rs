//! `/api/v1/webhook_endpoints` (Admin): outgoing webhooks — where the account's events are delivered,
//! signed, with a log of every delivery. A signing secret is shown once, when it is made (at creation and
//! at each rotation). See README.md, "Outgoing webhooks", for how a receiver verifies a delivery.

use crate::extract::{AppState, Caller, Claimed, Json, Listed, Path};
use crate::http::{PageBody, WithStatus};
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use crm_domain::clock::Timestamp;
use crm_domain::outgoing::{Delivery, DeliveryStatus, Endpoint, EndpointPatch, NewEndpoint};
use crm_domain::{Actor, DeliveryId, EndpointId, policy};
use crm_store::{StoredEndpoint, secrets::random_token};
use http::StatusCode;
use serde::Serialize;

/// An endpoint just made, with its signing secret (shown only here).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedEndpoint {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    /// Signs every delivery (`CRM-Signature`); shown only in this response
    pub secret: String,
}

/// A new signing secret (shown only here); the previous one signs too until `previous_secret_valid_until`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RotatedSecret {
    pub secret: String,
    pub previous_secret_valid_until: String,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EndpointPath {
    /// The endpoint's id
    #[param(value_type = String, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub id: EndpointId,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DeliveryPath {
    /// The endpoint's id
    #[param(value_type = String, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub id: EndpointId,
    /// The delivery's id
    #[param(value_type = String, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub delivery_id: DeliveryId,
}

fn new_secret() -> Result<String, ApiError> {
    random_token(32).map(|t| format!("whsec_{t}")).map_err(|e| ApiError::Internal(e.to_string()))
}

async fn endpoint_of(app: &crate::app::App, actor: &Actor, id: EndpointId) -> Result<StoredEndpoint, ApiError> {
    policy::manage_webhook_endpoints(actor)?;
    app.table.endpoint(actor.tenant, id).await?.ok_or(ApiError::NotFound)
}

/// Register an endpoint for the account's events; its signing secret is in this response only (Admin)
#[utoipa::path(post, operation_id = "webhook_endpoints_create", path = "/api/v1/webhook_endpoints", tag = "webhooks-out",
    request_body = NewEndpoint,
    responses((status = 201, description = "The endpoint and its signing secret", body = CreatedEndpoint),
        (status = 402, description = "The account's plan allows no more webhook endpoints: the problem names the limit (`limit`), the plan and the plan that allows more (`upgrade_to`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(app): AppState,
    caller: Caller,
    Json(input): Json<NewEndpoint>,
) -> Result<WithStatus<CreatedEndpoint>, ApiError> {
    let actor = caller.actor;
    policy::manage_webhook_endpoints(&actor)?;
    let endpoint = input.validate(&Timestamp::now().rfc3339())?;
    let secret = new_secret()?;
    let stored = StoredEndpoint::seal(actor.tenant, endpoint, &secret, app.sealer()?)
        .map_err(|e| ApiError::Internal(format!("sealing the signing secret: {e}")))?;
    app.table.create_endpoint(actor.tenant, &stored).await?;
    Ok(WithStatus(StatusCode::CREATED, CreatedEndpoint { endpoint: stored.endpoint, secret }))
}

/// The account's endpoints (Admin)
#[utoipa::path(get, operation_id = "webhook_endpoints_list", path = "/api/v1/webhook_endpoints", tag = "webhooks-out",
    responses((status = 200, description = "Every endpoint of the account (as many as its plan allows: one page)", body = PageBody<Endpoint>)),
    security(("bearer" = [])))]
pub async fn list(State(app): AppState, Claimed(claimed): Claimed) -> Result<PageBody<Endpoint>, ApiError> {
    let read = async |actor: crm_domain::Actor| {
        policy::manage_webhook_endpoints(&actor)?;
        Ok(app.table.endpoints(actor.tenant).await?)
    };
    let (_, endpoints) = app.confirm_while(claimed, read).await?;
    Ok(PageBody { items: endpoints.into_iter().map(|e| e.endpoint).collect(), next_cursor: None })
}

/// Change an endpoint: its URL, events, description, or whether it is enabled (Admin)
#[utoipa::path(patch, operation_id = "webhook_endpoints_update", path = "/api/v1/webhook_endpoints/{id}", tag = "webhooks-out",
    params(EndpointPath), request_body = EndpointPatch,
    responses((status = 200, description = "The endpoint as it is now", body = Endpoint),
        (status = 404, description = "No such endpoint in the account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn update(
    State(app): AppState,
    caller: Caller,
    Path(path): Path<EndpointPath>,
    Json(patch): Json<EndpointPatch>,
) -> Result<Json<Endpoint>, ApiError> {
    let before = endpoint_of(&app, &caller.actor, path.id).await?;
    let Some(endpoint) = patch.apply(&before.endpoint, &Timestamp::now().rfc3339())? else {
        return Ok(Json(before.endpoint));
    };
    let after = StoredEndpoint { endpoint, ..before.clone() };
    app.table.replace_endpoint(caller.actor.tenant, &before, &after).await?;
    Ok(Json(after.endpoint))
}

/// Delete an endpoint; nothing more is delivered to it (Admin)
#[utoipa::path(delete, operation_id = "webhook_endpoints_delete", path = "/api/v1/webhook_endpoints/{id}", tag = "webhooks-out",
    params(EndpointPath),
    responses((status = 204, description = "Deleted"),
        (status = 404, description = "No such endpoint in the account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn delete(
    State(app): AppState,
    caller: Caller,
    Path(path): Path<EndpointPath>,
) -> Result<StatusCode, ApiError> {
    policy::manage_webhook_endpoints(&caller.actor)?;
    app.table.delete_endpoint(caller.actor.tenant, path.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret, shown only here; the previous one keeps signing for 24 hours (Admin)
#[utoipa::path(post, operation_id = "webhook_endpoints_rotate_secret", path = "/api/v1/webhook_endpoints/{id}/rotate_secret", tag = "webhooks-out",
    params(EndpointPath),
    responses((status = 200, description = "The new secret", body = RotatedSecret),
        (status = 404, description = "No such endpoint in the account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn rotate_secret(
    State(app): AppState,
    caller: Caller,
    Path(path): Path<EndpointPath>,
) -> Result<Json<RotatedSecret>, ApiError> {
    let before = endpoint_of(&app, &caller.actor, path.id).await?;
    let secret = new_secret()?;
    let mut after = before.clone();
    after
        .rotate(caller.actor.tenant, &secret, app.sealer()?, Timestamp::now())
        .map_err(|e| ApiError::Internal(format!("sealing the signing secret: {e}")))?;
    app.table.replace_endpoint(caller.actor.tenant, &before, &after).await?;
    let previous_secret_valid_until = after.endpoint.previous_secret_valid_until.unwrap_or_default();
    Ok(Json(RotatedSecret { secret, previous_secret_valid_until }))
}

/// An endpoint's deliveries, newest first: status, attempts, the last answer (Admin)
#[utoipa::path(get, operation_id = "webhook_deliveries_list", path = "/api/v1/webhook_endpoints/{id}/deliveries", tag = "webhooks-out",
    params(EndpointPath, Listed),
    responses((status = 200, description = "A page of deliveries", body = PageBody<Delivery>),
        (status = 404, description = "No such endpoint in the account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn deliveries(
    State(app): AppState,
    caller: Caller,
    Path(path): Path<EndpointPath>,
    query: Listed,
) -> Result<PageBody<Delivery>, ApiError> {
    let endpoint = endpoint_of(&app, &caller.actor, path.id).await?;
    Ok(app.table.deliveries(caller.actor.tenant, endpoint.endpoint.id, &query.page).await?.into())
}

/// Deliver again: the delivery starts over with a fresh set of attempts (Admin)
#[utoipa::path(post, operation_id = "webhook_deliveries_redeliver", path = "/api/v1/webhook_endpoints/{id}/deliveries/{delivery_id}/redeliver", tag = "webhooks-out",
    params(DeliveryPath),
    responses((status = 202, description = "Queued: the delivery as it starts over", body = Delivery),
        (status = 404, description = "No such endpoint or delivery in the account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is disabled: enable it first", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn redeliver(
    State(app): AppState,
    caller: Caller,
    Path(path): Path<DeliveryPath>,
) -> Result<WithStatus<Delivery>, ApiError> {
    let tenant = caller.actor.tenant;
    let endpoint = endpoint_of(&app, &caller.actor, path.id).await?;
    if endpoint.endpoint.status != crm_domain::outgoing::EndpointStatus::Active {
        return Err(ApiError::Conflict { detail: "the endpoint is disabled: enable it first".into(), field: None });
    }
    let mut stored = app.table.delivery(tenant, path.id, path.delivery_id).await?.ok_or(ApiError::NotFound)?;
    // Back to a pending delivery with no attempts: the table's stream queues it again.
    let delivery = &mut stored.delivery;
    delivery.status = DeliveryStatus::Pending;
    delivery.attempts = 0;
    delivery.next_attempt_at = Some(Timestamp::now().rfc3339());
    app.table.save_delivery(tenant, &stored).await?;
    Ok(WithStatus(StatusCode::ACCEPTED, stored.delivery))
}
