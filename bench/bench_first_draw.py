"""Page load → first map drawn, phase by phase, over several warm pages per app (issue 9).

Not a test. For each ``--app-root`` given (alternated ``--rounds`` times, so the
machine's load falls on each alike), starts ``streamlit run app.py`` on the curated
events, loads the whole page once (server and browser cache warm), then opens
``--loads`` new pages and reads each one's timeline (DevTools clock, seconds from the
page's request): ``ws`` the websocket's first message (Streamlit's front end booted),
``map msg`` the map component's message, ``frame`` its ``index.html`` requested (the
iframe created), ``render`` the frame given its arguments (the host's answer to the
frame's "ready"), ``leaflet`` the map's first library requested, ``drawn`` the map's
first draw on the page's own clock (``conflictmap-drawn``), ``polled`` when the
benchmark read ``data-events-drawn`` from outside. Prints each load and the medians.

    CONFLICTMAP_BOUNDARIES_DIR=../shared/data/boundaries/geoboundaries \\
        python bench/bench_first_draw.py --app-root /tmp/main-copy --app-root . --loads 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

import bench_canvas as bc  # noqa: E402
from bench_map import CHROMIUM, CHROMIUM_ARGS, _server, _until  # noqa: E402
from page_bytes import decode_frames, message_name  # noqa: E402

#: In the map's frame: when the host first gave it its arguments (page's clock, ms).
FRAME_JS = """
(() => {
    if (window === window.top) { return; }
    window.addEventListener("message", (e) => {
        if (!window.__cmRender && e.data && e.data.type === "streamlit:render") {
            window.__cmRender = performance.now();
        }
    });
})();
"""
MAP_NAMES = ("map_frame.conflictmap_map", "streamlit_folium.st_folium")
PHASES = ("ws", "map msg", "frame", "render", "leaflet", "drawn", "polled")


def _phases(counter: Any) -> dict[str, float]:
    t0 = min(counter.sent_at.values())
    out: dict[str, float] = {}
    for at, msg in zip(counter.frame_times, decode_frames(counter.frames), strict=True):
        name = message_name(msg)
        if "new_session" in name:
            out.setdefault("ws", at - t0)
        if any(m in name for m in MAP_NAMES):
            out.setdefault("map msg", at - t0)
    for rid, sent in sorted(counter.sent_at.items(), key=lambda x: x[1]):
        url = counter.urls.get(rid, "")
        if "index.html" in url and any(f"component/{m}/" in url for m in MAP_NAMES):
            out.setdefault("frame", sent - t0)
        if "/leaflet.js" in url:
            out.setdefault("leaflet", sent - t0)
    return out


def run_app(root: Path, loads: int, browser: Any, timeout: float) -> list[dict[str, float]]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("CONFLICTMAP_LAYERS_DIR", None)
    rows = []
    with _server(root, env) as (url, _proc):
        deadline = time.monotonic() + timeout

        def healthy() -> bool | None:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                return True if r.status == 200 else None

        _until(healthy, deadline)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()  # the whole page once: server and browser cache warm
        page.goto(f"{url}/?tiles=0", timeout=timeout * 1000)
        bc._wait_drawn(page, deadline)
        page.wait_for_selector(".st-key-region-card", timeout=timeout * 1000)
        page.get_by_text("Episode-wide claims", exact=True).wait_for(timeout=timeout * 1000)
        page.close()
        for _ in range(loads):
            page = context.new_page()
            page.add_init_script(bc.DRAWN_CLOCK_JS)
            page.add_init_script(FRAME_JS)
            counter = bc._Bytes(context, page)
            t0 = time.monotonic()
            page.goto(f"{url}/?tiles=0", timeout=timeout * 1000, wait_until="commit")
            bc._wait_drawn(page, time.monotonic() + timeout)
            polled = time.monotonic() - t0
            page.wait_for_selector(".st-key-region-card", timeout=timeout * 1000)
            time.sleep(0.5)
            row = _phases(counter)
            top = page.evaluate("performance.timeOrigin")
            origin, render = bc._frame(page).evaluate("[performance.timeOrigin, window.__cmRender]")
            if render:
                row["render"] = (origin + render - top) / 1000
            row["drawn"] = (page.evaluate("window.__cmDrawnAt") or 0) / 1000
            row["polled"] = polled
            rows.append(row)
            print(f"{root}: " + "  ".join(f"{k} {row[k]:.3f}" for k in PHASES if k in row),
                  flush=True)  # fmt: skip
            page.close()
        context.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app-root", type=Path, action="append", required=True)
    parser.add_argument("--loads", type=int, default=5, help="warm pages per app start")
    parser.add_argument("--rounds", type=int, default=1, help="times each app is started")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    results: dict[Path, list[dict[str, float]]] = {r.resolve(): [] for r in args.app_root}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(args.rounds):
            for root in results:
                results[root] += run_app(root, args.loads, browser, args.timeout)
        browser.close()
    print("\n| app | loads | " + " | ".join(PHASES) + " |")
    print("|---|---|" + "---|" * len(PHASES))
    for root, rows in results.items():
        cells = []
        for k in PHASES:
            values = [r[k] for r in rows if k in r]
            cells.append(f"{statistics.median(values):.2f} s" if values else "")
        print(f"| {root} | {len(rows)} | " + " | ".join(cells) + " |")
    print(f"\nmedians; load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
