#!/usr/bin/env bash
# Per route: DynamoDB calls, round trips and consumed capacity per request, and handler CPU time, against
# DynamoDB Local (started here, in memory). Prints a Markdown table.
set -euo pipefail
source "$(dirname "$0")/../stack.sh"
install_all
RUN="$(mktemp -d)"
trap 'stop_started; rm -rf "$RUN"' EXIT
DYNAMODB_PORT="$(free_port)"
start_dynamodb "$DYNAMODB_PORT" memory "$RUN/dynamodb.log"
export_environment "$DYNAMODB_PORT" 0 "bench-$$"
export RUST_LOG=error
cd "$ROOT"
cargo bench -p crm-local-gateway --bench routes
