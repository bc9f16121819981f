//! Time from a change to its pushed notification on the local stack: a manager gives leads to a Sales user
//! whose socket is open; each lead's `assigned` notification travels the table's stream, the events router,
//! the notify queue and worker, and the `@connections` endpoint. The clock runs from the moment the API
//! answered the change (it is committed then) to the frame's arrival. Two runs: one change at a time (the
//! idle path), and a steady pace (changes overlap in the stream and queue batches).
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
        "{name:<28} {:>4} events: p50 {:>6.0} ms  p90 {:>6.0} ms  p99 {:>6.0} ms  max {:>6.0} ms  never arrived: {lost}",
        latencies.len(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.9)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap_or(&Duration::ZERO)),
    );
}

/// Creates `count` leads for `owner`, `gap` apart (or each after the previous one's notification when
/// `gap` is `None`); answers each lead's latency from its creation to its notification.
async fn run(
    manager: &str,
    owner: &str,
    count: usize,
    gap: Option<Duration>,
    arrivals: &Arrivals,
) -> (Vec<Duration>, usize) {
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
            while !arrivals.lock().unwrap().contains_key(&id) && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline && created.iter().any(|(id, _)| !arrivals.lock().unwrap().contains_key(id)) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let arrived = arrivals.lock().unwrap();
    let latencies: Vec<Duration> =
        created.iter().filter_map(|(id, at)| arrived.get(id).map(|seen| seen.saturating_duration_since(*at))).collect();
    let lost = created.len() - latencies.len();
    (latencies, lost)
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
    // The first change warms every function on the way; it is not counted.
    run(&manager.token, &sales.id, 1, None, &arrivals).await;

    let (one_at_a_time, lost) = run(&manager.token, &sales.id, count, None, &arrivals).await;
    report("one change at a time", one_at_a_time, lost);
    let (paced, lost) = run(&manager.token, &sales.id, count, Some(Duration::from_millis(50)), &arrivals).await;
    report("20 changes per second", paced, lost);
}
