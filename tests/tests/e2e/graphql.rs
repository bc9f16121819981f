//! GraphQL (issue #21): the same records, rules and cursors as the REST routes, in one request.

use crm_e2e::{Api, api, id_of};
use serde_json::{Value, json};

async fn graphql(api: &Api, token: &str, query: &str, variables: Value) -> Value {
    api.post("/api/v1/graphql", Some(token), json!({"query": query, "variables": variables})).await.expect(200).body
}

/// The data of a query that must succeed.
async fn data(api: &Api, token: &str, query: &str, variables: Value) -> Value {
    let body = graphql(api, token, query, variables).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"].clone()
}

const LEAD_WITH_EVERYTHING: &str = "query ($id: LeadId!) {
  lead(id: $id) {
    id name status tags version
    estimated_value { amount_minor currency }
    owner { id name email role }
    notes(first: 10) { items { id body author_id } next_cursor }
    timeline { items { id action changes { field old new } } }
  }
}";

#[tokio::test]
async fn a_lead_comes_with_its_owner_notes_and_timeline_in_one_request() {
    let api = api();
    let a = api.sign_up().await;
    let token = &a.admin.token;
    let body = json!({"name": "Ada Lovelace", "tags": ["vip"], "estimated_value": {"amount_minor": 250_000, "currency": "GBP"}});
    let lead = id_of(&api.create_lead(token, body).await);
    for n in 0..3 {
        let note = json!({"body": format!("Note {n}")});
        api.post(&format!("/api/v1/leads/{lead}/notes"), Some(token), note).await.expect(201);
    }
    api.patch(&format!("/api/v1/leads/{lead}"), token, json!({"status": "contacted"})).await.expect(200);

    let found = data(&api, token, LEAD_WITH_EVERYTHING, json!({"id": lead})).await["lead"].clone();
    // The same as the REST routes answer, field for field.
    let rest = api.get(&format!("/api/v1/leads/{lead}"), token).await.expect(200).body;
    for field in ["id", "name", "status", "tags", "version", "estimated_value"] {
        assert_eq!(found[field], rest[field], "{field}");
    }
    let me = api.get("/api/v1/me", token).await.expect(200).body;
    assert_eq!(found["owner"], json!({"id": me["id"], "name": me["name"], "email": me["email"], "role": "admin"}));
    let notes = api.get(&format!("/api/v1/leads/{lead}/notes"), token).await.expect(200).body;
    let bodies = |items: &Value| items.as_array().unwrap().iter().map(|n| n["body"].clone()).collect::<Vec<_>>();
    assert_eq!(bodies(&found["notes"]["items"]), bodies(&notes["items"]));
    assert_eq!(found["notes"]["next_cursor"], Value::Null);
    let timeline = api.get(&format!("/api/v1/leads/{lead}/timeline"), token).await.expect(200).body;
    let ids = |items: &Value| items.as_array().unwrap().iter().map(|e| e["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&found["timeline"]["items"]), ids(&timeline["items"]));
    assert_eq!(found["timeline"]["items"][0]["action"], "status_changed");
    assert_eq!(
        found["timeline"]["items"][0]["changes"],
        json!([{"field": "status", "old": "new", "new": "contacted"}])
    );
}

#[tokio::test]
async fn lists_page_with_the_rest_cursors_and_links_load_in_batches() {
    let api = api();
    let a = api.sign_up().await;
    let token = &a.admin.token;
    for n in 0..5 {
        api.create_lead(token, json!({"name": format!("Lead {n}"), "status": "qualified"})).await;
    }
    let query =
        "query ($after: String) { leads(first: 2, status: qualified, after: $after) { items { name } next_cursor } }";
    let mut names = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = data(&api, token, query, json!({"after": after})).await["leads"].clone();
        names.extend(page["items"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap().to_owned()));
        after = page["next_cursor"].clone();
        if after.is_null() {
            break;
        }
    }
    assert_eq!(names, ["Lead 4", "Lead 3", "Lead 2", "Lead 1", "Lead 0"]);
    // The REST list's cursor continues the GraphQL list, and the other way round.
    let rest = api.get("/api/v1/leads?status=qualified&limit=2", token).await.expect(200).body;
    let next = data(&api, token, query, json!({"after": rest["next_cursor"]})).await;
    assert_eq!(next["leads"]["items"][0]["name"], "Lead 2");

    // A conversion's links, both ways; deals with their customers.
    let lead = id_of(&api.create_lead(token, json!({"name": "Grace", "status": "qualified"})).await);
    let body = json!({"deal": {"name": "Grace's deal", "amount": {"amount_minor": 100, "currency": "EUR"}}});
    let converted = api.post(&format!("/api/v1/leads/{lead}/convert"), Some(token), body).await.expect(201).body;
    let query = "{ deals { items { name customer { name lead { id customer { id } } } owner { name } } } }";
    let deals = data(&api, token, query, json!({})).await;
    let deal = &deals["deals"]["items"][0];
    assert_eq!(deal["name"], "Grace's deal");
    assert_eq!(deal["customer"]["lead"], json!({"id": lead, "customer": {"id": converted["customer"]["id"]}}));
}

#[tokio::test]
async fn each_caller_sees_what_the_rest_routes_show_it() {
    let api = api();
    let a = api.sign_up().await;
    let sales = api.add_user(&a, "sales").await;
    let other = api.sign_up().await;
    let admins = id_of(&api.create_lead(&a.admin.token, json!({"name": "The admin's"})).await);
    let own = id_of(&api.create_lead(&sales.token, json!({"name": "Sales's own"})).await);
    let query = "query ($id: LeadId!) { lead(id: $id) { name owner { name email } } leads { items { name } } }";

    // Another account's ids answer nothing, and its lists hold none of them.
    let theirs = data(&api, &other.admin.token, query, json!({"id": admins})).await;
    assert_eq!(theirs, json!({"lead": null, "leads": {"items": []}}));
    // Sales: only its own records; its own email, no colleague's.
    let hidden = data(&api, &sales.token, query, json!({"id": admins})).await;
    assert_eq!(hidden, json!({"lead": null, "leads": {"items": [{"name": "Sales's own"}]}}));
    let mine = data(&api, &sales.token, query, json!({"id": own})).await;
    assert_eq!(mine["lead"]["owner"]["email"], sales.email.as_str());
    let directory = "{ me { email } leads { items { owner { name email } } } }";
    let seen = data(&api, &a.admin.token, directory, json!({})).await;
    assert_eq!(seen["me"]["email"], a.admin.email.as_str());
    let emails: Vec<&Value> = seen["leads"]["items"].as_array().unwrap().iter().map(|l| &l["owner"]["email"]).collect();
    assert!(emails.iter().all(|e| e.is_string()), "{seen}");
    let manager = api.add_user(&a, "manager").await;
    let filtered = format!("{{ leads(owner_id: \"{}\") {{ items {{ name }} }} }}", sales.id);
    assert_eq!(
        data(&api, &manager.token, &filtered, json!({})).await["leads"]["items"],
        json!([{"name": "Sales's own"}])
    );
    // Sales asking for someone else's records is refused, as in REST.
    let refused = graphql(&api, &sales.token, &filtered.replace(&sales.id, &manager.id), json!({})).await;
    assert_eq!(refused["errors"][0]["extensions"]["status"], 403, "{refused}");
}

#[tokio::test]
async fn bad_queries_are_refused_clearly_before_anything_is_read() {
    let api = api();
    let a = api.sign_up().await;
    let token = &a.admin.token;
    let refused = |body: &Value| body["errors"][0]["message"].as_str().unwrap_or_default().to_owned();

    let mut nested = String::from("name");
    for _ in 0..12 {
        nested = format!("customer {{ lead {{ {nested} }} }}");
    }
    let deep = graphql(&api, token, &format!("{{ leads {{ items {{ {nested} }} }} }}"), json!({})).await;
    assert!(refused(&deep).contains("nested too deep"), "{deep}");
    assert_eq!(deep["data"], Value::Null);
    let costly =
        "{ leads(first: 100) { items { notes(first: 100) { items { id } } timeline(first: 100) { items { id } } } } }";
    let costly = graphql(&api, token, costly, json!({})).await;
    assert!(refused(&costly).contains("too complex"), "{costly}");

    // A page size past the REST limit names its argument; so does an unknown field or a malformed id.
    let page = graphql(&api, token, "{ leads(first: 101) { items { id } } }", json!({})).await;
    assert_eq!(page["errors"][0]["extensions"]["field"], "first", "{page}");
    assert_eq!(page["errors"][0]["extensions"]["status"], 400, "{page}");
    let unknown = graphql(&api, token, "{ leads { items { salary } } }", json!({})).await;
    assert!(refused(&unknown).contains("salary"), "{unknown}");
    let malformed = graphql(&api, token, "{ lead(id: \"not-an-id\") { id } }", json!({})).await;
    assert!(refused(&malformed).contains("LeadId"), "{malformed}");
    // A request that is not a GraphQL request at all is a problem document.
    api.post("/api/v1/graphql", Some(token), json!({"query": 1})).await.expect_problem(422, Some("query"));
    api.post("/api/v1/graphql", Some(token), json!({"querry": "{ me { id } }"})).await.expect_problem(422, None);
    api.post("/api/v1/graphql", None, json!({"query": "{ me { id } }"})).await.expect_problem(401, None);
}

#[tokio::test]
async fn people_activity_tags_and_chat_read_as_in_rest() {
    let api = api();
    let a = api.sign_up().await;
    let sales = api.add_user(&a, "sales").await;
    let token = &a.admin.token;
    api.create_lead(token, json!({"name": "Tagged", "tags": ["fair", "vip"]})).await;
    api.create_lead(&sales.token, json!({"name": "Sales's", "tags": ["vip"]})).await;
    let name = format!("g-{}", crm_e2e::unique_email("c").replace(['@', '.'], "-"));
    let channel =
        id_of(&api.post("/api/v1/channels", Some(token), json!({"kind": "team", "name": name})).await.expect(201).body);
    api.post("/api/v1/messages", Some(token), json!({"channel_id": channel, "body": "Hello, team"})).await.expect(201);
    let query = "query ($channel: ChannelId!) {
      users { items { name email role } }
      activity(first: 50) { items { action entity actor_id } }
      tags { items { tag leads total } }
      channels { items { channel_id name unread } }
      messages(channel_id: $channel) { items { body author_id } }
      dashboard(days: 7)
    }";

    let admin = data(&api, token, query, json!({"channel": channel})).await;
    let rest_users = api.get("/api/v1/users", token).await.expect(200).body;
    let names =
        |items: &Value, field: &str| items.as_array().unwrap().iter().map(|i| i[field].clone()).collect::<Vec<_>>();
    assert_eq!(names(&admin["users"]["items"], "email"), names(&rest_users["items"], "email"));
    let rest_log = api.get("/api/v1/activity?limit=50", token).await.expect(200).body;
    assert_eq!(names(&admin["activity"]["items"], "action"), names(&rest_log["items"], "action"));
    assert_eq!(
        admin["tags"]["items"],
        json!([{"tag": "fair", "leads": 1, "total": 1}, {"tag": "vip", "leads": 2, "total": 2}])
    );
    let channels = admin["channels"]["items"].as_array().unwrap();
    assert!(channels.contains(&json!({"channel_id": channel, "name": name, "unread": 0})), "{channels:?}");
    assert_eq!(admin["messages"]["items"], json!([{"body": "Hello, team", "author_id": a.admin.id}]));
    assert!(admin["dashboard"]["figures"].is_object(), "{admin}");
    // The same figures as REST, once the statistics have caught up with the writes above.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let ours = data(&api, token, "{ dashboard(days: 7) }", json!({})).await["dashboard"].clone();
        let rest = api.get("/api/v1/dashboard?days=7", token).await.expect(200).body;
        if ours == rest {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{ours} != {rest}");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }

    // Sales: its own tags and actions, and no colleague's email.
    let seen = data(&api, &sales.token, query, json!({"channel": channel})).await;
    assert_eq!(seen["tags"]["items"], json!([{"tag": "vip", "leads": 1, "total": 1}]));
    assert!(names(&seen["activity"]["items"], "actor_id").iter().all(|a| a == sales.id.as_str()), "{seen}");
    let emails = names(&seen["users"]["items"], "email");
    assert_eq!(emails.iter().filter(|e| e.is_string()).collect::<Vec<_>>(), [&json!(sales.email)]);
    // Another account's channel is no channel at all.
    let other = api.sign_up().await;
    let theirs = graphql(&api, &other.admin.token, query, json!({"channel": channel})).await;
    assert_eq!(theirs["errors"][0]["extensions"]["status"], 404, "{theirs}");
}

#[tokio::test]
async fn search_finds_what_the_rest_search_finds() {
    let api = api();
    let a = api.sign_up().await;
    let token = &a.admin.token;
    api.create_lead(token, json!({"name": "Jonathan Smith", "company": "Acme Corp"})).await;
    let rest_path = "/api/v1/search?q=jonh%20smth";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let rest = loop {
        let rest = api.get(rest_path, token).await.expect(200).body;
        if rest["items"].as_array().is_some_and(|items| !items.is_empty()) {
            break rest;
        }
        assert!(std::time::Instant::now() < deadline, "the search never found the lead: {rest}");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    let found = data(&api, token, "{ search(q: \"jonh smth\") }", json!({})).await;
    assert_eq!(found["search"], rest);
    let only_notes = data(&api, token, "{ search(q: \"jonh smth\", kind: note) }", json!({})).await;
    assert_eq!(only_notes["search"]["items"], json!([]));
    let empty = graphql(&api, token, "{ search(q: \"  \") }", json!({})).await;
    assert_eq!(empty["errors"][0]["extensions"]["field"], "q", "{empty}");
}
