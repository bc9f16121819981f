//! `POST /api/v1/webhooks/leads/typeform/{endpoint_id}`: a Typeform `form_response`, proven by its
//! `Typeform-Signature`; answers become lead fields by the endpoint's field map, and the response
//! token makes a redelivery answer with the lead it already created.

use crate::app::App;
use crate::idempotency::IdempotentRequest;
use crate::problem::ApiError;
use crate::webhooks::{deliver, endpoint_of_signature, json_value, raw_body};
use crm_domain::webhook::typeform_lead;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let body = raw_body(&req)?;
    let stored = endpoint_of_signature(app, &req, body).await?;
    let payload = json_value(body)?;
    let endpoint = &stored.endpoint;
    let (response_token, fields) = typeform_lead(&payload, &endpoint.field_map)?;
    let lead = fields.into_new_lead("typeform", endpoint.tags.clone())?;
    deliver(app, &stored, lead, Some(IdempotentRequest::for_delivery(&response_token))).await
}
