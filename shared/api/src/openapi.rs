//! The OpenAPI 3.1 document, generated from the router: each handler carries its own documentation and
//! its extractors and types state what it accepts, so the route table and the document are one list.

use crate::problem::PROBLEM_JSON;
use std::sync::OnceLock;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, Parameter, PathItem};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

/// Every operation of a path item with its upper-case method.
pub fn operations(item: &PathItem) -> impl Iterator<Item = (&'static str, &Operation)> {
    [("GET", &item.get), ("POST", &item.post), ("PATCH", &item.patch), ("DELETE", &item.delete), ("PUT", &item.put)]
        .into_iter()
        .filter_map(|(method, operation)| operation.as_ref().map(|o| (method, o)))
}

/// The parameters an operation declares (all inline: the generator writes no parameter references).
pub fn parameters(operation: &Operation) -> impl Iterator<Item = &Parameter> {
    operation.parameters.iter().flatten().filter_map(|p| match p {
        RefOr::T(parameter) => Some(parameter),
        RefOr::Ref(_) => None,
    })
}

/// The problem answers that follow from what an operation takes, added here so each handler declares only
/// its own: 400 everywhere (a bad parameter or header), 401 and 403 where a caller is authenticated, 404
/// where the path or the body names something, 409 and 412 where `If-Match` is taken, 409 where an
/// `Idempotency-Key` is, 413, 415 and 422 where a JSON body is read, 402 on a bearer write (read-only
/// account) and 429 on every bearer call (the plan's request rate).
struct CommonProblems;

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let problem = |description: &str| {
            let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
            RefOr::T(ResponseBuilder::new().description(description).content(PROBLEM_JSON, content).build())
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                (http::Method::GET, &mut item.get),
                (http::Method::PUT, &mut item.put),
                (http::Method::POST, &mut item.post),
                (http::Method::DELETE, &mut item.delete),
                (http::Method::PATCH, &mut item.patch),
            ];
            for (method, operation) in operations.into_iter().filter_map(|(m, o)| Some((m, o.as_mut()?))) {
                let authenticated =
                    operation.security.as_ref().is_some_and(|s| s.iter().any(|r| r != &Default::default()));
                let takes_if_match = parameters(operation).any(|p| p.name == "If-Match");
                let takes_key = parameters(operation).any(|p| p.name == crate::idempotency::HEADER);
                let mut common =
                    vec![("400", "The request cannot be read (malformed JSON, a bad header or parameter)")];
                if authenticated {
                    common.push(("401", "No valid credentials"));
                    common.push(("403", "The caller's role may not do this"));
                }
                let bearer = operation.security.as_ref().is_some_and(|s| s.iter().any(|r| r != &Default::default()))
                    && !path.starts_with("/api/v1/webhooks/");
                if bearer && crate::extract::writes_held_by_billing(&method, path) {
                    common.push((
                        "402",
                        "The account's plan has no room for what this makes (`limit`, `plan` and `upgrade_to` say which \
                         and what allows more), or a payment failed and its grace period is over: the account is read-only",
                    ));
                }
                if bearer {
                    common.push((
                        "429",
                        "The account's plan allows no more requests (or searches) this minute; `Retry-After` says when the next minute begins",
                    ));
                }
                if path.contains('{') || operation.request_body.is_some() {
                    common.push((
                        "404",
                        "Nothing of that id in the caller's account (in the path, or named by the body)",
                    ));
                }
                if takes_if_match {
                    common.push(("409", "A concurrent change won, or the record's state refuses the change"));
                    common.push(("412", "If-Match names a stale version"));
                }
                if takes_key {
                    common
                        .push(("409", "The Idempotency-Key was used for another request, or what it created is gone"));
                }
                if operation.request_body.is_some() {
                    common.push(("413", "The body is larger than 64 KiB"));
                    common.push(("415", "The body must be JSON (Content-Type: application/json)"));
                    common.push(("422", "A field breaks the rules; `field` names it"));
                }
                for (status, description) in common {
                    operation.responses.responses.entry(status.to_owned()).or_insert_with(|| problem(description));
                }
            }
        }
    }
}

/// OpenAPI links from each creating operation to the operations that take the created id: from
/// `POST /api/v1/leads` to `GET|PATCH|DELETE /api/v1/leads/{id}`, its convert, notes and timeline; from a note's
/// creation to its edit and deletion. A link fills the new path parameter from the created body's `id`, the
/// parameters the two paths share from the creating request's own, and `{kind}` with the collection.
struct CreatedLinks;

impl CreatedLinks {
    /// How `path` continues `created` (a creating operation's path) with one new parameter: the path
    /// parameters of `path` and the value each takes, or `None` when it does not continue it.
    fn continuation(created: &str, path: &str) -> Option<Vec<(String, serde_json::Value)>> {
        let (created, path): (Vec<&str>, Vec<&str>) = (created.split('/').collect(), path.split('/').collect());
        if path.len() <= created.len() {
            return None;
        }
        let mut values = Vec::new();
        for (i, segment) in path.iter().enumerate() {
            let name = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
            match (created.get(i), name) {
                (Some(theirs), None) if theirs == segment => {}
                (Some(theirs), Some(name)) if *theirs == *segment => {
                    values.push((name.to_owned(), format!("$request.path.{name}").into()));
                }
                (Some(theirs), Some("kind")) if crm_domain::RecordKind::from_collection(theirs).is_some() => {
                    values.push(("kind".to_owned(), (*theirs).into()));
                }
                (None, Some(name)) if i == created.len() => {
                    values.push((name.to_owned(), "$response.body#/id".into()));
                }
                (None, None) if i > created.len() => {}
                _ => return None,
            }
        }
        values.iter().any(|(_, v)| v == "$response.body#/id").then_some(values)
    }
}

impl Modify for CreatedLinks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let targets: Vec<(String, String)> = openapi
            .paths
            .paths
            .iter()
            .flat_map(|(path, item)| {
                operations(item).filter_map(move |(_, o)| Some((path.clone(), o.operation_id.clone()?)))
            })
            .collect();
        for (created, item) in openapi.paths.paths.iter_mut() {
            let Some(post) = item.post.as_mut() else { continue };
            let Some(RefOr::T(response)) = post.responses.responses.get_mut("201") else { continue };
            for (path, operation_id) in &targets {
                let Some(parameters) = Self::continuation(created, path) else { continue };
                let mut link = LinkBuilder::new().operation_id(operation_id);
                for (name, value) in parameters {
                    link = link.parameter(name, value);
                }
                response.links.insert(operation_id.clone(), RefOr::T(link.build()));
            }
        }
    }
}

/// Bodies whose fields depend on one another, stated as JSON Schema alternatives on top of the derived
/// shape (in the served JSON: utoipa's types do not carry every keyword): a team channel or a direct
/// conversation; a deal of a customer or of a lead; a mapped (Typeform, Zapier) or a generic endpoint.
fn alternatives() -> [(&'static str, serde_json::Value); 3] {
    let id = serde_json::json!({"type": "string"});
    let one_of = |name: &'static str, variants: serde_json::Value| (name, serde_json::json!({ "oneOf": variants }));
    [
        one_of(
            "NewChannel",
            serde_json::json!([
                {"title": "team channel", "required": ["name"],
                 "properties": {"kind": {"enum": ["team"]}, "name": {"type": "string"}, "user_id": {"type": "null"}}},
                {"title": "direct conversation", "required": ["kind", "user_id"],
                 "properties": {"kind": {"enum": ["direct"]}, "user_id": id, "name": {"type": "null"},
                                "members": {"maxItems": 0}}},
            ]),
        ),
        one_of(
            "NewDeal",
            serde_json::json!([
                {"title": "a customer's deal", "required": ["customer_id"], "properties": {"customer_id": id}},
                {"title": "a lead's deal", "required": ["lead_id"], "properties": {"lead_id": id}},
            ]),
        ),
        one_of(
            "NewWebhookEndpoint",
            serde_json::json!([
                {"title": "a mapped source", "required": ["source"],
                 "properties": {"source": {"enum": ["typeform", "zapier"]}}},
                {"title": "the generic shape", "required": ["source"],
                 "properties": {"source": {"enum": ["generic"]}, "field_map": {"maxProperties": 0}}},
            ]),
        ),
    ]
}

/// The served document: [`spec`] with the constraints utoipa's types cannot carry.
fn refined(mut json: serde_json::Value) -> serde_json::Value {
    for (name, constraint) in alternatives() {
        let schema = &mut json["components"]["schemas"][name];
        if !schema.is_null() {
            *schema = serde_json::json!({ "allOf": [schema.take(), constraint] });
        }
    }
    // Each kind of export (import) takes its own filters (columns) and nothing more (the body is read refusing unknown fields).
    for body in ["NewExport", "NewImport"] {
        for kind in json["components"]["schemas"][body]["oneOf"].as_array_mut().into_iter().flatten() {
            kind["additionalProperties"] = false.into();
        }
    }
    json
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some("An access token from POST /api/v1/auth/sign_in"))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        let token = ApiKeyValue::with_description("X-Webhook-Token", "An inbound webhook endpoint's token");
        components.add_security_scheme("webhook_token", SecurityScheme::ApiKey(ApiKey::Header(token)));
        let signature = ApiKeyValue::with_description(
            "Typeform-Signature",
            "sha256= and the base64 HMAC-SHA256 of the raw body under the endpoint's secret",
        );
        components.add_security_scheme("typeform_signature", SecurityScheme::ApiKey(ApiKey::Header(signature)));
        let stripe = ApiKeyValue::with_description(
            "Stripe-Signature",
            "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\" under the webhook's signing secret>",
        );
        components.add_security_scheme("stripe_signature", SecurityScheme::ApiKey(ApiKey::Header(stripe)));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Serverless CRM API",
        version = "1",
        description = "Leads, customers, deals, notes, activity, dashboard, chat and integrations. Errors are RFC 9457 problem details (application/problem+json) naming the offending field. Another account's records answer 404. A method no route declares is answered 404 by API Gateway itself.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    servers((url = "/", description = "This API: the stack's ApiUrl in AWS, the local gateway locally")),
    components(schemas(crate::problem::Problem)),
    tags(
        (name = "auth", description = "Accounts, sign-in and tokens"),
        (name = "users", description = "Users and roles"),
        (name = "account", description = "The account's plan, its limits and what it uses of them"),
        (name = "billing", description = "Subscriptions through Stripe: Checkout, the billing portal, and Stripe's webhooks"),
        (name = "leads", description = "Leads: people or companies who may buy"),
        (name = "customers", description = "Customers: who bought, or a converted lead"),
        (name = "deals", description = "Deals and their pipeline stages"),
        (name = "notes", description = "Notes on leads, customers and deals"),
        (name = "activity", description = "Timelines and the activity log"),
        (name = "tags", description = "Tags in use"),
        (name = "dashboard", description = "Pre-computed lead and deal figures"),
        (name = "integrations", description = "Slack, inbound lead webhooks and Google Contacts"),
        (name = "webhooks", description = "Leads pushed in by Typeform, Zapier and other tools"),
        (name = "webhooks-out", description = "Outgoing webhooks: the account's events delivered, signed, to endpoints an Admin registers"),
        (name = "chat", description = "Channels, messages and presence (live over the WebSocket API)"),
        (name = "notifications", description = "Each user's inbox: mentions, assignments, deliveries, closed deals, notes, failed syncs (pushed live over the WebSocket API)"),
        (name = "search", description = "Fuzzy search over OpenSearch"),
        (name = "jobs", description = "Long work (a reindex, a statistics rebuild, an export or import), followed through its resource"),
        (name = "exports", description = "Records written as CSV files, handed out through short-lived links"),
        (name = "imports", description = "CSV files of leads or customers read into records: upload the file, then import it"),
        (name = "graphql", description = "GraphQL over the same records and rules (schema: docs/schema.graphql; GraphiQL: /api-docs/graphql)"),
    )
)]
struct ApiDoc;

/// The document, built once from the router's routes.
pub fn spec() -> &'static utoipa::openapi::OpenApi {
    static SPEC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    SPEC.get_or_init(|| {
        let mut spec = ApiDoc::openapi();
        spec.merge(crate::router::documented().into_openapi());
        SecuritySchemes.modify(&mut spec);
        CommonProblems.modify(&mut spec);
        CreatedLinks.modify(&mut spec);
        spec
    })
}

/// The document as JSON, built once.
pub fn spec_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let json = serde_json::to_value(spec()).unwrap_or_default();
        serde_json::to_string_pretty(&refined(json)).unwrap_or_default()
    })
}

/// Every (method, path) the document declares, upper-case methods.
pub fn routes() -> Vec<(String, String)> {
    spec()
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| operations(item).map(move |(method, _)| (method.to_owned(), path.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links_of(operation_id: &str) -> Vec<String> {
        let spec = spec();
        let (_, operation) = spec
            .paths
            .paths
            .values()
            .flat_map(operations)
            .find(|(_, o)| o.operation_id.as_deref() == Some(operation_id))
            .unwrap();
        match &operation.responses.responses["201"] {
            RefOr::T(response) => response.links.keys().cloned().collect(),
            RefOr::Ref(_) => Vec::new(),
        }
    }

    /// Query parameters whose patterns are written out in an attribute state the rules the server checks.
    #[test]
    fn written_out_patterns_are_the_checked_ones() {
        use crm_domain::validation::patterns;
        let json: serde_json::Value = serde_json::from_str(spec_json()).unwrap();
        let pattern = |path: &str, name: &str| {
            let params = json["paths"][path]["get"]["parameters"].as_array().unwrap().clone();
            let param = params.into_iter().find(|p| p["name"] == name).unwrap();
            param["schema"]["pattern"].as_str().unwrap().to_owned()
        };
        assert_eq!(pattern("/api/v1/search", "q"), patterns::REQUIRED_TEXT);
        assert_eq!(pattern("/api/v1/dashboard", "to"), patterns::DATE);
    }

    #[test]
    fn bodies_whose_fields_depend_on_one_another_are_alternatives() {
        let json: serde_json::Value = serde_json::from_str(spec_json()).unwrap();
        for name in ["NewChannel", "NewDeal", "NewWebhookEndpoint"] {
            let schema = &json["components"]["schemas"][name];
            assert_eq!(schema["allOf"][1]["oneOf"].as_array().map(Vec::len), Some(2), "{name}: {schema}");
        }
    }

    #[test]
    fn creations_link_to_what_takes_their_id() {
        let from_lead = links_of("leads_create");
        for target in ["leads_get", "leads_update", "leads_delete", "leads_convert", "notes_create", "record_timeline"]
        {
            assert!(from_lead.contains(&target.to_owned()), "{target}: {from_lead:?}");
        }
        assert!(!from_lead.iter().any(|l| l.starts_with("customers_")), "{from_lead:?}");
        let from_note = links_of("notes_create");
        assert!(from_note.contains(&"notes_update".to_owned()) && from_note.contains(&"notes_delete".to_owned()));
        assert_eq!(
            CreatedLinks::continuation("/api/v1/{kind}/{id}/notes", "/api/v1/{kind}/{id}/notes/{note_id}"),
            Some(vec![
                ("kind".to_owned(), "$request.path.kind".into()),
                ("id".to_owned(), "$request.path.id".into()),
                ("note_id".to_owned(), "$response.body#/id".into()),
            ])
        );
        assert_eq!(CreatedLinks::continuation("/api/v1/leads", "/api/v1/leads"), None);
    }
}
