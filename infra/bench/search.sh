#!/usr/bin/env bash
# Search p50/p99 over 100,000 leads on the local OpenSearch-compatible engine (started here).
set -euo pipefail
source "$(dirname "$0")/../stack.sh"
install_all
RUN="$(mktemp -d)"
trap 'stop_started; rm -rf "$RUN"' EXIT
SEARCH_PORT="$(free_port)"
start_opensearch "$SEARCH_PORT" "$RUN/opensearch.log"
export OPENSEARCH_ENDPOINT="http://127.0.0.1:$SEARCH_PORT"
export RUST_LOG=error
cd "$ROOT"
cargo bench -p crm-local-gateway --bench search
