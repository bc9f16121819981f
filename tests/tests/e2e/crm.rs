use crm_e2e::{all_pages, api, id_of as id};
use reqwest::Method;
use serde_json::{Value, json};

fn actions(history: &Value) -> Vec<String> {
    history["items"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_qualified_lead_converts_into_a_customer_and_a_deal_once() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let lead = api
        .create_lead(
            token,
            json!({"name": "Jonathan Smith", "email": "jon@acme.example", "company": "Acme", "tags": ["vip"]}),
        )
        .await;
    let lead_path = format!("/api/v1/leads/{}", id(&lead));
    let convert = format!("{lead_path}/convert");

    // Only a qualified lead converts.
    api.post(&convert, Some(token), json!({})).await.expect_problem(409, None);
    api.patch(&lead_path, token, json!({"status": "qualified"})).await.expect(200);

    let deal_terms = json!({"deal": {"name": "Acme pilot", "amount": {"amount_minor": 500000, "currency": "EUR"}, "expected_close_date": "2026-12-31"}});
    let converted = api.post(&convert, Some(token), deal_terms.clone()).await.expect(201).body;
    let customer = &converted["customer"];
    let deal = &converted["deal"];
    assert_eq!(converted["lead"]["status"], "converted");
    assert_eq!(converted["lead"]["customer_id"], customer["id"]);
    assert_eq!(customer["name"], "Jonathan Smith");
    assert_eq!(customer["email"], "jon@acme.example");
    assert_eq!(customer["lead_id"], lead["id"]);
    assert_eq!(customer["tags"], json!(["vip"]));
    assert_eq!(deal["customer_id"], customer["id"]);
    assert_eq!(deal["stage"], "prospecting");
    assert_eq!(deal["owner_id"], tenant.admin.id.as_str());

    let stored_customer = api.get(&format!("/api/v1/customers/{}", id(customer)), token).await.expect(200);
    assert_eq!(&stored_customer.body, customer);
    api.get(&format!("/api/v1/deals/{}", id(deal)), token).await.expect(200);

    // Twice is refused, and nothing new is created.
    api.post(&convert, Some(token), deal_terms).await.expect_problem(409, None);
    assert_eq!(all_pages(&api, "/api/v1/customers", token).await.concat().len(), 1);
    assert_eq!(all_pages(&api, "/api/v1/deals", token).await.concat().len(), 1);
    // A converted lead's status is final.
    api.patch(&lead_path, token, json!({"status": "new"})).await.expect_problem(409, Some("status"));

    let history = api.get(&format!("{lead_path}/timeline"), token).await.expect(200).body;
    assert_eq!(actions(&history), ["converted", "status_changed", "created"]);
    assert_eq!(history["items"][0]["related"]["customer_id"], customer["id"]);
    assert_eq!(history["items"][0]["related"]["deal_id"], deal["id"]);
}

#[tokio::test]
async fn conversion_without_a_deal_and_bad_deal_terms() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let lead = api.create_lead(token, json!({"name": "Solo", "status": "qualified"})).await;
    let convert = format!("/api/v1/leads/{}/convert", id(&lead));
    let bad = json!({"deal": {"name": "X", "amount": {"amount_minor": 5, "currency": "eur"}}});
    api.post(&convert, Some(token), bad).await.expect_problem(422, Some("deal.amount.currency"));
    let converted = api.send(api.request(Method::POST, &convert, Some(token))).await.expect(201).body;
    assert_eq!(converted["deal"], Value::Null);
    assert!(converted["customer"]["id"].is_string());
}

#[tokio::test]
async fn a_conversion_too_large_for_one_transaction_is_refused_up_front() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let lead_tags: Vec<String> = (0..20).map(|i| format!("lead-{i:02}")).collect();
    let deal_tags: Vec<String> = (0..20).map(|i| format!("deal-{i:02}")).collect();
    let lead = api.create_lead(token, json!({"name": "Tagged", "status": "qualified", "tags": lead_tags})).await;
    let convert = format!("/api/v1/leads/{}/convert", id(&lead));
    let terms = |tags: &[String]| json!({"deal": {"name": "D", "amount": {"amount_minor": 5, "currency": "EUR"}, "tags": tags}});
    api.post(&convert, Some(token), terms(&deal_tags)).await.expect_problem(422, Some("deal.tags"));
    let unchanged = api.get(&format!("/api/v1/leads/{}", id(&lead)), token).await.expect(200).body;
    assert_eq!(unchanged["status"], "qualified");
    assert_eq!(all_pages(&api, "/api/v1/customers", token).await.concat(), Vec::<String>::new());

    // The lead's own tags on the deal share the customer's counters, so twenty of them fit.
    let converted = api.post(&convert, Some(token), terms(&lead_tags)).await.expect(201).body;
    assert_eq!(converted["deal"]["tags"].as_array().map(Vec::len), Some(20));
}

#[tokio::test]
async fn a_deal_walks_the_pipeline_and_an_illegal_move_is_refused() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let customer = api.post("/api/v1/customers", Some(token), json!({"name": "Globex"})).await.expect(201).body;
    let deal = api
        .post("/api/v1/deals", Some(token), json!({"name": "Globex expansion", "customer_id": customer["id"], "amount": {"amount_minor": 120000, "currency": "USD"}}))
        .await
        .expect(201)
        .body;
    let path = format!("/api/v1/deals/{}", id(&deal));
    api.patch(&path, token, json!({"stage": "won"})).await.expect_problem(409, Some("stage"));
    for stage in ["qualification", "proposal", "negotiation"] {
        assert_eq!(api.patch(&path, token, json!({"stage": stage})).await.expect(200).body["stage"], stage);
    }
    api.patch(&path, token, json!({"stage": "lost"})).await.expect_problem(409, Some("lost_reason"));
    let won = api.patch(&path, token, json!({"stage": "won"})).await.expect(200).body;
    assert!(won["closed_at"].is_string());
    api.patch(&path, token, json!({"stage": "negotiation"})).await.expect_problem(409, Some("stage"));

    let history = api.get(&format!("{path}/timeline"), token).await.expect(200).body;
    assert_eq!(actions(&history), ["stage_changed", "stage_changed", "stage_changed", "stage_changed", "created"]);
    let moves: Vec<(Value, Value)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .take(4)
        .map(|a| {
            let change = a["changes"].as_array().unwrap().iter().find(|c| c["field"] == "stage").unwrap();
            (change["old"].clone(), change["new"].clone())
        })
        .collect();
    assert_eq!(
        moves,
        [
            (json!("negotiation"), json!("won")),
            (json!("proposal"), json!("negotiation")),
            (json!("qualification"), json!("proposal")),
            (json!("prospecting"), json!("qualification")),
        ]
    );

    let lost = api
        .post("/api/v1/deals", Some(token), json!({"name": "Side deal", "customer_id": customer["id"], "amount": {"amount_minor": 1, "currency": "USD"}}))
        .await
        .expect(201)
        .body;
    let lost_path = format!("/api/v1/deals/{}", id(&lost));
    api.patch(&lost_path, token, json!({"stage": "lost", "lost_reason": "No budget"})).await.expect(200);
    let by_stage = |stage: &str| format!("/api/v1/deals?stage={stage}");
    assert_eq!(all_pages(&api, &by_stage("won"), token).await.concat(), [id(&deal)]);
    assert_eq!(all_pages(&api, &by_stage("lost"), token).await.concat(), [id(&lost)]);
    api.get(&by_stage("closed"), token).await.expect_problem(400, Some("stage"));
}

#[tokio::test]
async fn deals_must_belong_to_a_visible_customer_or_lead() {
    let api = api();
    let tenant = api.sign_up().await;
    let other = api.sign_up().await;
    let sales = api.add_user(&tenant, "sales").await;
    let amount = json!({"amount_minor": 100, "currency": "EUR"});
    let foreign =
        api.post("/api/v1/customers", Some(&other.admin.token), json!({"name": "Theirs"})).await.expect(201).body;
    api.post(
        "/api/v1/deals",
        Some(&tenant.admin.token),
        json!({"name": "X", "customer_id": foreign["id"], "amount": amount}),
    )
    .await
    .expect_problem(404, Some("customer_id"));
    let admins =
        api.post("/api/v1/customers", Some(&tenant.admin.token), json!({"name": "Admin's"})).await.expect(201).body;
    api.post("/api/v1/deals", Some(&sales.token), json!({"name": "X", "customer_id": admins["id"], "amount": amount}))
        .await
        .expect_problem(404, Some("customer_id"));
    let lead = api.create_lead(&sales.token, json!({"name": "Sales lead"})).await;
    let deal = api
        .post(
            "/api/v1/deals",
            Some(&sales.token),
            json!({"name": "On a lead", "lead_id": lead["id"], "amount": amount}),
        )
        .await
        .expect(201);
    assert_eq!(deal.body["owner_id"], sales.id.as_str());
    assert_eq!(deal.header("location").unwrap(), format!("/api/v1/deals/{}", id(&deal.body)));
}

/// An id in another spelling (lower case, or a first character offset by 8: the same 128 bits) names the
/// same record, and what is written under it is found under the canonical spelling (issue #15, item 8).
#[tokio::test]
async fn another_spelling_of_an_id_names_the_same_record() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let lead = api.create_lead(token, json!({"name": "Spelled"})).await;
    let canonical = id(&lead);
    let mut offset = canonical.clone();
    let first = offset.remove(0);
    let shifted = char::from_digit(first.to_digit(32).unwrap() + 8, 32).unwrap().to_ascii_uppercase();
    offset.insert(0, shifted);
    for alias in [canonical.to_lowercase(), offset] {
        let note = api
            .post(&format!("/api/v1/leads/{alias}/notes"), Some(token), json!({"body": format!("under {alias}")}))
            .await
            .expect(201)
            .body;
        let notes = all_pages(&api, &format!("/api/v1/leads/{canonical}/notes"), token).await.concat();
        assert!(notes.contains(&id(&note)), "a note written under {alias} is listed under {canonical}");
        let timeline = api.get(&format!("/api/v1/leads/{alias}/timeline"), token).await.expect(200).body;
        assert!(!timeline["items"].as_array().unwrap().is_empty(), "the timeline under {alias}");
    }
}

#[tokio::test]
async fn notes_are_added_listed_edited_and_removed() {
    let api = api();
    let tenant = api.sign_up().await;
    // More people, keys or endpoints than a new account's Free plan has room for.
    crm_e2e::on_plan(&tenant, crm_domain::plan::Plan::Team).await;
    let manager = api.add_user(&tenant, "manager").await;
    let sales = api.add_user(&tenant, "sales").await;
    let other_sales = api.add_user(&tenant, "sales").await;
    let lead = api.create_lead(&sales.token, json!({"name": "Noted"})).await;
    let notes = format!("/api/v1/leads/{}/notes", id(&lead));

    let first = api.post(&notes, Some(&sales.token), json!({"body": "First call went well."})).await.expect(201).body;
    let second = api
        .post(&notes, Some(&manager.token), json!({"body": "Follow up in May.\nBring pricing."}))
        .await
        .expect(201)
        .body;
    assert_eq!(second["body"], "Follow up in May.\nBring pricing.");
    assert_eq!(all_pages(&api, &format!("{notes}?limit=1"), &sales.token).await.concat(), [id(&second), id(&first)]);

    let first_path = format!("{notes}/{}", id(&first));
    let second_path = format!("{notes}/{}", id(&second));
    // Only the author, an Admin or a Manager edits; others who cannot see the lead get 404.
    api.patch(&second_path, &sales.token, json!({"body": "mine now"})).await.expect_problem(403, None);
    api.patch(&first_path, &other_sales.token, json!({"body": "x"})).await.expect_problem(404, None);
    api.get(&notes, &other_sales.token).await.expect_problem(404, None);
    let edited = api.patch(&first_path, &sales.token, json!({"body": "First call went very well."})).await.expect(200);
    assert_eq!(edited.body["version"], 2);
    let stale = api
        .request(Method::PATCH, &first_path, Some(&sales.token))
        .header("if-match", "\"1\"")
        .json(&json!({"body": "old"}));
    api.send(stale).await.expect_problem(412, None);
    api.patch(&first_path, &manager.token, json!({"body": ""})).await.expect_problem(422, Some("body"));
    api.delete(&second_path, &sales.token).await.expect_problem(403, None);
    api.delete(&second_path, &tenant.admin.token).await.expect(204);
    api.delete(&second_path, &tenant.admin.token).await.expect_problem(404, None);
    assert_eq!(all_pages(&api, &notes, &sales.token).await.concat(), [id(&first)]);

    let history = api.get(&format!("/api/v1/leads/{}/timeline", id(&lead)), &sales.token).await.expect(200).body;
    assert_eq!(actions(&history), ["note_deleted", "note_edited", "note_added", "note_added", "created"]);
    // What a note said is not kept in the timeline (the note itself holds its current text).
    assert!(history["items"][1]["changes"].as_array().is_none_or(Vec::is_empty), "{history}");
    assert!(!history.to_string().contains("First call went"), "{history}");

    api.post("/api/v1/users/x/notes", Some(&sales.token), json!({"body": "?"})).await.expect_problem(404, None);
    api.post(&format!("/api/v1/deals/{}/notes", id(&lead)), Some(&sales.token), json!({"body": "?"}))
        .await
        .expect_problem(404, None);
}

#[tokio::test]
async fn tags_filter_every_list_and_are_counted() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let lead = api.create_lead(token, json!({"name": "L", "tags": ["vip", "emea"]})).await;
    let customer =
        api.post("/api/v1/customers", Some(token), json!({"name": "C", "tags": ["vip"]})).await.expect(201).body;
    let plain = api.post("/api/v1/customers", Some(token), json!({"name": "Plain"})).await.expect(201).body;
    let deal = api
        .post("/api/v1/deals", Some(token), json!({"name": "D", "customer_id": customer["id"], "amount": {"amount_minor": 1, "currency": "EUR"}, "tags": ["VIP"]}))
        .await
        .expect(201)
        .body;
    assert_eq!(all_pages(&api, "/api/v1/customers?tag=vip", token).await.concat(), [id(&customer)]);
    assert_eq!(all_pages(&api, "/api/v1/deals?tag=vip", token).await.concat(), [id(&deal)]);
    assert_eq!(all_pages(&api, "/api/v1/customers", token).await.concat(), [id(&plain), id(&customer)]);

    let tags = api.get("/api/v1/tags", token).await.expect(200).body;
    assert_eq!(
        tags["items"],
        json!([
            {"tag": "emea", "leads": 1, "customers": 0, "deals": 0, "total": 1},
            {"tag": "vip", "leads": 1, "customers": 1, "deals": 1, "total": 3},
        ])
    );

    api.patch(&format!("/api/v1/leads/{}", id(&lead)), token, json!({"tags": ["vip"]})).await.expect(200);
    api.delete(&format!("/api/v1/deals/{}", id(&deal)), token).await.expect(204);
    let tags = api.get("/api/v1/tags", token).await.expect(200).body;
    assert_eq!(tags["items"], json!([{"tag": "vip", "leads": 1, "customers": 1, "deals": 0, "total": 2}]));
    assert_eq!(all_pages(&api, "/api/v1/deals?tag=vip", token).await.concat(), Vec::<String>::new());
}

#[tokio::test]
async fn sales_counts_only_the_tags_of_records_they_own() {
    let api = api();
    let tenant = api.sign_up().await;
    let (ana, ben) = (api.add_user(&tenant, "sales").await, api.add_user(&tenant, "sales").await);
    let admin = &tenant.admin.token;
    api.create_lead(admin, json!({"name": "Admin's", "tags": ["secret-project", "vip"]})).await;
    let lead = api.create_lead(&ana.token, json!({"name": "Ana's", "tags": ["vip"]})).await;
    api.post("/api/v1/customers", Some(&ana.token), json!({"name": "C", "tags": ["vip", "emea"]})).await.expect(201);

    let counts = |body: Value| body["items"].clone();
    assert_eq!(
        counts(api.get("/api/v1/tags", &ana.token).await.expect(200).body),
        json!([
            {"tag": "emea", "leads": 0, "customers": 1, "deals": 0, "total": 1},
            {"tag": "vip", "leads": 1, "customers": 1, "deals": 0, "total": 2},
        ])
    );
    assert_eq!(counts(api.get("/api/v1/tags", &ben.token).await.expect(200).body), json!([]));
    let everyone = counts(api.get("/api/v1/tags", admin).await.expect(200).body);
    assert_eq!(everyone[2], json!({"tag": "vip", "leads": 2, "customers": 1, "deals": 0, "total": 3}));

    // Reassigning a record moves its tags to the new owner's counts.
    api.patch(&format!("/api/v1/leads/{}", id(&lead)), admin, json!({"owner_id": ben.id})).await.expect(200);
    assert_eq!(
        counts(api.get("/api/v1/tags", &ben.token).await.expect(200).body),
        json!([{"tag": "vip", "leads": 1, "customers": 0, "deals": 0, "total": 1}])
    );
    assert_eq!(
        counts(api.get("/api/v1/tags", &ana.token).await.expect(200).body)[1],
        json!({"tag": "vip", "leads": 0, "customers": 1, "deals": 0, "total": 1})
    );
}

#[tokio::test]
async fn a_timeline_shows_each_change_in_order() {
    let api = api();
    let tenant = api.sign_up().await;
    let manager = api.add_user(&tenant, "manager").await;
    let token = &tenant.admin.token;
    let customer = api
        .post("/api/v1/customers", Some(token), json!({"name": "Initech", "phone": "+1 555 0199"}))
        .await
        .expect(201)
        .body;
    let path = format!("/api/v1/customers/{}", id(&customer));
    api.patch(&path, token, json!({"company": "Initech LLC"})).await.expect(200);
    api.patch(&path, token, json!({"phone": null, "address": {"city": "Austin", "country": "US"}})).await.expect(200);
    api.patch(&path, token, json!({"owner_id": manager.id})).await.expect(200);

    let pages = all_pages(&api, &format!("{path}/timeline?limit=2"), token).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>()[..2], [2, 2]);
    let history = api.get(&format!("{path}/timeline"), token).await.expect(200).body;
    let items = history["items"].as_array().unwrap();
    assert_eq!(actions(&history), ["owner_changed", "updated", "updated", "created"]);
    assert_eq!(items[0]["changes"], json!([{"field": "owner_id", "old": tenant.admin.id, "new": manager.id}]));
    assert_eq!(items[1]["changes"][0]["field"], "address");
    assert_eq!(items[1]["changes"][1], json!({"field": "phone", "old": "+1 555 0199", "new": null}));
    assert_eq!(items[2]["changes"], json!([{"field": "company", "old": null, "new": "Initech LLC"}]));
    assert!(items.iter().all(|a| a["entity"] == "customer" && a["entity_id"] == customer["id"]));
    let ats: Vec<&str> = items.iter().map(|a| a["at"].as_str().unwrap()).collect();
    assert!(ats.windows(2).all(|w| w[0] >= w[1]), "{ats:?}");
}

#[tokio::test]
async fn the_activity_log_shows_the_tenant_to_managers_and_sales_its_own() {
    let api = api();
    let tenant = api.sign_up().await;
    let sales = api.add_user(&tenant, "sales").await;
    let manager = api.add_user(&tenant, "manager").await;
    api.create_lead(&sales.token, json!({"name": "By sales"})).await;
    api.create_lead(&manager.token, json!({"name": "By manager"})).await;

    let everything = api.get("/api/v1/activity?limit=100", &manager.token).await.expect(200).body;
    let actors: Vec<&str> =
        everything["items"].as_array().unwrap().iter().map(|a| a["actor_id"].as_str().unwrap()).collect();
    assert!(
        actors.contains(&sales.id.as_str())
            && actors.contains(&manager.id.as_str())
            && actors.contains(&tenant.admin.id.as_str())
    );
    assert_eq!(everything["items"][0]["entity"], "lead");

    let own = api.get("/api/v1/activity", &sales.token).await.expect(200).body;
    let own = own["items"].as_array().unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["actor_id"], sales.id.as_str());
    assert_eq!(own[0]["action"], "created");
}

#[tokio::test]
async fn creates_replay_their_idempotency_key_and_changes_honour_if_match() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let post = |path: &str, key: &str, body: &Value| {
        api.request(Method::POST, path, Some(token)).header("idempotency-key", key).json(body)
    };

    let customer = json!({"name": "Umbrella"});
    let first = api.send(post("/api/v1/customers", "c-1", &customer)).await.expect(201);
    let again = api.send(post("/api/v1/customers", "c-1", &customer)).await.expect(201);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(all_pages(&api, "/api/v1/customers", token).await.concat().len(), 1);

    let deal = json!({"name": "Umbrella deal", "customer_id": first.body["id"], "amount": {"amount_minor": 9, "currency": "GBP"}});
    let deal_first = api.send(post("/api/v1/deals", "d-1", &deal)).await.expect(201);
    assert_eq!(api.send(post("/api/v1/deals", "d-1", &deal)).await.expect(201).body, deal_first.body);
    assert_eq!(all_pages(&api, "/api/v1/deals", token).await.concat().len(), 1);

    let notes = format!("/api/v1/customers/{}/notes", id(&first.body));
    let note = json!({"body": "Once"});
    let note_first = api.send(post(&notes, "n-1", &note)).await.expect(201);
    assert_eq!(api.send(post(&notes, "n-1", &note)).await.expect(201).body, note_first.body);
    assert_eq!(all_pages(&api, &notes, token).await.concat().len(), 1);

    let lead = api.create_lead(token, json!({"name": "Convert me", "status": "qualified"})).await;
    let convert = format!("/api/v1/leads/{}/convert", id(&lead));
    let converted = api.send(post(&convert, "v-1", &json!({}))).await.expect(201);
    assert_eq!(api.send(post(&convert, "v-1", &json!({}))).await.expect(201).body, converted.body);
    api.send(post(&convert, "v-2", &json!({}))).await.expect_problem(409, None);

    for path in [format!("/api/v1/customers/{}", id(&first.body)), format!("/api/v1/deals/{}", id(&deal_first.body))] {
        let stale = api
            .request(Method::PATCH, &path, Some(token))
            .header("if-match", "\"9\"")
            .json(&json!({"name": "Renamed"}));
        api.send(stale).await.expect_problem(412, None);
        let fresh = api
            .request(Method::PATCH, &path, Some(token))
            .header("if-match", "\"1\"")
            .json(&json!({"name": "Renamed"}));
        assert_eq!(api.send(fresh).await.expect(200).header("etag"), Some("\"2\""));
    }
    let lead_stale = api.request(
        Method::POST,
        &format!(
            "/api/v1/leads/{}/convert",
            id(&api.create_lead(token, json!({"name": "Q", "status": "qualified"})).await)
        ),
        Some(token),
    );
    api.send(lead_stale.header("if-match", "\"5\"")).await.expect_problem(412, None);
}

/// The timeline says that a note was added, edited or deleted, never what it said: a deleted or edited
/// note's text is not readable there, by anyone (issue #15, item 11).
#[tokio::test]
async fn the_timeline_keeps_no_note_text() {
    let api = api();
    let tenant = api.sign_up().await;
    let manager = api.add_user(&tenant, "manager").await;
    let sales = api.add_user(&tenant, "sales").await;
    let lead = api.create_lead(&sales.token, json!({"name": "Owned by sales"})).await;
    let notes = format!("/api/v1/leads/{}/notes", id(&lead));
    let note = api.post(&notes, Some(&manager.token), json!({"body": "secret margin 12%"})).await.expect(201).body;
    let note_path = format!("{notes}/{}", id(&note));
    let edited = api.patch(&note_path, &manager.token, json!({"body": "secret margin 15%"})).await.expect(200).body;
    assert_eq!(edited["body"], "secret margin 15%");
    api.delete(&note_path, &manager.token).await.expect(204);
    let timeline = api.get(&format!("/api/v1/leads/{}/timeline", id(&lead)), &sales.token).await.expect(200).body;
    assert_eq!(actions(&timeline), ["note_deleted", "note_edited", "note_added", "created"]);
    assert!(!timeline.to_string().contains("secret margin"), "{timeline}");
}

#[tokio::test]
async fn tags_follow_customers_and_deals_through_changes_and_deletes() {
    let api = api();
    let tenant = api.sign_up().await;
    let token = &tenant.admin.token;
    let customer = api
        .post("/api/v1/customers", Some(token), json!({"name": "C", "tags": ["vip", "emea"]}))
        .await
        .expect(201)
        .body;
    let leaving =
        api.post("/api/v1/customers", Some(token), json!({"name": "Leaving", "tags": ["vip"]})).await.expect(201).body;
    let deal = api
        .post("/api/v1/deals", Some(token), json!({"name": "D", "customer_id": customer["id"], "amount": {"amount_minor": 1, "currency": "EUR"}, "tags": ["vip", "q4"]}))
        .await
        .expect(201)
        .body;
    api.patch(&format!("/api/v1/customers/{}", id(&customer)), token, json!({"tags": ["vip"]})).await.expect(200);
    api.patch(&format!("/api/v1/deals/{}", id(&deal)), token, json!({"tags": ["q4"]})).await.expect(200);
    api.delete(&format!("/api/v1/customers/{}", id(&leaving)), token).await.expect(204);
    let tags = api.get("/api/v1/tags", token).await.expect(200).body;
    assert_eq!(
        tags["items"],
        json!([
            {"tag": "q4", "leads": 0, "customers": 0, "deals": 1, "total": 1},
            {"tag": "vip", "leads": 0, "customers": 1, "deals": 0, "total": 1},
        ])
    );
    assert_eq!(all_pages(&api, "/api/v1/customers?tag=emea", token).await.concat(), Vec::<String>::new());
    assert_eq!(all_pages(&api, "/api/v1/deals?tag=vip", token).await.concat(), Vec::<String>::new());
}
