//! The route × role matrix for customers, deals, notes, timelines, conversion, activity and tags, and the
//! other tenant's view of each: Admin and Manager work on every record of their tenant, Sales on its own,
//! only Admin and Manager delete or reassign, and another tenant always gets 404.

use crm_e2e::{Api, Tenant, User, all_pages, api};
use serde_json::{Value, json};

struct Cast {
    tenant: Tenant,
    manager: User,
    sales: User,
    other_sales: User,
    stranger: Tenant,
}

async fn cast(api: &Api) -> Cast {
    let tenant = api.sign_up().await;
    // More people, keys or endpoints than a new account's Free plan has room for.
    crm_e2e::on_plan(&tenant, crm_domain::plan::Plan::Team).await;
    let manager = api.add_user(&tenant, "manager").await;
    let sales = api.add_user(&tenant, "sales").await;
    let other_sales = api.add_user(&tenant, "sales").await;
    let stranger = api.sign_up().await;
    Cast { tenant, manager, sales, other_sales, stranger }
}

/// A body that creates a record of the collection, owned by the caller.
async fn new_record(api: &Api, collection: &str, token: &str) -> Value {
    let body = match collection {
        "customers" => json!({"name": "Customer"}),
        "deals" => {
            let lead = api.create_lead(token, json!({"name": "For a deal"})).await;
            json!({"name": "Deal", "lead_id": lead["id"], "amount": {"amount_minor": 100, "currency": "EUR"}})
        }
        _ => json!({"name": "Lead"}),
    };
    api.post(&format!("/api/v1/{collection}"), Some(token), body).await.expect(201).body
}

fn id(value: &Value) -> &str {
    value["id"].as_str().unwrap()
}

#[tokio::test]
async fn record_routes_by_role_and_tenant() {
    let api = api();
    let c = cast(&api).await;
    // Leads first: creating deals below creates leads to attach them to.
    for collection in ["leads", "customers", "deals"] {
        let sales_record = new_record(&api, collection, &c.sales.token).await;
        let admin_record = new_record(&api, collection, &c.tenant.admin.token).await;
        let manager_record = new_record(&api, collection, &c.manager.token).await;
        let path = |record: &Value| format!("/api/v1/{collection}/{}", id(record));
        let list = format!("/api/v1/{collection}");

        // Lists: the whole tenant for Admin and Manager, own records for Sales, nothing across tenants.
        for token in [&c.tenant.admin.token, &c.manager.token] {
            assert_eq!(all_pages(&api, &list, token).await.concat().len(), 3, "{collection}");
        }
        assert_eq!(all_pages(&api, &list, &c.sales.token).await.concat(), [id(&sales_record)], "{collection}");
        assert!(all_pages(&api, &list, &c.other_sales.token).await.concat().is_empty(), "{collection}");
        assert!(all_pages(&api, &list, &c.stranger.admin.token).await.concat().is_empty(), "{collection}");

        // Read and change.
        for (token, record, status) in [
            (&c.tenant.admin.token, &sales_record, 200),
            (&c.manager.token, &admin_record, 200),
            (&c.sales.token, &sales_record, 200),
            (&c.sales.token, &admin_record, 404),
            (&c.other_sales.token, &sales_record, 404),
            (&c.stranger.admin.token, &sales_record, 404),
        ] {
            assert_eq!(api.get(&path(record), token).await.status, status, "GET {collection} {status}");
            assert_eq!(
                api.patch(&path(record), token, json!({"name": "Renamed"})).await.status,
                status,
                "PATCH {collection}"
            );
            let notes = format!("{}/notes", path(record));
            assert_eq!(api.get(&notes, token).await.status, status, "GET notes {collection}");
            let created = if status == 200 { 201 } else { status };
            assert_eq!(
                api.post(&notes, Some(token), json!({"body": "hi"})).await.status,
                created,
                "POST notes {collection}"
            );
            assert_eq!(
                api.get(&format!("{}/timeline", path(record)), token).await.status,
                status,
                "timeline {collection}"
            );
        }

        // Creating for someone else and reassigning: Admin and Manager only.
        let for_other = match collection {
            "deals" => {
                json!({"name": "X", "lead_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "amount": {"amount_minor": 1, "currency": "EUR"}, "owner_id": c.other_sales.id})
            }
            _ => json!({"name": "X", "owner_id": c.other_sales.id}),
        };
        api.post(&list, Some(&c.sales.token), for_other).await.expect_problem(403, None);
        api.patch(&path(&sales_record), &c.sales.token, json!({"owner_id": c.other_sales.id}))
            .await
            .expect_problem(403, None);
        api.patch(&path(&manager_record), &c.manager.token, json!({"owner_id": c.sales.id})).await.expect(200);
        api.get(&path(&manager_record), &c.sales.token).await.expect(200);
        api.patch(&path(&admin_record), &c.tenant.admin.token, json!({"owner_id": c.stranger.admin.id}))
            .await
            .expect_problem(404, Some("owner_id"));

        // Delete: never Sales, never across tenants.
        api.delete(&path(&sales_record), &c.sales.token).await.expect_problem(403, None);
        api.delete(&path(&sales_record), &c.stranger.admin.token).await.expect_problem(404, None);
        api.delete(&path(&sales_record), &c.manager.token).await.expect(204);
        api.delete(&path(&admin_record), &c.tenant.admin.token).await.expect(204);
    }
}

#[tokio::test]
async fn notes_conversion_activity_and_tags_by_role_and_tenant() {
    let api = api();
    let c = cast(&api).await;
    let lead = api.create_lead(&c.sales.token, json!({"name": "Mine", "status": "qualified", "tags": ["t"]})).await;
    let notes = format!("/api/v1/leads/{}/notes", id(&lead));
    let note = api.post(&notes, Some(&c.sales.token), json!({"body": "by sales"})).await.expect(201).body;
    let note_path = format!("{notes}/{}", id(&note));

    // Another tenant cannot touch the note, even knowing every id.
    api.patch(&note_path, &c.stranger.admin.token, json!({"body": "x"})).await.expect_problem(404, None);
    api.delete(&note_path, &c.stranger.admin.token).await.expect_problem(404, None);
    api.patch(&note_path, &c.manager.token, json!({"body": "edited by manager"})).await.expect(200);

    // Conversion: the owner, Admin or Manager; not another Sales user, not another tenant.
    let convert = format!("/api/v1/leads/{}/convert", id(&lead));
    api.post(&convert, Some(&c.other_sales.token), json!({})).await.expect_problem(404, None);
    api.post(&convert, Some(&c.stranger.admin.token), json!({})).await.expect_problem(404, None);
    let converted = api.post(&convert, Some(&c.sales.token), json!({})).await.expect(201).body;
    assert_eq!(converted["customer"]["owner_id"], c.sales.id.as_str());

    // Activity: everyone may read it; Sales sees its own actions, the other tenant nothing of ours.
    for token in [&c.tenant.admin.token, &c.manager.token, &c.sales.token, &c.other_sales.token] {
        api.get("/api/v1/activity", token).await.expect(200);
    }
    let stranger_log = api.get("/api/v1/activity?limit=100", &c.stranger.admin.token).await.expect(200).body;
    assert!(stranger_log["items"].as_array().unwrap().iter().all(|a| a["actor_id"] == c.stranger.admin.id.as_str()));
    let other_log = api.get("/api/v1/activity", &c.other_sales.token).await.expect(200).body;
    assert_eq!(other_log["items"], json!([]));

    // Tags: the tenant's own, for every role.
    for token in [&c.tenant.admin.token, &c.manager.token, &c.sales.token] {
        let tags = api.get("/api/v1/tags", token).await.expect(200).body;
        assert_eq!(tags["items"][0]["tag"], "t");
    }
    assert_eq!(api.get("/api/v1/tags", &c.stranger.admin.token).await.expect(200).body["items"], json!([]));

    // No token, no access, on every new route.
    for path in ["/api/v1/customers", "/api/v1/deals", "/api/v1/activity", "/api/v1/tags", &notes] {
        api.send(api.request(reqwest::Method::GET, path, None)).await.expect_problem(401, None);
    }
}
