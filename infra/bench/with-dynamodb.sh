#!/usr/bin/env bash
# Runs one of the local gateway's bench binaries against DynamoDB Local (started here, in memory) and moto:
#   bash infra/bench/with-dynamodb.sh <bench name>
set -euo pipefail
source "$(dirname "$0")/../stack.sh"
BENCH="${1:?which bench: rollup or routes}"
install_all
RUN="$(mktemp -d)"
trap 'stop_started; rm -rf "$RUN"' EXIT
DYNAMODB_PORT="$(free_port)"; MOTO_PORT="$(free_port)"
start_dynamodb "$DYNAMODB_PORT" memory "$RUN/dynamodb.log"
# moto holds the secrets (the token keys) the functions read at init, as Secrets Manager does in AWS.
start_moto "$MOTO_PORT" "$RUN/moto.log"
export_environment "$DYNAMODB_PORT" "$MOTO_PORT" "bench-$$"
export RUST_LOG=error
cd "$ROOT"
cargo bench -p crm-local-gateway --bench "$BENCH"
