use crm_e2e::{PASSWORD, all_pages, api, unique_email};
use serde_json::json;

#[tokio::test]
async fn an_admin_manages_users_and_roles() {
    let api = api();
    let tenant = api.sign_up().await;
    let manager = api.add_user(&tenant, "manager").await;
    let sales = api.add_user(&tenant, "sales").await;

    let pages = all_pages(&api, "/api/v1/users?limit=1", &manager.token).await;
    let ids: Vec<String> = pages.concat();
    assert_eq!(ids, [tenant.admin.id.clone(), manager.id.clone(), sales.id.clone()]);
    assert!(pages.iter().all(|p| p.len() <= 1));

    let promoted = api
        .patch(&format!("/api/v1/users/{}", sales.id), &tenant.admin.token, json!({"role": "manager"}))
        .await
        .expect(200);
    assert_eq!(promoted.body["role"], "manager");
    assert_eq!(promoted.body["version"], 2);
    assert_eq!(promoted.header("etag"), Some("\"2\""));
    // The new role applies to the token already held.
    api.get("/api/v1/users", &sales.token).await.expect(200);
}

#[tokio::test]
async fn only_admins_change_users_and_never_themselves() {
    let api = api();
    let tenant = api.sign_up().await;
    let manager = api.add_user(&tenant, "manager").await;
    let sales = api.add_user(&tenant, "sales").await;
    let new_user = json!({"email": unique_email("x"), "name": "X", "role": "sales", "password": PASSWORD});

    api.post("/api/v1/users", Some(&manager.token), new_user.clone()).await.expect_problem(403, None);
    api.post("/api/v1/users", Some(&sales.token), new_user).await.expect_problem(403, None);
    api.get("/api/v1/users", &sales.token).await.expect_problem(403, None);
    api.patch(&format!("/api/v1/users/{}", sales.id), &manager.token, json!({"role": "admin"}))
        .await
        .expect_problem(403, None);
    api.patch(&format!("/api/v1/users/{}", tenant.admin.id), &tenant.admin.token, json!({"status": "deactivated"}))
        .await
        .expect_problem(403, None);
    api.patch(&format!("/api/v1/users/{}", sales.id), &tenant.admin.token, json!({"role": "owner"}))
        .await
        .expect_problem(422, Some("role"));
}

#[tokio::test]
async fn user_changes_honour_if_match() {
    let api = api();
    let tenant = api.sign_up().await;
    let sales = api.add_user(&tenant, "sales").await;
    let path = format!("/api/v1/users/{}", sales.id);
    let stale = api
        .request(reqwest::Method::PATCH, &path, Some(&tenant.admin.token))
        .header("if-match", "\"7\"")
        .json(&json!({"name": "B"}));
    api.send(stale).await.expect_problem(412, None);
    let fresh = api
        .request(reqwest::Method::PATCH, &path, Some(&tenant.admin.token))
        .header("if-match", "\"1\"")
        .json(&json!({"name": "B"}));
    assert_eq!(api.send(fresh).await.expect(200).body["name"], "B");
}
