#!/usr/bin/env bash
# Init time, peak RSS and size of the three function binaries (api, ws, worker; x86_64 here), with the
# local keys. The worker binary runs the worker its WORKER variable names.
set -euo pipefail
source "$(dirname "$0")/../stack.sh"
ensure_keys
cd "$ROOT"
cargo build --quiet --release -p crm-functions
WORKER=stats_rollup JWT_PUBLIC_KEY="$(cat "$KEYS/jwt-public.pem")" INTEGRATIONS_KEY="$(cat "$KEYS/integrations.key")" \
  python3 infra/bench/init_time.py --runs "${RUNS:-10}" $(ls functions/src/bin | sed 's/\.rs$//; s#^#target/release/#')
