#!/usr/bin/env bash
# CSV import throughput on the local stack (upload, then the jobs worker reading and writing every row),
# with the deployed step length (a step runs up to 10 minutes before it continues in a new invocation).
#   bash infra/bench/import.sh [rows, default 10000]
set -euo pipefail
source "$(dirname "$0")/../stack.sh"
install_all
RUN="$(mktemp -d)"
trap 'stop_started; rm -rf "$RUN"' EXIT
start_engines "$RUN" "bench-$$"
export RUST_LOG=error
# The tests run each page of a job as a step of its own; the bench runs steps as long as deployed ones.
export JOB_STEP_SECONDS=600
cd "$ROOT"
cargo bench -p crm-e2e --bench import -- "${1:-10000}"
