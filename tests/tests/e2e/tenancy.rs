use crm_e2e::{all_pages, api};
use serde_json::json;

/// Tenant B can neither read, list, page into, change nor delete tenant A's leads, whatever ids and
/// cursors it learns.
#[tokio::test]
async fn another_tenants_leads_are_invisible() {
    let api = api();
    let a = api.sign_up().await;
    let b = api.sign_up().await;
    let mut a_leads = Vec::new();
    for n in 0..3 {
        let lead = api
            .create_lead(
                &a.admin.token,
                json!({"name": format!("A{n}"), "tags": ["shared-tag"], "status": "contacted"}),
            )
            .await;
        a_leads.push(lead["id"].as_str().unwrap().to_owned());
    }
    let b_lead = api.create_lead(&b.admin.token, json!({"name": "B0", "tags": ["shared-tag"]})).await;
    let b_lead = b_lead["id"].as_str().unwrap().to_owned();

    for lead in &a_leads {
        let path = format!("/api/v1/leads/{lead}");
        api.get(&path, &b.admin.token).await.expect_problem(404, None);
        api.patch(&path, &b.admin.token, json!({"name": "stolen"})).await.expect_problem(404, None);
        api.delete(&path, &b.admin.token).await.expect_problem(404, None);
    }
    for query in ["", "?tag=shared-tag", "?status=contacted", &format!("?owner_id={}", a.admin.id)] {
        let seen = all_pages(&api, &format!("/api/v1/leads{query}"), &b.admin.token).await.concat();
        assert!(seen.iter().all(|id| !a_leads.contains(id)), "{query}: {seen:?}");
    }
    assert_eq!(all_pages(&api, "/api/v1/leads", &b.admin.token).await.concat(), [b_lead]);

    // A's cursor does not page into A's list from B, nor into another list of A's.
    let page = api.get("/api/v1/leads?limit=1", &a.admin.token).await.expect(200);
    let cursor = page.body["next_cursor"].as_str().expect("a second page").to_owned();
    api.get(&format!("/api/v1/leads?limit=1&cursor={cursor}"), &b.admin.token)
        .await
        .expect_problem(400, Some("cursor"));
    api.get(&format!("/api/v1/leads?limit=1&status=contacted&cursor={cursor}"), &a.admin.token)
        .await
        .expect_problem(400, Some("cursor"));
    api.get(&format!("/api/v1/leads?limit=1&cursor={cursor}"), &a.admin.token).await.expect(200);

    // A's users are not B's to manage, and A's records are unchanged.
    api.patch(&format!("/api/v1/users/{}", a.admin.id), &b.admin.token, json!({"role": "sales"}))
        .await
        .expect_problem(404, None);
    api.post("/api/v1/leads", Some(&b.admin.token), json!({"name": "X", "owner_id": a.admin.id}))
        .await
        .expect_problem(404, Some("owner_id"));
    for lead in &a_leads {
        assert_eq!(api.get(&format!("/api/v1/leads/{lead}"), &a.admin.token).await.expect(200).body["version"], 1);
    }
}
