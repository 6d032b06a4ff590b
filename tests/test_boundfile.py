"""The admin outlines as a content-hashed static file, and the libraries the map loads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import folium
import pytest

from geo import render
from geo._errors import OutputError
from geo.config import Settings
from geo.dataset import Dataset, load_dataset
from geo.render._immutable import IMMUTABLE_MTIME
from geo.render.boundfile import BoundaryData, pack_boundaries, write_boundaries
from geo.view import View

INLINE_OUTLINES = 'L.geoJson({"type":"FeatureCollection"'


@pytest.fixture(scope="module")
def dataset(settings: Settings) -> Dataset:
    data = load_dataset(settings)
    assert data.admin is not None
    return data


def test_the_file_holds_the_drawn_outlines_and_is_named_by_content(
    dataset: Dataset, tmp_path: Path
) -> None:
    admin = dataset.admin
    packed = pack_boundaries(admin)
    body = json.loads(packed.body)
    frames = (admin.regions, admin.countries)
    drawn = json.loads(json.dumps([render.display_geometries(f) for f in frames]))
    assert [body["regions"], body["countries"]] == drawn
    assert len(body["regions"]) == len(admin.regions) > 10

    url = write_boundaries(packed, tmp_path / "mapdata", base_url="/app/static/mapdata/")
    assert url == f"/app/static/mapdata/boundaries-{packed.digest}.json"
    path = tmp_path / "mapdata" / f"boundaries-{packed.digest}.json"
    assert path.read_bytes() == packed.body
    # written once: the same content is not rewritten, other content gets another name
    stamp = path.stat().st_ino  # an atomic write would make a new file
    assert write_boundaries(packed, tmp_path / "mapdata", base_url="/app/static/mapdata") == url
    assert path.stat().st_ino == stamp
    # named by content: an old time, so browsers keep it (geo/render/_immutable.py)
    assert path.stat().st_mtime == IMMUTABLE_MTIME
    other = BoundaryData(b'{"regions":[],"countries":[]}', "0" * 20)
    assert write_boundaries(other, tmp_path / "mapdata", base_url="/x") == (
        "/x/boundaries-" + "0" * 20 + ".json"
    )
    assert sorted(p.name for p in (tmp_path / "mapdata").iterdir()) == sorted(
        [path.name, "boundaries-" + "0" * 20 + ".json"]
    )


def test_a_folder_that_cannot_be_written_is_named(dataset: Dataset, tmp_path: Path) -> None:
    blocker = tmp_path / "mapdata"
    blocker.write_text("a file, not a folder")
    with pytest.raises(OutputError, match=r"cannot write .*mapdata/boundaries-"):
        write_boundaries(pack_boundaries(dataset.admin), blocker, base_url="/m")


def test_the_page_fetches_the_outlines_instead_of_carrying_them(dataset: Dataset) -> None:
    url = "/app/static/mapdata/boundaries-0123456789abcdef0123.json"
    inline = render.map_html(
        render.build_map(dataset.events, view=View(tiles=False), admin=dataset.admin)
    )
    m = render.build_map(
        dataset.events, view=View(tiles=False), admin=dataset.admin, boundaries_url=url
    )
    page = render.map_html(m)
    assert INLINE_OUTLINES in inline and INLINE_OUTLINES not in page
    assert f'fetch("{url}")' in page
    assert len(inline) - len(page) > 100_000  # the outlines were most of the page
    group = next(
        c for c in m._children.values() if getattr(c, "layer_name", "") == "Admin boundaries"
    )
    (outlines,) = [c for c in group._children.values() if isinstance(c, render.FetchedOutlines)]
    assert not [c for c in group._children.values() if isinstance(c, render.Outlines)]
    assert json.loads(outlines.styles_js) == render.BOUNDARY_STYLES
    # the region focus and the choropleth are still drawn from the page itself
    focused = render.map_html(
        render.build_map(
            dataset.events,
            view=View(tiles=False, region="Tavush"),
            admin=dataset.admin,
            boundaries_url=url,
        )
    )
    assert 'setAttribute("data-focus", "Tavush")' in focused


def _links(m: folium.Map) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    stack: list[Any] = [m]
    while stack:
        element = stack.pop()
        out += list(getattr(element, "default_js", [])) + list(getattr(element, "default_css", []))
        stack.extend(getattr(element, "_children", {}).values())
    return out


@pytest.mark.parametrize("mode", ["events", "regions"])
def test_the_map_loads_leaflet_and_its_plugins_only(dataset: Dataset, mode: str) -> None:
    from geo.summary import region_summary

    summary = region_summary(dataset.events, by="region")
    m = render.build_map(
        dataset.events, view=View(tiles=False, mode=mode), admin=dataset.admin, summary=summary
    )
    names = {name for name, _ in _links(m)}
    assert {"leaflet", "leaflet_css"} <= names
    unused = {"jquery", "bootstrap", "bootstrap_css", "glyphicons_css", "awesome_markers",
              "awesome_markers_css", "awesome_markers_font_css", "awesome_rotate_css"}  # fmt: skip
    assert names & unused == set()
    page = render.map_html(m)
    for lib in ("jquery", "bootstrap", "awesome-markers", "fontawesome"):
        assert lib not in page, lib
    # per map: folium's class lists, shared by every other map, are untouched
    assert "jquery" in dict(folium.Map.default_js)
    assert "bootstrap_css" in dict(folium.Map.default_css)
    assert "jquery" in dict(folium.Map(tiles=None).default_js)
