//! Notification inboxes end to end: domain events through the table's stream, the events router and the
//! notify worker into the recipients' inboxes, pushed live to their sockets.

use crate::chat::{Socket, team_channel};
use crm_e2e::{Api, User, api, id_of, queue_url};
use serde_json::{Value, json};
use std::time::Duration;

async fn unread(api: &Api, user: &User) -> u64 {
    api.get("/api/v1/notifications/unread_count", &user.token).await.expect(200).body["unread"].as_u64().unwrap()
}

async fn inbox(api: &Api, user: &User, query: &str) -> Vec<Value> {
    let page = api.get(&format!("/api/v1/notifications{query}"), &user.token).await.expect(200).body;
    page["items"].as_array().unwrap().clone()
}

/// The user's notifications of `kind`, once at least `count` have arrived (within 10 s).
async fn arrived(api: &Api, user: &User, kind: &str, count: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let found: Vec<Value> =
            inbox(api, user, "?limit=100").await.into_iter().filter(|n| n["kind"] == kind).collect();
        if found.len() >= count {
            return found;
        }
        assert!(tokio::time::Instant::now() < deadline, "no {kind} notification for {} arrived", user.id);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_mention_is_pushed_into_the_inbox_and_its_unread_count_clears() {
    let api = api();
    let a = api.sign_up().await;
    let manager = api.add_user(&a, "manager").await;
    let other = api.sign_up().await;
    let channel = team_channel(&api, &a, &[&manager]).await;
    let mut socket = Socket::open(&manager).await;
    assert_eq!(unread(&api, &manager).await, 0);

    let body = format!("@{} the Acme renewal needs you", manager.id);
    let message = api
        .post("/api/v1/messages", Some(&a.admin.token), json!({"channel_id": channel, "body": body}))
        .await
        .expect(201)
        .body;
    let pushed = socket.next("notification").await["notification"].clone();
    assert_eq!(pushed["kind"], "mention");
    assert_eq!(pushed["summary"], "You were mentioned: “@".to_owned() + &manager.id + " the Acme renewal needs you”");
    assert_eq!(pushed["actor_id"], a.admin.id.as_str());
    assert_eq!((&pushed["channel_id"], &pushed["message_id"]), (&json!(channel), &message["id"]));
    assert_eq!(pushed["read_at"], Value::Null);
    // The author is not told of their own mention, and nobody else is told at all.
    assert_eq!(unread(&api, &a.admin).await, 0);

    assert_eq!(unread(&api, &manager).await, 1);
    let listed = inbox(&api, &manager, "?unread=true").await;
    assert_eq!(listed, vec![pushed.clone()]);
    let id = pushed["id"].as_str().unwrap();

    // Another account cannot mark it, nor see that it exists.
    api.post(&format!("/api/v1/notifications/{id}/read"), Some(&other.admin.token), json!({}))
        .await
        .expect_problem(404, None);
    let read = api.post(&format!("/api/v1/notifications/{id}/read"), Some(&manager.token), json!({})).await.expect(200);
    let read_at = read.body["read_at"].as_str().expect("marked read").to_owned();
    assert_eq!(unread(&api, &manager).await, 0);
    assert!(inbox(&api, &manager, "?unread=true").await.is_empty());
    // Marking again keeps the first time; the entry stays in the inbox, read.
    let again =
        api.post(&format!("/api/v1/notifications/{id}/read"), Some(&manager.token), json!({})).await.expect(200);
    assert_eq!(again.body["read_at"], read_at.as_str());
    assert_eq!(inbox(&api, &manager, "").await[0]["read_at"], read_at.as_str());
}

#[tokio::test]
async fn assignments_deliveries_closed_deals_and_notes_reach_the_owner_as_preferences_allow() {
    let api = api();
    let a = api.sign_up().await;
    let sales = api.add_user(&a, "sales").await;
    let manager = api.add_user(&a, "manager").await;

    // Sales's only connection is one whose $disconnect never came: the push finds it gone and forgets it.
    let table = crm_store::Table::from_env(std::env::var("TABLE_NAME").unwrap()).await;
    let now = crm_domain::clock::Timestamp::now();
    let stale = crm_store::Connection {
        connection_id: format!("stale-{}", sales.id),
        tenant_id: crm_domain::TenantId::parse(&a.id).unwrap(),
        user_id: crm_domain::UserId::parse(&sales.id).unwrap(),
        connected_at: now.plus_seconds(-300).rfc3339(),
        expires_at: now.unix_seconds() + 600,
        announced: true,
        token: crm_store::TokenTerms { expires_at: now.unix_seconds() + 600, generation: 0 },
    };
    table.put_connection(&stale).await.unwrap();

    // A manager gives Sales a lead: Sales is told; the manager, who did it, is not.
    let lead = api.create_lead(&manager.token, json!({"name": "Acme", "owner_id": sales.id})).await;
    let assigned = arrived(&api, &sales, "assigned", 1).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while table.connection_owner(&stale.connection_id).await.unwrap().is_some() {
        assert!(tokio::time::Instant::now() < deadline, "the gone connection was never forgotten");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(assigned[0]["summary"], "The lead “Acme” is now yours");
    assert_eq!((&assigned[0]["record_type"], &assigned[0]["record_id"]), (&json!("lead"), &lead["id"]));
    assert_eq!(assigned[0]["actor_id"], manager.id.as_str());

    // An inbound webhook delivers a lead to its endpoint's owner.
    let endpoint = api
        .post(
            "/api/v1/integrations/webhooks",
            Some(&a.admin.token),
            json!({"source": "zapier", "name": "Zap", "owner_id": sales.id}),
        )
        .await
        .expect(201)
        .body;
    let delivered = api
        .request(reqwest::Method::POST, "/api/v1/webhooks/leads/zapier", None)
        .header("X-Webhook-Token", endpoint["secret"].as_str().unwrap())
        .json(&json!({"name": "Zapped Ltd"}));
    let delivered = api.send(delivered).await.expect(201).body;
    let delivery = arrived(&api, &sales, "lead_delivered", 1).await;
    assert_eq!(delivery[0]["record_id"], delivered["id"]);

    // Sales turns notes off; a note then tells nobody, while a deal closed by the manager still tells Sales.
    let prefs = api.patch("/api/v1/notifications/preferences", &sales.token, json!({"note_added": false})).await;
    let prefs = prefs.expect(200).body;
    assert_eq!((prefs["note_added"].as_bool(), prefs["mention"].as_bool()), (Some(false), Some(true)));
    api.patch("/api/v1/notifications/preferences", &sales.token, json!({"loud": true}))
        .await
        .expect_problem(422, Some("loud"));
    let lead_id = id_of(&lead);
    api.post(&format!("/api/v1/leads/{lead_id}/notes"), Some(&manager.token), json!({"body": "Called them"}))
        .await
        .expect(201);
    let customer = api.post("/api/v1/customers", Some(&manager.token), json!({"name": "Acme"})).await.expect(201).body;
    let deal = json!({"name": "Renewal", "customer_id": customer["id"], "owner_id": sales.id,
        "amount": {"amount_minor": 1000, "currency": "EUR"}});
    let deal = api.post("/api/v1/deals", Some(&manager.token), deal).await.expect(201).body;
    for stage in ["negotiation", "won"] {
        api.patch(&format!("/api/v1/deals/{}", id_of(&deal)), &manager.token, json!({"stage": stage}))
            .await
            .expect(200);
    }
    let closed = arrived(&api, &sales, "deal_closed", 1).await;
    assert_eq!(closed[0]["summary"], "Your deal “Renewal” was won");
    arrived(&api, &sales, "assigned", 2).await;

    // With notes back on, the next note is told.
    api.patch("/api/v1/notifications/preferences", &sales.token, json!({"note_added": true})).await.expect(200);
    api.post(&format!("/api/v1/leads/{lead_id}/notes"), Some(&manager.token), json!({"body": "Second call"}))
        .await
        .expect(201);
    let noted = arrived(&api, &sales, "note_added", 1).await;
    assert_eq!(noted.len(), 1, "the note written while notes were off told nobody");
    assert_eq!(noted[0]["summary"], "New note on your lead: “Second call”");

    // Every entry is unread until all are marked read at once.
    let count = unread(&api, &sales).await;
    assert_eq!(count, 5, "{:#?}", inbox(&api, &sales, "").await);
    let marked = api.post("/api/v1/notifications/read_all", Some(&sales.token), json!({})).await.expect(200);
    assert_eq!(marked.body["marked"], 5);
    assert_eq!(unread(&api, &sales).await, 0);
    assert!(inbox(&api, &sales, "").await.iter().all(|n| n["read_at"].is_string()));
    // Nobody is told of their own changes.
    assert!(inbox(&api, &manager, "").await.is_empty());
}

#[tokio::test]
async fn a_redelivered_event_notifies_once_and_pages_run_newest_first() {
    let api = api();
    let a = api.sign_up().await;
    let sqs = aws_sdk_sqs::Client::new(&aws_config::load_from_env().await);
    let failure = |n: u32| {
        json!({"source": "google_sync_failed", "id": format!("stream-record-{n}"), "tenant_id": a.id,
            "user_id": a.admin.id, "error": "Google refused the grant: invalid_grant",
            "at": format!("2026-11-29T10:00:0{n}.000Z")})
        .to_string()
    };
    // Three failures, the first delivered three times (as SQS may).
    for body in [failure(1), failure(1), failure(2), failure(1), failure(3)] {
        sqs.send_message().queue_url(queue_url("NotifyQueue")).message_body(body).send().await.unwrap();
    }
    let failed = arrived(&api, &a.admin, "sync_failed", 3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let failed_now = arrived(&api, &a.admin, "sync_failed", 3).await;
    assert_eq!(failed_now.len(), 3, "a redelivery made a second entry");
    assert_eq!(failed[0]["summary"], "Google Contacts sync failed: Google refused the grant: invalid_grant");
    let times: Vec<&str> = failed_now.iter().map(|n| n["created_at"].as_str().unwrap()).collect();
    assert_eq!(times, ["2026-11-29T10:00:03.000Z", "2026-11-29T10:00:02.000Z", "2026-11-29T10:00:01.000Z"]);

    let first = api.get("/api/v1/notifications?limit=2", &a.admin.token).await.expect(200).body;
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = api.get(&format!("/api/v1/notifications?limit=2&cursor={cursor}"), &a.admin.token).await.expect(200);
    assert_eq!(second.body["items"][0]["created_at"], "2026-11-29T10:00:01.000Z");
    assert_eq!(second.body["next_cursor"], Value::Null);
    api.get("/api/v1/notifications?unread=maybe", &a.admin.token).await.expect_problem(400, Some("unread"));
}
