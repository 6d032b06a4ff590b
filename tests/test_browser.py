"""The app in a real headless Chromium: markers drawn from local assets, slider, time player.

Starts ``streamlit run app.py`` on a free local port and drives it with Playwright,
using Debian's Chromium (``/usr/bin/chromium``; Playwright's own browser download is
not used). Needs the boundary files (``CONFLICTMAP_BOUNDARIES_DIR``) and the offline
map assets (``conflictmap assets``): without them the test is skipped locally and
fails in CI. A screenshot is written to ``test-artifacts/browser-map.png``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pytest

from geo.config import Settings
from geo.render import AREA_RING_RADIUS_M
from geo.render.assets import ASSETS_COMMAND, asset_urls
from map_frame import TITLE as MAP_FRAME_TITLE

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

#: The map's event canvas layer (``geo/render/js/eventlayer.js``), in the streamlit-folium iframe
#: (``window.map``) or on a folium page (its ``map_…`` variable); null until its data
#: is loaded and drawn: a page whose scripts never loaded has no ``L``.
LAYER_JS = """
const map = window.L && (window.map || Object.values(window).find((v) => v instanceof L.Map));
const layer = map && L.ConflictEvents &&
    Object.values(map._layers).find((l) => l instanceof L.ConflictEvents);
"""
#: Events drawn, as the map container says after each draw; -1 while nothing is drawn.
DRAWN_JS = (
    "() => {"
    + LAYER_JS
    + """
    if (!layer || !layer._grid) { return -1; }
    return Number(map.getContainer().getAttribute("data-events-drawn"));
}"""
)
#: For each ``[lat, lon]``: its position in the map, the RGBA of the canvas pixel there,
#: and whether it is clear (no other event of the period whose dot or ring could paint
#: that pixel), so that an empty pixel there means this event is not drawn, and whether
#: it is alone (no other event's dot reaches it: a click there picks this event).
PROBE_JS = (
    "(points) => {"
    + LAYER_JS
    + """
    if (!layer || !layer._grid) { return null; }
    const d = layer._d, c = d.c, v = layer._view, sel = layer._sel, o = layer.options;
    const z = Math.pow(2, map.getZoom()), ctx = layer._canvas.getContext("2d");
    const box = map.getContainer().getBoundingClientRect();
    const near = [];  // every event of the period, as [x, y, reach, ring]
    for (let i = 0; i < d.n; i++) {
        if (!sel[i] || c.d1[i] < v[0] || c.d0[i] > v[1]) { continue; }
        const q = map.latLngToContainerPoint([c.lat[i], c.lon[i]]);
        const mpp = 40075016.686 * Math.cos(c.lat[i] * Math.PI / 180) / (256 * z);
        const ring = c.g[i] & 4 ? o.areaRing / mpp : (c.g[i] & 3) === 2 ? o.halo / mpp : 0;
        near.push([q.x, q.y, c.r[i] / 10 + 3, ring]);
    }
    return points.map(([lat, lon]) => {
        const p = map.latLngToContainerPoint([lat, lon]);
        const x = Math.round(p.x), y = Math.round(p.y);
        const rgba = Array.from(ctx.getImageData(x, y, 1, 1).data);
        const others = near.filter(([qx, qy, reach, ring]) => {
            const dist = Math.hypot(qx - p.x, qy - p.y);
            return dist > 0.5 && (dist < reach || (ring && dist < ring + 3));
        });
        const dots = others.filter(([qx, qy, reach]) => Math.hypot(qx - p.x, qy - p.y) < reach);
        // events of the period drawn on this very point (the event itself, if in the period)
        const same = near.filter(([qx, qy]) => Math.hypot(qx - p.x, qy - p.y) <= 0.5).length;
        return {x: x, y: y, pageX: box.left + x, pageY: box.top + y, rgba: rgba,
                clear: others.length === 0, alone: dots.length === 0, same: same};
    });
}"""
)
#: Painted canvas pixels on a ring of ``radius`` metres round ``[lat, lon]`` (of 90) and
#: the alpha of its fill halfway in, between the dot and the ring.
RING_JS = (
    "([lat, lon, radius]) => {"
    + LAYER_JS
    + """
    const ctx = layer._canvas.getContext("2d"), c = map.latLngToContainerPoint([lat, lon]);
    const mpp = 40075016.686 * Math.cos(lat * Math.PI / 180) / (256 * Math.pow(2, map.getZoom()));
    const r = radius / mpp;
    let painted = 0;
    for (let k = 0; k < 90; k++) {
        const a = k * Math.PI / 45;
        const x = Math.round(c.x + r * Math.cos(a)), y = Math.round(c.y + r * Math.sin(a));
        if (ctx.getImageData(x, y, 1, 1).data[3] > 0) { painted++; }
    }
    const fill = ctx.getImageData(Math.round(c.x), Math.round(c.y + (r + 12) / 2), 1, 1).data[3];
    return [painted, fill];
}"""
)
TIME_TEXT = "#conflictmap-timeline output.time-text"
PLAY_BUTTON = "#conflictmap-timeline button.play"
MAP_IFRAME = f'iframe[title="{MAP_FRAME_TITLE}"]'

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


def _drawn(frame: Any) -> int | None:
    """Events drawn in a map frame, or None while it is not ready."""
    n = frame.evaluate(DRAWN_JS)
    return None if n is None or n < 0 else int(n)


def _attr(frame: Any, name: str) -> str | None:
    """An attribute of the map's container element."""
    js = "(n) => {" + LAYER_JS + " return map ? map.getContainer().getAttribute(n) : null; }"
    return cast("str | None", frame.evaluate(js, name))


@pytest.fixture(scope="module")
def curated() -> pd.DataFrame:
    from geo.dataset import load_dataset

    return load_dataset(Settings.from_env()).events  # joined, as the app draws them


def _active_on(events: pd.DataFrame, day: date) -> int:
    """Events whose period covers ``day`` (what the time bar shows that day)."""
    return int(((events["date_start"].dt.date <= day) & (events["date_end"].dt.date >= day)).sum())


def _settled(frame: Any) -> None:
    """Wait until the map has stopped redrawing (a rerun may resize or refit it)."""

    def calm() -> bool | None:
        first = _attr(frame, "data-draws")
        time.sleep(0.6)
        moving = frame.evaluate("() => {" + LAYER_JS + " return !!(map && map._animatingZoom); }")
        return (
            True
            if first is not None and _attr(frame, "data-draws") == first and not moving
            else None
        )

    _wait_for("the map to stop redrawing", calm, 30)


def _pixels(frame: Any, events: pd.DataFrame, *, day: date | None, start: date) -> dict[str, int]:
    """Check the canvas at every event that nothing else could paint over; count the kinds.

    Events of the time bar's ``day`` are bright (a marker), the rest of the period from
    ``start`` faint (a small translucent dot), events that ended before ``start`` absent.
    ``day=None``: the time bar's whole period, every event from ``start`` on bright.
    """
    points = events[["latitude", "longitude"]].astype(float).values.tolist()
    _settled(frame)
    probes = frame.evaluate(PROBE_JS, points)
    size = frame.evaluate("() => [innerWidth, innerHeight]")
    seen = {"bright": 0, "faint": 0, "absent": 0}
    for (event_id, row), probe in zip(events.iterrows(), probes, strict=True):
        inside = 0 < probe["x"] < size[0] - 1 and 0 < probe["y"] < size[1] - 1
        first, last = row["date_start"].date(), row["date_end"].date()
        # another event of the period on the very same point paints it too
        shared = probe["same"] > (0 if last < start else 1)
        if not probe["clear"] or shared or not inside:
            continue
        alpha = probe["rgba"][3]
        if last < start:
            assert alpha == 0, f"{event_id} ended before {start} but is drawn ({probe})"
            seen["absent"] += 1
        elif day is None or first <= day <= last:
            assert alpha >= 200, f"{event_id} is on {day} but not drawn bright ({probe})"
            seen["bright"] += 1
        else:
            assert 0 < alpha < 200, f"{event_id} is not on {day} but not faint ({probe})"
            seen["faint"] += 1
    return seen


def test_map_draws_follows_the_slider_and_plays(
    app_url: str, browser: Any, curated: pd.DataFrame
) -> None:
    requests: list[str] = []
    failures: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("request", lambda r: requests.append(r.url))
    # A request the page itself abandons (Streamlit replacing the map's iframe on a rerun
    # while its scripts load) is no serving failure; any other network error or an HTTP
    # error status is.
    page.on(
        "requestfailed",
        lambda r: (
            None if "ERR_ABORTED" in str(r.failure) else failures.append(f"{r.url} ({r.failure})")
        ),
    )
    page.on(
        "response", lambda r: failures.append(f"{r.url} ({r.status})") if r.status >= 400 else None
    )
    try:
        page.goto(f"{app_url}/?tiles=0", timeout=30_000)

        # 1. the map is drawn, from local copies only, on the canvas: until the time bar is
        #    used, every event of the period bright
        before = _wait_for(
            "events drawn in the map iframe",
            lambda: n if (n := _drawn(_map_frame(page))) else None,
            MAP_DRAWN_S,
        )
        frame = _map_frame(page)
        first_day = curated["date_start"].dt.date.min()
        last_day = curated["date_end"].dt.date.max()
        assert before == len(curated)
        assert frame.locator(TIME_TEXT).inner_text().strip() == f"{first_day} to {last_day}"
        assert _attr(frame, "data-period") == f"{first_day}/{last_day}"
        assert frame.locator("#conflictmap-timeline[data-whole-period]").count() == 1
        seen = _pixels(frame, curated, day=None, start=first_day)
        assert seen["bright"] >= 2 and seen["faint"] == 0, seen
        # and every region-level event's area, each region once per episode
        areas = curated[(curated["geo_precision"] == 3) & curated["region_id"].notna()]
        shown = frame.evaluate(
            "() => Object.values(window).filter((v) => v instanceof L.Timeline && v.cmWholeKey)"
            ".reduce((n, t) => n + t.getLayers().length, 0)"
        )
        assert shown == int(areas.groupby("episode")["region_id"].nunique().sum()) > 0
        # an episode's layer switched off in the layer control takes its events away
        episode = curated["episode"].value_counts().index[0]
        title = str(curated.loc[curated["episode"] == episode, "episode_title"].iloc[0])
        box = frame.locator(".leaflet-control-layers label", has_text=title).locator("input")
        box.click()
        fewer = before - int((curated["episode"] == episode).sum())
        _wait_for(f"{fewer} events without {episode}", lambda: _drawn(frame) == fewer or None, 10)
        box.click()
        _wait_for(f"{before} events again", lambda: _drawn(frame) == before or None, 10)
        hosts = {urlsplit(u).hostname for u in requests if u.startswith("http")}
        assert hosts <= {"127.0.0.1"}, f"requests left the machine: {sorted(hosts)}"
        loaded = [u for u in requests if "/app/static/vendor/" in u]
        assert any(u.endswith("/leaflet.js") for u in loaded), "Leaflet was not loaded locally"
        data = [u for u in requests if "/app/static/mapdata/events-" in u]
        assert [u.rsplit(".", 1)[1] for u in data] == ["bin"]  # popup details not yet
        assert failures == [], f"failed requests: {failures}"

        # 2. the period slider (Streamlit, keyboard on the start thumb) reruns the app and
        #    the new map starts three days later: what ended before is gone
        thumb = (
            page.locator('[data-testid="stSlider"]')
            .filter(has_text="Period")
            .get_by_role("slider")
            .first
        )
        thumb.focus()
        # three days on (15 July 2020): the Sumgayit rally of the 14th has ended, and no
        # event of the new period lies near it, so its pixels must be empty
        for _ in range(3):
            thumb.press("ArrowRight")
        new_day = first_day + timedelta(days=3)

        def moved() -> int | None:
            frame = _map_frame(page)
            if frame.locator(TIME_TEXT).inner_text().strip() != f"{new_day} to {last_day}":
                return None
            if _attr(frame, "data-period") != f"{new_day}/{last_day}":
                return None
            return _drawn(frame)

        after = _wait_for(f"a map starting on {new_day}", moved, RERUN_S)
        assert after == int((curated["date_end"].dt.date >= new_day).sum())
        assert after != before
        frame = _map_frame(page)
        seen = _pixels(frame, curated, day=None, start=new_day)
        assert seen["bright"] >= 1 and seen["absent"] >= 1, seen

        # 3. play on the time control shows the period's first day, then the next ones,
        #    the day's events bright and the rest faint
        frame.evaluate(
            "() => {"
            + LAYER_JS
            + """
            const box = map.getContainer();
            window.__periods = [];
            new MutationObserver(() => window.__periods.push(box.getAttribute("data-period")))
                .observe(box, {attributes: true, attributeFilter: ["data-period"]});
        }"""
        )
        frame.locator(PLAY_BUTTON).click()
        _wait_for(
            "the time bar to leave the whole period",
            lambda: frame.locator("#conflictmap-timeline[data-whole-period]").count() == 0 or None,
            PLAY_S,
        )
        later = _wait_for(
            "the time bar to advance",
            lambda: (
                t
                if (t := frame.locator(TIME_TEXT).inner_text().strip()) > new_day.isoformat()
                and " " not in t
                else None
            ),
            PLAY_S,
        )
        assert date.fromisoformat(later) > new_day
        period = _wait_for(
            "the canvas to follow the time bar",
            lambda: (
                p
                if (p := str(_attr(frame, "data-period"))).split("/")[0] > new_day.isoformat()
                and p.split("/")[0] == p.split("/")[1]
                else None
            ),
            PLAY_S,
        )
        assert period.split("/")[0] > new_day.isoformat()
        # the first day was shown first, not skipped
        days = frame.evaluate(
            "() => window.__periods.filter((p) => p.split('/')[0] === p.split('/')[1])"
        )
        assert days[0] == f"{new_day}/{new_day}", days
        assert failures == [], f"failed requests: {failures}"
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / "browser-map.png"), full_page=False)
        finally:
            page.close()


#: The map-period bar (``map_period.py``): a component iframe under the map.
PERIOD_BAR = 'iframe[title="map_period.conflictmap_map_period"]'
#: Moves the map's time bar (the Leaflet.timeline control) to a day, as dragging it does.
SET_TIME_JS = """(day) => {
    const control = Object.values(window)
        .find((v) => L.TimelineSliderControl && v instanceof L.TimelineSliderControl);
    control.setTime(Date.parse(day));
}"""


def test_the_tables_follow_the_map_period_on_one_click(
    app_url: str, browser: Any, curated: pd.DataFrame
) -> None:
    """The map's time bar changes no table until "Use the map's period"; then all follow."""
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    try:
        page.goto(f"{app_url}/?tiles=0", timeout=30_000)
        _wait_for("events drawn", lambda: _drawn(_map_frame(page)), MAP_DRAWN_S)
        # the sidebar follows the map's first draw (page_after_map.py): use a page at rest
        page.locator('[data-testid="stSidebar"] .stSlider').wait_for(timeout=RERUN_S * 1000)
        _idle(page)
        bar = page.locator(PERIOD_BAR)
        bar.wait_for(state="attached", timeout=30_000)
        first = curated["date_start"].dt.date.min()
        last = curated["date_end"].dt.date.max()

        def metric() -> int:
            box = page.locator('[data-testid="stMetric"]', has_text="Events in view")
            return int(box.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))

        assert metric() == len(curated)
        # the time bar moves in the browser: the map redraws, the script does not rerun
        # (each step re-finds the frames: a late rerun of the page may replace them)
        day = date(2020, 7, 14)

        def on_day() -> bool | None:
            frame = _map_frame(page)
            frame.evaluate(SET_TIME_JS, day.isoformat())
            return _attr(frame, "data-period") == f"{day}/{day}" or None

        _wait_for("the map on the day", on_day, 30)
        body = _wait_for(
            "the period bar's frame",
            lambda: bar.element_handle(timeout=1000).content_frame().locator("body"),
            30,
        )
        _wait_for(
            "the bar to hear the map's period",
            lambda: body.get_attribute("data-map-period") == f"{day}/{day}" or None,
            10,
        )
        assert body.get_attribute("data-tables-period") == f"{first}/{last}"
        text = body.inner_text()
        assert f"Totals and tables: {first} to {last}" in text and f"shows {day}" in text
        assert metric() == len(curated)  # the tables still have the sidebar's period
        # one click: the sidebar, URL, totals and the map all take the map's period
        body.get_by_role("button", name="Use the map's period").click()
        # (Streamlit replaces the URL's query in place: read it from the page)
        href = _wait_for(
            "the URL to carry the day",
            lambda: h if f"start={day}" in (h := str(page.evaluate("location.href"))) else None,
            RERUN_S,
        )
        assert f"end={day}" in href
        _wait_for(
            "the totals of the day",
            lambda: metric() == _active_on(curated, day) or None,
            RERUN_S,
        )

        def new_bar() -> bool | None:
            inner = page.locator(PERIOD_BAR).element_handle().content_frame().locator("body")
            return inner.get_attribute("data-tables-period") == f"{day}/{day}" or None

        _wait_for("the bar to say the tables use the day", new_bar, RERUN_S)
        _wait_for(
            "a map of the day",
            lambda: _attr(_map_frame(page), "data-period") == f"{day}/{day}" or None,
            MAP_DRAWN_S,
        )
    finally:
        page.close()


POPUP_TEXT = ".leaflet-popup-content .cm-popup"


def _click_event(page: Any, frame: Any, events: pd.DataFrame, *, offset: Any = None) -> str:
    """Click the first drawn event of ``events`` that no other dot touches; its event id.

    Fails when there is none (then the test's events need changing).
    """
    points = events[["latitude", "longitude"]].astype(float).values.tolist()
    _wait_for("the event canvas", lambda: frame.evaluate(PROBE_JS, points), 30)
    _settled(frame)
    probes = frame.evaluate(PROBE_JS, points)
    box = offset or {"x": 0, "y": 0}
    for event_id, probe in zip(events.index, probes, strict=True):
        # alone: no other dot touches it, and no other event is drawn on the same point
        if probe["alone"] and probe["same"] <= 1 and probe["rgba"][3] >= 200:
            page.mouse.click(box["x"] + probe["pageX"], box["y"] + probe["pageY"])
            return str(event_id)
    pytest.fail(f"no clear drawn event to click among {list(events.index)}")


def test_an_episode_expander_gets_its_claims_when_opened(app_url: str, browser: Any) -> None:
    """Closed, an episode's expander holds nothing; opening it brings its summary and claims
    (the section reruns alone: the map is not drawn again)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    try:
        page.goto(f"{app_url}/?tiles=0", timeout=30_000)
        _wait_for("events drawn", lambda: _drawn(_map_frame(page)), MAP_DRAWN_S)
        box = page.locator('[data-testid="stExpander"]', has_text="Tovuz–Tavush border clashes")
        box.wait_for(timeout=30_000)
        assert "at least 16" not in box.inner_text()
        frame = _map_frame(page)
        frame.evaluate("() => { window.__sameMap = true; }")
        box.locator("summary").click()
        _wait_for("the episode's claims", lambda: "at least 16" in box.inner_text() or None, 30)
        assert "Five days of fighting" in box.inner_text()  # the episode's summary
        assert _map_frame(page).evaluate("() => window.__sameMap === true")
    finally:
        page.close()


def test_popup_is_fetched_on_click_with_claims(
    app_url: str, browser: Any, curated: pd.DataFrame
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        # 12 July 2020: the Tovuz and Tavush border fighting is on the map
        page.goto(f"{app_url}/?tiles=0&start=2020-07-12&end=2020-07-16", timeout=30_000)
        _wait_for("events drawn", lambda: n if (n := _drawn(_map_frame(page))) else None,
                  MAP_DRAWN_S)  # fmt: skip
        frame = _map_frame(page)
        day = date(2020, 7, 12)
        on_day = curated[
            (curated["date_start"].dt.date <= day)
            & (curated["date_end"].dt.date >= day)
            & curated["claims"].map(bool)
        ]
        event_id = _click_event(page, frame, on_day, offset=frame.frame_element().bounding_box())
        tooltip = frame.locator(".leaflet-tooltip")  # the mouse is on it: its short text
        tooltip.wait_for(state="visible", timeout=10_000)
        row = on_day.loc[event_id]
        assert str(tooltip.inner_text()).startswith(row["date_start"].date().isoformat())
        assert str(row["location"]) in str(tooltip.inner_text())
        popup = frame.locator(POPUP_TEXT)
        popup.wait_for(state="visible", timeout=10_000)
        text = str(popup.inner_text())
        assert event_id in text
        assert "Claimant" in text and "Figure" in text
        for claim in on_day.loc[event_id, "claims"]:  # every claimant of the event
            assert str(claim["claimant"]) in text
        claims = text.lower().split("claims\n", 1)[1]  # the h5 is shown upper-case
        assert any(ch.isdigit() for ch in claims.split("sources", 1)[0])  # a figure
        assert "Derived from the claims" in text
        assert any(u.endswith(".json") and "/app/static/mapdata/events-" in u for u in requests)
    finally:
        page.close()


def _serve(page: Any, url: str, folder: Path) -> None:
    """Answer requests under ``url`` from the files in ``folder`` (404 for others)."""

    def handle(route: Any) -> None:
        path = folder / urlsplit(route.request.url).path[len(urlsplit(url).path) :]
        if path.is_file() and folder in path.resolve().parents:
            route.fulfill(body=path.read_bytes(), content_type="application/octet-stream")
        else:
            route.fulfill(status=404, body="not found")

    page.route(f"{url}**", handle)


def _files_page(
    app_url: str, events: pd.DataFrame, episodes: pd.DataFrame, folder: Path, view: Any = None
) -> str:
    """The map page of ``events`` drawn from map data files written to ``folder``."""
    from geo import render
    from geo.render import mapdata
    from geo.view import View

    files = mapdata.write_event_data(
        mapdata.pack_events(events), folder, base_url=f"{app_url}/test-mapdata"
    )
    urls = asset_urls(Settings.from_env(), f"{app_url}/app/static/vendor")
    assert urls is not None
    m = render.build_map(
        events, view=view or View(tiles=False), episodes=episodes, asset_urls=urls,
        event_data=files,
    )  # fmt: skip
    return render.map_html(m)


#: Would set ``window.__pwned`` if it were ever parsed as HTML.
PWN = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`${x}`{{ 1 }}'


def test_hostile_text_shows_as_text_and_never_runs(
    app_url: str, browser: Any, tmp_path: Path
) -> None:
    from geo.layers import episodes_frame, layers_to_frame, parse_layer
    from tests import factories

    feature = factories.event(
        "hostile-2020-07-14-a",
        notes=f"Notes {PWN}",
        claims=[factories.claim(claimant=f"Claimant {PWN}", value=42)],
    )
    layer, problems = parse_layer(factories.layer(feature), origin="hostile.geojson")
    assert problems == [] and layer is not None
    events = layers_to_frame([layer])
    html = _files_page(app_url, events, episodes_frame([layer]), tmp_path)
    assert "<script>window.__pwned" not in html and "__pwned" not in html
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        url = f"{app_url}/conflictmap-hostile-test.html"
        page.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
        _serve(page, f"{app_url}/test-mapdata/", tmp_path)
        page.goto(url, timeout=30_000)
        frame = page.main_frame
        _wait_for("the event drawn", lambda: n if (n := _drawn(frame)) else None, 30)
        try:
            assert _click_event(page, frame, events) == "hostile-2020-07-14-a"
            popup = frame.locator(POPUP_TEXT)
            popup.wait_for(state="visible", timeout=10_000)
            text = str(popup.inner_text())
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


SYNTHETIC_N = 100_000


def synthetic(events: pd.DataFrame, n: int, *, seed: int = 0) -> pd.DataFrame:
    """``n`` curated events under new ids, re-dated in 2020-2024, moved by up to 0.05°."""
    rng = np.random.default_rng(seed)
    frame = events.iloc[rng.integers(0, len(events), size=n)].copy()
    first = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 5 * 365, n), unit="D")
    span = (frame["date_end"] - frame["date_start"]).clip(upper=pd.Timedelta(days=30))
    frame["date_start"] = first
    frame["date_end"] = first + span.to_numpy()
    frame["longitude"] = frame["longitude"].to_numpy() + rng.uniform(-0.05, 0.05, n)
    frame["latitude"] = frame["latitude"].to_numpy() + rng.uniform(-0.05, 0.05, n)
    frame.index = pd.Index([f"synth-{i:06d}" for i in range(n)], name=events.index.name)
    return frame


#: Set a period in the map's event layer, then (optionally) centre on a point at a zoom;
#: the container's data attributes after the redraw.
PERIOD_JS = (
    "([from, to, at]) => {"
    + LAYER_JS
    + """
    layer.setPeriod(from, to);
    if (at) { map.setView([at[0], at[1]], at[2], {animate: false}); }
    const box = map.getContainer(), out = {};
    for (const a of box.attributes) { if (a.name.startsWith("data-")) { out[a.name] = a.value; } }
    return out;
}"""
)


def test_100k_events_drawn_filtered_in_the_browser_and_popups(
    app_url: str,
    browser: Any,
    curated: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from geo.dataset import load_dataset
    from geo.render import mapdata

    episodes = load_dataset(Settings.from_env()).episodes
    events = synthetic(curated, SYNTHETIC_N)
    # written gzipped, as a set of 10^6 is (the layer inflates it): the path large sets take
    monkeypatch.setattr(mapdata, "GZIP_FROM_BYTES", 0)
    html = _files_page(app_url, events, episodes, tmp_path)
    assert [p.suffix for p in tmp_path.glob("events-*.bin*")] == [".gz"]
    assert len(html.encode()) < 300_000  # the page carries no event
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        url = f"{app_url}/conflictmap-100k-test.html"
        page.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
        _serve(page, f"{app_url}/test-mapdata/", tmp_path)
        page.goto(url, timeout=60_000)
        frame = page.main_frame
        _wait_for("events drawn", lambda: n if (n := _drawn(frame)) else None, MAP_DRAWN_S)

        # a year in the browser: every event of it counted, in cells that add up
        in_2021 = (events["date_start"] <= "2021-12-31") & (events["date_end"] >= "2021-01-01")
        attrs = frame.evaluate(PERIOD_JS, ["2021-01-01", "2021-12-31", None])
        assert attrs["data-period"] == "2021-01-01/2021-12-31"
        assert int(attrs["data-events-filtered"]) == int(in_2021.sum()) > 10_000
        assert attrs["data-aggregated"] == "1"
        assert attrs["data-cell-total"] == attrs["data-events-drawn"]
        assert int(attrs["data-events-drawn"]) == int(in_2021.sum())  # all in the view
        sample = events[in_2021].iloc[:200]
        probes = frame.evaluate(PROBE_JS, sample[["latitude", "longitude"]].values.tolist())
        assert all(p["rgba"][3] > 0 for p in probes)  # a dot (or its count) at each

        # zoomed in, one event: drawn in its year, gone in the next, its popup opens
        only_2021 = events[
            (events["date_start"] >= "2021-02-01") & (events["date_end"] <= "2021-11-30")
        ]
        checked = None
        # events placed at their own place (no halo or ring of their own), away from others
        exact = only_2021[only_2021["geo_precision"] == 1]
        for event_id, row in exact.iloc[:100].iterrows():
            at = [float(row["latitude"]), float(row["longitude"]), 13]
            point = [[at[0], at[1]]]
            frame.evaluate(PERIOD_JS, ["2021-01-01", "2021-12-31", at])
            (inside,) = frame.evaluate(PROBE_JS, point)
            attrs = frame.evaluate(PERIOD_JS, ["2022-01-01", "2022-12-31", at])
            (outside,) = frame.evaluate(PROBE_JS, point)
            if inside["clear"] and outside["clear"]:
                assert inside["rgba"][3] >= 200, (event_id, inside)
                assert outside["rgba"][3] == 0, (event_id, outside)
                assert attrs["data-aggregated"] == "0"
                checked = event_id
                break
        assert checked is not None, "no event clear enough to check its pixels"

        in_2022 = events[
            (events["date_start"] >= "2022-02-01")
            & (events["date_end"] <= "2022-11-30")
            & events["claims"].map(bool)
        ]
        row = in_2022.iloc[0]
        frame.evaluate(
            PERIOD_JS,
            ["2022-01-01", "2022-12-31", [float(row["latitude"]), float(row["longitude"]), 15]],
        )
        event_id = _click_event(page, frame, in_2022.iloc[:1])
        popup = frame.locator(POPUP_TEXT)
        popup.wait_for(state="visible", timeout=10_000)
        text = str(popup.inner_text())
        assert event_id in text and "Claimant" in text
        claimant = str(row["claims"][0]["claimant"])
        assert claimant in text
        assert errors == [], errors
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / "browser-100k.png"), full_page=False)
        finally:
            page.close()


def test_a_data_file_that_cannot_be_fetched_is_reported(
    app_url: str, browser: Any, curated: pd.DataFrame, tmp_path: Path
) -> None:
    from geo.dataset import load_dataset

    episodes = load_dataset(Settings.from_env()).episodes
    html = _files_page(app_url, curated, episodes, tmp_path)
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    try:
        url = f"{app_url}/conflictmap-missing-test.html"
        page.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
        for binary in tmp_path.glob("events-*.bin"):
            binary.unlink()  # the layer's script is served, its data file is gone
        _serve(page, f"{app_url}/test-mapdata/", tmp_path)
        page.goto(url, timeout=30_000)
        error = _wait_for(
            "the error on the map", lambda: _attr(page.main_frame, "data-events-error"), 30
        )
        assert ".bin: HTTP 404" in error
        assert _attr(page.main_frame, "data-events-drawn") is None
    finally:
        page.close()


def test_the_wide_ring_of_an_area_only_event_is_drawn(
    app_url: str, browser: Any, curated: pd.DataFrame, tmp_path: Path
) -> None:
    from geo.dataset import load_dataset
    from geo.view import View, apply_view

    day = date(2023, 9, 19)  # the offensive in Nagorno-Karabakh: located only to the area
    view = View(start=day, end=day, tiles=False)
    shown = apply_view(curated, view)
    area = shown[shown["join_method"] == "area"]
    assert len(area), "the curated set has an area-only event on 19 September 2023"
    html = _files_page(
        app_url, shown, load_dataset(Settings.from_env()).episodes, tmp_path, view=view
    )
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    try:
        url = f"{app_url}/conflictmap-ring-test.html"
        page.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
        _serve(page, f"{app_url}/test-mapdata/", tmp_path)
        page.goto(url, timeout=30_000)
        frame = page.main_frame
        assert _wait_for("events drawn", lambda: _drawn(frame) or None, 30) == len(shown)
        lat, lon = float(area["latitude"].iloc[0]), float(area["longitude"].iloc[0])
        on_ring, inside = frame.evaluate(RING_JS, [lat, lon, AREA_RING_RADIUS_M])
        assert on_ring >= 6, on_ring  # of 90 points round the ring: the dashes' share
        assert inside > 0  # its faint fill
        off_ring, _ = frame.evaluate(RING_JS, [lat, lon, 2 * AREA_RING_RADIUS_M])
        assert off_ring < on_ring  # a ring of that radius, not paint everywhere
    finally:
        page.close()


# --- the teacher's view: region focus, presentation mode, keyboard only (issue 13) -----------

#: Screenshots of the teacher's path; CONFLICTMAP_SCREENSHOTS puts them elsewhere.
SCREENSHOTS = Path(os.environ.get("CONFLICTMAP_SCREENSHOTS") or ARTIFACTS / "screenshots")
JULY_2020 = "start=2020-07-12&end=2020-07-16"
#: What the map shows: its bounds, the focused region, the period drawn, the time bar.
MAP_VIEW_JS = """() => {
    const map = window.L && (window.map || Object.values(window).find((v) => v instanceof L.Map));
    if (!map || !map.getContainer().getAttribute("data-draws")) { return null; }
    const b = map.getBounds(), box = map.getContainer();
    return {south: b.getSouth(), west: b.getWest(), north: b.getNorth(), east: b.getEast(),
            focus: box.getAttribute("data-focus"), period: box.getAttribute("data-period"),
            timeBar: !!document.getElementById("conflictmap-timeline"),
            choropleth: !!document.getElementById("conflictmap-choropleth-legend")};
}"""
#: The focused element: what it is, what it says, and its outline (the focus ring).
FOCUSED_JS = """() => {
    const a = document.activeElement;
    if (!a) { return null; }
    const st = a.closest('[data-testid^="st"]'), style = getComputedStyle(a);
    return {tag: a.tagName, aria: a.getAttribute("aria-label"), cls: String(a.className),
            text: (a.textContent || "").trim().slice(0, 120), title: a.getAttribute("title"),
            valuetext: a.getAttribute("aria-valuetext"),
            testid: st ? st.getAttribute("data-testid") : null,
            outline: [style.outlineStyle, parseFloat(style.outlineWidth) || 0]};
}"""


def _shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=False)
    return path


@pytest.fixture(scope="module")
def tavush_bbox() -> tuple[float, float, float, float]:
    """Tavush marz's (south, west, north, east) from the boundary files themselves."""
    from geo.dataset import load_dataset

    admin = load_dataset(Settings.from_env()).admin
    assert admin is not None
    rows = admin.regions[admin.regions["region"] == "Tavush"]
    assert len(rows) == 1
    west, south, east, north = (float(v) for v in rows.to_crs("EPSG:4326").total_bounds)
    return south, west, north, east


def _idle(page: Any) -> None:
    """Wait until the app has finished running (Streamlit's status widget gone for 1 s).

    A click on a widget while a rerun is on its way (on a first page, the one the map's
    first draw asks for: page_after_map.py) can be merged into it and lost, as for any
    Streamlit widget; a person clicks on a page at rest. The map's own frame sends
    nothing before a click (test_a_first_click_on_the_choropleth_right_after_it_is_drawn_…).
    """

    def calm() -> bool | None:
        status = page.locator('[data-testid="stStatusWidget"]')
        if status.count():
            return None
        time.sleep(1)
        return True if status.count() == 0 else None

    _wait_for("the app to finish running", calm, RERUN_S)


def _press(page: Any, name: str, done: Callable[[], bool]) -> None:
    """Click the button ``name`` until ``done()`` holds (three tries, 15 s each).

    Streamlit can merge a click into a rerun the map's component asks for as it loads,
    and the click is then lost; a person clicks again, and so does this.
    """
    for _ in range(3):
        _idle(page)
        button = page.get_by_role("button", name=name, exact=True)
        if button.count():
            button.click()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if done():
                return
            time.sleep(0.25)
    pytest.fail(f"the button {name!r} did not take effect")


def _map_view(page: Any) -> dict[str, Any] | None:
    return cast("dict[str, Any] | None", _map_frame(page).evaluate(MAP_VIEW_JS))


def _focused_on(page: Any, region: str | None) -> dict[str, Any]:
    return _wait_for(
        f"the map focused on {region or 'both countries'}",
        lambda: v if (v := _map_view(page)) and v["focus"] == region else None,
        RERUN_S,
    )


def _assert_fills(view: dict[str, Any], bbox: tuple[float, float, float, float]) -> None:
    """The region is wholly in view and fills most of it in at least one dimension."""
    south, west, north, east = bbox
    tol = 1e-3
    assert view["south"] <= south + tol and view["north"] >= north - tol, (view, bbox)
    assert view["west"] <= west + tol and view["east"] >= east - tol, (view, bbox)
    tall = (north - south) / (view["north"] - view["south"])
    wide = (east - west) / (view["east"] - view["west"])
    assert max(tall, wide) >= 0.5, (tall, wide)
    assert min(tall, wide) >= 1 / 3, (tall, wide)  # the view is within a small factor of it


def test_choosing_tavush_zooms_the_map_to_it_in_both_modes(
    app_url: str, browser: Any, tavush_bbox: tuple[float, float, float, float]
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{app_url}/?tiles=0&{JULY_2020}", timeout=30_000)
        _wait_for("events drawn", lambda: _drawn(_map_frame(page)) or None, MAP_DRAWN_S)
        whole = _focused_on(page, None)
        _idle(page)
        region = page.locator('[data-testid="stSelectbox"]').filter(has_text="Region").first
        region.click()
        page.get_by_role("option", name="Tavush", exact=True).click()
        view = _focused_on(page, "Tavush")
        _assert_fills(view, tavush_bbox)
        assert view["north"] - view["south"] < (whole["north"] - whole["south"]) / 2
        assert "region=Tavush" in page.url
        _shot(page, "teacher-1-tavush-events.png")

        _idle(page)
        page.get_by_text("Regions choropleth", exact=True).click()
        view = _wait_for(
            "the choropleth of Tavush",
            lambda: v if (v := _map_view(page)) and v["choropleth"] and v["focus"] else None,
            RERUN_S,
        )
        assert view["focus"] == "Tavush"
        _assert_fills(view, tavush_bbox)
        assert not view["timeBar"]  # no control that changes nothing
        assert "mode=regions" in page.url and "region=Tavush" in page.url
        _shot(page, "teacher-2-tavush-choropleth.png")

        _idle(page)
        region.click()
        page.get_by_role("option", name="All", exact=True).click()
        view = _focused_on(page, None)
        assert view["north"] - view["south"] > 3 * (tavush_bbox[2] - tavush_bbox[0])
        assert "region=" not in page.url
    finally:
        page.close()


#: The admin outlines of the map: where they came from and how many are drawn.
BOUNDARIES_JS = """() => {
    const map = window.L && (window.map || Object.values(window).find((v) => v instanceof L.Map));
    if (!map) { return null; }
    let drawn = 0;
    map.eachLayer((l) => {
        if (l instanceof L.Polygon && l.options.pane === "cmBoundaries") { drawn++; }
    });
    return {state: map.getContainer().getAttribute("data-boundaries"), drawn};
}"""


#: When the map frame fetched the events file and the outlines file (Resource Timing, ms).
FETCH_TIMES_JS = """() => {
    const t = (part) => performance.getEntriesByType("resource")
        .filter((e) => e.name.includes(part))
        .map((e) => ({start: e.startTime, end: e.responseEnd}));
    return {events: t("/mapdata/events-"), boundaries: t("/mapdata/boundaries-")};
}"""


def test_the_events_are_drawn_before_the_outlines_are_fetched(app_url: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{app_url}/?tiles=0", timeout=30_000)
        _wait_for("events drawn", lambda: _drawn(_map_frame(page)), MAP_DRAWN_S)
        _wait_for(
            "the admin outlines",
            lambda: b if (b := _map_frame(page).evaluate(BOUNDARIES_JS))["state"] else None,
            MAP_DRAWN_S,
        )
        times = _map_frame(page).evaluate(FETCH_TIMES_JS)
        (events_bin,) = [e for e in times["events"] if e["end"] > 0][:1]
        (outlines,) = times["boundaries"]
        assert outlines["start"] >= events_bin["end"], times
    finally:
        page.close()


#: The layer list's state, and a popup opened at a point of the map's container (or closed).
LAYERS_JS = (
    "([x, y]) => {"
    + LAYER_JS
    + """
    const box = map.getContainer().querySelector(".leaflet-control-layers");
    if (x !== null) {
        L.popup().setLatLng(map.containerPointToLatLng([x, y]))
            .setContent("A popup, long enough to be as wide as an event's popup is.").openOn(map);
    } else {
        map.closePopup();
    }
    const r = box.getBoundingClientRect(), c = map.getContainer().getBoundingClientRect();
    return {open: box.classList.contains("leaflet-control-layers-expanded"),
            folded: box.getAttribute("data-folded-for-popup"),
            x: r.left - c.left, y: r.top - c.top, w: r.width, h: r.height,
            mapW: c.width, mapH: c.height};
}"""
)
LAYERS_STATE_JS = (
    "() => {"
    + LAYER_JS
    + """
    const box = map.getContainer().querySelector(".leaflet-control-layers");
    return {open: box.classList.contains("leaflet-control-layers-expanded"),
            folded: box.getAttribute("data-folded-for-popup")};
}"""
)


def test_the_layer_list_folds_while_a_popup_would_be_under_it(app_url: str, browser: Any) -> None:
    """A popup under the open layer list folds the list to its icon; closing the popup
    unfolds it; a popup elsewhere leaves it open; the icon opens a folded list again."""
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    try:
        page.goto(f"{app_url}/?tiles=0", timeout=30_000)
        _wait_for("events drawn", lambda: _drawn(_map_frame(page)), MAP_DRAWN_S)
        frame = _map_frame(page)
        before = frame.evaluate(LAYERS_JS, [None, None])
        assert before["open"] and before["w"] > 100 and before["h"] > 60, before  # open
        # a popup whose tip is in the list's lower left quarter: it would be under the list
        under = [before["x"] + before["w"] / 4, before["y"] + before["h"] * 0.75]
        frame.evaluate(LAYERS_JS, under)
        state = _wait_for(
            "the list folded",
            lambda: s if (s := frame.evaluate(LAYERS_STATE_JS))["folded"] else None,
            10,
        )
        assert not state["open"]
        assert frame.locator(".leaflet-popup").count() == 1
        frame.evaluate(LAYERS_JS, [None, None])  # closed: the list comes back
        assert frame.evaluate(LAYERS_STATE_JS) == {"open": True, "folded": None}
        # the list keeps to the top right: at most 45% of the map's width, lines wrapped
        assert before["x"] >= before["mapW"] * 0.5, before
        assert before["w"] <= before["mapW"] * 0.45 + 1, before
        frame.evaluate(LAYERS_JS, [120, before["mapH"] - 20])  # bottom left: not near it
        page.wait_for_timeout(500)  # any pan has ended
        assert frame.evaluate(LAYERS_STATE_JS) == {"open": True, "folded": None}
        frame.evaluate(LAYERS_JS, [None, None])
        frame.evaluate(LAYERS_JS, under)  # folded again, then opened with its icon
        _wait_for("folded", lambda: frame.evaluate(LAYERS_STATE_JS)["folded"], 10)
        toggle = frame.locator(".leaflet-control-layers-toggle")
        assert toggle.evaluate("(a) => getComputedStyle(a).backgroundImage").endswith(
            'layers.png")'
        )  # the icon a reader clicks, from the pinned Leaflet files
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "layer-list-folded.png"))
        toggle.click()
        assert frame.evaluate(LAYERS_STATE_JS)["open"]
    finally:
        page.close()


def test_a_second_page_draws_from_the_browsers_cache_without_asking(
    app_url: str, browser: Any
) -> None:
    """geo/render/_immutable.py: the events file, the layer script and the map's libraries
    are kept by the browser (Streamlit's static route sends no Cache-Control and answers
    a revalidation with the whole file), so a new page of the same browser draws without
    fetching them again."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{app_url}/?tiles=0", timeout=30_000)
        _wait_for("events drawn", lambda: _drawn(_map_frame(page)), MAP_DRAWN_S)
        _wait_for(  # fetched after the first draw: in the cache before the page closes
            "the admin outlines",
            lambda: b if (b := _map_frame(page).evaluate(BOUNDARIES_JS))["state"] else None,
            MAP_DRAWN_S,
        )
        page.close()
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        urls: dict[str, str] = {}
        cached: set[str] = set()
        network: dict[str, int] = {}
        cdp.on(
            "Network.requestWillBeSent",
            lambda e: urls.setdefault(e["requestId"], e["request"]["url"]),
        )
        cdp.on("Network.requestServedFromCache", lambda e: cached.add(e["requestId"]))

        def received(e: dict[str, Any]) -> None:
            r = e["response"]
            if r.get("fromDiskCache") or r.get("fromPrefetchCache"):
                cached.add(e["requestId"])
            else:
                network[e["requestId"]] = int(r["status"])

        cdp.on("Network.responseReceived", received)
        page.goto(f"{app_url}/?tiles=0", timeout=30_000)
        assert _wait_for("events drawn", lambda: _drawn(_map_frame(page)), MAP_DRAWN_S) > 0
        ours = {rid: u for rid, u in urls.items() if "/app/static/" in u}
        kept = sorted(
            urlsplit(u).path.rsplit("/", 1)[1] for rid, u in ours.items() if rid in cached
        )
        fetched = sorted(
            (urlsplit(u).path, network[rid])
            for rid, u in ours.items()
            if rid in network and rid not in cached
        )
        assert fetched == []
        assert any(name.startswith("events-") and name.endswith(".bin") for name in kept), kept
        assert any(name.startswith("eventlayer-") for name in kept), kept
        assert "leaflet.js" in kept, kept
    finally:
        context.close()


#: Records, in the page, whether the region card was laid out when the map first drew.
CARD_AT_DRAW_JS = """
window.addEventListener("conflictmap-drawn", () => {
    window.__cardAtDraw = !!document.querySelector(".st-key-region-card");
    window.__sliderAtDraw = !!document.querySelector('[data-testid="stSidebar"] .stSlider');
});
"""


def test_the_page_under_the_map_is_laid_out_after_the_map_draws(app_url: str, browser: Any) -> None:
    """page_after_map.py: the map tells the page its first draw, then the rest comes."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.add_init_script(CARD_AT_DRAW_JS)
        page.goto(f"{app_url}/?tiles=0", timeout=30_000)
        _wait_for("events drawn", lambda: _drawn(_map_frame(page)), MAP_DRAWN_S)
        _map_frame(page).evaluate("window.__cmFirstFrame = true")
        page.locator(".st-key-region-card").wait_for(state="visible", timeout=RERUN_S * 1000)
        page.get_by_text("Events in view", exact=True).last.wait_for(timeout=RERUN_S * 1000)
        page.get_by_text("Episode-wide claims", exact=True).wait_for(timeout=RERUN_S * 1000)
        assert page.evaluate("window.conflictmapDrawn") is True
        assert page.evaluate("window.__cardAtDraw") is False  # told before the card existed
        assert page.evaluate("window.__sliderAtDraw") is False  # and the sidebar's widgets
        page.locator('[data-testid="stSidebar"] .stSlider').wait_for(timeout=RERUN_S * 1000)
        # the full page came by running the script again: the map's frame stayed
        assert _map_frame(page).evaluate("window.__cmFirstFrame") is True
    finally:
        page.close()


def _map_messages(payloads: list[bytes]) -> tuple[list[str], list[str]]:
    """Of the server's websocket messages: the hashes of those carrying the map's page, and
    the hashes that messages referred to instead of sending them again (``ref_hash``)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    pages, refs = [], []
    for payload in payloads:
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        if msg.WhichOneof("type") == "ref_hash":
            refs.append(msg.ref_hash)
        elif msg.WhichOneof("type") == "delta" and msg.delta.HasField("new_element"):
            element = msg.delta.new_element
            if element.WhichOneof("type") == "component_instance" and (
                element.component_instance.component_name == MAP_FRAME_TITLE
            ):
                pages.append(msg.hash)
    return pages, refs


def _websocket_messages(context: Any, page: Any, way: str) -> list[bytes]:
    """The binary websocket messages ``page`` will have ``way`` ("Received" or "Sent"),
    decoded as they come, through DevTools."""
    import base64

    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    messages: list[bytes] = []

    def seen(e: dict[str, Any]) -> None:
        if e["response"]["opcode"] == 2:  # binary: a Streamlit message
            messages.append(base64.b64decode(e["response"]["payloadData"]))

    cdp.on(f"Network.webSocketFrame{way}", seen)
    return messages


def test_the_first_page_sends_the_maps_page_once(app_url: str, browser: Any) -> None:
    """geo/render/_ids.py: the script runs twice on a first page (page_after_map.py); the
    second run builds the same map, whose page Streamlit then refers to, not sends."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        frames = _websocket_messages(context, page, "Received")  # Streamlit ForwardMsgs
        page.goto(f"{app_url}/?tiles=0", timeout=30_000)
        assert _wait_for("events drawn", lambda: _drawn(_map_frame(page)), MAP_DRAWN_S) > 0
        _map_frame(page).evaluate("window.__cmFirstFrame = true")
        # the second run: the sidebar's widgets, laid out after the first draw
        page.locator('[data-testid="stSidebar"] .stSlider').wait_for(timeout=RERUN_S * 1000)
        page.locator(".st-key-region-card").wait_for(state="visible", timeout=RERUN_S * 1000)
        _idle(page)
        pages, refs = _map_messages(frames)
        assert len(pages) == 1, pages  # the page itself, once
        assert pages[0] in refs  # and the second run's map, a reference to it
        assert _map_frame(page).evaluate("window.__cmFirstFrame") is True  # the same frame
        assert _drawn(_map_frame(page))
    finally:
        context.close()


#: The click listeners are on: the map's frame names its map ``window.map`` once they are.
LISTENING_JS = """() => !!(window.map && window.map.getContainer().getAttribute("data-draws")
    && document.getElementById("conflictmap-choropleth-legend"))"""


def _map_values(payloads: list[bytes]) -> list[str]:
    """Of the page's websocket messages to the server: each rerun's value for the map's
    frame (its widget id ends in ``map-<20 hex>``, map_frame.frame_key), "" if none."""
    import re

    from streamlit.proto.BackMsg_pb2 import BackMsg

    values = []
    for payload in payloads:
        msg = BackMsg()
        msg.ParseFromString(payload)
        if msg.WhichOneof("type") != "rerun_script":
            continue
        found = [
            w.json_value
            for w in msg.rerun_script.widget_states.widgets
            if re.search(r"-map-[0-9a-f]{20}$", w.id) and w.WhichOneof("value") == "json_value"
        ]
        values.append(found[0] if found else "")
    return values


def _click_at_once(
    browser: Any, app_url: str, inside: Any, bbox: tuple[float, float, float, float]
) -> None:
    """A new page in regions mode, clicked inside Tavush as soon as the map listens."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        sent = _websocket_messages(context, page, "Sent")  # Streamlit BackMsgs
        page.goto(f"{app_url}/?tiles=0&mode=regions", timeout=30_000)
        _wait_for(
            "the choropleth's click listeners",
            lambda: True if _map_frame(page).evaluate(LISTENING_JS) else None,
            MAP_DRAWN_S,
        )
        before = _map_values(sent)
        assert before and not any(before), before  # the page's runs, nothing from the map
        at = _map_frame(page).evaluate(
            "([lat, lng]) => { const p = window.map.latLngToContainerPoint([lat, lng]);"
            " const r = window.map.getContainer().getBoundingClientRect();"
            " return [r.left + p.x, r.top + p.y]; }",
            [inside.y, inside.x],
        )
        box = page.locator(MAP_IFRAME).last.bounding_box()
        page.mouse.click(box["x"] + at[0], box["y"] + at[1])
        _assert_fills(_focused_on(page, "Tavush"), bbox)
        assert "region=Tavush" in page.url
        clicked = [v for v in _map_values(sent)[len(before) :] if v]
        assert len(clicked) == 1 and '"last_object_clicked"' in clicked[0], clicked
    finally:
        context.close()


def test_a_first_click_on_the_choropleth_right_after_it_is_drawn_selects_the_region(
    app_url: str, browser: Any, tavush_bbox: tuple[float, float, float, float]
) -> None:
    """Clicked as soon as the map listens, not on a page at rest: the map's frame sends
    Streamlit nothing before a click (streamlit-folium's frame sent its first value as it
    loaded, and a click merged into that rerun could be lost), so the click is the rerun."""
    from geo.dataset import load_dataset

    admin = load_dataset(Settings.from_env()).admin
    assert admin is not None
    tavush = admin.regions[admin.regions["region"] == "Tavush"].to_crs("EPSG:4326")
    inside = tavush.geometry.iloc[0].representative_point()
    for _ in range(3):  # three new pages, each clicked at once
        _click_at_once(browser, app_url, inside, tavush_bbox)


def test_boundaries_come_from_a_cached_file_and_a_choropleth_click_selects_the_unit(
    app_url: str, browser: Any, tavush_bbox: tuple[float, float, float, float]
) -> None:
    from geo.dataset import load_dataset

    admin = load_dataset(Settings.from_env()).admin
    assert admin is not None
    n_outlines = len(admin.regions) + len(admin.countries)
    tavush = admin.regions[admin.regions["region"] == "Tavush"].to_crs("EPSG:4326")
    inside = tavush.geometry.iloc[0].representative_point()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    try:
        page.goto(f"{app_url}/?tiles=0&mode=regions", timeout=30_000)
        view = _wait_for(
            "the choropleth", lambda: v if (v := _map_view(page)) and v["choropleth"] else None,
            MAP_DRAWN_S,
        )  # fmt: skip
        assert view["focus"] is None
        # the map's list of events says why it lists none: the regions map hides them
        summary = _map_frame(page).locator("#conflictmap-event-list summary")
        assert summary.inner_text() == "Events on the map: none (event layers off)"
        outlines = _wait_for(
            "the admin outlines",
            lambda: b if (b := _map_frame(page).evaluate(BOUNDARIES_JS)) and b["state"] else None,
            MAP_DRAWN_S,
        )
        # every region and country outline drawn, from the static file
        assert outlines == {"state": "drawn", "drawn": n_outlines}
        files = [u for u in fetched if "/app/static/mapdata/boundaries-" in u]
        assert len(files) == 1 and files[0].endswith(".json"), files
        # nothing of jQuery, Bootstrap or awesome-markers is loaded, nor streamlit-folium's
        # front end: the map's frame is the app's own (map_frame.py), its script inline
        assert not [u for u in fetched if any(k in u for k in ("jquery", "bootstrap", "awesome"))]
        assert not [u for u in fetched if "/component/streamlit_folium" in u]
        frames = [u for u in fetched if "/component/map_frame.conflictmap_map/" in u]
        assert frames and all(urlsplit(u).path.endswith("/index.html") for u in frames), frames
        assert _map_frame(page).evaluate("() => typeof window.jQuery") == "undefined"

        # a click on Tavush in the choropleth reaches Streamlit and selects it
        _idle(page)
        at = _map_frame(page).evaluate(
            "([lat, lng]) => { const map = window.map || Object.values(window).find("
            "(v) => v instanceof L.Map); const p = map.latLngToContainerPoint([lat, lng]);"
            " const r = map.getContainer().getBoundingClientRect();"
            " return [r.left + p.x, r.top + p.y]; }",
            [inside.y, inside.x],
        )
        box = page.locator(MAP_IFRAME).last.bounding_box()
        page.mouse.click(box["x"] + at[0], box["y"] + at[1])
        view = _focused_on(page, "Tavush")
        _assert_fills(view, tavush_bbox)
        assert "region=Tavush" in page.url
    finally:
        page.close()


def test_presentation_mode_fills_a_1280x720_screen_and_leaving_restores_the_view(
    app_url: str, browser: Any
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        page.goto(f"{app_url}/?tiles=0&{JULY_2020}&region=Tavush", timeout=30_000)
        _focused_on(page, "Tavush")
        _press(page, "Present", lambda: "present=1" in page.url)

        def laid_out() -> dict[str, Any] | None:
            sidebar = page.locator('[data-testid="stSidebar"]')
            if "present=1" not in page.url or sidebar.is_visible():
                return None
            view = _map_view(page)
            if view is None or view["focus"] != "Tavush":
                return None
            sizes = page.evaluate(
                """() => {
                const box = (el) => { const r = el.getBoundingClientRect();
                    return [r.left, r.top, r.right, r.bottom]; };
                const map = document.querySelector('iframe[title="map_frame.conflictmap_map"]');
                const card = document.querySelector(".st-key-region-card");
                const text = card && card.querySelector("p");
                return {scroll: document.scrollingElement.scrollHeight, inner: innerHeight,
                        width: innerWidth, map: map && box(map), card: card && box(card),
                        font: text ? parseFloat(getComputedStyle(text).fontSize) : 0};
            }"""
            )
            return sizes if sizes["map"] and sizes["card"] else None

        _wait_for("the presentation layout", laid_out, RERUN_S)
        _idle(page)  # the map's iframe may be replaced once more as the page settles
        sizes = _wait_for("the presentation layout, settled", laid_out, RERUN_S)
        assert sizes["scroll"] <= sizes["inner"], sizes  # nothing to scroll
        for name in ("map", "card"):
            left, top, right, bottom = sizes[name]
            assert left >= 0 and top >= 0, (name, sizes)
            assert right <= sizes["width"] and bottom <= sizes["inner"], (name, sizes)
        map_left, map_top, map_right, map_bottom = sizes["map"]
        assert (map_right - map_left) * (map_bottom - map_top) >= 0.4 * 1280 * 720, sizes
        assert sizes["font"] >= 20, sizes  # larger type than the page's 16 px
        _shot(page, "teacher-3-presentation-1280x720.png")

        _press(page, "Leave presentation", lambda: "present" not in page.url)
        _wait_for(
            "the full page again",
            lambda: (
                True
                if "present" not in page.url
                and page.locator('[data-testid="stSidebar"]').is_visible()
                else None
            ),
            RERUN_S,
        )
        assert "region=Tavush" in page.url and "start=2020-07-12" in page.url
        _focused_on(page, "Tavush")
    finally:
        page.close()


def _focused(page: Any) -> dict[str, Any]:
    """The focused element, looking into the map's iframe when the focus is there."""
    found = page.evaluate(FOCUSED_JS) or {}
    if found.get("tag") == "IFRAME" and found.get("title") == MAP_FRAME_TITLE:
        return {**(_map_frame(page).evaluate(FOCUSED_JS) or {}), "in": "map"}
    return {**found, "in": "page"}


def _tab_to(page: Any, what: str, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Press Tab until ``wanted`` holds for the focused element (at most 150 times)."""
    for _ in range(150):
        page.keyboard.press("Tab")
        found = _focused(page)
        if wanted(found):
            return found
    pytest.fail(f"Tab never reached {what}")


def _ring(found: dict[str, Any]) -> None:
    style, width = found["outline"]
    assert style != "none" and width >= 2, f"no visible focus ring on {found}"


def test_keyboard_alone_changes_the_period_picks_a_region_and_opens_an_event(
    app_url: str, browser: Any, curated: pd.DataFrame
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{app_url}/?tiles=0&{JULY_2020}", timeout=30_000)
        _wait_for("events drawn", lambda: _drawn(_map_frame(page)) or None, MAP_DRAWN_S)
        _idle(page)

        # the period: the slider's first thumb, one day on
        _tab_to(page, "the period's start", lambda f: f.get("aria") == "Period — start")
        # the focus is on a hidden range input: the ring is drawn on its visible thumb
        thumb = page.evaluate(
            """() => { const s = getComputedStyle(document.activeElement.parentElement
                .parentElement); return [s.outlineStyle, parseFloat(s.outlineWidth) || 0]; }"""
        )
        _ring({"outline": thumb})
        page.keyboard.press("ArrowRight")
        pressed = time.monotonic()
        seen: list[Any] = []

        def moved() -> bool | None:
            nonlocal pressed
            said = _focused(page).get("valuetext")
            view = _map_view(page)
            seen[:] = [page.url, said, view and view["period"]]
            if said == "2020-07-12" and time.monotonic() - pressed > 5:
                # the key was lost in a rerun the map's component asked for: press again
                page.keyboard.press("ArrowRight")
                pressed = time.monotonic()
            if (
                "start=2020-07-13" in page.url
                and view
                and view["period"] == "2020-07-13/2020-07-16"  # the time bar's whole period
            ):
                return True
            return None

        try:
            _wait_for("the period to start on 13 July", moved, RERUN_S)
        finally:
            print("period step: last seen", seen)  # shown when the wait fails
        _idle(page)

        # a region: the region box, arrows to Tavush, Enter
        _tab_to(page, "the region box", lambda f: f.get("aria") == "Region")
        page.keyboard.press("ArrowDown")
        highlighted = """() => { const id = document.activeElement.getAttribute(
            "aria-activedescendant"); const o = id && document.getElementById(id);
            return o ? o.textContent : null; }"""
        for _ in range(30):
            if page.evaluate(highlighted) == "Tavush":
                break
            page.keyboard.press("ArrowDown")
        assert page.evaluate(highlighted) == "Tavush"
        page.keyboard.press("Enter")
        view = _focused_on(page, "Tavush")
        assert "region=Tavush" in page.url and "start=2020-07-13" in page.url
        assert view["period"] == "2020-07-13/2020-07-16"
        _idle(page)

        # an event's details: the map's event list (Space opens it), Enter on an event
        summary = _tab_to(
            page,
            "the map's event list",
            lambda f: (
                f["in"] == "map"
                and f.get("tag") == "SUMMARY"
                and re.match(r"Events on the map: [0-9]", f["text"]) is not None
            ),
        )
        _ring(summary)
        page.keyboard.press("Space")
        item = _tab_to(page, "an event in the list", lambda f: "cm-event-item" in f.get("cls", ""))
        _ring(item)
        page.keyboard.press("Enter")
        frame = _map_frame(page)
        popup = frame.locator(POPUP_TEXT)
        popup.wait_for(state="visible", timeout=10_000)
        text = str(popup.inner_text())
        in_tavush = curated[
            (curated["region"] == "Tavush")
            & (curated["date_start"].dt.date <= date(2020, 7, 16))
            & (curated["date_end"].dt.date >= date(2020, 7, 13))
        ]
        assert len(in_tavush) >= 1
        opened = [e for e in in_tavush.index if e in text]
        assert opened, text
        # the list's entry says when, what and where (the tooltip's words)
        label = str(frame.locator("button.cm-event-item").first.inner_text())
        assert str(in_tavush.loc[opened[0], "location"]) in label, label
        assert "claims" in text.lower() and "sources" in text.lower()
        assert "cm-popup" in _focused(page).get("cls", "")  # the details have the focus
        said = frame.locator("#conflictmap-announce").inner_text()
        assert said.startswith("Opened: "), said
        page.wait_for_timeout(600)  # the popup's fade-in
        _shot(page, "teacher-4-keyboard-event-details.png")
        page.keyboard.press("Escape")
        popup.wait_for(state="detached", timeout=10_000)
        assert "cm-event-item" in _focused(page).get("cls", "")  # back on the list

        # the play control under the map: its "next" button, with Space, leaves the whole
        # period for the next day on which an event starts or ends
        button = _tab_to(
            page, "the time bar's next button", lambda f: f.get("aria") == "Next event date"
        )
        _ring(button)
        page.keyboard.press("Space")
        later = _wait_for(
            "the map to show a later day",
            lambda: (
                p
                if (v := _map_view(page))
                and (p := v["period"]) != "2020-07-13/2020-07-16"
                and p.split("/")[0] == p.split("/")[1]
                else None
            ),
            PLAY_S,
        )
        first, last = later.split("/")
        assert first == last and "2020-07-13" < first <= "2020-07-16", later
        assert errors == [], errors
    finally:
        page.close()
