//! API keys for programs (issue #18): a key works wherever a bearer token does, as a Manager or Sales service
//! user of its account, is refused at once after revocation or expiry, and never reaches what only Admins do.

use crm_e2e::{api, id_of};
use serde_json::{Value, json};

async fn new_key(api: &crm_e2e::Api, admin: &str, body: Value) -> (String, String) {
    let created = api.post("/api/v1/api_keys", Some(admin), body).await.expect(201).body;
    let key = created["key"].as_str().expect("the key, shown once").to_owned();
    assert!(key.starts_with("crmk_"), "{created}");
    (id_of(&created), key)
}

#[tokio::test]
async fn a_key_works_as_its_role_until_it_is_revoked_and_never_manages_users_or_keys() {
    let api = api();
    let tenant = api.sign_up().await;
    // More people, keys or endpoints than a new account's Free plan has room for.
    crm_e2e::on_plan(&tenant, crm_domain::plan::Plan::Team).await;
    let admin = &tenant.admin.token;
    let admins_lead = api.create_lead(admin, json!({"name": "The admin's own lead"})).await;
    let (sales_id, sales_key) = new_key(&api, admin, json!({"name": "Website sync", "role": "sales"})).await;
    let (manager_id, manager_key) = new_key(&api, admin, json!({"name": "Reporting", "role": "manager"})).await;
    let last_used = async |id: &str| {
        let listed = api.get("/api/v1/api_keys", admin).await.expect(200).body;
        listed["items"].as_array().unwrap().iter().find(|k| k["id"] == id).unwrap()["last_used_at"].clone()
    };
    assert_eq!(last_used(&manager_id).await, Value::Null, "a key not used yet");

    // A Sales key creates and reads its own records only; a Manager key sees the account's.
    let made = api.post("/api/v1/leads", Some(&sales_key), json!({"name": "From a program"})).await.expect(201).body;
    assert_eq!(made["owner_id"], sales_id.as_str(), "the key's service user owns what it makes");
    let own = api.get("/api/v1/leads", &sales_key).await.expect(200).body;
    assert_eq!(own["items"].as_array().unwrap().len(), 1, "{own}");
    api.get(&format!("/api/v1/leads/{}", id_of(&admins_lead)), &sales_key).await.expect_problem(404, None);
    let all = api.get("/api/v1/leads", &manager_key).await.expect(200).body;
    assert_eq!(all["items"].as_array().unwrap().len(), 2, "{all}");
    // Its Admin sees when a key was last used (to within API_KEY_USAGE_SECONDS; every call in the tests).
    let used = last_used(&manager_id).await;
    let used = used.as_str().expect("a used key says when");
    assert!(used <= crm_domain::clock::Timestamp::now().rfc3339().as_str() && used.starts_with("20"), "{used}");
    assert!(last_used(&sales_id).await.is_string());

    // No key reaches the Admin's routes, keys included.
    for key in [&sales_key, &manager_key] {
        api.get("/api/v1/api_keys", key).await.expect_problem(403, None);
        api.post("/api/v1/api_keys", Some(key), json!({"name": "More", "role": "sales"}))
            .await
            .expect_problem(403, None);
        let user = json!({"email": crm_e2e::unique_email("by-key"), "name": "X", "role": "sales", "password": crm_e2e::PASSWORD});
        api.post("/api/v1/users", Some(key), user).await.expect_problem(403, None);
        // Nor is a key a way into chat, which is for people.
        let socket = tokio_tungstenite::connect_async(format!("{}/?token={key}", crm_e2e::ws_url())).await;
        assert!(socket.is_err(), "an API key opens no WebSocket connection");
    }

    // The Admin sees the keys (never the keys themselves) and not as people.
    let listed = api.get("/api/v1/api_keys", admin).await.expect(200).body;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "{listed}");
    assert!(!listed.to_string().contains("crmk_"), "a listed key shows no secret: {listed}");
    let people = api.get("/api/v1/users", admin).await.expect(200).body;
    assert_eq!(people["items"].as_array().unwrap().len(), 1, "service users are not people: {people}");

    // Revoked: refused at once, and no Admin can bring it back through the users route.
    api.delete(&format!("/api/v1/api_keys/{sales_id}"), admin).await.expect(204);
    api.get("/api/v1/leads", &sales_key).await.expect_problem(401, None);
    api.patch(&format!("/api/v1/users/{sales_id}"), admin, json!({"status": "active"})).await.expect_problem(404, None);
    api.get("/api/v1/leads", &sales_key).await.expect_problem(401, None);
    let listed = api.get("/api/v1/api_keys", admin).await.expect(200).body;
    let revoked = listed["items"].as_array().unwrap().iter().find(|k| k["id"] == sales_id.as_str()).cloned().unwrap();
    assert_eq!(revoked["status"], "deactivated");
    api.get("/api/v1/leads", &manager_key).await.expect(200);
}

#[tokio::test]
async fn forged_expired_and_admin_keys_are_refused() {
    let api = api();
    let tenant = api.sign_up().await;
    // More people, keys or endpoints than a new account's Free plan has room for.
    crm_e2e::on_plan(&tenant, crm_domain::plan::Plan::Team).await;
    let admin = &tenant.admin.token;
    api.post("/api/v1/api_keys", Some(admin), json!({"name": "All powerful", "role": "admin"}))
        .await
        .expect_problem(422, Some("role"));
    api.post("/api/v1/api_keys", Some(admin), json!({"name": "Never", "role": "sales", "expires_in_days": 0}))
        .await
        .expect_problem(422, Some("expires_in_days"));

    let (_, key) = new_key(&api, admin, json!({"name": "Real", "role": "sales"})).await;
    api.get("/api/v1/leads", &key).await.expect(200);
    // The same account and key id with another secret, a key of another form, a person's id as a key.
    let forged = format!("{}{}", &key[..key.len() - 4], "AAAA");
    api.get("/api/v1/leads", &forged).await.expect_problem(401, None);
    api.get("/api/v1/leads", "crmk_nonsense").await.expect_problem(401, None);
    let as_person = key.replacen(&key.split('_').nth(2).unwrap().to_owned(), &tenant.admin.id, 1);
    api.get("/api/v1/leads", &as_person).await.expect_problem(401, None);

    // A key with a lifetime works now (its expiry passing is `crm_api::api_keys::tests`).
    let (_, dated) = new_key(&api, admin, json!({"name": "Dated", "role": "sales", "expires_in_days": 30})).await;
    api.get("/api/v1/leads", &dated).await.expect(200);
    let listed = api.get("/api/v1/api_keys", admin).await.expect(200).body;
    let dated = listed["items"].as_array().unwrap().iter().find(|k| k["name"] == "Dated").cloned().unwrap();
    assert!(dated["expires_at"].is_string(), "{listed}");
}
