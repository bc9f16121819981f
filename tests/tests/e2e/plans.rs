//! Plans and their counted limits (issue #19, first slice): a new account is on Free; seats, API keys and
//! webhook endpoints are held to the plan where they are made, concurrent requests included; a plan change
//! moves the limits at once.

use crm_domain::plan::Plan;
use crm_e2e::{Api, Reply, Tenant, api, id_of, on_plan, unique_email};
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
    // Two seats left on Free; ten people asked for at once.
    let asks = (0..10).map(|_| add_user(&api, &a));
    let answers = futures_util::future::join_all(asks).await;
    let made = answers.iter().filter(|r| r.status == 201).count();
    assert!(
        answers.iter().all(|r| [201, 402, 409].contains(&r.status)),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(made <= 2, "{made} people made for 2 free seats");
    // Whatever raced, the count is true and the plan full after the stragglers ask again.
    while add_user(&api, &a).await.status == 201 {}
    let users = api.get("/api/v1/users?limit=100", &a.admin.token).await.expect(200).body;
    assert_eq!(users["items"].as_array().unwrap().len(), 3);
    assert_eq!(account(&api, &a).await["usage"]["seats"], json!({"used": 3, "limit": 3}));
}
