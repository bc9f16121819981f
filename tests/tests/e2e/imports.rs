//! CSV imports (issue #20): a file put through an upload link is read by a job, row by row, with the API's
//! rules; rows make or update records (by id, by what an earlier import of the file made, or by email), the
//! refused rows come back in an errors file with why, and importing the same file again changes nothing.
//! The 10,000-row import runs alone, in `tests/tests/bulk`.

use crm_e2e::{api, csv_file, csv_rows, downloaded, id_of, import, import_tally, upload};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[tokio::test]
async fn an_export_imports_back_unchanged_into_its_account_and_the_same_into_another() {
    let api = api();
    let (a, b) = (api.sign_up().await, api.sign_up().await);
    let token = &a.admin.token;
    for body in [
        json!({"name": "Ada Lovelace", "email": "ada@engines.example", "company": "Engines, \"Analytical\" Ltd", "tags": ["vip", "math"], "estimated_value": {"amount_minor": 125000, "currency": "GBP"}}),
        json!({"name": "=HYPERLINK(\"http://evil.example\")", "source": "form", "status": "contacted"}),
        json!({"name": "Grace Hopper", "phone": "+1 555 0100", "status": "qualified"}),
    ] {
        api.create_lead(token, body).await;
    }
    let export = |token: String| {
        let api = api.clone();
        async move {
            let job = crm_e2e::finished_job(&api, "/api/v1/exports", &token, json!({"kind": "lead"})).await;
            downloaded(&job).await
        }
    };
    let exported = export(token.clone()).await;

    // Into its own account: each row names its lead by id, and nothing changes, not even a version.
    let job = import(&api, token, exported.as_bytes(), json!({"kind": "lead"})).await;
    assert_eq!(import_tally(&job), [0, 0, 3, 0], "{job:#}");
    let ignored: Vec<&str> =
        job["result"]["ignored_columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(ignored, ["customer_id", "converted_at", "created_at", "updated_at", "version"]);
    assert_eq!(export(token.clone()).await, exported, "the same file, byte for byte");

    // Into another account: the ids and owner are this account's own, the rest the same.
    let content: Vec<&str> = crm_domain::import::fields(crm_domain::RecordKind::Lead)
        .into_iter()
        .filter(|field| !["id", "owner_id"].contains(field))
        .collect();
    let columns: Value = content.iter().map(|c| (c.to_string(), json!(c))).collect::<serde_json::Map<_, _>>().into();
    let job = import(&api, &b.admin.token, exported.as_bytes(), json!({"kind": "lead", "columns": columns})).await;
    assert_eq!(import_tally(&job), [3, 0, 0, 0], "{job:#}");
    let pick = |text: &str| {
        let mut rows: Vec<Vec<String>> =
            csv_rows(text).into_iter().map(|row| content.iter().map(|c| row[*c].clone()).collect()).collect();
        rows.sort();
        rows
    };
    assert_eq!(pick(&export(b.admin.token.clone()).await), pick(&exported));
}

#[tokio::test]
async fn rows_update_by_id_or_email_as_the_importer_may_and_bad_requests_name_their_field() {
    let api = api();
    let a = api.sign_up().await;
    let sales = api.add_user(&a, "sales").await;
    let admins = api.create_lead(&a.admin.token, json!({"name": "Admin's", "email": "taken@example.com"})).await;
    let mine = json!({"name": "Mine", "email": "mine@example.com", "tags": ["old"]});
    let mine = id_of(&api.create_lead(&sales.token, mine).await);

    // A file with its own header names, mapped; one row twice by email (made, then changed), one row
    // changing a lead by id, one naming another's lead, one giving the lead to someone else.
    let header = ["Full name", "E-mail", "Lead", "Owner", "Labels", "Notes"];
    let rows = [
        vec!["New one", "new@example.com", "", "", "", "x"],
        vec!["New one, renamed", "NEW@example.com", "", "", "", "y"],
        vec!["Mine, renamed", "", mine.as_str(), "", "new", ""],
        vec!["Not mine", "taken@example.com", "", "", "", ""],
        vec!["Given away", "given@example.com", "", a.admin.id.as_str(), "", ""],
    ]
    .map(|row| row.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>());
    let columns = json!({"name": "Full name", "email": "E-mail", "id": "Lead", "owner_id": "Owner", "tags": "Labels"});
    let job = import(&api, &sales.token, &csv_file(&header, &rows), json!({"kind": "lead", "columns": columns})).await;
    assert_eq!(import_tally(&job), [1, 2, 0, 2], "{job:#}");
    assert_eq!(job["result"]["ignored_columns"], json!(["Notes"]));
    let refused = csv_rows(&downloaded(&job).await);
    let why: Vec<(&str, &str)> = refused.iter().map(|r| (r["row"].as_str(), r["errors"].as_str())).collect();
    assert!(why[0].0 == "5" && why[0].1.starts_with("email: is the email of a lead you may not see"), "{why:?}");
    assert!(why[1].0 == "6" && why[1].1.starts_with("owner_id:"), "{why:?}");
    let leads = api.get("/api/v1/leads", &sales.token).await.expect(200).body;
    let mut names: Vec<&str> = leads["items"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["Mine, renamed", "New one, renamed"]);
    let renamed = api.get(&format!("/api/v1/leads/{mine}"), &sales.token).await.expect(200).body;
    assert_eq!(renamed["tags"], json!(["new"]), "{renamed:#}");
    let untouched = api.get(&format!("/api/v1/leads/{}", id_of(&admins)), &a.admin.token).await.expect(200).body;
    assert_eq!(untouched["version"], 1);
    // The importer is told how it went, with the job.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let inbox = api.get("/api/v1/notifications", &sales.token).await.expect(200).body;
        if let Some(told) = inbox["items"].as_array().unwrap().iter().find(|n| n["job_id"] == job["id"]) {
            let summary = "Your import of leads is done: 1 created, 2 updated, 0 unchanged; 2 rows were refused (download the errors)";
            assert_eq!(told["summary"], summary, "{told:#}");
            break;
        }
        assert!(Instant::now() < deadline, "no notification of the import: {inbox:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Customers, with their address columns, made by an Admin for someone else.
    let file = csv_file(
        &["name", "address.city", "address.country", "owner_id"],
        &[vec!["Acme", "Berlin", "DE", sales.id.as_str()]],
    );
    let job = import(&api, &a.admin.token, &file, json!({"kind": "customer"})).await;
    assert_eq!(import_tally(&job), [1, 0, 0, 0], "{job:#}");
    let customers = api.get("/api/v1/customers", &a.admin.token).await.expect(200).body;
    assert_eq!(customers["items"][0]["owner_id"], sales.id);
    assert_eq!(
        customers["items"][0]["address"],
        json!({"line1": null, "line2": null, "city": "Berlin", "region": null, "postal_code": null, "country": "DE"})
    );

    // What the request itself gets wrong is a 4xx naming the field; what the file gets wrong ends the job.
    let upload_id = upload(&api, &sales.token, b"name\nX\n").await;
    let body = json!({"kind": "customer", "upload_id": upload_id, "columns": {"status": "name"}});
    api.post("/api/v1/imports", Some(&sales.token), body).await.expect_problem(422, Some("columns.status"));
    let body = json!({"kind": "lead", "upload_id": upload_id});
    api.post("/api/v1/imports", Some(&a.admin.token), body).await.expect_problem(404, Some("upload_id"));
    api.post("/api/v1/uploads", Some(&sales.token), json!({"bytes": 20 * 1024 * 1024 + 1}))
        .await
        .expect_problem(422, Some("bytes"));
    let body = json!({"kind": "lead", "upload_id": upload_id, "columns": {"name": "Full name"}});
    let started = api.post("/api/v1/imports", Some(&sales.token), body).await.expect(202).body;
    let deadline = Instant::now() + Duration::from_secs(30);
    let failed = loop {
        let job = api.get(&format!("/api/v1/jobs/{}", id_of(&started)), &sales.token).await.expect(200).body;
        if job["status"] == "failed" {
            break job;
        }
        assert!(job["status"] != "succeeded" && Instant::now() < deadline, "{job:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        failed["error"].as_str().unwrap().contains("`Full name`, which the file's header does not have"),
        "{failed:#}"
    );
}

#[tokio::test]
async fn an_import_s_progress_is_pushed_to_its_importer_as_it_goes() {
    let api = api();
    let a = api.sign_up().await;
    let mut socket = crate::chat::Socket::open(&a.admin).await;
    // Every row refused (nothing written), read in three ranges of up to 500 rows.
    let rows: Vec<Vec<String>> = (0..1_200).map(|n| vec![format!("Row {n}"), "not-an-address".to_owned()]).collect();
    let job = import(&api, &a.admin.token, &csv_file(&["name", "email"], &rows), json!({"kind": "lead"})).await;
    assert_eq!(import_tally(&job), [0, 0, 0, 1_200], "{job:#}");
    let pushed = socket.next_where("job_progress", |frame| frame["job_id"] == job["id"]).await;
    let (percent, processed) = (pushed["percent"].as_u64().unwrap(), pushed["processed"].as_u64().unwrap());
    assert!((1..100).contains(&percent) && (400..1_200).contains(&processed), "{pushed}");
}

#[tokio::test]
async fn rows_past_the_plan_s_records_are_refused_with_its_limit() {
    let api = api();
    let a = api.sign_up().await;
    // The Free plan allows 1,000 records: room for two more.
    crm_e2e::holding(&a, crm_domain::plan::Counted::Records, 998).await;
    let rows: Vec<Vec<String>> = (0..5).map(|n| vec![format!("Row {n}")]).collect();
    let job = import(&api, &a.admin.token, &csv_file(&["name"], &rows), json!({"kind": "lead"})).await;
    assert_eq!(import_tally(&job), [2, 0, 0, 3], "{job:#}");
    let refused = csv_rows(&downloaded(&job).await);
    assert_eq!(refused.len(), 3);
    for row in &refused {
        assert_eq!(row["errors"], "row: the free plan allows 1000 records; the team plan allows more", "{row:?}");
    }
    let account = api.get("/api/v1/account", &a.admin.token).await.expect(200).body;
    assert_eq!(account["usage"]["records"]["used"], 1_000);
}
