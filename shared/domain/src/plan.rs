//! Plans as data: what each plan allows an account. Counted limits (seats, records, endpoints, keys) are
//! kept beside their counts on the account's usage item, so a write checks its limit in its own
//! transaction, without reading the plan first; rate limits are read from the plan by the functions.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Free,
    Team,
    Business,
}

/// What an account may hold or do at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Limits {
    /// Active people (API keys are counted apart).
    pub seats: u64,
    /// Leads, customers and deals together.
    pub records: u64,
    pub webhook_endpoints: u64,
    pub api_keys: u64,
    /// API requests per minute, for the whole account.
    pub requests_per_minute: u64,
    /// Searches per minute, for the whole account.
    pub searches_per_minute: u64,
}

/// A counted limit: one an account uses up by holding things, checked where they are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Counted {
    Seats,
    /// Leads, customers and deals together.
    Records,
    WebhookEndpoints,
    ApiKeys,
}

impl Counted {
    pub const ALL: [Counted; 4] = [Counted::Seats, Counted::Records, Counted::WebhookEndpoints, Counted::ApiKeys];

    /// The name of the count (and, with `limit_`, of its limit) on the usage item and in the API.
    pub fn name(self) -> &'static str {
        match self {
            Counted::Seats => "seats",
            Counted::Records => "records",
            Counted::WebhookEndpoints => "webhook_endpoints",
            Counted::ApiKeys => "api_keys",
        }
    }
}

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::Free, Plan::Team, Plan::Business];

    pub fn name(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Team => "team",
            Plan::Business => "business",
        }
    }

    pub fn limits(self) -> Limits {
        match self {
            Plan::Free => Limits {
                seats: 3,
                records: 1_000,
                webhook_endpoints: 1,
                api_keys: 1,
                // A person's screen asks for several things at once: an account's web app use must fit.
                requests_per_minute: 600,
                searches_per_minute: 60,
            },
            Plan::Team => Limits {
                seats: 25,
                records: 50_000,
                webhook_endpoints: 5,
                api_keys: 10,
                requests_per_minute: 3_000,
                searches_per_minute: 600,
            },
            Plan::Business => Limits {
                seats: 250,
                records: 1_000_000,
                webhook_endpoints: 10,
                api_keys: 50,
                requests_per_minute: 12_000,
                searches_per_minute: 2_400,
            },
        }
    }

    /// The limit of one counted thing on this plan.
    pub fn limit(self, counted: Counted) -> u64 {
        let limits = self.limits();
        match counted {
            Counted::Seats => limits.seats,
            Counted::Records => limits.records,
            Counted::WebhookEndpoints => limits.webhook_endpoints,
            Counted::ApiKeys => limits.api_keys,
        }
    }

    /// The smallest plan above this one that allows more of `counted`, if any does.
    pub fn lifted_by(self, counted: Counted) -> Option<Plan> {
        Plan::ALL.into_iter().find(|p| *p > self && p.limit(counted) > self.limit(counted))
    }
}

/// An account's use of one counted limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Use {
    pub used: u64,
    pub limit: u64,
}

/// A counted limit an account has reached: what a write that would pass it is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the {} plan allows {limit} {}; {}", plan.name(), counted.name().replace('_', " "), match lifted_by {
    Some(plan) => format!("the {} plan allows more", plan.name()),
    None => "no plan allows more".to_owned(),
})]
pub struct LimitReached {
    pub counted: Counted,
    pub plan: Plan,
    pub limit: u64,
    pub lifted_by: Option<Plan>,
}

impl LimitReached {
    pub fn on(plan: Plan, counted: Counted) -> Self {
        LimitReached { counted, plan, limit: plan.limit(counted), lifted_by: plan.lifted_by(counted) }
    }
}

/// Request rates are counted per account in fixed windows of this many seconds.
pub const RATE_WINDOW_SECONDS: i64 = 60;

/// The rate window `now` (Unix seconds) falls in.
pub fn rate_window(now: i64) -> i64 {
    now.div_euclid(RATE_WINDOW_SECONDS)
}

/// What an account has asked in one rate window, this request included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateCount {
    pub requests: u64,
    pub searches: u64,
}

/// A rate an account has gone over, and how long until its next window opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the {} plan allows {limit} {what} a minute; try again in {retry_after} seconds", plan.name())]
pub struct RateExceeded {
    pub plan: Plan,
    pub what: &'static str,
    pub limit: u64,
    pub retry_after: u64,
}

/// Whether a request counted as `count` (a search among them if `search`) at `now` goes over `plan`'s rates.
pub fn over_rate(plan: Plan, count: RateCount, search: bool, now: i64) -> Option<RateExceeded> {
    let limits = plan.limits();
    let retry_after = (RATE_WINDOW_SECONDS - now.rem_euclid(RATE_WINDOW_SECONDS)).unsigned_abs();
    let exceeded = |what, limit| Some(RateExceeded { plan, what, limit, retry_after });
    if count.requests > limits.requests_per_minute {
        exceeded("requests", limits.requests_per_minute)
    } else if search && count.searches > limits.searches_per_minute {
        exceeded("searches", limits.searches_per_minute)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_plan_allows_at_least_what_the_one_below_does() {
        for pair in Plan::ALL.windows(2) {
            for counted in Counted::ALL {
                assert!(pair[1].limit(counted) >= pair[0].limit(counted), "{pair:?} {counted:?}");
            }
            let (low, high) = (pair[0].limits(), pair[1].limits());
            assert!(high.requests_per_minute >= low.requests_per_minute);
            assert!(high.searches_per_minute >= low.searches_per_minute);
        }
    }

    #[test]
    fn a_reached_limit_names_the_plan_that_lifts_it() {
        let reached = LimitReached::on(Plan::Free, Counted::Seats);
        assert_eq!(reached.lifted_by, Some(Plan::Team));
        assert_eq!(reached.to_string(), "the free plan allows 3 seats; the team plan allows more");
        assert_eq!(LimitReached::on(Plan::Business, Counted::WebhookEndpoints).lifted_by, None);
        assert_eq!(
            LimitReached::on(Plan::Business, Counted::WebhookEndpoints).to_string(),
            "the business plan allows 10 webhook endpoints; no plan allows more"
        );
    }

    #[test]
    fn a_rate_is_exceeded_past_the_plan_s_limit_until_the_next_window() {
        let free = Plan::Free.limits();
        let at = |requests, searches| RateCount { requests, searches };
        let start = 60 * 1_000;
        assert_eq!(over_rate(Plan::Free, at(free.requests_per_minute, 0), false, start), None);
        let over = over_rate(Plan::Free, at(free.requests_per_minute + 1, 0), false, start + 45).unwrap();
        assert_eq!((over.what, over.limit, over.retry_after), ("requests", free.requests_per_minute, 15));
        assert_eq!(over_rate(Plan::Free, at(free.requests_per_minute + 1, 0), false, start).unwrap().retry_after, 60);
        // Searches count against their own limit only when the request is a search.
        let searches = at(1, free.searches_per_minute + 1);
        assert_eq!(over_rate(Plan::Free, searches, true, start).unwrap().what, "searches");
        assert_eq!(over_rate(Plan::Free, searches, false, start), None);
        assert_eq!(over_rate(Plan::Team, at(free.requests_per_minute + 1, 0), false, start), None);
        assert_eq!(rate_window(start + 59), rate_window(start));
        assert_ne!(rate_window(start + 60), rate_window(start));
    }
}
