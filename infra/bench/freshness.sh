#!/usr/bin/env bash
# From a write to its dashboard figure and its search hit while one account writes at a steady pace, through
# the local stack (table stream, events router, queues, workers and the search engine); prints the
# distribution of each delay.
#   bash infra/bench/freshness.sh [writes per second, default 50] [seconds, default 60]
set -euo pipefail
source "$(dirname "$0")/../stack.sh"
install_all
RUN="$(mktemp -d)"
trap 'stop_started; rm -rf "$RUN"' EXIT
start_engines "$RUN" "bench-$$"
export RUST_LOG=error
cd "$ROOT"
cargo bench -p crm-e2e --bench freshness -- "${1:-50}" "${2:-60}"
