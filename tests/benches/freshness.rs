//! From a write to its dashboard figure and its search hit at a sustained pace (issue #22): one account
//! creates leads at a steady rate for a while, and the clock runs from each API answer (the lead is
//! committed then) to the first moment the dashboard counts it and the first moment a search finds it.
//! Both travel the table's stream and the events router; then the stats-rollup queue and worker, or the
//! search-index queue and worker and the engine's refresh.
//!
//! The dashboard is read every 100 ms: the k-th lead answered counts as shown once `leads_total` reaches k
//! (leads are alike to the figure). Searches are one account's, within its plan's search rate, so every
//! fifth lead is followed: each is searched for by its own name, the one waited on longest first, until a
//! search answers its id.
//! Run with `bash infra/bench/freshness.sh [writes per second, default 50] [seconds, default 60]`.

use crm_e2e::api;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A created lead: its id, its (unique) name, and when the API answered.
#[derive(Clone)]
struct Created {
    id: String,
    name: String,
    at: Instant,
}

/// Searches a second, within the Business plan's 2,400 a minute.
const SEARCHES_PER_SECOND: u64 = 30;
const FOLLOW_EVERY: usize = 5;
/// How long after the last write a lead may still arrive before it counts as never arriving.
const GRACE: Duration = Duration::from_secs(120);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[(((sorted.len() as f64 - 1.0) * p).round() as usize).min(sorted.len() - 1)]
}

fn report(name: &str, mut latencies: Vec<Duration>, missing: usize) {
    if latencies.is_empty() {
        println!("{name:<22} nothing arrived; missing: {missing}");
        return;
    }
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<22} {:>5} writes: p50 {:>7.0} ms  p90 {:>7.0} ms  p99 {:>7.0} ms  max {:>7.0} ms  missing: {missing}",
        latencies.len(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.9)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap()),
    );
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with('-'));
    let rate: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(50);
    let seconds: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(60);
    let api = api();
    let tenant = api.sign_up().await;
    crm_e2e::on_plan(&tenant, crm_domain::plan::Plan::Business).await;
    let token = tenant.admin.token.clone();
    let run = std::process::id();

    let created: Arc<Mutex<Vec<Created>>> = Arc::default();
    let counted: Arc<Mutex<Vec<(Instant, u64)>>> = Arc::default();
    let found: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let writing_until = Instant::now() + Duration::from_secs(seconds);
    let watching_until = writing_until + GRACE;

    // The dashboard, every 100 ms, until every lead is counted or the grace ends.
    let total = (rate * seconds) as u64;
    let dashboard = {
        let (api, token, counted) = (crm_e2e::api(), token.clone(), counted.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            while Instant::now() < watching_until {
                tick.tick().await;
                let reply = api.get("/api/v1/dashboard", &token).await;
                if reply.status != 200 {
                    continue;
                }
                let leads = reply.body["figures"]["leads_total"].as_u64().unwrap_or(0);
                counted.lock().unwrap().push((Instant::now(), leads));
                if leads >= total {
                    return;
                }
            }
        })
    };

    // Searches: each tick, the followed lead waited on longest that no search has found yet.
    let search = {
        let (created, found, token) = (created.clone(), found.clone(), token.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(1000 / SEARCHES_PER_SECOND));
            let mut last_asked: std::collections::HashMap<String, Instant> = Default::default();
            while Instant::now() < watching_until {
                tick.tick().await;
                let next = {
                    let created = created.lock().unwrap();
                    let found = found.lock().unwrap();
                    let followed = created.iter().enumerate().filter(|(n, _)| n % FOLLOW_EVERY == 0).map(|(_, c)| c);
                    let waiting: Vec<&Created> =
                        followed.filter(|c| !found.iter().any(|(id, _)| *id == c.id)).collect();
                    if waiting.is_empty() && Instant::now() > writing_until {
                        return;
                    }
                    waiting.into_iter().min_by_key(|c| last_asked.get(&c.id).copied().unwrap_or(c.at)).cloned()
                };
                let Some(lead) = next else { continue };
                last_asked.insert(lead.id.clone(), Instant::now());
                let (found, token) = (found.clone(), token.clone());
                tokio::spawn(async move {
                    let path = format!("/api/v1/search?q={}&type=lead", lead.name.replace(' ', "%20"));
                    let reply = crm_e2e::api().get(&path, &token).await;
                    let hit = reply.body["items"]
                        .as_array()
                        .is_some_and(|items| items.iter().any(|i| i["id"] == lead.id.as_str()));
                    if hit {
                        let mut found = found.lock().unwrap();
                        if !found.iter().any(|(id, _)| *id == lead.id) {
                            found.push((lead.id, Instant::now()));
                        }
                    }
                });
            }
        })
    };

    // The writes: one every 1/rate seconds, each on its own task so that a slow answer does not slow the pace.
    let mut pace = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let mut writes = Vec::new();
    let mut refused = 0;
    for n in 0..total {
        pace.tick().await;
        let (created, token) = (created.clone(), token.clone());
        writes.push(tokio::spawn(async move {
            let name = format!("Fresh{run}x{n:05} Lead");
            let reply = crm_e2e::api().post("/api/v1/leads", Some(&token), json!({"name": name})).await;
            if reply.status != 201 {
                return false;
            }
            let id = reply.body["id"].as_str().unwrap_or_default().to_owned();
            created.lock().unwrap().push(Created { id, name, at: Instant::now() });
            true
        }));
    }
    for write in writes {
        if !write.await.unwrap_or(false) {
            refused += 1;
        }
    }
    let elapsed = (Instant::now() - (writing_until - Duration::from_secs(seconds))).as_secs_f64();
    _ = tokio::join!(dashboard, search);

    let mut created = created.lock().unwrap().clone();
    created.sort_by_key(|c| c.at);
    println!(
        "{} leads created in {elapsed:.1} s ({:.1}/s asked {rate}/s); refused: {refused}",
        created.len(),
        created.len() as f64 / elapsed
    );
    let counted = counted.lock().unwrap();
    let dashboard_delays: Vec<Duration> = created
        .iter()
        .enumerate()
        .filter_map(|(k, lead)| {
            let shown = counted.iter().find(|(_, leads)| *leads > k as u64)?;
            Some(shown.0.saturating_duration_since(lead.at))
        })
        .collect();
    report("dashboard figure", dashboard_delays.clone(), created.len() - dashboard_delays.len());
    let found = found.lock().unwrap();
    let followed: Vec<&Created> = created.iter().step_by(FOLLOW_EVERY).collect();
    let search_delays: Vec<Duration> = followed
        .iter()
        .filter_map(|lead| {
            found.iter().find(|(id, _)| *id == lead.id).map(|(_, at)| at.saturating_duration_since(lead.at))
        })
        .collect();
    report("search hit", search_delays.clone(), followed.len() - search_delays.len());
}
