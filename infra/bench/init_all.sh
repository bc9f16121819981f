#!/usr/bin/env bash
# Init time, peak RSS and size of every function's release binary (x86_64 here), with the local keys.
set -euo pipefail
source "$(dirname "$0")/../stack.sh"
ensure_keys
cd "$ROOT"
cargo build --quiet --release -p crm-functions
JWT_PUBLIC_KEY="$(cat "$KEYS/jwt-public.pem")" INTEGRATIONS_KEY="$(cat "$KEYS/integrations.key")" \
  python3 infra/bench/init_time.py --runs "${RUNS:-10}" $(ls functions/src/bin | sed 's/\.rs$//; s#^#target/release/#')
