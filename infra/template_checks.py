#!/usr/bin/env python3
"""What the local stack cannot show about the deployed stack, checked from template.yaml and samconfig.toml
(issue #16): each check names the finding it guards against. Run by infra/test.sh with the venv's Python.

    .local/venv/bin/python infra/template_checks.py
"""

import os
import sys
import tomllib

import yaml

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


def main():
    template = load("template.yaml")
    failures = []
    for check in (check_tables, check_log_level, check_build_settings):
        check(template, failures)
    for failure in failures:
        print(f"template checks: FAIL {failure}", file=sys.stderr)
    if failures:
        sys.exit(1)
    print("template checks: table naming and retention, log level, build settings: ok")


if __name__ == "__main__":
    main()
