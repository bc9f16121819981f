//! Events per second through the stats-rollup worker, fed directly (no queue in between) against
//! DynamoDB Local. Run with `bash infra/bench/rollup.sh`, which starts the engine.

use crm_domain::clock::Timestamp;
use crm_domain::events::{DomainEvent, Snapshot};
use crm_domain::lead::{LeadPatch, NewLead};
use crm_domain::record::{NewRecord, RecordPatch};
use crm_domain::{TenantId, UserId};
use crm_local_gateway::template::Template;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

const TENANTS: usize = 20;
const LEADS_PER_TENANT: usize = 100;
/// Tenants whose events go through first, untimed: DynamoDB Local's JVM warms up on them, so every timed
/// kind meets a warm engine.
const WARM_UP_TENANTS: usize = 5;

fn sqs_event(events: &[DomainEvent]) -> serde_json::Value {
    let records: Vec<_> = events
        .iter()
        .enumerate()
        .map(|(i, e)| json!({"messageId": format!("m{i}"), "receiptHandle": "r", "body": serde_json::to_string(e).unwrap(), "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs"}))
        .collect();
    json!({"Records": records})
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let table = std::env::var("TABLE_NAME").expect("run through infra/bench/rollup.sh");
    let template = Template::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml")).unwrap();
    let config = aws_config::load_from_env().await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    crm_local_gateway::table::ensure_table(&client, &table, &template.table).await.unwrap();
    let workers = crm_workers::Workers::from_env().await.unwrap();
    // Batches as large as the template's trigger gives the worker.
    let batch_size = template
        .workers
        .iter()
        .find(|w| w.worker == "stats_rollup")
        .and_then(|w| match w.trigger {
            crm_local_gateway::template::Trigger::Queue { batch_size, .. } => usize::try_from(batch_size).ok(),
            _ => None,
        })
        .expect("the template's stats_rollup queue trigger");

    // Creations, then a status change of every lead: each event touches totals and day buckets of the
    // tenant and of the owner.
    let mut creations = Vec::new();
    let mut changes = Vec::new();
    for _ in 0..WARM_UP_TENANTS + TENANTS {
        let tenant = TenantId::new();
        let owners: Vec<UserId> = (0..3).map(|_| UserId::new()).collect();
        for n in 0..LEADS_PER_TENANT {
            let body = format!(r#"{{"name":"Lead {n}","source":"source-{}"}}"#, n % 5);
            let lead =
                serde_json::from_str::<NewLead>(&body).unwrap().validate(owners[n % 3], Timestamp::now()).unwrap();
            let contacted = serde_json::from_str::<LeadPatch>(r#"{"status":"contacted"}"#)
                .unwrap()
                .apply(&lead, Timestamp::now())
                .unwrap()
                .record;
            let id = || ulid_text();
            creations.push(DomainEvent::from_change(id(), tenant, None, Some(Snapshot::Lead(lead.clone()))).unwrap());
            changes.push(
                DomainEvent::from_change(id(), tenant, Some(Snapshot::Lead(lead)), Some(Snapshot::Lead(contacted)))
                    .unwrap(),
            );
        }
    }
    let worker = crm_workers::functions::by_name("stats_rollup").unwrap();
    let warm_up = WARM_UP_TENANTS * LEADS_PER_TENANT;
    let (timed_creations, timed_changes) = (creations.split_off(warm_up), changes.split_off(warm_up));
    for batch in creations.chunks(batch_size).chain(changes.chunks(batch_size)) {
        worker(&workers, sqs_event(batch)).await.unwrap();
    }
    let (creations, changes) = (timed_creations, timed_changes);
    for (name, events) in [("lead.created", &creations), ("lead.status_changed", &changes)] {
        let mut batch_ms = Vec::new();
        let started = Instant::now();
        for batch in events.chunks(batch_size) {
            let t = Instant::now();
            let response = worker(&workers, sqs_event(batch)).await.unwrap();
            assert_eq!(response["batchItemFailures"], json!([]), "{response}");
            batch_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let seconds = started.elapsed().as_secs_f64();
        batch_ms.sort_by(f64::total_cmp);
        println!(
            "{name:<20} {} events in {seconds:.2} s: {:.0} events/s; batch of {batch_size}: p50 {:.1} ms, p99 {:.1} ms",
            events.len(),
            events.len() as f64 / seconds,
            percentile(&batch_ms, 0.5),
            percentile(&batch_ms, 0.99)
        );
    }
    // Redelivery changes nothing: the same events again are all skipped.
    let started = Instant::now();
    for batch in creations.chunks(batch_size) {
        worker(&workers, sqs_event(batch)).await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{:<20} {} events in {seconds:.2} s: {:.0} events/s",
        "redelivered",
        creations.len(),
        creations.len() as f64 / seconds
    );
}

fn ulid_text() -> String {
    crm_domain::ActivityId::new().to_string()
}
