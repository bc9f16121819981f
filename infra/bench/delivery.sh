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
start_engines "$RUN" "bench-$$"
export RUST_LOG=error
cd "$ROOT"
cargo bench -p crm-e2e --bench delivery -- "${1:-300}"
