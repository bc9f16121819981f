//! `POST /api/v1/leads/{id}/convert`: turns a qualified lead into a customer, and optionally opens a deal
//! with them, in one transaction. The lead becomes `converted` and points at the customer; converting it
//! again answers 409. Takes `If-Match` and `Idempotency-Key`.

use crate::app::App;
use crate::extract::{AppState, Caller, IdempotencyKey, IfMatch, Json, Path};
use crate::problem::ApiError;
use crate::records::{Made, commit_created, visible};
use axum::extract::State;
use axum::response::Response;
use crm_domain::Actor;
use crm_domain::LeadId;
use crm_domain::clock::Timestamp;
use crm_domain::customer::Customer;
use crm_domain::deal::{Deal, DealStage, NewDeal};
use crm_domain::lead::{Lead, Money};
use serde::{Deserialize, Serialize};

/// The optional body: a deal to open with the new customer.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Conversion {
    #[serde(default)]
    pub deal: Option<DealTerms>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
#[graphql(rename_fields = "snake_case")]
pub struct DealTerms {
    pub name: String,
    pub amount: Money,
    #[serde(default)]
    pub stage: Option<DealStage>,
    #[serde(default)]
    pub expected_close_date: Option<String>,
    #[serde(default)]
    #[graphql(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Converted {
    pub lead: Lead,
    pub customer: Customer,
    pub deal: Option<Deal>,
}

/// Convert a qualified lead into a customer (and a deal)
#[utoipa::path(post, operation_id = "leads_convert", path = "/api/v1/leads/{id}/convert", tag = "leads", request_body = Option<Conversion>,
    params(crate::records::IdPath, IfMatch, IdempotencyKey),
    responses((status = 201, description = "The converted lead, the new customer and deal", body = Converted)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Path(id): Path<LeadId>,
    expected: IfMatch,
    key: IdempotencyKey,
    input: Option<Json<Conversion>>,
) -> Result<Response, ApiError> {
    let input = input.map(|Json(input)| input).unwrap_or_default();
    convert(&app, &caller.actor, id, expected, key, input).await
}

/// Converts a lead as `actor`: the lead, the new customer, the optional deal and their activity in one
/// transaction.
pub async fn convert(
    app: &App,
    actor: &Actor,
    id: LeadId,
    expected: IfMatch,
    key: IdempotencyKey,
    input: Conversion,
) -> Result<Response, ApiError> {
    let idempotent = key.0;
    let operation = format!("POST /api/v1/leads/{id}/convert");
    if let Some(idempotent) = &idempotent
        && let Some(first) = idempotent.earlier_response(&app.table, actor, &operation).await?
    {
        return Ok(first);
    }
    let lead = visible::<Lead>(app, actor, id).await?;
    let deal = input.deal.map(|terms| NewDeal {
        name: terms.name,
        customer_id: None,
        lead_id: None,
        amount: terms.amount,
        stage: terms.stage,
        expected_close_date: terms.expected_close_date,
        owner_id: None,
        tags: terms.tags,
    });
    let prepared = crm_core::convert(&app.table, actor, lead, expected.0, deal, Timestamp::now())?;
    let crm_core::Conversion { lead, customer, deal } = prepared.value;
    let body = Converted { lead, customer, deal };
    let location = format!("/api/v1/customers/{}", body.customer.id);
    let (made, changes) = (Made::Several, prepared.changes);
    match commit_created(app, made, changes, actor, idempotent, &operation, &body, Some(location), None).await {
        // The lead changed since it was read: with If-Match that is a stale precondition, otherwise
        // most likely a concurrent conversion.
        Err(ApiError::Conflict { .. }) if expected.0.is_some() => Err(ApiError::PreconditionFailed),
        other => other,
    }
}
