#!/usr/bin/env bash
# Runs the whole product locally on http://127.0.0.1:3000 (the web app at /, the API under /api/v1):
# installs what it needs on first run, builds the web app when its sources changed, starts
# DynamoDB Local (data kept in .local/data), moto for SQS, and the local gateway. Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "$0")/stack.sh"

API_PORT="${API_PORT:-3000}"
DYNAMODB_PORT="${DYNAMODB_PORT:-8000}"
SQS_PORT="${SQS_PORT:-4566}"
SEARCH_PORT="${SEARCH_PORT:-9200}"
RUN="$LOCAL/run"
PIDFILE="$RUN/local-stack.pid"

mkdir -p "$RUN"
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  die "the local stack is already running (pid $(cat "$PIDFILE"), http://127.0.0.1:$API_PORT); stop it with Ctrl-C in its terminal"
fi
port_in_use "$API_PORT" && die "port $API_PORT is already in use: is the local stack already running elsewhere? (API_PORT=... picks another)"
echo $$ > "$PIDFILE"
trap 'stop_started; rm -f "$PIDFILE"' EXIT
trap 'exit 130' INT TERM

install_all
say "building the local gateway"
(cd "$ROOT" && cargo build --quiet -p crm-local-gateway)
build_web

start_dynamodb "$DYNAMODB_PORT" "$LOCAL/data" "$RUN/dynamodb.log"
say "DynamoDB Local on 127.0.0.1:$DYNAMODB_PORT (data in .local/data)"
start_moto "$SQS_PORT" "$RUN/moto.log"
say "moto (SQS, SES) on 127.0.0.1:$SQS_PORT; account mails: http://127.0.0.1:$SQS_PORT/moto-api/data.json (ses.Message)"
start_opensearch "$SEARCH_PORT" "$RUN/opensearch.log"
say "osmem-server (OpenSearch, in memory) on 127.0.0.1:$SEARCH_PORT"
export_environment "$DYNAMODB_PORT" "$SQS_PORT" crm-local "$SEARCH_PORT"
export RUST_LOG="${RUST_LOG:-info}"
# Links in account mails lead to the web app served here.
export WEB_APP_URL="${WEB_APP_URL:-http://127.0.0.1:$API_PORT}"

cd "$ROOT"
# The stream consumers keep their place beside the data, so a restart resumes where the last run stopped.
"$ROOT/target/debug/crm-local-gateway" --template "$ROOT/template.yaml" --listen "127.0.0.1:$API_PORT" \
  --stream-checkpoints "$LOCAL/data/stream-checkpoints.json" --web-root "$ROOT/web/dist" &
STARTED_PIDS+=($!)
wait "${STARTED_PIDS[-1]}"
