#!/usr/bin/env python3
"""The web app's initial download: the JavaScript and CSS that web/dist/index.html loads before anything
else (its module script, module preloads and stylesheets), gzipped as a CDN serves them, against the
budget of 300 KB of JavaScript (issue #17). Build the app first (`cd web && npm run build`; the run and
test commands do).

    python3 infra/bench/web_budget.py
"""

import gzip
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIST = os.path.join(ROOT, "web", "dist")
BUDGET_JS_KB = 300

index = open(os.path.join(DIST, "index.html"), encoding="utf-8").read()
loaded = re.findall(r'(?:src|href)="(/assets/[^"]+\.(?:js|css))"', index)
if not loaded:
    sys.exit("web budget: index.html loads no assets: build the app first (cd web && npm run build)")
totals = {"js": 0, "css": 0}
for path in loaded:
    data = open(os.path.join(DIST, path.lstrip("/")), "rb").read()
    size = len(gzip.compress(data, compresslevel=9))
    kind = path.rsplit(".", 1)[1]
    totals[kind] += size
    print(f"{path:<40} {len(data) / 1024:8.1f} KB  gzip {size / 1024:7.1f} KB")
lazy = [f for f in os.listdir(os.path.join(DIST, "assets")) if f.endswith(".js") and f"/assets/{f}" not in loaded]
print(f"initial JavaScript, gzipped: {totals['js'] / 1024:.1f} KB (budget {BUDGET_JS_KB} KB); "
      f"CSS {totals['css'] / 1024:.1f} KB; {len(lazy)} chunk(s) loaded later")
sys.exit(0 if totals["js"] / 1024 <= BUDGET_JS_KB else 1)
