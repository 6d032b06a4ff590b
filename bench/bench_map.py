"""Benchmark the map: startup to markers drawn, payload size, rerun after the slider.

Compares the app's map (``app.py``: Leaflet.timeline layers on a canvas renderer) with
the naive approach (``bench/naive_app.py``: one ``folium.Marker`` with a popup per
event) on the curated layers and on synthetic 10k and 100k events. Not a test::

    CONFLICTMAP_BOUNDARIES_DIR=../shared/data/boundaries/geoboundaries \\
        python bench/bench_map.py [--sizes 0,10000,100000] [--timeout 300]

``0`` means the curated layers. Needs the offline assets (``conflictmap assets``) and
Debian's Chromium. Synthetic layers are written to a temporary folder only.

Measures, per size and approach:

(a) ``startup``: from starting ``streamlit run`` to the first markers drawn in headless
    Chromium (server start, data load, map build, transfer, script run, drawing).
(b) ``payload``: bytes of the rendered map HTML (``render.map_html``), built from
    synthetic events made in memory with the joined frame's columns; ``build``: the
    seconds that took in Python.
(c) ``rerun``: seconds of an ``AppTest`` rerun after moving the period slider (Python
    side); ``slider``: seconds from a key press on the slider in Chromium to the new
    map's markers drawn.

Each run is bounded; a run that does not finish in time is reported as ``timeout``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CHROMIUM = os.environ.get("CONFLICTMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
APPROACHES = ("project", "naive")
#: Markers drawn in the streamlit-folium iframe: canvas circle markers whose centre pixel
#: is painted, plus DOM marker icons (folium.Marker). -1 until Leaflet and the map exist.
COUNT_DRAWN_JS = """
() => {
    if (!window.L || !window.map || !window.map._layers) { return -1; }
    const box = window.map.getContainer();  // the event canvas counts what it drew
    const own = box.getAttribute("data-events-drawn");
    if (own !== null) { return Number(own); }
    const dpr = window.devicePixelRatio || 1;
    let drawn = document.querySelectorAll(".leaflet-marker-icon").length;
    for (const layer of Object.values(window.map._layers)) {
        if (!(layer instanceof L.CircleMarker) || layer instanceof L.Circle) { continue; }
        if (layer.options.interactive === false || layer.options.fill === false) { continue; }
        const r = layer._renderer;
        if (!layer._map || !r || !r._ctx || !layer._point) { continue; }
        const p = layer._point.subtract(r._bounds.min);
        const px = r._ctx.getImageData(Math.round(p.x * dpr), Math.round(p.y * dpr), 1, 1).data;
        if (px[3] > 0) { drawn += 1; }
    }
    return drawn;
}
"""
#: The map's frame: the app's own (map_frame.py) or streamlit-folium's (older checkouts
#: measured with ``--app-root``, and the naive app).
MAP_IFRAME = 'iframe[title="map_frame.conflictmap_map"], iframe[title="streamlit_folium.st_folium"]'
#: Notes when the app's script starts running again (Streamlit's own test attribute).
WATCH_RUN_JS = """
() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__benchSawRun = false;
    new MutationObserver(() => {
        if (app.getAttribute("data-test-script-state") === "running") {
            window.__benchSawRun = true;
        }
    }).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
}
"""
RUN_DONE_JS = """
() => window.__benchSawRun === true && document.querySelector('[data-testid="stApp"]')
    .getAttribute("data-test-script-state") === "notRunning"
"""


class WaitTimeoutError(Exception):
    """A bounded wait ran out."""


# --------------------------------------------------------------------------- child jobs


def _job_payload(approach: str, n: int) -> dict[str, Any]:
    """(b): map HTML bytes and build seconds for ``n`` synthetic events made in memory."""
    from naive import naive_map

    from geo import render
    from geo.config import Settings
    from geo.dataset import load_dataset
    from geo.gazetteer import Gazetteer
    from geo.render.assets import asset_urls
    from geo.summary import region_summary
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
    urls = asset_urls(settings)
    start = time.perf_counter()
    if approach == "project":
        view = View(tiles=False)
        summary = region_summary(events, by="region", admin=data.admin)
        m = render.build_map(
            events,
            view=view,
            admin=data.admin,
            episodes=data.episodes,
            summary=summary,
            places=Gazetteer.default(settings),
            asset_urls=urls,
        )
    else:
        m = naive_map(events, asset_urls=urls)
    html = render.map_html(m)
    return {"bytes": len(html.encode("utf-8")), "build_s": time.perf_counter() - start}


def _job_apptest(script: str, timeout: float) -> dict[str, Any]:
    """(c): seconds of an AppTest rerun after moving the start of the period slider."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(script, default_timeout=timeout)
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{script}: {at.exception[0].message}")
    slider = at.slider(key="period")
    low, high = slider.value
    start = time.perf_counter()
    slider.set_value((low + timedelta(days=1), high)).run()
    rerun = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{script}: {at.exception[0].message}")
    return {"first_run_s": first, "rerun_s": rerun}


def _child(args: list[str], env: dict[str, str], timeout: float) -> dict[str, Any] | str:
    """Run a job of this file in a fresh interpreter; 'timeout' or 'error: …' on failure."""
    cmd = [sys.executable, str(Path(__file__)), *args]
    try:
        done = subprocess.run(
            cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return f"error: {last[:120]}"
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --------------------------------------------------------------------------- browser


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _until(probe: Callable[[], Any], deadline: float) -> Any:
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            value = probe()
            if value is not None:
                return value
        time.sleep(0.1)
    raise WaitTimeoutError


@contextlib.contextmanager
def _server(script_dir: Path, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        cwd=script_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _drawn(page: Any) -> int | None:
    frame = page.locator(MAP_IFRAME).last.element_handle(timeout=500).content_frame()
    n = frame.evaluate(COUNT_DRAWN_JS)
    return int(n) if n and n > 0 else None


def _browser_run(
    browser: Any, script_dir: Path, env: dict[str, str], query: str, timeout: float
) -> dict[str, Any]:
    """(a) and the browser half of (c) for one approach and size."""
    out: dict[str, Any] = {"startup_s": "timeout", "slider_s": "timeout"}
    t0 = time.monotonic()
    deadline = t0 + timeout
    with _server(script_dir, env) as (url, proc):

        def healthy() -> bool | None:
            if proc.poll() is not None:
                raise SystemExit(f"streamlit exited with {proc.returncode}")
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                return True if r.status == 200 else None

        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(max(1.0, deadline - time.monotonic()) * 1000)
        try:
            _until(healthy, deadline)
            page.goto(f"{url}/{query}", timeout=max(1.0, deadline - time.monotonic()) * 1000)
            out["markers"] = _until(lambda: _drawn(page), deadline)
            out["startup_s"] = time.monotonic() - t0
            # (c) in the browser: one key press on the period's start thumb, then the
            # rerun it starts has finished and the (new or unchanged) map is drawn
            page.evaluate(WATCH_RUN_JS)
            thumb = (
                page.locator('[data-testid="stSlider"]')
                .filter(has_text="Period")
                .get_by_role("slider")
                .first
            )
            thumb.focus()
            t1 = time.monotonic()
            deadline = t1 + timeout
            thumb.press("ArrowRight")
            _until(lambda: True if page.evaluate(RUN_DONE_JS) else None, deadline)
            _until(lambda: _drawn(page), deadline)
            out["slider_s"] = time.monotonic() - t1
        except WaitTimeoutError:
            pass
        finally:
            page.close()
    return out


# --------------------------------------------------------------------------- report


def machine_facts() -> dict[str, str]:
    import folium
    import streamlit

    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    chromium = "?"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        chromium = subprocess.run(
            [CHROMIUM, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    return {
        "cpu": f"{cpu} ({os.cpu_count()} cores)",
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "folium": folium.__version__,
        "streamlit-folium": importlib.metadata.version("streamlit-folium"),
        "chromium": chromium,
    }


def _fmt(value: Any, unit: str) -> str:
    if isinstance(value, str):
        return value
    if unit == "MB":
        return f"{value / 1e6:.2f} MB"
    return f"{value:.2f} s"


def _table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| events | approach | (a) startup → drawn | (b) payload | build | "
        "(c) rerun (AppTest) | slider → redrawn |"
    )
    lines = [head, "|" + "---|" * 7]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['approach']} | {_fmt(r['startup_s'], 's')} | "
            f"{_fmt(r['bytes'], 'MB')} | {_fmt(r['build_s'], 's')} | "
            f"{_fmt(r['rerun_s'], 's')} | {_fmt(r['slider_s'], 's')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0,10000,100000", help="0 = curated layers")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per bounded run")
    parser.add_argument("--no-browser", action="store_true", help="skip (a) and the slider")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)

    sys.path[:0] = [str(ROOT), str(BENCH)]
    from geo.config import ENV_BOUNDARIES_DIR, ENV_LAYERS_DIR, Settings
    from geo.render.assets import ASSETS_COMMAND, asset_urls, vendor_path
    from geo.synthetic import write_synthetic_layers

    if not os.environ.get(ENV_BOUNDARIES_DIR):
        parser.error(f"set {ENV_BOUNDARIES_DIR} to the folder of boundary files")
    settings = Settings.from_env()
    if asset_urls(settings) is None:
        parser.error(f"the offline map assets are not prepared: run `{ASSETS_COMMAND}`")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    facts = machine_facts()
    print("\n".join(f"{k}: {v}" for k, v in facts.items()), flush=True)

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="conflictmap-bench-") as tmp_name:
        tmp = Path(tmp_name)
        naive_dir = tmp / "naive"
        (naive_dir / ".streamlit").mkdir(parents=True)
        shutil.copy(BENCH / "naive_app.py", naive_dir / "app.py")
        shutil.copy(ROOT / ".streamlit" / "config.toml", naive_dir / ".streamlit" / "config.toml")
        shutil.copytree(vendor_path(settings), naive_dir / "static" / "vendor")
        base_env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT)]),
            "PYTHONUNBUFFERED": "1",
        }
        base_env.pop(ENV_LAYERS_DIR, None)

        browser_cm: Any = contextlib.nullcontext(None)
        if not args.no_browser:
            from playwright.sync_api import sync_playwright

            browser_cm = sync_playwright()
        with browser_cm as pw:
            browser = None
            if pw is not None:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for n in sizes:
                env = dict(base_env)
                label = "curated (15)" if n == 0 else f"synthetic {n:,}"
                if n:
                    layers = write_synthetic_layers(ROOT / "layers", tmp / f"layers-{n}", n)
                    env[ENV_LAYERS_DIR] = str(layers)
                for approach in APPROACHES:
                    row: dict[str, Any] = {"label": label, "n": n, "approach": approach}
                    print(f"… {label}, {approach}", flush=True)
                    payload = _child(["_payload", approach, str(n)], base_env, args.timeout)
                    row.update(
                        payload
                        if isinstance(payload, dict)
                        else {"bytes": payload, "build_s": payload}
                    )
                    script = ROOT / "app.py" if approach == "project" else naive_dir / "app.py"
                    apptest = _child(
                        ["_apptest", str(script), str(args.timeout)], env, args.timeout + 60
                    )
                    row.update(
                        apptest
                        if isinstance(apptest, dict)
                        else {"first_run_s": apptest, "rerun_s": apptest}
                    )
                    row.update(startup_s="skipped", slider_s="skipped")
                    if browser is not None:
                        query = "?tiles=0" if approach == "project" else ""
                        row.update(_browser_run(browser, script.parent, env, query, args.timeout))
                    print(f"  {row}", flush=True)
                    rows.append(row)
            if browser is not None:
                browser.close()

    print()
    print(_table(rows))
    if args.json:
        args.json.write_text(json.dumps({"machine": facts, "rows": rows}, indent=2) + "\n")
    return 0


def _run_job(argv: list[str]) -> None:
    sys.path[:0] = [str(ROOT), str(BENCH)]
    job, *rest = argv
    if job == "_payload":
        result = _job_payload(rest[0], int(rest[1]))
    elif job == "_apptest":
        result = _job_apptest(rest[0], float(rest[1]))
    else:  # pragma: no cover
        raise SystemExit(f"unknown job {job}")
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        _run_job(sys.argv[1:])
    else:
        sys.exit(main())
