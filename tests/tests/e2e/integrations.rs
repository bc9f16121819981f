//! Inbound lead webhooks (Typeform, Zapier, generic) and Google Contacts sync, end to end: real
//! deliveries into the local gateway, the sync worker behind the stream and SQS, and a local fake of
//! Google's token endpoint and People API.

use base64::Engine;
use crm_e2e::{Api, Reply, Tenant, api, google_book, id_of, unique_email};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn typeform_signature(secret: &str, body: &[u8]) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, body);
    format!("sha256={}", base64::engine::general_purpose::STANDARD.encode(tag.as_ref()))
}

fn typeform_payload(token: &str, name: &str, email: &str) -> Value {
    json!({
        "event_id": format!("ev-{token}"), "event_type": "form_response",
        "form_response": {
            "form_id": "lT4Z3j", "token": token, "submitted_at": "2026-11-25T09:00:00Z",
            "answers": [
                {"type": "text", "text": name, "field": {"id": "f1", "ref": "full_name", "type": "short_text"}},
                {"type": "email", "email": email, "field": {"id": "f2", "ref": "work_email", "type": "email"}},
                {"type": "choice", "choice": {"label": "Analytical Engines"}, "field": {"id": "f3", "ref": "org", "type": "multiple_choice"}}
            ]
        }
    })
}

/// The path part of an endpoint's URL.
fn path_of(endpoint: &Value) -> String {
    let url = endpoint["url"].as_str().expect("url");
    url.splitn(4, '/').nth(3).map(|p| format!("/{p}")).expect("a path")
}

async fn post_raw(api: &Api, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
    let mut request = api.request(Method::POST, path, None).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    api.send(request.body(body)).await
}

async fn leads_with_email(api: &Api, tenant: &Tenant, email: &str) -> Vec<Value> {
    let reply = api.get("/api/v1/leads?limit=100", &tenant.admin.token).await.expect(200);
    reply.body["items"].as_array().expect("items").iter().filter(|l| l["email"] == email).cloned().collect()
}

#[tokio::test]
async fn typeform_deliveries_are_verified_mapped_and_deduplicated() {
    let api = api();
    let tenant = api.sign_up().await;
    let manager = api.add_user(&tenant, "manager").await;
    let setup = json!({"source": "typeform", "name": "Contact form", "field_map": {"name": "full_name", "company": "org"}, "tags": ["web"]});
    api.post("/api/v1/integrations/webhooks", Some(&manager.token), setup.clone()).await.expect_problem(403, None);
    api.post(
        "/api/v1/integrations/webhooks",
        Some(&tenant.admin.token),
        json!({"source": "typeform", "name": "x", "field_map": {"status": "s"}}),
    )
    .await
    .expect_problem(422, Some("field_map.status"));
    let endpoint = api.post("/api/v1/integrations/webhooks", Some(&tenant.admin.token), setup).await.expect(201).body;
    let secret = endpoint["secret"].as_str().expect("the secret, shown once").to_owned();
    let path = path_of(&endpoint);
    assert_eq!(endpoint["url"].as_str(), Some(format!("{}{path}", api.base).as_str()), "the full URL to give Typeform");
    assert!(path.starts_with("/api/v1/webhooks/leads/typeform/"), "{path}");
    assert!(!path.contains(&tenant.id), "the URL names the endpoint, not the tenant");

    let email = unique_email("typeform");
    let body = serde_json::to_vec(&typeform_payload("resp-1", "Ada Lovelace", &email)).unwrap();
    let signature = typeform_signature(&secret, &body);
    let created = post_raw(&api, &path, &[("Typeform-Signature", &signature)], body.clone()).await.expect(201).body;
    assert_eq!(created["name"], "Ada Lovelace");
    assert_eq!(created["email"], email.as_str());
    assert_eq!(created["company"], "Analytical Engines");
    assert_eq!(created["source"], "typeform");
    assert_eq!(created["tags"], json!(["web"]));
    assert_eq!(created["owner_id"], tenant.admin.id.as_str());
    // Typeform redelivers until it sees a 2xx: the same response token creates nothing new.
    let again = post_raw(&api, &path, &[("Typeform-Signature", &signature)], body.clone()).await.expect(201);
    assert_eq!(id_of(&again.body), id_of(&created));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(leads_with_email(&api, &tenant, &email).await.len(), 1);
    // The lead went through the same path as the API's: its timeline has the creation.
    let timeline =
        api.get(&format!("/api/v1/leads/{}/timeline", id_of(&created)), &tenant.admin.token).await.expect(200);
    assert_eq!(timeline.body["items"][0]["action"], "created", "{}", timeline.body);

    // Forged, missing or stale signatures write nothing.
    let forged_email = unique_email("forged");
    let forged = serde_json::to_vec(&typeform_payload("resp-2", "Mallory", &forged_email)).unwrap();
    let wrong_key = typeform_signature("not-the-secret", &forged);
    post_raw(&api, &path, &[("Typeform-Signature", &wrong_key)], forged.clone()).await.expect_problem(401, None);
    post_raw(&api, &path, &[], forged.clone()).await.expect_problem(401, None);
    post_raw(&api, &path, &[("Typeform-Signature", &signature)], forged.clone()).await.expect_problem(401, None);
    assert!(leads_with_email(&api, &tenant, &forged_email).await.is_empty());

    // Signed but malformed: 422 naming the problem; too large: 413; unknown endpoint: 404.
    let malformed =
        serde_json::to_vec(&json!({"event_type": "form_response", "form_response": {"answers": []}})).unwrap();
    let signed = typeform_signature(&secret, &malformed);
    post_raw(&api, &path, &[("Typeform-Signature", &signed)], malformed)
        .await
        .expect_problem(422, Some("form_response.token"));
    let nameless = serde_json::to_vec(&json!({"form_response": {"token": "resp-3", "answers": []}})).unwrap();
    let signed = typeform_signature(&secret, &nameless);
    post_raw(&api, &path, &[("Typeform-Signature", &signed)], nameless).await.expect_problem(422, Some("name"));
    let huge = vec![b' '; 70 * 1024];
    let signed = typeform_signature(&secret, &huge);
    post_raw(&api, &path, &[("Typeform-Signature", &signed)], huge).await.expect_problem(413, None);
    let unknown = "/api/v1/webhooks/leads/typeform/01JDA5Y2ZK8Q3W4E5R6T7Y8V9K";
    post_raw(&api, unknown, &[("Typeform-Signature", &signature)], body).await.expect_problem(404, None);
}

#[tokio::test]
async fn zapier_and_generic_deliveries_need_their_endpoint_token() {
    let api = api();
    let tenant = api.sign_up().await;
    let other = api.sign_up().await;
    let admin = &tenant.admin.token;
    let zapier = api
        .post(
            "/api/v1/integrations/webhooks",
            Some(admin),
            json!({"source": "zapier", "name": "Zap", "field_map": {"first_name": "First Name"}, "tags": ["zap"]}),
        )
        .await
        .expect(201)
        .body;
    let generic = api
        .post("/api/v1/integrations/webhooks", Some(admin), json!({"source": "generic", "name": "Site"}))
        .await
        .expect(201)
        .body;
    let (zapier_token, generic_token) = (zapier["secret"].as_str().unwrap(), generic["secret"].as_str().unwrap());
    assert_eq!(path_of(&zapier), "/api/v1/webhooks/leads/zapier");

    let email = unique_email("zap");
    let zap = serde_json::to_vec(&json!({"First Name": "Grace", "last_name": "Hopper", "email": email, "zap_meta": 7}))
        .unwrap();
    let created = post_raw(&api, "/api/v1/webhooks/leads/zapier", &[("X-Webhook-Token", zapier_token)], zap.clone())
        .await
        .expect(201)
        .body;
    assert_eq!((created["name"].as_str(), created["source"].as_str()), (Some("Grace Hopper"), Some("zapier")));
    assert_eq!(created["tags"], json!(["zap"]), "the endpoint's tags are the lead's");
    for token in ["whk_wrong", generic_token, &format!("{zapier_token}x")] {
        post_raw(&api, "/api/v1/webhooks/leads/zapier", &[("X-Webhook-Token", token)], zap.clone())
            .await
            .expect_problem(401, None);
    }
    post_raw(&api, "/api/v1/webhooks/leads/zapier", &[], zap.clone()).await.expect_problem(401, None);
    let nested = serde_json::to_vec(&json!({"email": ["x"]})).unwrap();
    post_raw(&api, "/api/v1/webhooks/leads/zapier", &[("X-Webhook-Token", zapier_token)], nested)
        .await
        .expect_problem(422, Some("email"));
    assert_eq!(leads_with_email(&api, &tenant, &email).await.len(), 1);

    // The generic shape is strict, takes a bearer token, and honours Idempotency-Key.
    let bearer = format!("Bearer {generic_token}");
    let lead = json!({"name": "Linus", "email": unique_email("generic"), "tags": ["site"]});
    let headers = [("Authorization", bearer.as_str()), ("Idempotency-Key", "delivery-1")];
    let first =
        post_raw(&api, "/api/v1/webhooks/leads", &headers, serde_json::to_vec(&lead).unwrap()).await.expect(201).body;
    let second =
        post_raw(&api, "/api/v1/webhooks/leads", &headers, serde_json::to_vec(&lead).unwrap()).await.expect(201).body;
    assert_eq!(id_of(&first), id_of(&second));
    assert_eq!(first["source"], "webhook");
    let unknown_field = serde_json::to_vec(&json!({"name": "x", "status": "won"})).unwrap();
    post_raw(&api, "/api/v1/webhooks/leads", &[("Authorization", &bearer)], unknown_field)
        .await
        .expect_problem(422, Some("status"));
    post_raw(
        &api,
        "/api/v1/webhooks/leads",
        &[("Authorization", &format!("Bearer {zapier_token}"))],
        serde_json::to_vec(&lead).unwrap(),
    )
    .await
    .expect_problem(401, None);

    // Endpoints are listed without secrets, and revoking one stops its deliveries.
    let listed = api.get("/api/v1/integrations/webhooks", admin).await.expect(200).body;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
    assert!(!listed.to_string().contains(zapier_token) && listed["items"][0]["secret"].is_null());
    let zapier_path = format!("/api/v1/integrations/webhooks/{}", id_of(&zapier));
    api.delete(&zapier_path, &other.admin.token).await.expect_problem(404, None);
    api.delete(&zapier_path, admin).await.expect(204);
    api.delete(&zapier_path, admin).await.expect_problem(404, None);
    post_raw(&api, "/api/v1/webhooks/leads/zapier", &[("X-Webhook-Token", zapier_token)], zap)
        .await
        .expect_problem(401, None);
}

async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn customers(api: &Api, tenant: &Tenant) -> Vec<Value> {
    let reply = api.get("/api/v1/customers?limit=100", &tenant.admin.token).await.expect(200);
    reply.body["items"].as_array().expect("items").clone()
}

/// Runs a sync and waits until the connection shows it finished.
async fn sync(api: &Api, tenant: &Tenant) -> Value {
    sync_as(api, &tenant.admin.token).await
}

/// The browser's part of the consent flow: open the consent URL `authorize` gave (the fake signs in as
/// the address book `book`) and follow Google's redirect back to the web app; answers its state and code.
async fn consent_in_browser(authorization: &Value, book: &str) -> (String, String) {
    let url = format!("{}&login_hint={book}", authorization["authorization_url"].as_str().unwrap());
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let answer = browser.get(url).send().await.expect("the consent page answers");
    assert_eq!(answer.status(), 302, "{:?}", answer.text().await);
    let back = reqwest::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    assert!(back.as_str().starts_with("http://localhost:5173/integrations/google/callback?"), "{back}");
    let pairs: std::collections::BTreeMap<String, String> = back.query_pairs().into_owned().collect();
    (pairs["state"].clone(), pairs["code"].clone())
}

/// Connects the caller's Google account (the fake's book `book`) through the consent flow, completed by
/// the web app with the caller's token.
async fn connect_google(api: &Api, token: &str, book: &str) {
    let authorization = api.get("/api/v1/integrations/google/authorize", token).await.expect(200).body;
    let (state, code) = consent_in_browser(&authorization, book).await;
    api.post("/api/v1/integrations/google/callback", Some(token), json!({"state": state, "code": code}))
        .await
        .expect(200);
}

/// Runs a sync as the caller and waits until their connection shows it finished.
async fn sync_as(api: &Api, token: &str) -> Value {
    let before = api.get("/api/v1/integrations/google", token).await.expect(200).body["last_synced_at"].clone();
    api.post("/api/v1/integrations/google/sync", Some(token), json!({})).await.expect(202);
    // A second request while this one is queued or running is refused, not queued twice (issue #15,
    // item 15) — unless the run has already finished.
    let again = api.post("/api/v1/integrations/google/sync", Some(token), json!({})).await;
    if again.status != 202 {
        assert_eq!(again.status, 429, "{:?}", again.body);
        assert_eq!(again.header("retry-after"), Some("30"));
    } else {
        let now = api.get("/api/v1/integrations/google", token).await.expect(200).body;
        assert_ne!(now["last_synced_at"], before, "a second sync was queued while the first was pending");
    }
    let mut status = Value::Null;
    wait_for("the sync to finish", async || {
        status = api.get("/api/v1/integrations/google", token).await.expect(200).body;
        !status["last_synced_at"].is_null() && status["last_synced_at"] != before
    })
    .await;
    status
}

#[tokio::test]
async fn google_contacts_sync_imports_once_and_pushes_changes_back() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    api.post("/api/v1/integrations/google/sync", Some(token), json!({})).await.expect_problem(409, None);
    api.get("/api/v1/integrations/google", token).await.expect_problem(404, None);

    // The consent flow: a URL with a one-time state and a PKCE challenge; the web app posts the code.
    let authorization = api.get("/api/v1/integrations/google/authorize", token).await.expect(200).body;
    let url = authorization["authorization_url"].as_str().unwrap();
    assert!(url.contains("client_id=fake-client-id") && url.contains("access_type=offline"), "{url}");
    assert!(url.contains("code_challenge_method=S256") && url.contains("code_challenge="), "{url}");
    let code = format!("code-{}", tenant.id);
    let (ada, grace) = (unique_email("ada"), unique_email("grace"));
    google_book(&code, |book| {
        book.put("people/c1", "Ada Lovelace", Some(&ada), None);
        book.put("people/c2", "Grace", Some(&grace), Some("+1 202 555 0100"));
        book.put("people/c3", "Linus Torvalds", None, None);
    });
    // Grace is already a customer: she is linked by email, not imported again.
    let existing =
        api.post("/api/v1/customers", Some(token), json!({"name": "Grace", "email": grace})).await.expect(201).body;
    let (state, code) = consent_in_browser(&authorization, &code).await;
    let complete = |state: &str, code: &str| json!({"state": state, "code": code});
    let callback = "/api/v1/integrations/google/callback";
    api.post(callback, Some(token), complete("forged", &code)).await.expect_problem(409, Some("state"));
    api.post(callback, None, complete(&state, &code)).await.expect_problem(401, None);
    let connected = api.post(callback, Some(token), complete(&state, &code)).await.expect(200).body;
    assert!(connected["connected_at"].is_string() && connected["last_synced_at"].is_null());
    api.post(callback, Some(token), complete(&state, &code)).await.expect_problem(409, Some("state"));
    api.post("/api/v1/integrations/google/sync", Some(token), json!({"import_as": "prospect"}))
        .await
        .expect_problem(422, Some("import_as"));

    let status = sync(&api, &tenant).await;
    assert_eq!((status["imported"].as_u64(), status["last_error"].as_str()), (Some(2), None), "{status}");
    let all = customers(&api, &tenant).await;
    let names: std::collections::BTreeSet<_> = all.iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["Ada Lovelace", "Grace", "Linus Torvalds"].map(String::from).into(), "{all:?}");
    assert!(all.iter().all(|c| c["owner_id"] == tenant.admin.id.as_str()));
    let listings = google_book(&code, |book| book.requests.iter().filter(|r| r.ends_with("/connections")).count());
    assert!(listings >= 2, "the first listing was rate limited and retried ({listings})");

    // A second run finds nothing new.
    let status = sync(&api, &tenant).await;
    assert_eq!(status["imported"].as_u64(), Some(2), "{status}");
    assert_eq!(customers(&api, &tenant).await.len(), 3);

    // A CRM change to a linked customer reaches Google without waiting for a sync.
    let ada_customer = all.iter().find(|c| c["email"] == ada.as_str()).unwrap();
    let changed = api
        .patch(&format!("/api/v1/customers/{}", id_of(ada_customer)), token, json!({"company": "Analytical Engines"}))
        .await
        .expect(200)
        .body;
    assert_eq!(changed["company"], "Analytical Engines");
    wait_for("the change to reach Google", async || {
        google_book(&code, |book| book.entries["people/c1"].person["organizations"][0]["name"] == "Analytical Engines")
    })
    .await;

    // A change made in Google is pulled into the linked record on the next sync.
    google_book(&code, |book| book.put("people/c2", "Grace Hopper", Some(&grace), Some("+1 202 555 0100")));
    let status = sync(&api, &tenant).await;
    assert!(status["pulled"].as_u64() >= Some(1), "{status}");
    let grace_now = api.get(&format!("/api/v1/customers/{}", id_of(&existing)), token).await.expect(200).body;
    assert_eq!(grace_now["name"], "Grace Hopper");

    api.delete("/api/v1/integrations/google", token).await.expect(204);
    api.get("/api/v1/integrations/google", token).await.expect_problem(404, None);
}

/// A Sales user's address book is synced only with what they may see: another owner's customer with the
/// same email is neither linked, nor pushed into their book, nor changed by it (issue #15, item 1).
#[tokio::test]
async fn google_sync_keeps_to_what_the_connected_user_may_see() {
    let api = api();
    let tenant = api.sign_up().await;
    let sales = api.add_user(&tenant, "sales").await;
    let shared = unique_email("shared");
    let admins = api
        .post(
            "/api/v1/customers",
            Some(&tenant.admin.token),
            json!({"name": "Confidential", "email": shared, "company": "Classified Corp"}),
        )
        .await
        .expect(201)
        .body;
    let code = format!("code-{}", sales.id);
    google_book(&code, |book| book.put("people/s1", "Someone", Some(&shared), Some("+1 202 555 0111")));
    connect_google(&api, &sales.token, &code).await;
    let status = sync_as(&api, &sales.token).await;
    assert_eq!(status["pushed"], 0, "{status}");
    // Nothing of the admin's customer reached the Sales user's book, and the book changed nothing of it.
    assert!(google_book(&code, |book| book.entries["people/s1"].person["organizations"].is_null()
        || book.entries["people/s1"].person["organizations"].as_array().is_some_and(Vec::is_empty)));
    let after = api.get(&format!("/api/v1/customers/{}", id_of(&admins)), &tenant.admin.token).await.expect(200).body;
    assert_eq!((after["name"].as_str(), after["phone"].as_str()), (Some("Confidential"), None));
    // The entry became a customer of the Sales user's own.
    let mine = api.get("/api/v1/customers", &sales.token).await.expect(200).body;
    assert!(mine["items"].as_array().unwrap().iter().any(|c| c["email"] == shared.as_str()), "{mine}");
    // A later change of the admin's customer is not pushed into that book either.
    api.patch(
        &format!("/api/v1/customers/{}", id_of(&admins)),
        &tenant.admin.token,
        json!({"company": "Still Classified"}),
    )
    .await
    .expect(200);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(google_book(&code, |book| !book.entries["people/s1"].person.to_string().contains("Classified")));
}

#[tokio::test]
async fn deactivating_a_user_disconnects_their_google_sync() {
    let api = api();
    let tenant = api.sign_up().await;
    let sales = api.add_user(&tenant, "sales").await;
    let code = format!("offboarded-{}", unique_email("g"));
    connect_google(&api, &sales.token, &code).await;
    api.get("/api/v1/integrations/google", &sales.token).await.expect(200);

    let path = format!("/api/v1/users/{}", sales.id);
    api.patch(&path, &tenant.admin.token, json!({"status": "deactivated"})).await.expect(200);
    api.patch(&path, &tenant.admin.token, json!({"status": "active"})).await.expect(200);
    let back = api.sign_in(&sales.email).await;
    api.get("/api/v1/integrations/google", &back.token).await.expect_problem(404, None);
}

#[tokio::test]
async fn a_consent_link_made_by_someone_else_connects_nothing() {
    let api = api();
    let (attacker, victim) = (api.sign_up().await, api.sign_up().await);
    // The attacker starts a connection and sends the consent link; the victim opens it and consents
    // with their own Google account, and Google sends their browser back to the web app.
    let link = api.get("/api/v1/integrations/google/authorize", &attacker.admin.token).await.expect(200).body;
    let victims_book = format!("victim-{}", victim.id);
    let (state, code) = consent_in_browser(&link, &victims_book).await;
    // The web app completes it with whoever is signed in there: not the user who started it.
    let callback = "/api/v1/integrations/google/callback";
    api.post(callback, Some(&victim.admin.token), json!({"state": state, "code": code}))
        .await
        .expect_problem(403, None);
    // The state is spent, so the attacker cannot complete it either, even holding the code.
    api.post(callback, Some(&attacker.admin.token), json!({"state": state, "code": code}))
        .await
        .expect_problem(409, Some("state"));
    api.get("/api/v1/integrations/google", &attacker.admin.token).await.expect_problem(404, None);
    api.get("/api/v1/integrations/google", &victim.admin.token).await.expect_problem(404, None);

    // PKCE: a code from one consent request is useless with another request's state.
    let mine = api.get("/api/v1/integrations/google/authorize", &victim.admin.token).await.expect(200).body;
    let (_, intercepted) = consent_in_browser(&mine, &format!("intercepted-{}", victim.id)).await;
    let other = api.get("/api/v1/integrations/google/authorize", &victim.admin.token).await.expect(200).body;
    let (other_state, _) = consent_in_browser(&other, &format!("other-{}", victim.id)).await;
    api.post(callback, Some(&victim.admin.token), json!({"state": other_state, "code": intercepted}))
        .await
        .expect_problem(400, Some("code"));
}

#[tokio::test]
async fn a_google_import_waits_for_room_in_the_plan_rather_than_failing_the_sync() {
    use crm_domain::plan::{Counted, Plan};
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let book = format!("code-{}", tenant.id);
    google_book(&book, |book| book.put("people/c1", "Ada Lovelace", Some(&unique_email("ada")), None));
    connect_google(&api, token, &book).await;
    // The plan is full: the sync ends without error and imports nothing.
    let limit = Plan::Free.limits().records;
    crm_e2e::holding(&tenant, Counted::Records, limit).await;
    let status = sync(&api, &tenant).await;
    assert!(status["last_error"].is_null(), "{status}");
    assert!(customers(&api, &tenant).await.is_empty());
    // With room again, the entry is imported the next time Google says it changed (a sync reads changes).
    crm_e2e::holding(&tenant, Counted::Records, limit - 1).await;
    let ada = unique_email("ada");
    google_book(&book, |book| book.put("people/c1", "Ada Lovelace", Some(&ada), Some("+44 20 7946 0001")));
    sync(&api, &tenant).await;
    let names: Vec<Value> = customers(&api, &tenant).await.into_iter().map(|c| c["name"].clone()).collect();
    assert_eq!(names, [json!("Ada Lovelace")]);
}
