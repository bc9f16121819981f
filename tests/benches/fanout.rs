//! Time to fan one message out to 1,000 WebSocket connections through the local stack: the message is
//! posted over REST, stored, and pushed through the `@connections` endpoint to every connection of the
//! channel's members; the clock stops when the last socket has it. Run with `bash infra/bench/fanout.sh`.

use crm_e2e::{api, ws_url};
use futures_util::StreamExt;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

const CONNECTIONS: usize = 1_000;
const ROUNDS: usize = 5;

#[tokio::main]
async fn main() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = tenant.admin.token.clone();
    let channel = api.post("/api/v1/channels", Some(&token), json!({"name": "everyone"})).await.expect(201).body;
    let channel = channel["id"].as_str().unwrap().to_owned();

    let opened = Instant::now();
    let mut sockets = Vec::with_capacity(CONNECTIONS);
    for batch in 0..CONNECTIONS / 50 {
        let mut opening = JoinSet::new();
        for _ in 0..50 {
            let url = format!("{}/?token={token}", ws_url());
            opening.spawn(async move { tokio_tungstenite::connect_async(url).await.expect("connect").0 });
        }
        sockets.extend(opening.join_all().await);
        let _ = batch;
    }
    println!("opened {CONNECTIONS} connections in {:.1} s", opened.elapsed().as_secs_f64());

    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    for socket in sockets {
        let done = done_tx.clone();
        tokio::spawn(async move {
            let (_, mut stream) = socket.split();
            let mut round = 0;
            while let Some(Ok(frame)) = stream.next().await {
                if let Message::Text(text) = frame
                    && text.contains("\"type\":\"message\"")
                {
                    let _ = done.send((round, Instant::now()));
                    round += 1;
                }
            }
        });
    }

    let mut times = Vec::new();
    for round in 0..ROUNDS {
        let started = Instant::now();
        api.post("/api/v1/messages", Some(&token), json!({"channel_id": channel, "body": format!("round {round}")}))
            .await
            .expect(201);
        let posted = started.elapsed();
        let mut received = 0;
        let mut last = started;
        while received < CONNECTIONS {
            let (r, at) = tokio::time::timeout(Duration::from_secs(60), done_rx.recv())
                .await
                .expect("every socket hears the message")
                .unwrap();
            if r == round {
                received += 1;
                last = last.max(at);
            }
        }
        let all = last - started;
        println!(
            "round {round}: POST answered in {:.0} ms; all {CONNECTIONS} sockets had it after {:.0} ms",
            posted.as_secs_f64() * 1000.0,
            all.as_secs_f64() * 1000.0
        );
        times.push(all.as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "fan-out to {CONNECTIONS} connections: p50 {:.0} ms, max {:.0} ms over {ROUNDS} rounds",
        times[ROUNDS / 2],
        times[ROUNDS - 1]
    );
    std::process::exit(0);
}
