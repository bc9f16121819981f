//! `POST /api/v1/webhooks/leads`: a lead in the documented shape from any tool, authenticated by a
//! generic endpoint's token; `Idempotency-Key` makes retries safe.

use crate::app::App;
use crate::http::json_body;
use crate::idempotency::IdempotentRequest;
use crate::problem::ApiError;
use crate::webhooks::{deliver, endpoint_of_token, raw_body};
use crm_domain::webhook::{WebhookLead, WebhookSource};
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    raw_body(&req)?;
    let stored = endpoint_of_token(app, &req, WebhookSource::Generic).await?;
    let lead: WebhookLead = json_body(&req)?;
    let idempotent = IdempotentRequest::from_request(&req)?;
    deliver(app, &stored, lead.into_new_lead(&stored.endpoint.tags), idempotent).await
}
