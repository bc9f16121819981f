//! Subscriptions through Stripe (issue #19): an Admin checks out a plan at (fake) Stripe, and Stripe's
//! signed events move the account between plans — verified, each once, in the order Stripe made them.

use crm_e2e::stripe_fake::{self, PRICE_TEAM, WEBHOOK_SECRET, send, send_signed, signature};
use crm_e2e::{Api, Tenant, api, stripe_requests, unique_email};
use serde_json::{Value, json};

async fn account(api: &Api, tenant: &Tenant) -> Value {
    api.get("/api/v1/account", &tenant.admin.token).await.expect(200).body
}

fn subscription_event(id: &str, kind: &str, created: i64, tenant: &Tenant, status: &str, price: &str) -> Value {
    json!({"id": id, "type": kind, "created": created, "data": {"object": {"id": "sub_1", "customer": "cus_1",
        "status": status, "metadata": {"tenant_id": tenant.id}, "items": {"data": [{"price": {"id": price}}]}}}})
}

#[tokio::test]
async fn checkout_then_signed_events_move_the_plan_once_each_and_in_order() {
    let api = api();
    let a = api.sign_up().await;
    let manager = api.add_user(&a, "manager").await;

    // Checkout: only an Admin starts one, only for a paid plan; the session names the account.
    let body = json!({"plan": "team"});
    api.post("/api/v1/billing/checkout", Some(&manager.token), body.clone()).await.expect_problem(403, None);
    api.post("/api/v1/billing/checkout", Some(&a.admin.token), json!({"plan": "free"}))
        .await
        .expect_problem(422, Some("plan"));
    let page = api.post("/api/v1/billing/checkout", Some(&a.admin.token), body).await.expect(200).body;
    assert!(page["url"].as_str().unwrap().starts_with("https://checkout.stripe.test/"), "{page}");
    let asked = stripe_requests()
        .into_iter()
        .rev()
        .find(|r| r.form.iter().any(|(k, v)| k == "client_reference_id" && *v == a.id));
    let form = asked.expect("the fake Stripe was asked for a session").form;
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!((field("mode"), field("line_items[0][price]")), (Some("subscription"), Some(PRICE_TEAM)));
    assert_eq!(field("subscription_data[metadata][tenant_id]"), Some(a.id.as_str()));
    // No subscription yet: no portal.
    api.post("/api/v1/billing/portal", Some(&a.admin.token), json!({})).await.expect_problem(409, None);

    // Stripe says the checkout completed: the account is on Team, and its seats with it.
    let now = crm_domain::clock::Timestamp::now().unix_seconds();
    let completed = json!({"id": format!("evt_done_{}", a.id), "type": "checkout.session.completed", "created": now - 100,
        "data": {"object": {"client_reference_id": a.id, "customer": "cus_1", "subscription": "sub_1", "metadata": {"plan": "team"}}}});
    // A forged or stale signature changes nothing.
    let forged = signature("whsec_not_ours", now, &completed.to_string());
    send_signed(&api, &completed, &forged).await.expect_problem(401, None);
    let stale = signature(WEBHOOK_SECRET, now - 600, &completed.to_string());
    send_signed(&api, &completed, &stale).await.expect_problem(401, None);
    send_signed(&api, &completed, "").await.expect_problem(401, None);
    assert_eq!(account(&api, &a).await["plan"], "free", "nothing changed");
    assert_eq!(send(&api, &completed).await.expect(200).body["outcome"], "changed");
    let shown = account(&api, &a).await;
    assert_eq!((shown["plan"].as_str(), shown["subscription"].as_str()), (Some("team"), Some("active")));
    for _ in 0..3 {
        let body =
            json!({"email": unique_email("team"), "name": "Team", "role": "sales", "password": crm_e2e::PASSWORD});
        api.post("/api/v1/users", Some(&a.admin.token), body).await.expect(201);
    }
    // The change is in the activity log, by billing, and the Admin is told.
    let activity = api.get("/api/v1/activity?limit=100", &a.admin.token).await.expect(200).body;
    let logged = activity["items"].as_array().unwrap().iter().find(|e| e["entity"] == "account").cloned();
    let logged = logged.expect("the plan change is in the activity log");
    assert_eq!(logged["actor_id"], crm_domain::UserId::BILLING.to_string());
    assert_eq!(logged["changes"][0], json!({"field": "plan", "old": "free", "new": "team"}), "{logged:#}");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let inbox = api.get("/api/v1/notifications", &a.admin.token).await.expect(200).body;
        if let Some(told) = inbox["items"].as_array().unwrap().iter().find(|n| n["kind"] == "plan_changed") {
            assert_eq!(told["summary"], "The account is on the team plan (subscription active)");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no plan_changed notification: {inbox:#}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let portal = api.post("/api/v1/billing/portal", Some(&a.admin.token), json!({})).await.expect(200).body;
    assert!(portal["url"].as_str().unwrap().starts_with("https://billing.stripe.test/"), "{portal}");

    // A failed payment keeps the plan for the grace period; the subscription says so.
    let failed = json!({"id": format!("evt_failed_{}", a.id), "type": "invoice.payment_failed", "created": now - 50,
        "data": {"object": {"subscription": "sub_1", "customer": "cus_1", "subscription_details": {"metadata": {"tenant_id": a.id}}}}});
    assert_eq!(send(&api, &failed).await.expect(200).body["outcome"], "changed");
    let shown = account(&api, &a).await;
    assert_eq!((shown["plan"].as_str(), shown["subscription"].as_str()), (Some("team"), Some("past_due")));

    // Canceled: back to Free. An older event arriving late, and the first event sent again, change nothing.
    let deleted = subscription_event(
        &format!("evt_deleted_{}", a.id),
        "customer.subscription.deleted",
        now - 10,
        &a,
        "canceled",
        PRICE_TEAM,
    );
    assert_eq!(send(&api, &deleted).await.expect(200).body["outcome"], "changed");
    let late = subscription_event(
        &format!("evt_late_{}", a.id),
        "customer.subscription.updated",
        now - 20,
        &a,
        "active",
        stripe_fake::PRICE_BUSINESS,
    );
    assert_eq!(send(&api, &late).await.expect(200).body["outcome"], "stale");
    assert_eq!(send(&api, &completed).await.expect(200).body["outcome"], "replayed");
    let shown = account(&api, &a).await;
    assert_eq!((shown["plan"].as_str(), shown["subscription"].as_str()), (Some("free"), Some("canceled")));
    // Back on Free with more people than it allows: nobody is removed, but nobody more is added.
    assert_eq!(shown["usage"]["seats"]["used"], 5);
    let body = json!({"email": unique_email("over"), "name": "Over", "role": "sales", "password": crm_e2e::PASSWORD});
    api.post("/api/v1/users", Some(&a.admin.token), body).await.expect_problem(402, None);
    // An event that names no account of ours, or no plan, is received and ignored.
    let other = json!({"id": "evt_other", "type": "charge.refunded", "created": now, "data": {"object": {}}});
    assert_eq!(send(&api, &other).await.expect(200).body["outcome"], "ignored");
}

#[tokio::test]
async fn a_payment_failed_past_the_grace_period_leaves_the_account_read_only_never_emptied() {
    let api = api();
    let a = api.sign_up().await;
    let lead = api.create_lead(&a.admin.token, json!({"name": "Kept"})).await;
    let day = 24 * 60 * 60;
    let now = crm_domain::clock::Timestamp::now().unix_seconds();
    let completed = json!({"id": format!("evt_ro_done_{}", a.id), "type": "checkout.session.completed", "created": now - 9 * day,
        "data": {"object": {"client_reference_id": a.id, "customer": "cus_ro", "subscription": "sub_ro", "metadata": {"plan": "team"}}}});
    send(&api, &completed).await.expect(200);
    let failed = |id: &str, created: i64| {
        json!({"id": id, "type": "invoice.payment_failed", "created": created,
            "data": {"object": {"subscription": "sub_ro", "customer": "cus_ro", "subscription_details": {"metadata": {"tenant_id": a.id}}}}})
    };
    send(&api, &failed(&format!("evt_ro_failed_{}", a.id), now - 8 * day)).await.expect(200);

    // Eight days past due: reading works, writing does not, paying does.
    let refused =
        api.post("/api/v1/leads", Some(&a.admin.token), json!({"name": "New"})).await.expect_problem(402, None);
    assert_eq!(refused.body["type"], "/problems/read-only");
    api.patch(&format!("/api/v1/leads/{}", lead["id"].as_str().unwrap()), &a.admin.token, json!({"name": "Changed"}))
        .await
        .expect_problem(402, None);
    let leads = api.get("/api/v1/leads", &a.admin.token).await.expect(200).body;
    assert_eq!(leads["items"][0]["name"], "Kept", "every record is still readable");
    api.post("/api/v1/billing/portal", Some(&a.admin.token), json!({})).await.expect(200);
    api.patch("/api/v1/notifications/preferences", &a.admin.token, json!({"mention": true})).await.expect(200);
    // Its data can still be taken away: exported, and printed.
    api.post("/api/v1/exports", Some(&a.admin.token), json!({"kind": "lead"})).await.expect(202);
    let printed = format!("/api/v1/leads/{}/pdf", lead["id"].as_str().unwrap());
    api.post(&printed, Some(&a.admin.token), json!(null)).await.expect(201);
    // GraphQL: queries answer, mutations are held like the REST writes.
    let query = json!({"query": "{ leads { items { name } } }"});
    let read = api.post("/api/v1/graphql", Some(&a.admin.token), query).await.expect(200).body;
    assert_eq!(read["data"]["leads"]["items"][0]["name"], "Kept", "{read}");
    let write = json!({"query": "mutation { create_lead(input: {name: \"New\"}) { id } }"});
    let held = api.post("/api/v1/graphql", Some(&a.admin.token), write).await.expect_problem(402, None);
    assert_eq!(held.body["type"], "/problems/read-only");

    // The payment succeeds: writing is back. A new failure starts a new grace period.
    let paid = subscription_event(
        &format!("evt_ro_paid_{}", a.id),
        "customer.subscription.updated",
        now - 60,
        &a,
        "active",
        PRICE_TEAM,
    );
    send(&api, &paid).await.expect(200);
    api.post("/api/v1/leads", Some(&a.admin.token), json!({"name": "After paying"})).await.expect(201);
    send(&api, &failed(&format!("evt_ro_failed_again_{}", a.id), now - 30)).await.expect(200);
    assert_eq!(account(&api, &a).await["subscription"], "past_due");
    api.post("/api/v1/leads", Some(&a.admin.token), json!({"name": "In the grace period"})).await.expect(201);
}
