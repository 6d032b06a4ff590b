"""The map's parts taken from the events (geo.render.parts), kept per dataset version and view.

Kept parts must give the very page built without them, and a kept copy must never be
used for another view or another dataset version.
"""

from __future__ import annotations

import dataclasses
import pickle
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import streamlit as st

import geo.render
import geo.render.mapdata
from geo import render
from geo.config import Settings
from geo.dataset import Dataset, load_dataset
from geo.render import mapdata
from geo.render.parts import LOOKS_ONLY
from geo.summary import region_summary
from geo.view import View, apply_view
from tests.helpers import run, selected_in

#: Views that differ in every way the parts depend on.
VIEWS = {
    "everything": View(tiles=False),
    "period and type": View(
        start=date(2020, 7, 12), end=date(2020, 7, 16), event_types=("Protests",)
    ),
    "one region": View(region="Tovuz District", tiles=False),
    "one district": View(level="district", region="Tavush"),
    "precise only": View(precise_only=True),
    "one episode": View(episodes=("tovuz-tavush-2020-07",)),
    "choropleth": View(mode="regions", measure="deaths_best"),
    "nothing": View(start=date(1990, 1, 1), end=date(1990, 1, 2)),
}

_FOLIUM_ID = re.compile(r"[0-9a-f]{32}")


def same_ids(page: str) -> str:
    """``page`` with folium's random element ids numbered in order of first appearance."""
    seen: dict[str, str] = {}
    return _FOLIUM_ID.sub(lambda m: seen.setdefault(m.group(), f"ID{len(seen)}"), page)


@pytest.fixture(scope="module")
def dataset(settings: Settings) -> Dataset:
    return load_dataset(settings)


@pytest.fixture(scope="module")
def files(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> mapdata.EventDataFiles:
    folder = tmp_path_factory.mktemp("mapdata")
    return mapdata.write_event_data(mapdata.pack_events(dataset.events), folder, base_url="/m")


def page(dataset: Dataset, view: View, files: Any, parts: Any = None) -> str:
    events = apply_view(dataset.events, view)
    summary = region_summary(apply_view(dataset.events, view.with_(region=None)),
                             by=view.level, admin=dataset.admin)  # fmt: skip
    m = render.build_map(
        events,
        view=view,
        admin=dataset.admin,
        episodes=dataset.episodes,
        summary=summary,
        event_data=files,
        parts=parts,
    )
    return same_ids(render.map_html(m))


def parts_of(dataset: Dataset, view: View, files: Any, **kwargs: Any) -> render.MapParts:
    return render.map_parts(
        apply_view(dataset.events, view),
        view=view,
        admin=dataset.admin,
        episodes=dataset.episodes,
        event_data=files,
        with_areas=view.mode != "regions",
        **kwargs,
    )


@pytest.mark.parametrize("canvas", [True, False], ids=["canvas", "inline"])
@pytest.mark.parametrize("name", list(VIEWS))
def test_kept_parts_give_the_page_built_without_them(
    dataset: Dataset, files: mapdata.EventDataFiles, name: str, canvas: bool
) -> None:
    view = VIEWS[name]
    data = files if canvas else None
    built = page(dataset, view, data)
    shapes = render.region_shapes(dataset.admin.regions)
    # as the app keeps them: outlines simplified once, pickled by st.cache_data
    kept = pickle.loads(pickle.dumps(parts_of(dataset, view, data, shapes=shapes)))
    assert page(dataset, view, data, kept) == built
    if name == "period and type" and canvas:  # the page really differs per view
        assert selected_in(built) == 6
        assert built != page(dataset, VIEWS["everything"], data)


@pytest.mark.parametrize("name", ["everything", "one region", "nothing", "choropleth"])
def test_with_kept_parts_a_canvas_map_needs_no_event_rows(
    dataset: Dataset, files: mapdata.EventDataFiles, name: str
) -> None:
    view = VIEWS[name]
    parts = parts_of(dataset, view, files)
    summary = region_summary(dataset.events, by=view.level, admin=dataset.admin)
    without = render.build_map(None, view=view, admin=dataset.admin, episodes=dataset.episodes,
                               summary=summary, event_data=files, parts=parts)  # fmt: skip
    assert same_ids(render.map_html(without)) == page(dataset, view, files)


def test_without_parts_or_canvas_the_events_are_needed(
    dataset: Dataset, files: mapdata.EventDataFiles
) -> None:
    with pytest.raises(ValueError, match="needs the events, or map parts"):
        render.build_map(None, view=View(), admin=dataset.admin, event_data=files)
    inline = parts_of(dataset, View(), None)
    with pytest.raises(ValueError, match="without an event canvas needs the events"):
        render.build_map(None, view=View(), admin=dataset.admin, parts=inline)


def test_region_level_outlines_are_in_the_kept_parts(
    dataset: Dataset, files: mapdata.EventDataFiles
) -> None:
    parts = parts_of(dataset, View(), files)
    # Tovuz (two events, overlapping days) and Tavush: one outline each, curated episode
    assert {e: [f["properties"]["region_id"] for f in fs] for e, fs in parts.areas.items()} == {
        "tovuz-tavush-2020-07": sorted(
            dataset.admin.regions.set_index("region")
            .loc[["Tovuz District", "Tavush"], "region_id"]
            .astype(str)
        )
    }
    assert parts.canvas is not None and parts.canvas.events_in_view == len(dataset.events)
    assert parts_of(dataset, View(mode="regions"), files).areas == {}


def test_parts_without_areas_are_refused_where_the_map_draws_areas(
    dataset: Dataset, files: mapdata.EventDataFiles
) -> None:
    without = parts_of(dataset, View(mode="regions"), files)
    with pytest.raises(ValueError, match="computed without areas"):
        render.build_map(dataset.events, view=View(), admin=dataset.admin, event_data=files,
                         parts=without)  # fmt: skip


def test_outlines_simplified_once_are_the_ones_area_features_draws(dataset: Dataset) -> None:
    regions = dataset.admin.regions
    shapes = render.region_shapes(regions)
    assert len(shapes) == regions["region_id"].nunique()
    plain = render.area_features(dataset.events, regions)
    assert len(plain) == 2
    assert render.area_features(dataset.events, regions, shapes=shapes) == plain


def test_the_key_changes_with_every_field_that_changes_the_parts(
    dataset: Dataset, files: mapdata.EventDataFiles
) -> None:
    base = View()
    changed = {
        "start": date(2020, 7, 12),
        "end": date(2020, 7, 16),
        "episodes": ("tovuz-tavush-2020-07",),
        "event_types": ("Protests",),
        "actors": ("Military Forces of Armenia (2018-)",),
        "countries": ("ARM",),
        "region": "Tovuz District",
        "level": "district",
        "precise_only": True,
        "mode": "regions",
        "measure": "deaths_best",
    }
    looks = {"tiles": False, "present": True}
    names = {f.name for f in dataclasses.fields(View)}
    assert set(changed) | set(looks) == names  # a new View field must be added here
    assert set(looks) == set(LOOKS_ONLY)
    keys = {render.parts_key(base.with_(**{k: v})) for k, v in changed.items()}
    assert len(keys) == len(changed) and render.parts_key(base) not in keys
    for field, value in looks.items():
        view = base.with_(**{field: value})
        assert render.parts_key(view) == render.parts_key(base)
        assert parts_of(dataset, view, files) == parts_of(dataset, base, files)
    # the key is the view itself: the app rebuilds the view from it
    for view in [*VIEWS.values(), base.with_(**changed)]:
        assert View.from_query(dict(render.parts_key(view)))[0] == view.with_(**LOOKS_ONLY)


# --- in the app -------------------------------------------------------------------------------


@pytest.fixture
def parts_made(monkeypatch: pytest.MonkeyPatch) -> list[View]:
    """The view of every :func:`geo.render.map_parts` call the app makes."""
    made: list[View] = []
    original = geo.render.map_parts

    def counted(events: Any, *, view: View, **kwargs: Any) -> render.MapParts:
        made.append(view)
        return original(events, view=view, **kwargs)

    monkeypatch.setattr(geo.render, "map_parts", counted)
    return made


@pytest.mark.usefixtures("fresh_caches")
def test_the_app_keeps_the_parts_per_view(parts_made: list[View]) -> None:
    at = run({"tiles": "0"})
    first = same_ids(at.session_state["map_html"])
    assert parts_made == [View(tiles=True)] and selected_in(first) == 18
    again = run({"tiles": "0"})  # a new page, same view: kept
    assert parts_made == [View(tiles=True)]
    assert same_ids(again.session_state["map_html"]) == first
    run({"tiles": "0", "present": "1"})  # presentation mode draws the same events
    assert len(parts_made) == 1
    at.slider(key="period").set_value((date(2020, 7, 12), date(2020, 7, 16))).run()
    assert parts_made[1:] == [View(start=date(2020, 7, 12), end=date(2020, 7, 16))]
    assert selected_in(at.session_state["map_html"]) == 11


@pytest.mark.usefixtures("fresh_caches")
def test_a_new_dataset_version_is_not_drawn_from_the_old_parts(
    parts_made: list[View], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    run({"tiles": "0"})
    st.cache_resource.clear()  # the data loaded again, the same: the parts stay kept
    run({"tiles": "0"})
    assert len(parts_made) == 1
    original = geo.render.mapdata.pack_and_write

    def new_version(*args: Any, **kwargs: Any) -> mapdata.EventDataFiles:
        files = original(*args, **kwargs)
        return dataclasses.replace(files, data_url=files.data_url.replace("events-", "events-2-"))

    monkeypatch.setattr(geo.render.mapdata, "pack_and_write", new_version)
    st.cache_resource.clear()
    at = run({"tiles": "0"})
    assert len(parts_made) == 2
    assert "events-2-" in at.session_state["map_html"]
