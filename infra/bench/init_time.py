#!/usr/bin/env python3
"""Init time and peak memory of function binaries, against a minimal local Lambda Runtime API.

For each binary: start it with the Lambda environment variables pointing at a Runtime API served here,
measure the time from process start until its first `GET /runtime/invocation/next` (the end of init),
read its peak RSS (VmHWM) at that moment, then stop it. Prints a Markdown table.

    python3 infra/bench/init_time.py [--runs N] target/release/me [more binaries...]

Every function: `bash infra/bench/init_all.sh` (release build, keys from .local/keys).
"""

import argparse
import http.server
import os
import statistics
import subprocess
import sys
import threading
import time

first_poll = {}
lock = threading.Condition()


class RuntimeApi(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.endswith("/runtime/invocation/next"):
            with lock:
                first_poll[self.client_address[1]] = time.perf_counter()
                first_poll["last"] = time.perf_counter()
                lock.notify_all()
            # Hold the long poll open as Lambda does until an event arrives; the process is stopped first.
            time.sleep(5)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def measure(binary, port, env):
    with lock:
        first_poll.pop("last", None)
    started = time.perf_counter()
    process = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with lock:
        lock.wait_for(lambda: "last" in first_poll, timeout=10)
        polled = first_poll.get("last")
    rss = peak_rss_kib(process.pid) if polled else 0
    process.kill()
    process.wait()
    if polled is None:
        raise SystemExit(f"{binary} never polled the Runtime API")
    return (polled - started) * 1000.0, rss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("binaries", nargs="+")
    args = parser.parse_args()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/bench",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_EC2_METADATA_DISABLED": "true",
        "TABLE_NAME": "bench",
        # The worker binary runs the worker this names.
        "WORKER": os.environ.get("WORKER", "stats_rollup"),
        "JWT_PUBLIC_KEY": os.environ["JWT_PUBLIC_KEY"],
        "JWT_PRIVATE_KEY": os.environ.get("JWT_PRIVATE_KEY", ""),
        # As deployed: the integration functions get the sealing key and Google's client.
        "INTEGRATIONS_KEY": os.environ.get("INTEGRATIONS_KEY", ""),
        "GOOGLE_CLIENT_ID": "bench-client",
        "GOOGLE_CLIENT_SECRET": "bench-secret",
    }
    # Round by round, each binary once a round, so that a slower spell of the machine falls on all alike.
    samples = {binary: [] for binary in args.binaries}
    for _ in range(args.runs):
        for binary in args.binaries:
            samples[binary].append(measure(binary, port, env))
    print("| binary | size (MB) | init p50 (ms) | init max (ms) | peak RSS (MB) |")
    print("|---|---|---|---|---|")
    for binary in args.binaries:
        times = sorted(t for t, _ in samples[binary])
        rss = max(r for _, r in samples[binary]) / 1024
        size = os.path.getsize(binary) / 1e6
        print(f"| {binary} | {size:.1f} | {statistics.median(times):.1f} | {times[-1]:.1f} | {rss:.1f} |")
    server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
