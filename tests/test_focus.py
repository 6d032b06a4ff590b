"""Region focus, the choropleth without a time bar, and the map's keyboard aids (built HTML)."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import folium
import pytest
from folium.map import FitBounds
from folium.plugins import Timeline, TimelineSlider

from geo import render
from geo.config import Settings
from geo.dataset import Dataset, load_dataset
from geo.render.a11y import A11Y_CSS, PRESENT_CSS
from geo.render.elements import TIME_BUTTON_LABELS
from geo.render.focus import FOCUS_PANE, MASK_STYLE
from geo.render.mapdata import LAYER_JS
from geo.scope import DRAW_CRS
from geo.summary import region_summary
from geo.view import View, apply_view
from tests.factories import three_squares
from tests.helpers import HOSTILE

JULY = {"start": date(2020, 7, 12), "end": date(2020, 7, 16)}


@pytest.fixture(scope="module")
def dataset(settings: Settings) -> Dataset:
    return load_dataset(settings)


def _children(m: Any, kind: type) -> list[Any]:
    out, stack = [], [m]
    while stack:
        el = stack.pop()
        if isinstance(el, kind):
            out.append(el)
        stack.extend(el._children.values())
    return out


def _map(dataset: Dataset, view: View) -> folium.Map:
    base = apply_view(dataset.events, view.with_(region=None))
    summary = region_summary(
        base, by=view.level, start=view.start, end=view.end, admin=dataset.admin
    )
    return render.build_map(
        apply_view(dataset.events, view),
        view=view,
        admin=dataset.admin,
        episodes=dataset.episodes,
        summary=summary,
    )


def test_tavush_focus_is_its_outline_and_bounds(dataset: Dataset) -> None:
    assert dataset.admin is not None
    focus = render.region_focus(dataset.admin, "tavush")  # any letter case
    assert focus is not None
    assert (focus.name, focus.level) == ("Tavush", "region")
    rows = dataset.admin.regions[dataset.admin.regions["region"] == "Tavush"]
    x0, y0, x1, y1 = rows.to_crs("EPSG:4326").total_bounds
    (south, west), (north, east) = focus.bounds
    # the drawn (simplified) outline's frame is the marz's, to well under a kilometre
    assert (south, west, north, east) == pytest.approx((y0, x0, y1, x1), abs=0.01)
    assert focus.outline["type"] in ("Polygon", "MultiPolygon")
    mask = focus.mask()
    assert mask["type"] == "Polygon"
    assert mask["coordinates"][0][0] == [-180.0, -85.0]  # the world, then the region's rings
    rings = (
        focus.outline["coordinates"]
        if focus.outline["type"] == "Polygon"
        else [r for p in focus.outline["coordinates"] for r in p]
    )
    assert mask["coordinates"][1:] == list(rings)
    # with level="district", Armenia's former raion of the same name is meant
    district = render.region_focus(dataset.admin, "Tavush", level="district")
    assert district is not None and district.level == "district"
    assert district.bounds != focus.bounds


@pytest.mark.parametrize("level", ["region", "district"])
def test_the_focus_outline_is_the_unit_exactly_as_the_boundaries_draw_it(
    dataset: Dataset, level: str
) -> None:
    # the dimmed rest ends where the drawn unit does: no sliver between them (their union's
    # simplified edge strayed from the drawn one, e.g. Baku City's and Lankaran's)
    assert dataset.admin is not None
    frame = dataset.admin.regions if level == "region" else dataset.admin.districts
    drawn = render.display_geometries(frame)
    names = frame[level].tolist()
    assert len(set(names)) == len(names) > 80
    for name, shape in zip(names, drawn, strict=True):
        focus = render.region_focus(dataset.admin, name, level=level)
        assert focus is not None and focus.level == level, name
        assert focus.outline == shape, name


def test_no_region_or_an_unknown_one_has_no_focus(dataset: Dataset) -> None:
    assert render.region_focus(dataset.admin, None) is None
    assert render.region_focus(dataset.admin, "") is None
    assert render.region_focus(dataset.admin, "Atlantis") is None
    assert render.region_focus(None, "Tavush") is None
    assert render.region_focus(dataset.admin, "Armenia") is None  # a country is no unit


@pytest.mark.parametrize("mode", ["events", "regions"])
def test_a_chosen_region_fills_the_map_outlined_and_the_rest_dimmed(
    dataset: Dataset, mode: str
) -> None:
    view = View(region="Tavush", mode=mode, tiles=False, **JULY)
    m = _map(dataset, view)
    (fit,) = _children(m, FitBounds)
    focus = render.region_focus(dataset.admin, "Tavush")
    assert focus is not None
    assert fit.bounds == focus.bounds
    (drawn,) = _children(m, render.RegionFocus)
    assert drawn.focus == focus
    page = render.map_html(m)
    assert "map.createPane(name)" in page and f'"{FOCUS_PANE}"' in page
    assert 'pane.style.pointerEvents = "none"' in page  # a click reaches the choropleth
    assert '"fillRule":"evenodd"' in page and str(MASK_STYLE["fillOpacity"]) in page
    assert 'setAttribute("data-focus", "Tavush")' in page


def test_all_regions_keeps_both_countries(dataset: Dataset) -> None:
    assert dataset.admin is not None
    m = _map(dataset, View(mode="regions", tiles=False, **JULY))
    assert _children(m, render.RegionFocus) == []
    (fit,) = _children(m, FitBounds)
    x0, y0, x1, y1 = dataset.admin.countries.to_crs("EPSG:4326").total_bounds
    (south, west), (north, east) = fit.bounds
    assert (south, west, north, east) == pytest.approx((y0, x0, y1, x1))
    assert "data-focus" not in render.map_html(m)


def test_a_hostile_region_name_is_only_text() -> None:
    admin = three_squares()
    admin.regions.loc[admin.regions["region"] == "Beta", "region"] = HOSTILE
    focus = render.region_focus(admin, HOSTILE)
    assert focus is not None and focus.name == HOSTILE
    page = render.map_html(
        render.build_map(
            _no_events(),
            view=View(region=HOSTILE, tiles=False),
            admin=admin,
        )
    )
    assert "<script>alert(1)" not in page
    assert "INJECTED" not in page
    assert "data-focus" in page
    # the name reaches the page only as a JS string literal, set with setAttribute
    (literal,) = re.findall(r'setAttribute\("data-focus", ("(?:\\.|[^"\\])*")\)', page)
    assert "<" not in literal and "{" not in literal
    assert json.loads(literal) == HOSTILE  # the same text, once the browser reads it


def _no_events() -> Any:
    from tests.helpers import hostile_events

    events, _ = hostile_events()
    return events.iloc[0:0]


def test_the_choropleth_has_no_time_bar_the_events_map_has(dataset: Dataset) -> None:
    regions = _map(dataset, View(mode="regions", tiles=False, **JULY))
    assert _children(regions, TimelineSlider) == []
    assert "L.timelineSliderControl(" not in render.map_html(regions)
    # no region outlines that only a time bar would show
    assert [t for t in _children(regions, Timeline) if isinstance(t, render.AreaTimeline)] == []
    events = _map(dataset, View(mode="events", tiles=False, **JULY))
    assert len(_children(events, TimelineSlider)) == 1


def test_time_bar_buttons_and_slider_have_names(dataset: Dataset) -> None:
    page = render.map_html(_map(dataset, View(tiles=False, **JULY)))
    for label in TIME_BUTTON_LABELS.values():
        assert f'"{label}"' in page
    assert '"Day shown on the map"' in page
    assert 'setAttribute("aria-valuetext", out.textContent)' in page


def test_focus_ring_on_every_map_and_big_type_only_when_presenting(dataset: Dataset) -> None:
    normal = render.map_html(_map(dataset, View(tiles=False, **JULY)))
    assert A11Y_CSS.render() in normal
    assert ":focus-visible" in normal
    assert PRESENT_CSS.render() not in normal
    present = render.map_html(_map(dataset, View(tiles=False, present=True, **JULY)))
    assert PRESENT_CSS.render() in present


def test_the_event_layer_keyboard_list_uses_text_calls_only() -> None:
    js = LAYER_JS.read_text(encoding="utf-8")
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js
    assert 'div.id = "conflictmap-event-list"' in js
    assert 'setAttribute("aria-live", "polite")' in js
    assert "textContent" in js


def test_focus_bounds_are_in_degrees_not_metres(dataset: Dataset) -> None:
    focus = render.region_focus(dataset.admin, "Tovuz District")
    assert focus is not None
    (south, west), (north, east) = focus.bounds
    assert 40 < south < north < 42 and 44 < west < east < 47
    assert DRAW_CRS != "EPSG:4326"  # the scope's metres were converted
