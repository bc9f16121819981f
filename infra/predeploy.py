#!/usr/bin/env python3
"""Checks that a stage has what its first `sam deploy` needs, before deploying (issue #16): the secrets its
parameters name, each with its fields in the right form. Prints what is missing and how to create it;
never prints a secret. Uses the AWS credentials and region of the environment.

    python3 infra/predeploy.py --config-env dev        # needs boto3 (pip install boto3)

`infra/test.sh` runs it against the local Secrets Manager (moto) with `--self-test`: it must find a bare
stage wanting and a prepared one ready.
"""

import argparse
import base64
import json
import os
import re
import shlex
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Each secret parameter, the fields its secret must hold, and how to check each one.
SECRETS = {
    "JwtSigningSecretName": {"private_key": "an Ed25519 private key (PEM)"},
    "JwtVerifyingSecretName": {"public_key": "an Ed25519 public key (PEM)"},
    "IntegrationsSecretName": {
        "integrations_key": "32 random bytes, base64",
        "google_client_id": "Google's OAuth client id, or an empty string",
        "google_client_secret": "Google's OAuth client secret, or an empty string",
        "stripe_secret_key": "Stripe's secret API key (sk_…), or an empty string while the stage sells no plans",
        "stripe_webhook_secret": "the signing secret of Stripe's webhook endpoint (whsec_…), or an empty string",
    },
}

TEMPLATE_DEFAULTS = {
    "JwtSigningSecretName": "serverless-crm/dev/jwt-signing",
    "JwtVerifyingSecretName": "serverless-crm/dev/jwt-verifying",
    "IntegrationsSecretName": "serverless-crm/dev/integrations",
}


def stage_parameters(config_env, samconfig=os.path.join(ROOT, "samconfig.toml")):
    with open(samconfig, "rb") as file:
        config = tomllib.load(file)
    overrides = config.get(config_env, {}).get("deploy", {}).get("parameters", {}).get("parameter_overrides", "")
    if isinstance(overrides, list):
        overrides = " ".join(overrides)
    parameters = dict(TEMPLATE_DEFAULTS)
    parameters.update(pair.split("=", 1) for pair in shlex.split(overrides) if "=" in pair)
    return parameters


def field_problem(field, value):
    if not isinstance(value, str):
        return "is missing"
    if field == "private_key" and not re.search(r"-----BEGIN PRIVATE KEY-----", value):
        return "is not a PEM private key"
    if field == "public_key" and not re.search(r"-----BEGIN PUBLIC KEY-----", value):
        return "is not a PEM public key"
    if field == "integrations_key":
        try:
            if len(base64.b64decode(value.strip(), validate=True)) != 32:
                return "is not 32 bytes"
        except ValueError:
            return "is not base64"
    return None


def check(client, parameters):
    """What the stage lacks, as readable lines (empty when it is ready)."""
    problems = []
    for parameter, fields in SECRETS.items():
        name = parameters[parameter]
        try:
            text = client.get_secret_value(SecretId=name)["SecretString"]
        except client.exceptions.ResourceNotFoundException:
            wanted = ", ".join(f"{f} ({what})" for f, what in fields.items())
            problems.append(f"secret {name} ({parameter}) does not exist; create it with {wanted} (README, Deploy)")
            continue
        try:
            values = json.loads(text)
        except ValueError:
            problems.append(f"secret {name} ({parameter}) is not a JSON object")
            continue
        for field in fields:
            problem = field_problem(field, values.get(field))
            if problem:
                problems.append(f"secret {name}: {field} {problem} (expected {fields[field]})")
    return problems


def self_test(client):
    """A bare stage is found wanting; once its secrets exist in the right form, it is ready."""
    parameters = {p: f"predeploy-self-test-{os.getpid()}/{p}" for p in SECRETS}
    missing = check(client, parameters)
    assert len(missing) == 3 and all("does not exist" in line for line in missing), missing
    client.create_secret(Name=parameters["JwtSigningSecretName"], SecretString=json.dumps({"private_key": "x"}))
    client.create_secret(Name=parameters["JwtVerifyingSecretName"], SecretString=json.dumps(
        {"public_key": "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n"}))
    client.create_secret(Name=parameters["IntegrationsSecretName"], SecretString=json.dumps(
        {"integrations_key": base64.b64encode(b"k" * 31).decode(), "google_client_id": ""}))
    wrong = check(client, parameters)
    expected = ["private_key is not a PEM private key", "integrations_key is not 32 bytes", "google_client_secret is missing",
                "stripe_secret_key is missing", "stripe_webhook_secret is missing"]
    assert all(any(e in line for line in wrong) for e in expected) and len(wrong) == 5, wrong
    client.put_secret_value(SecretId=parameters["JwtSigningSecretName"], SecretString=json.dumps(
        {"private_key": "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIE\n-----END PRIVATE KEY-----\n"}))
    client.put_secret_value(SecretId=parameters["IntegrationsSecretName"], SecretString=json.dumps(
        {"integrations_key": base64.b64encode(b"k" * 32).decode(), "google_client_id": "", "google_client_secret": "",
         "stripe_secret_key": "", "stripe_webhook_secret": ""}))
    ready = check(client, parameters)
    assert ready == [], ready
    assert stage_parameters("prod")["JwtSigningSecretName"] == "serverless-crm/prod/jwt-signing"
    print("predeploy: a bare stage is found wanting, a wrong secret named, a prepared stage ready")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config-env", default="dev", help="the samconfig.toml environment (the stage)")
    parser.add_argument("--self-test", action="store_true", help="check this script against the local Secrets Manager")
    args = parser.parse_args()
    import boto3

    client = boto3.client("secretsmanager", region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"))
    if args.self_test:
        self_test(client)
        return
    problems = check(client, stage_parameters(args.config_env))
    for problem in problems:
        print(f"predeploy: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"predeploy: {args.config_env} has what its deploy needs")


if __name__ == "__main__":
    main()
