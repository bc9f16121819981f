//! `GET /api/v1/account`: the caller's account — its plan, what the plan allows, and what the account
//! uses of each counted limit. Every member may see it (the plan is not a secret among colleagues).

use crate::extract::{AppState, Claimed, Json};
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::billing::SubscriptionStatus;
use crm_domain::plan::{Counted, Limits, Plan, Use};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub plan: Plan,
    /// What the plan allows.
    pub limits: Limits,
    /// What the account holds of each counted limit, against the limit in force.
    #[schema(value_type = BTreeMap<String, Use>)]
    pub usage: BTreeMap<Counted, Use>,
    /// Where the account's Stripe subscription stands (`none` on Free without one).
    pub subscription: SubscriptionStatus,
}

/// The caller's account: plan, limits and usage
#[utoipa::path(get, operation_id = "account_get", path = "/api/v1/account", tag = "account",
    responses((status = 200, description = "The account's plan and usage", body = Account)),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, Claimed(claimed): Claimed) -> Result<Json<Account>, ApiError> {
    let read = async |actor: crm_domain::Actor| Ok(app.table.usage(actor.tenant).await?);
    let (_, usage) = app.confirm_while(claimed, read).await?;
    Ok(Json(Account {
        plan: usage.plan,
        limits: usage.plan.limits(),
        usage: usage.uses,
        subscription: usage.subscription,
    }))
}
