//! An account's plan and its use of the plan's counted limits, on one usage item: each count sits beside
//! its limit, so a write that adds a seat, a key or an endpoint checks the limit in its own transaction
//! (no read of the plan first, and no two concurrent writes can both take the last one).

use crate::Table;
use crate::error::StoreError;
use crate::keys::{self, TTL};
use crate::tx::{Cond, Item, OnFail, Tx, key, n, s};
use crm_domain::activity::{Action, Activity, Change as ActivityChange};
use crm_domain::billing::{Change, SubscriptionStatus};
use crm_domain::clock::Timestamp;
use crm_domain::plan::{Counted, LimitReached, Plan, Use};
use crm_domain::{TenantId, UserId};
use std::collections::BTreeMap;

/// The usage item's sort key, under the account's partition.
pub const USAGE: &str = "USAGE";
const PLAN: &str = "plan";

fn usage_key(tenant: TenantId) -> Item {
    key(keys::tenant(tenant), USAGE)
}

fn limit_name(counted: Counted) -> String {
    format!("limit_{}", counted.name())
}

/// The usage item of a new account on `plan`, with `seats` taken already.
pub(crate) fn new_usage_item(tenant: TenantId, plan: Plan, seats: u64) -> Item {
    let mut item = usage_key(tenant);
    item.insert(PLAN.into(), s(plan.name()));
    for counted in Counted::ALL {
        item.insert(counted.name().into(), n(if counted == Counted::Seats { seats } else { 0 }));
        item.insert(limit_name(counted), n(plan.limit(counted)));
    }
    item
}

/// The plan a usage item names (an item without one is on Free).
pub(crate) fn plan_of(item: &Item) -> Plan {
    let name = item.get(PLAN).and_then(|v| v.as_s().ok()).map(String::as_str).unwrap_or("free");
    Plan::ALL.into_iter().find(|p| p.name() == name).unwrap_or(Plan::Free)
}

/// What a failed limit condition means, from the usage item as it was.
pub(crate) fn limit_reached(counted: Counted, old: Option<&Item>) -> StoreError {
    StoreError::PlanLimit(LimitReached::on(old.map_or(Plan::Free, plan_of), counted))
}

impl Tx<'_> {
    /// Takes one more of `counted`, provided the account's limit allows it.
    pub(crate) fn take(&mut self, tenant: TenantId, counted: Counted) -> Result<&mut Self, StoreError> {
        self.take_many(tenant, counted, 1)
    }

    /// Takes `many` more of `counted` at once (one write may add several records), provided the account's
    /// limit allows them all.
    pub(crate) fn take_many(&mut self, tenant: TenantId, counted: Counted, many: u64) -> Result<&mut Self, StoreError> {
        let add = Cond::new("SET #count = if_not_exists(#count, :zero) + :many")
            .name("#count", counted.name())
            .value(":zero", n(0))
            .value(":many", n(many));
        // An account from before plans has no limits on its usage item until a plan is set.
        let mut room = "#count < #limit".to_owned();
        let mut below = Cond::default().name("#count", counted.name()).name("#limit", &limit_name(counted));
        if many > 1 {
            // A condition cannot add, so room for more than one is asked of the limit of the plan the item
            // names (its limits are that plan's: `set_plan` writes both).
            let plans: Vec<String> = Plan::ALL
                .into_iter()
                .map(|plan| {
                    let (name, most) = (format!(":plan_{}", plan.name()), format!(":most_{}", plan.name()));
                    let most_before = plan.limit(counted).saturating_sub(many);
                    below = std::mem::take(&mut below).value(&name, s(plan.name())).value(&most, n(most_before));
                    format!("(#plan = {name} AND #count <= {most})")
                })
                .collect();
            below = below.name("#plan", PLAN);
            room = format!("{room} AND ({})", plans.join(" OR "));
        }
        let below =
            Cond { expr: format!("attribute_not_exists(#limit) OR attribute_not_exists(#count) OR ({room})"), ..below };
        self.update(usage_key(tenant), add, Some((below, OnFail::PlanLimit(counted))))
    }

    /// Gives one of `counted` back.
    pub(crate) fn give_back(&mut self, tenant: TenantId, counted: Counted) -> Result<&mut Self, StoreError> {
        self.give_back_many(tenant, counted, 1)
    }

    /// Gives `many` of `counted` back.
    pub(crate) fn give_back_many(
        &mut self,
        tenant: TenantId,
        counted: Counted,
        many: u64,
    ) -> Result<&mut Self, StoreError> {
        let remove = Cond::new("SET #count = if_not_exists(#count, :many) - :many")
            .name("#count", counted.name())
            .value(":many", n(many));
        self.update(usage_key(tenant), remove, None)
    }
}

/// An account's plan and what it uses of each counted limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    pub plan: Plan,
    pub uses: BTreeMap<Counted, Use>,
    pub subscription: SubscriptionStatus,
    /// The account's Stripe customer, once it has checked out.
    pub customer: Option<String>,
    /// Since when (Stripe's time of the first failed payment) the subscription has been past due.
    pub past_due_since: Option<i64>,
}

/// What became of a billing event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The account's plan and subscription are as the event says.
    Changed,
    /// Seen before: nothing changed.
    Replayed,
    /// Older than the last event applied to the account: nothing changed.
    Stale,
}

const SUBSCRIPTION: &str = "subscription_status";
const CUSTOMER: &str = "stripe_customer";
const SUBSCRIPTION_ID: &str = "stripe_subscription";
const BILLED_AT: &str = "billing_event_created";
const PAST_DUE_SINCE: &str = "past_due_since";

fn billing_event_key(tenant: TenantId, event_id: &str) -> Item {
    key(format!("T#{tenant}#BILLING"), &format!("EVT#{event_id}"))
}

/// `SET` clauses (with their names and values) that put a usage item's limits at `plan`'s.
fn plan_update(plan: Plan, mut cond: Cond) -> (Vec<String>, Cond) {
    let mut sets = vec!["#plan = :plan".to_owned()];
    cond = cond.name("#plan", PLAN).value(":plan", s(plan.name()));
    for counted in Counted::ALL {
        let (name, value) = (format!("#{}", limit_name(counted)), format!(":{}", limit_name(counted)));
        sets.push(format!("{name} = {value}"));
        cond = cond.name(&name, &limit_name(counted)).value(&value, n(plan.limit(counted)));
    }
    (sets, cond)
}

impl Table {
    pub async fn usage(&self, tenant: TenantId) -> Result<Usage, StoreError> {
        let item = self.get_item(usage_key(tenant), false).await?.unwrap_or_default();
        let plan = plan_of(&item);
        let number = |name: &str| item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok());
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        let uses = Counted::ALL
            .into_iter()
            .map(|counted| {
                let used = u64::try_from(number(counted.name()).unwrap_or(0)).unwrap_or(0);
                let limit = number(&limit_name(counted)).map_or(plan.limit(counted), |l| u64::try_from(l).unwrap_or(0));
                (counted, Use { used, limit })
            })
            .collect();
        let subscription = text(SUBSCRIPTION)
            .and_then(|s| serde_json::from_value(serde_json::Value::String(s)).ok())
            .unwrap_or_default();
        Ok(Usage { plan, uses, subscription, customer: text(CUSTOMER), past_due_since: number(PAST_DUE_SINCE) })
    }

    /// Puts the account on `plan`: its limits change at once; what it holds already stays.
    pub async fn set_plan(&self, tenant: TenantId, plan: Plan) -> Result<(), StoreError> {
        let (sets, cond) = plan_update(plan, Cond::default());
        let mut tx = Tx::new(self);
        tx.update(usage_key(tenant), Cond { expr: format!("SET {}", sets.join(", ")), ..cond }, None)?;
        tx.commit().await
    }

    /// Applies a billing event once (its id is remembered) and in order (an event older than the last
    /// one applied to the account changes nothing).
    pub async fn apply_billing(&self, change: &Change, event_id: &str) -> Result<Applied, StoreError> {
        let tenant = change.tenant;
        let status = serde_json::to_value(change.status).ok().and_then(|v| v.as_str().map(str::to_owned));
        let mut sets = vec!["#subscription = :subscription".to_owned(), "#billed = :created".to_owned()];
        let mut cond = Cond::default()
            .name("#subscription", SUBSCRIPTION)
            .value(":subscription", s(status.unwrap_or_default()))
            .name("#billed", BILLED_AT)
            .value(":created", n(change.created));
        if let Some(plan) = change.plan {
            let (plan_sets, with_plan) = plan_update(plan, cond);
            sets.extend(plan_sets);
            cond = with_plan;
        }
        for (attribute, value) in [(CUSTOMER, &change.customer), (SUBSCRIPTION_ID, &change.subscription)] {
            if let Some(value) = value {
                let (name, placeholder) = (format!("#{attribute}"), format!(":{attribute}"));
                sets.push(format!("{name} = {placeholder}"));
                cond = cond.name(&name, attribute).value(&placeholder, s(value));
            }
        }
        // The grace period runs from the first failed payment until a payment succeeds.
        let mut expression = format!("SET {}", sets.join(", "));
        cond = cond.name("#past_due", PAST_DUE_SINCE);
        if change.status == SubscriptionStatus::PastDue {
            expression = format!("{expression}, #past_due = if_not_exists(#past_due, :created)");
        } else {
            expression = format!("{expression} REMOVE #past_due");
        }
        let in_order = Cond::new("attribute_not_exists(#billed) OR #billed <= :created")
            .name("#billed", BILLED_AT)
            .value(":created", n(change.created));
        // The activity log says what changed, from what the account was on.
        let before = self.usage(tenant).await?;
        let mut changes = Vec::new();
        let status_value = |status: SubscriptionStatus| serde_json::to_value(status).unwrap_or_default();
        if let Some(plan) = change.plan.filter(|p| *p != before.plan) {
            let (old, new) = (serde_json::json!(before.plan.name()), serde_json::json!(plan.name()));
            changes.push(ActivityChange { field: "plan".into(), old, new });
        }
        if change.status != before.subscription {
            let (old, new) = (status_value(before.subscription), status_value(change.status));
            changes.push(ActivityChange { field: "subscription".into(), old, new });
        }
        let at = Timestamp::from_unix_seconds(change.created).unwrap_or_else(Timestamp::now).rfc3339();
        let mut tx = Tx::new(self);
        if !changes.is_empty() {
            let activity = Activity::record("account", tenant, Action::Updated, UserId::BILLING, &at, changes);
            tx.put(crate::activity::activity_item(tenant, &activity)?, None)?;
        }
        let mut marker = billing_event_key(tenant, event_id);
        marker.insert(TTL.into(), n(change.created + BILLING_EVENTS_KEPT_SECONDS));
        tx.put(marker.clone(), Some((Cond::absent(), OnFail::Duplicate)))?;
        tx.update(usage_key(tenant), Cond { expr: expression, ..cond }, Some((in_order, OnFail::VersionConflict)))?;
        match tx.commit().await {
            Ok(()) => Ok(Applied::Changed),
            Err(StoreError::Duplicate) => Ok(Applied::Replayed),
            Err(StoreError::VersionConflict) => {
                // Out of order: remembered, so a redelivery is a replay, but nothing changes.
                let mut tx = Tx::new(self);
                tx.put(marker, Some((Cond::absent(), OnFail::Duplicate)))?;
                match tx.commit().await {
                    Ok(()) => Ok(Applied::Stale),
                    Err(StoreError::Duplicate) => Ok(Applied::Replayed),
                    Err(other) => Err(other),
                }
            }
            Err(other) => Err(other),
        }
    }
}

/// Stripe retries a webhook for up to three days; its ids are remembered a while longer.
const BILLING_EVENTS_KEPT_SECONDS: i64 = 30 * 24 * 60 * 60;
