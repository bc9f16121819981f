use crm_e2e::{all_pages, api, id_of as id};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn a_lead_is_created_read_changed_and_deleted() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let lead = api
        .create_lead(
            token,
            json!({"name": "Jonathan Smith", "email": "Jon@Acme.example", "phone": "+1 555 0100", "company": "Acme Corporation",
                   "source": "website", "tags": ["VIP", "q4"], "estimated_value": {"amount_minor": 1250000, "currency": "EUR"}}),
        )
        .await;
    assert_eq!(lead["status"], "new");
    assert_eq!(lead["email"], "jon@acme.example");
    assert_eq!(lead["owner_id"], tenant.admin.id.as_str());
    assert_eq!(lead["tags"], json!(["q4", "vip"]));
    assert_eq!(lead["version"], 1);
    let path = format!("/api/v1/leads/{}", id(&lead));

    let read = api.get(&path, token).await.expect(200);
    assert_eq!(read.body, lead);
    assert_eq!(read.header("etag"), Some("\"1\""));

    let changed =
        api.patch(&path, token, json!({"status": "qualified", "phone": null, "tags": ["vip"]})).await.expect(200);
    assert_eq!(changed.body["status"], "qualified");
    assert_eq!(changed.body["phone"], Value::Null);
    assert_eq!(changed.body["version"], 2);
    assert_eq!(api.get(&path, token).await.expect(200).body, changed.body);

    let unchanged = api.patch(&path, token, json!({"status": "qualified"})).await.expect(200);
    assert_eq!(unchanged.body["version"], 2);

    api.patch(&path, token, json!({"status": "converted"})).await.expect_problem(422, Some("status"));

    api.delete(&path, token).await.expect(204);
    api.get(&path, token).await.expect_problem(404, None);
    api.delete(&path, token).await.expect_problem(404, None);
}

#[tokio::test]
async fn lists_page_newest_first_without_gaps_or_repeats() {
    let api = api();
    let tenant = api.sign_up().await;
    let mut created = Vec::new();
    for n in 0..7 {
        created.push(id(&api.create_lead(&tenant.admin.token, json!({"name": format!("Lead {n}")})).await));
    }
    let pages = all_pages(&api, "/api/v1/leads?limit=3", &tenant.admin.token).await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes[..3], [3, 3, 1]);
    created.reverse();
    assert_eq!(pages.concat(), created);

    let default_page = api.get("/api/v1/leads", &tenant.admin.token).await.expect(200);
    assert_eq!(default_page.body["items"].as_array().unwrap().len(), 7);
    assert_eq!(default_page.body["next_cursor"], Value::Null);
}

#[tokio::test]
async fn lists_filter_by_status_owner_and_tag() {
    let api = api();
    let tenant = api.sign_up().await;
    let sales = api.add_user(&tenant, "sales").await;
    let admin = &tenant.admin.token;
    let hot_new = id(&api.create_lead(admin, json!({"name": "A", "tags": ["hot"]})).await);
    let hot_contacted =
        id(&api.create_lead(admin, json!({"name": "B", "tags": ["hot", "vip"], "status": "contacted"})).await);
    let sales_lead =
        id(&api.create_lead(admin, json!({"name": "C", "owner_id": sales.id, "status": "contacted"})).await);
    let cold = id(&api.create_lead(admin, json!({"name": "D", "tags": ["cold"]})).await);

    let ids = |pages: Vec<Vec<String>>| pages.concat();
    assert_eq!(
        ids(all_pages(&api, "/api/v1/leads?status=contacted", admin).await),
        [sales_lead.clone(), hot_contacted.clone()]
    );
    assert_eq!(
        ids(all_pages(&api, &format!("/api/v1/leads?owner_id={}", sales.id), admin).await),
        std::slice::from_ref(&sales_lead)
    );
    assert_eq!(ids(all_pages(&api, "/api/v1/leads?tag=HOT", admin).await), [hot_contacted.clone(), hot_new.clone()]);
    assert_eq!(ids(all_pages(&api, "/api/v1/leads?tag=hot&status=new", admin).await), std::slice::from_ref(&hot_new));
    assert_eq!(ids(all_pages(&api, "/api/v1/leads?tag=cold&limit=1", admin).await), [cold]);
    let mine = format!("/api/v1/leads?owner_id={}&status=new", tenant.admin.id);
    assert_eq!(ids(all_pages(&api, &mine, admin).await).len(), 2);

    // Retagging moves a lead between tag lists.
    api.patch(&format!("/api/v1/leads/{hot_new}"), admin, json!({"tags": ["warm"]})).await.expect(200);
    assert_eq!(ids(all_pages(&api, "/api/v1/leads?tag=hot", admin).await), [hot_contacted]);
    assert_eq!(ids(all_pages(&api, "/api/v1/leads?tag=warm", admin).await), [hot_new]);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_result() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let body = json!({"name": "Once Only"});
    let post = |key: &str, body: &Value| {
        api.request(Method::POST, "/api/v1/leads", Some(token)).header("idempotency-key", key).json(body)
    };
    let first = api.send(post("key-1", &body)).await.expect(201);
    let again = api.send(post("key-1", &body)).await.expect(201);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(all_pages(&api, "/api/v1/leads", token).await.concat(), [id(&first.body)]);

    api.send(post("key-1", &json!({"name": "Something else"}))).await.expect_problem(409, Some("Idempotency-Key"));
    let other = api.send(post("key-2", &body)).await.expect(201);
    assert_ne!(id(&other.body), id(&first.body));
}

#[tokio::test]
async fn a_stale_if_match_is_refused() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let lead = api.create_lead(token, json!({"name": "Versioned"})).await;
    let path = format!("/api/v1/leads/{}", id(&lead));
    let patch =
        |etag: &str, body: Value| api.request(Method::PATCH, &path, Some(token)).header("if-match", etag).json(&body);
    api.send(patch("\"1\"", json!({"company": "First"}))).await.expect(200);
    api.send(patch("\"1\"", json!({"company": "Second"}))).await.expect_problem(412, None);
    assert_eq!(api.get(&path, token).await.expect(200).body["company"], "First");
    let delete = api.request(Method::DELETE, &path, Some(token)).header("if-match", "\"1\"");
    api.send(delete).await.expect_problem(412, None);
}

/// Every lead route against every role: Admin and Manager work on all leads of their tenant, Sales on
/// its own only, and only Admin and Manager delete or reassign.
#[tokio::test]
async fn the_role_matrix_for_leads() {
    let api = api();
    let tenant = api.sign_up().await;
    // More people, keys or endpoints than a new account's Free plan has room for.
    crm_e2e::on_plan(&tenant, crm_domain::plan::Plan::Team).await;
    let manager = api.add_user(&tenant, "manager").await;
    let sales = api.add_user(&tenant, "sales").await;
    let other_sales = api.add_user(&tenant, "sales").await;

    // Create: everyone may; Sales always owns what it creates and cannot name another owner.
    for (user, role) in [(&tenant.admin, "admin"), (&manager, "manager"), (&sales, "sales")] {
        let lead = api.create_lead(&user.token, json!({"name": format!("{role}'s lead")})).await;
        assert_eq!(lead["owner_id"], user.id.as_str());
    }
    api.post("/api/v1/leads", Some(&sales.token), json!({"name": "X", "owner_id": other_sales.id}))
        .await
        .expect_problem(403, None);
    let assigned = api.create_lead(&manager.token, json!({"name": "For sales", "owner_id": sales.id})).await;
    let foreign =
        api.create_lead(&tenant.admin.token, json!({"name": "Not for sales", "owner_id": other_sales.id})).await;

    // List: Admin and Manager see all five, Sales only its two.
    for token in [&tenant.admin.token, &manager.token] {
        assert_eq!(all_pages(&api, "/api/v1/leads", token).await.concat().len(), 5);
    }
    let sales_sees = all_pages(&api, "/api/v1/leads", &sales.token).await.concat();
    assert_eq!(sales_sees.len(), 2);
    assert!(sales_sees.contains(&id(&assigned)));
    api.get(&format!("/api/v1/leads?owner_id={}", other_sales.id), &sales.token).await.expect_problem(403, None);

    // Read and change: Sales gets 404 for leads it does not own.
    let foreign_path = format!("/api/v1/leads/{}", id(&foreign));
    let assigned_path = format!("/api/v1/leads/{}", id(&assigned));
    api.get(&foreign_path, &sales.token).await.expect_problem(404, None);
    api.patch(&foreign_path, &sales.token, json!({"status": "contacted"})).await.expect_problem(404, None);
    api.get(&assigned_path, &sales.token).await.expect(200);
    api.patch(&assigned_path, &sales.token, json!({"status": "contacted"})).await.expect(200);
    for token in [&tenant.admin.token, &manager.token] {
        api.get(&foreign_path, token).await.expect(200);
        api.patch(&foreign_path, token, json!({"company": "Changed"})).await.expect(200);
    }

    // Reassign: Admin and Manager only, and only to active users of the tenant.
    api.patch(&assigned_path, &sales.token, json!({"owner_id": other_sales.id})).await.expect_problem(403, None);
    api.patch(&assigned_path, &manager.token, json!({"owner_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}))
        .await
        .expect_problem(404, Some("owner_id"));
    api.patch(&assigned_path, &manager.token, json!({"owner_id": other_sales.id})).await.expect(200);
    api.get(&assigned_path, &sales.token).await.expect_problem(404, None);

    // Delete: never Sales, even its own.
    let own = api.create_lead(&sales.token, json!({"name": "Mine"})).await;
    api.delete(&format!("/api/v1/leads/{}", id(&own)), &sales.token).await.expect_problem(403, None);
    api.delete(&format!("/api/v1/leads/{}", id(&own)), &manager.token).await.expect(204);
    api.delete(&foreign_path, &tenant.admin.token).await.expect(204);
}
