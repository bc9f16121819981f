//! PDF reports (issue #20): a record's summary and the dashboard of a range are rendered by their functions,
//! kept in the files bucket and handed out as short-lived links; the files are read back here as a reader
//! would see them.

use crm_e2e::{Api, api, id_of};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The text of the PDF a link answers, after checking it is one, offered as a file.
async fn pdf_text(link: &Value) -> String {
    assert!(link["expires_at"].as_str().is_some(), "{link}");
    let answer = reqwest::get(link["url"].as_str().expect("a link")).await.unwrap();
    assert_eq!(answer.status(), 200);
    let disposition = answer.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment; filename=\"") && disposition.ends_with(".pdf\""), "{disposition}");
    let bytes = answer.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    pdf_extract::extract_text_from_mem(&bytes).expect("the PDF reads back")
}

/// The words of a text, one space apart: how lines break is the layout's business.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn print(api: &Api, path: &str, token: &str) -> Value {
    api.post(path, Some(token), json!(null)).await.expect(201).body
}

#[tokio::test]
async fn a_record_s_summary_prints_its_fields_notes_and_history_for_whoever_may_see_it() {
    let api = api();
    let a = api.sign_up().await;
    let sales = api.add_user(&a, "sales").await;
    let token = &a.admin.token;
    let body = json!({"name": "Łukasz Żółwiński", "email": "lukasz@example.pl", "company": "Żółw & Syn",
        "tags": ["vip"], "estimated_value": {"amount_minor": 125050, "currency": "PLN"}});
    let lead = id_of(&api.create_lead(token, body).await);
    for text in ["Called about the renewal.", "Sent the quote — waiting for an answer."] {
        api.post(&format!("/api/v1/leads/{lead}/notes"), Some(token), json!({"body": text})).await.expect(201);
    }
    api.patch(&format!("/api/v1/leads/{lead}"), token, json!({"status": "qualified"})).await.expect(200);

    let text = flat(&pdf_text(&print(&api, &format!("/api/v1/leads/{lead}/pdf"), token).await).await);
    for expected in [
        "Lead: Łukasz Żółwiński",
        "Email: lukasz@example.pl",
        "Company: Żółw & Syn",
        "Estimated value: 1250.50 PLN",
        "Notes (2)",
        "Sent the quote — waiting for an answer.",
        "Called about the renewal.",
        "Status changed: status: new → qualified",
        "Created",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text:?}");
    }
    // The owner is named, not numbered.
    let me = api.get("/api/v1/me", token).await.expect(200).body;
    let owner = me["name"].as_str().or(me["user"]["name"].as_str()).unwrap().to_owned();
    assert!(text.contains(&format!("Owner: {owner}")), "{text:?}");

    // Whoever may not see the record cannot print it; its own records, Sales can.
    api.post(&format!("/api/v1/leads/{lead}/pdf"), Some(&sales.token), json!(null)).await.expect_problem(404, None);
    let own = id_of(&api.create_lead(&sales.token, json!({"name": "Sales' own"})).await);
    let text = pdf_text(&print(&api, &format!("/api/v1/leads/{own}/pdf"), &sales.token).await).await;
    assert!(flat(&text).contains("Lead: Sales' own"), "{text:?}");
}

#[tokio::test]
async fn the_dashboard_prints_the_figures_the_dashboard_shows() {
    let api = api();
    let a = api.sign_up().await;
    let token = &a.admin.token;
    for n in 0..3 {
        api.create_lead(token, json!({"name": format!("Lead {n}"), "source": "fair"})).await;
    }
    // The figures come from the stream's rollups: wait until the dashboard shows the three.
    let deadline = Instant::now() + Duration::from_secs(30);
    while api.get("/api/v1/dashboard?days=7", token).await.expect(200).body["figures"]["leads_total"] != 3 {
        assert!(Instant::now() < deadline, "the dashboard never showed the leads");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let text = flat(&pdf_text(&print(&api, "/api/v1/dashboard/pdf?days=7", token).await).await);
    for expected in ["Dashboard", "the whole account", "Leads: 3", "Status new: 3", "By owner"] {
        assert!(text.contains(expected), "{expected:?} not in {text:?}");
    }
    api.post("/api/v1/dashboard/pdf?days=400", Some(token), json!(null)).await.expect_problem(400, Some("days"));
}
