//! Import throughput on the local stack: a CSV file of leads (every row valid, each with an email, two tags
//! and an amount) is uploaded and imported, then imported again (every row finds its lead and changes
//! nothing). The clock runs from asking for the import to the job's end, as its importer would wait.
//! Run with `bash infra/bench/import.sh [rows, default 10000]`.

use crm_domain::plan::Plan;
use crm_e2e::{api, csv_file, import, import_tally, on_plan};
use serde_json::{Value, json};
use std::time::Instant;

fn report(name: &str, rows: usize, bytes: usize, seconds: f64, job: &Value) {
    let [created, updated, unchanged, failed] = import_tally(job);
    println!(
        "{name:<28} {rows:>6} rows ({:>5.1} MB) in {seconds:>6.1} s: {:>5.0} rows/s, {} steps \
         (created {created}, updated {updated}, unchanged {unchanged}, failed {failed})",
        bytes as f64 / 1e6,
        rows as f64 / seconds,
        job["steps"],
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rows: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let api = api();
    let tenant = api.sign_up().await;
    on_plan(&tenant, Plan::Business).await;
    let token = &tenant.admin.token;
    let header =
        ["name", "email", "company", "status", "tags", "estimated_value.amount_minor", "estimated_value.currency"];
    let lines: Vec<Vec<String>> = (0..rows)
        .map(|n| {
            vec![
                format!("Person {n:06}"),
                format!("person{n}@bench.example"),
                format!("Company {}", n % 97),
                ["new", "contacted", "qualified"][n % 3].to_owned(),
                format!("bench; batch-{}", n % 8),
                (n * 100).to_string(),
                "EUR".to_owned(),
            ]
        })
        .collect();
    let file = csv_file(&header, &lines);
    for name in ["import (all new)", "again (all unchanged)"] {
        let started = Instant::now();
        let job = import(&api, token, &file, json!({"kind": "lead"})).await;
        report(name, rows, file.len(), started.elapsed().as_secs_f64(), &job);
    }
}
