//! Likely duplicates (issue #20): records of a kind with the same email, or a name the search matches
//! closely; each with its reasons, only what the caller may see, never the record itself.

use crm_e2e::{Api, api, id_of};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A record's likely duplicates, (name, reasons) sorted, once they are `expected` (the search indexes a
/// moment after a write).
async fn duplicates_become(api: &Api, path: &str, token: &str, expected: &[(&str, &[&str])]) {
    let expected: Vec<(String, Vec<String>)> = expected
        .iter()
        .map(|(name, reasons)| ((*name).to_owned(), reasons.iter().map(|r| (*r).to_owned()).collect()))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = api.get(path, token).await.expect(200).body;
        let mut found: Vec<(String, Vec<String>)> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                let reasons = item["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_owned());
                (item["record"]["name"].as_str().unwrap().to_owned(), reasons.collect())
            })
            .collect();
        found.sort();
        if found == expected {
            return;
        }
        assert!(Instant::now() < deadline, "{path}: {found:?}, not {expected:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn lead(name: &str, email: Option<&str>) -> Value {
    json!({"name": name, "email": email})
}

#[tokio::test]
async fn the_same_email_or_a_close_name_is_a_likely_duplicate_of_what_the_caller_sees() {
    let api = api();
    let a = api.sign_up().await;
    let sales = api.add_user(&a, "sales").await;
    let token = &a.admin.token;
    let original = id_of(&api.create_lead(token, lead("Jonathan Smith", Some("jon@acme.example"))).await);
    api.create_lead(token, lead("Jonathan Smyth", Some("j.smyth@other.example"))).await;
    api.create_lead(token, lead("J. S.", Some("JON@acme.example"))).await;
    api.create_lead(token, lead("Jonathan Smith", None)).await;
    api.create_lead(token, lead("Grace Hopper", Some("grace@navy.example"))).await;
    let mine = id_of(&api.create_lead(&sales.token, lead("Jonathan Smith", Some("jon@acme.example"))).await);

    // The same address, or a name a typo away; never Grace, never the lead itself.
    let path = format!("/api/v1/leads/{original}/duplicates");
    let expected: [(&str, &[&str]); 4] = [
        ("J. S.", &["same_email"]),
        ("Jonathan Smith", &["same_email", "similar_name"]),
        ("Jonathan Smith", &["similar_name"]),
        ("Jonathan Smyth", &["similar_name"]),
    ];
    duplicates_become(&api, &path, token, &expected).await;

    // Sales sees only its own records: the Admin's namesakes are not shown to it.
    let own = api.get(&format!("/api/v1/leads/{mine}/duplicates"), &sales.token).await.expect(200).body;
    assert_eq!(own["items"], json!([]), "{own:#}");
    api.get(&path, &sales.token).await.expect_problem(404, None);

    // Customers have duplicates too.
    let acme =
        api.post("/api/v1/customers", Some(token), json!({"name": "Acme GmbH", "email": "buy@acme.example"})).await;
    api.post("/api/v1/customers", Some(token), json!({"name": "ACME", "email": "buy@acme.example"})).await.expect(201);
    let path = format!("/api/v1/customers/{}/duplicates", id_of(&acme.expect(201).body));
    duplicates_become(&api, &path, token, &[("ACME", &["same_email"])]).await;
}

#[tokio::test]
async fn a_reindex_gives_records_written_before_the_email_index_their_copies() {
    let api = api();
    let a = api.sign_up().await;
    let token = &a.admin.token;
    let older = id_of(&api.create_lead(token, lead("Ada Lovelace", Some("ada@engines.example"))).await);
    // As a record written before there were email copies: its copy is gone.
    let table = crm_store::Table::from_env(crm_e2e::table_name()).await;
    let tenant = crm_domain::TenantId::parse(&a.id).unwrap();
    let key = |name: &str, value: String| (name.to_owned(), aws_sdk_dynamodb::types::AttributeValue::S(value));
    table
        .client()
        .delete_item()
        .table_name(table.name())
        .set_key(Some(
            [
                key("pk", crm_store::keys::record(tenant, crm_domain::RecordKind::Lead, &older)),
                key("sk", crm_store::keys::sk::EMAIL_COPY.to_owned()),
            ]
            .into(),
        ))
        .send()
        .await
        .unwrap();
    let newer = id_of(&api.create_lead(token, lead("A. King", Some("ada@engines.example"))).await);
    let path = format!("/api/v1/leads/{newer}/duplicates");
    let found = api.get(&path, token).await.expect(200).body;
    assert_eq!(found["items"], json!([]), "{found:#}");
    crm_e2e::run_job(&api, "/api/v1/search/reindex", token).await;
    duplicates_become(&api, &path, token, &[("Ada Lovelace", &["same_email"])]).await;
}
