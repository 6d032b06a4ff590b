"""The map's frame (map_frame.py): its key, what the page sends it, and its front end's rules
(the browser side: tests/test_browser.py, every map test draws through it)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import map_frame
from tests.helpers import run

pytestmark = pytest.mark.usefixtures("fresh_caches")

PAGE = """<!DOCTYPE html><html><head><script src="/app/static/vendor/leaflet.js"></script>
</head><body><div class="folium-map" id="map_{a}"></div><script>
var map_{a} = L.map("map_{a}", {{}}); var layer_control_{b}_layers = {{}};
</script></body></html>"""


def _page(a: str, b: str, extra: str = "") -> str:
    return PAGE.format(a=a, b=b) + extra


def test_the_same_map_built_again_keeps_its_frame() -> None:
    """folium names every element with a new random id per build; those are left out."""
    one = _page("0" * 32, "1" * 32)
    again = _page("a" * 32, "b" * 32)
    assert map_frame.frame_key(one, "map", []) == map_frame.frame_key(again, "map", [])
    assert map_frame.frame_key(one, "map", []).startswith("map-")


@pytest.mark.parametrize(
    ("other", "returned"),
    [
        (_page("0" * 32, "1" * 32, "<!-- another period -->"), []),  # another map
        (_page("0" * 32, "1" * 32), ["last_object_clicked"]),  # asks for clicks
        (_page("0" * 31, "1" * 32), []),  # not a folium id: part of the map
    ],
)
def test_another_map_or_other_returns_get_a_new_frame(other: str, returned: list[str]) -> None:
    base = _page("0" * 32, "1" * 32)
    assert map_frame.frame_key(base, "map", []) != map_frame.frame_key(other, "map", returned)


def _frame_args(at: AppTest) -> dict[str, Any]:
    found = [
        e.proto
        for e in at.get("component_instance") + at.get("unknown")
        if getattr(getattr(e, "proto", None), "component_name", "") == map_frame.TITLE
    ]
    assert len(found) == 1, [str(getattr(e, "proto", ""))[:80] for e in at.get("unknown")]
    return dict(json.loads(found[0].json_args))


def test_the_page_sends_the_map_it_built_to_its_own_frame() -> None:
    at = run()
    args = _frame_args(at)
    # the whole page the app built (and kept for tests), shown as it is
    assert args["page"] == at.session_state["map_html"]
    assert args["height"] == 680 and args["returned_objects"] == []
    assert "streamlit_folium" not in str([e.proto for e in at.get("unknown")])


def test_the_choropleth_asks_its_frame_for_clicks() -> None:
    args = _frame_args(run({"mode": "regions"}))
    assert args["returned_objects"] == ["last_object_clicked"]


def test_the_frame_builds_no_html_from_text_and_loads_no_script_of_its_own() -> None:
    """Its script is inline (nothing to fetch before the map's own libraries), and it moves
    the page's parsed elements in: no HTML parsed from strings into the live page."""
    text = (map_frame.FRONTEND / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=", text)
    for unsafe in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert unsafe not in text, unsafe
    # the libraries are fetched at once but run in the page's order
    assert "s.async = false" in text and 'hint.rel = "preload"' in text
