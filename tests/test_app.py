"""The Streamlit page under AppTest: filters, exact totals for the curated data, URL views.

Expected numbers are read off the curated layers (layers/*.geojson) by hand:

* all 18 events; deaths low/best/high 45/45/47.
* 12–16 July 2020 overlaps 11 events: the eight Karabakh March events (Gobu Park night
  protest 12–13 July, the gathering at Col. Mirzayev's home 14, Baku march 14, parliament
  storming 14–15, Sumgayit rally 14, Ahmadli rally 14, the morning march of 15 July,
  officers' funeral 15) and the three Tovuz–Tavush events (Tovuz border fighting
  12–16, Tavush border fighting 12–16, senior officers killed 12–14). Deaths: Tovuz
  12 (at least 11 soldiers + 1 civilian), Tavush 4, the officers' 2 are
  ``included_in`` the Tovuz figure and add nothing: 16/16/16. Injured: 7 in Baku
  (parliament storming).
* In that period Tovuz District has 2 events and 12 deaths; its 3 claims are
  "at least 11" and "1" (border fighting) and "2" (officers, counted in the former).
* Of those 11, 8 are placed only near a place or in a region (geo precision 2–3): the
  Gobu Park protest, the Mirzayev-home gathering, the parliament storming, the Ahmadli
  rally, the morning march and the three Tovuz–Tavush events.
* In that period Baku City has 7 events (all but Sumgayit of the Karabakh March; Gobu
  Park is in Baku's Garadagh district).
* 14 July 2020 in Baku City: the Mirzayev-home gathering, the march, the parliament
  storming and the Ahmadli rally.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import branca.element
import pandas as pd
import pyogrio
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

import geo.export
from geo import render
from geo._errors import ExportError
from geo.config import ENV_BOUNDARIES_DIR, ENV_LAYERS_DIR, Settings
from tests import factories
from tests.helpers import (
    APP,
    HOSTILE,
    TIMEOUT,
    hostile_layer,
    js_text,
    metric,
    run,
    selected_in,
    shown,
)

pytestmark = pytest.mark.usefixtures("fresh_caches")


def table_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The one dataframe shown whose columns include ``columns``."""
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def static_table_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The one static table (``st.table``, cells escaped Markdown) with ``columns``, as shown."""
    found = [t.value for t in at.table if set(columns) <= set(t.value.columns)]
    assert len(found) == 1, [list(t.value.columns) for t in at.table]
    return found[0].map(shown)


def totals(at: AppTest) -> list[tuple]:
    table = table_with(at, "Country", "Region", "Events", "Deaths best")
    cols = ["Country", "Region", "Events", "Deaths low", "Deaths best", "Deaths high"]
    return [tuple(r) for r in table[cols].itertuples(index=False)]


def sidebar_captions(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption]


#: A download as served: bytes, MIME type, file name.
Served = tuple[bytes, str, str | None]


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Served]:
    """What Streamlit's media storage was handed for each file id (download buttons)."""
    served: dict[str, Served] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def load_and_get_id(
        self: MemoryMediaFileStorage,
        path_or_data: Any,
        mimetype: str,
        kind: Any,
        filename: str | None = None,
    ) -> str:
        file_id = original(self, path_or_data, mimetype, kind, filename)
        served[file_id] = (path_or_data, mimetype, filename)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load_and_get_id)
    return served


def download(at: AppTest, key: str, served: dict[str, Served]) -> Served:
    """The bytes, MIME type and file name the download button ``key`` serves."""
    (button,) = [b for b in at.download_button if b.key == key]
    file_id = button.proto.url.rsplit("/", 1)[-1].split(".")[0]
    return served[file_id]


def has_widget(widgets: Any, key: str) -> bool:
    return any(w.key == key for w in widgets)


@pytest.fixture
def export_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments of every ``geo.export.export_bytes`` call the app makes."""
    calls: list[dict[str, Any]] = []
    original = geo.export.export_bytes

    def counted(data: Any, **kwargs: Any) -> bytes:
        calls.append(kwargs)
        return original(data, **kwargs)

    monkeypatch.setattr(geo.export, "export_bytes", counted)
    return calls


def test_app_runs_and_shows_every_curated_event() -> None:
    at = run()
    assert metric(at, "Events in view") == "18"
    assert [metric(at, f"Deaths ({x})") for x in ("low", "best", "high")] == ["45", "45", "47"]
    table = table_with(at, "Type", "Location (as reported)")
    assert len(table) == 18
    # issue 11 item 3: the alleged fire of 12 Feb 2024 has no country, and still shows
    assert pd.isna(table.loc["nerkin-hand-2024-02-12-alleged-fire", "Country"])
    assert table.loc["nerkin-hand-2024-02-13-revenge-operation", "Country"] == "Armenia"
    assert at.slider(key="period").value == (date(2020, 7, 12), date(2024, 2, 13))
    assert any(
        c.startswith("Hides 15 of 18 events placed only near a place or in a region")
        for c in sidebar_captions(at)
    )
    # the map was built, with every episode layer, and attribution is on the page
    page = at.session_state["map_html"]
    assert selected_in(page) == 18
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
    assert metric(at, "Events in view") == "11"
    assert [metric(at, f"Deaths ({x})") for x in ("low", "best", "high")] == ["16", "16", "16"]
    assert totals(at) == [
        ("Armenia", "Tavush", 1, 4, 4, 4),
        ("Azerbaijan", "Baku City", 7, 0, 0, 0),
        ("Azerbaijan", "Sumqayit City", 1, 0, 0, 0),
        ("Azerbaijan", "Tovuz District", 2, 12, 12, 12),
    ]
    assert any(
        c.startswith("Hides 8 of 11 events placed only near a place or in a region")
        for c in sidebar_captions(at)
    )
    assert selected_in(at.session_state["map_html"]) == 11
    # the view is written back to the URL
    assert at.query_params["start"] == "2020-07-12"
    assert at.query_params["end"] == "2020-07-16"
    # precise locations only: the 3 precise events are in view, the caption is unchanged
    at.toggle(key="precise_only").set_value(True).run()
    assert metric(at, "Events in view") == "3"
    assert selected_in(at.session_state["map_html"]) == 3
    assert any(c.startswith("Hides 8 of 11 events") for c in sidebar_captions(at))


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
    # the index (the event ids) is labelled for readers, not shown as 'event_id'
    tables = [d for d in at.dataframe if "Type" in d.value.columns]
    assert all(json.loads(t.proto.columns)["_index"]["label"] == "Event id" for t in tables)
    # the precision column says what its numbers mean
    helps = [json.loads(t.proto.columns)["Geo precision"]["help"] for t in tables]
    assert all("1 at the place itself" in h and "3 only its district" in h for h in helps)
    claims = static_table_with(at, "Figure", "Claimant", "Event")
    assert list(claims["Figure"]) == ["at least 11", "at least 1", "2"]
    # events are named by place and date, not by id (the exports keep the ids)
    assert list(claims["Event"]) == [
        "Tovuz District (area only), 12–16 July 2020",
        "Tovuz District (area only), 12–16 July 2020",
        "Tovuz District (area only), 12–14 July 2020",
    ]
    assert list(claims["Counted in"])[2] == "Tovuz District (area only), 12–16 July 2020"
    # totals stay complete for the period: the region box filters events, not totals;
    # the chosen region's own row comes first
    assert len(totals(at)) == 4
    assert totals(at)[0] == ("Azerbaijan", "Tovuz District", 2, 12, 12, 12)
    assert at.query_params["region"] == "Tovuz District"


def test_district_level_lists_districts() -> None:
    at = run({"start": "2020-07-12", "end": "2020-07-16", "level": "district"})
    table = table_with(at, "District", "Events")
    assert list(zip(table["District"], table["Events"], strict=True)) == [
        ("(district unknown)", 1),  # Tavush border fighting: known only to the marz
        ("Baku City", 7),
        ("Sumqayit City", 1),
        ("Tovuz District", 2),
    ]


def test_url_query_parameters_restore_a_view() -> None:
    at = run({"start": "2020-07-14", "end": "2020-07-14", "region": "Baku City", "tiles": "0"})
    assert at.slider(key="period").value == (date(2020, 7, 14), date(2020, 7, 14))
    assert at.selectbox(key="region").value == "Baku City"
    assert at.toggle(key="tiles").value is False
    assert metric(at, "Events in view") == "4"
    (events,) = [d.value for d in at.dataframe if "Type" in d.value.columns][:1]
    assert sorted(events.index) == [
        "ahmadli-2020-07-14-rally",
        "baku-2020-07-14-karabakh-march",
        "baku-2020-07-14-mirzayev-home-gathering",
        "baku-2020-07-15-parliament-storming",
    ]
    assert "tile.openstreetmap.org" not in at.session_state["map_html"]
    assert not at.warning


def test_bad_url_parameters_are_reported_and_ignored() -> None:
    at = run({"mode": "heatmap", "episodes": "no-such-episode", "start": "2020-07-14"})
    warnings = [shown(w.value) for w in at.warning]
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
    assert metric(at, "Events in view") == "11"


def test_episode_wide_claims_in_an_expander_sent_when_opened() -> None:
    def episode_figures(at: AppTest) -> list[list[str]]:
        return [
            [shown(v) for v in t.value["Figure"]]
            for t in at.table
            if "Figure" in t.value.columns and "Event" not in t.value.columns
        ]

    at = run()
    titles = [e.label for e in at.expander]
    assert "Tovuz–Tavush border clashes, July 2020" in titles
    assert episode_figures(at) == []  # closed expanders hold nothing
    (tovuz,) = [e for e in at.expander if e.label == "Tovuz–Tavush border clashes, July 2020"]
    assert not tovuz.children
    at.session_state["episode_open_tovuz-tavush-2020-07"] = True  # as a click opens it
    at.run()
    assert not at.exception
    assert episode_figures(at) == [
        ["at least 16", "at least 17", "at least 1", "“many” (no number)"]
    ]


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
    assert js_text(render.esc(f"Episode {HOSTILE}")) in page  # the layer's name
    # the event's texts are in its popup file, escaped, fetched when the popup opens
    (chunk,) = details_of(page)
    assert json.dumps(render.esc(f"Notes {HOSTILE}"))[1:-1] in chunk
    assert json.dumps(render.esc(f"Claimant {HOSTILE}"))[1:-1] in chunk
    assert "<" not in chunk and "{{" not in chunk


def test_a_large_view_lists_a_page_of_rows_and_the_map_gets_every_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = [factories.event(f"many-2020-07-14-{i:04d}") for i in range(1_003)]
    (tmp_path / "many.geojson").write_text(json.dumps(factories.layer(*events)), encoding="utf-8")
    monkeypatch.setenv(ENV_LAYERS_DIR, str(tmp_path))
    at = run()
    assert metric(at, "Events in view") == "1003"
    table = table_with(at, "Type", "Location (as reported)")
    assert len(table) == 100  # one page is sent, not every row
    assert list(table.index[:2]) == ["many-2020-07-14-0000", "many-2020-07-14-0001"]
    captions = " ".join(c.value for c in at.caption)
    assert "Events 1–100 of 1,003 (page 1 of 11). The map draws every event" in captions
    assert "The export (sidebar) has every event with every field." in captions
    assert selected_in(at.session_state["map_html"]) == 1_003
    # the last page has the last three rows
    at.pagination(key="events_table_page").set_value(11).run()
    assert not at.exception
    table = table_with(at, "Type", "Location (as reported)")
    assert list(table.index) == [f"many-2020-07-14-{i:04d}" for i in range(1_000, 1_003)]
    assert "Events 1,001–1,003 of 1,003 (page 11 of 11)." in " ".join(c.value for c in at.caption)


def details_of(page: str) -> list[str]:
    """The popup files of the map data a page points at (written by the app)."""
    (url,) = re.findall(r'"details":"/app/static/(mapdata/events-[0-9a-f]+/)"', page)
    folder = Settings.from_env().static_dir / url
    return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.json"))]


def test_the_map_page_is_rendered_once_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    renders: list[str] = []
    original = branca.element.Figure.render

    def counted(self: branca.element.Figure, **kwargs: Any) -> str:
        renders.append(type(self).__name__)
        return original(self, **kwargs)

    monkeypatch.setattr(branca.element.Figure, "render", counted)
    at = run()
    assert renders == ["Figure"]  # render.map_html; st_folium is told not to render again
    at.slider(key="period").set_value((date(2020, 7, 12), date(2020, 7, 16))).run()
    assert renders == ["Figure", "Figure"]
    assert selected_in(at.session_state["map_html"]) == 11


# --- exports ------------------------------------------------------------------------------------


def test_export_of_the_view_is_a_geopackage_of_the_events_in_view(
    tmp_path: Path, downloads: dict[str, Served], export_calls: list[dict[str, Any]]
) -> None:
    at = run({"start": "2020-07-12", "end": "2020-07-16"})
    assert at.radio(key="export_scope").value == "view"
    assert at.selectbox(key="export_format").value == "gpkg"
    assert not has_widget(at.download_button, "export_download")  # nothing built unasked
    assert export_calls == []

    at.button(key="export_prepare").click().run()
    assert not at.exception and not at.error
    data, mime, name = download(at, "export_download", downloads)
    assert name == "conflictmap_view_2020-07-12_2020-07-16.gpkg"
    assert mime == "application/geopackage+sqlite3"
    assert data.startswith(b"SQLite format 3\x00")
    path = tmp_path / str(name)  # the embedded QGIS project refers to this name
    path.write_bytes(data)
    events = pyogrio.read_dataframe(path, layer="events")
    assert len(events) == 11  # as on the map
    assert (export_calls[0]["view"].start, export_calls[0]["view"].end) == (
        date(2020, 7, 12),
        date(2020, 7, 16),
    )

    # other reruns serve the same bytes without building them again
    at.toggle(key="tiles").set_value(False).run()
    assert not has_widget(at.button, "export_prepare")
    assert download(at, "export_download", downloads)[0] == data
    assert len(export_calls) == 1

    # another view needs its own export
    at.slider(key="period").set_value((date(2020, 7, 12), date(2020, 7, 14))).run()
    assert not has_widget(at.download_button, "export_download")
    assert has_widget(at.button, "export_prepare")


def test_export_of_everything_as_csv_zip_ignores_the_view(
    downloads: dict[str, Served],
) -> None:
    at = run({"start": "2020-07-14", "end": "2020-07-14", "region": "Baku City"})
    at.radio(key="export_scope").set_value("all").run()
    at.selectbox(key="export_format").set_value("csv").run()
    at.button(key="export_prepare").click().run()
    assert not at.exception and not at.error
    data, mime, name = download(at, "export_download", downloads)
    assert (name, mime) == ("conflictmap_events_csv.zip", "application/zip")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        names = set(zf.namelist())
        assert {"README.txt", "conflictmap_events.csv", "conflictmap_events_claims.csv"} <= names
        events = pd.read_csv(zf.open("conflictmap_events.csv"))
    assert len(events) == 18  # everything, whatever the view


def test_full_zip_of_the_view_holds_every_format(downloads: dict[str, Served]) -> None:
    at = run({"start": "2020-07-14", "end": "2020-07-14", "region": "Baku City"})
    at.selectbox(key="export_format").set_value("zip").run()
    at.button(key="export_prepare").click().run()
    data, _, name = download(at, "export_download", downloads)
    assert name == "conflictmap_view_Baku-City_2020-07-14_2020-07-14.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        stem = "conflictmap_view_Baku-City_2020-07-14_2020-07-14"
        assert {f"{stem}{s}" for s in (".gpkg", ".geojson", ".csv", ".kml")} <= set(zf.namelist())
        collection = json.loads(zf.read(f"{stem}.geojson"))
    # the Mirzayev-home gathering, the march, the parliament storming, the Ahmadli rally
    assert len(collection["features"]) == 4


def test_teacher_exports_the_map_figure_and_handout_of_the_view(
    downloads: dict[str, Served],
) -> None:
    at = run({"start": "2020-07-12", "end": "2020-07-16", "region": "Tovuz District"})
    assert at.selectbox(key="teacher_format").value == "png"
    at.button(key="teacher_prepare").click().run()
    assert not at.exception and not at.error
    data, mime, name = download(at, "teacher_download", downloads)
    assert name == "conflictmap_map_Tovuz-District_2020-07-12_2020-07-16.png"
    assert mime == "image/png"
    assert data.startswith(b"\x89PNG\r\n\x1a\n")

    at.selectbox(key="teacher_format").set_value("handout").run()
    at.button(key="teacher_prepare").click().run()
    data, mime, name = download(at, "teacher_download", downloads)
    assert name == "conflictmap_handout_Tovuz-District_2020-07-12_2020-07-16.html"
    page = data.decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
    assert "Tovuz District" in page and "at least 11" in page


def test_a_failed_export_is_an_error_message_not_a_trace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise ExportError("the disk is full (test)")

    monkeypatch.setattr(geo.export, "export_bytes", broken)
    at = run()
    at.button(key="export_prepare").click().run()
    assert not at.exception
    assert [shown(e.value) for e in at.error] == [
        "Could not prepare the GeoPackage: the disk is full (test)"
    ]
    assert not has_widget(at.download_button, "export_download")
    assert has_widget(at.button, "export_prepare")  # and it can be tried again


def test_invalid_layers_are_listed_in_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = factories.layer(factories.event(event_date="2020-08-01"))
    (tmp_path / "broken.geojson").write_text(json.dumps(broken), encoding="utf-8")
    monkeypatch.setenv(ENV_LAYERS_DIR, str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    (error,) = at.error
    assert "broken.geojson feature 0 (id test-2020-07-14-a)" in shown(error.value)
    assert "date_start <= event_date <= date_end" in shown(error.value)


def test_missing_boundaries_show_events_without_regions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_BOUNDARIES_DIR, str(tmp_path))
    at = run()
    (warning,) = at.warning
    assert warning.value.startswith("Boundaries could not be loaded")
    assert ENV_BOUNDARIES_DIR in warning.value and "conflictmap boundaries fetch" in warning.value
    assert metric(at, "Events in view") == "18"
    # the data can still be exported; the printed map needs the boundaries
    assert has_widget(at.button, "export_prepare")
    assert not has_widget(at.button, "teacher_prepare")
    assert any("need the boundaries" in i.value for i in at.info)
    # ARM: Tavush (4 killed), the Nerkin Hand revenge operation (4), Yerevan x2; AZE: the
    # other 13, with Tovuz (12) and the Nagorno-Karabakh offensive (25/25/27); the alleged
    # fire of 12 February 2024 has no country (issue 11 item 3) and is in neither
    assert totals(at) == [("(country not given)", "(outside any region)", 1, 0, 0, 0),
                          ("Armenia", "(outside any region)", 4, 8, 8, 8),
                          ("Azerbaijan", "(outside any region)", 13, 37, 37, 39)]  # fmt: skip


def test_a_crafted_url_cannot_plant_a_link_or_markup() -> None:
    at = run({"mode": "[Click here](https://evil.example) **bold** <b>x</b>"})
    assert not at.exception
    (warning,) = [w.value for w in at.warning if "mode" in w.value]
    # every Markdown-active character is escaped, so Streamlit shows the text literally
    assert "\\[Click here\\]\\(https\\://evil\\.example\\)" in warning
    assert "\\*\\*bold\\*\\*" in warning
    assert "\\<b\\>x\\</b\\>" in warning


def test_md_escape_round_trips_to_the_literal_text() -> None:
    from geo.markdown import md_escape

    text = "a_b *c* [d](e) `f` #g <h> $i$ https://x.y 1. ~j~ | k & \\"
    escaped = md_escape(text)
    assert re.sub(r"\\(.)", r"\1", escaped) == text
    assert "](" not in escaped
    assert "https://" not in escaped
