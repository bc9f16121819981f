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
WEB_PORT="$(free_port)"
start_engines "$RUN" "crm-webbench-$$"
export RUST_LOG=warn
"$ROOT/target/debug/crm-local-gateway" --template "$ROOT/template.yaml" --listen "127.0.0.1:$WEB_PORT" \
  --ws-listen "127.0.0.1:$(free_port)" --web-root "$ROOT/web/dist" > "$RUN/gateway.log" 2>&1 &
STARTED_PIDS+=($!)
wait_for_port "$WEB_PORT" "the local gateway" "$RUN/gateway.log"
CRM_WEB_URL="http://127.0.0.1:$WEB_PORT" node web/e2e/budget.mjs
