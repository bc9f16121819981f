use crm_e2e::{Api, api, queue_url};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Polls the dashboard until `done` holds (the rollups run asynchronously), failing after 20 s.
async fn dashboard_when(api: &Api, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let body = api.get("/api/v1/dashboard", token).await.expect(200).body;
        if done(&body) {
            return body;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the dashboard never caught up: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn today() -> String {
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let days = seconds.div_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[tokio::test]
async fn changes_reach_the_dashboard_and_a_rebuild_agrees() {
    let api = api();
    let tenant = api.sign_up().await;
    let sales = api.add_user(&tenant, "sales").await;
    let admin = &tenant.admin.token;
    let first = api.create_lead(admin, json!({"name": "A", "source": "web"})).await;
    api.create_lead(admin, json!({"name": "B", "source": "web"})).await;
    api.create_lead(&sales.token, json!({"name": "C", "source": "referral"})).await;
    api.patch(&format!("/api/v1/leads/{}", first["id"].as_str().unwrap()), admin, json!({"status": "contacted"}))
        .await
        .expect(200);
    let customer = api.post("/api/v1/customers", Some(admin), json!({"name": "Acme"})).await.expect(201).body;
    let deal = api
        .post("/api/v1/deals", Some(admin), json!({"name": "Big", "customer_id": customer["id"], "amount": {"amount_minor": 250000, "currency": "EUR"}}))
        .await
        .expect(201)
        .body;
    let deal_path = format!("/api/v1/deals/{}", deal["id"].as_str().unwrap());
    api.patch(&deal_path, admin, json!({"stage": "negotiation"})).await.expect(200);
    api.patch(&deal_path, admin, json!({"stage": "won"})).await.expect(200);

    let incremental = dashboard_when(&api, admin, |d| {
        let f = &d["figures"];
        f["leads_total"] == 3
            && f["leads_by_status"]["contacted"] == 1
            && f["deals_by_stage"]["won"]["count"] == 1
            && f["customers_total"] == 1
    })
    .await;
    let figures = &incremental["figures"];
    assert_eq!(incremental["scope"], "tenant");
    assert_eq!(figures["leads_by_status"], json!({"contacted": 1, "new": 2}));
    assert_eq!(figures["leads_by_source"], json!({"referral": 1, "web": 2}));
    assert_eq!(figures["new_leads_per_day"], json!([{"date": today(), "count": 3}]));
    assert_eq!(figures["deals_by_stage"], json!({"won": {"count": 1, "amount": {"EUR": 250000}}}));
    assert_eq!(figures["won_per_month"][0]["amount"], json!({"EUR": 250000}));
    assert_eq!(figures["conversion_rate"], 0.0);
    let owners = incremental["owners"].as_array().unwrap();
    let sales_figures = owners.iter().find(|o| o["owner_id"] == sales.id.as_str()).expect("the sales user's figures");
    assert_eq!(sales_figures["figures"]["leads_total"], 1);

    // Sales sees its own figures only.
    let own = dashboard_when(&api, &sales.token, |d| d["figures"]["leads_total"] == 1).await;
    assert_eq!(own["scope"], "owner");
    assert!(own.get("owners").is_none());

    // A rebuild from the records gives the same figures as the incremental rollups.
    api.post("/api/v1/dashboard/rebuild", Some(&sales.token), json!({})).await.expect_problem(403, None);
    let rebuilt = crm_e2e::run_job(&api, "/api/v1/dashboard/rebuild", admin).await;
    assert_eq!((rebuilt["result"]["records"].as_u64(), rebuilt["processed"].as_u64()), (Some(5), Some(5)), "{rebuilt}");
    // The Admin's job is not Sales' to follow.
    api.get(&format!("/api/v1/jobs/{}", rebuilt["id"].as_str().unwrap()), &sales.token).await.expect_problem(404, None);
    let after = api.get("/api/v1/dashboard", admin).await.expect(200).body;
    assert_eq!(after, incremental);

    // Deleting moves the figures back down.
    api.delete(&deal_path, admin).await.expect(204);
    dashboard_when(&api, admin, |d| {
        d["figures"]["deals_by_stage"] == json!({}) && d["figures"]["won_per_month"] == json!([])
    })
    .await;
}

#[tokio::test]
async fn dashboard_ranges_are_checked() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    api.get("/api/v1/dashboard?to=2026-13-01", token).await.expect_problem(400, Some("to"));
    api.get("/api/v1/dashboard?days=0", token).await.expect_problem(400, Some("days"));
    api.get("/api/v1/dashboard?days=367", token).await.expect_problem(400, Some("days"));
    api.get("/api/v1/dashboard?from=2026-01-01", token).await.expect_problem(400, Some("from"));
    let empty = api.get("/api/v1/dashboard?to=2026-01-31&days=31", token).await.expect(200).body;
    assert_eq!(empty["from"], "2026-01-01");
    assert_eq!(empty["to"], "2026-01-31");
    assert_eq!(empty["figures"]["leads_total"], 0);
    let year = api.get("/api/v1/dashboard?to=2024-12-31&days=366", token).await.expect(200).body;
    assert_eq!(year["from"], "2024-01-01");
}

/// A `lead.created` event of a synthetic lead (source `batch`, counted as `other`) owned by `owner`.
fn lead_created(tenant: &str, owner: &str, event_id: &str, lead_id: &str) -> Value {
    let now = "2026-11-25T09:00:00.000Z";
    json!({
        "id": event_id, "tenant_id": tenant, "kind": "lead.created", "entity_id": lead_id, "old": null,
        "new": {"entity": "lead", "id": lead_id, "name": "Synthetic", "email": null, "phone": null, "company": null, "source": "batch",
                "status": "new", "owner_id": owner, "tags": [], "estimated_value": null, "customer_id": null,
                "converted_at": null, "created_at": now, "updated_at": now, "version": 1}
    })
}

/// The rollup worker folds a batch's events into one write per statistics item, and still counts each
/// event once: one that comes twice in a batch, or again in a later batch beside new ones.
#[tokio::test]
async fn rollup_events_count_once_however_they_are_batched_and_redelivered() {
    let api = api();
    let tenant = api.sign_up().await;
    let other = api.sign_up().await;
    let workers = crm_workers::Workers::from_env().await.expect("the workers' settings");
    let worker = crm_workers::functions::by_name("stats_rollup").expect("the rollup worker");
    let event = |tenant: &crm_e2e::Tenant, n: usize| {
        let lead_id = format!("01JDA5Y2ZK8Q3W4E5R6T7Y8V{n:02}");
        lead_created(&tenant.id, &tenant.admin.id, &format!("fold-{}-{n}", tenant.id), &lead_id)
    };
    let batch = |events: Vec<Value>| {
        let records: Vec<Value> = events
            .iter()
            .enumerate()
            .map(|(i, e)| json!({"messageId": format!("m{i}"), "receiptHandle": "r", "body": e.to_string(), "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs"}))
            .collect();
        json!({"Records": records})
    };
    let deliveries = [
        vec![event(&tenant, 0), event(&tenant, 1), event(&tenant, 0), event(&other, 0), event(&tenant, 2)],
        vec![event(&tenant, 1), event(&tenant, 2), event(&tenant, 3), event(&other, 0), event(&other, 1)],
        vec![event(&tenant, 3)],
    ];
    for delivery in deliveries {
        let response = worker(&workers, batch(delivery)).await.expect("the worker answers");
        assert_eq!(response["batchItemFailures"], json!([]), "{response}");
    }
    for (tenant, leads) in [(&tenant, 4), (&other, 2)] {
        let figures = api.get("/api/v1/dashboard", &tenant.admin.token).await.expect(200).body["figures"].clone();
        assert_eq!(figures["leads_by_source"]["other"], leads, "{figures}");
        assert_eq!(figures["leads_total"], leads, "{figures}");
    }
}

/// A message the rollup worker cannot read fails alone: the rest of its batch is applied, and after its
/// retries it moves to the dead-letter queue.
#[tokio::test]
async fn a_poison_message_lands_in_the_dead_letter_queue() {
    let api = api();
    let tenant = api.sign_up().await;
    let sqs = aws_sdk_sqs::Client::new(&aws_config::load_from_env().await);
    let valid =
        lead_created(&tenant.id, &tenant.admin.id, &format!("poison-test-{}", tenant.id), "01JDA5Y2ZK8Q3W4E5R6T7Y8V9J");
    let poison = format!("poison {}", tenant.id);
    let entries = [("poison", poison.clone()), ("valid", valid.to_string())]
        .into_iter()
        .map(|(id, body)| {
            aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder().id(id).message_body(body).build().unwrap()
        })
        .collect();
    sqs.send_message_batch().queue_url(queue_url("StatsRollupQueue")).set_entries(Some(entries)).send().await.unwrap();

    dashboard_when(&api, &tenant.admin.token, |d| d["figures"]["leads_by_source"]["other"] == 1).await;

    let dead_letters = queue_url("StatsRollupDeadLetterQueue");
    let started = Instant::now();
    loop {
        let received = sqs
            .receive_message()
            .queue_url(&dead_letters)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        let bodies: Vec<String> = received.messages().iter().filter_map(|m| m.body().map(str::to_owned)).collect();
        if bodies.contains(&poison) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the poison message never reached the dead-letter queue");
    }
}

#[tokio::test]
async fn messages_per_day_are_counted_and_survive_a_rebuild() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let channel = api.post("/api/v1/channels", Some(token), json!({"name": "general"})).await.expect(201).body;
    for body in ["one", "two"] {
        api.post("/api/v1/messages", Some(token), json!({"channel_id": channel["id"], "body": body})).await.expect(201);
    }
    let counted =
        dashboard_when(&api, token, |d| d["figures"]["messages_per_day"] == json!([{"date": today(), "count": 2}]))
            .await;
    crm_e2e::run_job(&api, "/api/v1/dashboard/rebuild", token).await;
    assert_eq!(api.get("/api/v1/dashboard", token).await.expect(200).body, counted);
}
