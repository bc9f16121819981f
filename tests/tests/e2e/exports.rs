//! CSV exports (issue #20): a job writes a kind of record, with the list filters, to the files bucket, in
//! parts across its steps; the job then hands out a short-lived link to the file. Sales exports only its own
//! records; text a spreadsheet would run is defused.

use crm_domain::plan::Plan;
use crm_e2e::{Api, api, id_of, on_plan};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Asks for an export and follows its job until it ends; answers the finished job.
async fn export(api: &Api, token: &str, asked: Value) -> Value {
    crm_e2e::finished_job(api, "/api/v1/exports", token, asked).await
}

/// The file a finished export links to: its header and its rows, each by column.
async fn download(job: &Value) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let url = job["download"]["url"].as_str().unwrap_or_else(|| panic!("no download link: {job:#}"));
    let answer = reqwest::get(url).await.unwrap();
    assert_eq!(answer.status(), 200, "{url}");
    let disposition = answer.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment; filename=\""), "{disposition}");
    let text = answer.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = reader
        .records()
        .map(|row| header.iter().cloned().zip(row.unwrap().iter().map(str::to_owned)).collect())
        .collect();
    (header, rows)
}

fn names(rows: &[BTreeMap<String, String>]) -> Vec<String> {
    let mut names: Vec<String> = rows.iter().map(|r| r["name"].clone()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn an_export_writes_what_the_list_shows_in_parts_across_the_job_s_steps() {
    let api = api();
    let a = api.sign_up().await;
    on_plan(&a, Plan::Team).await;
    let token = &a.admin.token;
    let mut made = Vec::new();
    for n in 0..120 {
        let lead = json!({"name": format!("Bulk {n:03}"), "email": format!("bulk{n}@example.com"), "company": "Acme, Inc.", "tags": ["bulk"]});
        made.push(api.create_lead(token, lead).await);
    }
    let formula =
        api.create_lead(token, json!({"name": "=HYPERLINK(\"http://evil.example\")", "tags": ["bulk"]})).await;
    for n in 0..3 {
        let lead = api.create_lead(token, json!({"name": format!("Hot {n}"), "tags": ["hot"]})).await;
        api.patch(&format!("/api/v1/leads/{}", id_of(&lead)), token, json!({"status": "qualified"})).await.expect(200);
    }

    let job = export(&api, token, json!({"kind": "lead", "tag": "bulk"})).await;
    // A page per step here (JOB_STEP_SECONDS=0): two steps, the first carrying its last bytes to the second,
    // and more than two 4 KiB parts (FILE_PART_BYTES).
    assert!(job["steps"].as_u64().unwrap() >= 2, "{job:#}");
    assert_eq!(job["result"]["rows"], 121, "{job:#}");
    assert!(job["result"]["bytes"].as_u64().unwrap() > 3 * 4096, "{job:#}");
    let (header, rows) = download(&job).await;
    assert_eq!(header, crm_domain::export::columns(crm_domain::RecordKind::Lead));
    assert_eq!(rows.len(), 121);
    let expected: Vec<String> = made.iter().map(|l| l["name"].as_str().unwrap().to_owned()).collect();
    let mut expected = [expected, vec!["'=HYPERLINK(\"http://evil.example\")".to_owned()]].concat();
    expected.sort();
    assert_eq!(names(&rows), expected, "every bulk lead once, the formula defused");
    let first = rows.iter().find(|r| r["id"] == id_of(&made[0])).unwrap();
    assert_eq!(
        (first["email"].as_str(), first["company"].as_str(), first["tags"].as_str(), first["status"].as_str()),
        ("bulk0@example.com", "Acme, Inc.", "bulk", "new")
    );
    assert!(rows.iter().any(|r| r["id"] == id_of(&formula)));

    // The list's other filters: a status.
    let qualified = export(&api, token, json!({"kind": "lead", "status": "qualified"})).await;
    assert_eq!(names(&download(&qualified).await.1), ["Hot 0", "Hot 1", "Hot 2"]);
}

#[tokio::test]
async fn sales_exports_only_its_own_records_and_sees_only_its_own_jobs() {
    let api = api();
    let a = api.sign_up().await;
    let (sales, other) = (api.add_user(&a, "sales").await, api.add_user(&a, "sales").await);
    api.create_lead(&a.admin.token, json!({"name": "The admin's"})).await;
    for n in 0..2 {
        api.create_lead(&sales.token, json!({"name": format!("Mine {n}")})).await;
    }
    let job = export(&api, &sales.token, json!({"kind": "lead"})).await;
    assert_eq!(names(&download(&job).await.1), ["Mine 0", "Mine 1"]);
    assert_eq!(job["export"]["owner_id"], sales.id, "narrowed to the caller when asked");
    // The asker is told the file is ready, with the job to fetch it from.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let inbox = api.get("/api/v1/notifications", &sales.token).await.expect(200).body;
        let told = inbox["items"].as_array().unwrap().iter().find(|n| n["kind"] == "job_finished").cloned();
        if let Some(told) = told {
            assert_eq!(told["job_id"], job["id"], "{told:#}");
            assert_eq!(told["summary"], "Your export of 2 leads is ready to download");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no job_finished notification: {inbox:#}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let asked_for_admin = json!({"kind": "lead", "owner_id": a.admin.id});
    api.post("/api/v1/exports", Some(&sales.token), asked_for_admin).await.expect_problem(403, None);
    // The job is its asker's and the Admins' to follow.
    let path = format!("/api/v1/jobs/{}", id_of(&job));
    api.get(&path, &other.token).await.expect_problem(404, None);
    let seen = api.get(&path, &a.admin.token).await.expect(200).body;
    assert!(seen["download"]["url"].as_str().is_some(), "{seen:#}");
    // The Admin's whole export has all three.
    let all = export(&api, &a.admin.token, json!({"kind": "lead"})).await;
    assert_eq!(names(&download(&all).await.1), ["Mine 0", "Mine 1", "The admin's"]);
    // Another kind, empty: the file is the header alone.
    let deals = export(&api, &a.admin.token, json!({"kind": "deal"})).await;
    let (header, rows) = download(&deals).await;
    assert_eq!((header.len(), rows.len()), (crm_domain::export::columns(crm_domain::RecordKind::Deal).len(), 0));
}

#[tokio::test]
async fn an_export_s_filters_are_checked_as_its_list_checks_them() {
    let api = api();
    let a = api.sign_up().await;
    let token = &a.admin.token;
    let ask = |body: Value| api.post("/api/v1/exports", Some(token), body);
    // Each kind takes its own filters: a lead's status, a deal's stage, none for customers.
    ask(json!({"kind": "customer", "status": "new"})).await.expect_problem(422, Some("status"));
    ask(json!({"kind": "deal", "status": "won"})).await.expect_problem(422, Some("status"));
    ask(json!({"kind": "deal", "stage": "qualified"})).await.expect_problem(422, Some("stage"));
    ask(json!({"kind": "lead", "tag": "no;way"})).await.expect_problem(422, Some("tag"));
    ask(json!({"kind": "notes"})).await.expect_problem(422, None);
    ask(json!({"kind": "lead", "colour": "red"})).await.expect_problem(422, None);
    let deal = export(&api, token, json!({"kind": "deal", "stage": "won"})).await;
    assert_eq!((deal["export"]["kind"].as_str(), deal["export"]["stage"].as_str()), (Some("deal"), Some("won")));
}
