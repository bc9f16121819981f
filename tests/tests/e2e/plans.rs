//! Plans and their limits (issue #19): a new account is on Free; seats, records, API keys and webhook
//! endpoints are held to the plan where they are made, concurrent requests included; a plan change moves
//! the limits at once; each account has its own request and search rates.

use crm_domain::plan::{Counted, Plan};
use crm_e2e::{Api, Reply, Tenant, api, holding, id_of, on_plan, unique_email};
use serde_json::{Value, json};

async fn account(api: &Api, tenant: &Tenant) -> Value {
    api.get("/api/v1/account", &tenant.admin.token).await.expect(200).body
}

async fn add_user(api: &Api, tenant: &Tenant) -> Reply {
    let body = json!({"email": unique_email("seat"), "name": "Seat", "role": "sales", "password": crm_e2e::PASSWORD});
    api.post("/api/v1/users", Some(&tenant.admin.token), body).await
}

fn assert_limit(reply: Reply, limit: &str, upgrade_to: &str) {
    let problem = reply.expect_problem(402, None).body;
    assert_eq!(problem["type"], "/problems/plan-limit", "{problem:#}");
    assert_eq!((problem["limit"].as_str(), problem["plan"].as_str()), (Some(limit), Some("free")), "{problem:#}");
    assert_eq!(problem["upgrade_to"], upgrade_to, "{problem:#}");
}

#[tokio::test]
async fn a_new_account_is_on_free_and_its_seats_keys_and_endpoints_are_held_to_it() {
    let api = api();
    let a = api.sign_up().await;
    let shown = account(&api, &a).await;
    assert_eq!(shown["plan"], "free");
    assert_eq!(shown["limits"]["seats"], 3);
    assert_eq!(shown["usage"]["seats"], json!({"used": 1, "limit": 3}));
    assert_eq!(shown["usage"]["api_keys"], json!({"used": 0, "limit": 1}));

    // Seats: two more people fill the plan; a fourth is refused, naming the plan that has room.
    let second = add_user(&api, &a).await.expect(201).body;
    add_user(&api, &a).await.expect(201);
    assert_limit(add_user(&api, &a).await, "seats", "team");
    // A deactivated person frees a seat; coming back needs one again.
    let path = format!("/api/v1/users/{}", id_of(&second));
    api.patch(&path, &a.admin.token, json!({"status": "deactivated"})).await.expect(200);
    assert_eq!(account(&api, &a).await["usage"]["seats"]["used"], 2);
    add_user(&api, &a).await.expect(201);
    assert_limit(api.patch(&path, &a.admin.token, json!({"status": "active"})).await, "seats", "team");

    // API keys: one on Free; revoking it gives its place back.
    let key = api.post("/api/v1/api_keys", Some(&a.admin.token), json!({"name": "One", "role": "sales"})).await;
    let key = key.expect(201).body;
    assert_limit(
        api.post("/api/v1/api_keys", Some(&a.admin.token), json!({"name": "Two", "role": "sales"})).await,
        "api_keys",
        "team",
    );
    api.delete(&format!("/api/v1/api_keys/{}", id_of(&key)), &a.admin.token).await.expect(204);
    api.delete(&format!("/api/v1/api_keys/{}", id_of(&key)), &a.admin.token).await.expect(204);
    assert_eq!(account(&api, &a).await["usage"]["api_keys"]["used"], 0, "a second revocation gives nothing back");
    api.post("/api/v1/api_keys", Some(&a.admin.token), json!({"name": "Two", "role": "sales"})).await.expect(201);

    // Webhook endpoints: one on Free.
    let endpoint = |n: u32| json!({"url": format!("https://hooks.example.com/plan/{n}"), "events": ["deal.won"]});
    api.post("/api/v1/webhook_endpoints", Some(&a.admin.token), endpoint(1)).await.expect(201);
    assert_limit(
        api.post("/api/v1/webhook_endpoints", Some(&a.admin.token), endpoint(2)).await,
        "webhook_endpoints",
        "team",
    );

    // On Team, the limits move at once; what the account holds stays.
    on_plan(&a, Plan::Team).await;
    let shown = account(&api, &a).await;
    assert_eq!(
        (shown["plan"].as_str(), shown["usage"]["seats"].clone()),
        (Some("team"), json!({"used": 3, "limit": 25}))
    );
    api.patch(&path, &a.admin.token, json!({"status": "active"})).await.expect(200);
    api.post("/api/v1/webhook_endpoints", Some(&a.admin.token), endpoint(2)).await.expect(201);
    // Every member sees the plan.
    let sales = api.sign_in(second["email"].as_str().unwrap()).await;
    assert_eq!(api.get("/api/v1/account", &sales.token).await.expect(200).body["plan"], "team");
}

#[tokio::test]
async fn concurrent_requests_cannot_take_more_than_the_plan_allows() {
    let api = api();
    let a = api.sign_up().await;
    // Two seats left on Free; twenty people asked for at once: exactly two are made, the rest refused.
    let asks = (0..20).map(|_| add_user(&api, &a));
    let answers = futures_util::future::join_all(asks).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 2, "{statuses:?}");
    assert!(statuses.iter().all(|s| [201, 402].contains(s)), "{statuses:?}");
    let users = api.get("/api/v1/users?limit=100", &a.admin.token).await.expect(200).body;
    assert_eq!(users["items"].as_array().unwrap().len(), 3);
    assert_eq!(account(&api, &a).await["usage"]["seats"], json!({"used": 3, "limit": 3}));
}

#[tokio::test]
async fn records_are_held_to_the_plan_in_every_write_that_makes_or_deletes_them() {
    let api = api();
    let a = api.sign_up().await;
    let limit = Plan::Free.limits().records;
    // Five records left; twenty creates at once: exactly five are made.
    holding(&a, Counted::Records, limit - 5).await;
    let asks = (0..20).map(|i| api.post("/api/v1/leads", Some(&a.admin.token), json!({"name": format!("Lead {i}")})));
    let answers = futures_util::future::join_all(asks).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 5, "{statuses:?}");
    assert!(statuses.iter().all(|s| [201, 402].contains(s)), "{statuses:?}");
    let leads = api.get("/api/v1/leads?limit=100", &a.admin.token).await.expect(200).body;
    assert_eq!(leads["items"].as_array().unwrap().len(), 5);
    assert_eq!(account(&api, &a).await["usage"]["records"], json!({"used": limit, "limit": limit}));
    let refused = answers.into_iter().find(|r| r.status == 402).unwrap();
    assert_limit(refused, "records", "team");
    let customer = json!({"name": "Customer", "email": unique_email("customer")});
    assert_limit(api.post("/api/v1/customers", Some(&a.admin.token), customer.clone()).await, "records", "team");
    // A lead pushed by a form is held to it too.
    let form = json!({"source": "generic", "name": "Form"});
    let hook = api.post("/api/v1/integrations/webhooks", Some(&a.admin.token), form).await.expect(201).body;
    let pushed = api.post("/api/v1/webhooks/leads", hook["secret"].as_str(), json!({"name": "Pushed"})).await;
    assert_limit(pushed, "records", "team");

    // A deletion gives a place back; a conversion that makes two records needs room for both.
    let lead = id_of(&leads["items"][0]);
    let other = id_of(&leads["items"][1]);
    api.delete(&format!("/api/v1/leads/{other}"), &a.admin.token).await.expect(204);
    let with_deal = json!({"deal": {"name": "First order", "amount": {"amount_minor": 1000, "currency": "EUR"}}});
    let convert = format!("/api/v1/leads/{lead}/convert");
    api.patch(&format!("/api/v1/leads/{lead}"), &a.admin.token, json!({"status": "qualified"})).await.expect(200);
    assert_limit(api.post(&convert, Some(&a.admin.token), with_deal).await, "records", "team");
    assert_eq!(account(&api, &a).await["usage"]["records"]["used"], limit - 1, "the refused conversion took nothing");
    api.post(&convert, Some(&a.admin.token), json!({})).await.expect(201);
    assert_eq!(account(&api, &a).await["usage"]["records"]["used"], limit);

    // A bigger plan makes room at once.
    on_plan(&a, Plan::Team).await;
    api.post("/api/v1/customers", Some(&a.admin.token), customer).await.expect(201);
}

/// Requests of `token`'s account until one is refused for its rate: enough to pass the limit even if the
/// minute turns while they run (two windows cannot both stay within it).
async fn until_rate_limited(api: &Api, path: &str, token: &str, limit: u64) -> Reply {
    let mut sent = 0;
    while sent <= 2 * limit + 2 {
        let asks = (0..20).map(|_| api.get(path, token));
        sent += 20;
        if let Some(refused) = futures_util::future::join_all(asks).await.into_iter().find(|r| r.status != 200) {
            return refused;
        }
    }
    panic!("{sent} requests to {path} were never refused");
}

#[tokio::test]
async fn an_account_over_its_rate_waits_while_another_account_does_not() {
    let api = api();
    let (a, b) = tokio::join!(api.sign_up(), api.sign_up());
    let free = Plan::Free.limits();
    let refused = until_rate_limited(&api, "/api/v1/leads", &a.admin.token, free.requests_per_minute).await;
    let wait: u64 = refused.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let problem = refused.expect_problem(429, None).body;
    assert_eq!(problem["type"], "/problems/too-many-requests", "{problem:#}");
    let said = format!("free plan allows {} requests a minute", free.requests_per_minute);
    assert!(problem["detail"].as_str().unwrap().contains(&said), "{problem:#}");
    // Every route of the account waits, writes too; the other account is untouched.
    api.post("/api/v1/leads", Some(&a.admin.token), json!({"name": "Late"})).await.expect_problem(429, None);
    api.get("/api/v1/leads", &b.admin.token).await.expect(200);
    let shown = account(&api, &b).await;
    assert_eq!(shown["rates"]["requests_per_minute"]["limit"], free.requests_per_minute);
    assert!(shown["rates"]["requests_per_minute"]["used"].as_u64().unwrap() <= 3, "{shown:#}");
}

#[tokio::test]
async fn searches_have_their_own_rate_and_a_forged_key_uses_none_of_an_account_s() {
    let api = api();
    let a = api.sign_up().await;
    let free = Plan::Free.limits();
    // More than the request rate with a key that names the account but is not its: refused, and not counted.
    let forged = format!("crmk_{}_{}_{}", a.id, a.admin.id, "x".repeat(40));
    for _ in 0..=free.requests_per_minute / 20 {
        let asks = (0..20).map(|_| api.get("/api/v1/leads", &forged));
        assert!(futures_util::future::join_all(asks).await.iter().all(|r| r.status == 401));
    }
    api.get("/api/v1/leads", &a.admin.token).await.expect(200);
    let refused = until_rate_limited(&api, "/api/v1/search?q=anyone", &a.admin.token, free.searches_per_minute).await;
    let problem = refused.expect_problem(429, None).body;
    let said = format!("free plan allows {} searches a minute", free.searches_per_minute);
    assert!(problem["detail"].as_str().unwrap().contains(&said), "{problem:#}");
}
