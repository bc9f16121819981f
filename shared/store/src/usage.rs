//! An account's plan and its use of the plan's counted limits, on one usage item: each count sits beside
//! its limit, so a write that adds a seat, a key or an endpoint checks the limit in its own transaction
//! (no read of the plan first, and no two concurrent writes can both take the last one).

use crate::Table;
use crate::error::StoreError;
use crate::keys;
use crate::tx::{Cond, Item, OnFail, Tx, key, n, s};
use aws_sdk_dynamodb::types::AttributeValue;
use crm_domain::TenantId;
use crm_domain::plan::{Counted, LimitReached, Plan, Use};
use std::collections::BTreeMap;

const USAGE: &str = "USAGE";
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
        let add = Cond::new("SET #count = if_not_exists(#count, :zero) + :one")
            .name("#count", counted.name())
            .value(":zero", n(0))
            .value(":one", n(1));
        // An account from before plans has no limits on its usage item until a plan is set.
        let below = Cond::new("attribute_not_exists(#limit) OR attribute_not_exists(#count) OR #count < #limit")
            .name("#count", counted.name())
            .name("#limit", &limit_name(counted));
        self.update(usage_key(tenant), add, Some((below, OnFail::PlanLimit(counted))))
    }

    /// Gives one of `counted` back.
    pub(crate) fn give_back(&mut self, tenant: TenantId, counted: Counted) -> Result<&mut Self, StoreError> {
        let remove = Cond::new("SET #count = if_not_exists(#count, :one) - :one")
            .name("#count", counted.name())
            .value(":one", n(1));
        self.update(usage_key(tenant), remove, None)
    }
}

/// An account's plan and what it uses of each counted limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    pub plan: Plan,
    pub uses: BTreeMap<Counted, Use>,
}

impl Table {
    pub async fn usage(&self, tenant: TenantId) -> Result<Usage, StoreError> {
        let item = self.get_item(usage_key(tenant), false).await?.unwrap_or_default();
        let plan = plan_of(&item);
        let number = |name: &str| item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok());
        let uses = Counted::ALL
            .into_iter()
            .map(|counted| {
                let used = u64::try_from(number(counted.name()).unwrap_or(0)).unwrap_or(0);
                let limit = number(&limit_name(counted)).map_or(plan.limit(counted), |l| u64::try_from(l).unwrap_or(0));
                (counted, Use { used, limit })
            })
            .collect();
        Ok(Usage { plan, uses })
    }

    /// Puts the account on `plan`: its limits change at once; what it holds already stays.
    pub async fn set_plan(&self, tenant: TenantId, plan: Plan) -> Result<(), StoreError> {
        let mut update = self
            .client()
            .update_item()
            .table_name(self.name())
            .set_key(Some(usage_key(tenant)))
            .expression_attribute_names("#plan", PLAN)
            .expression_attribute_values(":plan", s(plan.name()));
        let mut sets = vec!["#plan = :plan".to_owned()];
        for counted in Counted::ALL {
            let (name, value) = (format!("#{}", limit_name(counted)), format!(":{}", limit_name(counted)));
            sets.push(format!("{name} = {value}"));
            update = update
                .expression_attribute_names(&name, limit_name(counted))
                .expression_attribute_values(&value, AttributeValue::N(plan.limit(counted).to_string()));
        }
        update.update_expression(format!("SET {}", sets.join(", "))).send().await?;
        Ok(())
    }
}
