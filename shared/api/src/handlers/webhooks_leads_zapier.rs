//! `POST /api/v1/webhooks/leads/zapier`: a Zap's flat JSON object, fields picked by the endpoint's
//! field map, authenticated by a Zapier endpoint's token; `Idempotency-Key` makes retries safe.

use crate::extract::{AppState, IdempotencyKey, RawBody};
use crate::problem::{ApiError, Problem};
use crate::webhooks::{WebhookToken, deliver, endpoint_of_token, json_value};
use axum::extract::State;
use axum::response::Response;
use crm_domain::lead::Lead;
use crm_domain::webhook::{WebhookSource, zapier_lead};
use http::HeaderMap;

/// Receive a lead from a Zap: a flat JSON object mapped by the endpoint's field map
#[utoipa::path(post, operation_id = "webhooks_leads_zapier", path = "/api/v1/webhooks/leads/zapier", tag = "webhooks", request_body = serde_json::Value,
    params(WebhookToken, IdempotencyKey),
    responses((status = 201, description = "The lead created (a replay answers the first result)", body = Lead), (status = 402, description = "The account's plan allows no more records: the problem names the limit (`limit`), the plan and the plan that allows more (`upgrade_to`)", body = Problem, content_type = "application/problem+json")),
    security(("webhook_token" = []), ("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    headers: HeaderMap,
    key: IdempotencyKey,
    body: RawBody,
) -> Result<Response, ApiError> {
    let body = body.limited()?;
    let stored = endpoint_of_token(&app, &headers, WebhookSource::Zapier).await?;
    let payload = json_value(body)?;
    let endpoint = &stored.endpoint;
    let lead = zapier_lead(&payload, &endpoint.field_map)?.into_new_lead("zapier", endpoint.tags.clone())?;
    deliver(&app, &stored, lead, key.0).await
}
