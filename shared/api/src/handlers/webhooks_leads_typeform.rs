//! `POST /api/v1/webhooks/leads/typeform/{endpoint_id}`: a Typeform `form_response`, proven by its
//! `Typeform-Signature`; answers become lead fields by the endpoint's field map, and the response
//! token makes a redelivery answer with the lead it already created.

use crate::extract::{AppState, Path, RawBody};
use crate::idempotency::IdempotentRequest;
use crate::problem::{ApiError, Problem};
use crate::webhooks::{TypeformEndpoint, TypeformSignature, deliver, endpoint_of_signature, json_value};
use axum::extract::State;
use axum::response::Response;
use crm_domain::lead::Lead;
use crm_domain::webhook::typeform_lead;
use http::HeaderMap;

/// Receive a Typeform response, signed with the endpoint's secret; a redelivery creates nothing new
#[utoipa::path(post, operation_id = "webhooks_leads_typeform", path = "/api/v1/webhooks/leads/typeform/{endpoint_id}", tag = "webhooks",
    request_body = serde_json::Value, params(TypeformEndpoint, TypeformSignature),
    responses((status = 201, description = "The lead created (a redelivery answers the first result)", body = Lead), (status = 402, description = "The account's plan allows no more records: the problem names the limit (`limit`), the plan and the plan that allows more (`upgrade_to`)", body = Problem, content_type = "application/problem+json")),
    security(("typeform_signature" = [])))]
pub async fn handle(
    State(app): AppState,
    Path(TypeformEndpoint { endpoint_id }): Path<TypeformEndpoint>,
    headers: HeaderMap,
    body: RawBody,
) -> Result<Response, ApiError> {
    let body = body.limited()?;
    let stored = endpoint_of_signature(&app, endpoint_id, &headers, body).await?;
    let payload = json_value(body)?;
    let endpoint = &stored.endpoint;
    let (response_token, fields) = typeform_lead(&payload, &endpoint.field_map)?;
    let lead = fields.into_new_lead("typeform", endpoint.tags.clone())?;
    deliver(&app, &stored, lead, Some(IdempotentRequest::for_delivery(&response_token))).await
}
