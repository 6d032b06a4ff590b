"""The page under the map, laid out after the map's first draw (issue 9: page → map drawn).

Streamlit's front end lays out every element of the page on the browser's main thread,
the one the map's frame must then boot on: measured (bench/README.md, eighth run), the
page with nothing under the map drew its map ~2 s sooner than the whole page. So on a
browser's first run of a session the part under the map (card, totals, tables, claims,
episodes) is a fragment that shows only a hidden signal component
(``map_drawn_frontend/index.html``); the map's event layer tells the page when it first
drew (``conflictmap-drawn``, ``geo/render/js/eventlayer.js``), the component passes it on,
and the fragment reruns with the rest. The component answers after ``FALLBACK_MS`` in any
case, so the rest never waits on a map that does not report. Once shown, the rest is
drawn in the same run on every later run of the session.

Nothing is deferred without a browser (the script run by ``AppTest`` or a bench: no
request headers), nor when the map has no event layer to report (see :func:`deferring`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

FRONTEND = Path(__file__).resolve().parent / "map_drawn_frontend"
#: Session-state flag: the rest of the page has been shown in this session.
SHOWN_KEY = "page_rest_shown"
#: The signal component's key (its value: "drawn" or "timeout").
SIGNAL_KEY = "map_drawn_signal"
#: Longest wait for the map's report (ms) before the rest is shown anyway.
FALLBACK_MS = 4000
_component = components.declare_component("conflictmap_map_drawn", path=str(FRONTEND))


def browser_session() -> bool:
    """Whether a browser runs this session (``AppTest`` has no request headers)."""
    try:
        return bool(st.context.headers.get("User-Agent"))
    except Exception:  # no request context at all: no browser to wait on
        return False


def deferring(map_reports: bool) -> bool:
    """Whether the rest waits for the map: a browser's first page of the session, and a
    map whose event layer reports its first draw (``map_reports``)."""
    return map_reports and browser_session() and not st.session_state.get(SHOWN_KEY, False)


def _shown() -> None:
    st.session_state[SHOWN_KEY] = True


@st.fragment
def _after_map(rest: Callable[[], None]) -> None:
    if not st.session_state.get(SHOWN_KEY, False):
        _component(fallback_ms=FALLBACK_MS, key=SIGNAL_KEY, default=None, on_change=_shown)
        if not st.session_state.get(SHOWN_KEY, False):
            return
    rest()


def page_after_map(rest: Callable[[], None], *, map_reports: bool) -> None:
    """Show ``rest()`` now, or (see :func:`deferring`) once the map has first drawn."""
    if deferring(map_reports):
        _after_map(rest)
        return
    st.session_state[SHOWN_KEY] = True
    rest()
