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


#: Opens the popup of a drawn event marker with claims by clicking it on the canvas:
#: returns the click position (in the frame) of such a marker, or null while none is drawn.
#: ``map`` is ``window.map`` (streamlit-folium) or the folium page's ``map_…`` variable.
MARKER_WITH_CLAIMS_JS = """
(openIt) => {
    const map = window.map || Object.values(window).find((v) => v instanceof L.Map);
    if (!window.L || !map) { return null; }
    const size = map.getSize(), box = map.getContainer().getBoundingClientRect();
    for (const layer of Object.values(map._layers)) {
        if (!(layer instanceof L.CircleMarker) || layer instanceof L.Circle) { continue; }
        if (layer.options.interactive === false || !layer._map) { continue; }
        const f = layer.feature || (layer._eventParents &&
            Object.values(layer._eventParents).map((g) => g.feature).find(Boolean));
        if (!f || !f.properties.cl) { continue; }
        const p = map.latLngToContainerPoint(layer.getLatLng());
        if (p.x < 300 || p.y < 200 || p.x > size.x - 300 || p.y > size.y - 150) { continue; }
        map.closePopup();
        if (openIt) { layer.fire("click", {latlng: layer.getLatLng()}, true); }
        return {x: box.left + p.x, y: box.top + p.y};
    }
    return null;
}
"""
POPUP_TEXT = ".leaflet-popup-content .cm-popup"


def _open_popup(page: Any, frame: Callable[[], Any], *, click: bool = True) -> str:
    """Open the popup of a drawn event marker that has claims; the text it shows.

    ``frame`` gives the frame holding the map *now*: Streamlit may replace the map's
    iframe while the page settles, so it is looked up again on every try rather than
    held. ``click``: by a mouse click on the canvas; else by firing the marker's click
    event in Leaflet. Waits on the real conditions (a marker drawn, the popup visible).
    """

    def opened() -> str | None:
        current = frame()
        spot = current.evaluate(MARKER_WITH_CLAIMS_JS, not click)
        if not spot:
            return None
        if click:
            element = current.frame_element()
            element.scroll_into_view_if_needed()
            spot = current.evaluate(MARKER_WITH_CLAIMS_JS, False)  # after any scroll
            box = element.bounding_box()
            if not spot or not box:
                return None
            page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
        popup = frame().locator(POPUP_TEXT)
        try:
            popup.wait_for(state="visible", timeout=5_000)
        except Exception:  # the map was redrawn under the click: look again
            return None
        return str(popup.inner_text())

    return _wait_for("a drawn marker with claims and its popup", opened, MAP_DRAWN_S)


def test_popup_is_built_on_click_with_claims(app_url: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        # 12-16 July 2020 in Tovuz District: the border fighting (with its claims) is on the
        # map, in the middle of it (with the whole period in view, its marker sits close to
        # the left margin the click avoids, and moved with every event added in Baku)
        page.goto(
            f"{app_url}/?tiles=0&start=2020-07-12&end=2020-07-16&region=Tovuz%20District",
            timeout=30_000,
        )
        _wait_for("event markers drawn", lambda: n if (n := _drawn(page)) else None, MAP_DRAWN_S)
        text = _open_popup(page, lambda: _map_frame(page))
        assert "Claimant" in text and "Figure" in text
        from geo.layers import load_events

        events = load_events([Path(__file__).resolve().parent.parent / "layers"])
        (shown_id,) = [i for i in events.index if f"{i} · " in text]  # the popup's header
        claimants = {c["claimant"] for c in events.loc[shown_id, "claims"]}
        assert claimants and any(c in text for c in claimants)  # who claims it
        claims = text.lower().split("claims\n", 1)[1]  # the h5 is shown upper-case
        assert any(ch.isdigit() for ch in claims.split("sources", 1)[0])  # a figure
        assert "Derived from the claims" in text
    finally:
        page.close()


#: Would set ``window.__pwned`` if it were ever parsed as HTML.
PWN = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`${x}`{{ 1 }}'


def test_hostile_text_shows_as_text_and_never_runs(app_url: str, browser: Any) -> None:
    from geo import render
    from geo.assets import asset_urls
    from geo.layers import episodes_frame, layers_to_frame, parse_layer
    from geo.view import View
    from tests import factories

    feature = factories.event(
        "hostile-2020-07-14-a",
        notes=f"Notes {PWN}",
        claims=[factories.claim(claimant=f"Claimant {PWN}", value=42)],
    )
    layer, problems = parse_layer(factories.layer(feature), origin="hostile.geojson")
    assert problems == [] and layer is not None
    urls = asset_urls(Settings.from_env(), f"{app_url}/app/static/vendor")
    assert urls is not None
    m = render.build_map(
        layers_to_frame([layer]), view=View(tiles=False), episodes=episodes_frame([layer]),
        asset_urls=urls,
    )  # fmt: skip
    html = render.map_html(m)
    assert "<script>window.__pwned" not in html
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        url = f"{app_url}/conflictmap-hostile-test.html"
        page.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
        page.goto(url, timeout=30_000)
        try:
            text = _open_popup(page, lambda: page.main_frame, click=False)
        finally:
            assert errors == [], errors
        assert f"Notes {PWN}" in text
        assert f"Claimant {PWN}" in text  # shown as text, markup and all
        assert "42" in text
        page.hover(".leaflet-popup-content")  # give an injected <img onerror> its chance
        page.wait_for_timeout(500)
        assert page.evaluate("() => typeof window.__pwned") == "undefined"
        assert (
            page.locator(".leaflet-popup-content img, .leaflet-popup-content script").count() == 0
        )
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / "browser-hostile-popup.png"), full_page=False)
        finally:
            page.close()
