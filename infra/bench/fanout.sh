#!/usr/bin/env bash
# Time to fan one chat message out to 1,000 WebSocket connections through the local stack.
set -euo pipefail
source "$(dirname "$0")/../stack.sh"
install_all
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
RUN="$(mktemp -d)"
trap 'stop_started; rm -rf "$RUN"' EXIT
DYNAMODB_PORT="$(free_port)"
SQS_PORT="$(free_port)"
start_dynamodb "$DYNAMODB_PORT" memory "$RUN/dynamodb.log"
start_moto "$SQS_PORT" "$RUN/moto.log"
export_environment "$DYNAMODB_PORT" "$SQS_PORT" "bench-$$"
export RUST_LOG=error
cd "$ROOT"
cargo bench -p crm-e2e --bench fanout
