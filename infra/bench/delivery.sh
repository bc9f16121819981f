#!/usr/bin/env bash
# Time from a change to its pushed notification and to its outgoing webhook delivery through the local
# stack (table stream, events router, queues and workers, @connections, a local receiver), one change at a
# time and at a steady 20 per second.
#   bash infra/bench/delivery.sh [events per run, default 300]
set -euo pipefail
source "$(dirname "$0")/../stack.sh"
install_all
RUN="$(mktemp -d)"
trap 'stop_started; rm -rf "$RUN"' EXIT
DYNAMODB_PORT="$(free_port)"
SQS_PORT="$(free_port)"
SEARCH_PORT="$(free_port)"
start_dynamodb "$DYNAMODB_PORT" memory "$RUN/dynamodb.log"
start_moto "$SQS_PORT" "$RUN/moto.log"
start_opensearch "$SEARCH_PORT" "$RUN/opensearch.log"
export_environment "$DYNAMODB_PORT" "$SQS_PORT" "bench-$$" "$SEARCH_PORT"
export RUST_LOG=error
cd "$ROOT"
cargo bench -p crm-e2e --bench delivery -- "${1:-300}"
