//! Checks that keep the project's parts in agreement: template.yaml, the function binaries, the handler
//! table, the sample events, and the rule that no request path scans the table.

use crm_local_gateway::template::Template;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn template() -> Template {
    Template::load(&root().join("template.yaml")).expect("template.yaml parses")
}

fn files(dir: &Path, extension: &str) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == extension).then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect()
}

/// A function's name as its sample event is named: `LeadsCreateFunction` → `leads_create`.
fn function_name(logical_id: &str) -> String {
    let stem = logical_id.strip_suffix("Function").unwrap_or(logical_id);
    let mut name = String::new();
    for (i, c) in stem.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_lowercase());
    }
    name
}

#[test]
fn the_three_binaries_are_the_templates_and_back() {
    let binaries = files(&root().join("functions/src/bin"), "rs");
    let declared: BTreeSet<String> = template().binaries.into_iter().collect();
    assert_eq!(binaries, declared, "functions/src/bin and template.yaml disagree");
    assert_eq!(declared, ["api", "worker", "ws"].map(String::from).into(), "one artifact per kind of function");
    let template = template();
    assert!(template.routes.iter().all(|r| r.binary == crm_local_gateway::HTTP_BINARY));
    assert!(template.ws_routes.iter().all(|r| r.binary == "ws"));
    assert!(template.workers.iter().all(|w| w.binary == "worker"));
}

#[test]
fn every_function_has_a_sample_event_for_its_route() {
    let template = template();
    let events = files(&root().join("events"), "json");
    for route in &template.routes {
        let name = function_name(&route.function);
        assert!(events.contains(&name), "events/{name}.json is missing");
        let text = fs::read_to_string(root().join(format!("events/{name}.json"))).unwrap();
        let event: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<String> =
            template.routes.iter().filter(|r| r.function == route.function).map(|r| r.route_key()).collect();
        assert!(keys.iter().any(|k| event["routeKey"] == k.as_str()), "events/{name}.json");
        let parsed: lambda_http::request::LambdaRequest = serde_json::from_value(event).unwrap();
        assert!(matches!(parsed, lambda_http::request::LambdaRequest::ApiGatewayV2(_)), "events/{name}.json");
    }
}

#[test]
fn every_custom_resource_has_a_sample_cloudformation_request() {
    let template = template();
    assert!(!template.custom_resources.is_empty(), "the search index's deploy step is a custom resource");
    for resource in &template.custom_resources {
        let path = root().join(format!("events/{}.json", resource.worker));
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let request: aws_lambda_events::cloudformation::CloudFormationCustomResourceRequest =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let aws_lambda_events::cloudformation::CloudFormationCustomResourceRequest::Create(create) = request else {
            panic!("{}: a Create request", path.display())
        };
        assert_eq!(create.resource_type, resource.resource_type);
        assert_eq!(create.logical_resource_id, resource.logical_id);
    }
}

/// The workflows are valid YAML, and CI runs the same command as `.ci/run` and README.
#[test]
fn workflows_run_the_projects_own_commands() {
    let ci_run = fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(ci_run.contains("bash infra/test.sh"));
    for workflow in ["ci.yml", "deploy.yml"] {
        let text = fs::read_to_string(root().join(".github/workflows").join(workflow)).unwrap();
        let parsed: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{workflow}: {e}"));
        assert!(parsed.get("jobs").is_some(), "{workflow} has no jobs");
    }
    let ci = fs::read_to_string(root().join(".github/workflows/ci.yml")).unwrap();
    assert!(ci.contains("run: bash infra/test.sh"), "ci.yml must run the test command");
    let deploy = fs::read_to_string(root().join(".github/workflows/deploy.yml")).unwrap();
    assert!(deploy.contains("sam deploy --config-env"));
}

/// template.yaml's routes, the router's and the OpenAPI document's are one set, path parameters included:
/// the router's documented routes are the document's by construction (`crm_api::router::documented`), and
/// each operation's id is the name of the function that serves it (and of its sample event).
#[test]
fn the_template_the_router_and_the_document_agree() {
    let template: BTreeSet<(String, String)> = template().routes.into_iter().map(|r| (r.method, r.path)).collect();
    let mut served: BTreeSet<(String, String)> = crm_api::openapi::routes().into_iter().collect();
    served.extend(crm_api::router::UNDOCUMENTED.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())));
    let unserved: Vec<_> = template.difference(&served).collect();
    let phantom: Vec<_> = served.difference(&template).collect();
    assert!(unserved.is_empty(), "template.yaml routes the router does not serve: {unserved:?}");
    assert!(phantom.is_empty(), "routes the router serves but template.yaml lacks: {phantom:?}");
    let spec = crm_api::openapi::spec();
    for (path, item) in &spec.paths.paths {
        let in_path: BTreeSet<&str> = path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
        for (method, operation) in crm_api::openapi::operations(item) {
            let declared: BTreeSet<&str> = crm_api::openapi::parameters(operation)
                .filter(|p| p.parameter_in == utoipa::openapi::path::ParameterIn::Path)
                .map(|p| p.name.as_str())
                .collect();
            assert_eq!(in_path, declared, "{method} {path}: path parameters");
        }
    }
    let functions: std::collections::BTreeMap<(String, String), String> = self::template()
        .routes
        .into_iter()
        .map(|r| ((r.method.clone(), r.path.clone()), function_name(&r.function)))
        .collect();
    for (path, item) in &spec.paths.paths {
        for (method, operation) in crm_api::openapi::operations(item) {
            let function = &functions[&(method.to_owned(), path.clone())];
            assert_eq!(operation.operation_id.as_ref(), Some(function), "{method} {path}: operationId");
        }
    }
    let json: serde_json::Value = serde_json::from_str(crm_api::openapi::spec_json()).unwrap();
    assert!(json["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(json["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(json["components"]["schemas"]["Problem"].is_object());
}

#[test]
fn every_worker_has_a_function_and_a_sample_event() {
    let template = template();
    let declared: BTreeSet<String> = template
        .workers
        .iter()
        .map(|w| w.worker.clone())
        .chain(template.custom_resources.iter().map(|r| r.worker.clone()))
        .collect();
    let registered: BTreeSet<String> = crm_workers::functions::ALL.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(declared, registered, "template.yaml workers and crm_workers::functions disagree");
    for worker in &template.workers {
        assert_eq!(function_name(&worker.function), worker.worker, "{}: WORKER names another worker", worker.function);
        let text = fs::read_to_string(root().join(format!("events/{}.json", worker.worker)))
            .unwrap_or_else(|e| panic!("events/{}.json: {e}", worker.worker));
        let parsed = match worker.trigger {
            crm_local_gateway::template::Trigger::TableStream { .. } => {
                serde_json::from_str::<aws_lambda_events::dynamodb::Event>(&text).map(|e| e.records.len())
            }
            crm_local_gateway::template::Trigger::Queue { .. } => {
                serde_json::from_str::<aws_lambda_events::sqs::SqsEvent>(&text).map(|e| e.records.len())
            }
        };
        assert!(parsed.unwrap() > 0, "events/{}.json has no records", worker.worker);
    }
}

/// Request paths use GetItem, Query and transactions only; neither the code nor any function's policy
/// may scan the table.
#[test]
fn no_request_path_scans() {
    fn visit(dir: &Path, found: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                visit(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).unwrap();
                if text.contains(".scan()") || text.contains("ScanInput") {
                    found.push(path.display().to_string());
                }
            }
        }
    }
    let mut found = Vec::new();
    for dir in ["shared", "functions"] {
        visit(&root().join(dir), &mut found);
    }
    assert!(found.is_empty(), "Scan used in {found:?}");
    let template = fs::read_to_string(root().join("template.yaml")).unwrap();
    assert!(!template.contains("dynamodb:Scan"), "a function may scan the table");
    assert!(
        !template.contains("DynamoDBCrudPolicy") && !template.contains("DynamoDBReadPolicy"),
        "SAM's broad policies grant Scan"
    );
}

/// The read-only search route may only query its one index (issue #15, item 16).
#[test]
fn the_search_route_may_only_query_its_index() {
    let text = fs::read_to_string(root().join("template.yaml")).unwrap();
    let start = text.find("\n  SearchFunction:").expect("SearchFunction");
    let end = text[start + 1..].find("\n  Search").map_or(text.len(), |e| start + 1 + e);
    let function = &text[start..end];
    let es_actions: Vec<&str> = function.lines().map(str::trim).filter_map(|l| l.strip_prefix("- es:")).collect();
    assert_eq!(es_actions, ["ESHttpPost"], "{function}");
    assert!(function.contains("/crm-records-${Stage}/_search\""), "{function}");
    assert!(!function.contains("DomainArn}/*"), "{function}");
}
