//! Bulk work over the local stack, run apart from the other end-to-end tests and on a table of its own:
//! its burst of stream records would delay their stream-driven checks. Run with `bash infra/test.sh`.

use crm_domain::plan::Plan;
use crm_e2e::{api, csv_file, csv_rows, downloaded, id_of, import, import_tally, on_plan};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

#[tokio::test]
async fn ten_thousand_rows_with_fifty_bad_ones_import_the_rest_report_the_fifty_and_again_change_nothing() {
    crm_e2e::use_own_table("bulk");
    let api = api();
    let a = api.sign_up().await;
    on_plan(&a, Plan::Team).await;
    let token = &a.admin.token;
    let header = [
        "name",
        "email",
        "phone",
        "company",
        "status",
        "tags",
        "estimated_value.amount_minor",
        "estimated_value.currency",
    ];
    // Every 200th row is bad, each in one of five ways that the API refuses too.
    let faults: [(&str, usize, &str); 5] = [
        ("email", 1, "not-an-address"),
        ("status", 4, "open"),
        ("estimated_value.amount_minor", 6, "12.50"),
        ("estimated_value.currency", 7, "XXX"),
        ("name", 0, ""),
    ];
    let mut rows = Vec::new();
    let mut bad = BTreeMap::new();
    for n in 0..10_000usize {
        let mut row: Vec<String> = vec![
            format!("Person {n:05}"),
            format!("person{n}@import.example"),
            format!("+1 555 {:04}", n % 10_000),
            format!("Company {}", n % 37),
            ["new", "contacted", "qualified"][n % 3].to_owned(),
            format!("import; batch-{}", n % 4),
            format!("{}", n * 100),
            "EUR".to_owned(),
        ];
        if n % 200 == 199 {
            let (field, column, value) = faults[(n / 200) % faults.len()];
            row[column] = value.to_owned();
            bad.insert(n as u64 + 2, field);
        }
        rows.push(row);
    }
    assert_eq!(bad.len(), 50);
    let file = csv_file(&header, &rows);

    let started = Instant::now();
    let job = import(&api, token, &file, json!({"kind": "lead"})).await;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "imported 10,000 rows ({} bytes) in {seconds:.1} s: {:.0} rows/s, {} steps",
        file.len(),
        10_000.0 / seconds,
        job["steps"]
    );
    assert_eq!(import_tally(&job), [9_950, 0, 0, 50], "{job:#}");
    assert_eq!((job["result"]["rows"].as_u64(), job["percent"].as_u64()), (Some(10_000), Some(100)), "{job:#}");
    assert!(job["steps"].as_u64().unwrap() > 1, "read in steps: {job:#}");

    // The errors file holds exactly the fifty, each with its row, the field at fault and its cells.
    let refused = csv_rows(&downloaded(&job).await);
    assert_eq!(refused.len(), 50);
    for row in &refused {
        let number: u64 = row["row"].parse().unwrap();
        let field = bad.get(&number).unwrap_or_else(|| panic!("row {number} was not bad: {row:?}"));
        assert!(row["errors"].starts_with(&format!("{field}:")), "row {number}: {row:?}");
        assert_eq!(row["name"], rows[number as usize - 2][0]);
    }
    let numbers: BTreeSet<u64> = refused.iter().map(|r| r["row"].parse().unwrap()).collect();
    assert_eq!(numbers, bad.keys().copied().collect());

    // The records are there, counted against the plan, with the rows' values.
    let account = api.get("/api/v1/account", token).await.expect(200).body;
    assert_eq!(account["usage"]["records"]["used"], 9_950, "{account:#}");
    let found = api.get("/api/v1/leads?tag=batch-2&limit=100", token).await.expect(200).body;
    // Newest first: the file's last rows lead.
    let lead = found["items"].as_array().unwrap().iter().find(|l| l["name"] == "Person 09998").cloned();
    let lead = lead.unwrap_or_else(|| panic!("no Person 09998 among the newest: {found:#}"));
    assert_eq!(
        (&lead["email"], &lead["status"], &lead["estimated_value"], &lead["tags"]),
        (
            &json!("person9998@import.example"),
            &json!("qualified"),
            &json!({"amount_minor": 999_800, "currency": "EUR"}),
            &json!(["batch-2", "import"])
        )
    );
    let timeline = api.get(&format!("/api/v1/leads/{}/timeline", id_of(&lead)), token).await.expect(200).body;
    assert_eq!(timeline["items"][0]["action"], "created", "{timeline:#}");

    // The same file again: every good row finds its record and changes nothing.
    let again = import(&api, token, &file, json!({"kind": "lead"})).await;
    assert_eq!(import_tally(&again), [0, 0, 9_950, 50], "{again:#}");
    let account = api.get("/api/v1/account", token).await.expect(200).body;
    assert_eq!(account["usage"]["records"]["used"], 9_950);
}
