#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, cfn-lint, unit tests, the end-to-end tests over the
# local stack (DynamoDB Local in memory, moto and osmem, on free ports, stopped afterwards), and hostile
# input (schemathesis and hand-made cases) against the local gateway, Redocly's lint of the served
# OpenAPI document, the web app's checks and its browser tests (web/), the IAM conformance check, and the
# fault run (infra/faults.py). Installs what it needs on first run.
set -euo pipefail
source "$(dirname "$0")/stack.sh"

install_all
cd "$ROOT"
# A one-off build (CI's clean clone) gains nothing from incremental state, which is most of a debug
# target's size: a CI run once failed when the linker hit a full disk (SIGBUS in ld).
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"; fi
RUN="$(mktemp -d)"
trap 'stop_started; rm -rf "$RUN"' EXIT
trap 'exit 130' INT TERM

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy --all-targets -- -D warnings"
cargo clippy --quiet --workspace --all-targets -- -D warnings
say "cfn-lint template.yaml"
"$VENV/bin/cfn-lint" template.yaml
say "sam validate --lint"
install_sam
SAM_CLI_TELEMETRY=0 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
  "$SAM_VENV/bin/sam" validate --lint >/dev/null
say "template checks: what the local stack cannot show about the deployed stack"
"$SAM_VENV/bin/python" "$ROOT/infra/template_checks.py"
say "web app: type check, lint, unit tests, build"
install_web
(cd web && npm run --silent typecheck && npm run --silent lint && npm test --silent -- --reporter=dot)
build_web

DYNAMODB_PORT="$(free_port)"
SQS_PORT="$(free_port)"
start_dynamodb "$DYNAMODB_PORT" memory "$RUN/dynamodb.log"
start_moto "$SQS_PORT" "$RUN/moto.log"
SEARCH_PORT="$(free_port)"
start_opensearch "$SEARCH_PORT" "$RUN/opensearch.log"
export_environment "$DYNAMODB_PORT" "$SQS_PORT" "crm-test-$$" "$SEARCH_PORT"
export RUST_LOG="${RUST_LOG:-warn}"

say "predeploy: the first-deploy prerequisites check, against the local Secrets Manager"
"$VENV/bin/python" "$ROOT/infra/predeploy.py" --self-test
say "deploy web: the web app's upload (headers, config.json, invalidation), against moto's S3 and CloudFront"
AWS_ENDPOINT_URL_S3="http://127.0.0.1:$SQS_PORT" AWS_ENDPOINT_URL_CLOUDFRONT="http://127.0.0.1:$SQS_PORT" \
  AWS_DEFAULT_REGION="$AWS_REGION" "$SAM_VENV/bin/python" "$ROOT/infra/deploy_web.py" --self-test

say "cargo test (unit and end-to-end; the bulk import runs apart, below)"
# Every AWS call each function makes is recorded, for the IAM conformance check below.
export LOCAL_AWS_CALLS_DIR="$RUN/aws-calls"
cargo test --workspace --exclude crm-functions

say "hostile input: schemathesis over the served OpenAPI document, and hand-made cases"
install_schemathesis
cargo build --quiet -p crm-local-gateway
API_PORT="$(free_port)"
# Its own table and queues: the end-to-end tests' queues were made with other settings.
TABLE_NAME="crm-hostile-$$" "$ROOT/target/debug/crm-local-gateway" --template "$ROOT/template.yaml" --listen "127.0.0.1:$API_PORT" \
  --ws-listen "127.0.0.1:$(free_port)" --record-aws-calls "$LOCAL_AWS_CALLS_DIR" > "$RUN/gateway.log" 2>&1 &
STARTED_PIDS+=($!)
wait_for_port "$API_PORT" "the local gateway" "$RUN/gateway.log"
python3 "$ROOT/infra/hostile.py" --base "http://127.0.0.1:$API_PORT" --schemathesis "$LOCAL/schemathesis/bin/schemathesis"

say "redocly lint: the served document under Redocly's recommended rules"
install_redocly
python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())' \
  "http://127.0.0.1:$API_PORT/api-docs/openapi.json" > "$RUN/openapi.json"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$REDOCLY" lint "$RUN/openapi.json" --config "$ROOT/infra/redocly.yaml" --format stylish

say "web app: its API client is generated from the served document (bash infra/web-client.sh)"
(cd web && ./node_modules/.bin/openapi-typescript "$RUN/openapi.json" -o "$RUN/schema.d.ts" --silent) \
  || die "openapi-typescript failed on the served document"
diff -q "$RUN/schema.d.ts" web/src/api/schema.d.ts >/dev/null \
  || die "web/src/api/schema.d.ts is stale: regenerate it with bash infra/web-client.sh"

say "web app in a browser (Debian's chromium): accounts, leads, an export, a concurrent edit, roles"
install_chromium
WEB_PORT="$(free_port)"
# Google's endpoints are a fake the browser tests start on this port (web/e2e/google-fake.mjs).
GOOGLE_FAKE_PORT="$(free_port)"
GOOGLE_CLIENT_ID=fake-client-id GOOGLE_CLIENT_SECRET=fake-client-secret \
  GOOGLE_AUTH_URL="http://127.0.0.1:$GOOGLE_FAKE_PORT/auth" GOOGLE_TOKEN_URL="http://127.0.0.1:$GOOGLE_FAKE_PORT/token" \
  GOOGLE_PEOPLE_URL="http://127.0.0.1:$GOOGLE_FAKE_PORT" \
  GOOGLE_REDIRECT_URI="http://127.0.0.1:$WEB_PORT/integrations/google/callback" \
  TABLE_NAME="crm-web-$$" "$ROOT/target/debug/crm-local-gateway" --template "$ROOT/template.yaml" \
  --listen "127.0.0.1:$WEB_PORT" --ws-listen "127.0.0.1:$(free_port)" --web-root "$ROOT/web/dist" \
  --record-aws-calls "$LOCAL_AWS_CALLS_DIR" > "$RUN/web-gateway.log" 2>&1 &
STARTED_PIDS+=($!)
wait_for_port "$WEB_PORT" "the local gateway for the web app" "$RUN/web-gateway.log"
SCREENSHOTS_DIR="$LOCAL/screenshots"
rm -rf "$SCREENSHOTS_DIR"
CRM_WEB_URL="http://127.0.0.1:$WEB_PORT" SCREENSHOTS_DIR="$SCREENSHOTS_DIR" GOOGLE_FAKE_PORT="$GOOGLE_FAKE_PORT" \
  node web/e2e/run.mjs

say "bulk import: 10,000 rows with 50 bad ones, on a DynamoDB Local of its own"
# Its burst of records and stream records would slow the shared engine for every step after it.
BULK_DYNAMODB_PORT="$(free_port)"
start_dynamodb "$BULK_DYNAMODB_PORT" memory "$RUN/dynamodb-bulk.log"
AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$BULK_DYNAMODB_PORT" cargo test -p crm-e2e --test bulk
kill "${STARTED_PIDS[-1]}" 2>/dev/null || true

say "IAM conformance: each function's AWS calls in the tests against its policy in template.yaml"
"$SAM_VENV/bin/python" "$ROOT/infra/iam_conformance.py" "$LOCAL_AWS_CALLS_DIR"

say "faults: DynamoDB restarted and the workers killed mid-burst; nothing lost, nothing counted twice"
# Its own DynamoDB Local (on disk, so a restart keeps the data) and gateway; moto and OpenSearch are shared.
"$VENV/bin/python" "$ROOT/infra/faults.py" --gateway "$ROOT/target/debug/crm-local-gateway" \
  --template "$ROOT/template.yaml" --dynamodb-dir "$DYNAMODB_DIR"
