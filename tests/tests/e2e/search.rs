use crm_e2e::{Api, api};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Searches until `done` holds (documents are indexed asynchronously), failing after 20 s.
async fn search_until(api: &Api, token: &str, query: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let found = api
            .get(&format!("/api/v1/search?q={}", query.replace(' ', "%20").replace('@', "%40")), token)
            .await
            .expect(200)
            .body;
        if done(&found) {
            return found;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "search for {query:?} never matched: {found}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn ids(found: &Value) -> Vec<String> {
    found["items"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn leads_are_found_despite_typos_prefixes_and_by_email_within_their_tenant_only() {
    let api = api();
    let a = api.sign_up().await;
    let b = api.sign_up().await;
    let sales = api.add_user(&a, "sales").await;
    let lead = api
        .create_lead(
            &a.admin.token,
            json!({"name": "Jonathan Smith", "company": "Acme Corporation", "email": "jonathan.smith@acme.example"}),
        )
        .await;
    let id = lead["id"].as_str().unwrap().to_owned();
    let first = search_until(&api, &a.admin.token, "jonh smth", |f| ids(f).contains(&id)).await;
    assert_eq!(first["items"][0]["id"], id.as_str());
    assert!(first["items"][0]["highlight"]["name"][0].as_str().unwrap().contains("<em>"), "{first}");
    for query in ["acme corp", "smi", "jonathan.smith@acme.example"] {
        let found = search_until(&api, &a.admin.token, query, |f| ids(f).contains(&id)).await;
        assert_eq!(found["items"][0]["type"], "lead", "{query}: {found}");
    }
    // The other tenant finds nothing of tenant A's, whatever it asks; a Sales user only its own.
    for query in ["jonh smth", "acme corp", "smi", "jonathan.smith@acme.example"] {
        let theirs = api
            .get(&format!("/api/v1/search?q={}", query.replace(' ', "%20").replace('@', "%40")), &b.admin.token)
            .await
            .expect(200)
            .body;
        assert_eq!(theirs["items"], json!([]), "{query}");
        let sales_view = api
            .get(&format!("/api/v1/search?q={}", query.replace(' ', "%20").replace('@', "%40")), &sales.token)
            .await
            .expect(200)
            .body;
        assert_eq!(sales_view["items"], json!([]), "{query}");
    }
    let own = api.create_lead(&sales.token, json!({"name": "Jonathan Smithers"})).await;
    let own_id = own["id"].as_str().unwrap().to_owned();
    let sales_found = search_until(&api, &sales.token, "jonathan", |f| ids(f).contains(&own_id)).await;
    assert_eq!(ids(&sales_found), [own_id]);

    // Deleting removes it from the results.
    api.delete(&format!("/api/v1/leads/{id}"), &a.admin.token).await.expect(204);
    search_until(&api, &a.admin.token, "jonh smth", |f| !ids(f).contains(&id)).await;
}

/// The search-index worker writes a batch in one bulk request, and each message stands by its own write:
/// versions decide between two events about one lead whatever their order in the batch, an unreadable
/// message fails alone, and a batch delivered again changes nothing.
#[tokio::test]
async fn a_batch_is_indexed_in_one_request_and_each_message_stands_by_its_own_write() {
    let api = api();
    let tenant = api.sign_up().await;
    let workers = crm_workers::Workers::from_env().await.expect("the workers' settings");
    let worker = crm_workers::functions::by_name("search_index").expect("the search-index worker");
    let now = "2026-11-30T09:00:00.000Z";
    let lead = |id: &str, name: &str, version: u64| {
        json!({"entity": "lead", "id": id, "name": name, "email": null, "phone": null, "company": null, "source": "batch",
               "status": "new", "owner_id": tenant.admin.id, "tags": [], "estimated_value": null, "customer_id": null,
               "converted_at": null, "created_at": now, "updated_at": now, "version": version})
    };
    let event = |kind: &str, id: &str, old: Option<Value>, new: Option<Value>| {
        json!({"id": format!("{kind}-{id}-{}", tenant.id), "tenant_id": tenant.id, "kind": kind, "entity_id": id,
               "old": old, "new": new})
        .to_string()
    };
    let batch = |bodies: &[String]| {
        let records: Vec<Value> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| json!({"messageId": format!("m{i}"), "receiptHandle": "r", "body": body, "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs"}))
            .collect();
        json!({"Records": records})
    };
    let (renamed_id, other_id) = ("01JDA5Y2ZK8Q3W4E5R6T7Y8V01", "01JDA5Y2ZK8Q3W4E5R6T7Y8V02");
    let created = event("lead.created", renamed_id, None, Some(lead(renamed_id, "Quillon Ashgrove", 1)));
    let renamed = event(
        "lead.updated",
        renamed_id,
        Some(lead(renamed_id, "Quillon Ashgrove", 1)),
        Some(lead(renamed_id, "Quillon Brightwater", 2)),
    );
    let other = event("lead.created", other_id, None, Some(lead(other_id, "Peregrine Ashgrove", 1)));

    // The rename comes before the creation it follows; the poison message sits between them.
    let delivery = [renamed, "not an event".to_owned(), created, other.clone()];
    let response = worker(&workers, batch(&delivery)).await.expect("the worker answers");
    assert_eq!(response["batchItemFailures"], json!([{"itemIdentifier": "m1"}]), "{response}");
    let found = search_until(&api, &tenant.admin.token, "ashgrove", |f| ids(f).contains(&other_id.to_owned())).await;
    assert_eq!(ids(&found), [other_id], "the older version, written after the newer, changed nothing");
    let found = search_until(&api, &tenant.admin.token, "brightwater", |f| !ids(f).is_empty()).await;
    assert_eq!(ids(&found), [renamed_id]);

    let again: Vec<String> = delivery.into_iter().filter(|body| body.starts_with('{')).collect();
    let response = worker(&workers, batch(&again)).await.expect("the worker answers");
    assert_eq!(response["batchItemFailures"], json!([]), "{response}");
    let deleted = event("lead.deleted", other_id, Some(lead(other_id, "Peregrine Ashgrove", 1)), None);
    let response = worker(&workers, batch(&[deleted, other])).await.expect("the worker answers");
    assert_eq!(response["batchItemFailures"], json!([]), "{response}");
    search_until(&api, &tenant.admin.token, "ashgrove", |f| ids(f).is_empty()).await;
    let found = search_until(&api, &tenant.admin.token, "brightwater", |f| !ids(f).is_empty()).await;
    assert_eq!(ids(&found), [renamed_id], "the redelivered batch left the rename in place");
}

#[tokio::test]
async fn notes_and_other_kinds_are_searched_and_filtered_by_type() {
    let api = api();
    let a = api.sign_up().await;
    let token = &a.admin.token;
    let customer =
        api.post("/api/v1/customers", Some(token), json!({"name": "Globex Corporation"})).await.expect(201).body;
    let customer_id = customer["id"].as_str().unwrap().to_owned();
    let note = api
        .post(
            &format!("/api/v1/customers/{customer_id}/notes"),
            Some(token),
            json!({"body": "Prefers quarterly invoicing"}),
        )
        .await
        .expect(201)
        .body;
    let found =
        search_until(&api, token, "quartrly invoicing", |f| ids(f).contains(&note["id"].as_str().unwrap().to_owned()))
            .await;
    let hit = found["items"].as_array().unwrap().iter().find(|h| h["type"] == "note").unwrap();
    assert_eq!(
        (hit["parent_type"].as_str(), hit["parent_id"].as_str()),
        (Some("customer"), Some(customer_id.as_str()))
    );
    let only_customers = api.get("/api/v1/search?q=globex&type=customer", token).await.expect(200).body;
    assert!(only_customers["items"].as_array().unwrap().iter().all(|h| h["type"] == "customer"));
    api.get("/api/v1/search", token).await.expect_problem(400, Some("q"));
    api.get("/api/v1/search?q=x&type=planet", token).await.expect_problem(400, Some("type"));
    api.get("/api/v1/search?q=x&cursor=forged", token).await.expect_problem(400, Some("cursor"));

    // A reindex rebuilds the documents from the table.
    let reindexed = crm_e2e::run_job(&api, "/api/v1/search/reindex", token).await;
    assert_eq!(reindexed["result"]["documents"], 2, "{reindexed}");
}

#[tokio::test]
async fn search_results_page_with_a_cursor_bound_to_the_query() {
    let api = api();
    let a = api.sign_up().await;
    let b = api.sign_up().await;
    let token = &a.admin.token;
    for n in 0..5 {
        api.create_lead(token, json!({"name": format!("Pagination Person {n}")})).await;
    }
    search_until(&api, token, "pagination", |f| f["items"].as_array().unwrap().len() == 5).await;
    let first = api.get("/api/v1/search?q=pagination&limit=2", token).await.expect(200).body;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = api.get(&format!("/api/v1/search?q=pagination&limit=2&cursor={cursor}"), token).await.expect(200).body;
    let third_cursor = second["next_cursor"].as_str().unwrap_or_else(|| panic!("{first} / {second}")).to_owned();
    let third =
        api.get(&format!("/api/v1/search?q=pagination&limit=2&cursor={third_cursor}"), token).await.expect(200).body;
    let mut all = [ids(&first), ids(&second), ids(&third)].concat();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 5);
    api.get(&format!("/api/v1/search?q=other&limit=2&cursor={cursor}"), token)
        .await
        .expect_problem(400, Some("cursor"));
    api.get(&format!("/api/v1/search?q=pagination&limit=2&cursor={cursor}"), &b.admin.token)
        .await
        .expect_problem(400, Some("cursor"));
}

/// Highlights escape what a record holds: the only markup in them is the `<em>` around a match (issue #15,
/// item 12).
#[tokio::test]
async fn highlights_escape_stored_markup() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let lead = api.create_lead(token, json!({"name": "Mallory <img src=x onerror=alert(1)>"})).await;
    let id = lead["id"].as_str().unwrap().to_owned();
    let found = search_until(&api, token, "mallory", |f| ids(f).contains(&id)).await;
    let fragment = found["items"][0]["highlight"]["name"][0].as_str().unwrap();
    assert!(fragment.contains("<em>") && fragment.contains("&lt;img"), "{fragment}");
    assert!(!fragment.contains("<img"), "{fragment}");
}

/// A record's notes follow it in search: after a reassignment the former owner no longer finds them and the
/// new one does; once the record is deleted nobody does (issue #15, item 6).
#[tokio::test]
async fn notes_follow_their_record_in_search() {
    let api = api();
    let tenant = api.sign_up().await;
    let admin = &tenant.admin.token;
    let former = api.add_user(&tenant, "sales").await;
    let next = api.add_user(&tenant, "sales").await;
    let lead = api.create_lead(&former.token, json!({"name": "Reassigned lead"})).await;
    let lead_id = lead["id"].as_str().unwrap().to_owned();
    let notes = format!("/api/v1/leads/{lead_id}/notes");
    let note = api.post(&notes, Some(&former.token), json!({"body": "zanzibar pricing"})).await.expect(201).body;
    let note_id = note["id"].as_str().unwrap().to_owned();
    search_until(&api, &former.token, "zanzibar", |f| ids(f).contains(&note_id)).await;

    api.patch(&format!("/api/v1/leads/{lead_id}"), admin, json!({"owner_id": next.id})).await.expect(200);
    search_until(&api, &next.token, "zanzibar", |f| ids(f).contains(&note_id)).await;
    search_until(&api, &former.token, "zanzibar", |f| !ids(f).contains(&note_id)).await;

    api.delete(&format!("/api/v1/leads/{lead_id}"), admin).await.expect(204);
    search_until(&api, admin, "zanzibar", |f| !ids(f).contains(&note_id)).await;
}

/// An email address finds that address, not everyone at the same domain (issue #15, item 21).
#[tokio::test]
async fn an_email_finds_that_address_only() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let ada = api.create_lead(token, json!({"name": "Ada Byron", "email": "ada@engines.example"})).await;
    let charles = api.create_lead(token, json!({"name": "Charles Babbage", "email": "charles@engines.example"})).await;
    let (ada, charles) = (ada["id"].as_str().unwrap().to_owned(), charles["id"].as_str().unwrap().to_owned());
    search_until(&api, token, "charles", |f| ids(f).contains(&charles)).await;
    let found = search_until(&api, token, "ada@engines.example", |f| ids(f).contains(&ada)).await;
    assert_eq!(ids(&found), std::slice::from_ref(&ada), "{found}");
    let found = search_until(&api, token, "ADA@Engines.example", |f| ids(f).contains(&ada)).await;
    assert_eq!(ids(&found), [ada], "{found}");
}

#[tokio::test]
async fn a_missing_index_finds_nothing_rather_than_failing() {
    // A fresh stack before its index exists (issue #16, item 2): the engine answers 404, search an empty page.
    let endpoint = std::env::var("OPENSEARCH_ENDPOINT").expect("OPENSEARCH_ENDPOINT (the local engine)");
    let missing = format!("crm-missing-{}", std::process::id());
    let client = crm_search::SearchClient::new(&endpoint, &missing, None);
    let request = crm_search::SearchRequest {
        tenant: "T".into(),
        text: "anyone".into(),
        kind: None,
        owner: None,
        limit: 10,
        cursor: None,
    };
    let page = client.search(&request).await.expect("a missing index is not an error");
    assert!(page.items.is_empty() && page.next_cursor.is_none());
}

/// The deploy's search step on the real engine (issue #16, item 2).
mod deploy_step {
    use crm_search::{MAPPING_VERSION, SearchClient, versioned_index};
    use serde_json::{Value, json};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    const DOCUMENTS: usize = 300;

    fn endpoint() -> String {
        std::env::var("OPENSEARCH_ENDPOINT").expect("OPENSEARCH_ENDPOINT (the local engine)")
    }

    fn unique_alias(tag: &str) -> String {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        format!("{tag}-{}-{nanos}", std::process::id())
    }

    async fn call(method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = reqwest::Client::new().request(method, format!("{}{path}", endpoint()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    /// An index of an older mapping version behind `alias`, holding `DOCUMENTS` documents.
    async fn older_version_behind(alias: &str) -> String {
        let old = versioned_index(alias, MAPPING_VERSION - 1);
        call(
            reqwest::Method::PUT,
            &format!("/{old}"),
            Some(json!({"mappings": {"properties": {"name": {"type": "text"}}}})),
        )
        .await;
        let mut bulk = String::new();
        for n in 0..DOCUMENTS {
            bulk.push_str(
                &json!({"index": {"_index": old, "_id": format!("doc-{n}"), "version": 7, "version_type": "external"}})
                    .to_string(),
            );
            bulk.push('\n');
            bulk.push_str(&json!({"tenant_id": "T", "type": "lead", "name": format!("Person {n}")}).to_string());
            bulk.push('\n');
        }
        let response = reqwest::Client::new()
            .post(format!("{}/_bulk?refresh=true", endpoint()))
            .header("content-type", "application/x-ndjson")
            .body(bulk)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        call(reqwest::Method::POST, "/_aliases", Some(json!({"actions": [{"add": {"index": old, "alias": alias}}]})))
            .await;
        old
    }

    async fn hits(alias: &str) -> usize {
        let body = call(
            reqwest::Method::POST,
            &format!("/{alias}/_search"),
            Some(json!({"size": 0, "track_total_hits": true, "query": {"match_all": {}}})),
        )
        .await;
        body["hits"]["total"]["value"].as_u64().unwrap() as usize
    }

    #[tokio::test]
    async fn a_new_mapping_is_filled_from_the_old_and_swapped_in_while_search_keeps_finding_everything() {
        let alias = unique_alias("rollout");
        let old = older_version_behind(&alias).await;
        // Searches through the alias for as long as the roll-out runs; the fewest documents one saw.
        let (done, fewest) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(usize::MAX)));
        let watcher = {
            let (alias, done, fewest) = (alias.clone(), done.clone(), fewest.clone());
            tokio::spawn(async move {
                let mut searches = 0;
                while !done.load(Ordering::Relaxed) || searches == 0 {
                    fewest.fetch_min(hits(&alias).await, Ordering::Relaxed);
                    searches += 1;
                }
                searches
            })
        };
        let rolled = SearchClient::new(&endpoint(), &alias, None).roll_out().await.expect("the roll-out");
        done.store(true, Ordering::Relaxed);
        let searches = watcher.await.unwrap();
        assert_eq!(rolled.index, versioned_index(&alias, MAPPING_VERSION));
        assert_eq!(rolled.filled_from, std::slice::from_ref(&old));
        assert_eq!(
            fewest.load(Ordering::Relaxed),
            DOCUMENTS,
            "a search during the roll-out missed documents ({searches} searches)"
        );
        let behind = call(reqwest::Method::GET, &format!("/_alias/{alias}"), None).await;
        assert_eq!(behind.as_object().unwrap().keys().collect::<Vec<_>>(), [&rolled.index]);
        assert_eq!(hits(&alias).await, DOCUMENTS);
        // The documents kept their versions: an older write changes nothing, a newer one lands.
        let mapping = call(reqwest::Method::GET, &format!("/{}/_mapping", rolled.index), None).await;
        assert_eq!(mapping[&rolled.index]["mappings"]["dynamic"], "strict", "the new index has this build's mapping");
        let doc = call(reqwest::Method::GET, &format!("/{}/_doc/doc-1", rolled.index), None).await;
        assert_eq!(doc["_version"], 7);
        // The old version stays for a rollback; a rerun changes nothing.
        call(reqwest::Method::HEAD, &format!("/{old}"), None).await;
        let again = SearchClient::new(&endpoint(), &alias, None).roll_out().await.unwrap();
        assert_eq!((again.index, again.filled_from, again.deleted), (rolled.index, vec![], vec![]));
    }

    #[tokio::test]
    async fn a_fresh_domain_gets_the_index_and_stale_versions_are_removed_but_a_newer_one_is_never_replaced() {
        let alias = unique_alias("fresh");
        let stale = versioned_index(&alias, MAPPING_VERSION - 1);
        call(reqwest::Method::PUT, &format!("/{stale}"), Some(json!({}))).await;
        let rolled = SearchClient::new(&endpoint(), &alias, None).roll_out().await.unwrap();
        assert_eq!((rolled.filled_from, rolled.deleted), (vec![], vec![stale]));
        assert_eq!(hits(&alias).await, 0);

        // An older build deployed after a newer one leaves the newer mapping in place, and says so.
        let ahead = unique_alias("ahead");
        let newer = versioned_index(&ahead, MAPPING_VERSION + 1);
        call(reqwest::Method::PUT, &format!("/{newer}"), Some(json!({}))).await;
        call(reqwest::Method::POST, "/_aliases", Some(json!({"actions": [{"add": {"index": newer, "alias": ahead}}]})))
            .await;
        let refused = SearchClient::new(&endpoint(), &ahead, None).roll_out().await.unwrap_err();
        assert!(refused.to_string().contains("newer than this build's mapping"), "{refused}");
        let behind = call(reqwest::Method::GET, &format!("/_alias/{ahead}"), None).await;
        assert_eq!(behind.as_object().unwrap().keys().collect::<Vec<_>>(), [&newer]);
    }

    #[tokio::test]
    async fn writes_before_the_deploy_step_create_no_index_with_a_guessed_mapping() {
        let alias = unique_alias("early");
        let client = SearchClient::new(&endpoint(), &alias, None);
        let doc: crm_search::SearchDoc = serde_json::from_value(json!({
            "tenant_id": "T", "type": "lead", "record_id": "L1", "tags": [], "name": "Early Bird", "updated_at": "2026-11-29T10:00:00Z"
        }))
        .unwrap();
        assert!(
            !matches!(
                client
                    .apply(&[crm_search::Write::Upsert {
                        id: "T:lead:L1".into(),
                        doc: Box::new(doc.clone()),
                        version: 1
                    }])
                    .await
                    .as_deref(),
                Ok([Ok(())])
            ),
            "a write without the alias must fail (and be retried)"
        );
        assert!(client.bulk(&[("T:lead:L1".into(), doc, 1)]).await.is_err());
        let response = reqwest::Client::new().head(format!("{}/{alias}", endpoint())).send().await.unwrap();
        assert_eq!(response.status(), 404, "no index of the alias's name was created");
    }

    /// The custom resource's side of CloudFormation's protocol, as the local stack runs it at start.
    #[tokio::test]
    async fn the_custom_resource_answers_cloudformation_success_with_the_index_or_failure_with_the_reason() {
        crm_e2e::api(); // the gateway created the local search domain the step waits on
        let resource = crm_local_gateway::template::CustomResource {
            logical_id: "SearchIndexBootstrap".into(),
            resource_type: "Custom::SearchIndex".into(),
            function: "SearchBootstrapFunction".into(),
            worker: "search_bootstrap".into(),
            references: vec![],
            variables: Default::default(),
        };
        let worker = crm_workers::functions::by_name("search_bootstrap").expect("the worker");
        let alias = unique_alias("resource");
        let settings = |endpoint: String| {
            let alias = alias.clone();
            move |name: &str| match name {
                "OPENSEARCH_ENDPOINT" => Some(endpoint.clone()),
                "SEARCH_INDEX" => Some(alias.clone()),
                "SEARCH_DOMAIN_NAME" => Some(crm_local_gateway::deploy::local_domain_name("SearchDomain")),
                other => std::env::var(other).ok(),
            }
        };
        let workers = crm_workers::Workers::from_lookup(settings(endpoint())).await.unwrap();
        let answer = crm_local_gateway::deploy::request_create(worker, &workers, &resource).await.unwrap();
        assert_eq!(answer["Status"], "SUCCESS", "{answer}");
        assert_eq!(answer["PhysicalResourceId"], alias.as_str());
        assert_eq!(answer["Data"]["Index"], versioned_index(&alias, MAPPING_VERSION));
        assert_eq!(answer["LogicalResourceId"], "SearchIndexBootstrap");

        let unreachable = crm_workers::Workers::from_lookup(settings("http://127.0.0.1:9".into())).await.unwrap();
        let answer = crm_local_gateway::deploy::request_create(worker, &unreachable, &resource).await.unwrap();
        assert_eq!(answer["Status"], "FAILED", "{answer}");
        assert!(answer["Reason"].as_str().unwrap().contains("OpenSearch"), "{answer}");
    }
}
