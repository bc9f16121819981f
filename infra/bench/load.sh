#!/usr/bin/env bash
# The whole local stack under a bounded load: wrk (Debian's package, installed here if missing) against
# the local gateway (release build) over DynamoDB Local, moto and osmem, on loopback. Writes first
# (POST /api/v1/leads), then reads (a lead, a page of leads); prints requests/s and latency percentiles,
# counts non-2xx answers, and checks afterwards that every lead the API said it created is in the table.
#   bash infra/bench/load.sh [seconds per phase, default 20] [connections, default 16]
set -euo pipefail
source "$(dirname "$0")/../stack.sh"
SECONDS_PER_PHASE="${1:-20}"
CONNECTIONS="${2:-16}"
if ! command -v wrk >/dev/null; then
  say "installing wrk (Debian package)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || die "apt-get install wrk failed"
fi
install_all
RUN="$(mktemp -d)"
trap 'stop_started; rm -rf "$RUN"' EXIT
cd "$ROOT"
cargo build --quiet --release -p crm-local-gateway
DYNAMODB_PORT="$(free_port)"; SQS_PORT="$(free_port)"; SEARCH_PORT="$(free_port)"; API_PORT="$(free_port)"
start_dynamodb "$DYNAMODB_PORT" memory "$RUN/dynamodb.log"
start_moto "$SQS_PORT" "$RUN/moto.log"
start_opensearch "$SEARCH_PORT" "$RUN/opensearch.log"
export_environment "$DYNAMODB_PORT" "$SQS_PORT" "load-$$" "$SEARCH_PORT"
export RUST_LOG=error
"$ROOT/target/release/crm-local-gateway" --template template.yaml --listen "127.0.0.1:$API_PORT" \
  --ws-listen "127.0.0.1:$(free_port)" > "$RUN/gateway.log" 2>&1 &
STARTED_PIDS+=($!)
wait_for_port "$API_PORT" "the local gateway" "$RUN/gateway.log"
BASE="http://127.0.0.1:$API_PORT"

TOKEN="$(curl -sf "$BASE/api/v1/auth/sign_up" -H 'content-type: application/json' \
  -d "{\"account_name\":\"Load\",\"name\":\"Load Admin\",\"email\":\"load-$$@example.com\",\"password\":\"correct horse battery staple\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
LEAD="$(curl -sf "$BASE/api/v1/leads" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"name":"Read me"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"

# Counts answers by status in every wrk thread, summed when the run ends.
cat > "$RUN/count.lua" <<LUA
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) created = 0; failed = 0 end
function response(status, headers, body)
  if status >= 200 and status < 300 then created = created + 1 else failed = failed + 1 end
end
function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, t in ipairs(threads) do ok = ok + t:get("created"); bad = bad + t:get("failed") end
  io.write(string.format("answers: %d 2xx, %d other\n", ok, bad))
end
LUA
cat "$RUN/count.lua" > "$RUN/write.lua"
cat >> "$RUN/write.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"name":"Load test lead","company":"Acme","tags":["load"]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA
cat "$RUN/count.lua" > "$RUN/read.lua"
echo "wrk.headers[\"Authorization\"] = \"Bearer $TOKEN\"" >> "$RUN/read.lua"

run() {
  local name="$1" script="$2" path="$3"
  say "$name: wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_PHASE}s $path"
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_PHASE}s" --latency -s "$script" "$BASE$path" | tee "$RUN/$name.txt"
}
run writes "$RUN/write.lua" /api/v1/leads
run read-one "$RUN/read.lua" "/api/v1/leads/$LEAD"
run read-page "$RUN/read.lua" "/api/v1/leads?limit=25"

say "checking that every created lead is stored"
CREATED="$(sed -n 's/^answers: \([0-9]*\) 2xx.*/\1/p' "$RUN/writes.txt")"
python3 - "$BASE" "$TOKEN" "$CREATED" <<'PY'
import json, sys, urllib.request
base, token, created = sys.argv[1], sys.argv[2], int(sys.argv[3])
stored, cursor = 0, None
while True:
    url = f"{base}/api/v1/leads?tag=load&limit=100" + (f"&cursor={cursor}" if cursor else "")
    request = urllib.request.Request(url, headers={"authorization": f"Bearer {token}"})
    page = json.load(urllib.request.urlopen(request))
    stored += len(page["items"])
    cursor = page["next_cursor"]
    if not cursor:
        break
print(f"created (2xx answers): {created}; stored: {stored}")
# A request still in flight when wrk stopped may be stored without its answer counted: never fewer.
sys.exit(0 if stored >= created and stored - created <= 64 else 1)
PY
