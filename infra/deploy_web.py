#!/usr/bin/env python3
"""Publishes the web app's build (web/dist) to a stage after `sam deploy` (issue #17): uploads it to the
stack's web bucket (hashed assets cached for a year, everything else revalidated on every load), writes
`config.json` with the stack's API and WebSocket URLs, and invalidates what CloudFront must not keep.
Assets go up before index.html, so a page never names an asset not there yet; old assets stay, for tabs
still running the previous build.

    python3 infra/deploy_web.py --stack serverless-crm-staging     # needs boto3; run after sam deploy

`infra/test.sh` runs it with `--self-test` against moto's S3 and CloudFront.
"""

import argparse
import json
import mimetypes
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
TYPES = {".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".html": "text/html; charset=utf-8", ".json": "application/json",
         ".svg": "image/svg+xml", ".map": "application/json", ".woff2": "font/woff2"}


def content_type(path):
    extension = os.path.splitext(path)[1]
    return TYPES.get(extension) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def files(dist):
    """Every file of the build as (key, path), assets first and index.html last."""
    found = []
    for directory, _, names in os.walk(dist):
        for name in names:
            path = os.path.join(directory, name)
            found.append((os.path.relpath(path, dist).replace(os.sep, "/"), path))
    return sorted(found, key=lambda f: (f[0] == "index.html", not f[0].startswith("assets/"), f[0]))


def publish(s3, cloudfront, bucket, dist, api_url, ws_url, distribution):
    if not os.path.isfile(os.path.join(dist, "index.html")):
        sys.exit(f"deploy web: {dist} has no index.html: build the app first (cd web && npm ci && npm run build)")
    uploaded = 0
    for key, path in files(dist):
        cache = IMMUTABLE if key.startswith("assets/") else REVALIDATE
        with open(path, "rb") as body:
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type(key), CacheControl=cache)
        uploaded += 1
    config = json.dumps({"apiUrl": api_url.rstrip("/"), "wsUrl": ws_url.rstrip("/")})
    s3.put_object(Bucket=bucket, Key="config.json", Body=config.encode(), ContentType="application/json",
                  CacheControl=REVALIDATE)
    if distribution:
        cloudfront.create_invalidation(DistributionId=distribution, InvalidationBatch={
            "Paths": {"Quantity": 3, "Items": ["/", "/index.html", "/config.json"]},
            "CallerReference": f"deploy-web-{os.getpid()}-{os.urandom(4).hex()}",
        })
    print(f"deploy web: {uploaded} files and config.json in s3://{bucket}"
          + (f"; CloudFront {distribution} invalidated" if distribution else ""))


def stack_outputs(stack):
    import boto3
    described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def self_test():
    """Against moto: the headers and config.json as the app and CloudFront need them."""
    import boto3
    s3, cloudfront = boto3.client("s3"), boto3.client("cloudfront")
    bucket = f"deploy-web-self-test-{os.getpid()}"
    s3.create_bucket(Bucket=bucket)
    distribution = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": bucket, "Comment": "self-test", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "web", "DomainName": f"{bucket}.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "web", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
    })["Distribution"]["Id"]
    with tempfile.TemporaryDirectory() as dist:
        os.makedirs(os.path.join(dist, "assets"))
        for name, text in [("index.html", "<html></html>"), ("assets/index-1a2b3c.js", "export {}"),
                           ("assets/index-4d5e6f.css", "body{}"), ("favicon.svg", "<svg/>")]:
            with open(os.path.join(dist, name), "w") as file:
                file.write(text)
        order = [key for key, _ in files(dist)]
        assert order[-1] == "index.html" and order[0].startswith("assets/"), order
        publish(s3, cloudfront, bucket, dist, "https://api.example/", "wss://ws.example/dev", distribution)
    expected = {"index.html": ("text/html; charset=utf-8", REVALIDATE),
                "assets/index-1a2b3c.js": ("text/javascript; charset=utf-8", IMMUTABLE),
                "assets/index-4d5e6f.css": ("text/css; charset=utf-8", IMMUTABLE),
                "favicon.svg": ("image/svg+xml", REVALIDATE),
                "config.json": ("application/json", REVALIDATE)}
    for key, (kind, cache) in expected.items():
        head = s3.head_object(Bucket=bucket, Key=key)
        assert (head["ContentType"], head.get("CacheControl")) == (kind, cache), (key, head)
    config = json.loads(s3.get_object(Bucket=bucket, Key="config.json")["Body"].read())
    assert config == {"apiUrl": "https://api.example", "wsUrl": "wss://ws.example/dev"}, config
    invalidations = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    assert invalidations.get("Quantity", 0) == 1, invalidations
    print("deploy web: self-test against moto's S3 and CloudFront: ok")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", help="the stage's stack (reads WebBucketName, ApiUrl, WebSocketUrl, WebDistributionId)")
    parser.add_argument("--dist", default=os.path.join(ROOT, "web", "dist"))
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if not args.stack:
        parser.error("--stack is required")
    import boto3
    outputs = stack_outputs(args.stack)
    missing = [k for k in ("WebBucketName", "ApiUrl", "WebSocketUrl", "WebDistributionId") if k not in outputs]
    if missing:
        sys.exit(f"deploy web: stack {args.stack} has no output {', '.join(missing)}: deploy the stack first")
    publish(boto3.client("s3"), boto3.client("cloudfront"), outputs["WebBucketName"], args.dist,
            outputs["ApiUrl"], outputs["WebSocketUrl"], outputs["WebDistributionId"])


if __name__ == "__main__":
    main()
