#!/usr/bin/env python3
"""IAM conformance (issue #16): every AWS call a function made while the tests ran must be allowed by that
function's `Policies` in template.yaml, and every permission a function is granted must have been used by
some test or be justified in infra/iam-unexercised.yaml.

The local gateway records the calls (`--record-aws-calls DIR`, or LOCAL_AWS_CALLS_DIR for the end-to-end
tests): per gateway a file whose first line names the stack's local resources and settings, then one line
per distinct (function, action, resource ARN). This script resolves the template's references
(`!GetAtt Table.Arn`, `!Sub "...${JwtVerifyingSecretName}..."`, ...) to those local names, the parameters
from the settings they show in, and judges each call as IAM does: an Allow whose actions and resources
match (`*` and `?` wildcards), and no Deny.

    .local/sam-venv/bin/python infra/iam_conformance.py DIR
"""

import glob
import json
import os
import re
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from template_checks import ROOT, Tagged, load  # noqa: E402

JUSTIFICATIONS = "infra/iam-unexercised.yaml"
NO_FUNCTION = "(outside any function)"


class Unresolvable(Exception):
    pass


def wildcard(pattern):
    """An IAM pattern as a regex: `*` any run of characters, `?` exactly one."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z",
                      re.IGNORECASE | re.DOTALL)


def as_list(value):
    return value if isinstance(value, list) else [value]


class Stack:
    """The template's references resolved to one local stack's names."""

    def __init__(self, template, context):
        self.template, self.context = template, context
        self.resources = template["Resources"]
        self.parameters = self.infer_parameters()

    def infer_parameters(self):
        """Parameters at their defaults, except where a setting shows the value the local stack used: a
        variable defined as `!Sub "serverless-crm-${Stage}"` whose value is `serverless-crm-local` gives
        Stage=local."""
        parameters = {name: str(p["Default"]) for name, p in self.template.get("Parameters", {}).items()
                      if "Default" in p}
        found = {}
        environment = self.context.get("environment", {})
        variables = dict(self.template.get("Globals", {}).get("Function", {}).get("Environment", {})
                         .get("Variables", {}))
        for resource in self.resources.values():
            if resource.get("Type") == "AWS::Serverless::Function":
                variables.update(resource.get("Properties", {}).get("Environment", {}).get("Variables", {}))
        for name, definition in variables.items():
            actual = environment.get(name)
            if actual is None or not isinstance(definition, Tagged):
                continue
            if definition.tag == "!Ref" and definition.value in self.template.get("Parameters", {}):
                found.setdefault(definition.value, set()).add(actual)
            elif definition.tag == "!Sub" and isinstance(definition.value, str):
                names = re.findall(r"\$\{([^}]+)\}", definition.value)
                if not names or any(n not in self.template.get("Parameters", {}) for n in names):
                    continue
                pattern = re.escape(definition.value)
                for n in dict.fromkeys(names):
                    pattern = pattern.replace(re.escape("${" + n + "}"), f"(?P<{n}>.+?)", 1)
                    pattern = pattern.replace(re.escape("${" + n + "}"), f"(?P={n})")
                match = re.fullmatch(pattern, actual)
                if not match:
                    raise Unresolvable(f"{name}={actual!r} does not fit its definition {definition.value!r}")
                for n, value in match.groupdict().items():
                    found.setdefault(n, set()).add(value)
        for name, values in found.items():
            if len(values) > 1:
                raise Unresolvable(f"the settings disagree on parameter {name}: {sorted(values)}")
            parameters[name] = values.pop()
        return parameters

    def arn(self, service, resource):
        return f"arn:aws:{service}:{self.context['region']}:{self.context['account']}:{resource}"

    def ref(self, name):
        pseudo = {"AWS::Region": self.context["region"], "AWS::AccountId": self.context["account"],
                  "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        resource = self.resources.get(name)
        if resource is None:
            raise Unresolvable(f"Ref {name}: neither a parameter with a value nor a resource")
        kind = resource.get("Type")
        if kind == "AWS::DynamoDB::Table":
            return self.context["table"]
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.context['region']}.amazonaws.com/{self.context['account']}/{self.queue(name)}"
        if kind == "AWS::OpenSearchService::Domain":
            return self.domain(name)
        if kind == "AWS::ApiGatewayV2::Api":
            return self.context["websocket_api_id"]
        if kind == "AWS::S3::Bucket":
            return self.bucket(name)
        raise Unresolvable(f"Ref {name} ({kind}) has no local value")

    def queue(self, name):
        if name not in self.context["queues"]:
            raise Unresolvable(f"queue {name} is not in the local stack")
        return self.context["queues"][name]

    def bucket(self, name):
        if name not in self.context.get("buckets", {}):
            raise Unresolvable(f"bucket {name} is not in the local stack")
        return self.context["buckets"][name]

    def domain(self, name):
        if name not in self.context["search_domains"]:
            raise Unresolvable(f"search domain {name} is not in the local stack")
        return self.context["search_domains"][name]

    def get_att(self, name, attribute):
        kind = self.resources.get(name, {}).get("Type")
        if kind == "AWS::DynamoDB::Table" and attribute == "Arn":
            return self.arn("dynamodb", f"table/{self.context['table']}")
        if kind == "AWS::DynamoDB::Table" and attribute == "StreamArn":
            return self.arn("dynamodb", f"table/{self.context['table']}/stream/*")
        if kind == "AWS::SQS::Queue" and attribute == "Arn":
            return self.arn("sqs", self.queue(name))
        if kind == "AWS::SQS::Queue" and attribute == "QueueName":
            return self.queue(name)
        if kind == "AWS::S3::Bucket" and attribute == "Arn":
            return f"arn:aws:s3:::{self.bucket(name)}"
        if kind == "AWS::OpenSearchService::Domain" and attribute in ("Arn", "DomainArn"):
            return self.arn("es", f"domain/{self.domain(name)}")
        raise Unresolvable(f"GetAtt {name}.{attribute} has no local value")

    def resolve(self, value):
        if isinstance(value, str):
            return value
        if not isinstance(value, Tagged):
            raise Unresolvable(f"cannot resolve {value!r}")
        if value.tag == "!Ref":
            return self.ref(value.value)
        if value.tag == "!GetAtt":
            name, attribute = value.value.split(".", 1) if isinstance(value.value, str) else value.value
            return self.get_att(name, attribute)
        if value.tag == "!Sub":
            text, variables = (value.value, {}) if isinstance(value.value, str) else value.value
            def substitute(match):
                reference = match.group(1)
                if reference in variables:
                    return self.resolve(variables[reference])
                if "." in reference and not reference.startswith("AWS::"):
                    return self.get_att(*reference.split(".", 1))
                return self.ref(reference)
            return re.sub(r"\$\{([^}!]+)\}", substitute, text)
        raise Unresolvable(f"cannot resolve {value.tag}")


# DynamoDB actions that name a table's items: IAM never judges them against an index's ARN, so granting one
# on `…/index/*` (in a statement that also grants Query there) grants nothing and needs no test.
TABLE_ONLY_ACTIONS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                      "dynamodb:ConditionCheckItem", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"}


def applicable(action, written_resource):
    return not (action in TABLE_ONLY_ACTIONS and "/index/" in str(written_resource))


def written(value):
    """A resource as the template writes it, for messages and justifications."""
    if isinstance(value, Tagged):
        return value.value if isinstance(value.value, str) else value.value[0]
    return value


def condition_allows(condition, call):
    """Whether a statement's Condition lets `call` through, for the condition keys the recordings carry
    (`dynamodb:Attributes` and `dynamodb:ReturnValues` of an UpdateItem); any other condition key, or a call
    recorded without them, is not let through: what cannot be judged here is not counted as allowed."""
    if not condition:
        return True
    for operator, keys in condition.items():
        for key, allowed in keys.items():
            allowed = set(as_list(allowed))
            if operator == "ForAllValues:StringEquals" and key == "dynamodb:Attributes":
                if "attributes" not in call or not set(call["attributes"]) <= allowed:
                    return False
            elif operator == "StringEqualsIfExists" and key == "dynamodb:ReturnValues":
                if call.get("return_values", "NONE") not in allowed:
                    return False
            else:
                return False
    return True


def statements(name, function):
    """The function's policy statements; SAM policy templates and managed policies are not expected."""
    found = []
    for policy in function.get("Properties", {}).get("Policies", []) or []:
        if not isinstance(policy, dict) or "Statement" not in policy:
            raise Unresolvable(f"{name}: only inline policy documents are supported, found {policy!r}")
        found.extend(policy["Statement"])
    return found


def read_recordings(directory):
    recordings = []
    for path in sorted(glob.glob(os.path.join(directory, "*.jsonl"))):
        with open(path, encoding="utf-8") as file:
            lines = [json.loads(line) for line in file if line.strip()]
        if not lines or "context" not in lines[0]:
            raise SystemExit(f"iam conformance: {path} does not start with its context line")
        recordings.append((path, lines[0]["context"], lines[1:]))
    return recordings


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    template = load("template.yaml")
    recordings = read_recordings(sys.argv[1])
    if not recordings:
        raise SystemExit(f"iam conformance: no recorded calls in {sys.argv[1]}: did the tests run with recording on?")
    functions = {name: r for name, r in template["Resources"].items() if r.get("Type") == "AWS::Serverless::Function"}
    with open(os.path.join(ROOT, JUSTIFICATIONS), encoding="utf-8") as file:
        justified = yaml.safe_load(file) or {}

    failures, exercised, calls_seen = [], set(), 0
    for path, context, calls in recordings:
        stack = Stack(template, context)
        grants = {}
        for name, function in functions.items():
            grants[name] = []
            for statement in statements(name, function):
                for resource in as_list(statement.get("Resource", [])):
                    resolved = stack.resolve(resource)
                    for action in as_list(statement.get("Action", [])):
                        grants[name].append((statement.get("Effect"), action, written(resource), wildcard(action),
                                             wildcard(resolved), statement.get("Condition")))
        for call in calls:
            calls_seen += 1
            function, action, resource = call["function"], call["action"], call["resource"]
            if function == NO_FUNCTION:
                failures.append(f"{action} on {resource} was called outside any function's invocation "
                                f"(a task spawned and left running?)")
                continue
            if function not in grants:
                failures.append(f"{function}: not a function of template.yaml ({action} on {resource})")
                continue
            matching = [g for g in grants[function]
                        if g[3].match(action) and g[4].match(resource) and condition_allows(g[5], call)]
            if any(g[0] == "Deny" for g in matching) or not any(g[0] == "Allow" for g in matching):
                failures.append(f"{function} called {action} on {resource}, which its Policies do not allow")
            for effect, granted, written_resource, _, _, _ in matching:
                exercised.add((function, granted, written_resource))

    unused = []
    for name, function in functions.items():
        for statement in statements(name, function):
            if statement.get("Effect") != "Allow":
                continue
            for resource in as_list(statement.get("Resource", [])):
                for action in as_list(statement.get("Action", [])):
                    if applicable(action, written(resource)) and (name, action, written(resource)) not in exercised:
                        unused.append((name, action, written(resource)))
    reasons = {(name, entry["action"], entry["resource"]): entry.get("why")
               for name, entries in justified.items() for entry in entries}
    for grant in unused:
        if not reasons.get(grant):
            failures.append(f"{grant[0]} is granted {grant[1]} on {grant[2]}, which no test used: remove it, "
                            f"or say why it is needed in {JUSTIFICATIONS}")
    granted = {(name, action, written(resource)) for name, function in functions.items()
               for statement in statements(name, function) if statement.get("Effect") == "Allow"
               for resource in as_list(statement.get("Resource", [])) for action in as_list(statement.get("Action", []))}
    for grant in reasons:
        if grant not in granted:
            failures.append(f"{JUSTIFICATIONS}: {grant[0]} is no longer granted {grant[1]} on {grant[2]}: drop its entry")
        elif grant not in set(unused):
            # Some justified paths depend on timing (a connection gone mid-push); a run that reaches one is fine.
            print(f"iam conformance: note: the tests used {grant[0]}'s justified {grant[1]} on {grant[2]} this time")

    for failure in failures:
        print(f"iam conformance: FAIL {failure}", file=sys.stderr)
    if failures:
        sys.exit(1)
    print(f"iam conformance: {calls_seen} distinct calls by {len({c['function'] for _, _, cs in recordings for c in cs})} "
          f"functions, each allowed by its function's policy; {len(unused)} granted permissions unused by the "
          f"tests, each justified in {JUSTIFICATIONS}: ok")


if __name__ == "__main__":
    try:
        main()
    except Unresolvable as error:
        print(f"iam conformance: FAIL {error}", file=sys.stderr)
        sys.exit(1)
