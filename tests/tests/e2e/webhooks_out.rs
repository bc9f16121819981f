//! Outgoing webhooks end to end: events through the table's stream, the events router, the dispatch and
//! deliver workers, to a local receiver that checks what a customer's receiver would.

use crm_e2e::{Api, RECEIVER_HOST, Tenant, api, id_of, received, receiver_fake::Received, unique_email};
use serde_json::{Value, json};
use std::time::Duration;

/// A path of the receiver fake unique to one test, behaving as `behaviour` says (see `receiver_fake`).
fn receiver_url(behaviour: &str) -> String {
    let unique = unique_email(behaviour).replace(['@', '.'], "-");
    format!("https://{RECEIVER_HOST}/{behaviour}/{unique}")
}

fn path_of(url: &str) -> String {
    url.trim_start_matches(&format!("https://{RECEIVER_HOST}")).to_owned()
}

async fn endpoint(api: &Api, tenant: &Tenant, url: &str, events: Value) -> Value {
    api.post("/api/v1/webhook_endpoints", Some(&tenant.admin.token), json!({"url": url, "events": events}))
        .await
        .expect(201)
        .body
}

/// What the receiver got on `path` for the event about `record_id`, once `done` says it is all there
/// (within 20 s).
async fn wait_for(path: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let got = received(path);
        if done(&got) {
            return got;
        }
        assert!(tokio::time::Instant::now() < deadline, "the receiver never got what was expected on {path}: {got:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The HMAC-SHA256 of `<t>.<body>` under `secret`, as hex.
fn sign(secret: &str, timestamp: &str, body: &str) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, format!("{timestamp}.{body}").as_bytes());
    tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Verifies a delivery as the README tells receivers to: a recent timestamp, and a `v1` that matches.
fn verify(request: &Received, secret: &str) -> bool {
    let parts: Vec<(&str, &str)> = request.signature.split(',').filter_map(|p| p.split_once('=')).collect();
    let Some((_, timestamp)) = parts.iter().find(|(k, _)| *k == "t") else { return false };
    let age = crm_domain::clock::Timestamp::now().unix_seconds() - timestamp.parse::<i64>().unwrap_or(0);
    let expected = sign(secret, timestamp, &request.body);
    (0..300).contains(&age) && parts.iter().any(|(k, v)| *k == "v1" && *v == expected)
}

fn answered_ok(requests: &[Received]) -> usize {
    requests.iter().filter(|r| (200..300).contains(&r.status) && !r.late).count()
}

#[tokio::test]
async fn deliveries_are_signed_retried_after_a_500_a_timeout_and_a_429_and_land_once() {
    let api = api();
    let a = api.sign_up().await;
    // More people, keys or endpoints than a new account's Free plan has room for.
    crm_e2e::on_plan(&a, crm_domain::plan::Plan::Business).await;
    let manager = api.add_user(&a, "manager").await;
    let (flaky, slow, limited) = (receiver_url("flaky"), receiver_url("slow"), receiver_url("limited"));
    // Only Admins register endpoints.
    api.post("/api/v1/webhook_endpoints", Some(&manager.token), json!({"url": flaky, "events": ["lead.created"]}))
        .await
        .expect_problem(403, None);
    let flaky_endpoint = endpoint(&api, &a, &flaky, json!(["lead.created", "deal.won"])).await;
    let secret = flaky_endpoint["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(flaky_endpoint["status"], "active");
    endpoint(&api, &a, &slow, json!(["lead.created"])).await;
    endpoint(&api, &a, &limited, json!(["lead.created"])).await;
    let listed = api.get("/api/v1/webhook_endpoints", &a.admin.token).await.expect(200).body;
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);
    assert!(listed.to_string().find("whsec_").is_none(), "a secret is shown once only");

    let lead = api.create_lead(&manager.token, json!({"name": "Hooked Ltd"})).await;
    for path in [path_of(&flaky), path_of(&slow), path_of(&limited)] {
        let got = wait_for(&path, |got| answered_ok(got) >= 1).await;
        // First attempt refused (500), timed out or rate-limited; the retry landed; nothing after that.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let got_now = received(&path);
        assert_eq!(got_now.len(), 2, "{path}: {got_now:#?}");
        assert_eq!(answered_ok(&got_now), 1, "{path}: the event landed more than once");
        assert_eq!(got[0].event_id, got[1].event_id, "{path}: a retry is the same event");
        let body: Value = serde_json::from_str(&got[1].body).unwrap();
        assert_eq!(body["type"], "lead.created");
        assert_eq!(body["id"], got[1].event_id.as_str());
        assert!(body["id"].as_str().unwrap().starts_with("evt_"));
        assert_eq!(body["data"]["object"]["id"], lead["id"]);
        assert_eq!(body["data"]["object"]["entity"], "lead");
    }
    let flaky_requests = received(&path_of(&flaky));
    assert!(flaky_requests.iter().all(|r| verify(r, &secret)), "every attempt is signed with the endpoint's secret");
    assert!(!verify(&flaky_requests[0], "whsec_another"), "a wrong secret does not verify");
    assert!(received(&path_of(&limited)).iter().all(|r| !verify(r, &secret)), "each endpoint has its own secret");

    // The endpoint's log: one delivery, delivered at the second attempt.
    let log_path = format!("/api/v1/webhook_endpoints/{}/deliveries", id_of(&flaky_endpoint));
    let log = api.get(&log_path, &a.admin.token).await.expect(200).body;
    let deliveries = log["items"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1, "{log:#}");
    let delivery = &deliveries[0];
    assert_eq!((delivery["status"].as_str(), delivery["attempts"].as_u64()), (Some("delivered"), Some(2)));
    assert_eq!(
        (delivery["last_status_code"].as_u64(), delivery["event_type"].as_str()),
        (Some(200), Some("lead.created"))
    );
    assert_eq!(delivery["event_id"], flaky_requests[0].event_id.as_str());

    // Redelivery starts it over: the receiver gets the same event once more.
    let again = format!("{log_path}/{}/redeliver", id_of(delivery));
    let restarted = api.post(&again, Some(&a.admin.token), json!({})).await.expect(202).body;
    assert_eq!((restarted["status"].as_str(), restarted["attempts"].as_u64()), (Some("pending"), Some(0)));
    let got = wait_for(&path_of(&flaky), |got| got.len() >= 3).await;
    assert_eq!(got[2].event_id, got[0].event_id);
    assert_eq!(got[2].status, 200);

    // Another account sees none of it.
    let other = api.sign_up().await;
    api.get(&log_path, &other.admin.token).await.expect_problem(404, None);
    api.post(&again, Some(&other.admin.token), json!({})).await.expect_problem(404, None);
}

#[tokio::test]
async fn private_addresses_are_refused_and_a_failing_endpoint_is_disabled_and_its_admin_told() {
    let api = api();
    let a = api.sign_up().await;
    // More people, keys or endpoints than a new account's Free plan has room for.
    crm_e2e::on_plan(&a, crm_domain::plan::Plan::Business).await;
    let create = |body: Value| api.post("/api/v1/webhook_endpoints", Some(&a.admin.token), body);
    for url in [
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://metadata.google.internal/computeMetadata/v1/",
        "http://hooks.example.com/plain-http",
        "https://hooks.example.com:8443/odd-port",
        "https://user:secret@hooks.example.com/credentials",
    ] {
        create(json!({"url": url, "events": ["lead.created"]})).await.expect_problem(422, Some("url"));
    }
    create(json!({"url": "https://hooks.example.com/x", "events": []})).await.expect_problem(422, Some("events"));
    create(json!({"url": "https://hooks.example.com/x", "events": ["message.posted"]}))
        .await
        .expect_problem(422, Some("events[0]"));
    create(json!({"url": "https://hooks.example.com/x", "events": ["lead.teleported"]}))
        .await
        .expect_problem(422, Some("events[0]"));

    let gone = receiver_url("gone");
    let failing = endpoint(&api, &a, &gone, json!(["lead.created"])).await;
    let id = id_of(&failing);
    for n in 0..5 {
        api.create_lead(&a.admin.token, json!({"name": format!("Lead {n}")})).await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let disabled = loop {
        let listed = api.get("/api/v1/webhook_endpoints", &a.admin.token).await.expect(200).body;
        let now = listed["items"].as_array().unwrap().iter().find(|e| e["id"] == id.as_str()).cloned().unwrap();
        if now["status"] == "disabled" {
            break now;
        }
        assert!(tokio::time::Instant::now() < deadline, "the endpoint was never disabled: {now:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(disabled["consecutive_failures"], 5);
    assert!(disabled["disabled_reason"].as_str().unwrap().contains("answered 410"), "{disabled:#}");
    // Every 410 was final: five requests, no retries.
    assert_eq!(received(&path_of(&gone)).len(), 5);
    let log = api.get(&format!("/api/v1/webhook_endpoints/{id}/deliveries"), &a.admin.token).await.expect(200).body;
    assert!(log["items"].as_array().unwrap().iter().all(|d| d["status"] == "failed" && d["last_status_code"] == 410));

    // The Admin is told, in the inbox.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let inbox = api.get("/api/v1/notifications", &a.admin.token).await.expect(200).body;
        if let Some(told) = inbox["items"].as_array().unwrap().iter().find(|n| n["kind"] == "webhook_disabled") {
            assert!(told["summary"].as_str().unwrap().contains(&gone), "{told:#}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no webhook_disabled notification: {inbox:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Disabled, it gets nothing; enabled again, it starts over.
    api.create_lead(&a.admin.token, json!({"name": "While disabled"})).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(received(&path_of(&gone)).len(), 5, "nothing was delivered while the endpoint was disabled");
    let enabled = api.patch(&format!("/api/v1/webhook_endpoints/{id}"), &a.admin.token, json!({"enabled": true})).await;
    let enabled = enabled.expect(200).body;
    assert_eq!((enabled["status"].as_str(), enabled["consecutive_failures"].as_u64()), (Some("active"), Some(0)));
    api.create_lead(&a.admin.token, json!({"name": "Enabled again"})).await;
    wait_for(&path_of(&gone), |got| got.len() == 6).await;
}

#[tokio::test]
async fn a_rotated_secret_overlaps_the_previous_one_and_the_limit_holds() {
    let api = api();
    let a = api.sign_up().await;
    // More people, keys or endpoints than a new account's Free plan has room for.
    crm_e2e::on_plan(&a, crm_domain::plan::Plan::Business).await;
    let url = receiver_url("rotated");
    let made = endpoint(&api, &a, &url, json!(["customer.created"])).await;
    let old_secret = made["secret"].as_str().unwrap().to_owned();
    let rotated = api
        .post(&format!("/api/v1/webhook_endpoints/{}/rotate_secret", id_of(&made)), Some(&a.admin.token), json!({}))
        .await
        .expect(200)
        .body;
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, old_secret);
    assert!(
        rotated["previous_secret_valid_until"].as_str().unwrap()
            > crm_domain::clock::Timestamp::now().rfc3339().as_str()
    );
    api.post("/api/v1/customers", Some(&a.admin.token), json!({"name": "Rotated Inc"})).await.expect(201);
    let got = wait_for(&path_of(&url), |got| !got.is_empty()).await;
    assert_eq!(got[0].signature.matches("v1=").count(), 2, "{}", got[0].signature);
    assert!(verify(&got[0], &new_secret) && verify(&got[0], &old_secret));

    // An account holds as many endpoints as its plan allows (ten on Business), however they are asked for.
    let creates = (0..12).map(|n| {
        let body = json!({"url": format!("https://hooks.example.com/limit/{n}"), "events": ["deal.won"]});
        api.post("/api/v1/webhook_endpoints", Some(&a.admin.token), body)
    });
    let answers = futures_util::future::join_all(creates).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    // Concurrent creates either land, are refused by the plan, or are told to try again: never more.
    assert!(statuses.iter().all(|s| [201, 402, 409].contains(s)), "{statuses:?}");
    let count = async || {
        api.get("/api/v1/webhook_endpoints", &a.admin.token).await.expect(200).body["items"].as_array().unwrap().len()
    };
    assert!(count().await <= 10);
    for n in 0..12 {
        let body = json!({"url": format!("https://hooks.example.com/more/{n}"), "events": ["deal.won"]});
        let reply = api.post("/api/v1/webhook_endpoints", Some(&a.admin.token), body).await;
        if reply.status == 402 {
            assert_eq!(
                (reply.body["limit"].as_str(), reply.body["plan"].as_str()),
                (Some("webhook_endpoints"), Some("business"))
            );
            assert!(reply.body["detail"].as_str().unwrap().contains("no plan allows more"), "{:#}", reply.body);
            break;
        }
        reply.expect(201);
    }
    assert_eq!(count().await, 10);
    api.delete(&format!("/api/v1/webhook_endpoints/{}", id_of(&made)), &a.admin.token).await.expect(204);
    api.delete(&format!("/api/v1/webhook_endpoints/{}", id_of(&made)), &a.admin.token).await.expect_problem(404, None);
    api.post("/api/v1/webhook_endpoints", Some(&a.admin.token), json!({"url": url, "events": ["deal.won"]}))
        .await
        .expect(201);
}
