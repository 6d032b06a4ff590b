"""The same map renders the same page (geo/render/_ids.py): folium's random ids numbered.

Streamlit sends a message whose bytes it already sent as a reference to it; the app
builds the map on every run, so the page must not change unless the map does.
"""

from __future__ import annotations

import pickle
import re
from datetime import date
from typing import Any

import folium
import pytest
from branca.element import Element, MacroElement
from jinja2 import Template

from geo import render
from geo.config import Settings
from geo.dataset import Dataset, load_dataset
from geo.render import mapdata
from geo.render._ids import number_ids, render_numbered
from geo.summary import region_summary
from geo.view import View, apply_view
from tests.helpers import run
from tests.test_map_parts import VIEWS, parts_of

#: Any 32 hex digits standing alone, as branca's ids do.
_HEX32 = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


def _ids_in(page_text: str) -> set[str]:
    return set(_HEX32.findall(page_text))


@pytest.fixture(scope="module")
def dataset(settings: Settings) -> Dataset:
    return load_dataset(settings)


@pytest.fixture(scope="module")
def files(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> mapdata.EventDataFiles:
    folder = tmp_path_factory.mktemp("mapdata")
    return mapdata.write_event_data(mapdata.pack_events(dataset.events), folder, base_url="/m")


def _raw_page(dataset: Dataset, view: View, files: Any, parts: Any = None) -> str:
    """The page as the app sends it (``tests.test_map_parts.page`` without renumbering)."""
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
    return render.map_html(m)


@pytest.mark.parametrize("canvas", [True, False], ids=["canvas", "inline"])
@pytest.mark.parametrize("name", ["everything", "one region", "choropleth", "nothing"])
def test_the_same_map_built_twice_renders_the_same_page(
    dataset: Dataset, files: mapdata.EventDataFiles, name: str, canvas: bool
) -> None:
    data = files if canvas else None
    first = _raw_page(dataset, VIEWS[name], data)
    assert _raw_page(dataset, VIEWS[name], data) == first
    # every id in the page is an element's position: none of branca's random ones left
    ids = _ids_in(first)
    assert ids and all(int(i, 16) < 200 for i in ids), sorted(ids)[-3:]
    (name_of_map,) = re.findall(r"var map_([0-9a-f]{32}) = L\.map\(", first)
    assert int(name_of_map, 16) < 10  # the figure, its header, body and script, the map


def test_kept_parts_give_the_very_same_bytes(
    dataset: Dataset, files: mapdata.EventDataFiles
) -> None:
    view = VIEWS["period and type"]
    kept = pickle.loads(pickle.dumps(parts_of(dataset, view, files)))  # as st.cache_data
    built = _raw_page(dataset, view, files)
    assert _raw_page(dataset, view, files, kept) == built
    # a map that changed still differs: the ids do not hide it
    assert _raw_page(dataset, VIEWS["everything"], files) != built


def test_names_written_while_building_follow_the_numbering() -> None:
    m = folium.Map(location=(40.0, 45.0), zoom_start=7, tiles=None)
    marker = folium.CircleMarker((40.1, 45.1), radius=3).add_to(m)
    written = marker.get_name()  # e.g. a layer's name put into another element's code
    caller = MacroElement()
    caller._template = Template(
        "{% macro script(this, kwargs) %}window.first = " + written + ";{% endmacro %}"
    )
    caller.add_to(m)
    fixed = Element("<div id='legend'></div>")
    fixed._id = "legend"  # not branca's form: kept
    m.get_root().html.add_child(fixed)

    text = render_numbered(m.get_root())
    assert written not in text
    positions = [int(e.get_name().rsplit("_", 1)[1], 16) for e in (m, marker, caller)]
    assert positions == sorted(positions) and positions[0] > 0  # in the order added
    assert f"window.first = {marker.get_name()};" in text
    assert f"var {m.get_name()} = L.map(" in text
    assert fixed._id == "legend"
    assert _ids_in(text) == {f"{i:032x}" for i in positions[:2]}


def test_numbering_again_gives_the_same_ids() -> None:
    m = folium.Map(tiles=None)
    marker = folium.CircleMarker((40.1, 45.1)).add_to(m)
    first = number_ids(m.get_root())
    names = (m.get_name(), marker.get_name())
    second = number_ids(m.get_root())
    assert (m.get_name(), marker.get_name()) == names
    assert first == second and len(first) == len(set(first.values()))


@pytest.mark.usefixtures("fresh_caches")
def test_the_app_sends_the_same_page_on_every_run_of_the_same_view() -> None:
    at = run({"tiles": "0"})
    first = at.session_state["map_html"]
    at.run()  # a rerun of the same view (as after the map's first draw)
    assert not at.exception
    assert at.session_state["map_html"] == first
    assert run({"tiles": "0"}).session_state["map_html"] == first  # a new page, too
    at.slider(key="period").set_value((date(2020, 7, 12), date(2020, 7, 16))).run()
    assert at.session_state["map_html"] != first
