//! `POST /api/v1/webhooks/leads`: a lead in the documented shape from any tool, authenticated by a
//! generic endpoint's token; `Idempotency-Key` makes retries safe.

use crate::extract::{AppState, IdempotencyKey, Json};
use crate::problem::{ApiError, Problem};
use crate::webhooks::{WebhookToken, deliver, endpoint_of_token};
use axum::extract::State;
use axum::response::Response;
use crm_domain::lead::Lead;
use crm_domain::webhook::{WebhookLead, WebhookSource};
use http::HeaderMap;

/// Receive a lead in the documented shape (a generic endpoint's token as Bearer or X-Webhook-Token)
#[utoipa::path(post, operation_id = "webhooks_leads", path = "/api/v1/webhooks/leads", tag = "webhooks", request_body = WebhookLead,
    params(WebhookToken, IdempotencyKey),
    responses((status = 201, description = "The lead created (a replay answers the first result)", body = Lead), (status = 402, description = "The account's plan allows no more records: the problem names the limit (`limit`), the plan and the plan that allows more (`upgrade_to`)", body = Problem, content_type = "application/problem+json")),
    security(("webhook_token" = []), ("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    headers: HeaderMap,
    key: IdempotencyKey,
    Json(lead): Json<WebhookLead>,
) -> Result<Response, ApiError> {
    let stored = endpoint_of_token(&app, &headers, WebhookSource::Generic).await?;
    deliver(&app, &stored, lead.into_new_lead(&stored.endpoint.tags), key.0).await
}
