#!/usr/bin/env bash
# Shared by run-local.sh and test.sh: installs the local engines (pinned, into .local/) and starts them.
# Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
DYNAMODB_DIR="$LOCAL/dynamodb-local"
VENV="$LOCAL/venv"
SAM_VENV="$LOCAL/sam-venv"
KEYS="$LOCAL/keys"

# DynamoDB Local 1.25.1, as shipped inside this npm package (its JavaScript is not used).
DYNAMODB_NPM_PACKAGE="amplify-dynamodb-simulator@2.9.30"
DYNAMODB_NPM_SHA512="xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ=="

STARTED_PIDS=()

say() { printf '\033[1m[stack]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[stack]\033[0m %s\n' "$*" >&2; exit 1; }

apt_install() {
  command -v apt-get >/dev/null || die "please install: $*"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  say "installing Debian packages: $*"
  $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null \
    || die "could not install $* with apt-get"
}

require_tools() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v openssl >/dev/null || apt_install openssl
  command -v npm >/dev/null || die "npm (Node.js) is required to fetch DynamoDB Local"
  command -v python3 >/dev/null || die "python3 is required for moto (SQS, SES) and cfn-lint"
  command -v cargo >/dev/null || die "cargo (Rust) is required"
  python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
}

install_dynamodb_local() {
  [ -f "$DYNAMODB_DIR/DynamoDBLocal.jar" ] && return
  say "installing DynamoDB Local from npm ($DYNAMODB_NPM_PACKAGE)"
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$DYNAMODB_NPM_PACKAGE" >/dev/null) || die "npm pack $DYNAMODB_NPM_PACKAGE failed"
  local tarball; tarball="$(ls "$tmp"/*.tgz)"
  local digest; digest="$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  [ "$digest" = "$DYNAMODB_NPM_SHA512" ] || die "checksum mismatch for $DYNAMODB_NPM_PACKAGE"
  tar xzf "$tarball" -C "$tmp"
  mkdir -p "$LOCAL"
  rm -rf "$DYNAMODB_DIR"
  mv "$tmp/package/emulator" "$DYNAMODB_DIR"
  rm -rf "$tmp"
}

# install_venv DIR LOCKFILE WHAT: a virtualenv with exactly the pinned packages, rebuilt when the lock changes.
install_venv() {
  local dir="$1" lock="$2" what="$3"
  local stamp="$dir/.requirements.sha256"
  local want; want="$(sha256sum "$lock" | cut -d' ' -f1)"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return
  say "installing $what (pinned in ${lock#"$ROOT"/})"
  rm -rf "$dir"
  python3 -m venv "$dir" || die "python3 -m venv failed"
  "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$lock" || die "pip install of $what failed"
  echo "$want" > "$stamp"
}

install_python_tools() {
  install_venv "$VENV" "$ROOT/infra/requirements.lock" "moto[server] and cfn-lint"
}

install_schemathesis() {
  install_venv "$LOCAL/schemathesis" "$ROOT/infra/requirements-schemathesis.lock" "schemathesis"
}

# A second, independent OpenAPI linter (its recommended rules), from npm, pinned.
REDOCLY_VERSION="2.77.0"
REDOCLY="$LOCAL/redocly/node_modules/.bin/redocly"
install_redocly() {
  local dir="$LOCAL/redocly"
  if [ -x "$REDOCLY" ] && grep -q "\"version\": \"$REDOCLY_VERSION\"" "$dir/node_modules/@redocly/cli/package.json" 2>/dev/null; then
    return
  fi
  say "installing Redocly CLI $REDOCLY_VERSION from npm into .local/redocly"
  rm -rf "$dir"
  mkdir -p "$dir"
  (cd "$dir" && npm install --silent --no-audit --no-fund --save-exact "@redocly/cli@$REDOCLY_VERSION" >/dev/null) \
    || die "npm install @redocly/cli@$REDOCLY_VERSION failed"
}

install_sam() {
  install_venv "$SAM_VENV" "$ROOT/infra/requirements-sam.lock" "the AWS SAM CLI"
}

ensure_keys() {
  if [ ! -f "$KEYS/integrations.key" ]; then
    mkdir -p "$KEYS"
    # Seals integration secrets at rest (webhook signing secrets, Google refresh tokens).
    openssl rand -base64 32 > "$KEYS/integrations.key"
    chmod 600 "$KEYS/integrations.key"
  fi
  [ -f "$KEYS/jwt-private.pem" ] && [ -f "$KEYS/jwt-public.pem" ] && return
  say "generating a local Ed25519 signing key pair in .local/keys"
  mkdir -p "$KEYS"
  openssl genpkey -algorithm ED25519 -out "$KEYS/jwt-private.pem" 2>/dev/null || die "openssl cannot generate Ed25519 keys"
  openssl pkey -in "$KEYS/jwt-private.pem" -pubout -out "$KEYS/jwt-public.pem"
  chmod 600 "$KEYS/jwt-private.pem"
}

# install_web: the web app's dependencies, exactly as package-lock.json pins them (again when it changes).
install_web() {
  local stamp="$ROOT/web/node_modules/.lock-installed"
  if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/web/package-lock.json" "$stamp"; then
    say "installing the web app's dependencies (npm ci)"
    (cd "$ROOT/web" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in web/"
    cp "$ROOT/web/package-lock.json" "$stamp"
  fi
}

# build_web: web/dist, rebuilt when a source is newer than the last build.
build_web() {
  install_web
  local built="$ROOT/web/dist/index.html"
  if [ ! -f "$built" ] || [ -n "$(find "$ROOT/web/src" "$ROOT/web/index.html" "$ROOT/web/package-lock.json" \
      "$ROOT/web/vite.config.ts" -newer "$built" -print -quit)" ]; then
    say "building the web app (web/dist)"
    (cd "$ROOT/web" && npm run --silent build >/dev/null) || die "the web app does not build: cd web && npm run build"
  fi
}

# install_chromium: Debian's Chromium for the browser tests (nothing downloads a browser of its own).
install_chromium() {
  [ -x /usr/bin/chromium ] && return
  say "installing Debian's chromium for the browser tests"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null \
    || die "could not install chromium (apt-get install chromium)"
}

install_all() {
  require_tools
  install_dynamodb_local
  install_python_tools
  ensure_keys
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() {
  local port="$1" name="$2" log="$3"
  for _ in $(seq 1 300); do
    port_in_use "$port" && return 0
    sleep 0.1
  done
  [ -n "$log" ] && tail -20 "$log" >&2
  die "$name did not start listening on port $port"
}

# start_dynamodb PORT (memory|DIR) LOG
start_dynamodb() {
  local port="$1" storage="$2" log="$3"
  port_in_use "$port" && die "port $port is taken: is another DynamoDB Local or local stack running?"
  local args=(-inMemory)
  if [ "$storage" != memory ]; then mkdir -p "$storage"; args=(-dbPath "$storage"); fi
  (cd "$DYNAMODB_DIR" && exec java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
      -port "$port" -sharedDb -disableTelemetry "${args[@]}") >"$log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for_port "$port" "DynamoDB Local" "$log"
}

# start_moto PORT LOG
start_moto() {
  local port="$1" log="$2"
  port_in_use "$port" && die "port $port is taken: is another moto server or local stack running?"
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for_port "$port" "moto (SQS, SES, Secrets Manager)" "$log"
  # S3 in a moto of its own: moto's /moto-api/data.json, where the tests and run-local read account mails,
  # fails once S3 holds a multipart upload's parts. The tests' exports upload 4 KiB parts (FILE_PART_BYTES),
  # so a few hundred records go through a multipart upload; S3 (and moto by default) takes 5 MiB at least,
  # as the functions send them.
  MOTO_S3_PORT="$(free_port)"
  S3_UPLOAD_PART_MIN_SIZE=4096 "$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_S3_PORT" >"$log.s3" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for_port "$MOTO_S3_PORT" "moto (S3)" "$log.s3"
}

# start_opensearch PORT LOG: the in-memory OpenSearch-compatible engine from PyPI.
start_opensearch() {
  local port="$1" log="$2"
  port_in_use "$port" && die "port $port is taken: is another OpenSearch engine or local stack running?"
  local server; server="$("$VENV/bin/python" -c 'import osmem_server, os; print(os.path.join(os.path.dirname(osmem_server.__file__), "bin", "osmem-server"))')"
  "$server" -addr "127.0.0.1:$port" -no-stdin-watch >"$log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for_port "$port" "osmem-server (OpenSearch)" "$log"
}

stop_started() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  STARTED_PIDS=()
}

# start_engines RUN_DIR TABLE: DynamoDB Local, moto and OpenSearch on free ports (logs in RUN_DIR), and the
# environment pointing at them, for the benchmarks that drive a whole local stack.
start_engines() {
  local dynamodb moto search
  dynamodb="$(free_port)"; moto="$(free_port)"; search="$(free_port)"
  start_dynamodb "$dynamodb" memory "$1/dynamodb.log"
  start_moto "$moto" "$1/moto.log"
  start_opensearch "$search" "$1/opensearch.log"
  export_environment "$dynamodb" "$moto" "$2" "$search"
}

# export_environment DYNAMODB_PORT MOTO_PORT TABLE [OPENSEARCH_PORT]: what a deployed function gets from
# Lambda, plus the SDK's standard endpoint variables pointing at the local engines (moto serves SQS, SES
# and Secrets Manager).
export_environment() {
  if [ -n "${4:-}" ]; then
    # The alias the template names for stage `local` (`crm-records-${Stage}`), as JWT_ISSUER names it.
    export OPENSEARCH_ENDPOINT="http://127.0.0.1:$4" SEARCH_INDEX="crm-records-local"
  fi
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$1"
  export AWS_ENDPOINT_URL_SQS="http://127.0.0.1:$2"
  # moto is SES too: account mails land there, and the tests read them from its /moto-api/data.json.
  export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$2"
  export TABLE_NAME="$3"
  # The secrets live in the local Secrets Manager (moto), as in AWS; functions get only where they are.
  export AWS_ENDPOINT_URL_SECRETS_MANAGER="http://127.0.0.1:$2"
  # The files bucket (exports) is made in the S3 moto start_moto started, and its presigned links point there.
  export AWS_ENDPOINT_URL_S3="http://127.0.0.1:${MOTO_S3_PORT:-$2}"
  # moto is OpenSearch Service's API too: the deploy step waits there for the domain to settle.
  export AWS_ENDPOINT_URL_OPENSEARCH="http://127.0.0.1:$2"
  local prefix="crm-local/$3"
  "$VENV/bin/python" - "$prefix" "$KEYS" <<'PY' || die "could not store the local secrets in moto"
import json, os, sys, boto3
prefix, keys = sys.argv[1], sys.argv[2]
read = lambda name: open(f"{keys}/{name}").read()
secrets = {
    "jwt-signing": {"private_key": read("jwt-private.pem")},
    "jwt-verifying": {"public_key": read("jwt-public.pem")},
    "integrations": {"integrations_key": read("integrations.key").strip()},
}
client = boto3.client("secretsmanager", region_name=os.environ["AWS_REGION"])
for name, value in secrets.items():
    try:
        client.create_secret(Name=f"{prefix}/{name}", SecretString=json.dumps(value))
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=f"{prefix}/{name}", SecretString=json.dumps(value))
PY
  export JWT_PUBLIC_KEY_FROM_SECRET="$prefix/jwt-verifying#public_key"
  export JWT_PREVIOUS_PUBLIC_KEY_FROM_SECRET="$prefix/jwt-verifying#previous_public_key"
  export JWT_PRIVATE_KEY_FROM_SECRET="$prefix/jwt-signing#private_key"
  export INTEGRATIONS_KEY_FROM_SECRET="$prefix/integrations#integrations_key"
  # For tests that sign tokens of their own (forged or expired ones), never read by the functions.
  export LOCAL_JWT_SIGNING_KEY_FILE="$KEYS/jwt-private.pem"
  export JWT_ISSUER=serverless-crm-local JWT_AUDIENCE=serverless-crm-local-api
  # Stripe's webhook as a local stack receives it: infra/local_billing.py signs with this secret to put an
  # account on a paid plan. No secret key: Checkout and the portal answer that billing is not configured.
  export STRIPE_WEBHOOK_SECRET=whsec_local_stack STRIPE_PRICE_TEAM=price_local_team \
    STRIPE_PRICE_BUSINESS=price_local_business
}
