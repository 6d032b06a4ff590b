"""Where the browser's main thread spends a warm app page load: a JavaScript CPU profile.

Not a test. Starts ``streamlit run app.py`` (this checkout, or ``--app-root``), loads
the page once to warm the server and the browser's cache, then loads it again under
the DevTools protocol's sampling profiler until the map's events are drawn, and prints
the sampled time per script file (Streamlit's front-end chunks, the map's libraries;
"(program)" is the browser's own work: style, layout, parsing) and the busiest functions.

    python bench/profile_page.py [--url "?tiles=0"] [--app-root /tmp/main-copy]
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from bench_canvas import _wait_drawn  # noqa: E402
from bench_map import CHROMIUM, CHROMIUM_ARGS, _server, _until  # noqa: E402


def _summary(profile: dict[str, Any], top: int) -> str:
    nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
    per_function: collections.Counter[tuple[str, str]] = collections.Counter()
    for node_id, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        frame = nodes[node_id]
        where = frame["url"].rsplit("/", 1)[-1][:50] or "(browser)"
        per_function[(where, frame["functionName"][:40] or "(anonymous)")] += delta
    per_file: collections.Counter[str] = collections.Counter()
    for (where, _), delta in per_function.items():
        per_file[where] += delta
    lines = [f"sampled: {sum(per_file.values()) / 1000:,.0f} ms", ""]
    lines += ["| script | ms |", "|---|---|"]
    lines += [f"| {w} | {d / 1000:,.0f} |" for w, d in per_file.most_common(top)]
    lines += ["", "| script | function | ms |", "|---|---|---|"]
    lines += [f"| {w} | {f} | {d / 1000:,.0f} |" for (w, f), d in per_function.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="?tiles=0", help="the page's query string")
    parser.add_argument("--app-root", type=Path, default=ROOT)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with sync_playwright() as pw, _server(args.app_root.resolve(), env) as (url, _):
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        deadline = time.monotonic() + 300

        def healthy() -> bool | None:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                return True if r.status == 200 else None

        _until(healthy, deadline)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()  # warms the server and the browser's cache
        page.goto(f"{url}/{args.url}")
        _wait_drawn(page, deadline)
        page.close()
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 500})
        cdp.send("Profiler.start")
        t0 = time.monotonic()
        page.goto(f"{url}/{args.url}", wait_until="commit")
        _wait_drawn(page, deadline)
        drawn = time.monotonic() - t0
        profile = cdp.send("Profiler.stop")["profile"]
        browser.close()
    print(f"page → drawn (under the profiler): {drawn:.2f} s\n")
    print(_summary(profile, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
