"""What DynamoDB Local reports as consumed write capacity, write by write: single writes, and transactions of
one to five items with and without index entries. Issue #22 measures writes in capacity units; this shows
which of DynamoDB Local's figures follow AWS's rules and which do not. The rules as read here: a write of up
to 1 KB is 1 unit, plus 1 per index entry it writes; in a transaction every one of those counts 2.
Run with `bash infra/bench/local_capacity.sh`, which starts the engine."""

import sys

import boto3

port = sys.argv[1]
dynamodb = boto3.client(
    "dynamodb",
    endpoint_url=f"http://127.0.0.1:{port}",
    region_name="us-east-1",
    aws_access_key_id="local",
    aws_secret_access_key="local",
)
TABLE = "capacity-probe"
indexes = [
    {
        "IndexName": f"gsi{i}",
        "KeySchema": [
            {"AttributeName": f"gsi{i}pk", "KeyType": "HASH"},
            {"AttributeName": f"gsi{i}sk", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }
    for i in (1, 2, 3)
]
attributes = ["pk", "sk"] + [f"gsi{i}{k}" for i in (1, 2, 3) for k in ("pk", "sk")]
dynamodb.create_table(
    TableName=TABLE,
    BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attributes],
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    GlobalSecondaryIndexes=indexes,
)
made = 0


def item(indexed, size=10):
    global made
    made += 1
    key = f"item-{made}"
    written = {"pk": {"S": key}, "sk": {"S": "R"}, "pad": {"S": "x" * size}}
    for i in indexed:
        written[f"gsi{i}pk"] = {"S": f"p{i}"}
        written[f"gsi{i}sk"] = {"S": key}
    return written


def units(consumed):
    consumed = consumed[0] if isinstance(consumed, list) else consumed
    return consumed["CapacityUnits"]


print("| writes | by the rules | DynamoDB Local reports |")
print("|---|---|---|")
cases = [
    ("PutItem, no index entry", [[]], False, 1),
    ("PutItem, 3 index entries", [[1, 2, 3]], False, 4),
    ("transaction of 1 Put, no index entry", [[]], True, 2),
    ("transaction of 2 Puts, no index entry", [[], []], True, 4),
    ("transaction of 5 Puts, no index entry", [[]] * 5, True, 10),
    ("transaction of 1 Put, 3 index entries", [[1, 2, 3]], True, 8),
    ("transaction of 2 Puts, one with 1 index entry", [[1], []], True, 6),
]
for name, shapes, transactional, expected in cases:
    if transactional:
        answer = dynamodb.transact_write_items(
            TransactItems=[{"Put": {"TableName": TABLE, "Item": item(s)}} for s in shapes],
            ReturnConsumedCapacity="TOTAL",
        )
    else:
        answer = dynamodb.put_item(TableName=TABLE, Item=item(shapes[0]), ReturnConsumedCapacity="TOTAL")
    print(f"| {name} | {expected} | {units(answer['ConsumedCapacity']):g} |")
