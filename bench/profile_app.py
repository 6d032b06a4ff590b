"""Where the app's time and memory go on a large dataset, in one process (no browser).

Two parts, both on the data folder of ``CONFLICTMAP_DATA_DIR`` (e.g. one imported
ACLED file of 10^6 synthetic rows, see ``bench_canvas.py --app-imported``):

1. **steps**: the library calls the app makes for the default view, each timed, with the
   process's resident memory after it and its peak during it (Linux ``VmHWM``, reset
   before each step): ``load_dataset``, the events frame's memory,
   ``apply_view``, ``region_summary``, ``region_card``, ``pack_and_write`` (or, in code
   before it, ``pack_events`` then ``write_event_data``), ``build_map``, ``map_html``.
2. **app**: ``app.py`` run by Streamlit's ``AppTest`` in this process: the first run
   (cold: loading and packing included), then ``--reruns`` new sessions on the warm
   caches (what a page load costs the server: the whole script, caches hit), their
   median, and the top functions of one warm run under cProfile (``--top``).

    CONFLICTMAP_DATA_DIR=/tmp/data CONFLICTMAP_MAX_MAP_EVENTS=2000000 \\
        python bench/profile_app.py --part steps,app

Times are of this machine at the moment (2 shared cores): compare only rows of one run.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    """The highest resident memory since the last :func:`reset_peak` (else since start)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Start a new peak (Linux: ``5`` to ``/proc/self/clear_refs`` resets ``VmHWM``)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


ROWS: list[tuple[str, float, float, float]] = []


def step(name: str, fn: Callable[[], Any]) -> Any:
    reset_peak()
    t0 = time.perf_counter()
    out = fn()
    ROWS.append((name, time.perf_counter() - t0, rss_mb(), peak_mb()))
    print(f"  {name}: {ROWS[-1][1]:.2f} s, RSS {ROWS[-1][2]:,.0f} MB", flush=True)
    return out


def steps() -> None:
    from geo._memory import release_memory
    from geo.card import region_card
    from geo.config import Settings
    from geo.dataset import load_dataset
    from geo.gazetteer import Gazetteer
    from geo.render import build_map, map_html, mapdata
    from geo.render.mapdata import pack_events, write_event_data
    from geo.summary import region_summary
    from geo.view import View, apply_view

    settings = Settings.from_env()
    data = step("load_dataset", lambda: load_dataset(settings, boundaries="optional",
                                                     invalid="skip"))  # fmt: skip
    step("release_memory", release_memory)
    frame_mb = data.events.memory_usage(deep=True).sum() / 1e6
    print(f"  events: {len(data.events):,} rows, {frame_mb:,.0f} MB (memory_usage deep)")
    ROWS.append((f"(events frame: {frame_mb:,.0f} MB by memory_usage)", 0.0, rss_mb(), peak_mb()))
    view = View()
    events = step("apply_view (default view)", lambda: apply_view(data.events, view))
    summary = step("region_summary", lambda: region_summary(events, by="region",
                                                            admin=data.admin))  # fmt: skip
    step("region_card", lambda: region_card(data, view))
    places = Gazetteer.default(settings)
    with tempfile.TemporaryDirectory() as tmp:
        if hasattr(mapdata, "pack_and_write"):  # written as packed, as the app does
            files = step("pack_and_write", lambda: mapdata.pack_and_write(
                data.events, tmp, base_url="/x", places=places))  # fmt: skip
        else:  # before it existed: every chunk in memory, then written
            box = {"packed": step("pack_events", lambda: pack_events(data.events, places=places))}
            files = step("write_event_data", lambda: write_event_data(
                box.pop("packed"), tmp, base_url="/x"))  # fmt: skip
        step("release_memory", release_memory)
        m = step("build_map", lambda: build_map(events, view=view, admin=data.admin,
                                                episodes=data.episodes, summary=summary,
                                                places=places, event_data=files))  # fmt: skip
        step("map_html", lambda: map_html(m))


def app(reruns: int, top: int) -> None:
    from streamlit.testing.v1 import AppTest

    os.chdir(ROOT)

    def run() -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=3600)
        at.run()
        if at.exception:
            raise RuntimeError(str(at.exception))
        return at

    at = step("app: first run (cold)", run)
    del at
    times = []
    for _ in range(reruns):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    ROWS.append((f"app: new session, warm (median of {reruns}: "
                 + ", ".join(f"{t:.2f}" for t in times) + ")",
                 statistics.median(times), rss_mb(), peak_mb()))  # fmt: skip
    if top:  # AppTest runs the script in its own thread: profile the threads it starts
        prof = cProfile.Profile()

        def start(*_: Any) -> None:
            sys.setprofile(None)
            prof.enable()

        threading.setprofile(start)
        run()
        threading.setprofile(None)
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
        print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="steps,app")
    parser.add_argument("--reruns", type=int, default=3)
    parser.add_argument("--top", type=int, default=0, help="cProfile lines of a warm run")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import geo._memory

    if hasattr(geo._memory, "use_system_allocator"):  # as app.py does (not before it existed)
        geo._memory.use_system_allocator()
    parts = args.part.split(",")
    if "steps" in parts:
        steps()
    if "app" in parts:
        app(args.reruns, args.top)
    print(f"\nload average {os.getloadavg()[0]:.1f}")
    print("| step | s | RSS after (MB) | peak during (MB) |\n|---|---|---|---|")
    for name, secs, rss, peak in ROWS:
        print(f"| {name} | {secs:.2f} | {rss:,.0f} | {peak:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
