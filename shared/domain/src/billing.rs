//! Subscriptions billed by Stripe: which of Stripe's events change an account's plan, and how. The
//! signature on Stripe's webhooks is checked before any of this (`crm_api::stripe`); here are the rules.

use crate::TenantId;
use crate::plan::Plan;
use serde::{Deserialize, Serialize};

/// The plans a Checkout session may be started for (Free needs none).
pub const PAID: [Plan; 2] = [Plan::Team, Plan::Business];

/// Where an account's subscription stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// No subscription: the Free plan.
    #[default]
    None,
    Active,
    /// A payment failed; the plan stays until the grace period ends.
    PastDue,
    Canceled,
}

/// How long an account keeps writing after a payment failed.
pub const GRACE_DAYS: i64 = 7;

/// Whether an account is read-only: its subscription past due for longer than the grace period. Reading
/// stays open, and nothing is ever deleted.
pub fn read_only(status: SubscriptionStatus, past_due_since: Option<i64>, now: i64) -> bool {
    status == SubscriptionStatus::PastDue && past_due_since.is_some_and(|since| now - since > GRACE_DAYS * 24 * 60 * 60)
}

/// `POST /api/v1/billing/checkout`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// `team` or `business`
    #[schema(schema_with = crate::schema::paid_plan)]
    pub plan: Plan,
}

impl CheckoutRequest {
    pub fn validate(self) -> Result<Plan, crate::Invalid> {
        if PAID.contains(&self.plan) {
            Ok(self.plan)
        } else {
            Err(crate::FieldError::new("plan", "must be a paid plan (team or business)").into())
        }
    }
}

/// The Stripe price of each paid plan, from configuration (`STRIPE_PRICE_TEAM`, `STRIPE_PRICE_BUSINESS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prices {
    pub team: String,
    pub business: String,
}

impl Prices {
    pub fn of(&self, plan: Plan) -> Option<&str> {
        match plan {
            Plan::Team => Some(&self.team),
            Plan::Business => Some(&self.business),
            Plan::Free => None,
        }
    }

    pub fn plan_of(&self, price: &str) -> Option<Plan> {
        PAID.into_iter().find(|p| self.of(*p) == Some(price))
    }
}

/// What a Stripe event means for an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub tenant: TenantId,
    /// Stripe's `created` of the event: changes apply in this order, an older one never after a newer.
    pub created: i64,
    /// The plan to be on, or `None` to keep the one it is on (a failed payment changes only the status).
    pub plan: Option<Plan>,
    pub status: SubscriptionStatus,
    pub customer: Option<String>,
    pub subscription: Option<String>,
}

/// The plan a subscription's status leaves an account on: its paid plan while the subscription is active
/// or past due (the grace period is judged where writes are), Free once it is canceled or gone.
fn plan_for(status: SubscriptionStatus, paid: Option<Plan>) -> Plan {
    match status {
        SubscriptionStatus::Active | SubscriptionStatus::PastDue => paid.unwrap_or(Plan::Free),
        SubscriptionStatus::Canceled | SubscriptionStatus::None => Plan::Free,
    }
}

fn status_of(stripe: &str) -> SubscriptionStatus {
    match stripe {
        "active" | "trialing" => SubscriptionStatus::Active,
        "past_due" | "unpaid" | "incomplete" => SubscriptionStatus::PastDue,
        _ => SubscriptionStatus::Canceled,
    }
}

/// The account change a Stripe event asks for, or `None` for an event that changes no plan (or that
/// names no account of ours). Accounts are named by `client_reference_id` on Checkout sessions and by
/// the `tenant_id` metadata on subscriptions, both set when the Checkout session is made.
pub fn change_of(event: &serde_json::Value, prices: &Prices) -> Option<Change> {
    let object = &event["data"]["object"];
    let created = event["created"].as_i64()?;
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    let price_plan = |subscription: &serde_json::Value| {
        subscription["items"]["data"].as_array()?.iter().find_map(|item| prices.plan_of(item["price"]["id"].as_str()?))
    };
    let (tenant, status, paid) = match event["type"].as_str()? {
        "checkout.session.completed" => {
            let tenant = TenantId::parse(object["client_reference_id"].as_str()?)?;
            let plan = object["metadata"]["plan"].as_str().and_then(|p| PAID.into_iter().find(|x| x.name() == p));
            (tenant, SubscriptionStatus::Active, plan)
        }
        "customer.subscription.created" | "customer.subscription.updated" => {
            let tenant = TenantId::parse(object["metadata"]["tenant_id"].as_str()?)?;
            (tenant, status_of(object["status"].as_str()?), price_plan(object))
        }
        "customer.subscription.deleted" => {
            let tenant = TenantId::parse(object["metadata"]["tenant_id"].as_str()?)?;
            (tenant, SubscriptionStatus::Canceled, None)
        }
        "invoice.payment_failed" => {
            let tenant = TenantId::parse(object["subscription_details"]["metadata"]["tenant_id"].as_str()?)?;
            let subscription = text(&object["subscription"]);
            let customer = text(&object["customer"]);
            let status = SubscriptionStatus::PastDue;
            return Some(Change { tenant, created, plan: None, status, customer, subscription });
        }
        _ => return None,
    };
    let subscription = match event["type"].as_str()? {
        "checkout.session.completed" => text(&object["subscription"]),
        _ => text(&object["id"]),
    };
    Some(Change {
        tenant,
        created,
        plan: Some(plan_for(status, paid)),
        status,
        customer: text(&object["customer"]),
        subscription,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn prices() -> Prices {
        Prices { team: "price_team".into(), business: "price_business".into() }
    }

    #[test]
    fn a_completed_checkout_puts_the_account_on_its_plan() {
        let tenant = TenantId::new();
        let event = json!({"id": "evt_1", "type": "checkout.session.completed", "created": 100, "data": {"object": {
            "client_reference_id": tenant.to_string(), "customer": "cus_1", "subscription": "sub_1",
            "metadata": {"plan": "business"}}}});
        let change = change_of(&event, &prices()).unwrap();
        assert_eq!(
            (change.tenant, change.plan, change.status),
            (tenant, Some(Plan::Business), SubscriptionStatus::Active)
        );
        assert_eq!((change.customer.as_deref(), change.subscription.as_deref()), (Some("cus_1"), Some("sub_1")));
    }

    #[test]
    fn subscription_changes_follow_the_price_and_the_status() {
        let tenant = TenantId::new();
        let subscription = |kind: &str, status: &str, price: &str| {
            json!({"type": kind, "created": 200, "data": {"object": {"id": "sub_1", "customer": "cus_1", "status": status,
                "metadata": {"tenant_id": tenant.to_string()}, "items": {"data": [{"price": {"id": price}}]}}}})
        };
        let plan = |event: serde_json::Value| change_of(&event, &prices()).map(|c| (c.plan, c.status));
        let team = Some(Plan::Team);
        assert_eq!(
            plan(subscription("customer.subscription.updated", "active", "price_team")),
            Some((team, SubscriptionStatus::Active))
        );
        assert_eq!(
            plan(subscription("customer.subscription.updated", "past_due", "price_team")),
            Some((team, SubscriptionStatus::PastDue)),
            "a failed payment keeps the plan for the grace period"
        );
        let free = Some(Plan::Free);
        assert_eq!(
            plan(subscription("customer.subscription.deleted", "canceled", "price_team")),
            Some((free, SubscriptionStatus::Canceled))
        );
        assert_eq!(
            plan(subscription("customer.subscription.updated", "active", "price_unknown")),
            Some((free, SubscriptionStatus::Active))
        );
        let failed = json!({"type": "invoice.payment_failed", "created": 300, "data": {"object": {"subscription": "sub_1",
            "subscription_details": {"metadata": {"tenant_id": tenant.to_string()}}}}});
        assert_eq!(plan(failed), Some((None, SubscriptionStatus::PastDue)), "a failed payment changes only the status");
        assert_eq!(plan(json!({"type": "charge.refunded", "created": 1, "data": {"object": {}}})), None);
        assert_eq!(
            plan(
                json!({"type": "checkout.session.completed", "created": 1, "data": {"object": {"client_reference_id": "nobody"}}})
            ),
            None
        );
    }

    #[test]
    fn an_account_past_due_turns_read_only_only_after_the_grace_period() {
        let day = 24 * 60 * 60;
        let since = Some(1_000_000);
        assert!(!read_only(SubscriptionStatus::PastDue, since, 1_000_000 + GRACE_DAYS * day));
        assert!(read_only(SubscriptionStatus::PastDue, since, 1_000_001 + GRACE_DAYS * day));
        assert!(!read_only(SubscriptionStatus::Active, since, 1_000_001 + GRACE_DAYS * day));
        assert!(!read_only(SubscriptionStatus::PastDue, None, i64::MAX));
    }

    #[test]
    fn only_paid_plans_are_checked_out() {
        assert_eq!(CheckoutRequest { plan: Plan::Team }.validate(), Ok(Plan::Team));
        assert_eq!(CheckoutRequest { plan: Plan::Free }.validate().unwrap_err().0[0].field, "plan");
    }
}
