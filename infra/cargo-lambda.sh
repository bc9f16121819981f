#!/usr/bin/env bash
# Runs cargo-lambda (pinned, from PyPI, with its zig) from a project-local virtualenv, with the local
# stack's environment, so one function can be run on its own:
#   bash infra/cargo-lambda.sh watch                      # Lambda runtime emulator on 127.0.0.1:9000
#   bash infra/cargo-lambda.sh invoke api --data-file events/auth_sign_up.json
#   bash infra/cargo-lambda.sh build --release --arm64    # the three deployable bootstrap binaries
# The local engines must be running (bash infra/run-local.sh) for functions that reach DynamoDB.
set -euo pipefail
source "$(dirname "$0")/stack.sh"

CARGO_LAMBDA_VERSION="1.9.2"
LAMBDA_VENV="$LOCAL/cargo-lambda"
if [ ! -x "$LAMBDA_VENV/bin/cargo-lambda" ] || ! "$LAMBDA_VENV/bin/cargo-lambda" lambda --version 2>/dev/null | grep -q "$CARGO_LAMBDA_VERSION"; then
  say "installing cargo-lambda $CARGO_LAMBDA_VERSION into .local/cargo-lambda"
  rm -rf "$LAMBDA_VENV"
  python3 -m venv "$LAMBDA_VENV"
  "$LAMBDA_VENV/bin/pip" install --quiet --disable-pip-version-check "cargo-lambda==$CARGO_LAMBDA_VERSION"
fi
ensure_keys
# The same variables the local stack's functions get (ports as run-local.sh uses by default).
export_environment "${DYNAMODB_PORT:-8000}" "${SQS_PORT:-4566}" "${TABLE_NAME:-crm-local}"
# An arm64 build needs the target's standard library.
if [[ " $* " == *" --arm64 "* ]] && ! rustup target list --installed | grep -q aarch64-unknown-linux-gnu; then
  say "adding the aarch64-unknown-linux-gnu target"
  rustup target add aarch64-unknown-linux-gnu
fi
# cargo-lambda finds zig only when its virtualenv comes first on PATH.
export PATH="$LAMBDA_VENV/bin:$PATH"
cd "$ROOT"
exec cargo lambda "$@"
