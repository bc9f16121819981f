//! `GET /api/v1/leads/{id}`: one lead, if the caller may see it.

use crate::app::App;
use crate::http::{only_query_params, path_id, versioned};
use crate::problem::ApiError;
use crm_domain::lead::Lead;
use crm_domain::{Actor, LeadId, policy};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

/// A lead of the caller's tenant that the caller may see; anything else is "not found".
pub async fn visible_lead(app: &App, actor: &Actor, id: LeadId) -> Result<Lead, ApiError> {
    let lead = app.table.lead(actor.tenant, id).await?.ok_or(ApiError::NotFound)?;
    policy::view_lead(actor, lead.owner_id)?;
    Ok(lead)
}

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &[])?;
    let lead = visible_lead(app, &actor, path_id(&req, "id", LeadId::parse)?).await?;
    versioned(StatusCode::OK, &lead, lead.version)
}
