//! Pre-computed statistics. Per scope (the tenant, or one owner) a partition `T#<t>#STATS#…` holds a totals
//! item (`T`), day buckets (`D#YYYY-MM-DD`) and month buckets (`M#YYYY-MM`) of flat counters. Owner totals
//! are also indexed (`T#<t>#STATS#OWNERS`) so a manager's dashboard lists every owner in one Query.

use crate::Table;
use crate::error::StoreError;
use crate::keys::{Index, PK, SK, TTL};
use crate::tx::{Cond, Item, OnFail, Tx, key, n, s};
use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, WriteRequest};
use crm_domain::stats::{self, Bucket, Counters, Deltas, Scope};
use crm_domain::{TenantId, UserId};
use std::collections::{BTreeMap, BTreeSet};

/// How long an applied event is remembered, against redelivery.
const EVENT_MEMORY_SECONDS: i64 = 7 * 24 * 60 * 60;
const TOTALS: &str = "T";
const META: [&str; 8] = [PK, SK, "gsi1pk", "gsi1sk", "scope", "tenant_id", "entity", TTL];

fn scope_pk(tenant: TenantId, scope: Scope) -> String {
    match scope {
        Scope::Tenant => format!("T#{tenant}#STATS#ALL"),
        Scope::Owner(owner) => format!("T#{tenant}#STATS#OWNER#{owner}"),
    }
}

fn owners_index(tenant: TenantId) -> String {
    format!("T#{tenant}#STATS#OWNERS")
}

fn bucket_sk(bucket: &Bucket) -> String {
    match bucket {
        Bucket::Totals => TOTALS.to_owned(),
        Bucket::Day(day) => format!("D#{day}"),
        Bucket::Month(month) => format!("M#{month}"),
    }
}

fn counters(item: &Item) -> Counters {
    item.iter()
        .filter(|(name, _)| !META.contains(&name.as_str()))
        .filter_map(|(name, value)| Some((name.clone(), value.as_n().ok()?.parse().ok()?)))
        .collect()
}

/// Attributes that identify a stats item beyond its key, so it can be listed and read back.
fn identity(tenant: TenantId, scope: Scope, bucket: &Bucket) -> Vec<(&'static str, String)> {
    let mut attributes = vec![("tenant_id", tenant.to_string()), ("entity", "stats".to_owned())];
    match (scope, bucket) {
        (Scope::Owner(owner), Bucket::Totals) => {
            attributes.push((Index::Gsi1.pk(), owners_index(tenant)));
            attributes.push((Index::Gsi1.sk(), owner.to_string()));
            attributes.push(("scope", owner.to_string()));
        }
        (Scope::Owner(owner), _) => attributes.push(("scope", owner.to_string())),
        (Scope::Tenant, _) => attributes.push(("scope", "tenant".to_owned())),
    }
    attributes
}

/// A scope's figures for a date range: its totals, and its day and month buckets in the range.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatsRange {
    pub totals: Counters,
    pub days: Vec<(String, Counters)>,
    pub months: Vec<(String, Counters)>,
}

/// Events in runs that fit one transaction each: a marker per event and a write per item the run's events
/// touch together.
fn transaction_sized<'e, 'a>(events: &'e [(&'a str, &'a Deltas)]) -> Vec<&'e [(&'a str, &'a Deltas)]> {
    let mut runs = Vec::new();
    let mut start = 0;
    let mut touched: BTreeSet<&(Scope, Bucket)> = BTreeSet::new();
    for (i, (_, deltas)) in events.iter().enumerate() {
        let new_places = deltas.keys().filter(|place| !touched.contains(place)).count();
        if (i - start) + 1 + touched.len() + new_places > crate::MAX_TRANSACTION_ACTIONS && i > start {
            runs.push(&events[start..i]);
            start = i;
            touched.clear();
        }
        touched.extend(deltas.keys());
    }
    if start < events.len() {
        runs.push(&events[start..]);
    }
    runs
}

/// Events that touch the same items put side by side (in a burst, one owner's after another's), so that
/// the second of two transactions needs writes to fewer items again.
fn side_by_side<'a>(events: &[(&'a str, &'a Deltas)]) -> Vec<(&'a str, &'a Deltas)> {
    let mut events = events.to_vec();
    events.sort_by(|(_, a), (_, b)| a.keys().cmp(b.keys()));
    events
}

impl Table {
    /// Adds the counter changes of a tenant's events, each event once, folded into one write per touched
    /// item: one transaction holds a marker per event (which fails if the event was applied before) and
    /// the summed changes. When markers fail, their events are left out and the rest go again. Events are
    /// split over as many transactions as DynamoDB's 100 writes each need. Answers how many events were
    /// applied now (the others had been, and changed nothing).
    pub async fn apply_stats(
        &self,
        tenant: TenantId,
        events: &[(&str, &Deltas)],
        now_unix: i64,
    ) -> Result<usize, StoreError> {
        let events = side_by_side(events);
        let mut applied = 0;
        for chunk in transaction_sized(&events) {
            let mut pending = chunk.to_vec();
            while !pending.is_empty() {
                let failed = self.stats_transaction(tenant, &pending, now_unix)?.commit_or_failed().await?;
                if failed.is_empty() {
                    applied += pending.len();
                    break;
                }
                // Only the markers (the first writes, one per event) carry a condition.
                pending =
                    pending.into_iter().enumerate().filter(|(i, _)| !failed.contains(i)).map(|(_, e)| e).collect();
            }
        }
        Ok(applied)
    }

    fn stats_transaction(
        &self,
        tenant: TenantId,
        events: &[(&str, &Deltas)],
        now_unix: i64,
    ) -> Result<Tx<'_>, StoreError> {
        let mut tx = Tx::new(self);
        for (event_id, _) in events {
            let mut marker = key(format!("T#{tenant}#STATS#EVENT#{event_id}"), "EVENT");
            marker.insert(TTL.to_owned(), n(now_unix + EVENT_MEMORY_SECONDS));
            tx.put(marker, Some((Cond::absent(), OnFail::Duplicate)))?;
        }
        for ((scope, bucket), counters) in stats::fold(events.iter().map(|(_, deltas)| *deltas)) {
            let mut set = Vec::new();
            let mut add = Vec::new();
            let mut update = Cond::default();
            for (i, (attribute, value)) in identity(tenant, scope, &bucket).into_iter().enumerate() {
                set.push(format!("#i{i} = :i{i}"));
                update = update.name(&format!("#i{i}"), attribute).value(&format!(":i{i}"), s(value));
            }
            for (i, (counter, delta)) in counters.iter().enumerate() {
                add.push(format!("#c{i} :c{i}"));
                update = update.name(&format!("#c{i}"), counter).value(&format!(":c{i}"), n(delta));
            }
            update.expr = format!("SET {} ADD {}", set.join(", "), add.join(", "));
            tx.update(key(scope_pk(tenant, scope), &bucket_sk(&bucket)), update, None)?;
        }
        Ok(tx)
    }

    /// Every item of a partition whose sort key lies between `from` and `to`.
    async fn query_between(&self, pk: String, from: String, to: String) -> Result<Vec<Item>, StoreError> {
        let query = self
            .client()
            .query()
            .table_name(self.name())
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":from", s(&from))
            .expression_attribute_values(":to", s(&to));
        self.query_all(query).await
    }

    /// A scope's totals and buckets between two days (inclusive), in two concurrent Queries: the days,
    /// and the months together with the totals item (`M#…` sorts just before `T`).
    pub async fn stats_range(
        &self,
        tenant: TenantId,
        scope: Scope,
        from_day: &str,
        to_day: &str,
    ) -> Result<StatsRange, StoreError> {
        let pk = scope_pk(tenant, scope);
        let (from_month, to_month) = (&from_day[..7.min(from_day.len())], &to_day[..7.min(to_day.len())]);
        let days = self.query_between(pk.clone(), format!("D#{from_day}"), format!("D#{to_day}"));
        let months_and_totals = self.query_between(pk, format!("M#{from_month}"), TOTALS.to_owned());
        let (days, months_and_totals) = tokio::join!(days, months_and_totals);
        let mut range = StatsRange::default();
        for item in days? {
            let sk = item.get(SK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            range.days.push((sk.trim_start_matches("D#").to_owned(), counters(&item)));
        }
        for item in months_and_totals? {
            let sk = item.get(SK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            match sk.strip_prefix("M#") {
                Some(month) if month <= to_month => range.months.push((month.to_owned(), counters(&item))),
                Some(_) => {}
                None if sk == TOTALS => range.totals = counters(&item),
                None => {}
            }
        }
        Ok(range)
    }

    /// Every owner's totals, in one Query of the owners index.
    pub async fn owner_totals(&self, tenant: TenantId) -> Result<Vec<(UserId, Counters)>, StoreError> {
        let items = self.partition(Some(Index::Gsi1), owners_index(tenant), None).await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let owner = item.get(Index::Gsi1.sk()).and_then(|v| v.as_s().ok()).and_then(|o| UserId::parse(o))?;
                Some((owner, counters(item)))
            })
            .collect())
    }

    /// Replaces a tenant's statistics with `figures` (a rebuild): writes every computed item and deletes
    /// stored ones that no longer have figures. Not atomic: events applied meanwhile may need another
    /// rebuild, which is always safe to run.
    pub async fn replace_stats(&self, tenant: TenantId, figures: &Deltas) -> Result<(), StoreError> {
        let mut scopes: BTreeSet<Scope> = BTreeSet::from([Scope::Tenant]);
        scopes.extend(self.owner_totals(tenant).await?.into_iter().map(|(owner, _)| Scope::Owner(owner)));
        scopes.extend(figures.keys().map(|(scope, _)| *scope));
        // Every stored item, with the counters a rebuild keeps (chat traffic is not recomputed).
        let mut stored: BTreeMap<(String, String), (Item, Counters)> = BTreeMap::new();
        for scope in &scopes {
            for item in self.query_between(scope_pk(tenant, *scope), "!".into(), "~".into()).await? {
                let pk = item.get(PK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                let sk = item.get(SK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                let kept: Counters = counters(&item).into_iter().filter(|(k, _)| stats::kept_by_rebuild(k)).collect();
                stored.insert((pk, sk), (item, kept));
            }
        }
        let mut writes = Vec::new();
        let put = |item: Item| -> Result<WriteRequest, StoreError> {
            Ok(WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item)).build()?).build())
        };
        for ((scope, bucket), computed) in figures {
            let (pk, sk) = (scope_pk(tenant, *scope), bucket_sk(bucket));
            let kept = stored.remove(&(pk.clone(), sk.clone())).map(|(_, kept)| kept).unwrap_or_default();
            let mut item = key(pk, &sk);
            item.extend(identity(tenant, *scope, bucket).into_iter().map(|(k, v)| (k.to_owned(), s(v))));
            item.extend(computed.iter().filter(|(k, _)| !stats::kept_by_rebuild(k)).map(|(k, v)| (k.clone(), n(v))));
            item.extend(kept.iter().map(|(k, v)| (k.clone(), n(v))));
            writes.push(put(item)?);
        }
        for ((pk, sk), (old, kept)) in stored {
            if kept.is_empty() {
                writes.push(
                    WriteRequest::builder()
                        .delete_request(DeleteRequest::builder().set_key(Some(key(pk, &sk))).build()?)
                        .build(),
                );
            } else {
                let mut item: Item = old.into_iter().filter(|(k, _)| META.contains(&k.as_str())).collect();
                item.extend(kept.iter().map(|(k, v)| (k.clone(), n(v))));
                writes.push(put(item)?);
            }
        }
        self.write_all(writes).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touching(places: &[(Scope, Bucket)]) -> Deltas {
        places.iter().map(|place| (place.clone(), Counters::from([("leads".to_owned(), 1)]))).collect()
    }

    #[test]
    fn a_run_holds_as_many_events_as_their_markers_and_shared_writes_allow() {
        let owner = UserId::new();
        let places: Vec<(Scope, Bucket)> = [Scope::Tenant, Scope::Owner(owner)]
            .into_iter()
            .flat_map(|scope| {
                [Bucket::Totals, Bucket::Day("2026-11-30".into()), Bucket::Month("2026-11".into())]
                    .map(|bucket| (scope, bucket))
            })
            .collect();
        let same = touching(&places);
        let ids: Vec<String> = (0..100).map(|n| format!("e{n}")).collect();
        let events: Vec<(&str, &Deltas)> = ids.iter().map(|id| (id.as_str(), &same)).collect();
        // 94 markers and the 6 items they share fill a transaction; the other 6 events take a second.
        let runs: Vec<usize> = transaction_sized(&events).iter().map(|run| run.len()).collect();
        assert_eq!(runs, vec![94, 6]);
        assert_eq!(transaction_sized(&events[..30]).len(), 1);
        // Events that share nothing (6 owners' totals each): 7 writes each, 14 to a transaction.
        let apart: Vec<Deltas> = (0..20)
            .map(|_| touching(&(0..6).map(|_| (Scope::Owner(UserId::new()), Bucket::Totals)).collect::<Vec<_>>()))
            .collect();
        let events: Vec<(&str, &Deltas)> = ids.iter().zip(&apart).map(|(id, d)| (id.as_str(), d)).collect();
        let runs: Vec<usize> = transaction_sized(&events).iter().map(|run| run.len()).collect();
        assert_eq!(runs, vec![14, 6]);
        assert!(transaction_sized(&[]).is_empty());
    }

    #[test]
    fn a_burst_of_several_owners_goes_owner_by_owner_and_takes_fewer_writes() {
        let owners = [UserId::new(), UserId::new(), UserId::new()];
        let each: Vec<Deltas> = owners
            .iter()
            .map(|owner| {
                let places: Vec<(Scope, Bucket)> = [Scope::Tenant, Scope::Owner(*owner)]
                    .into_iter()
                    .flat_map(|scope| {
                        [Bucket::Totals, Bucket::Day("2026-11-30".into()), Bucket::Month("2026-11".into())]
                            .map(|bucket| (scope, bucket))
                    })
                    .collect();
                touching(&places)
            })
            .collect();
        let ids: Vec<String> = (0..100).map(|n| format!("e{n}")).collect();
        // As a burst arrives: the owners' leads interleaved.
        let events: Vec<(&str, &Deltas)> = ids.iter().enumerate().map(|(n, id)| (id.as_str(), &each[n % 3])).collect();
        let writes = |events: &[(&str, &Deltas)]| -> usize {
            transaction_sized(events)
                .iter()
                .map(|run| run.len() + run.iter().flat_map(|(_, d)| d.keys()).collect::<BTreeSet<_>>().len())
                .sum()
        };
        // Interleaved: 88 markers and 12 items, then 12 markers and the same 12 items again.
        assert_eq!(writes(&events), 124);
        // Owner by owner: the second transaction writes only the tenant's items and the last owner's.
        let sorted = side_by_side(&events);
        assert_eq!(writes(&sorted), 118);
        assert_eq!(sorted.len(), 100);
        let mut sorted_ids: Vec<&str> = sorted.iter().map(|(id, _)| *id).collect();
        sorted_ids.sort();
        let mut all_ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        all_ids.sort();
        assert_eq!(sorted_ids, all_ids, "every event once");
    }
}
