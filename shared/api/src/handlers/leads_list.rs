//! `GET /api/v1/leads`: a page of leads, newest first, filtered by `status`, `owner_id` and `tag`. Sales
//! users see only their own.

use crate::app::App;
use crate::http::{PageBody, json, only_query_params, page_request, query_param};
use crate::problem::ApiError;
use crm_domain::lead::{Lead, LeadStatus};
use crm_domain::{Actor, UserId, policy, validation};
use crm_store::{LeadFilter, PageRequest};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn list_leads(
    app: &App,
    actor: &Actor,
    mut filter: LeadFilter,
    page: PageRequest,
) -> Result<PageBody<Lead>, ApiError> {
    filter.owner = policy::lead_list_owner(actor, filter.owner)?;
    Ok(app.table.leads(actor.tenant, &filter, &page).await?.into())
}

fn filter(req: &Request) -> Result<LeadFilter, ApiError> {
    let status = query_param(req, "status")?
        .map(|s| {
            LeadStatus::parse(&s).ok_or_else(|| {
                ApiError::bad_request(
                    "status",
                    "`status` must be one of new, contacted, qualified, unqualified, converted",
                )
            })
        })
        .transpose()?;
    let owner = query_param(req, "owner_id")?
        .map(|o| UserId::parse(&o).ok_or_else(|| ApiError::bad_request("owner_id", "`owner_id` must be a user id")))
        .transpose()?;
    let tag = query_param(req, "tag")?
        .map(|t| validation::tag("tag", &t).map_err(|e| ApiError::bad_request("tag", format!("`tag` {}", e.message))))
        .transpose()?;
    Ok(LeadFilter { status, owner, tag })
}

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &["status", "owner_id", "tag", "limit", "cursor"])?;
    let (filter, page) = (filter(&req)?, page_request(&req)?);
    json(StatusCode::OK, &list_leads(app, &actor, filter, page).await?)
}
