#!/usr/bin/env bash
# What DynamoDB Local reports as consumed write capacity, beside what AWS's rules give (a Markdown table).
set -euo pipefail
source "$(dirname "$0")/../stack.sh"
install_all
RUN="$(mktemp -d)"
trap 'stop_started; rm -rf "$RUN"' EXIT
PORT="$(free_port)"
start_dynamodb "$PORT" memory "$RUN/dynamodb.log"
"$VENV/bin/python" "$(dirname "$0")/local_capacity.py" "$PORT"
