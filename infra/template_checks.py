#!/usr/bin/env python3
"""What the local stack cannot show about the deployed stack, checked from template.yaml and samconfig.toml
(issue #16): each check names the finding it guards against. Run by infra/test.sh with the SAM CLI's Python,
whose SAM translator expands the template as `sam deploy` does.

    .local/sam-venv/bin/python infra/template_checks.py
"""

import json
import os
import re
import sys
import tomllib

import yaml

# CloudFormation's documented quotas for one template (Service Quotas: "AWS CloudFormation").
QUOTAS = {"Resources": 500, "Parameters": 200, "Outputs": 200, "Mappings": 200}
MAX_DYNAMIC_REFERENCES = 60
MAX_TEMPLATE_BYTES = 1_000_000  # from S3, as `sam deploy` uploads it

# Settings that are secrets: functions get where they are (`<NAME>_FROM_SECRET`), never their values.
SECRET_SETTINGS = ["JWT_PUBLIC_KEY", "JWT_PREVIOUS_PUBLIC_KEY", "JWT_PRIVATE_KEY", "INTEGRATIONS_KEY",
                   "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Tagged:
    """A CloudFormation short-form function (`!Ref X`, `!Sub …`), kept as tag and value."""

    def __init__(self, tag, value):
        self.tag, self.value = tag, value

    def __repr__(self):
        return f"{self.tag} {self.value!r}"


def tagged(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return Tagged("!" + suffix, value)


class Loader(yaml.SafeLoader):
    pass


Loader.add_multi_constructor("!", tagged)


def load(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as file:
        return yaml.load(file, Loader=Loader)


def check_tables(template, failures):
    """Finding 4: a fixed table name with `Retain` makes every retry of a failed first create fail."""
    for name, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::DynamoDB::Table":
            continue
        if "TableName" in resource.get("Properties", {}):
            failures.append(f"{name}: a fixed TableName collides with the table a failed create left behind")
        if resource.get("DeletionPolicy") != "RetainExceptOnCreate":
            failures.append(f"{name}: DeletionPolicy should be RetainExceptOnCreate (kept, unless its own create failed)")


def check_log_level(template, failures):
    """Finding 6: Lambda's ApplicationLogLevel filters JSON logs before RUST_LOG's choice matters."""
    function = template.get("Globals", {}).get("Function", {})
    level = function.get("LoggingConfig", {}).get("ApplicationLogLevel")
    derived = isinstance(level, Tagged) and level.tag == "!FindInMap" and \
        isinstance(level.value[1], Tagged) and level.value[1].value == "LogLevel"
    if not derived:
        failures.append(f"Globals.Function.LoggingConfig.ApplicationLogLevel must follow LogLevel, found {level!r}")
    rust_log = function.get("Environment", {}).get("Variables", {}).get("RUST_LOG")
    if not (isinstance(rust_log, Tagged) and rust_log.tag == "!Ref" and rust_log.value == "LogLevel"):
        failures.append(f"Globals RUST_LOG must be !Ref LogLevel, found {rust_log!r}")
    mapping = template.get("Mappings", {}).get(level.value[0] if derived else "", {})
    allowed = template["Parameters"]["LogLevel"].get("AllowedValues", [])
    for value in allowed:
        if value not in mapping:
            failures.append(f"LogLevel {value} has no Lambda log level in the mapping")
    if not allowed:
        failures.append("LogLevel must list its AllowedValues, each mapped to a Lambda log level")


def check_build_settings(template, failures):
    """Finding 7: with `CodeUri: .` a cached, parallel `sam build` hashes target/ while cargo writes into it."""
    with open(os.path.join(ROOT, "samconfig.toml"), "rb") as file:
        config = tomllib.load(file)
    code_uri = template.get("Globals", {}).get("Function", {}).get("CodeUri")
    for environment, commands in config.items():
        if not isinstance(commands, dict):
            continue
        build = commands.get("build", {}).get("parameters", {})
        if code_uri == "." and (build.get("cached") or build.get("parallel")):
            failures.append(f"samconfig.toml [{environment}.build]: cached/parallel builds race cargo over CodeUri: .")


def check_quotas(template, failures):
    """Finding 1: after the SAM transform the template must fit CloudFormation's quotas (it once held 89
    `{{resolve:secretsmanager}}` references, past the 60 allowed)."""
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    class NoManagedPolicies:
        def load(self):
            return {}

    with open(os.path.join(ROOT, "template.yaml"), encoding="utf-8") as file:
        source = yaml_parse(file.read())
    # As `sam package` leaves it: the code in S3.
    source["Globals"]["Function"]["CodeUri"] = "s3://bucket/artifact.zip"
    transformed = transform(source, {}, NoManagedPolicies())
    body = json.dumps(transformed)
    for section, limit in QUOTAS.items():
        if len(transformed.get(section, {})) > limit:
            failures.append(f"{len(transformed[section])} {section} after the SAM transform (at most {limit})")
    references = len(re.findall(r"\{\{resolve:", body))
    if references > MAX_DYNAMIC_REFERENCES:
        failures.append(f"{references} dynamic references after the SAM transform (at most {MAX_DYNAMIC_REFERENCES})")
    if len(body) > MAX_TEMPLATE_BYTES:
        failures.append(f"the transformed template is {len(body)} bytes (at most {MAX_TEMPLATE_BYTES})")


def secret_parameter(value):
    """The parameter a `!Sub "${Param}#field"` reference names."""
    text = value.value if isinstance(value, Tagged) else value
    match = re.fullmatch(r"\$\{(\w+)\}#\w+", text if isinstance(text, str) else "")
    return match.group(1) if match else None


def check_secrets(template, failures):
    """Finding 1: no secret in any environment variable, and each function may read exactly the secrets it
    is told to read (the one part of IAM the local stack cannot exercise that this check can)."""
    globals_env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    for name, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource.get("Properties", {})
        env = {**globals_env, **properties.get("Environment", {}).get("Variables", {})}
        for setting in SECRET_SETTINGS:
            if setting in env:
                failures.append(f"{name}: {setting} is a secret; give {setting}_FROM_SECRET instead")
        binary = resource.get("Metadata", {}).get("BuildProperties", {}).get("Binary")
        # Workers verify no tokens: the global verifying-key reference is not theirs to read.
        wanted = {secret_parameter(value) for variable, value in env.items() if variable.endswith("_FROM_SECRET")
                  and (binary != "worker" or variable not in globals_env)}
        allowed = set()
        for policy in properties.get("Policies", []):
            for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
                if "secretsmanager:GetSecretValue" in statement.get("Action", []):
                    for arn in statement.get("Resource", []):
                        allowed.update(re.findall(r"secret:\$\{(\w+)\}-\?{6}$", arn.value if isinstance(arn, Tagged) else arn))
        if None in wanted:
            failures.append(f"{name}: a *_FROM_SECRET variable is not of the form \"${{Parameter}}#field\"")
        for missing in sorted((wanted - {None}) - allowed):
            failures.append(f"{name}: reads the secret {missing} but its policy does not allow it")
        for extra in sorted(allowed - wanted):
            failures.append(f"{name}: may read the secret {extra}, which it does not use")
    if "{{resolve:" in open(os.path.join(ROOT, "template.yaml"), encoding="utf-8").read():
        failures.append("template.yaml resolves a secret into the template; functions read secrets at start")


def check_stream_failures(template, failures):
    """Finding 3: stream records that keep failing must not be dropped without a trace or an alarm."""
    resources = template["Resources"]
    alarmed = set()
    for resource in resources.values():
        if resource.get("Type") == "AWS::CloudWatch::Alarm":
            for dimension in resource.get("Properties", {}).get("Dimensions", []):
                value = dimension.get("Value")
                if isinstance(value, Tagged) and value.tag == "!GetAtt":
                    alarmed.add(value.value.split(".")[0])
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource.get("Properties", {})
        for event_name, event in properties.get("Events", {}).items():
            if event.get("Type") not in ("DynamoDB", "Kinesis"):
                continue
            destination = event.get("Properties", {}).get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            if not (isinstance(destination, Tagged) and destination.tag == "!GetAtt"):
                failures.append(f"{name}.{event_name}: a stream event needs DestinationConfig.OnFailure (an SQS queue)")
                continue
            queue = destination.value.split(".")[0]
            if resources.get(queue, {}).get("Type") != "AWS::SQS::Queue":
                failures.append(f"{name}.{event_name}: its on-failure destination {queue} is not an SQS queue")
            if queue not in alarmed:
                failures.append(f"{name}.{event_name}: nothing alarms on its on-failure queue {queue}")
            sends = [arn.value.split(".")[0] for policy in properties.get("Policies", []) if isinstance(policy, dict)
                     for statement in policy.get("Statement", []) if "sqs:SendMessage" in statement.get("Action", [])
                     for arn in statement.get("Resource", []) if isinstance(arn, Tagged)]
            if queue not in sends:
                failures.append(f"{name}: may not send to its on-failure queue {queue}")


def check_search_sizing(template, failures):
    """Finding 5: one node with a replica per shard stays yellow, and prod needs redundancy across zones."""
    sizing = template.get("Mappings", {}).get("SearchSizing", {})
    for stage in template["Parameters"]["Stage"]["AllowedValues"]:
        size = sizing.get(stage)
        if not size:
            failures.append(f"SearchSizing has no entry for stage {stage}")
            continue
        nodes, replicas = int(size["InstanceCount"]), int(size["Replicas"])
        if replicas > nodes - 1:
            failures.append(f"{stage}: {replicas} replicas per shard on {nodes} node(s) leave the cluster yellow")
    if sizing.get("prod") and int(sizing["prod"]["InstanceCount"]) < 3:
        failures.append("prod's search domain needs three nodes across availability zones")
    domains = [r for r in template["Resources"].values() if r.get("Type") == "AWS::OpenSearchService::Domain"]
    for domain in domains:
        properties = domain.get("Properties", {})
        if not (properties.get("EncryptionAtRestOptions", {}).get("Enabled")
                and properties.get("NodeToNodeEncryptionOptions", {}).get("Enabled")
                and properties.get("DomainEndpointOptions", {}).get("EnforceHTTPS")):
            failures.append("the search domain must encrypt at rest and between nodes, and take HTTPS only")
        zones = properties.get("ClusterConfig", {}).get("ZoneAwarenessEnabled")
        if not (isinstance(zones, Tagged) and zones.value[0] == "IsProd"):
            failures.append("the search domain must spread over availability zones in prod (ZoneAwarenessEnabled)")
    replicas = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}).get("SEARCH_REPLICAS")
    if not (isinstance(replicas, Tagged) and replicas.value[0] == "SearchSizing"):
        failures.append("SEARCH_REPLICAS must come from SearchSizing, so new indexes fit their domain")


def check_search_bootstrap(template, failures):
    """Finding 2: nothing created the index with its mapping in AWS. A custom resource puts it in place; it
    reruns only when its MappingVersion changes, so that must be the version the code rolls out."""
    source = open(os.path.join(ROOT, "shared/search/src/bootstrap.rs")).read()
    version = re.search(r"pub const MAPPING_VERSION: u32 = (\d+);", source)
    resources = template["Resources"]
    bootstraps = [(name, r) for name, r in resources.items() if r.get("Type") == "Custom::SearchIndex"]
    if len(bootstraps) != 1:
        failures.append(f"expected one Custom::SearchIndex resource (the search index's deploy step), found {len(bootstraps)}")
        return
    name, bootstrap = bootstraps[0]
    properties = bootstrap.get("Properties", {})
    if not version or str(properties.get("MappingVersion")) != version.group(1):
        failures.append(f"{name}.MappingVersion must equal crm_search::MAPPING_VERSION "
                        f"({version.group(1) if version else 'not found'}), or a new mapping never reaches AWS")
    token = properties.get("ServiceToken")
    function = resources.get(token.value.split(".")[0]) if isinstance(token, Tagged) else None
    variables = (function or {}).get("Properties", {}).get("Environment", {}).get("Variables", {})
    if variables.get("WORKER") != "search_bootstrap":
        failures.append(f"{name}'s ServiceToken must be the Arn of the function whose WORKER is search_bootstrap")
    if not properties.get("ServiceTimeout") or int(properties["ServiceTimeout"]) > 3600:
        failures.append(f"{name} needs a ServiceTimeout, or a failed function holds the stack for an hour")


def check_web_hosting(template, failures):
    """Issue #17: the web app from a private bucket through CloudFront, HTTPS only, hashed assets cached and the
    rest revalidated, the app's own routes answered with index.html."""
    resources = template["Resources"]
    distributions = [r for r in resources.values() if r.get("Type") == "AWS::CloudFront::Distribution"]
    if "WebBucket" not in resources or len(distributions) != 1:
        failures.append("the web app needs its bucket (WebBucket) and one CloudFront distribution")
        return
    config = distributions[0]["Properties"]["DistributionConfig"]
    if not all(o.get("OriginAccessControlId") for o in config.get("Origins", [])):
        failures.append("the distribution must reach the bucket through an origin access control")
    behaviors = [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]
    if any(b.get("ViewerProtocolPolicy") not in ("redirect-to-https", "https-only") for b in behaviors):
        failures.append("the web app must be served over HTTPS only")
    caching_disabled, caching_optimized = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "658327ea-f89d-4fab-a63d-7e88639e58f6"
    assets = [b for b in config.get("CacheBehaviors", []) if b.get("PathPattern") == "/assets/*"]
    if config["DefaultCacheBehavior"].get("CachePolicyId") != caching_disabled:
        failures.append("index.html and config.json must not be cached (default behaviour: CachingDisabled)")
    if not assets or assets[0].get("CachePolicyId") != caching_optimized:
        failures.append("hashed assets (/assets/*) must be cached (CachingOptimized)")
    pages = {e.get("ErrorCode"): e.get("ResponsePagePath") for e in config.get("CustomErrorResponses", [])}
    if pages.get(403) != "/index.html":
        failures.append("the app's routes (S3 answers 403 through the access control) must answer index.html")
    outputs = template.get("Outputs", {})
    for output in ("WebBucketName", "WebDistributionId", "ApiUrl", "WebSocketUrl"):
        if output not in outputs:
            failures.append(f"infra/deploy_web.py reads the stack output {output}, which template.yaml lacks")


def check_buckets(template, failures):
    """Issue #20: no bucket is public or reachable over plain HTTP, or from browsers on other sites than the web
    app; the files functions are given (exports, uploads) expire, unfinished multipart uploads with them."""
    resources = template["Resources"]
    buckets = {name: r for name, r in resources.items() if r.get("Type") == "AWS::S3::Bucket"}
    policies = {}
    for resource in resources.values():
        if resource.get("Type") == "AWS::S3::BucketPolicy":
            bucket = resource["Properties"]["Bucket"]
            policies[getattr(bucket, "value", bucket)] = resource["Properties"]["PolicyDocument"]["Statement"]
    for name, bucket in buckets.items():
        block = bucket.get("Properties", {}).get("PublicAccessBlockConfiguration", {})
        if not all(block.get(k) is True for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls",
                                                   "RestrictPublicBuckets")):
            failures.append(f"{name} must block every kind of public access")
        https_only = any(st.get("Effect") == "Deny" and st.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
                         for st in policies.get(name, []))
        if not https_only:
            failures.append(f"{name} must refuse requests over plain HTTP (a bucket policy denying aws:SecureTransport false)")
        for rule in bucket.get("Properties", {}).get("CorsConfiguration", {}).get("CorsRules", []):
            origins = rule.get("AllowedOrigins")
            if not (getattr(origins, "tag", None) == "!Ref" and origins.value == "AllowedOrigins"):
                failures.append(f"{name}: browsers may reach it only from the web app's origins (!Ref AllowedOrigins)")
            if not set(rule.get("AllowedMethods", [])) <= {"GET", "PUT"}:
                failures.append(f"{name}: browsers may only GET and PUT files through presigned links")
    given = set()
    for resource in resources.values():
        if resource.get("Type") == "AWS::Serverless::Function":
            for value in resource.get("Properties", {}).get("Environment", {}).get("Variables", {}).values():
                if getattr(value, "tag", None) == "!Ref" and value.value in buckets:
                    given.add(value.value)
    for name in sorted(given):
        rules = buckets[name].get("Properties", {}).get("LifecycleConfiguration", {}).get("Rules", [])
        enabled = [r for r in rules if r.get("Status") == "Enabled" and "Prefix" not in r and "Filter" not in r]
        if not any(r.get("ExpirationInDays") for r in enabled):
            failures.append(f"{name}: the files functions write must expire (a lifecycle rule over the whole bucket)")
        if not any(r.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation") for r in enabled):
            failures.append(f"{name}: unfinished multipart uploads must be aborted by a lifecycle rule")


def check_outgoing_webhooks(template, failures):
    """Outgoing webhook retries must fit what SQS allows, and the local stack's shortcuts must stay local."""
    resources = template["Resources"]
    local_only = ("WEBHOOK_LOCAL_TARGETS", "WEBHOOK_RETRY_CAP_SECONDS", "FILE_PART_BYTES")
    scopes = [("Globals", template.get("Globals", {}).get("Function", {}))]
    scopes += [(name, r.get("Properties", {})) for name, r in resources.items() if r.get("Type") == "AWS::Serverless::Function"]
    for name, properties in scopes:
        variables = properties.get("Environment", {}).get("Variables", {})
        for variable in local_only:
            if variable in variables:
                failures.append(f"{name}: {variable} is a local-stack setting (it bypasses the address check, the retry schedule or S3's part size)")
    with open(os.path.join(ROOT, "shared/domain/src/outgoing.rs")) as file:
        source = file.read()
    match = re.search(r"RETRY_SCHEDULE_SECONDS: \[i64; \d+\] = \[([^\]]+)\]", source)
    if not match:
        failures.append("shared/domain/src/outgoing.rs: RETRY_SCHEDULE_SECONDS not found")
        return
    schedule = [int(n.strip()) for n in match.group(1).split(",") if n.strip()]
    queue = resources.get("WebhookDeliveriesQueue", {}).get("Properties", {})
    function = resources.get("WebhookDeliverFunction", {}).get("Properties", {})
    retention = int(queue.get("MessageRetentionPeriod", 345600))
    receives = int(queue.get("RedrivePolicy", {}).get("maxReceiveCount", 0))
    if max(schedule) > 12 * 60 * 60:
        failures.append("a webhook retry waits longer than SQS lets a message stay invisible (12 hours)")
    if retention <= sum(schedule):
        failures.append(f"WebhookDeliveriesQueue keeps messages {retention} s, less than the retries take ({sum(schedule)} s)")
    if receives <= len(schedule) + 1:
        failures.append(f"WebhookDeliveriesQueue dead-letters after {receives} receives, before the {len(schedule) + 1} attempts")
    timeout_ms = int(function.get("Environment", {}).get("Variables", {}).get("WEBHOOK_TIMEOUT_MS", 5000))
    if timeout_ms / 1000 + 5 > int(function.get("Timeout", 3)):
        failures.append("WebhookDeliverFunction: its Timeout leaves no room after an attempt's WEBHOOK_TIMEOUT_MS")
    if int(queue.get("VisibilityTimeout", 30)) < int(function.get("Timeout", 3)):
        failures.append("WebhookDeliveriesQueue: VisibilityTimeout is shorter than its function's Timeout")


def check_queue_triggers(template, failures):
    """What Lambda's SQS event source mapping requires, which the local stack does not enforce: a batch of more
    than 10 messages needs a batching window, and a queue must hide a message for longer than its function may
    take on it (with a window, AWS asks for six times the timeout plus the window)."""
    resources = template.get("Resources", {})
    default_timeout = template.get("Globals", {}).get("Function", {}).get("Timeout", 3)
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource.get("Properties", {})
        timeout = int(properties.get("Timeout", default_timeout))
        for event in (properties.get("Events") or {}).values():
            if event.get("Type") != "SQS":
                continue
            trigger = event.get("Properties", {})
            queue_ref = trigger.get("Queue")
            if not (isinstance(queue_ref, Tagged) and queue_ref.tag == "!GetAtt"):
                failures.append(f"{name}: its SQS trigger does not name a queue of the template")
                continue
            queue_name = str(queue_ref.value).split(".")[0]
            queue = resources.get(queue_name, {}).get("Properties", {})
            visibility = int(queue.get("VisibilityTimeout", 30))
            batch = int(trigger.get("BatchSize", 10))
            window = int(trigger.get("MaximumBatchingWindowInSeconds", 0))
            if batch > 10 and window < 1:
                failures.append(f"{name}: BatchSize {batch} needs MaximumBatchingWindowInSeconds of at least 1")
            if visibility < timeout + window:
                failures.append(f"{queue_name}: VisibilityTimeout {visibility} s is shorter than {name}'s Timeout and window")
            if window and visibility < 6 * timeout + window:
                failures.append(f"{queue_name}: VisibilityTimeout {visibility} s is under six times {name}'s Timeout plus its window")


def main():
    template = load("template.yaml")
    failures = []
    checks = (check_tables, check_log_level, check_build_settings, check_secrets, check_stream_failures,
              check_search_sizing, check_search_bootstrap, check_web_hosting, check_buckets, check_outgoing_webhooks,
              check_quotas, check_queue_triggers)
    for check in checks:
        check(template, failures)
    for failure in failures:
        print(f"template checks: FAIL {failure}", file=sys.stderr)
    if failures:
        sys.exit(1)
    print("template checks: quotas after the SAM transform, secrets and who may read them, stream failure "
          "destinations, search sizing, the search index's deploy step, the web app's hosting, private expiring buckets, outgoing webhook retries and local-only settings, queue triggers' batches and visibility, table naming and retention, log level, build settings: ok")


if __name__ == "__main__":
    main()
