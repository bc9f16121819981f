//! Merging duplicates (issue #20): one record is left with everything of both — fields, tags, notes,
//! timeline, deals and the conversion — and the duplicate answers 404 with a pointer to it.

use crm_e2e::{Api, all_pages, api, finished_job, id_of};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Every item of a paged list, as JSON.
async fn every(api: &Api, path: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut next = Some(path.to_owned());
    while let Some(page) = next {
        let body = api.get(&page, token).await.expect(200).body;
        items.extend(body["items"].as_array().unwrap().iter().cloned());
        next = body["next_cursor"].as_str().map(|c| format!("{path}?cursor={c}"));
    }
    items
}

fn ids(items: &[Value]) -> BTreeSet<String> {
    items.iter().map(id_of).collect()
}

fn amount(minor: i64) -> Value {
    json!({"amount_minor": minor, "currency": "EUR"})
}

#[tokio::test]
async fn a_merge_leaves_one_record_with_everything_of_both() {
    let api = api();
    let a = api.sign_up().await;
    let token = &a.admin.token;
    let survivor = id_of(
        &api.create_lead(token, json!({"name": "Ada Lovelace", "email": "ada@engine.example", "tags": ["vip"]})).await,
    );
    let duplicate = id_of(
        &api.create_lead(
            token,
            json!({"name": "Ada L.", "email": "countess@engine.example", "phone": "+44 20 7946 0000",
                "company": "Analytical Engines", "tags": ["fair", "vip"], "estimated_value": amount(90_000)}),
        )
        .await,
    );
    let other = id_of(&api.create_lead(token, json!({"name": "Charles Babbage"})).await);
    // More notes than one move takes, on both; a status change on the duplicate's timeline.
    for n in 0..30 {
        let body = json!({"body": format!("Duplicate's note {n}")});
        api.post(&format!("/api/v1/leads/{duplicate}/notes"), Some(token), body).await.expect(201);
    }
    for n in 0..2 {
        let body = json!({"body": format!("Survivor's note {n}")});
        api.post(&format!("/api/v1/leads/{survivor}/notes"), Some(token), body).await.expect(201);
    }
    api.patch(&format!("/api/v1/leads/{duplicate}"), token, json!({"status": "contacted"})).await.expect(200);
    let deal = |lead: &str, name: &str| json!({"name": name, "lead_id": lead, "amount": amount(1_000)});
    let moving_deal = id_of(&api.post("/api/v1/deals", Some(token), deal(&duplicate, "Engine")).await.expect(201).body);
    let staying_deal = id_of(&api.post("/api/v1/deals", Some(token), deal(&other, "Mill")).await.expect(201).body);
    let notes_before: BTreeSet<String> = ids(&every(&api, &format!("/api/v1/leads/{duplicate}/notes"), token).await)
        .union(&ids(&every(&api, &format!("/api/v1/leads/{survivor}/notes"), token).await))
        .cloned()
        .collect();
    let duplicate_entries = ids(&every(&api, &format!("/api/v1/leads/{duplicate}/timeline"), token).await);
    let survivor_entries = ids(&every(&api, &format!("/api/v1/leads/{survivor}/timeline"), token).await);
    let before = api.get(&format!("/api/v1/leads/{survivor}"), token).await.expect(200).body;

    let path = format!("/api/v1/leads/{survivor}/merge");
    let job = finished_job(&api, &path, token, json!({"duplicate_id": duplicate})).await;
    assert_eq!(job["kind"], "merge", "{job}");
    assert_eq!(job["result"], json!({"notes": 30, "entries": duplicate_entries.len(), "deals": 1}), "{job}");

    // The survivor's own fields stay; the duplicate's fill the empty ones; the tags are both's.
    let merged = api.get(&format!("/api/v1/leads/{survivor}"), token).await.expect(200).body;
    assert_eq!(merged["name"], "Ada Lovelace");
    assert_eq!(merged["email"], "ada@engine.example");
    assert_eq!(merged["phone"], "+44 20 7946 0000");
    assert_eq!(merged["company"], "Analytical Engines");
    assert_eq!(merged["estimated_value"], amount(90_000));
    assert_eq!(merged["tags"], json!(["vip", "fair"]));
    assert_eq!(merged["version"], before["version"].as_u64().unwrap() + 1);

    // Every note of both, every entry of both and the merge; the deal follows, the other stays.
    let notes = every(&api, &format!("/api/v1/leads/{survivor}/notes"), token).await;
    assert_eq!(ids(&notes), notes_before);
    assert!(notes.iter().all(|n| n["record_id"] == survivor.as_str()), "{notes:?}");
    let timeline = every(&api, &format!("/api/v1/leads/{survivor}/timeline"), token).await;
    let entries = ids(&timeline);
    assert!(entries.is_superset(&duplicate_entries) && entries.is_superset(&survivor_entries));
    assert_eq!(entries.len(), duplicate_entries.len() + survivor_entries.len() + 1);
    let merge_entry = &timeline[0];
    assert_eq!(
        (&merge_entry["action"], &merge_entry["related"]["duplicate_id"]),
        (&json!("merged"), &json!(duplicate))
    );
    let changed: Vec<&str> =
        merge_entry["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(changed, ["company", "estimated_value", "phone", "tags"]);
    let moved = api.get(&format!("/api/v1/deals/{moving_deal}"), token).await.expect(200).body;
    assert_eq!(moved["lead_id"], survivor.as_str());
    let stayed = api.get(&format!("/api/v1/deals/{staying_deal}"), token).await.expect(200).body;
    assert_eq!((&stayed["lead_id"], &stayed["version"]), (&json!(other), &json!(1)));

    // The duplicate is gone, and says where to; the log keeps its end.
    for gone in [format!("/api/v1/leads/{duplicate}"), format!("/api/v1/leads/{duplicate}/notes")] {
        let problem = api.get(&gone, token).await.expect_problem(404, None).body;
        assert_eq!((&problem["type"], &problem["merged_into"]), (&json!("/problems/merged"), &json!(survivor)));
    }
    let log = api.get("/api/v1/activity", token).await.expect(200).body;
    let end = log["items"].as_array().unwrap().iter().find(|e| e["entity_id"] == duplicate.as_str()).unwrap();
    assert_eq!((&end["action"], &end["related"]["merged_into"]), (&json!("merged"), &json!(survivor)));
    let listed = all_pages(&api, "/api/v1/leads", token).await.concat();
    assert!(!listed.contains(&duplicate) && listed.contains(&survivor));

    // Asking again moves what is left: nothing.
    let again = finished_job(&api, &path, token, json!({"duplicate_id": duplicate})).await;
    assert_eq!(again["result"], json!({"notes": 0, "entries": 0, "deals": 0}), "{again}");
}

#[tokio::test]
async fn merged_customers_keep_one_conversion_and_their_deals() {
    let api = api();
    let a = api.sign_up().await;
    let token = &a.admin.token;
    let convert = async |name: &str| {
        let lead = id_of(&api.create_lead(token, json!({"name": name, "status": "qualified"})).await);
        let body = json!({"deal": {"name": format!("{name}'s deal"), "amount": amount(5_000)}});
        let converted = api.post(&format!("/api/v1/leads/{lead}/convert"), Some(token), body).await.expect(201).body;
        (lead, id_of(&converted["customer"]), id_of(&converted["deal"]))
    };
    let (lead, duplicate, deal) = convert("Grace Hopper").await;
    let customer =
        |body: Value| async { id_of(&api.post("/api/v1/customers", Some(token), body).await.expect(201).body) };
    let survivor = customer(json!({"name": "Grace B. Hopper", "address": {"city": "Arlington"}})).await;

    let path = format!("/api/v1/customers/{survivor}/merge");
    let job = finished_job(&api, &path, token, json!({"duplicate_id": duplicate})).await;
    assert_eq!(job["result"]["deals"], 1, "{job}");
    let merged = api.get(&format!("/api/v1/customers/{survivor}"), token).await.expect(200).body;
    assert_eq!((&merged["lead_id"], &merged["address"]["city"]), (&json!(lead), &json!("Arlington")));
    let converted = api.get(&format!("/api/v1/leads/{lead}"), token).await.expect(200).body;
    assert_eq!(converted["customer_id"], survivor.as_str());
    let deal = api.get(&format!("/api/v1/deals/{deal}"), token).await.expect(200).body;
    assert_eq!(deal["customer_id"], survivor.as_str());

    // Two records converted each: which conversion would the survivor keep?
    let (_, another, _) = convert("Grace Murray").await;
    let both = api.post(&path, Some(token), json!({"duplicate_id": another})).await.expect_problem(409, None);
    assert!(both.body["detail"].as_str().unwrap().contains("both records were converted"), "{}", both.body);
    api.get(&format!("/api/v1/customers/{another}"), token).await.expect(200);
}

#[tokio::test]
async fn a_merge_is_refused_clearly() {
    let api = api();
    let a = api.sign_up().await;
    let sales = api.add_user(&a, "sales").await;
    let token = &a.admin.token;
    let lead = async |token: &str, name: &str| id_of(&api.create_lead(token, json!({"name": name})).await);
    let (first, second, third) = (lead(token, "One").await, lead(token, "Two").await, lead(token, "Three").await);
    let merge = |into: &str| format!("/api/v1/leads/{into}/merge");

    api.post(&merge(&first), Some(token), json!({"duplicate_id": first}))
        .await
        .expect_problem(422, Some("duplicate_id"));
    let nobody = crm_domain::LeadId::new().to_string();
    api.post(&merge(&first), Some(token), json!({"duplicate_id": nobody}))
        .await
        .expect_problem(404, Some("duplicate_id"));
    api.post(&merge(&first), Some(token), json!({"duplicate_id": first, "extra": 1})).await.expect_problem(422, None);
    let customer = id_of(&api.post("/api/v1/customers", Some(token), json!({"name": "C"})).await.expect(201).body);
    api.post(&merge(&first), Some(token), json!({"duplicate_id": customer}))
        .await
        .expect_problem(404, Some("duplicate_id"));
    let deal = json!({"name": "D", "lead_id": first, "amount": amount(1)});
    let deal = id_of(&api.post("/api/v1/deals", Some(token), deal).await.expect(201).body);
    api.post(&format!("/api/v1/deals/{deal}/merge"), Some(token), json!({"duplicate_id": deal}))
        .await
        .expect_problem(404, None);

    // A stale version of the record kept; then Sales, which may not delete records, even its own.
    let stale = api.request(Method::POST, &merge(&first), Some(token)).header("if-match", "\"7\"");
    api.send(stale.json(&json!({"duplicate_id": second}))).await.expect_problem(412, None);
    let (own, also_own) = (lead(&sales.token, "Mine").await, lead(&sales.token, "Also mine").await);
    api.post(&merge(&own), Some(&sales.token), json!({"duplicate_id": also_own})).await.expect_problem(403, None);
    api.post(&merge(&own), Some(&sales.token), json!({"duplicate_id": second}))
        .await
        .expect_problem(404, Some("duplicate_id"));

    // Once merged, the duplicate cannot be merged into anything else; Sales learns nothing of where it went.
    let fresh = api.request(Method::POST, &merge(&first), Some(token)).header("if-match", "\"1\"");
    api.send(fresh.json(&json!({"duplicate_id": second}))).await.expect(202);
    let taken = api.post(&merge(&third), Some(token), json!({"duplicate_id": second})).await;
    let taken = taken.expect_problem(404, Some("duplicate_id"));
    assert!(taken.body["detail"].as_str().unwrap().contains(&first), "{}", taken.body);
    let hidden = api.get(&format!("/api/v1/leads/{second}"), &sales.token).await.expect_problem(404, None);
    assert_eq!((&hidden.body["type"], hidden.body.get("merged_into")), (&json!("/problems/not-found"), None));
}
