//! Statistics as sums of per-record contributions. Every figure the dashboard shows is the sum, over the
//! records as they are now, of what each record contributes; a change contributes the difference between
//! its new and old image. So the incremental rollups and a rebuild from the records agree by
//! construction, and no figure needs counting at request time.

use crate::UserId;
use crate::events::Snapshot;
use crate::lead::LeadStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whose figures: the whole tenant's, or one owner's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    Tenant,
    Owner(UserId),
}

/// Which item of a scope holds a counter: running totals, a day's or a month's bucket.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Bucket {
    Totals,
    /// `YYYY-MM-DD`
    Day(String),
    /// `YYYY-MM`
    Month(String),
}

pub type Counters = BTreeMap<String, i64>;

pub const MESSAGES_POSTED: &str = "messages.posted";

/// Counters a rebuild from the records cannot recompute (chat traffic is not a record) and so keeps.
pub fn kept_by_rebuild(counter: &str) -> bool {
    counter.starts_with("messages.")
}

/// Counter changes, by scope and bucket.
pub type Deltas = BTreeMap<(Scope, Bucket), Counters>;

/// Several changes as one: the sum per scope, bucket and counter. Counters that cancel out are left out,
/// and so are buckets left with none.
pub fn fold<'a>(changes: impl IntoIterator<Item = &'a Deltas>) -> Deltas {
    let mut folded = Deltas::new();
    for deltas in changes {
        for (place, counters) in deltas {
            let sums = folded.entry(place.clone()).or_default();
            for (counter, amount) in counters {
                *sums.entry(counter.clone()).or_insert(0) += amount;
            }
        }
    }
    for sums in folded.values_mut() {
        sums.retain(|_, amount| *amount != 0);
    }
    folded.retain(|_, sums| !sums.is_empty());
    folded
}

fn day(timestamp: &str) -> String {
    timestamp.get(..10).unwrap_or(timestamp).to_owned()
}

fn month(timestamp: &str) -> String {
    timestamp.get(..7).unwrap_or(timestamp).to_owned()
}

fn add(deltas: &mut Deltas, owner: UserId, bucket: Bucket, counter: String, amount: i64) {
    for scope in [Scope::Tenant, Scope::Owner(owner)] {
        *deltas.entry((scope, bucket.clone())).or_default().entry(counter.clone()).or_insert(0) += amount;
    }
}

/// The sources the dashboard counts leads by; any other source is counted as `other`. A lead's `source`
/// is free text, and each distinct one would otherwise add a counter to one statistics item until it
/// reached DynamoDB's 400 KB limit.
pub const COUNTED_SOURCES: [&str; 16] = [
    "web", "website", "referral", "email", "phone", "event", "social", "ads", "partner", "typeform", "zapier",
    "google", "import", "api", "unknown", "other",
];

/// The counter a lead's source falls under: its name in lower case when it is one of [`COUNTED_SOURCES`],
/// `unknown` when there is none, `other` for anything else.
pub fn source_bucket(source: Option<&str>) -> &'static str {
    let Some(source) = source.map(|s| s.trim().to_ascii_lowercase()) else { return "unknown" };
    COUNTED_SOURCES.iter().find(|counted| **counted == source).copied().unwrap_or("other")
}

/// What one record adds to the figures (`sign` = -1 takes it away).
fn contribute(deltas: &mut Deltas, snapshot: &Snapshot, sign: i64) {
    match snapshot {
        Snapshot::Lead(lead) => {
            let owner = lead.owner_id;
            add(deltas, owner, Bucket::Totals, "leads.total".into(), sign);
            add(deltas, owner, Bucket::Totals, format!("leads.status.{}", lead.status.as_str()), sign);
            let source = source_bucket(lead.source.as_deref());
            add(deltas, owner, Bucket::Totals, format!("leads.source.{source}"), sign);
            add(deltas, owner, Bucket::Day(day(&lead.created_at)), "leads.new".into(), sign);
            if let (LeadStatus::Converted, Some(at)) = (lead.status, &lead.converted_at) {
                add(deltas, owner, Bucket::Day(day(at)), "leads.converted".into(), sign);
            }
        }
        Snapshot::Customer(customer) => {
            let owner = customer.owner_id;
            add(deltas, owner, Bucket::Totals, "customers.total".into(), sign);
            add(deltas, owner, Bucket::Day(day(&customer.created_at)), "customers.new".into(), sign);
        }
        Snapshot::Deal(deal) => {
            let (owner, stage, amount) = (deal.owner_id, deal.stage.as_str(), &deal.amount);
            add(deltas, owner, Bucket::Totals, format!("deals.stage.{stage}.count"), sign);
            add(
                deltas,
                owner,
                Bucket::Totals,
                format!("deals.stage.{stage}.amount.{}", amount.currency),
                sign * amount.amount_minor,
            );
            if let (false, Some(closed)) = (deal.stage.is_open(), &deal.closed_at) {
                let bucket = Bucket::Month(month(closed));
                add(deltas, owner, bucket.clone(), format!("deals.{stage}.count"), sign);
                add(
                    deltas,
                    owner,
                    bucket,
                    format!("deals.{stage}.amount.{}", amount.currency),
                    sign * amount.amount_minor,
                );
            }
        }
        Snapshot::Message(message) => {
            add(deltas, message.author_id, Bucket::Day(day(&message.created_at)), MESSAGES_POSTED.into(), sign);
        }
        Snapshot::Note(_) => {}
    }
}

/// The counter changes of one record going from `old` to `new`, without zero entries.
pub fn deltas(old: Option<&Snapshot>, new: Option<&Snapshot>) -> Deltas {
    let mut deltas = Deltas::new();
    if let Some(old) = old {
        contribute(&mut deltas, old, -1);
    }
    if let Some(new) = new {
        contribute(&mut deltas, new, 1);
    }
    for counters in deltas.values_mut() {
        counters.retain(|_, v| *v != 0);
    }
    deltas.retain(|_, counters| !counters.is_empty());
    deltas
}

/// The figures of a set of records, as a rebuild computes them.
pub fn totals<'a>(records: impl IntoIterator<Item = &'a Snapshot>) -> Deltas {
    let mut sums = Deltas::new();
    for record in records {
        add_into(&mut sums, deltas(None, Some(record)));
    }
    sums
}

/// Adds `more` to `sums`, dropping what sums to zero: a rebuild adds page after page, holding only sums.
pub fn add_into(sums: &mut Deltas, more: Deltas) {
    for (key, counters) in more {
        let target = sums.entry(key).or_default();
        for (counter, value) in counters {
            *target.entry(counter).or_insert(0) += value;
        }
    }
    for counters in sums.values_mut() {
        counters.retain(|_, v| *v != 0);
    }
    sums.retain(|_, c| !c.is_empty());
}

/// The dashboard's figures for one scope and date range, read from pre-computed items.
#[derive(Clone, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub leads_total: i64,
    pub leads_by_status: BTreeMap<String, i64>,
    pub leads_by_source: BTreeMap<String, i64>,
    /// Converted leads over all leads, 0 when there are none.
    pub conversion_rate: f64,
    pub new_leads_per_day: Vec<DayCount>,
    pub leads_converted_in_range: i64,
    pub customers_total: i64,
    pub new_customers_in_range: i64,
    pub deals_by_stage: BTreeMap<String, StageFigures>,
    pub won_per_month: Vec<MonthAmounts>,
    pub lost_per_month: Vec<MonthAmounts>,
    pub messages_per_day: Vec<DayCount>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DayCount {
    pub date: String,
    pub count: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StageFigures {
    pub count: i64,
    /// Minor units per currency.
    pub amount: BTreeMap<String, i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MonthAmounts {
    pub month: String,
    pub count: i64,
    pub amount: BTreeMap<String, i64>,
}

fn with_prefix<'a>(counters: &'a Counters, prefix: &'a str) -> impl Iterator<Item = (&'a str, i64)> + 'a {
    counters.iter().filter_map(move |(k, v)| Some((k.strip_prefix(prefix)?, *v))).filter(|(_, v)| *v != 0)
}

fn month_amounts(month: &str, counters: &Counters, outcome: &str) -> Option<MonthAmounts> {
    let count = counters.get(&format!("deals.{outcome}.count")).copied().unwrap_or(0);
    let amount: BTreeMap<String, i64> =
        with_prefix(counters, &format!("deals.{outcome}.amount.")).map(|(c, v)| (c.to_owned(), v)).collect();
    (count != 0 || !amount.is_empty()).then(|| MonthAmounts { month: month.to_owned(), count, amount })
}

impl Figures {
    /// Assembles the figures from a scope's totals and its day and month buckets within the range.
    pub fn from_counters(totals: &Counters, days: &[(String, Counters)], months: &[(String, Counters)]) -> Figures {
        let total = |name: &str| totals.get(name).copied().unwrap_or(0);
        let leads_total = total("leads.total");
        let converted = total(&format!("leads.status.{}", LeadStatus::Converted.as_str()));
        let mut deals_by_stage: BTreeMap<String, StageFigures> = BTreeMap::new();
        for (rest, value) in with_prefix(totals, "deals.stage.") {
            let Some((stage, measure)) = rest.split_once('.') else { continue };
            let entry = deals_by_stage.entry(stage.to_owned()).or_default();
            match measure.strip_prefix("amount.") {
                Some(currency) => {
                    entry.amount.insert(currency.to_owned(), value);
                }
                None if measure == "count" => entry.count = value,
                None => {}
            }
        }
        Figures {
            leads_total,
            leads_by_status: with_prefix(totals, "leads.status.").map(|(s, v)| (s.to_owned(), v)).collect(),
            leads_by_source: with_prefix(totals, "leads.source.").map(|(s, v)| (s.to_owned(), v)).collect(),
            conversion_rate: if leads_total > 0 { converted as f64 / leads_total as f64 } else { 0.0 },
            new_leads_per_day: days
                .iter()
                .filter_map(|(date, c)| {
                    c.get("leads.new").filter(|n| **n != 0).map(|n| DayCount { date: date.clone(), count: *n })
                })
                .collect(),
            leads_converted_in_range: days.iter().map(|(_, c)| c.get("leads.converted").copied().unwrap_or(0)).sum(),
            customers_total: total("customers.total"),
            new_customers_in_range: days.iter().map(|(_, c)| c.get("customers.new").copied().unwrap_or(0)).sum(),
            deals_by_stage,
            messages_per_day: days
                .iter()
                .filter_map(|(date, c)| {
                    c.get(MESSAGES_POSTED).filter(|n| **n != 0).map(|n| DayCount { date: date.clone(), count: *n })
                })
                .collect(),
            won_per_month: months.iter().filter_map(|(m, c)| month_amounts(m, c, "won")).collect(),
            lost_per_month: months.iter().filter_map(|(m, c)| month_amounts(m, c, "lost")).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn folding_sums_per_place_and_drops_what_cancels_out() {
        let owner = UserId::new();
        let place = |bucket: Bucket| (Scope::Owner(owner), bucket);
        let counters =
            |pairs: &[(&str, i64)]| -> Counters { pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect() };
        let first = Deltas::from([
            (place(Bucket::Totals), counters(&[("leads.new", 1), ("leads", 1)])),
            (place(Bucket::Day("2026-11-30".into())), counters(&[("leads.created", 1)])),
        ]);
        let second = Deltas::from([(place(Bucket::Totals), counters(&[("leads.new", -1), ("leads.contacted", 1)]))]);
        let third = Deltas::from([(place(Bucket::Day("2026-11-30".into())), counters(&[("leads.created", -1)]))]);
        assert_eq!(
            fold([&first, &second, &third]),
            Deltas::from([(place(Bucket::Totals), counters(&[("leads", 1), ("leads.contacted", 1)]))])
        );
        assert_eq!(fold([&first]), first);
        assert_eq!(fold([]), Deltas::new());
    }

    use super::*;

    #[test]
    fn lead_sources_are_counted_in_a_bounded_set() {
        let leads: Vec<Snapshot> = (0..1_100)
            .map(|n| lead(&format!(r#"{{"name":"L{n}","source":"campaign-{n}"}}"#)))
            .chain([lead(r#"{"name":"W","source":"Web"}"#), lead(r#"{"name":"N"}"#)])
            .map(Snapshot::Lead)
            .collect();
        let sums = totals(&leads);
        let tenant_totals =
            sums.iter().find(|((scope, bucket), _)| *scope == Scope::Tenant && *bucket == Bucket::Totals);
        let counters = &tenant_totals.unwrap().1;
        let sources: Vec<&String> = counters.keys().filter(|k| k.starts_with("leads.source.")).collect();
        assert!(sources.len() <= COUNTED_SOURCES.len(), "{sources:?}");
        assert_eq!(counters["leads.source.other"], 1_100);
        assert_eq!(counters["leads.source.web"], 1);
        assert_eq!(counters["leads.source.unknown"], 1);
    }
    use crate::clock::Timestamp;
    use crate::deal::{DealPatch, NewDeal};
    use crate::lead::{LeadPatch, NewLead};
    use crate::record::{NewRecord, RecordPatch};

    fn owner() -> UserId {
        UserId::parse("01ARZ3NDEKTSV4RRFFQ69G5FAV").unwrap()
    }

    fn lead(json: &str) -> crate::lead::Lead {
        serde_json::from_str::<NewLead>(json).unwrap().validate(owner(), Timestamp::now()).unwrap()
    }

    #[test]
    fn a_status_change_moves_one_count() {
        let a = lead(r#"{"name":"A","source":"web"}"#);
        let b = serde_json::from_str::<LeadPatch>(r#"{"status":"contacted"}"#)
            .unwrap()
            .apply(&a, Timestamp::now())
            .unwrap()
            .record;
        let d = deltas(Some(&Snapshot::Lead(a)), Some(&Snapshot::Lead(b)));
        assert_eq!(d.len(), 2, "tenant and owner totals only: {d:?}");
        let tenant = &d[&(Scope::Tenant, Bucket::Totals)];
        assert_eq!(tenant.get("leads.status.new"), Some(&-1));
        assert_eq!(tenant.get("leads.status.contacted"), Some(&1));
        assert_eq!(tenant.get("leads.total"), None);
    }

    #[test]
    fn incremental_changes_sum_to_the_rebuilt_totals() {
        let a = lead(r#"{"name":"A","source":"web"}"#);
        let b = lead(r#"{"name":"B"}"#);
        let a2 = serde_json::from_str::<LeadPatch>(r#"{"status":"qualified"}"#)
            .unwrap()
            .apply(&a, Timestamp::now())
            .unwrap()
            .record;
        let deal = serde_json::from_str::<NewDeal>(
            r#"{"name":"D","lead_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","amount":{"amount_minor":700,"currency":"EUR"}}"#,
        )
        .unwrap()
        .validate(owner(), Timestamp::now())
        .unwrap();
        let mut won = deal.clone();
        for stage in ["negotiation", "won"] {
            won = serde_json::from_str::<DealPatch>(&format!(r#"{{"stage":"{stage}"}}"#))
                .unwrap()
                .apply(&won, Timestamp::now())
                .unwrap()
                .record;
        }
        let steps = [
            (None, Some(Snapshot::Lead(a.clone()))),
            (None, Some(Snapshot::Lead(b.clone()))),
            (Some(Snapshot::Lead(a.clone())), Some(Snapshot::Lead(a2.clone()))),
            (None, Some(Snapshot::Deal(deal.clone()))),
            (Some(Snapshot::Deal(deal)), Some(Snapshot::Deal(won.clone()))),
            (Some(Snapshot::Lead(b)), None),
        ];
        let mut running = Deltas::new();
        for (old, new) in &steps {
            for (key, counters) in deltas(old.as_ref(), new.as_ref()) {
                for (counter, value) in counters {
                    *running.entry(key.clone()).or_default().entry(counter).or_insert(0) += value;
                }
            }
        }
        for counters in running.values_mut() {
            counters.retain(|_, v| *v != 0);
        }
        running.retain(|_, c| !c.is_empty());
        let rebuilt = totals([&Snapshot::Lead(a2), &Snapshot::Deal(won.clone())]);
        assert_eq!(running, rebuilt);

        let totals = &rebuilt[&(Scope::Tenant, Bucket::Totals)];
        let month = won.closed_at.as_deref().unwrap()[..7].to_owned();
        let months = vec![(month.clone(), rebuilt[&(Scope::Tenant, Bucket::Month(month))].clone())];
        let figures = Figures::from_counters(totals, &[], &months);
        assert_eq!(figures.leads_total, 1);
        assert_eq!(figures.leads_by_status["qualified"], 1);
        assert_eq!(figures.deals_by_stage["won"].amount["EUR"], 700);
        assert_eq!(figures.won_per_month[0].count, 1);
        assert!(figures.lost_per_month.is_empty());
    }
}
