"""The map's frame: the folium page the app built, shown by a small component of our own.

It replaces ``streamlit_folium.st_folium`` on the page (issue 9: page → map drawn). The
front end (``map_frame_frontend/index.html``, inline script, no build step) takes the
whole page :func:`geo.render.map_html` made, moves its elements in and runs its scripts in
their order, fetched all at once; streamlit-folium's front end was a 225 kB ``main.js``
that Streamlit's component route lets no browser keep (``Cache-Control: public`` without
a validator or age), and it loaded the map's libraries one after the other. What comes
back is what the app reads from streamlit-folium: ``{"last_object_clicked": {"lat", "lng"}}``
when a layer is clicked and ``returned_objects`` asks for it; nothing otherwise.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

FRONTEND = Path(__file__).resolve().parent / "map_frame_frontend"
#: The frame's title on the page (Streamlit names a component's iframe after it).
TITLE = "map_frame.conflictmap_map"
#: folium's element ids (``map_<32 hex>``): new on every build of the same map.
_FOLIUM_ID = re.compile(r"_[0-9a-f]{32}(?![0-9a-f])")
_component = components.declare_component("conflictmap_map", path=str(FRONTEND))


def frame_key(page: str, key: str, returned_objects: Sequence[str]) -> str:
    """The component's key: the same for the same map (folium's random ids left out), so
    a rerun that builds the same map keeps the frame, and a new map gets a new frame."""
    text = _FOLIUM_ID.sub("", page) + "\0" + key + "\0" + ",".join(returned_objects)
    return f"{key}-{hashlib.sha256(text.encode()).hexdigest()[:20]}"


def map_frame(
    page: str,
    *,
    key: str,
    height: int,
    returned_objects: Sequence[str] = (),
    on_change: Callable[[], None] | None = None,
) -> Any:
    """Show the map page ``page`` (:func:`geo.render.map_html`) ``height`` pixels high.

    ``st.session_state[key]`` holds what the map sent back (``{}`` or
    ``{"last_object_clicked": None}`` until then, as streamlit-folium's defaults), and
    ``on_change`` runs when it sends something new.
    """
    default = {name: None for name in returned_objects if name == "last_object_clicked"}
    inner = frame_key(page, key, returned_objects)

    def changed() -> None:
        st.session_state[key] = st.session_state.get(inner, default)
        if on_change is not None:
            on_change()

    return _component(
        page=page,
        height=height,
        returned_objects=list(returned_objects),
        default=default,
        key=inner,
        on_change=changed,
    )
