//! Time from a change to its pushed notification and to its outgoing webhook delivery on the local stack: a
//! manager gives leads to a Sales user whose socket is open, and an endpoint is subscribed to
//! `lead.created`. Each lead's `assigned` notification travels the table's stream, the events router, the
//! notify queue and worker, and the `@connections` endpoint; its webhook travels the stream, the router, the
//! dispatch queue and worker, the stream again (the new delivery), the deliveries queue and the deliver
//! worker to a local receiver. The clock runs from the moment the API answered the change (it is committed
//! then) to the arrival. Two runs: one change at a time (the idle path), and a steady pace (changes overlap
//! in the stream and queue batches).
//! Run with `bash infra/bench/delivery.sh [events per run, default 300]`.

use crm_e2e::{api, ws_url};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Notification arrival times by the lead they are about.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn report(name: &str, mut latencies: Vec<Duration>, lost: usize) {
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<36} {:>4} events: p50 {:>6.0} ms  p90 {:>6.0} ms  p99 {:>6.0} ms  max {:>6.0} ms  never arrived: {lost}",
        latencies.len(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.9)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap_or(&Duration::ZERO)),
    );
}

/// When the receiver got each lead's `lead.created` delivery, by lead id.
fn deliveries(path: &str) -> HashMap<String, Instant> {
    crm_e2e::received(path)
        .into_iter()
        .filter(|r| (200..300).contains(&r.status))
        .filter_map(|r| {
            let body: Value = serde_json::from_str(&r.body).ok()?;
            Some((body["data"]["object"]["id"].as_str()?.to_owned(), r.at))
        })
        .collect()
}

/// Each created lead's latency to its arrival in `arrived`, and how many never arrived.
fn latencies(created: &[(String, Instant)], arrived: &HashMap<String, Instant>) -> (Vec<Duration>, usize) {
    let found: Vec<Duration> =
        created.iter().filter_map(|(id, at)| arrived.get(id).map(|seen| seen.saturating_duration_since(*at))).collect();
    let lost = created.len() - found.len();
    (found, lost)
}

/// Creates `count` leads for `owner`, `gap` apart (or each after the previous one's notification and
/// delivery when `gap` is `None`); answers each lead with when the API answered.
async fn run(
    manager: &str,
    owner: &str,
    count: usize,
    gap: Option<Duration>,
    arrivals: &Arrivals,
    receiver_path: &str,
) -> Vec<(String, Instant)> {
    let api = api();
    let mut created: Vec<(String, Instant)> = Vec::with_capacity(count);
    let mut pace = gap.map(tokio::time::interval);
    for n in 0..count {
        if let Some(pace) = pace.as_mut() {
            pace.tick().await;
        }
        let lead = api
            .post("/api/v1/leads", Some(manager), json!({"name": format!("Bench lead {n}"), "owner_id": owner}))
            .await
            .expect(201)
            .body;
        let id = lead["id"].as_str().unwrap().to_owned();
        created.push((id.clone(), Instant::now()));
        if gap.is_none() {
            let deadline = Instant::now() + Duration::from_secs(30);
            let done = || arrivals.lock().unwrap().contains_key(&id) && deliveries(receiver_path).contains_key(&id);
            while !done() && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    let all_in = || {
        let delivered = deliveries(receiver_path);
        let notified = arrivals.lock().unwrap();
        created.iter().all(|(id, _)| notified.contains_key(id) && delivered.contains_key(id))
    };
    while Instant::now() < deadline && !all_in() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    created
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(300);
    let api = api();
    let tenant = api.sign_up().await;
    let manager = api.add_user(&tenant, "manager").await;
    let sales = api.add_user(&tenant, "sales").await;
    let (socket, _) = tokio_tungstenite::connect_async(format!("{}/?token={}", ws_url(), sales.token))
        .await
        .expect("the socket opens");
    let arrivals: Arrivals = Arc::default();
    let seen = arrivals.clone();
    tokio::spawn(async move {
        let (_, mut frames) = socket.split();
        while let Some(Ok(frame)) = frames.next().await {
            let Message::Text(text) = frame else { continue };
            let Ok(event) = serde_json::from_str::<Value>(&text) else { continue };
            if event["type"] == "notification"
                && let Some(id) = event["notification"]["record_id"].as_str()
            {
                seen.lock().unwrap().insert(id.to_owned(), Instant::now());
            }
        }
    });
    let path = format!("/bench/{}", tenant.id);
    let url = format!("https://{}{path}", crm_e2e::RECEIVER_HOST);
    api.post("/api/v1/webhook_endpoints", Some(&tenant.admin.token), json!({"url": url, "events": ["lead.created"]}))
        .await
        .expect(201);
    // The first change warms every function on the way; it is not counted.
    run(&manager.token, &sales.id, 1, None, &arrivals, &path).await;

    for (name, gap) in [("one change at a time", None), ("20 changes per second", Some(Duration::from_millis(50)))] {
        let created = run(&manager.token, &sales.id, count, gap, &arrivals, &path).await;
        let (notified, lost) = latencies(&created, &arrivals.lock().unwrap());
        report(&format!("{name}: notification"), notified, lost);
        let (delivered, lost) = latencies(&created, &deliveries(&path));
        report(&format!("{name}: webhook"), delivered, lost);
    }
}
