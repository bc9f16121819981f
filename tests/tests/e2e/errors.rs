use crm_e2e::api;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn bad_bodies_get_problem_details_naming_the_field() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let raw = |body: &str| {
        api.request(Method::POST, "/api/v1/leads", Some(token))
            .header("content-type", "application/json")
            .body(body.to_owned())
    };

    api.send(raw("{\"name\": ")).await.expect_problem(400, None);
    api.send(raw("")).await.expect_problem(400, None);
    api.send(raw("[]")).await.expect_problem(422, None);
    api.send(raw("{\"name\": 42}")).await.expect_problem(422, Some("name"));
    api.send(raw("{}")).await.expect_problem(422, None);
    api.send(raw("{\"name\": \"A\", \"tenant_id\": \"x\"}")).await.expect_problem(422, Some("tenant_id"));
    api.send(raw("{\"name\": \"A\", \"estimated_value\": {\"amount_minor\": 1.5, \"currency\": \"EUR\"}}"))
        .await
        .expect_problem(422, Some("estimated_value.amount_minor"));
    let invalid_utf8 = api
        .request(Method::POST, "/api/v1/leads", Some(token))
        .header("content-type", "application/json")
        .body(vec![b'{', 0xff, b'}']);
    api.send(invalid_utf8).await.expect_problem(400, None);
    let form = api
        .request(Method::POST, "/api/v1/leads", Some(token))
        .header("content-type", "text/plain")
        .body("{\"name\":\"A\"}");
    api.send(form).await.expect_problem(415, None);
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(100 * 1024));
    api.send(raw(&huge)).await.expect_problem(413, None);
    let deep = format!("{{\"name\": \"A\", \"tags\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let status = api.send(raw(&deep)).await.status;
    assert!((400..500).contains(&status), "{status}");

    for (body, field) in [
        (json!({"name": "x".repeat(201)}), "name"),
        (json!({"name": "  "}), "name"),
        (json!({"name": "A", "email": "not-an-email"}), "email"),
        (json!({"name": "A", "phone": "call me maybe"}), "phone"),
        (json!({"name": "A", "status": "won"}), "status"),
        (json!({"name": "A", "tags": ["ok", "bad#tag"]}), "tags[1]"),
        (
            json!({"name": "A", "estimated_value": {"amount_minor": -5, "currency": "EUR"}}),
            "estimated_value.amount_minor",
        ),
        (json!({"name": "A", "estimated_value": {"amount_minor": 5, "currency": "euro"}}), "estimated_value.currency"),
        (json!({"name": "A", "owner_id": "nope"}), "owner_id"),
    ] {
        api.post("/api/v1/leads", Some(token), body).await.expect_problem(422, Some(field));
    }
    let sign_up = api
        .post("/api/v1/auth/sign_up", None, json!({"account_name": "", "name": "", "email": "x", "password": "short"}))
        .await;
    let sign_up = sign_up.expect_problem(422, Some("account_name"));
    assert_eq!(sign_up.body["errors"].as_array().unwrap().len(), 4);

    // Nothing of the refused requests was written.
    let list = api.get("/api/v1/leads", token).await.expect(200);
    assert_eq!(list.body["items"], json!([]));
}

#[tokio::test]
async fn bad_query_parameters_and_ids_are_client_errors() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=100000000000000000000", "limit"),
        ("limit=ten", "limit"),
        ("status=won", "status"),
        ("owner_id=someone", "owner_id"),
        ("tag=a%23b", "tag"),
        ("cursor=garbage", "cursor"),
        ("cursor=eyJzIjoiIiwiayI6e319", "cursor"),
        ("colour=red", "colour"),
        ("limit=1&limit=2", "limit"),
    ] {
        api.get(&format!("/api/v1/leads?{query}"), token).await.expect_problem(400, Some(field));
    }
    api.get("/api/v1/leads?limit=100", token).await.expect(200);
    api.get("/api/v1/leads/not-an-id", token).await.expect_problem(404, None);
    api.get("/api/v1/leads/01ARZ3NDEKTSV4RRFFQ69G5FAV", token).await.expect_problem(404, None);
    let unknown = api.get("/api/v1/nothing-here", token).await.expect(404);
    assert_eq!(unknown.body, json!({"message": "Not Found"}));
}

#[tokio::test]
async fn cors_is_answered_as_the_http_api_configures_it() {
    let api = api();
    let preflight = api
        .request(Method::OPTIONS, "/api/v1/leads", None)
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type");
    let preflight = api.send(preflight).await.expect(204);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("http://localhost:5173"));
    assert!(preflight.header("access-control-allow-headers").unwrap().contains("idempotency-key"));
    let tenant = api.sign_up().await;
    let get =
        api.request(Method::GET, "/api/v1/me", Some(&tenant.admin.token)).header("origin", "http://localhost:5173");
    let get = api.send(get).await.expect(200);
    assert_eq!(get.header("access-control-allow-origin"), Some("http://localhost:5173"));
    assert!(get.header("access-control-expose-headers").unwrap().contains("etag"));
    // Only the web app's origins: another site's page may not read the API's answers (issue #15, item 17).
    let elsewhere = api
        .request(Method::OPTIONS, "/api/v1/leads", None)
        .header("origin", "https://elsewhere.example")
        .header("access-control-request-method", "POST");
    let elsewhere = api.send(elsewhere).await;
    assert_eq!(elsewhere.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn swagger_ui_and_the_openapi_document_are_served() {
    let api = api();
    let spec = api.send(api.request(Method::GET, "/api-docs/openapi.json", None)).await.expect(200);
    assert!(spec.body["paths"]["/api/v1/leads"]["post"].is_object());
    assert!(spec.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let page = api.send(api.request(Method::GET, "/api-docs", None)).await.expect(200);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    let html = page.body.as_str().unwrap_or_default().to_owned();
    assert!(html.contains("swagger-ui") && html.contains("<base href=\"/api-docs/\">"), "{html}");
    let initializer = api.send(api.request(Method::GET, "/api-docs/swagger-initializer.js", None)).await.expect(200);
    assert!(initializer.body.as_str().unwrap_or_default().contains("/api-docs/openapi.json"));
    api.send(api.request(Method::GET, "/api-docs/swagger-ui-bundle.js", None)).await.expect(200);
    api.send(api.request(Method::GET, "/api-docs/nothing.js", None)).await.expect_problem(404, None);
}
