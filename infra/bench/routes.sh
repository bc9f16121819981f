#!/usr/bin/env bash
# Per route: DynamoDB calls, round trips and consumed capacity per request, and handler CPU time, against
# DynamoDB Local (started here, in memory). Prints a Markdown table.
exec bash "$(dirname "$0")/with-dynamodb.sh" routes
