"""The app in a real headless Chromium: markers drawn from local assets, slider, time player.

Starts ``streamlit run app.py`` on a free local port and drives it with Playwright,
using Debian's Chromium (``/usr/bin/chromium``; Playwright's own browser download is
not used). Needs the boundary files (``CONFLICTMAP_BOUNDARIES_DIR``) and the offline
map assets (``conflictmap assets``): without them the test is skipped locally and
fails in CI. A screenshot is written to ``test-artifacts/browser-map.png``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest

from geo.assets import ASSETS_COMMAND, asset_urls
from geo.config import Settings

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CONFLICTMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SERVER_START_S = 90
MAP_DRAWN_S = 90
RERUN_S = 60
PLAY_S = 30

#: Event markers the map has drawn, for the streamlit-folium iframe (``window.map`` is the
#: Leaflet map). The map uses a canvas renderer, so a marker counts when it is on the map
#: *and* its centre pixel on the canvas is painted: a page whose scripts or styles never
#: loaded has no ``L``/``map`` and returns -1.
COUNT_DRAWN_JS = """
() => {
    if (!window.L || !window.map || !window.map._layers) { return -1; }
    const dpr = window.devicePixelRatio || 1;
    let drawn = 0;
    for (const layer of Object.values(window.map._layers)) {
        // event dots: interactive, filled circle markers (halos and period rings are not)
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
TIME_TEXT = "#conflictmap-timeline output.time-text"
PLAY_BUTTON = "#conflictmap-timeline button.play"
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'

T = TypeVar("T")


def _missing(msg: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(what: str, probe: Callable[[], T | None], timeout: float) -> T:
    """Call ``probe`` until it returns something other than None; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = probe()
        except Exception as exc:  # a frame replaced mid-call, a server not up yet
            last_error, value = exc, None
        if value is not None:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what} (last error: {last_error})")


@pytest.fixture(scope="module")
def app_url(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run app.py`` on a free port; always stopped afterwards."""
    if asset_urls(Settings.from_env()) is None:
        _missing(
            "the map's offline assets are not prepared (static/vendor is missing or fails "
            f"its sha256): run `{ASSETS_COMMAND}` first"
        )
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # CONFLICTMAP_* pass through
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        url = f"http://127.0.0.1:{port}"
        try:

            def healthy() -> bool | None:
                if proc.poll() is not None:
                    tail = log_path.read_text(errors="replace")[-2000:]
                    pytest.fail(f"streamlit exited with {proc.returncode}:\n{tail}")
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    return True if r.status == 200 else None

            _wait_for("the Streamlit server", healthy, SERVER_START_S)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _map_frame(page: Any) -> Any:
    frame = page.locator(MAP_IFRAME).last.element_handle(timeout=1000).content_frame()
    return frame


def _drawn(page: Any) -> int | None:
    """Markers drawn in the current map iframe, or None while it is not ready."""
    n = _map_frame(page).evaluate(COUNT_DRAWN_JS)
    return None if n is None or n < 0 else int(n)


def _active_on(day: date) -> int:
    """Curated events whose period covers ``day`` (what the time bar shows that day)."""
    from geo.dataset import load_events_checked

    events, _ = load_events_checked(Settings.from_env())
    starts = events["date_start"].dt.date
    ends = events["date_end"].dt.date
    return int(((starts <= day) & (ends >= day)).sum())


def test_map_draws_follows_the_slider_and_plays(app_url: str, browser: Any) -> None:
    requests: list[str] = []
    failures: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failures.append(f"{r.url} ({r.failure})"))
    page.on(
        "response", lambda r: failures.append(f"{r.url} ({r.status})") if r.status >= 400 else None
    )
    try:
        page.goto(f"{app_url}/?tiles=0", timeout=30_000)

        # 1. the map is drawn, from local copies only
        before = _wait_for(
            "event markers drawn in the map iframe",
            lambda: n if (n := _drawn(page)) else None,
            MAP_DRAWN_S,
        )
        first_day = date.fromisoformat(_map_frame(page).locator(TIME_TEXT).inner_text().strip())
        assert before == _active_on(first_day)
        hosts = {urlsplit(u).hostname for u in requests if u.startswith("http")}
        assert hosts <= {"127.0.0.1"}, f"requests left the machine: {sorted(hosts)}"
        loaded = [u for u in requests if "/app/static/vendor/" in u]
        assert any(u.endswith("/leaflet.js") for u in loaded), "Leaflet was not loaded locally"
        assert failures == [], f"failed requests: {failures}"

        # 2. the period slider (Streamlit, keyboard on the start thumb) reruns the app and
        #    the new map starts two days later, with the events of that day
        thumb = (
            page.locator('[data-testid="stSlider"]')
            .filter(has_text="Period")
            .get_by_role("slider")
            .first
        )
        thumb.focus()
        thumb.press("ArrowRight")
        thumb.press("ArrowRight")
        new_day = first_day + timedelta(days=2)

        def moved() -> int | None:
            frame = _map_frame(page)
            if frame.locator(TIME_TEXT).inner_text().strip() != new_day.isoformat():
                return None
            n = frame.evaluate(COUNT_DRAWN_JS)
            return n if n is not None and n > 0 and n != before else None

        after = _wait_for(f"a map starting on {new_day}", moved, RERUN_S)
        assert after == _active_on(new_day)
        assert after != before

        # 3. play on the time control advances the shown day
        frame = _map_frame(page)
        shown = frame.locator(TIME_TEXT).inner_text().strip()
        frame.locator(PLAY_BUTTON).click()
        later = _wait_for(
            "the time bar to advance",
            lambda: t if (t := frame.locator(TIME_TEXT).inner_text().strip()) > shown else None,
            PLAY_S,
        )
        assert date.fromisoformat(later) > date.fromisoformat(shown)
        assert failures == [], f"failed requests: {failures}"
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / "browser-map.png"), full_page=False)
        finally:
            page.close()
