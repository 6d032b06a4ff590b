"""The sidebar and the page under the map, laid out after the map's first draw (issue 9).

Streamlit's front end lays out every element of the page on the browser's main thread,
the one the map's frame must then boot on: measured (bench/README.md, eighth and
fourteenth runs), the page with nothing under the map drew its map ~2 s sooner than the
whole page, and without the sidebar's widgets the map's frame was created and answered
0.5-1 s sooner. So on a browser's first run of a session the sidebar holds only its
heading and a note (:func:`sidebar_waits`), nothing is laid out under the map, and a
hidden signal component (``map_drawn_frontend/index.html``) waits in its place; the map's
event layer tells the page when it first drew (``conflictmap-drawn``,
``geo/render/js/eventlayer.js``), the component passes it on, and the script runs again
with everything (the map's frame stays: same map, same key). The component answers after
``FALLBACK_MS`` in any case, so the rest never waits on a map that does not report. Once
shown, the rest is drawn in the same run on every later run of the session.

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
#: Session-state flag: the sidebar's widgets have been laid out in this session.
SIDEBAR_KEY = "sidebar_shown"
#: What the sidebar says while its widgets wait for the map's first draw.
SIDEBAR_WAIT_NOTE = "The filters and downloads appear as soon as the map is drawn."
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


def sidebar_waits(map_reports: bool, *, presenting: bool = False) -> bool:
    """Whether the sidebar's widgets wait for the map's first draw in this run (see
    :func:`deferring`; never in presentation mode, nor once they have been shown)."""
    if presenting or not deferring(map_reports) or st.session_state.get(SIDEBAR_KEY, False):
        st.session_state[SIDEBAR_KEY] = True
        return False
    return True


def page_after_map(rest: Callable[[], None], *, map_reports: bool) -> None:
    """Show ``rest()`` now, or (see :func:`deferring`) once the map has first drawn: then
    the signal's answer runs the whole script again, the sidebar's widgets included."""
    if deferring(map_reports):
        _component(fallback_ms=FALLBACK_MS, key=SIGNAL_KEY, default=None, on_change=_shown)
        return
    st.session_state[SHOWN_KEY] = True
    rest()
