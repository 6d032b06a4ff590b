"""The page under AppTest: presentation mode, region focus on the built map, no idle time bar."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import run

pytestmark = pytest.mark.usefixtures("fresh_caches")

JULY = {"start": "2020-07-12", "end": "2020-07-16"}


def _present_css_on(at: AppTest) -> bool:
    return any('section[data-testid="stSidebar"]' in str(h.proto.body) for h in at.get("html"))


def _card(at: AppTest) -> list[str]:
    """The texts in the region card's container (the block keyed "region-card")."""
    found: list[Any] = []
    stack: list[Any] = [at.main]
    while stack:
        node = stack.pop()
        if getattr(node, "type", None) == "flex_container" and str(
            getattr(node.proto, "id", "")
        ).endswith("-region-card"):
            found.append(node)
        stack.extend(getattr(node, "children", {}).values())
    (card,) = found
    return [m.value for m in card.markdown] + [h.value for h in card.subheader]


def test_present_button_enters_and_leaving_keeps_the_view() -> None:
    at = run({**JULY, "region": "Tavush"})
    assert at.button(key="present_button").label == "Present"
    assert not _present_css_on(at)
    # totals, the region's events, events in view; the region's claims
    assert len(at.dataframe) >= 3 and len(at.table) >= 1

    at.button(key="present_button").click().run()
    assert not at.exception
    assert at.query_params["present"] == "1"
    assert at.button(key="present_button").label == "Leave presentation"
    assert _present_css_on(at)
    # only the map and the card: no metrics, no tables
    assert list(at.metric) == []
    assert list(at.dataframe) == [] and list(at.table) == []
    card = _card(at)
    assert card[-1] == "Tavush, 12–16 July 2020\\: what the record says"  # Markdown source
    assert "Armenian authorities\\: 4 Armenian soldiers killed" in card[0]
    assert 'setAttribute("data-focus", "Tavush")' in at.session_state["map_html"]

    at.button(key="present_button").click().run()
    assert not at.exception
    assert "present" not in at.query_params
    assert at.button(key="present_button").label == "Present"
    assert not _present_css_on(at)
    # the rest of the view is as it was
    assert at.query_params["region"] == "Tavush"
    assert at.query_params["start"] == "2020-07-12"
    assert at.selectbox(key="region").value == "Tavush"
    # totals, the region's events, events in view; the region's claims
    assert len(at.dataframe) >= 3 and len(at.table) >= 1


def test_present_from_the_url() -> None:
    at = run({**JULY, "region": "Tavush", "mode": "regions", "present": "1"})
    assert at.button(key="present_button").label == "Leave presentation"
    assert _present_css_on(at)
    page = at.session_state["map_html"]
    assert 'setAttribute("data-focus", "Tavush")' in page
    assert "L.timelineSliderControl(" not in page  # the choropleth has no time bar


def test_choropleth_mode_says_the_period_is_its_totals_and_has_no_time_bar() -> None:
    at = run({**JULY, "mode": "regions"})
    page = at.session_state["map_html"]
    assert "L.timelineSliderControl(" not in page
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "The choropleth shows the totals of the whole period." in captions
    assert "time bar" not in captions
    at.radio(key="mode").set_value("events").run()
    assert "L.timelineSliderControl(" in at.session_state["map_html"]
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "press ▶ on the time bar under the map" in captions


def test_all_regions_removes_the_focus() -> None:
    at = run({**JULY, "region": "Tavush"})
    assert 'setAttribute("data-focus", "Tavush")' in at.session_state["map_html"]
    at.selectbox(key="region").set_value("").run()
    assert "data-focus" not in at.session_state["map_html"]
    assert "region" not in at.query_params
