#!/usr/bin/env bash
# Regenerates the web app's typed API client (web/src/api/schema.d.ts) from the OpenAPI document the API
# serves, which the local gateway prints without starting anything. infra/test.sh fails when it is stale.
set -euo pipefail
source "$(dirname "$0")/stack.sh"
install_web
cd "$ROOT"
cargo build --quiet -p crm-local-gateway
document="$(mktemp)"
trap 'rm -f "$document"' EXIT
"$ROOT/target/debug/crm-local-gateway" --print-openapi > "$document"
(cd web && ./node_modules/.bin/openapi-typescript "$document" -o src/api/schema.d.ts --silent)
say "web/src/api/schema.d.ts regenerated"
