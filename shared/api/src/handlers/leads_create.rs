//! `POST /api/v1/leads`: a new lead, owned by the caller unless an Admin or Manager names another owner.
//! Takes an `Idempotency-Key`: a retry with the same key and body returns the first result.

use crate::app::App;
use crate::http::{json_body, versioned};
use crate::idempotency::{IdempotentRequest, replay};
use crate::problem::ApiError;
use crm_domain::activity::{Action, Activity};
use crm_domain::clock::Timestamp;
use crm_domain::lead::NewLead;
use crm_domain::{Actor, policy};
use crm_store::StoreError;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub const OPERATION: &str = "POST /api/v1/leads";

pub async fn create_lead(
    app: &App,
    actor: &Actor,
    input: NewLead,
    idempotent: Option<IdempotentRequest>,
) -> Result<Response<Body>, ApiError> {
    let owner = policy::owner_for_new_lead(actor, input.owner_id)?;
    let now = Timestamp::now();
    let lead = input.validate(owner, now)?;
    let activity = Activity::record("lead", lead.id, Action::Created, actor.user, &now.rfc3339(), Vec::new());
    let response = versioned(StatusCode::CREATED, &lead, lead.version)?;
    let claim =
        idempotent.map(|request| request.claim(actor, OPERATION, StatusCode::CREATED, &lead, now)).transpose()?;
    let owner_must_exist = lead.owner_id != actor.user;
    match app
        .table
        .create_lead(actor.tenant, &lead, &activity, owner_must_exist, claim.as_ref(), now.unix_seconds())
        .await
    {
        Ok(()) => Ok(response),
        Err(StoreError::Replay(record)) => replay(claim.as_ref(), &record),
        Err(other) => Err(other.into()),
    }
}

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    let idempotent = IdempotentRequest::from_request(&req)?;
    create_lead(app, &actor, json_body(&req)?, idempotent).await
}
