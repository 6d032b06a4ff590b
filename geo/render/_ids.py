"""folium's element ids numbered in the order of the map's elements, so a map renders the same.

branca gives every element 32 random hex digits (``map_<id>``, ``feature_group_<id>``):
the same map built twice rendered two pages that differ only there. The app builds the
map again on every run of its script, and Streamlit then sent the whole page again
although nothing had changed (bench/README.md, eighteenth run): its message cache
(``ForwardMsg`` hashes, which the browser reports back on each rerun) only spares a
message that is byte for byte the same. Numbered in tree order, the same map gives the
same page, so a rerun that shows the same map costs a reference to the page instead of
the page, and a changed map still differs where it changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from branca.element import Element, Figure

#: An id as branca makes them: 32 lowercase hex digits.
_ID = re.compile(r"[0-9a-f]{32}")
#: An element's name in the page (``get_name()``: ``<name>_<id>``), by its id.
_NAME_ID = re.compile(r"_([0-9a-f]{32})(?![0-9a-f])")
#: Where an element keeps the id branca gave it (names written with it are renamed too).
_FIRST_ID = "_conflictmap_first_id"


def _elements(root: Element) -> Iterator[Element]:
    """``root`` and everything under it, depth first, in the order they were added."""
    stack = [root]
    seen: set[int] = set()
    while stack:
        element = stack.pop()
        if id(element) in seen:
            continue
        seen.add(id(element))
        yield element
        below = list(element._children.values())
        if isinstance(element, Figure):  # not children: rendered by the figure's template
            below = [element.header, element.html, element.script, *below]
        stack.extend(reversed(below))


def number_ids(root: Element) -> dict[str, str]:
    """Give every element under ``root`` the id ``<its position, 32 hex digits>``.

    Only ids of branca's form are replaced (an id set by hand, of another form, is kept).
    Returns each element's random id → its new id, for names written into other
    elements' code while the map was built (see :func:`render_numbered`).
    """
    renamed: dict[str, str] = {}
    for position, element in enumerate(_elements(root)):
        first = element.__dict__.setdefault(_FIRST_ID, element._id)
        if _ID.fullmatch(first):
            element._id = renamed[first] = f"{position:032x}"
    return renamed


def render_numbered(root: Element) -> str:
    """``root`` rendered with its elements' ids numbered (:func:`number_ids`).

    An element's name can be written into another element's code as the map is built
    (the popup kit's into the event layer's ``onEachFeature``); those are renamed in the
    page too (branca's templates write an id only in a name). branca's ids are 128 random
    bits, so nothing else in the page matches one.
    """
    renamed = number_ids(root)
    page = root.render()
    return _NAME_ID.sub(lambda m: "_" + renamed.get(m.group(1), m.group(1)), page)
