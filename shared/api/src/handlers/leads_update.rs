//! `PATCH /api/v1/leads/{id}`: changes some fields of a lead. Takes `If-Match` with the lead's ETag; a
//! stale one answers 412, and a change that raced another answers 409.

use crate::app::App;
use crate::handlers::leads_get::visible_lead;
use crate::http::{if_match, json_body, path_id, versioned};
use crate::problem::ApiError;
use crm_domain::activity::{Action, Activity};
use crm_domain::clock::Timestamp;
use crm_domain::lead::{Lead, LeadPatch};
use crm_domain::{Actor, LeadId, policy};
use crm_store::StoreError;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn update_lead(
    app: &App,
    actor: &Actor,
    id: LeadId,
    expected: Option<u64>,
    patch: LeadPatch,
) -> Result<Lead, ApiError> {
    let before = visible_lead(app, actor, id).await?;
    policy::edit_lead(actor, before.owner_id)?;
    if expected.is_some_and(|v| v != before.version) {
        return Err(ApiError::PreconditionFailed);
    }
    let now = Timestamp::now();
    let update = patch.apply(&before, now)?;
    if update.owner_changed() {
        policy::reassign_lead(actor)?;
    }
    if update.changes.is_empty() {
        return Ok(before);
    }
    let activity = Activity::record("lead", id, Action::Updated, actor.user, &now.rfc3339(), update.changes);
    match app.table.update_lead(actor.tenant, &before, &update.lead, &activity).await {
        Ok(()) => Ok(update.lead),
        Err(StoreError::VersionConflict) if expected.is_some() => Err(ApiError::PreconditionFailed),
        Err(other) => Err(other.into()),
    }
}

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    let id = path_id(&req, "id", LeadId::parse)?;
    let lead = update_lead(app, &actor, id, if_match(&req)?, json_body(&req)?).await?;
    versioned(StatusCode::OK, &lead, lead.version)
}
