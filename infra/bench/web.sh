#!/usr/bin/env bash
# The web app's budgets (issue #17): initial download, and in Debian's Chromium the time from "Sign in" to
# the first screen and to 100 leads and 100 deals on screen, over a fresh local stack. Prints numbers only;
# results go in docs/benchmarks.md.
set -euo pipefail
source "$(dirname "$0")/../stack.sh"
install_all
install_chromium
cd "$ROOT"
cargo build --quiet -p crm-local-gateway
build_web
python3 "$ROOT/infra/bench/web_budget.py"
RUN="$(mktemp -d)"
trap 'stop_started; rm -rf "$RUN"' EXIT
DYNAMODB_PORT="$(free_port)"; MOTO_PORT="$(free_port)"; SEARCH_PORT="$(free_port)"; WEB_PORT="$(free_port)"
start_dynamodb "$DYNAMODB_PORT" memory "$RUN/dynamodb.log"
start_moto "$MOTO_PORT" "$RUN/moto.log"
start_opensearch "$SEARCH_PORT" "$RUN/opensearch.log"
export_environment "$DYNAMODB_PORT" "$MOTO_PORT" "crm-webbench-$$" "$SEARCH_PORT"
export RUST_LOG=warn
"$ROOT/target/debug/crm-local-gateway" --template "$ROOT/template.yaml" --listen "127.0.0.1:$WEB_PORT" \
  --ws-listen "127.0.0.1:$(free_port)" --web-root "$ROOT/web/dist" > "$RUN/gateway.log" 2>&1 &
STARTED_PIDS+=($!)
wait_for_port "$WEB_PORT" "the local gateway" "$RUN/gateway.log"
CRM_WEB_URL="http://127.0.0.1:$WEB_PORT" node web/e2e/budget.mjs
