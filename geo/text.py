"""Values as every output shows them: what counts as missing, and text made safe for HTML."""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

#: Braces as HTML character references. folium/branca render each element's script and
#: then compile that output as a Jinja template again, so ``{{ ... }}`` or ``{% ... %}``
#: in the data would be evaluated on the server (template injection). No brace from the
#: data reaches that second pass; browsers, Google Earth and QGIS show them as braces.
BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})


def is_missing(value: Any, *, blank: bool = False) -> bool:
    """``None``, NaN, ``NaT`` or ``pd.NA`` (and, with ``blank=True``, a whitespace-only string)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return blank and isinstance(value, str) and not value.strip()


def html_text(value: Any) -> str:
    """``value`` as text safe inside HTML elements and attributes ('' when missing or blank).

    Escapes ``& < > " '`` and braces (see :data:`BRACES`), so the same text is safe in a
    folium map, a handout page and a KML description.
    """
    if is_missing(value, blank=True):
        return ""
    return html.escape(str(value), quote=True).translate(BRACES)


def _escape_char(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


#: Characters :func:`printable` escapes: C0 controls but newline, DEL, C1, lone surrogates.
_UNPRINTABLE = {
    c: _escape_char(chr(c))
    for c in (*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000))
    if c != 0x0A
}


def printable(text: str) -> str:
    """``text`` with control characters and lone surrogates shown as ``\\x1b``/``\\ud800``.

    For every message that reaches a terminal or a log: a hostile value cannot move the
    cursor, recolour the line or forge an "OK", and the message can always be encoded.
    Newlines are kept (messages span lines); tabs are escaped.
    """
    return str(text).translate(_UNPRINTABLE)
