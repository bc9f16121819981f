#!/usr/bin/env bash
# Events per second through the stats-rollup worker against DynamoDB Local (started here, in memory).
exec bash "$(dirname "$0")/with-dynamodb.sh" rollup
