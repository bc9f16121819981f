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

#[test]
fn every_binary_is_a_template_function_and_back() {
    let binaries = files(&root().join("functions/src/bin"), "rs");
    let declared: BTreeSet<String> = template().binaries.into_iter().collect();
    assert_eq!(binaries, declared, "functions/src/bin and template.yaml disagree");
}

#[test]
fn every_http_route_has_a_handler_and_every_handler_a_route() {
    let routed: BTreeSet<String> = template().routes.into_iter().map(|r| r.binary).collect();
    let handlers: BTreeSet<String> = crm_api::routes::ALL.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(routed, handlers, "template.yaml HttpApi routes and crm_api::routes disagree");
}

#[test]
fn every_function_has_a_sample_event_for_its_route() {
    let template = template();
    let events = files(&root().join("events"), "json");
    for route in &template.routes {
        assert!(events.contains(&route.binary), "events/{}.json is missing", route.binary);
        let text = fs::read_to_string(root().join(format!("events/{}.json", route.binary))).unwrap();
        let event: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<String> =
            template.routes.iter().filter(|r| r.binary == route.binary).map(|r| r.route_key()).collect();
        assert!(keys.iter().any(|k| event["routeKey"] == k.as_str()), "events/{}.json", route.binary);
        let parsed: lambda_http::request::LambdaRequest = serde_json::from_value(event).unwrap();
        assert!(matches!(parsed, lambda_http::request::LambdaRequest::ApiGatewayV2(_)), "events/{}.json", route.binary);
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

/// The OpenAPI document and template.yaml declare the same REST routes.
#[test]
fn the_openapi_document_matches_the_template() {
    let template: BTreeSet<(String, String)> = template().routes.into_iter().map(|r| (r.method, r.path)).collect();
    let documented: BTreeSet<(String, String)> = crm_api::openapi::routes().into_iter().collect();
    let undocumented: Vec<_> = template.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&template).collect();
    assert!(undocumented.is_empty(), "routes missing from the OpenAPI document: {undocumented:?}");
    assert!(phantom.is_empty(), "the OpenAPI document names routes template.yaml lacks: {phantom:?}");
    let json: serde_json::Value = serde_json::from_str(crm_api::openapi::spec_json()).unwrap();
    assert!(json["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(json["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(json["components"]["schemas"]["Problem"].is_object());
}

#[test]
fn every_worker_has_a_function_and_a_sample_event() {
    let template = template();
    let declared: BTreeSet<String> = template.workers.iter().map(|w| w.binary.clone()).collect();
    let registered: BTreeSet<String> = crm_workers::functions::ALL.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(declared, registered, "template.yaml workers and crm_workers::functions disagree");
    for worker in &template.workers {
        let text = fs::read_to_string(root().join(format!("events/{}.json", worker.binary)))
            .unwrap_or_else(|e| panic!("events/{}.json: {e}", worker.binary));
        let parsed = match worker.trigger {
            crm_local_gateway::template::Trigger::TableStream { .. } => {
                serde_json::from_str::<aws_lambda_events::dynamodb::Event>(&text).map(|e| e.records.len())
            }
            crm_local_gateway::template::Trigger::Queue { .. } => {
                serde_json::from_str::<aws_lambda_events::sqs::SqsEvent>(&text).map(|e| e.records.len())
            }
        };
        assert!(parsed.unwrap() > 0, "events/{}.json has no records", worker.binary);
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
