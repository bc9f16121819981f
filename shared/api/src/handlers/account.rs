//! `GET /api/v1/account`: the caller's account — its plan, what the plan allows, and what the account
//! uses of each counted limit and of its rates this minute. Every member may see it (the plan is not a
//! secret among colleagues).

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
    /// What the account has asked this minute, against its plan's rates (`requests_per_minute`,
    /// `searches_per_minute`).
    #[schema(value_type = BTreeMap<String, Use>)]
    pub rates: BTreeMap<&'static str, Use>,
    /// Where the account's Stripe subscription stands (`none` on Free without one).
    pub subscription: SubscriptionStatus,
}

/// The caller's account: plan, limits and usage
#[utoipa::path(get, operation_id = "account_get", path = "/api/v1/account", tag = "account",
    responses((status = 200, description = "The account's plan and usage", body = Account)),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, Claimed(claimed): Claimed) -> Result<Json<Account>, ApiError> {
    let window = crm_domain::plan::rate_window(crm_domain::clock::Timestamp::now().unix_seconds());
    let read = async |actor: crm_domain::Actor| {
        let (usage, counts) =
            tokio::join!(app.table.usage(actor.tenant), app.table.request_counts(actor.tenant, window));
        Ok((usage?, counts?))
    };
    let (_, (usage, counts)) = app.confirm_while(claimed, read).await?;
    let limits = usage.plan.limits();
    let rates = BTreeMap::from([
        ("requests_per_minute", Use { used: counts.requests, limit: limits.requests_per_minute }),
        ("searches_per_minute", Use { used: counts.searches, limit: limits.searches_per_minute }),
    ]);
    Ok(Json(Account { plan: usage.plan, limits, usage: usage.uses, rates, subscription: usage.subscription }))
}
