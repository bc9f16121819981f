#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, cfn-lint, unit tests and the end-to-end tests over the
# local stack (DynamoDB Local in memory and moto, on free ports, stopped afterwards). Installs what it
# needs on first run.
set -euo pipefail
source "$(dirname "$0")/stack.sh"

install_all
cd "$ROOT"
RUN="$(mktemp -d)"
trap 'stop_started; rm -rf "$RUN"' EXIT
trap 'exit 130' INT TERM

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy --all-targets -- -D warnings"
cargo clippy --quiet --workspace --all-targets -- -D warnings
say "cfn-lint template.yaml"
"$VENV/bin/cfn-lint" template.yaml
say "sam validate --lint"
install_sam
SAM_CLI_TELEMETRY=0 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
  "$SAM_VENV/bin/sam" validate --lint >/dev/null

DYNAMODB_PORT="$(free_port)"
SQS_PORT="$(free_port)"
start_dynamodb "$DYNAMODB_PORT" memory "$RUN/dynamodb.log"
start_moto "$SQS_PORT" "$RUN/moto.log"
SEARCH_PORT="$(free_port)"
start_opensearch "$SEARCH_PORT" "$RUN/opensearch.log"
export_environment "$DYNAMODB_PORT" "$SQS_PORT" "crm-test-$$" "$SEARCH_PORT"
export RUST_LOG="${RUST_LOG:-warn}"

say "cargo test (unit and end-to-end)"
cargo test --workspace --exclude crm-functions
