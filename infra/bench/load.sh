#!/usr/bin/env bash
# The whole local stack under a bounded load: wrk (Debian's package, installed here if missing) against
# the local gateway (release build) over DynamoDB Local, moto and osmem, on loopback. Writes first
# (POST /api/v1/leads), then reads (a lead, a page of leads), spread over several accounts (ACCOUNTS, default
# 8: rates are per account); prints requests/s and latency percentiles,
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
API_PORT="$(free_port)"
start_engines "$RUN" "load-$$"
export RUST_LOG=error
"$ROOT/target/release/crm-local-gateway" --template template.yaml --listen "127.0.0.1:$API_PORT" \
  --ws-listen "127.0.0.1:$(free_port)" > "$RUN/gateway.log" 2>&1 &
STARTED_PIDS+=($!)
wait_for_port "$API_PORT" "the local gateway" "$RUN/gateway.log"
BASE="http://127.0.0.1:$API_PORT"

# Rates are per account (Business: 12,000 requests a minute), so the load comes from several accounts, each
# signed up as a person does (the mailed link, from moto) and put on Business by a signed Stripe event.
ACCOUNTS="${ACCOUNTS:-8}"
python3 - "$BASE" "$AWS_ENDPOINT_URL_SESV2" "$ACCOUNTS" "$ROOT/infra" > "$RUN/accounts.json" <<'PY'
import json, sys, time, urllib.request
base, moto, count, infra = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, infra)
import local_billing

def call(path, body, token=None):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    return json.load(urllib.request.urlopen(request))

def mailed_token(email):
    marker = "/verify-email?token="
    for _ in range(200):
        mails = json.load(urllib.request.urlopen(f"{moto}/moto-api/data.json")).get("ses", {}).get("Message", [])
        for mail in mails:
            if email in mail["destinations"].get("ToAddresses", []) and marker in mail["body"]:
                return mail["body"].split(marker, 1)[1].split()[0]
        time.sleep(0.05)
    sys.exit(f"no confirmation mail to {email}")

accounts = []
for n in range(count):
    email = f"load-{time.time_ns()}-{n}@example.com"
    call("/api/v1/auth/sign_up", {"account_name": f"Load {n}", "name": "Load Admin", "email": email,
                                  "password": "correct horse battery staple"})
    signed_up = call("/api/v1/auth/verify_email", {"token": mailed_token(email)})
    local_billing.put_on_plan(base, signed_up["account"]["id"], "business")
    token = signed_up["access_token"]
    lead = call("/api/v1/leads", {"name": "Read me"}, token)["id"]
    accounts.append({"token": token, "lead": lead})
json.dump(accounts, sys.stdout)
PY
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
# Each request goes as the next account, in turn (a read of one lead reads that account's lead).
python3 - "$RUN/accounts.json" > "$RUN/accounts.lua" <<'PY'
import json, sys
accounts = json.load(open(sys.argv[1]))
print("accounts = {" + ", ".join(f'{{token = "{a["token"]}", lead = "{a["lead"]}"}}' for a in accounts) + "}")
PY
# One script per phase: its method, path (`{lead}` is the account's lead) and body, sent as each account in turn.
phase_script() {
  local name="$1" method="$2" path="$3" body="$4"
  cat "$RUN/count.lua" "$RUN/accounts.lua" > "$RUN/$name.lua"
  cat >> "$RUN/$name.lua" <<LUA
local next_account = 0
function request()
  next_account = next_account % #accounts + 1
  local account = accounts[next_account]
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. account.token}
  local path = string.gsub("$path", "{lead}", account.lead)
  return wrk.format("$method", path, headers, $body)
end
LUA
}
phase_script writes POST /api/v1/leads "'{\"name\":\"Load test lead\",\"company\":\"Acme\",\"tags\":[\"load\"]}'"
phase_script read-one GET "/api/v1/leads/{lead}" nil
phase_script read-page GET "/api/v1/leads?limit=25" nil

run() {
  local name="$1" script="$2" path="$3"
  say "$name: wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_PHASE}s $path"
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_PHASE}s" --latency -s "$script" "$BASE$path" | tee "$RUN/$name.txt"
}
run writes "$RUN/writes.lua" /api/v1/leads
run read-one "$RUN/read-one.lua" "/api/v1/leads/{lead}"
run read-page "$RUN/read-page.lua" "/api/v1/leads?limit=25"

say "checking that every created lead is stored"
CREATED="$(sed -n 's/^answers: \([0-9]*\) 2xx.*/\1/p' "$RUN/writes.txt")"
python3 - "$BASE" "$RUN/accounts.json" "$CREATED" <<'PY'
import json, sys, urllib.request
base, accounts, created = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3])
stored = 0
for account in accounts:
    cursor = None
    while True:
        url = f"{base}/api/v1/leads?tag=load&limit=100" + (f"&cursor={cursor}" if cursor else "")
        request = urllib.request.Request(url, headers={"authorization": f"Bearer {account['token']}"})
        page = json.load(urllib.request.urlopen(request))
        stored += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
print(f"created (2xx answers): {created}; stored: {stored} across {len(accounts)} accounts")
# A request still in flight when wrk stopped may be stored without its answer counted: never fewer.
sys.exit(0 if stored >= created and stored - created <= 64 else 1)
PY
