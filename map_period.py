"""The app's map-period bar: which period the totals and tables use, and "use the map's period".

The time bar and ▶ play of the map change the period in the browser without rerunning the
script (``geo/render/js/eventlayer.js``), so the totals and tables keep the sidebar's
period. The bar says so, shows the period the map settled on, and one click makes that
the page's period (sidebar, URL, totals, tables and map). The map tells the page its
period only once it has held it for a moment (not while playing); the script reruns only
on the click. The front end is ``map_period_frontend/index.html``.
"""

from __future__ import annotations

import functools
import logging
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

LOG = logging.getLogger(__name__)
FRONTEND = Path(__file__).resolve().parent / "map_period_frontend"
#: Session-state key of the bar's value (``{"period": "FROM/TO", "click": n}``).
KEY = "map_period"
_component = components.declare_component("conflictmap_map_period", path=str(FRONTEND))


def period_from_map(value: Any, first: date, last: date) -> tuple[date, date] | None:
    """The period the bar sent (``{"period": "YYYY-MM-DD/YYYY-MM-DD"}``), kept inside the
    data's ``first``..``last``; ``None`` for anything else (logged, never raised)."""
    raw = value.get("period") if isinstance(value, dict) else None
    try:
        start_text, end_text = str(raw).split("/")
        start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
    except ValueError:
        if value is not None:
            LOG.warning("ignored a map period that is not FROM/TO days: %.200r", value)
        return None
    if start > end:
        start, end = end, start
    start, end = min(max(start, first), last), min(max(end, first), last)
    return start, end


def use_map_period(first: date, last: date, *, period_key: str = "period") -> None:
    """The bar's callback: the map's period becomes the sidebar's (before the script runs)."""
    period = period_from_map(st.session_state.get(KEY), first, last)
    if period is not None:
        st.session_state[period_key] = period


def map_period_bar(period: tuple[date, date], first: date, last: date) -> None:
    """The bar, for the sidebar's ``period`` (the data span ``first``..``last`` bounds a click)."""
    start, end = period
    _component(
        period=f"{start.isoformat()}/{end.isoformat()}",
        key=KEY,
        default=None,
        on_change=functools.partial(use_map_period, first, last),
    )
