//! Every GraphQL mutation against its REST twin (issue #21): the same story told through each API, in an
//! account of its own, must leave the same records, the same activity entries and the same events.

use crm_e2e::{Api, RECEIVER_HOST, Tenant, api, id_of, received, unique_email};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Way {
    Rest,
    Graphql,
}

/// An answer: the record (or id), or the refusal's status and field.
type Answer = Result<Value, (u16, Option<String>)>;

/// The GraphQL name of a kind, and its REST collection.
fn names(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "lead" => ("Lead", "leads"),
        "customer" => ("Customer", "customers"),
        _ => ("Deal", "deals"),
    }
}

const FIELDS: &str = "id version name owner_id tags";

impl Way {
    async fn graphql(api: &Api, token: &str, query: String, variables: Value, field: &str) -> Answer {
        let body = api.post("/api/v1/graphql", Some(token), json!({"query": query, "variables": variables})).await;
        let body = body.expect(200).body;
        match body["errors"].get(0) {
            Some(error) => Err((
                error["extensions"]["status"].as_u64().unwrap_or(0) as u16,
                error["extensions"]["field"].as_str().map(str::to_owned),
            )),
            None => Ok(body["data"][field].clone()),
        }
    }

    fn rest(reply: crm_e2e::Reply, ok: u16) -> Answer {
        if reply.status == ok {
            Ok(reply.body)
        } else {
            Err((reply.status, reply.body["field"].as_str().map(str::to_owned)))
        }
    }

    async fn create(self, api: &Api, token: &str, kind: &str, input: Value, key: Option<&str>) -> Answer {
        let (name, collection) = names(kind);
        match self {
            Way::Rest => {
                let mut request = api.request(Method::POST, &format!("/api/v1/{collection}"), Some(token)).json(&input);
                if let Some(key) = key {
                    request = request.header("idempotency-key", key);
                }
                Self::rest(api.send(request).await, 201)
            }
            Way::Graphql => {
                let field = format!("create_{kind}");
                let query = format!(
                    "mutation ($input: New{name}!, $key: String) {{ {field}(input: $input, idempotency_key: $key) {{ {FIELDS} }} }}"
                );
                Self::graphql(api, token, query, json!({"input": input, "key": key}), &field).await
            }
        }
    }

    async fn update(self, api: &Api, token: &str, kind: &str, id: &str, version: Option<u64>, input: Value) -> Answer {
        let (name, collection) = names(kind);
        match self {
            Way::Rest => {
                let mut request = api.request(Method::PATCH, &format!("/api/v1/{collection}/{id}"), Some(token));
                if let Some(version) = version {
                    request = request.header("if-match", format!("\"{version}\""));
                }
                Self::rest(api.send(request.json(&input)).await, 200)
            }
            Way::Graphql => {
                let field = format!("update_{kind}");
                let query = format!(
                    "mutation ($id: {name}Id!, $version: Int, $input: {name}Patch!) {{ {field}(id: $id, version: $version, input: $input) {{ {FIELDS} }} }}"
                );
                Self::graphql(api, token, query, json!({"id": id, "version": version, "input": input}), &field).await
            }
        }
    }

    async fn delete(self, api: &Api, token: &str, kind: &str, id: &str, version: Option<u64>) -> Answer {
        let (name, collection) = names(kind);
        match self {
            Way::Rest => {
                let mut request = api.request(Method::DELETE, &format!("/api/v1/{collection}/{id}"), Some(token));
                if let Some(version) = version {
                    request = request.header("if-match", format!("\"{version}\""));
                }
                Self::rest(api.send(request).await, 204)
            }
            Way::Graphql => {
                let field = format!("delete_{kind}");
                let query =
                    format!("mutation ($id: {name}Id!, $version: Int) {{ {field}(id: $id, version: $version) }}");
                Self::graphql(api, token, query, json!({"id": id, "version": version}), &field).await
            }
        }
    }
}

impl Way {
    async fn convert(
        self,
        api: &Api,
        token: &str,
        id: &str,
        version: Option<u64>,
        deal: Value,
        key: Option<&str>,
    ) -> Answer {
        match self {
            Way::Rest => {
                let path = format!("/api/v1/leads/{id}/convert");
                let mut request = api.request(Method::POST, &path, Some(token)).json(&json!({"deal": deal}));
                if let Some(version) = version {
                    request = request.header("if-match", format!("\"{version}\""));
                }
                if let Some(key) = key {
                    request = request.header("idempotency-key", key);
                }
                Self::rest(api.send(request).await, 201)
            }
            Way::Graphql => {
                let query = "mutation ($id: LeadId!, $version: Int, $deal: DealTerms, $key: String) {
                    convert_lead(id: $id, version: $version, deal: $deal, idempotency_key: $key) {
                      lead { status version } customer { name } deal { name stage }
                    }
                  }";
                let variables = json!({"id": id, "version": version, "deal": deal, "key": key});
                Self::graphql(api, token, query.to_owned(), variables, "convert_lead").await
            }
        }
    }
}

/// A note's place: the record's kind (`lead`…) and id, and the note's id when it is made.
#[derive(Clone, Copy)]
struct NoteOf<'a>(&'a str, &'a str, Option<&'a str>);

impl NoteOf<'_> {
    fn rest_path(&self) -> String {
        let (_, collection) = names(self.0);
        let notes = format!("/api/v1/{collection}/{}/notes", self.1);
        match self.2 {
            Some(note) => format!("{notes}/{note}"),
            None => notes,
        }
    }

    fn graphql_arguments(&self) -> Value {
        json!({"type": self.0, "record": self.1, "id": self.2})
    }
}

impl Way {
    async fn add_note(self, api: &Api, token: &str, on: NoteOf<'_>, body: &str, key: Option<&str>) -> Answer {
        match self {
            Way::Rest => {
                let mut request = api.request(Method::POST, &on.rest_path(), Some(token)).json(&json!({"body": body}));
                if let Some(key) = key {
                    request = request.header("idempotency-key", key);
                }
                Self::rest(api.send(request).await, 201)
            }
            Way::Graphql => {
                let query = "mutation ($type: RecordKind!, $record: String!, $body: String!, $key: String) {
                    add_note(record_type: $type, record_id: $record, input: {body: $body}, idempotency_key: $key) {
                      id version body
                    }
                  }";
                let mut variables = on.graphql_arguments();
                variables["body"] = json!(body);
                variables["key"] = json!(key);
                Self::graphql(api, token, query.to_owned(), variables, "add_note").await
            }
        }
    }

    async fn edit_note(self, api: &Api, token: &str, on: NoteOf<'_>, version: Option<u64>, body: &str) -> Answer {
        match self {
            Way::Rest => {
                let mut request = api.request(Method::PATCH, &on.rest_path(), Some(token)).json(&json!({"body": body}));
                if let Some(version) = version {
                    request = request.header("if-match", format!("\"{version}\""));
                }
                Self::rest(api.send(request).await, 200)
            }
            Way::Graphql => {
                let query = "mutation ($type: RecordKind!, $record: String!, $id: NoteId!, $version: Int, $body: String!) {
                    update_note(record_type: $type, record_id: $record, id: $id, version: $version, input: {body: $body}) {
                      id version body
                    }
                  }";
                let mut variables = on.graphql_arguments();
                variables["body"] = json!(body);
                variables["version"] = json!(version);
                Self::graphql(api, token, query.to_owned(), variables, "update_note").await
            }
        }
    }

    async fn delete_note(self, api: &Api, token: &str, on: NoteOf<'_>, version: Option<u64>) -> Answer {
        match self {
            Way::Rest => {
                let mut request = api.request(Method::DELETE, &on.rest_path(), Some(token));
                if let Some(version) = version {
                    request = request.header("if-match", format!("\"{version}\""));
                }
                Self::rest(api.send(request).await, 204)
            }
            Way::Graphql => {
                let query = "mutation ($type: RecordKind!, $record: String!, $id: NoteId!, $version: Int) {
                    delete_note(record_type: $type, record_id: $record, id: $id, version: $version)
                  }";
                let mut variables = on.graphql_arguments();
                variables["version"] = json!(version);
                Self::graphql(api, token, query.to_owned(), variables, "delete_note").await
            }
        }
    }
}

/// A note's answer, in what both ways show of it.
fn note(answer: &Answer) -> Answer {
    answer.clone().map(|made| match made.get("body") {
        Some(body) => json!([made["version"], body]),
        None => json!("deleted"),
    })
}

/// A conversion's answer, in what both ways show of it.
fn conversion(answer: Answer) -> Answer {
    answer.map(|made| {
        json!([
            made["lead"]["status"],
            made["lead"]["version"],
            made["customer"]["name"],
            made["deal"]["name"],
            made["deal"]["stage"]
        ])
    })
}

/// What a story left, told one way: the answers (ids and times left out), the activity entries (kind, action
/// and changed fields, sorted) and the event types the account's webhook endpoint received (sorted).
#[derive(Debug, PartialEq)]
struct Outcome {
    answers: Vec<Result<Value, (u16, Option<String>)>>,
    activity: Vec<(String, String, Vec<String>)>,
    events: Vec<String>,
}

/// An answer without what differs between two accounts (ids, owners), in the fields GraphQL asked for.
fn comparable(answer: Answer) -> Answer {
    answer.map(|value| match value {
        Value::Object(fields) => {
            let kept = fields.into_iter().filter(|(name, _)| ["version", "name", "tags"].contains(&name.as_str()));
            Value::Object(kept.collect())
        }
        // A deletion: REST answers 204 with no body, GraphQL the id.
        _ => json!("deleted"),
    })
}

/// Events the story makes, whichever way it is told.
const NEEDED: [&str; 9] = [
    "lead.created",
    "lead.status_changed",
    "lead.converted",
    "lead.deleted",
    "deal.created",
    "customer.deleted",
    "note.added",
    "note.edited",
    "note.deleted",
];

fn event_type(body: &str) -> String {
    let event: Value = serde_json::from_str(body).unwrap_or_default();
    event["type"].as_str().unwrap_or_default().to_owned()
}

async fn tell(way: Way) -> Outcome {
    let api = api();
    let tenant: Tenant = api.sign_up().await;
    let sales = api.add_user(&tenant, "sales").await;
    let token = tenant.admin.token.clone();
    let path = format!("/both-ways/{}", unique_email("w").replace(['@', '.'], "-"));
    let events = json!([
        "lead.created",
        "lead.updated",
        "lead.status_changed",
        "lead.converted",
        "lead.deleted",
        "customer.created",
        "customer.updated",
        "customer.deleted",
        "deal.created",
        "deal.updated",
        "deal.stage_changed",
        "deal.won",
        "deal.deleted",
        "note.added",
        "note.edited",
        "note.deleted"
    ]);
    let endpoint = json!({"url": format!("https://{RECEIVER_HOST}{path}"), "events": events});
    api.post("/api/v1/webhook_endpoints", Some(&token), endpoint).await.expect(201);

    let mut answers = Vec::new();
    let lead_input = json!({"name": "Ada Lovelace", "email": "ada@engines.example", "tags": ["vip"],
        "estimated_value": {"amount_minor": 250000, "currency": "GBP"}});
    let lead = way.create(&api, &token, "lead", lead_input.clone(), Some("first-lead")).await;
    let lead_id = id_of(lead.as_ref().expect("the lead is made"));
    answers.push(comparable(lead.clone()));
    // The same key again: the first lead; with another input: refused.
    let again = way.create(&api, &token, "lead", lead_input.clone(), Some("first-lead")).await;
    assert_eq!(again.as_ref().map(id_of), Ok(lead_id.clone()), "{way:?}");
    answers.push(comparable(again));
    answers.push(comparable(way.create(&api, &token, "lead", json!({"name": "Other"}), Some("first-lead")).await));
    // Bad input names its field; a stale version is refused; Sales may not delete.
    answers.push(comparable(way.create(&api, &token, "lead", json!({"name": " "}), None).await));
    answers.push(comparable(way.update(&api, &token, "lead", &lead_id, Some(1), json!({"status": "contacted"})).await));
    answers.push(comparable(way.update(&api, &token, "lead", &lead_id, Some(1), json!({"status": "qualified"})).await));
    answers.push(comparable(
        way.update(&api, &token, "lead", &lead_id, None, json!({"email": null, "tags": ["vip", "fair"]})).await,
    ));
    answers.push(comparable(way.update(&api, &token, "lead", &lead_id, None, json!({"status": "converted"})).await));
    answers.push(comparable(way.delete(&api, &sales.token, "lead", &lead_id, None).await));

    let customer =
        way.create(&api, &token, "customer", json!({"name": "Acme", "address": {"city": "Leeds"}}), None).await;
    let customer_id = id_of(customer.as_ref().expect("the customer is made"));
    answers.push(comparable(customer));
    answers.push(comparable(
        way.update(
            &api,
            &token,
            "customer",
            &customer_id,
            Some(1),
            json!({"address": null, "phone": "+44 113 496 0000"}),
        )
        .await,
    ));
    let deal =
        json!({"name": "Engines", "customer_id": customer_id, "amount": {"amount_minor": 100, "currency": "EUR"}});
    let deal = way.create(&api, &token, "deal", deal, None).await;
    let deal_id = id_of(deal.as_ref().expect("the deal is made"));
    answers.push(comparable(deal));
    answers.push(comparable(way.update(&api, &token, "deal", &deal_id, None, json!({"stage": "lost"})).await));
    answers.push(comparable(way.update(&api, &token, "deal", &deal_id, None, json!({"stage": "won"})).await));
    answers.push(comparable(way.delete(&api, &token, "deal", &deal_id, Some(9)).await));
    answers.push(comparable(way.delete(&api, &token, "deal", &deal_id, None).await));
    answers.push(comparable(way.delete(&api, &token, "customer", &customer_id, None).await));
    answers.push(comparable(way.delete(&api, &token, "lead", &lead_id, Some(3)).await));
    api.get(&format!("/api/v1/leads/{lead_id}"), &token).await.expect_problem(404, None);

    // A conversion with a deal; the same again under its key; again without: the lead is converted already.
    let grace = way.create(&api, &token, "lead", json!({"name": "Grace", "status": "qualified"}), None).await;
    let grace = id_of(grace.as_ref().expect("the lead is made"));
    let terms = json!({"name": "Grace's deal", "amount": {"amount_minor": 5000, "currency": "EUR"}, "tags": ["q4"]});
    answers.push(conversion(way.convert(&api, &token, &grace, Some(1), terms.clone(), Some("convert-grace")).await));
    answers.push(conversion(way.convert(&api, &token, &grace, Some(1), terms.clone(), Some("convert-grace")).await));
    answers.push(conversion(way.convert(&api, &token, &grace, None, terms, None).await));

    // Notes on a Sales user's lead: the Admin's, under a key and again; Sales's own; then edits and deletes
    // by the author, by the Admin and by Sales, which may change only its own.
    let own = way.create(&api, &sales.token, "lead", json!({"name": "Sales's own"}), None).await;
    let own = id_of(own.as_ref().expect("the lead is made"));
    let new = NoteOf("lead", &own, None);
    let admins = way.add_note(&api, &token, new, "Called.\nWill call back.", Some("note-1")).await;
    let admins_id = id_of(admins.as_ref().expect("the note is made"));
    let admins_note = NoteOf("lead", &own, Some(&admins_id));
    answers.push(note(&admins));
    let again = way.add_note(&api, &token, new, "Called.\nWill call back.", Some("note-1")).await;
    assert_eq!(again.as_ref().map(id_of), Ok(admins_id.clone()), "{way:?}");
    answers.push(note(&again));
    answers.push(note(&way.add_note(&api, &token, new, "Other", Some("note-1")).await));
    let sales_made = way.add_note(&api, &sales.token, new, "Mine", None).await;
    let sales_id = id_of(sales_made.as_ref().expect("the note is made"));
    let sales_note = NoteOf("lead", &own, Some(&sales_id));
    answers.push(note(&sales_made));
    answers.push(note(&way.add_note(&api, &token, new, " \t ", None).await));
    answers.push(note(&way.add_note(&api, &token, NoteOf("deal", &lead_id, None), "Gone", None).await));
    answers.push(note(&way.edit_note(&api, &token, admins_note, Some(9), "Stale").await));
    answers.push(note(&way.edit_note(&api, &token, admins_note, Some(1), "Called.\nWill call back.").await));
    answers.push(note(&way.edit_note(&api, &token, admins_note, Some(1), "Called twice.").await));
    answers.push(note(&way.edit_note(&api, &sales.token, admins_note, None, "Not mine").await));
    answers.push(note(&way.edit_note(&api, &token, sales_note, None, "Checked by the Admin").await));
    answers.push(note(&way.delete_note(&api, &sales.token, admins_note, None).await));
    answers.push(note(&way.delete_note(&api, &token, sales_note, Some(1)).await));
    answers.push(note(&way.delete_note(&api, &token, sales_note, Some(2)).await));
    answers.push(note(&way.delete_note(&api, &sales.token, sales_note, None).await));

    let log = api.get("/api/v1/activity?limit=100", &token).await.expect(200).body;
    let mut activity: Vec<(String, String, Vec<String>)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| ["lead", "customer", "deal"].contains(&entry["entity"].as_str().unwrap_or_default()))
        .map(|entry| {
            let fields = entry["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap().to_owned());
            (
                entry["entity"].as_str().unwrap().to_owned(),
                entry["action"].as_str().unwrap().to_owned(),
                fields.collect(),
            )
        })
        .collect();
    // Entries written in one transaction (a conversion's) share a millisecond, in no set order among them.
    activity.sort();

    // Every event: those the story must make, and then whatever else comes within two seconds.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    let mut seen = (0, tokio::time::Instant::now());
    let events = loop {
        let got: Vec<String> = received(&path).iter().map(|r| event_type(&r.body)).collect();
        let all_there = NEEDED.iter().all(|needed| got.iter().any(|e| e == needed));
        if got.len() != seen.0 {
            seen = (got.len(), tokio::time::Instant::now());
        } else if (all_there && seen.1.elapsed() > Duration::from_secs(2)) || tokio::time::Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut events = events;
    events.sort();
    Outcome { answers, activity, events }
}

#[tokio::test]
async fn every_mutation_does_what_its_rest_twin_does() {
    let (rest, graphql) = tokio::join!(tell(Way::Rest), tell(Way::Graphql));
    for expected in NEEDED {
        assert!(rest.events.iter().any(|e| e == expected), "{expected}: {:#?}", rest.events);
    }
    // The refusals are refusals, for the reasons the story gives.
    let refused = |n: usize| rest.answers[n].clone().err();
    assert_eq!(refused(2), Some((409, Some("Idempotency-Key".to_owned()))), "another input under a used key");
    assert_eq!(refused(3), Some((422, Some("name".to_owned()))), "a blank name");
    assert_eq!(refused(5), Some((412, None)), "a stale version");
    assert_eq!(refused(8).map(|(status, _)| status), Some(404), "Sales deleting the Admin's lead");
    // The story ends with 3 conversion steps and then 15 note steps.
    let notes = rest.answers.len() - 15;
    let converted = notes - 3;
    assert_eq!(rest.answers[converted], Ok(json!(["converted", 2, "Grace", "Grace's deal", "prospecting"])));
    assert_eq!(rest.answers[converted + 1], rest.answers[converted], "a retry under the key");
    assert_eq!(refused(converted + 2).map(|(status, _)| status), Some(409), "converted already");
    assert_eq!(rest.answers[notes], Ok(json!([1, "Called.\nWill call back."])));
    assert_eq!(rest.answers[notes + 1], rest.answers[notes], "a retry under the key");
    assert_eq!(refused(notes + 2), Some((409, Some("Idempotency-Key".to_owned()))), "another body under a used key");
    assert_eq!(refused(notes + 4), Some((422, Some("body".to_owned()))), "a blank note");
    assert_eq!(refused(notes + 5).map(|(status, _)| status), Some(404), "a note on no deal");
    assert_eq!(refused(notes + 6), Some((412, None)), "a stale version");
    assert_eq!(rest.answers[notes + 7], Ok(json!([1, "Called.\nWill call back."])), "the same text changes nothing");
    assert_eq!(rest.answers[notes + 8], Ok(json!([2, "Called twice."])));
    assert_eq!(refused(notes + 9).map(|(status, _)| status), Some(403), "Sales editing the Admin's note");
    assert_eq!(rest.answers[notes + 10], Ok(json!([2, "Checked by the Admin"])));
    assert_eq!(refused(notes + 11).map(|(status, _)| status), Some(403), "Sales deleting the Admin's note");
    assert_eq!(refused(notes + 12), Some((412, None)), "deleting a note at a stale version");
    assert_eq!(rest.answers[notes + 13], Ok(json!("deleted")));
    assert_eq!(refused(notes + 14).map(|(status, _)| status), Some(404), "deleting it again");
    assert_eq!(rest.answers.len(), graphql.answers.len());
    for (n, (r, g)) in rest.answers.iter().zip(&graphql.answers).enumerate() {
        assert_eq!(r, g, "answer {n}");
    }
    assert_eq!(rest.activity, graphql.activity);
    assert_eq!(rest.events, graphql.events);
}
