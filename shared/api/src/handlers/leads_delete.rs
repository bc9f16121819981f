//! `DELETE /api/v1/leads/{id}`: removes a lead (Admin and Manager). Its activity entries stay.

use crate::app::App;
use crate::handlers::leads_get::visible_lead;
use crate::http::{if_match, no_content, only_query_params, path_id};
use crate::problem::ApiError;
use crm_domain::activity::{Action, Activity};
use crm_domain::clock::Timestamp;
use crm_domain::{Actor, LeadId, policy};
use crm_store::StoreError;
use lambda_http::{Body, Request, Response};

pub async fn delete_lead(app: &App, actor: &Actor, id: LeadId, expected: Option<u64>) -> Result<(), ApiError> {
    let lead = visible_lead(app, actor, id).await?;
    policy::delete_lead(actor, lead.owner_id)?;
    if expected.is_some_and(|v| v != lead.version) {
        return Err(ApiError::PreconditionFailed);
    }
    let activity = Activity::record("lead", id, Action::Deleted, actor.user, &Timestamp::now().rfc3339(), Vec::new());
    match app.table.delete_lead(actor.tenant, &lead, &activity).await {
        Ok(()) => Ok(()),
        Err(StoreError::VersionConflict) if expected.is_some() => Err(ApiError::PreconditionFailed),
        Err(other) => Err(other.into()),
    }
}

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &[])?;
    delete_lead(app, &actor, path_id(&req, "id", LeadId::parse)?, if_match(&req)?).await?;
    Ok(no_content())
}
