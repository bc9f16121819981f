use crm_e2e::{Api, Tenant, api, slack_requests};
use serde_json::json;
use std::time::{Duration, Instant};

/// A webhook path unique to this test run, with a behaviour word the Slack fake reacts to.
fn webhook(tenant: &Tenant, behaviour: &str) -> (String, String) {
    let path = format!("/services/T{}/B{behaviour}/secret", tenant.id);
    (format!("https://hooks.slack.com{path}"), path)
}

async fn connect(api: &Api, tenant: &Tenant, behaviour: &str) -> String {
    let (url, path) = webhook(tenant, behaviour);
    api.post("/api/v1/integrations/slack", Some(&tenant.admin.token), json!({"webhook_url": url})).await.expect(200);
    path
}

/// Waits until the fake Slack has `count` requests on `path`, failing after 20 s.
async fn requests(path: &str, count: usize) -> Vec<crm_e2e::slack_fake::Received> {
    let started = Instant::now();
    loop {
        let received = slack_requests(path);
        if received.len() >= count {
            return received;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "Slack got {} of {count} requests on {path}",
            received.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn texts(received: &[crm_e2e::slack_fake::Received]) -> Vec<String> {
    received.iter().map(|r| r.body["text"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn slack_settings_are_validated_masked_and_admin_only() {
    let api = api();
    let tenant = api.sign_up().await;
    let manager = api.add_user(&tenant, "manager").await;
    let path = "/api/v1/integrations/slack";
    let token = &tenant.admin.token;
    api.get(path, token).await.expect_problem(404, None);
    for url in
        ["http://hooks.slack.com/services/T/B/X", "https://example.com/services/T/B/X", "https://hooks.slack.com/api/x"]
    {
        api.post(path, Some(token), json!({"webhook_url": url})).await.expect_problem(422, Some("webhook_url"));
    }
    let (url, _) = webhook(&tenant, "plain");
    api.post(path, Some(token), json!({"webhook_url": url, "events": ["note.added"]}))
        .await
        .expect_problem(422, Some("events[0]"));
    api.post(path, Some(token), json!({"webhook_url": url, "events": ["lead.teleported"]}))
        .await
        .expect_problem(422, Some("events[0]"));
    api.post(path, Some(&manager.token), json!({"webhook_url": url})).await.expect_problem(403, None);
    api.get(path, &manager.token).await.expect_problem(403, None);

    let saved = api
        .post(path, Some(token), json!({"webhook_url": url, "events": ["deal.won", "lead.created"]}))
        .await
        .expect(200)
        .body;
    assert_eq!(saved["events"], json!(["lead.created", "deal.won"]));
    assert!(!saved["webhook_url"].as_str().unwrap().contains("secret"), "{saved}");
    assert_eq!(api.get(path, token).await.expect(200).body, saved);
    // At rest the URL is sealed (issue #15, item 13): the stored item holds no part of its secret path.
    let table = crm_store::Table::from_env(std::env::var("TABLE_NAME").unwrap()).await;
    let stored = table.slack_settings(crm_domain::TenantId::parse(&tenant.id).unwrap()).await.unwrap().unwrap();
    let secret_part = url.rsplit('/').next().unwrap();
    assert!(!format!("{stored:?}").contains(secret_part), "{stored:?}");
    api.delete(path, token).await.expect(204);
    api.delete(path, token).await.expect_problem(404, None);
}

#[tokio::test]
async fn lead_and_deal_events_reach_slack_as_block_kit_messages() {
    let api = api();
    let tenant = api.sign_up().await;
    let path = connect(&api, &tenant, "plain").await;
    let token = &tenant.admin.token;
    let lead = api.create_lead(token, json!({"name": "Jonathan Smith", "company": "Acme", "estimated_value": {"amount_minor": 1250000, "currency": "EUR"}})).await;
    requests(&path, 1).await;
    api.patch(&format!("/api/v1/leads/{}", lead["id"].as_str().unwrap()), token, json!({"status": "contacted"}))
        .await
        .expect(200);
    requests(&path, 2).await;
    let customer = api.post("/api/v1/customers", Some(token), json!({"name": "Acme"})).await.expect(201).body;
    let deal = api
        .post("/api/v1/deals", Some(token), json!({"name": "Acme deal", "customer_id": customer["id"], "amount": {"amount_minor": 99900, "currency": "USD"}}))
        .await
        .expect(201)
        .body;
    let deal_path = format!("/api/v1/deals/{}", deal["id"].as_str().unwrap());
    api.patch(&deal_path, token, json!({"stage": "negotiation"})).await.expect(200);
    api.patch(&deal_path, token, json!({"stage": "won"})).await.expect(200);

    let received = requests(&path, 3).await;
    let texts = texts(&received);
    assert!(
        texts[0].contains("New lead") && texts[0].contains("Jonathan Smith") && texts[0].contains("12,500.00 EUR"),
        "{texts:?}"
    );
    assert!(texts[1].contains("`new` to `contacted`"), "{texts:?}");
    assert!(texts[2].contains("Deal won") && texts[2].contains("999.00 USD"), "{texts:?}");
    assert_eq!(received[0].body["blocks"][0]["type"], "section");
    // Creating customers and deals, or moving a deal between open stages, is not news for Slack.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(slack_requests(&path).len(), 3);
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after_and_a_4xx_is_recorded_not_retried() {
    let api = api();
    let limited = api.sign_up().await;
    let limited_path = connect(&api, &limited, "ratelimited").await;
    api.create_lead(&limited.admin.token, json!({"name": "Patience"})).await;
    let received = requests(&limited_path, 2).await;
    assert_eq!((received[0].status, received[1].status), (429, 200));
    let waited = received[1].at - received[0].at;
    assert!(waited >= Duration::from_millis(1900), "retried after {waited:?}, before Retry-After");
    assert_eq!(received[0].body, received[1].body);

    let broken = api.sign_up().await;
    let broken_path = connect(&api, &broken, "broken").await;
    api.create_lead(&broken.admin.token, json!({"name": "Nobody listens"})).await;
    requests(&broken_path, 1).await;
    let started = Instant::now();
    let settings = loop {
        let settings = api.get("/api/v1/integrations/slack", &broken.admin.token).await.expect(200).body;
        if settings["last_error"].is_string() || started.elapsed() > Duration::from_secs(10) {
            break settings;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(settings["last_error"].as_str().unwrap().contains("404"), "{settings}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(slack_requests(&broken_path).len(), 1, "a 404 must not be retried");

    let flaky = api.sign_up().await;
    let flaky_path = connect(&api, &flaky, "flaky").await;
    api.create_lead(&flaky.admin.token, json!({"name": "Second time lucky"})).await;
    let received = requests(&flaky_path, 2).await;
    assert_eq!((received[0].status, received[1].status), (500, 200));
}
