#!/usr/bin/env python3
"""Puts an account of a local stack on a paid plan the way Stripe would: a `checkout.session.completed`
event, signed with the stack's Stripe webhook secret (`STRIPE_WEBHOOK_SECRET`, which infra/stack.sh sets), sent
to the account's Stripe webhook route. The stack applies it like any Stripe event: activity entry, Admin
notification, new limits.

Harnesses that ask more of one account than Free allows (the hostile, fault and load runs) start with
this; so can a person trying a paid plan on `bash infra/run-local.sh`:

    python3 infra/local_billing.py --base http://127.0.0.1:3000 --account <account id> --plan business
"""

import argparse
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request


# The secret infra/stack.sh gives every local stack (from another shell, the environment may not say it).
LOCAL_STACK_SECRET = "whsec_local_stack"


def put_on_plan(base, account, plan, secret=None):
    """Sends the signed event; raises if the stack does not answer that it changed the account."""
    secret = secret or os.environ.get("STRIPE_WEBHOOK_SECRET", LOCAL_STACK_SECRET)
    now = int(time.time())
    event = {
        "id": f"evt_local_{account}_{plan}_{time.time_ns()}",
        "type": "checkout.session.completed",
        "created": now,
        "data": {
            "object": {
                "client_reference_id": account,
                "customer": f"cus_local_{account}",
                "subscription": f"sub_local_{account}",
                "metadata": {"plan": plan},
            }
        },
    }
    body = json.dumps(event).encode()
    signature = hmac.new(secret.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(f"{base}/api/v1/webhooks/stripe", data=body, method="POST")
    request.add_header("content-type", "application/json")
    request.add_header("stripe-signature", f"t={now},v1={signature}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"the Stripe webhook answered {error.code}: {error.read()!r}") from error
    if answer.get("outcome") != "changed":
        raise RuntimeError(f"the account was not changed: {answer}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the local stack's API, e.g. http://127.0.0.1:3000")
    parser.add_argument("--account", required=True, help="the account's id (GET /api/v1/account, or sign-in)")
    parser.add_argument("--plan", choices=["team", "business"], default="business")
    args = parser.parse_args()
    try:
        put_on_plan(args.base, args.account, args.plan)
    except RuntimeError as error:
        sys.exit(f"local billing: {error}")
    print(f"account {args.account} is on the {args.plan} plan")


if __name__ == "__main__":
    main()
