"""The Streamlit page under AppTest: filters, exact totals for the curated data, URL views.

Expected numbers are read off the curated layers (layers/*.geojson) by hand:

* all 15 events; deaths low/best/high 45/45/47.
* 12–16 July 2020 overlaps 8 events: the five Karabakh March events (Gobu night
  protest 12–13 July, Baku march 14, parliament storming 14–15, Sumgayit rally 14,
  officers' funeral 15) and the three Tovuz–Tavush events (Tovuz border fighting
  12–16, Tavush border fighting 12–16, senior officers killed 12–14). Deaths: Tovuz
  12 (at least 11 soldiers + 1 civilian), Tavush 4, the officers' 2 are
  ``included_in`` the Tovuz figure and add nothing: 16/16/16. Injured: 7 in Baku
  (parliament storming).
* In that period Tovuz District has 2 events and 12 deaths; its 3 claims are
  "at least 11" and "1" (border fighting) and "2" (officers, counted in the former).
* Of those 8, 4 are placed only near a place or in a region (geo precision 2–3):
  the parliament storming and the three Tovuz–Tavush events.
* 14 July 2020 in Baku City: the march and the parliament storming.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo import render
from geo.config import ENV_BOUNDARIES_DIR, ENV_LAYERS_DIR, Settings
from tests import factories
from tests.test_render import HOSTILE, hostile_layer, js_text

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60


@pytest.fixture(autouse=True)
def fresh_caches(settings: Settings) -> Iterator[None]:
    """Each AppTest starts from empty caches (``settings`` makes sure boundaries are set)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    (found,) = [m.value for m in at.metric if m.label == label]
    return found


def table_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The one dataframe shown whose columns include ``columns``."""
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def totals(at: AppTest) -> list[tuple]:
    table = table_with(at, "country", "region", "events", "deaths_best")
    cols = ["country", "region", "events", "deaths_low", "deaths_best", "deaths_high"]
    return [tuple(r) for r in table[cols].itertuples(index=False)]


def sidebar_captions(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption]


def test_app_runs_and_shows_every_curated_event() -> None:
    at = run()
    assert metric(at, "Events in view") == "15"
    assert [metric(at, f"Deaths ({x})") for x in ("low", "best", "high")] == ["45", "45", "47"]
    assert len(table_with(at, "Type", "Location (as reported)")) == 15
    assert at.slider(key="period").value == (date(2020, 7, 12), date(2024, 2, 13))
    assert any(
        c.startswith("Hides 11 of 15 events placed only near a place or in a region")
        for c in sidebar_captions(at)
    )
    # the map was built, with every episode layer, and attribution is on the page
    page = at.session_state["map_html"]
    assert page.count('"popup": ') == 15
    assert "L.timelineSliderControl(" in page
    captions = " ".join(c.value for c in at.caption)
    assert "geoBoundaries" in captions and "GeoNames (CC BY 4.0)" in captions
    assert "OpenStreetMap" in captions
    # the default view leaves the URL clean
    assert dict(at.query_params) == {}


def test_period_slider_changes_events_and_region_totals_exactly() -> None:
    at = run()
    at.slider(key="period").set_value((date(2020, 7, 12), date(2020, 7, 16))).run()
    assert not at.exception
    assert metric(at, "Events in view") == "8"
    assert [metric(at, f"Deaths ({x})") for x in ("low", "best", "high")] == ["16", "16", "16"]
    assert totals(at) == [
        ("ARM", "Tavush", 1, 4, 4, 4),
        ("AZE", "Absheron District", 1, 0, 0, 0),
        ("AZE", "Baku City", 3, 0, 0, 0),
        ("AZE", "Sumqayit City", 1, 0, 0, 0),
        ("AZE", "Tovuz District", 2, 12, 12, 12),
    ]
    assert any(
        c.startswith("Hides 4 of 8 events placed only near a place or in a region")
        for c in sidebar_captions(at)
    )
    assert at.session_state["map_html"].count('"popup": ') == 8
    # the view is written back to the URL
    assert at.query_params["start"] == "2020-07-12"
    assert at.query_params["end"] == "2020-07-16"


def test_region_select_shows_that_regions_events_and_claims() -> None:
    at = run()
    at.slider(key="period").set_value((date(2020, 7, 12), date(2020, 7, 16))).run()
    at.selectbox(key="region").set_value("Tovuz District").run()
    assert not at.exception
    assert metric(at, "Events in view") == "2"
    events = [d.value for d in at.dataframe if "Type" in d.value.columns]
    assert all(
        list(e.index)
        == ["tovuz-2020-07-12-border-fighting", "tovuz-2020-07-14-senior-officers-killed"]
        for e in events
    )
    assert len(events) == 2  # the region's table and the table of events in view
    claims = table_with(at, "Figure", "Claimant", "Event")
    assert list(claims["Figure"]) == ["at least 11", "1", "2"]
    assert list(claims["Counted in"])[2] == "tovuz-2020-07-12-border-fighting"
    # totals stay complete for the period: the region box filters events, not totals
    assert len(totals(at)) == 5
    assert at.query_params["region"] == "Tovuz District"


def test_district_level_lists_districts() -> None:
    at = run({"start": "2020-07-12", "end": "2020-07-16", "level": "district"})
    table = table_with(at, "district", "events")
    assert list(zip(table["district"], table["events"], strict=True)) == [
        ("(district unknown)", 1),  # Tavush border fighting: known only to the marz
        ("Absheron District", 1),
        ("Baku City", 3),
        ("Sumqayit City", 1),
        ("Tovuz District", 2),
    ]


def test_url_query_parameters_restore_a_view() -> None:
    at = run({"start": "2020-07-14", "end": "2020-07-14", "region": "Baku City", "tiles": "0"})
    assert at.slider(key="period").value == (date(2020, 7, 14), date(2020, 7, 14))
    assert at.selectbox(key="region").value == "Baku City"
    assert at.toggle(key="tiles").value is False
    assert metric(at, "Events in view") == "2"
    (events,) = [d.value for d in at.dataframe if "Type" in d.value.columns][:1]
    assert list(events.index) == [
        "baku-2020-07-14-karabakh-march",
        "baku-2020-07-15-parliament-storming",
    ]
    assert "tile.openstreetmap.org" not in at.session_state["map_html"]
    assert not at.warning


def test_bad_url_parameters_are_reported_and_ignored() -> None:
    at = run({"mode": "heatmap", "episodes": "no-such-episode", "start": "2020-07-14"})
    warnings = [w.value for w in at.warning]
    assert "ignored URL parameter mode='heatmap': expected one of events, regions" in warnings
    assert "ignored URL parameter episodes: unknown 'no-such-episode'" in warnings
    assert at.radio(key="mode").value == "events"
    assert at.multiselect(key="episodes").value == []
    assert at.slider(key="period").value == (date(2020, 7, 14), date(2024, 2, 13))


def test_regions_mode_draws_the_choropleth() -> None:
    at = run({"mode": "regions", "measure": "deaths_best"})
    page = at.session_state["map_html"]
    assert "conflictmap-choropleth-legend" in page
    assert js_text("Deaths (best) per region") in page


def test_step_buttons_move_the_period_by_its_length() -> None:
    at = run({"start": "2020-07-12", "end": "2020-07-16"})
    at.button(key="step_forward").click().run()
    assert at.slider(key="period").value == (date(2020, 7, 17), date(2020, 7, 21))
    assert metric(at, "Events in view") == "0"
    at.button(key="step_back").click().run()
    at.button(key="step_back").click().run()  # clamped at the first day of the data
    assert at.slider(key="period").value == (date(2020, 7, 12), date(2020, 7, 16))
    assert metric(at, "Events in view") == "8"


def test_episode_wide_claims_in_an_expander() -> None:
    at = run()
    titles = [e.label for e in at.expander]
    assert "Tovuz–Tavush border clashes, July 2020" in titles
    figures = [
        list(d.value["Figure"])
        for d in at.dataframe
        if "Figure" in d.value.columns and "Event" not in d.value.columns
    ]
    assert ["at least 16", "at least 17", "at least 1", "“many” (no number)"] in figures


def test_hostile_layer_is_escaped_in_the_map_the_app_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "hostile.geojson").write_text(json.dumps(hostile_layer()), encoding="utf-8")
    monkeypatch.setenv(ENV_LAYERS_DIR, str(tmp_path))
    at = run()
    assert metric(at, "Events in view") == "1"
    page = at.session_state["map_html"]
    assert "<script>alert(1)" not in page
    assert "alert(1)</script>" not in page
    assert "INJECTED" not in page and "{{ 'INJ' ~ 'ECTED' }}" not in page  # no template injection
    assert js_text(render.esc(f"Notes {HOSTILE}")) in page
    assert js_text(render.esc(f"Episode {HOSTILE}")) in page  # the layer's name
    assert js_text(render.esc(f"Claimant {HOSTILE}")) in page


def test_invalid_layers_are_listed_in_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = factories.layer(factories.event(event_date="2020-08-01"))
    (tmp_path / "broken.geojson").write_text(json.dumps(broken), encoding="utf-8")
    monkeypatch.setenv(ENV_LAYERS_DIR, str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    (error,) = at.error
    assert "broken.geojson feature 0 (id test-2020-07-14-a)" in error.value
    assert "date_start <= event_date <= date_end" in error.value


def test_missing_boundaries_show_events_without_regions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_BOUNDARIES_DIR, str(tmp_path))
    at = run()
    (warning,) = at.warning
    assert warning.value.startswith("Boundaries could not be loaded")
    assert ENV_BOUNDARIES_DIR in warning.value and "conflictmap boundaries fetch" in warning.value
    assert metric(at, "Events in view") == "15"
    # ARM: Tavush (4 killed), Nerkin Hand x2 (4), Yerevan x2; AZE: the other 10, with
    # Tovuz (12) and the Nagorno-Karabakh offensive (25/25/27)
    assert totals(at) == [("ARM", "(outside any region)", 5, 8, 8, 8),
                          ("AZE", "(outside any region)", 10, 37, 37, 39)]  # fmt: skip
