"""Benchmark the event canvas (data files + in-browser period) against today's and the naive map.

Not a test. One run measures, per size (``0`` = the curated 15 events, else synthetic
events as in ``geo/synthetic.py``) and approach:

- ``canvas``: the map drawn from the packed event files (``geo.render.mapdata`` +
  ``geo/render/js/eventlayer.js``, as the app now draws it);
- ``today``: the map with every event in the page (``render.build_map`` without
  ``event_data``: Leaflet.timeline layers, as before this change);
- ``naive``: one ``folium.Marker`` with its popup per event (``naive.py``).

Static part (pages served by a local HTTP server, fresh browser context each):
``build`` (Python seconds to pack the data and build the page), ``page`` (HTML
bytes), ``data`` (bytes of the data file; popup files are fetched one at a time),
``first`` (navigation → events drawn, cold cache), ``again`` (reload → drawn, data
file cached), ``view bytes`` (per view with the data file and libraries cached: the
map page, which the app sends on every run, plus what that reload fetched again),
``period`` (in-map period change → redrawn: ``setPeriod`` on the canvas, the time
bar's ``setTime`` on today's map; medians of 5), ``time bar`` (one day on the time
bar → redrawn), ``pan`` and ``zoom`` (→ redrawn, medians of 5), ``two frames`` (no
action: the floor of those times, which all wait for two animation frames),
``peak RSS`` (of the Python process that packed and built).

App part (``--app``; canvas only, the real ``streamlit run app.py`` on synthetic
layer files): ``app first`` (warm server: a new page → drawn; on the way ``title``, the
page's first element shown, and ``map iframe``, the map's component attached; then
``card shown``, the region card under the map shown, polled and on the page's own clock;
``drawn, in-page clock``: the events drawn on the page's own clock, told by the map's
frame right after its first draw, which polling a busy page reads later),
``app view bytes``
(HTTP and websocket bytes of that page, the data file cached; ``of which websocket``: the
script's output, broken down by element after the table, with the HTTP responses and a
timeline of the page load) and ``server RSS``
(the Streamlit process after that page). Baseline in the same run: an empty
Streamlit app (one title), warm server, new page → title shown (median of 3).

Imported part (``--app-imported 100000,1000000``): the same app columns with the
events coming in as an imported dataset, the path meant for large data: a synthetic
ACLED CSV of N rows (``synth_datasets.py``) imported by the real import
(``geo.importers.import_file``, as ``conflictmap import acled``) into a temporary data
folder (``CONFLICTMAP_DATA_DIR``; the curated layers stay), plus ``import`` (seconds of
that import) and ``app: first run (cold)`` (a new server's first page → drawn: loading,
joining and packing the dataset included).

    CONFLICTMAP_BOUNDARIES_DIR=../shared/data/boundaries/geoboundaries \\
        python bench/bench_canvas.py --sizes 0,100000,1000000 [--app 0,100000]
    python bench/bench_canvas.py --sizes 0 --app 0 --app-imported 100000,1000000
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import http.server
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]
#: The checkout whose app.py the app runs start (``--app-root``: e.g. a copy of main, to
#: measure before and after in one run with the same benchmark code).
APP_ROOT = [ROOT]

from bench_map import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_IFRAME,
    WaitTimeoutError,
    _free_port,
    _server,
    _until,
    machine_facts,
)

APPROACHES = ("canvas", "today", "naive")
#: Row fields printed after the table (long text), not in the per-run line.
LONG = ("app_parts", "app_timeline")
#: Events drawn: the canvas's own count, else painted canvas markers and marker icons.
DRAWN_JS = """
() => {
    const map = window.L && (window.map || Object.values(window).find((v) => v instanceof L.Map));
    if (!map) { return -1; }
    const box = map.getContainer();
    const own = box.getAttribute("data-events-drawn");
    if (own !== null) { return Number(own); }
    let drawn = document.querySelectorAll(".leaflet-marker-icon").length;
    for (const layer of Object.values(map._layers)) {
        if (!(layer instanceof L.CircleMarker) || layer instanceof L.Circle) { continue; }
        if (layer.options.interactive === false || layer.options.fill === false) { continue; }
        const r = layer._renderer;
        if (!layer._map || !r || !r._ctx || !layer._point) { continue; }
        const p = layer._point.subtract(r._bounds.min);
        if (r._ctx.getImageData(Math.round(p.x), Math.round(p.y), 1, 1).data[3] > 0) { drawn += 1; }
    }
    return drawn;
}
"""
#: The page's own clock (s after its navigation started) when the region card, laid out
#: under the map, first appeared: unaffected by how busy the page is when the bench polls.
CARD_CLOCK_JS = """
(() => {
    if (window !== window.top) { return; }
    new MutationObserver((_, obs) => {
        if (!window.__cmCardAt && document.querySelector(".st-key-region-card")) {
            window.__cmCardAt = performance.now();
            obs.disconnect();
        }
    }).observe(document, {subtree: true, childList: true});
})();
"""
#: The page's own clock (ms after its navigation started) when the map first drew: the
#: event layer tells the page its first draw right after it (``conflictmap-drawn``,
#: ``tellDrawn`` in geo/render/js/eventlayer.js), without the delay of polling a page whose
#: main thread is then busy laying out what is under the map.
DRAWN_CLOCK_JS = """
(() => {
    if (window !== window.top) { return; }
    window.addEventListener("conflictmap-drawn", () => {
        if (!window.__cmDrawnAt) { window.__cmDrawnAt = performance.now(); }
    });
})();
"""
#: Milliseconds from an action on the map until it is redrawn and two frames have passed.
TIMED_JS = """
async ([what, arg]) => {
    const map = window.map || Object.values(window).find((v) => v instanceof L.Map);
    const layer = Object.values(map._layers)
        .find((l) => L.ConflictEvents && l instanceof L.ConflictEvents);
    const control = Object.values(window)
        .find((v) => L.TimelineSliderControl && v instanceof L.TimelineSliderControl);
    const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
    const t0 = performance.now();
    if (what === "period") {
        if (layer) { layer.setPeriod(arg[0], arg[1]); }
        else if (control) { control.setTime(Date.parse(arg[0])); } else { return null; }
    } else if (what === "day") {
        if (!control) { return null; }
        control.setTime(Date.parse(arg));
    } else if (what === "pan") {
        map.panBy(arg, {animate: false});
    } else if (what === "zoom") {
        map.setZoom(map.getZoom() + arg, {animate: false});
    }  // "frames": nothing, the two-frame floor every other time includes
    if (layer && layer._canvas) { layer._canvas.getContext("2d").getImageData(0, 0, 1, 1); }
    await frame(); await frame();
    return performance.now() - t0;
}
"""


# --------------------------------------------------------------------------- child job


def _job_build(approach: str, n: int, site: str) -> dict[str, Any]:
    """Build one page (and for the canvas its data files) under ``site``."""
    from naive import naive_map

    from geo import render
    from geo.config import Settings
    from geo.dataset import load_dataset
    from geo.gazetteer import Gazetteer
    from geo.render import mapdata
    from geo.render.assets import asset_urls
    from geo.render.boundfile import pack_boundaries, write_boundaries
    from geo.synthetic import synthetic_frame
    from geo.view import View

    settings = Settings.from_env().with_(layers_dir=ROOT / "layers", allow_download=False)
    data = load_dataset(settings)
    events = (
        data.events
        if n == 0
        else synthetic_frame(data.events, n)
        .set_index("event_id", drop=False)
        .rename_axis("event_id")
    )
    urls = asset_urls(settings, "/vendor")
    places = Gazetteer.default(settings)
    out: dict[str, Any] = {}
    start = time.perf_counter()
    if approach == "naive":
        m = naive_map(events, asset_urls=urls)
    else:
        files = boundaries_url = None
        if approach == "canvas":
            packed = mapdata.pack_events(events, places=places)
            out["pack_s"] = time.perf_counter() - start
            out["data_bytes"] = len(packed.binary)
            out["details_bytes"] = sum(len(c) for c in packed.chunks)
            files = mapdata.write_event_data(packed, Path(site) / "mapdata", base_url="/mapdata")
            if data.admin is not None:  # the outlines as a cached file, as the app does
                boundaries_url = write_boundaries(
                    pack_boundaries(data.admin), Path(site) / "mapdata", base_url="/mapdata"
                )
        m = render.build_map(
            events,
            view=View(tiles=False),
            admin=data.admin,
            episodes=data.episodes,
            places=places,
            asset_urls=urls,
            event_data=files,
            boundaries_url=boundaries_url,
        )
    html = render.map_html(m)
    out["build_s"] = time.perf_counter() - start
    out["page_bytes"] = len(html.encode())
    (Path(site) / f"{approach}-{n}.html").write_text(html, encoding="utf-8")
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _child(args: list[str], timeout: float) -> dict[str, Any] | str:
    cmd = [sys.executable, str(Path(__file__)), *args]
    try:
        done = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    if done.returncode != 0:
        return "error: " + (done.stderr.strip().splitlines() or ["?"])[-1][:120]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --------------------------------------------------------------------------- browser


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def _static(site: Path) -> Any:
    port = _free_port()
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()


class _Bytes:
    """Bytes received per page load (CDP ``encodedDataLength``), split by URL."""

    def __init__(self, context: Any, page: Any) -> None:
        self.urls: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", self._done)
        cdp.on("Network.webSocketFrameReceived", self._frame)
        self.ws = 0
        self.frames: list[bytes] = []
        #: CDP's monotonic seconds: websocket frames received, requests sent and finished
        self.frame_times: list[float] = []
        self.sent_at: dict[str, float] = {}
        self.done_at: dict[str, float] = {}

    def _frame(self, e: dict[str, Any]) -> None:
        data = e["response"]["payloadData"]
        if e["response"]["opcode"] == 2:  # binary: base64 of a Streamlit ForwardMsg
            payload = base64.b64decode(data)
            self.frames.append(payload)
            self.frame_times.append(float(e["timestamp"]))
            self.ws += len(payload)
        else:
            self.ws += len(data.encode())

    def _sent(self, e: dict[str, Any]) -> None:
        self.urls[e["requestId"]] = e["request"]["url"]
        self.sent_at.setdefault(e["requestId"], float(e["timestamp"]))

    def _done(self, e: dict[str, Any]) -> None:
        self.sizes[e["requestId"]] = int(e["encodedDataLength"])
        self.done_at[e["requestId"]] = float(e["timestamp"])

    def reset(self) -> None:
        self.urls.clear()
        self.sizes.clear()
        self.ws = 0
        self.frames.clear()
        self.frame_times.clear()
        self.sent_at.clear()
        self.done_at.clear()

    def timeline(self, drawn_s: float) -> str:
        """When each part of a page load arrived, in seconds from the page's request.

        Requests (sent → finished) and the websocket's messages by element, from the
        DevTools protocol's clock; ``drawn_s`` (the benchmark's own clock from the same
        start) closes it.
        """
        from page_bytes import decode_frames, message_name

        if not self.sent_at:
            return ""
        t0 = min(self.sent_at.values())
        rows: list[tuple[float, str]] = []
        for rid, sent in self.sent_at.items():
            url = self.urls.get(rid, "?")
            if url.startswith("ws") or rid not in self.done_at:
                continue
            name = url.split("/", 3)[-1].split("?")[0][:60] or "(page)"
            rows.append((sent - t0, f"request {name} sent"))
            rows.append((self.done_at[rid] - t0, f"… {name} received ({self.sizes[rid]:,} B)"))
        for at, msg in zip(self.frame_times, decode_frames(self.frames), strict=True):
            rows.append((at - t0, f"ws {message_name(msg)} ({msg.ByteSize():,} B)"))
        rows.append((drawn_s, "events drawn (data-events-drawn set)"))
        return "\n".join(f"{t:7.3f} s  {what}" for t, what in sorted(rows))

    def http_parts(self) -> list[tuple[str, int]]:
        """Bytes per HTTP response (the data files included), largest first."""
        parts = [(self.urls.get(rid, "?"), size) for rid, size in self.sizes.items()]
        return sorted(parts, key=lambda p: -p[1])

    def total(self, *, data: bool, skip: str = "\0") -> int:
        """Bytes of the data files (``data``) or of everything else (websocket included)."""
        return sum(
            size
            for rid, size in self.sizes.items()
            if ("/mapdata/events-" in self.urls.get(rid, "")) == data
            and skip not in self.urls.get(rid, "")
        ) + (0 if data else self.ws)


def _frame(page: Any) -> Any:
    """The map's frame: the streamlit-folium iframe in the app, else the page."""
    iframe = page.query_selector(MAP_IFRAME)
    return iframe.content_frame() if iframe else page.main_frame


def _wait_drawn(page: Any, deadline: float) -> int:
    def probe() -> int | None:
        n = _frame(page).evaluate(DRAWN_JS)
        return int(n) if n and n > 0 else None

    return int(_until(probe, deadline))


def _median(page: Any, what: str, args: list[Any], reps: int = 5) -> float | str:
    times = []
    for k in range(reps):
        ms = page.evaluate(TIMED_JS, [what, args[k % len(args)]])
        if ms is None:
            return "—"
        times.append(ms)
    return statistics.median(times)


def _static_run(browser: Any, url: str, timeout: float, page_bytes: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    counter = _Bytes(context, page)
    deadline = time.monotonic() + timeout
    try:
        t0 = time.monotonic()
        page.goto(url, timeout=timeout * 1000)
        out["drawn"] = _wait_drawn(page, deadline)
        out["first_s"] = time.monotonic() - t0
        out["data_transfer"] = counter.total(data=True)
        counter.reset()
        t0 = time.monotonic()
        page.reload(timeout=timeout * 1000)
        _wait_drawn(page, deadline)
        out["again_s"] = time.monotonic() - t0
        # what a new view costs: its map page (the app sends it on every run) and what
        # else is fetched again with the data file and the libraries cached
        out["view_bytes"] = page_bytes + counter.total(data=False, skip=url)
        periods = [["2021-01-01", "2021-12-31"], ["2020-01-01", "2024-12-31"]]
        if "curated" in url or url.endswith("-0.html"):
            periods = [["2020-07-12", "2020-07-16"], ["2020-07-12", "2024-02-13"]]
        out["period_ms"] = _median(page, "period", periods)
        out["day_ms"] = _median(page, "day", [p[0] for p in periods])
        out["pan_ms"] = _median(page, "pan", [[150, 80], [-150, -80]])
        out["zoom_ms"] = _median(page, "zoom", [1, -1])
        out["frames_ms"] = _median(page, "frames", [None])
    except (WaitTimeoutError, Exception) as exc:  # reported in the table
        out.setdefault("first_s", "timeout" if isinstance(exc, WaitTimeoutError) else "error")
        out["error"] = str(exc)[:160]
    finally:
        context.close()
    return out


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (MB)."""
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def _app_run(browser: Any, env: dict[str, str], timeout: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    deadline = time.monotonic() + timeout
    with _server(APP_ROOT[0], env) as (url, proc):
        try:

            def healthy() -> bool | None:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    return True if r.status == 200 else None

            _until(healthy, deadline)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            t0 = time.monotonic()
            page.goto(f"{url}/?tiles=0", timeout=timeout * 1000)
            _wait_drawn(page, deadline)
            out["app_cold_s"] = time.monotonic() - t0
            # the whole page, so its front-end chunks are in the cache for the warm page
            page.wait_for_selector(".st-key-region-card", timeout=timeout * 1000)
            page.get_by_text("Episode-wide claims", exact=True).wait_for(timeout=timeout * 1000)
            page.close()
            page = context.new_page()  # warm server, data file in the browser's cache
            page.add_init_script(CARD_CLOCK_JS)
            page.add_init_script(DRAWN_CLOCK_JS)
            counter = _Bytes(context, page)
            t0 = time.monotonic()
            page.goto(f"{url}/?tiles=0", timeout=timeout * 1000, wait_until="commit")
            page.wait_for_selector("h1", timeout=timeout * 1000)
            out["app_title_s"] = time.monotonic() - t0  # the front end booted, first delta
            page.wait_for_selector(MAP_IFRAME, state="attached", timeout=timeout * 1000)
            out["app_iframe_s"] = time.monotonic() - t0  # the script reached st_folium
            _wait_drawn(page, deadline)
            out["app_first_s"] = time.monotonic() - t0
            drawn_at = page.evaluate("window.__cmDrawnAt")
            if drawn_at:
                out["app_drawn_in_page_s"] = drawn_at / 1000
            page.wait_for_selector(".st-key-region-card", timeout=timeout * 1000)
            out["app_card_s"] = time.monotonic() - t0  # the page under the map, polled
            card_ms = page.evaluate("window.__cmCardAt")
            if card_ms:
                out["app_card_in_page_s"] = card_ms / 1000
            time.sleep(1.0)
            out["app_timeline"] = counter.timeline(out["app_first_s"])
            out["app_view_bytes"] = counter.total(data=False)
            out["app_ws_bytes"] = counter.ws  # the script's output, of those
            out["app_parts"] = _view_parts(counter)
            out["server_rss_mb"] = _rss_mb(proc.pid)
            context.close()
        except WaitTimeoutError:
            out.setdefault("app_first_s", "timeout")
    return out


def _view_parts(counter: _Bytes) -> str:
    """What the app's view bytes were: websocket messages by element, HTTP by path."""
    from page_bytes import breakdown, decode_frames, table

    lines = [table(breakdown(decode_frames(counter.frames)))]
    lines += ["", "| HTTP response | bytes |", "|---|---|"]
    http = [(u, n) for u, n in counter.http_parts() if "/mapdata/events-" not in u]
    for url, size in http[:8]:
        lines.append(f"| {url.split('/', 3)[-1][:70]} | {size / 1e3:,.1f} kB |")
    rest = http[8:]
    lines.append(f"| {len(rest)} others | {sum(n for _, n in rest) / 1e3:,.1f} kB |")
    return "\n".join(lines)


def _imported_app_run(browser: Any, n: int, tmp: Path, timeout: float) -> dict[str, Any]:
    """The app on an imported ACLED dataset of ``n`` synthetic rows (the real import)."""
    from geo.config import ENV_DATA_DIR, ENV_LAYERS_DIR, ENV_MAX_MAP_EVENTS

    csv = tmp / f"acled-{n}.csv"
    data_dir = tmp / f"data-{n}"
    data_dir.mkdir()
    # both in their own processes: the benchmark's memory stays out of the numbers
    subprocess.run([sys.executable, str(BENCH / "synth_datasets.py"), "acled", str(n), str(csv)],
                   check=True)  # fmt: skip
    # geo.importers.import_file: what `conflictmap import acled` runs before it proposes
    # links to the other datasets (left out: geo.link.propose_links pairs every two
    # events within 800 km, all of them here, which does not finish at 10^5)
    code = "import sys; from geo.importers import import_file; "
    code += "import_file('acled', sys.argv[1], sys.argv[2], keep_events=False)"
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-c", code, str(csv), str(data_dir / "acled.parquet")],
                   check=True, cwd=APP_ROOT[0])  # fmt: skip
    out: dict[str, Any] = {"import_s": time.monotonic() - t0}
    csv.unlink()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", ENV_DATA_DIR: str(data_dir)}
    env.pop(ENV_LAYERS_DIR, None)
    env[ENV_MAX_MAP_EVENTS] = str(n + 1000)  # above the curated events plus n
    out.update(_app_run(browser, env, timeout))
    return out


EMPTY_APP = 'import streamlit as st\n\nst.title("Empty page")\n'


def _empty_app_run(browser: Any, timeout: float) -> dict[str, Any]:
    """Streamlit's own floor: a one-title app, warm server, new page → title shown."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="conflictmap-empty-") as tmp:
        (Path(tmp) / "app.py").write_text(EMPTY_APP, encoding="utf-8")
        deadline = time.monotonic() + timeout
        with _server(Path(tmp), {**os.environ}) as (url, proc):

            def healthy() -> bool | None:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    return True if r.status == 200 else None

            _until(healthy, deadline)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            times = []
            for _ in range(4):  # the first warms the server and the browser's cache
                page = context.new_page()
                t0 = time.monotonic()
                page.goto(url, timeout=timeout * 1000, wait_until="commit")
                page.wait_for_selector("h1", timeout=timeout * 1000)
                times.append(time.monotonic() - t0)
                page.close()
            out["app_title_s"] = out["app_first_s"] = statistics.median(times[1:])
            out["server_rss_mb"] = _rss_mb(proc.pid)
            context.close()
    return out


# --------------------------------------------------------------------------- report


def _f(value: Any, unit: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if unit == "MB":
        return f"{value / 1e6:.2f} MB"
    if unit == "kB":
        return f"{value / 1e3:.0f} kB"
    if unit == "ms":
        return f"{value:.0f} ms"
    if unit == "RSS":
        return f"{value:,.0f} MB"
    return f"{value:.2f} s"


COLUMNS = [
    ("build", "build_s", "s"),
    ("page", "page_bytes", "MB"),
    ("data file", "data_bytes", "MB"),
    ("first (cold)", "first_s", "s"),
    ("again (cached)", "again_s", "s"),
    ("view bytes", "view_bytes", "kB"),
    ("period → redrawn", "period_ms", "ms"),
    ("time bar day", "day_ms", "ms"),
    ("pan", "pan_ms", "ms"),
    ("zoom", "zoom_ms", "ms"),
    ("two frames (floor)", "frames_ms", "ms"),
    ("build peak RSS", "peak_rss_mb", "RSS"),
    ("import", "import_s", "s"),
    ("app: first run (cold)", "app_cold_s", "s"),
    ("app: title shown", "app_title_s", "s"),
    ("app: map iframe", "app_iframe_s", "s"),
    ("app: page → drawn (warm)", "app_first_s", "s"),
    ("app: drawn, in-page clock", "app_drawn_in_page_s", "s"),
    ("app: page → card shown", "app_card_s", "s"),
    ("app: card, in-page clock", "app_card_in_page_s", "s"),
    ("app view bytes", "app_view_bytes", "kB"),
    ("of which websocket", "app_ws_bytes", "kB"),
    ("server RSS", "server_rss_mb", "RSS"),
]


def _table(rows: list[dict[str, Any]]) -> str:
    lines = ["| events | approach | " + " | ".join(c[0] for c in COLUMNS) + " |"]
    lines.append("|" + "---|" * (len(COLUMNS) + 2))
    for r in rows:
        cells = [_f(r.get(key), unit) for _, key, unit in COLUMNS]
        lines.append(f"| {r['label']} | {r['approach']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0,100000,1000000")
    parser.add_argument("--app", default="0,100000", help="sizes to also run in the app")
    parser.add_argument("--app-imported", default="",
                        help="sizes to run in the app as an imported ACLED dataset")  # fmt: skip
    parser.add_argument("--approaches", default=",".join(APPROACHES))
    parser.add_argument("--baseline-max", type=int, default=100_000,
                        help="largest size for today's and the naive map")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--app-root", type=Path, default=ROOT,
                        help="checkout whose app.py the app runs start")  # fmt: skip
    parser.add_argument("--no-empty", action="store_true",
                        help="leave out the empty Streamlit app baseline")  # fmt: skip
    args = parser.parse_args(argv)
    APP_ROOT[0] = args.app_root.resolve()

    from playwright.sync_api import sync_playwright

    from geo.config import ENV_LAYERS_DIR, ENV_MAX_MAP_EVENTS, Settings
    from geo.render.assets import vendor_path
    from geo.synthetic import write_synthetic_layers

    facts = machine_facts()
    rows: list[dict[str, Any]] = []
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    app_sizes = {int(s) for s in args.app.split(",") if s.strip()}
    tmp_cm = tempfile.TemporaryDirectory(prefix="conflictmap-canvas-")
    with tmp_cm as tmp_name, sync_playwright() as pw:
        site = Path(tmp_name) / "site"
        site.mkdir()
        (site / "vendor").symlink_to(vendor_path(Settings.from_env()))
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        facts["renderer"] = _renderer(browser)
        print("\n".join(f"{k}: {v}" for k, v in facts.items()), flush=True)
        if app_sizes and not args.no_empty:
            print("… empty Streamlit app", flush=True)
            rows.append({"label": "empty Streamlit app", "approach": "—",
                         **_empty_app_run(browser, args.timeout)})  # fmt: skip
        with _static(site) as base:
            for n in sizes:
                label = "curated (15)" if n == 0 else f"synthetic {n:,}"
                for approach in args.approaches.split(","):
                    row: dict[str, Any] = {"label": label, "n": n, "approach": approach}
                    if approach != "canvas" and n > args.baseline_max:
                        row["build_s"] = "not run"
                        rows.append(row)
                        continue
                    print(f"… {label}, {approach}", flush=True)
                    built = _child(["_build", approach, str(n), str(site)], args.timeout * 4)
                    if isinstance(built, str):
                        row["build_s"] = built
                    else:
                        row.update(built)
                        row.update(
                            _static_run(
                                browser,
                                f"{base}/{approach}-{n}.html",
                                args.timeout,
                                built["page_bytes"],
                            )
                        )
                    if approach == "canvas" and n in app_sizes:
                        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
                        env.pop(ENV_LAYERS_DIR, None)
                        # the app's own cap on drawn events (default 300,000) must not
                        # hide the map measured here
                        if n:
                            env[ENV_MAX_MAP_EVENTS] = str(n)
                            env[ENV_LAYERS_DIR] = str(
                                write_synthetic_layers(ROOT / "layers", Path(tmp_name) / f"l{n}", n)
                            )
                        row.update(_app_run(browser, env, args.timeout * 4))
                    print(f"  { {k: v for k, v in row.items() if k not in LONG} }", flush=True)
                    rows.append(row)
        for n in [int(s) for s in args.app_imported.split(",") if s.strip()]:
            print(f"… imported ACLED {n:,}, app", flush=True)
            row = {"label": f"imported ACLED {n:,}", "n": n, "approach": "canvas (app)"}
            row.update(_imported_app_run(browser, n, Path(tmp_name), args.timeout * 4))
            print(f"  { {k: v for k, v in row.items() if k not in LONG} }", flush=True)
            rows.append(row)
        browser.close()
    print()
    print(_table(rows))
    for r in rows:  # what each app view's bytes were
        if r.get("app_parts"):
            print(f"\n{r['label']}: app view bytes by part\n\n{r['app_parts']}")
        if r.get("app_timeline"):
            print(f"\n{r['label']}: timeline of the warm page load\n\n{r['app_timeline']}")
    if args.json:
        args.json.write_text(json.dumps({"machine": facts, "rows": rows}, indent=2) + "\n")
    return 0


def _renderer(browser: Any) -> str:
    page = browser.new_page()
    try:
        return str(
            page.evaluate(
                """() => {
                const gl = document.createElement("canvas").getContext("webgl");
                if (!gl) { return "no WebGL"; }
                const ext = gl.getExtension("WEBGL_debug_renderer_info");
                return gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
            }"""
            )
        )
    finally:
        page.close()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_build":
        print(json.dumps(_job_build(sys.argv[2], int(sys.argv[3]), sys.argv[4])))
    else:
        sys.exit(main())
