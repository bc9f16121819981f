//! What the local stack needs from `template.yaml`: the HTTP API routes with the binary serving each, and
//! the table definition. Read, never repeated, so the template stays the single source of truth.

use serde::Deserialize;
use serde_yaml_ng::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("template.yaml is not valid YAML: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    #[error("template.yaml: {0}")]
    Shape(String),
}

/// One `HttpApi` event of one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRoute {
    pub function: String,
    pub binary: String,
    /// The function's `Timeout` (or the template's global one), in seconds.
    pub timeout_seconds: u64,
    /// Upper case, or `ANY`.
    pub method: String,
    pub path: String,
    /// Whether the function is given the token-signing key (`JWT_PRIVATE_KEY`, or where to read it from:
    /// `JWT_PRIVATE_KEY_FROM_SECRET`).
    pub issues_tokens: bool,
}

impl HttpRoute {
    pub fn route_key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// An SQS queue of the template, by logical id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueDefinition {
    pub logical_id: String,
    pub visibility_timeout: Option<i32>,
    /// The dead-letter queue's logical id and how many receives a message gets before it moves there.
    pub redrive: Option<(String, i32)>,
}

/// What invokes a non-HTTP function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The table's stream; batches that keep failing are reported to the `on_failure` queue (logical id).
    TableStream { batch_size: i32, on_failure: Option<String> },
    /// An SQS queue, by logical id: batches of up to `batch_size` messages, gathered for up to
    /// `batching_window_seconds` (`MaximumBatchingWindowInSeconds`; without it, what one receive brings).
    Queue { queue: String, batch_size: i32, batching_window_seconds: u64 },
}

/// A function driven by the table stream or a queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerFunction {
    pub function: String,
    pub binary: String,
    /// Which worker the shared binary runs: the function's `WORKER` variable.
    pub worker: String,
    pub trigger: Trigger,
    pub report_batch_item_failures: bool,
    /// Environment variables whose value is `!Ref <queue>`: (variable, queue logical id).
    pub queue_refs: Vec<(String, String)>,
    /// The names of the variables the function is given (its own and the template's global ones).
    pub variables: BTreeSet<String>,
}

/// A route of the WebSocket API and the function serving it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WsRoute {
    pub route_key: String,
    pub function: String,
    pub binary: String,
}

/// A CloudFormation custom resource (`Custom::…`) and the worker function that serves it, which the local
/// stack runs at start as a deploy runs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomResource {
    pub logical_id: String,
    pub resource_type: String,
    pub function: String,
    pub worker: String,
    /// The function's environment variables whose value is `!Ref <resource>`: (variable, logical id).
    pub references: Vec<(String, String)>,
    /// The names of the variables the function is given (its own and the template's global ones).
    pub variables: BTreeSet<String>,
}

#[derive(Debug)]
pub struct Template {
    pub ws_routes: Vec<WsRoute>,
    pub queues: Vec<QueueDefinition>,
    pub workers: Vec<WorkerFunction>,
    pub routes: Vec<HttpRoute>,
    /// The HTTP API's CORS configuration, which API Gateway applies before any function runs.
    pub cors: Option<Cors>,
    /// Every function's binary, whatever triggers it.
    pub binaries: Vec<String>,
    /// The SES identities mail is sent from (`AWS::SES::EmailIdentity`, parameters at their defaults).
    pub mail_identities: Vec<String>,
    /// The OpenSearch domains, by logical id.
    pub search_domains: Vec<String>,
    /// The S3 buckets functions are given (`VARIABLE: !Ref Bucket`): (variable, bucket logical id).
    pub bucket_variables: BTreeSet<(String, String)>,
    /// Variables of any function naming a queue (`JOBS_QUEUE_URL` → `JobsQueue`).
    pub queue_variables: BTreeSet<(String, String)>,
    /// Every function's variable names (its own and the global ones), by logical id.
    pub function_variables: BTreeMap<String, BTreeSet<String>>,
    pub custom_resources: Vec<CustomResource>,
    pub table: TableDefinition,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Cors {
    #[serde(default)]
    pub allow_origins: Vec<String>,
    #[serde(default)]
    pub allow_methods: Vec<String>,
    #[serde(default)]
    pub allow_headers: Vec<String>,
    #[serde(default)]
    pub expose_headers: Vec<String>,
    #[serde(default)]
    pub max_age: Option<u64>,
    #[serde(default)]
    pub allow_credentials: bool,
}

impl Cors {
    /// The `Access-Control-Allow-Origin` value for a request from `origin`, if it is allowed.
    pub fn allowed_origin(&self, origin: &str) -> Option<String> {
        if self.allow_origins.iter().any(|o| o == "*") && !self.allow_credentials {
            Some("*".to_owned())
        } else {
            self.allow_origins.iter().find(|o| o.eq_ignore_ascii_case(origin)).map(|_| origin.to_owned())
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableDefinition {
    pub attribute_definitions: Vec<AttributeDefinition>,
    pub key_schema: Vec<KeyElement>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<SecondaryIndex>,
    #[serde(default)]
    pub stream_specification: Option<StreamSpecification>,
    #[serde(default)]
    pub time_to_live_specification: Option<TimeToLiveSpecification>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDefinition {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyElement {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecondaryIndex {
    pub index_name: String,
    pub key_schema: Vec<KeyElement>,
    pub projection: Projection,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Projection {
    pub projection_type: String,
    #[serde(default)]
    pub non_key_attributes: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSpecification {
    pub stream_view_type: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeToLiveSpecification {
    pub attribute_name: String,
    pub enabled: bool,
}

fn field<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value.as_mapping()?.get(key)
}

fn text(value: Option<&Value>) -> Option<String> {
    value?.as_str().map(str::to_owned)
}

/// The resources a `!Sub` string names as `${Name}` or `${Name.Attribute}`.
fn sub_targets(value: Option<&Value>) -> Vec<String> {
    let Some(Value::Tagged(tagged)) = value else { return Vec::new() };
    let Some(text) = tagged.value.as_str().filter(|_| tagged.tag == "!Sub") else { return Vec::new() };
    text.split("${")
        .skip(1)
        .filter_map(|rest| rest.split('}').next())
        .map(|name| name.split('.').next().unwrap_or(name).to_owned())
        .filter(|name| !name.starts_with("AWS::"))
        .collect()
}

/// The target of `!Ref X`, or the resource of `!GetAtt X.Attribute`.
/// The variable names of an `Environment` block.
fn variable_names(environment: Option<&Value>) -> BTreeSet<String> {
    environment
        .and_then(|e| field(e, "Variables"))
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(name, _)| name.as_str().map(str::to_owned))
        .collect()
}

fn intrinsic_target(value: Option<&Value>, tag: &str) -> Option<String> {
    match value? {
        Value::Tagged(tagged) if tagged.tag == tag => {
            let target = tagged.value.as_str()?;
            Some(target.split('.').next().unwrap_or(target).to_owned())
        }
        _ => None,
    }
}

/// `value` with each `!Ref <parameter>` replaced by the parameter's default, as a deploy without overrides
/// would resolve it (a `CommaDelimitedList` becomes a list).
fn with_parameter_defaults(value: &Value, root: &Value) -> Value {
    match value {
        Value::Tagged(tagged) if tagged.tag == "!Ref" => {
            let parameter =
                tagged.value.as_str().and_then(|name| field(root, "Parameters").and_then(|p| field(p, name)));
            let Some(parameter) = parameter else { return value.clone() };
            let default = field(parameter, "Default").cloned().unwrap_or(Value::Null);
            match (text(field(parameter, "Type")).as_deref(), default.as_str()) {
                (Some("CommaDelimitedList"), Some(list)) => {
                    Value::Sequence(list.split(',').map(|item| Value::String(item.trim().to_owned())).collect())
                }
                _ => default,
            }
        }
        Value::Mapping(mapping) => {
            Value::Mapping(mapping.iter().map(|(k, v)| (k.clone(), with_parameter_defaults(v, root))).collect())
        }
        Value::Sequence(items) => Value::Sequence(items.iter().map(|v| with_parameter_defaults(v, root)).collect()),
        other => other.clone(),
    }
}

fn number(value: Option<&Value>) -> Option<i32> {
    value?.as_i64().and_then(|n| i32::try_from(n).ok())
}

fn reports_batch_item_failures(props: Option<&Value>) -> bool {
    props
        .and_then(|p| field(p, "FunctionResponseTypes"))
        .and_then(Value::as_sequence)
        .is_some_and(|types| types.iter().any(|t| t.as_str() == Some("ReportBatchItemFailures")))
}

impl Template {
    pub fn load(path: &Path) -> Result<Self, TemplateError> {
        let source = std::fs::read_to_string(path)
            .map_err(|source| TemplateError::Read { path: path.display().to_string(), source })?;
        Self::parse(&source)
    }

    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let root: Value = serde_yaml_ng::from_str(source)?;
        let resources = field(&root, "Resources")
            .and_then(Value::as_mapping)
            .ok_or_else(|| TemplateError::Shape("no Resources".into()))?;
        let mut routes = Vec::new();
        let mut binaries = Vec::new();
        let mut tables = Vec::new();
        let mut ws_route_targets = Vec::new();
        let mut integrations: BTreeMap<String, String> = BTreeMap::new();
        let mut function_binaries: BTreeMap<String, String> = BTreeMap::new();
        let mut cors = None;
        let mut queues = Vec::new();
        let mut mail_identities = Vec::new();
        let mut workers = Vec::new();
        let mut search_domains = Vec::new();
        let mut custom_resource_targets = Vec::new();
        let mut buckets = BTreeSet::new();
        let mut function_refs = BTreeSet::new();
        // Per function with a WORKER: the worker, its `!Ref` variables and all its variables' names.
        type WorkerSetup = (String, Vec<(String, String)>, BTreeSet<String>);
        let mut function_workers: BTreeMap<String, WorkerSetup> = BTreeMap::new();
        let mut function_variables = BTreeMap::new();
        let global_variables = variable_names(
            field(&root, "Globals").and_then(|g| field(g, "Function")).and_then(|f| field(f, "Environment")),
        );
        let global_timeout = field(&root, "Globals")
            .and_then(|g| field(g, "Function"))
            .and_then(|f| number(field(f, "Timeout")))
            .unwrap_or(3);
        let sorted: BTreeMap<String, &Value> =
            resources.iter().filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v))).collect();
        for (name, resource) in sorted {
            match field(resource, "Type").and_then(Value::as_str) {
                Some("AWS::DynamoDB::Table") => {
                    tables.push(field(resource, "Properties").cloned().unwrap_or(Value::Null))
                }
                Some("AWS::ApiGatewayV2::Route") => {
                    let props = field(resource, "Properties");
                    let route_key = text(props.and_then(|p| field(p, "RouteKey")))
                        .ok_or_else(|| TemplateError::Shape(format!("{name}: a WebSocket route without RouteKey")))?;
                    let integration = sub_targets(props.and_then(|p| field(p, "Target"))).into_iter().next();
                    ws_route_targets.push((name.clone(), route_key, integration));
                }
                Some("AWS::ApiGatewayV2::Integration") => {
                    let uri = field(resource, "Properties").and_then(|p| field(p, "IntegrationUri"));
                    if let Some(function) = sub_targets(uri).into_iter().next() {
                        integrations.insert(name.clone(), function);
                    }
                }
                Some("AWS::OpenSearchService::Domain") => search_domains.push(name.clone()),
                Some("AWS::S3::Bucket") => {
                    buckets.insert(name.clone());
                }
                Some(kind) if kind.starts_with("Custom::") || kind == "AWS::CloudFormation::CustomResource" => {
                    let token = field(resource, "Properties").and_then(|p| field(p, "ServiceToken"));
                    let function = intrinsic_target(token, "!GetAtt").ok_or_else(|| {
                        TemplateError::Shape(format!(
                            "{name}: a custom resource whose ServiceToken is not a function's Arn"
                        ))
                    })?;
                    custom_resource_targets.push((name.clone(), kind.to_owned(), function));
                }
                Some("AWS::SES::EmailIdentity") => {
                    let identity = field(resource, "Properties").and_then(|p| field(p, "EmailIdentity"));
                    if let Some(identity) =
                        identity.map(|i| with_parameter_defaults(i, &root)).as_ref().and_then(Value::as_str)
                    {
                        mail_identities.push(identity.to_owned());
                    }
                }
                Some("AWS::SQS::Queue") => {
                    let props = field(resource, "Properties");
                    let redrive = props.and_then(|p| field(p, "RedrivePolicy")).and_then(|r| {
                        let dlq = intrinsic_target(field(r, "deadLetterTargetArn"), "!GetAtt")?;
                        Some((dlq, number(field(r, "maxReceiveCount")).unwrap_or(3)))
                    });
                    let visibility_timeout = number(props.and_then(|p| field(p, "VisibilityTimeout")));
                    queues.push(QueueDefinition { logical_id: name.clone(), visibility_timeout, redrive });
                }
                Some("AWS::Serverless::HttpApi") => {
                    if let Some(config) = field(resource, "Properties").and_then(|p| field(p, "CorsConfiguration")) {
                        cors = Some(serde_yaml_ng::from_value(with_parameter_defaults(config, &root))?);
                    }
                }
                Some("AWS::Serverless::Function") => {
                    let binary = text(
                        field(resource, "Metadata")
                            .and_then(|m| field(m, "BuildProperties"))
                            .and_then(|b| field(b, "Binary")),
                    )
                    .ok_or_else(|| TemplateError::Shape(format!("{name} has no Metadata.BuildProperties.Binary")))?;
                    let properties = field(resource, "Properties");
                    let timeout = number(properties.and_then(|p| field(p, "Timeout"))).unwrap_or(global_timeout);
                    let timeout_seconds = u64::try_from(timeout).unwrap_or(3);
                    let worker = text(
                        properties
                            .and_then(|p| field(p, "Environment"))
                            .and_then(|e| field(e, "Variables"))
                            .and_then(|v| field(v, "WORKER")),
                    );
                    let variables =
                        properties.and_then(|p| field(p, "Environment")).and_then(|e| field(e, "Variables"));
                    let issues_tokens = ["JWT_PRIVATE_KEY", "JWT_PRIVATE_KEY_FROM_SECRET"]
                        .iter()
                        .any(|name| variables.and_then(|v| field(v, name)).is_some());
                    let queue_refs: Vec<(String, String)> = properties
                        .and_then(|p| field(p, "Environment"))
                        .and_then(|e| field(e, "Variables"))
                        .and_then(Value::as_mapping)
                        .into_iter()
                        .flatten()
                        .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), intrinsic_target(Some(v), "!Ref")?)))
                        .collect();
                    function_refs.extend(queue_refs.iter().cloned());
                    let mut variable_names = variable_names(properties.and_then(|p| field(p, "Environment")));
                    variable_names.extend(global_variables.iter().cloned());
                    function_variables.insert(name.clone(), variable_names.clone());
                    if let Some(worker) = &worker {
                        function_workers
                            .insert(name.clone(), (worker.clone(), queue_refs.clone(), variable_names.clone()));
                    }
                    let events = properties.and_then(|p| field(p, "Events")).and_then(Value::as_mapping);
                    for event in events.into_iter().flat_map(|e| e.values()) {
                        let props = field(event, "Properties");
                        let trigger = match field(event, "Type").and_then(Value::as_str) {
                            Some("DynamoDB") => Some(Trigger::TableStream {
                                batch_size: number(props.and_then(|p| field(p, "BatchSize"))).unwrap_or(100),
                                on_failure: intrinsic_target(
                                    props
                                        .and_then(|p| field(p, "DestinationConfig"))
                                        .and_then(|d| field(d, "OnFailure"))
                                        .and_then(|o| field(o, "Destination")),
                                    "!GetAtt",
                                ),
                            }),
                            Some("SQS") => {
                                intrinsic_target(props.and_then(|p| field(p, "Queue")), "!GetAtt").map(|queue| {
                                    Trigger::Queue {
                                        queue,
                                        batch_size: number(props.and_then(|p| field(p, "BatchSize"))).unwrap_or(10),
                                        batching_window_seconds: number(
                                            props.and_then(|p| field(p, "MaximumBatchingWindowInSeconds")),
                                        )
                                        .map_or(0, |seconds: i32| seconds.max(0) as u64),
                                    }
                                })
                            }
                            _ => None,
                        };
                        if let Some(trigger) = trigger {
                            let worker = worker.clone().ok_or_else(|| {
                                TemplateError::Shape(format!("{name}: a stream or queue function without WORKER"))
                            })?;
                            workers.push(WorkerFunction {
                                function: name.clone(),
                                binary: binary.clone(),
                                worker,
                                trigger,
                                report_batch_item_failures: reports_batch_item_failures(props),
                                queue_refs: queue_refs.clone(),
                                variables: variable_names.clone(),
                            });
                            continue;
                        }
                        if field(event, "Type").and_then(Value::as_str) != Some("HttpApi") {
                            continue;
                        }
                        let props = field(event, "Properties");
                        let method = text(props.and_then(|p| field(p, "Method")))
                            .ok_or_else(|| TemplateError::Shape(format!("{name}: an HttpApi event without Method")))?;
                        let path = text(props.and_then(|p| field(p, "Path")))
                            .ok_or_else(|| TemplateError::Shape(format!("{name}: an HttpApi event without Path")))?;
                        let method = method.to_ascii_uppercase();
                        routes.push(HttpRoute {
                            function: name.clone(),
                            binary: binary.clone(),
                            timeout_seconds,
                            method,
                            path,
                            issues_tokens,
                        });
                    }
                    function_binaries.insert(name.clone(), binary.clone());
                    binaries.push(binary);
                }
                _ => {}
            }
        }
        let [table] = <[Value; 1]>::try_from(tables).map_err(|t| {
            TemplateError::Shape(format!("expected exactly one AWS::DynamoDB::Table, found {}", t.len()))
        })?;
        let table = serde_yaml_ng::from_value(table)?;
        let ws_routes = ws_route_targets
            .into_iter()
            .map(|(name, route_key, integration)| {
                let function = integration.and_then(|i| integrations.get(&i));
                let binary = function.and_then(|f| function_binaries.get(f)).ok_or_else(|| {
                    TemplateError::Shape(format!("{name}: its Target does not lead to a function's integration"))
                })?;
                let function = function.cloned().unwrap_or_default();
                Ok(WsRoute { route_key, function, binary: binary.clone() })
            })
            .collect::<Result<Vec<_>, TemplateError>>()?;
        let custom_resources = custom_resource_targets
            .into_iter()
            .map(|(logical_id, resource_type, function)| {
                let (worker, references, variables) = function_workers.get(&function).cloned().ok_or_else(|| {
                    TemplateError::Shape(format!("{logical_id}: its function {function} has no WORKER"))
                })?;
                Ok(CustomResource { logical_id, resource_type, function, worker, references, variables })
            })
            .collect::<Result<Vec<_>, TemplateError>>()?;
        let queue_variables = function_refs
            .iter()
            .filter(|(_, target)| queues.iter().any(|q| &q.logical_id == target))
            .cloned()
            .collect();
        let bucket_variables = function_refs.into_iter().filter(|(_, target)| buckets.contains(target)).collect();
        Ok(Template {
            bucket_variables,
            queue_variables,
            ws_routes,
            queues,
            workers,
            routes,
            cors,
            binaries,
            table,
            mail_identities,
            search_domains,
            function_variables,
            custom_resources,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "crm-${Stage}"
      AttributeDefinitions: [{ AttributeName: pk, AttributeType: S }]
      KeySchema: [{ AttributeName: pk, KeyType: HASH }]
      TimeToLiveSpecification: { AttributeName: ttl, Enabled: true }
  GetThing:
    Type: AWS::Serverless::Function
    Metadata: { BuildMethod: rust-cargolambda, BuildProperties: { Binary: things_get } }
    Properties:
      Timeout: 7
      Environment: { Variables: { JWT_PRIVATE_KEY_FROM_SECRET: !Sub "${JwtSigningSecretName}#private_key", WORKER: things } }
      Events:
        Route: { Type: HttpApi, Properties: { ApiId: !Ref Api, Method: get, Path: "/things/{id}" } }
        Queue: { Type: SQS, Properties: { Queue: !GetAtt Q.Arn } }
"#;

    #[test]
    fn reads_routes_and_table_through_intrinsic_tags() {
        let template = Template::parse(SAMPLE).unwrap();
        assert_eq!(
            template.routes,
            vec![HttpRoute {
                function: "GetThing".into(),
                binary: "things_get".into(),
                timeout_seconds: 7,
                method: "GET".into(),
                path: "/things/{id}".into(),
                issues_tokens: true,
            }]
        );
        assert_eq!(template.binaries, ["things_get"]);
        assert_eq!(template.table.key_schema[0].attribute_name, "pk");
        assert!(template.table.time_to_live_specification.unwrap().enabled);
    }

    #[test]
    fn reads_queues_and_their_functions() {
        let source = format!(
            "{SAMPLE}{}",
            r#"
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
      RedrivePolicy: { deadLetterTargetArn: !GetAtt JobsDlq.Arn, maxReceiveCount: 3 }
  JobsDlq:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Metadata: { BuildProperties: { Binary: jobs_work } }
    Properties:
      Environment: { Variables: { JOBS_QUEUE_URL: !Ref Jobs, PLAIN: x, WORKER: jobs } }
      Events:
        Queue: { Type: SQS, Properties: { Queue: !GetAtt Jobs.Arn, BatchSize: 5, FunctionResponseTypes: [ReportBatchItemFailures] } }
        Stream: { Type: DynamoDB, Properties: { Stream: !GetAtt Table.StreamArn, BatchSize: 50 } }
"#
        );
        let template = Template::parse(&source).unwrap();
        let jobs = template.queues.iter().find(|q| q.logical_id == "Jobs").unwrap();
        assert_eq!(jobs.redrive, Some(("JobsDlq".to_owned(), 3)));
        assert_eq!(jobs.visibility_timeout, Some(30));
        let workers: Vec<_> = template.workers.iter().filter(|w| w.function == "Worker").collect();
        let triggers: Vec<_> = workers.iter().map(|w| w.trigger.clone()).collect();
        assert_eq!(
            triggers,
            [
                Trigger::Queue { queue: "Jobs".into(), batch_size: 5, batching_window_seconds: 0 },
                Trigger::TableStream { batch_size: 50, on_failure: None }
            ]
        );
        assert!(workers[0].report_batch_item_failures && !workers[1].report_batch_item_failures);
        assert_eq!(workers[0].queue_refs, [("JOBS_QUEUE_URL".to_owned(), "Jobs".to_owned())]);
        assert_eq!(workers[0].worker, "jobs");
    }

    #[test]
    fn the_project_template_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
        let template = Template::load(&path).unwrap();
        assert!(template.routes.iter().any(|r| r.route_key() == "POST /api/v1/auth/sign_in" && r.issues_tokens));
        let stream_failures: Vec<_> = template
            .workers
            .iter()
            .filter_map(|w| match &w.trigger {
                Trigger::TableStream { on_failure, .. } => Some(on_failure.as_deref()),
                Trigger::Queue { .. } => None,
            })
            .collect();
        assert_eq!(stream_failures, [Some("StreamFailureQueue")]);
        assert!(template.routes.iter().any(|r| r.route_key() == "GET /api/v1/leads" && !r.issues_tokens));
        assert_eq!(template.table.global_secondary_indexes.len(), 3);
        let ws: Vec<(&str, &str)> =
            template.ws_routes.iter().map(|r| (r.route_key.as_str(), r.binary.as_str())).collect();
        assert!(ws.contains(&("$connect", "ws")) && ws.contains(&("sendMessage", "ws")), "{ws:?}");
        let cors = template.cors.expect("CORS configuration");
        assert_eq!(cors.allowed_origin("http://localhost:5173").as_deref(), Some("http://localhost:5173"));
        assert_eq!(cors.allowed_origin("https://elsewhere.example"), None);
    }
}
