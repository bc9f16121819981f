//! `POST /api/v1/webhooks/leads/zapier`: a Zap's flat JSON object, fields picked by the endpoint's
//! field map, authenticated by a Zapier endpoint's token; `Idempotency-Key` makes retries safe.

use crate::app::App;
use crate::idempotency::IdempotentRequest;
use crate::problem::ApiError;
use crate::webhooks::{deliver, endpoint_of_token, json_value, raw_body};
use crm_domain::webhook::{WebhookSource, zapier_lead};
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let body = raw_body(&req)?;
    let stored = endpoint_of_token(app, &req, WebhookSource::Zapier).await?;
    let payload = json_value(body)?;
    let endpoint = &stored.endpoint;
    let lead = zapier_lead(&payload, &endpoint.field_map)?.into_new_lead("zapier", endpoint.tags.clone())?;
    let idempotent = IdempotentRequest::from_request(&req)?;
    deliver(app, &stored, lead, idempotent).await
}
