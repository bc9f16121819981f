//! The tenant-isolation matrix, driven by template.yaml: every HTTP route × caller {Admin, Manager, Sales
//! of the tenant, an Admin of another tenant} × bad credentials {none, expired, signed with another key,
//! `alg: none`, wrong audience}, each with its expected status. Records are owned by the tenant's Admin
//! and made fresh for every caller, so one caller's change never decides another's answer. A route in
//! the template with no row here fails the test: new routes join the matrix as they arrive.

use crm_e2e::{Api, Tenant, User, api, id_of, unique_email};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The callers, in the order of each row's expectations.
const CALLERS: [&str; 4] = ["admin", "manager", "sales", "other tenant"];

/// Routes that take no bearer token (their own proof is tested with them): token issuing, the mailed
/// one-time tokens, the documents and inbound webhooks.
const PUBLIC: &[&str] = &[
    "POST /api/v1/auth/sign_up",
    "POST /api/v1/auth/verify_email",
    "POST /api/v1/auth/password_reset",
    "POST /api/v1/auth/password_reset/confirm",
    "POST /api/v1/auth/sign_in",
    "POST /api/v1/auth/refresh",
    "POST /api/v1/auth/sign_out",
    "GET /api-docs/openapi.json",
    "GET /api-docs",
    "GET /api-docs/{file}",
    "POST /api/v1/webhooks/leads",
    "POST /api/v1/webhooks/leads/zapier",
    "POST /api/v1/webhooks/leads/typeform/{endpoint_id}",
    "POST /api/v1/webhooks/stripe",
];

/// Routes that end the caller's own sign-in, which would end the matrix's callers too: tested in
/// `auth.rs`, bad credentials included.
const ENDS_OWN_SIGN_IN: &[&str] = &["POST /api/v1/auth/sign_out_everywhere"];

/// A row: the route as template.yaml names it, the request path with fixture placeholders (`{lead}`,
/// `{lead2}`, `{customer}`, `{deal}`, `{note}`, `{user}`, `{channel}`, `{endpoint}`, `{hook}`, `{me}`), the body, and the
/// status each caller gets.
struct Row {
    route: &'static str,
    path: &'static str,
    body: Option<Value>,
    expect: [u16; 4],
}

fn row(route: &'static str, path: &'static str, body: Option<Value>, expect: [u16; 4]) -> Row {
    Row { route, path, body, expect }
}

fn rows() -> Vec<Row> {
    let lead_patch = Some(json!({"company": "Changed"}));
    vec![
        row("GET /api/v1/me", "/api/v1/me", None, [200, 200, 200, 200]),
        row("GET /api/v1/account", "/api/v1/account", None, [200, 200, 200, 200]),
        row(
            "POST /api/v1/billing/checkout",
            "/api/v1/billing/checkout",
            Some(json!({"plan": "team"})),
            [200, 403, 403, 200],
        ),
        // No subscription yet: nothing to manage in the portal.
        row("POST /api/v1/billing/portal", "/api/v1/billing/portal", None, [409, 403, 403, 409]),
        // A wrong current password: nothing changes, and each caller may try for themselves only.
        row(
            "POST /api/v1/me/password",
            "/api/v1/me/password",
            Some(json!({"current_password": "not the password", "new_password": "a brand new passphrase"})),
            [422, 422, 422, 422],
        ),
        row(
            "POST /api/v1/users",
            "/api/v1/users",
            Some(json!({"email": "{email}", "name": "New", "role": "sales", "password": crm_e2e::PASSWORD})),
            [201, 403, 403, 201],
        ),
        row("GET /api/v1/users", "/api/v1/users", None, [200, 200, 403, 200]),
        row("GET /api/v1/directory", "/api/v1/directory", None, [200, 200, 200, 200]),
        row(
            "POST /api/v1/api_keys",
            "/api/v1/api_keys",
            Some(json!({"name": "Program", "role": "sales"})),
            [201, 403, 403, 201],
        ),
        row("GET /api/v1/api_keys", "/api/v1/api_keys", None, [200, 403, 403, 200]),
        row("DELETE /api/v1/api_keys/{id}", "/api/v1/api_keys/{api_key}", None, [204, 403, 403, 404]),
        row("PATCH /api/v1/users/{id}", "/api/v1/users/{user}", Some(json!({"role": "manager"})), [200, 403, 403, 404]),
        row("POST /api/v1/leads", "/api/v1/leads", Some(json!({"name": "New lead"})), [201, 201, 201, 201]),
        row("GET /api/v1/leads", "/api/v1/leads", None, [200, 200, 200, 200]),
        row("GET /api/v1/leads/{id}", "/api/v1/leads/{lead}", None, [200, 200, 404, 404]),
        row("PATCH /api/v1/leads/{id}", "/api/v1/leads/{lead}", lead_patch.clone(), [200, 200, 404, 404]),
        row("DELETE /api/v1/leads/{id}", "/api/v1/leads/{lead}", None, [204, 204, 404, 404]),
        row("POST /api/v1/leads/{id}/convert", "/api/v1/leads/{lead}/convert", Some(json!({})), [201, 201, 404, 404]),
        row("POST /api/v1/customers", "/api/v1/customers", Some(json!({"name": "New customer"})), [201, 201, 201, 201]),
        row("GET /api/v1/customers", "/api/v1/customers", None, [200, 200, 200, 200]),
        row("GET /api/v1/customers/{id}", "/api/v1/customers/{customer}", None, [200, 200, 404, 404]),
        row("PATCH /api/v1/customers/{id}", "/api/v1/customers/{customer}", lead_patch.clone(), [200, 200, 404, 404]),
        row("DELETE /api/v1/customers/{id}", "/api/v1/customers/{customer}", None, [204, 204, 404, 404]),
        row(
            "POST /api/v1/deals",
            "/api/v1/deals",
            Some(
                json!({"name": "New deal", "customer_id": "{customer}", "amount": {"amount_minor": 1, "currency": "EUR"}}),
            ),
            [201, 201, 404, 404],
        ),
        row("GET /api/v1/deals", "/api/v1/deals", None, [200, 200, 200, 200]),
        row("GET /api/v1/deals/{id}", "/api/v1/deals/{deal}", None, [200, 200, 404, 404]),
        row("PATCH /api/v1/deals/{id}", "/api/v1/deals/{deal}", Some(json!({"name": "Changed"})), [200, 200, 404, 404]),
        row("DELETE /api/v1/deals/{id}", "/api/v1/deals/{deal}", None, [204, 204, 404, 404]),
        row("GET /api/v1/{kind}/{id}/notes", "/api/v1/leads/{lead}/notes", None, [200, 200, 404, 404]),
        row(
            "POST /api/v1/{kind}/{id}/notes",
            "/api/v1/leads/{lead}/notes",
            Some(json!({"body": "A note"})),
            [201, 201, 404, 404],
        ),
        row(
            "PATCH /api/v1/{kind}/{id}/notes/{note_id}",
            "/api/v1/leads/{lead}/notes/{note}",
            Some(json!({"body": "Changed"})),
            [200, 200, 404, 404],
        ),
        row(
            "DELETE /api/v1/{kind}/{id}/notes/{note_id}",
            "/api/v1/leads/{lead}/notes/{note}",
            None,
            [204, 204, 404, 404],
        ),
        row("GET /api/v1/{kind}/{id}/timeline", "/api/v1/leads/{lead}/timeline", None, [200, 200, 404, 404]),
        row("POST /api/v1/{kind}/{id}/pdf", "/api/v1/leads/{lead}/pdf", None, [201, 201, 404, 404]),
        row("GET /api/v1/{kind}/{id}/duplicates", "/api/v1/leads/{lead}/duplicates", None, [200, 200, 404, 404]),
        row(
            "POST /api/v1/{kind}/{id}/merge",
            "/api/v1/leads/{lead}/merge",
            Some(json!({"duplicate_id": "{lead2}"})),
            [202, 202, 404, 404],
        ),
        row("GET /api/v1/activity", "/api/v1/activity", None, [200, 200, 200, 200]),
        // GraphQL answers 200 to every signed-in caller; graphql.rs tests what each one sees.
        row(
            "POST /api/v1/graphql",
            "/api/v1/graphql",
            Some(json!({"query": "{ lead(id: \"{lead}\") { name } }"})),
            [200, 200, 200, 200],
        ),
        row("GET /api/v1/tags", "/api/v1/tags", None, [200, 200, 200, 200]),
        row("GET /api/v1/dashboard", "/api/v1/dashboard", None, [200, 200, 200, 200]),
        row("POST /api/v1/dashboard/pdf", "/api/v1/dashboard/pdf", None, [201, 201, 201, 201]),
        row("POST /api/v1/dashboard/rebuild", "/api/v1/dashboard/rebuild", None, [202, 403, 403, 202]),
        // No such job of the tenant (nor of the caller): 404 to everyone.
        row("GET /api/v1/jobs/{id}", "/api/v1/jobs/{user}", None, [404, 404, 404, 404]),
        row("POST /api/v1/exports", "/api/v1/exports", Some(json!({"kind": "lead"})), [202, 202, 202, 202]),
        row("POST /api/v1/uploads", "/api/v1/uploads", Some(json!({"bytes": 12})), [201, 201, 201, 201]),
        // Nobody's upload: an upload is found only under its own user's prefix (imports.rs puts real ones).
        row(
            "POST /api/v1/imports",
            "/api/v1/imports",
            Some(json!({"kind": "lead", "upload_id": "{user}"})),
            [404, 404, 404, 404],
        ),
        row("GET /api/v1/integrations/slack", "/api/v1/integrations/slack", None, [200, 403, 403, 404]),
        row("DELETE /api/v1/integrations/slack", "/api/v1/integrations/slack", None, [204, 403, 403, 404]),
        // After the two above: until then the other tenant has no Slack settings of its own.
        row(
            "POST /api/v1/integrations/slack",
            "/api/v1/integrations/slack",
            Some(json!({"webhook_url": "https://hooks.slack.com/services/T0/B0/isolation"})),
            [200, 403, 403, 200],
        ),
        row(
            "POST /api/v1/integrations/webhooks",
            "/api/v1/integrations/webhooks",
            Some(json!({"source": "generic", "name": "Site"})),
            [201, 403, 403, 201],
        ),
        row("GET /api/v1/integrations/webhooks", "/api/v1/integrations/webhooks", None, [200, 403, 403, 200]),
        row(
            "DELETE /api/v1/integrations/webhooks/{id}",
            "/api/v1/integrations/webhooks/{endpoint}",
            None,
            [204, 403, 403, 404],
        ),
        row(
            "GET /api/v1/integrations/google/authorize",
            "/api/v1/integrations/google/authorize",
            None,
            [200, 200, 200, 200],
        ),
        // A state nobody started: every caller is refused before Google is asked.
        row(
            "POST /api/v1/integrations/google/callback",
            "/api/v1/integrations/google/callback",
            Some(json!({"state": "{unique}", "code": "c"})),
            [409, 409, 409, 409],
        ),
        row("GET /api/v1/integrations/google", "/api/v1/integrations/google", None, [404, 404, 404, 404]),
        row("DELETE /api/v1/integrations/google", "/api/v1/integrations/google", None, [404, 404, 404, 404]),
        row(
            "POST /api/v1/integrations/google/sync",
            "/api/v1/integrations/google/sync",
            Some(json!({})),
            [409, 409, 409, 409],
        ),
        row("GET /api/v1/channels", "/api/v1/channels", None, [200, 200, 200, 200]),
        row("POST /api/v1/channels", "/api/v1/channels", Some(json!({"name": "{unique}"})), [201, 201, 201, 201]),
        row(
            "POST /api/v1/channels/{id}/members",
            "/api/v1/channels/{channel}/members",
            Some(json!({"user_ids": ["{me}"]})),
            [204, 204, 204, 404],
        ),
        row("GET /api/v1/messages", "/api/v1/messages?channel={channel}", None, [200, 200, 200, 404]),
        row(
            "POST /api/v1/messages",
            "/api/v1/messages",
            Some(json!({"channel_id": "{channel}", "body": "Hello"})),
            [201, 403, 403, 404],
        ),
        row("GET /api/v1/presence", "/api/v1/presence", None, [200, 200, 200, 200]),
        // Each caller's own inbox: there is no way to name another user's, so every caller gets its own.
        row("GET /api/v1/notifications", "/api/v1/notifications?unread=true", None, [200, 200, 200, 200]),
        row("GET /api/v1/notifications/unread_count", "/api/v1/notifications/unread_count", None, [200, 200, 200, 200]),
        row("POST /api/v1/notifications/{id}/read", "/api/v1/notifications/{user}/read", None, [404, 404, 404, 404]),
        row("POST /api/v1/notifications/read_all", "/api/v1/notifications/read_all", None, [200, 200, 200, 200]),
        row("GET /api/v1/notifications/preferences", "/api/v1/notifications/preferences", None, [200, 200, 200, 200]),
        row(
            "PATCH /api/v1/notifications/preferences",
            "/api/v1/notifications/preferences",
            Some(json!({"mention": true})),
            [200, 200, 200, 200],
        ),
        row(
            "POST /api/v1/webhook_endpoints",
            "/api/v1/webhook_endpoints",
            Some(json!({"url": "https://hooks.example.com/isolation", "events": ["lead.created"]})),
            [201, 403, 403, 201],
        ),
        row("GET /api/v1/webhook_endpoints", "/api/v1/webhook_endpoints", None, [200, 403, 403, 200]),
        row(
            "PATCH /api/v1/webhook_endpoints/{id}",
            "/api/v1/webhook_endpoints/{hook}",
            Some(json!({"description": "Changed {unique}"})),
            [200, 403, 403, 404],
        ),
        row(
            "POST /api/v1/webhook_endpoints/{id}/rotate_secret",
            "/api/v1/webhook_endpoints/{hook}/rotate_secret",
            None,
            [200, 403, 403, 404],
        ),
        row(
            "GET /api/v1/webhook_endpoints/{id}/deliveries",
            "/api/v1/webhook_endpoints/{hook}/deliveries",
            None,
            [200, 403, 403, 404],
        ),
        // No such delivery of the endpoint: Admins get 404, others may not follow deliveries at all.
        row(
            "POST /api/v1/webhook_endpoints/{id}/deliveries/{delivery_id}/redeliver",
            "/api/v1/webhook_endpoints/{hook}/deliveries/{user}/redeliver",
            None,
            [404, 403, 403, 404],
        ),
        row("DELETE /api/v1/webhook_endpoints/{id}", "/api/v1/webhook_endpoints/{hook}", None, [204, 403, 403, 404]),
        row("GET /api/v1/search", "/api/v1/search?q=fixture", None, [200, 200, 200, 200]),
        row("POST /api/v1/search/reindex", "/api/v1/search/reindex", None, [202, 403, 403, 202]),
    ]
}

/// The route keys the template serves, as `METHOD /path`.
fn template_routes() -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    let template = crm_local_gateway::template::Template::load(&path).expect("template.yaml");
    template.routes.iter().map(|r| r.route_key()).collect()
}

struct Cast {
    tenant: Tenant,
    manager: User,
    sales: User,
    other: Tenant,
    /// A program's API key acting as a Manager.
    key: User,
}

/// What a Manager-scoped API key gets on a row: what a Manager gets, unless a row below says why not.
fn key_expectation(row: &Row) -> u16 {
    row.expect[1]
}

/// Records of the tenant, owned by its Admin, made for one caller's request.
async fn fixtures(api: &Api, cast: &Cast, row: &Row) -> BTreeMap<&'static str, String> {
    let admin = &cast.tenant.admin.token;
    let needs = |name: &str| row.path.contains(name) || row.body.as_ref().is_some_and(|b| b.to_string().contains(name));
    let mut ids = BTreeMap::new();
    let create = async |path: &str, body: Value| id_of(&api.post(path, Some(admin), body).await.expect(201).body);
    if needs("{lead}") || needs("{note}") {
        ids.insert("{lead}", create("/api/v1/leads", json!({"name": "Fixture lead", "status": "qualified"})).await);
    }
    if needs("{lead2}") {
        ids.insert("{lead2}", create("/api/v1/leads", json!({"name": "Fixture duplicate"})).await);
    }
    if needs("{customer}") || needs("{deal}") {
        ids.insert("{customer}", create("/api/v1/customers", json!({"name": "Fixture customer"})).await);
    }
    if needs("{deal}") {
        let body = json!({"name": "Fixture deal", "customer_id": ids["{customer}"], "amount": {"amount_minor": 5, "currency": "EUR"}});
        ids.insert("{deal}", create("/api/v1/deals", body).await);
    }
    if needs("{note}") {
        ids.insert(
            "{note}",
            create(&format!("/api/v1/leads/{}/notes", ids["{lead}"]), json!({"body": "Fixture"})).await,
        );
    }
    if needs("{user}") {
        let body =
            json!({"email": unique_email("target"), "name": "Target", "role": "sales", "password": crm_e2e::PASSWORD});
        let reply = api.post("/api/v1/users", Some(admin), body).await.expect(201).body;
        ids.insert("{user}", reply["id"].as_str().or(reply["user"]["id"].as_str()).expect("user id").to_owned());
    }
    if needs("{channel}") {
        let name = format!("fixture-{}", unique_email("c").replace(['@', '.'], "-"));
        ids.insert("{channel}", create("/api/v1/channels", json!({"name": name})).await);
    }
    if needs("{endpoint}") {
        ids.insert(
            "{endpoint}",
            create("/api/v1/integrations/webhooks", json!({"source": "generic", "name": "Fixture"})).await,
        );
    }
    if needs("{hook}") {
        // An account holds at most 10 endpoints: the fixture is the one there is, made when there is none.
        let listed = api.get("/api/v1/webhook_endpoints", admin).await.expect(200).body;
        let id = match listed["items"][0]["id"].as_str() {
            Some(id) => id.to_owned(),
            None => {
                let body = json!({"url": "https://hooks.example.com/fixture", "events": ["deal.won"]});
                create("/api/v1/webhook_endpoints", body).await
            }
        };
        ids.insert("{hook}", id);
    }
    if needs("{api_key}") {
        ids.insert("{api_key}", create("/api/v1/api_keys", json!({"name": "Fixture", "role": "sales"})).await);
    }
    if row.route == "GET /api/v1/integrations/slack" || row.route == "DELETE /api/v1/integrations/slack" {
        let slack = json!({"webhook_url": "https://hooks.slack.com/services/T0/B0/fixture"});
        api.post("/api/v1/integrations/slack", Some(admin), slack).await.expect(200);
    }
    ids
}

fn fill(text: &str, ids: &BTreeMap<&'static str, String>, me: &str) -> String {
    let mut text = text.replace("{me}", me).replace("{email}", &unique_email("made"));
    text = text.replace("{unique}", &format!("c-{}", unique_email("n").replace(['@', '.'], "-")));
    for (placeholder, id) in ids {
        text = text.replace(placeholder, id);
    }
    text
}

async fn send(
    api: &Api,
    row: &Row,
    token: Option<&str>,
    ids: &BTreeMap<&'static str, String>,
    me: &str,
) -> crm_e2e::Reply {
    let method = Method::from_bytes(row.route.split(' ').next().unwrap().as_bytes()).unwrap();
    let mut request = api.request(method, &fill(row.path, ids, me), token);
    if let Some(body) = &row.body {
        let body: Value = serde_json::from_str(&fill(&body.to_string(), ids, me)).unwrap();
        request = request.json(&body);
    }
    api.send(request).await
}

/// Tokens that must never work: expired, signed with another key, unsigned, for another audience.
fn bad_tokens(valid: &str) -> Vec<(&'static str, String)> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims: Value = serde_json::from_slice(&engine.decode(valid.split('.').nth(1).unwrap()).unwrap()).unwrap();
    let file = std::env::var("LOCAL_JWT_SIGNING_KEY_FILE").expect("infra/test.sh names the local signing key");
    let private = std::fs::read_to_string(file).expect("the local signing key");
    let ours = jsonwebtoken::EncodingKey::from_ed_pem(private.as_bytes()).unwrap();
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let theirs = aws_lc_rs::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let theirs = jsonwebtoken::EncodingKey::from_ed_der(theirs.as_ref());
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    let sign = |claims: &Value, key: &jsonwebtoken::EncodingKey| jsonwebtoken::encode(&header, claims, key).unwrap();
    let now = claims["iat"].as_i64().unwrap();
    let mut expired_claims = claims.clone();
    expired_claims["iat"] = json!(now - 3600);
    expired_claims["exp"] = json!(now - 60);
    let mut other_audience = claims.clone();
    other_audience["aud"] = json!("another-api");
    let unsigned =
        format!("{}.{}.", engine.encode(br#"{"alg":"none","typ":"JWT"}"#), engine.encode(claims.to_string()));
    vec![
        ("no token", String::new()),
        ("expired", sign(&expired_claims, &ours)),
        ("another key", sign(&claims, &theirs)),
        ("alg: none", unsigned),
        ("wrong audience", sign(&other_audience, &ours)),
    ]
}

#[tokio::test]
async fn every_route_by_caller_and_credentials() {
    let api = api();
    let rows = rows();
    let covered: Vec<&str> =
        rows.iter().map(|r| r.route).chain(PUBLIC.iter().chain(ENDS_OWN_SIGN_IN).copied()).collect();
    for route in template_routes() {
        assert!(covered.contains(&route.as_str()), "{route} is in template.yaml but not in the isolation matrix");
    }
    for row in &rows {
        assert!(template_routes().contains(&row.route.to_owned()), "{} is not a route of template.yaml", row.route);
    }
    let tenant = api.sign_up().await;
    // More people, keys or endpoints than a new account's Free plan has room for.
    crm_e2e::on_plan(&tenant, crm_domain::plan::Plan::Business).await;
    let manager = api.add_user(&tenant, "manager").await;
    let sales = api.add_user(&tenant, "sales").await;
    let other = api.sign_up().await;
    // More people, keys or endpoints than a new account's Free plan has room for.
    crm_e2e::on_plan(&other, crm_domain::plan::Plan::Business).await;
    let made = api
        .post("/api/v1/api_keys", Some(&tenant.admin.token), json!({"name": "Matrix", "role": "manager"}))
        .await
        .expect(201)
        .body;
    let key = User {
        id: id_of(&made),
        email: String::new(),
        token: made["key"].as_str().expect("the key").to_owned(),
        refresh: String::new(),
    };
    let cast = Cast { tenant, manager, sales, other, key };
    let callers = [&cast.tenant.admin, &cast.manager, &cast.sales, &cast.other.admin];
    let bad = bad_tokens(&cast.tenant.admin.token);
    let mut mismatches = Vec::new();
    for row in &rows {
        for (caller, (name, expected)) in callers.iter().zip(CALLERS.iter().zip(row.expect)) {
            let ids = fixtures(&api, &cast, row).await;
            let reply = send(&api, row, Some(&caller.token), &ids, &caller.id).await;
            if reply.status != expected {
                mismatches
                    .push(format!("{} as {name}: {} (expected {expected}) {}", row.route, reply.status, reply.body));
            }
            if *name == "other tenant" {
                // The problem document's `instance` repeats the caller's own request path.
                let mut body = reply.body.clone();
                body.as_object_mut().map(|o| o.remove("instance"));
                let text = body.to_string();
                if let Some((_, id)) = ids.iter().find(|(_, id)| text.contains(id.as_str())) {
                    mismatches.push(format!("{} as {name}: the answer shows the tenant's {id}", row.route));
                }
            }
        }
        // A key works wherever a token does, as the role it was given.
        let ids = fixtures(&api, &cast, row).await;
        let reply = send(&api, row, Some(&cast.key.token), &ids, &cast.key.id).await;
        if reply.status != key_expectation(row) {
            let expected = key_expectation(row);
            mismatches
                .push(format!("{} as an API key: {} (expected {expected}) {}", row.route, reply.status, reply.body));
        }
        let ids = fixtures(&api, &cast, row).await;
        for (name, token) in &bad {
            let reply =
                send(&api, row, Some(token.as_str()).filter(|t| !t.is_empty()), &ids, &cast.tenant.admin.id).await;
            let problem = reply.header("content-type") == Some("application/problem+json");
            if reply.status != 401 || !problem {
                mismatches.push(format!("{} with {name}: {} {}", row.route, reply.status, reply.body));
            }
        }
    }
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}
