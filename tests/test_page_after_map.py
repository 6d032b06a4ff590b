"""The sidebar's widgets and the page under the map (page_after_map.py) under AppTest: whole
without a browser; with one, laid out only once the map has reported (the browser side is
in test_browser.py)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import page_after_map
from tests.helpers import APP, TIMEOUT, metric, run

pytestmark = pytest.mark.usefixtures("fresh_caches")


def _subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def _signals(at: AppTest) -> int:
    return sum(
        "conflictmap_map_drawn" in str(getattr(e, "proto", ""))
        for e in at.get("component_instance") + at.get("unknown")
    )


def test_without_a_browser_the_whole_page_is_in_the_first_run() -> None:
    at = run()
    heads = _subheaders(at)
    assert "Events in view" in heads and "Episode-wide claims" in heads
    assert any(h.startswith("Totals per region") for h in heads)
    assert at.session_state[page_after_map.SHOWN_KEY] is True
    assert _signals(at) == 0


def test_a_browser_gets_the_rest_once_the_map_has_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(page_after_map, "browser_session", lambda: True)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    heads = _subheaders(at)
    # the map and what is above it are there; nothing under it yet, but the signal
    assert metric(at, "Events in view") == "18"  # the curated layers
    assert "Events in view" not in heads and "Episode-wide claims" not in heads
    assert _signals(at) == 1
    assert page_after_map.SHOWN_KEY not in at.session_state
    # the sidebar holds its heading and a note; its widgets follow the map too
    assert [h.value for h in at.sidebar.header] == ["View"]
    assert [c.value for c in at.sidebar.caption] == [page_after_map.SIDEBAR_WAIT_NOTE]
    assert not at.slider and not at.sidebar.multiselect and not at.sidebar.button
    # what the signal's callback does when the map reports (or its wait runs out)
    at.session_state[page_after_map.SHOWN_KEY] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    heads = _subheaders(at)
    assert "Events in view" in heads and "Episode-wide claims" in heads
    assert _signals(at) == 0
    assert at.slider(key="period").value and at.sidebar.multiselect(key="episodes") is not None
    assert page_after_map.SIDEBAR_WAIT_NOTE not in [c.value for c in at.sidebar.caption]
    assert at.session_state[page_after_map.SIDEBAR_KEY] is True


def test_a_browser_in_presentation_mode_gets_its_sidebar_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Presentation mode lays out nothing under the map, so nothing waits on it."""
    monkeypatch.setattr(page_after_map, "browser_session", lambda: True)
    at = run({"present": "1"})
    assert at.slider(key="period").value
    assert page_after_map.SIDEBAR_WAIT_NOTE not in [c.value for c in at.sidebar.caption]


def test_a_browser_in_regions_mode_is_not_kept_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The choropleth has no event layer to report a draw: the rest comes at once."""
    monkeypatch.setattr(page_after_map, "browser_session", lambda: True)
    at = run({"mode": "regions"})
    assert "Events in view" in _subheaders(at)
    assert _signals(at) == 0
    assert at.slider(key="period").value
