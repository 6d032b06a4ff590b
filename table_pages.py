"""The app's event tables one page at a time: a page of rows sent, the others a click away.

A table of every event in view would send every row to the browser on every run (at
10^5 events, megabytes per view). The page sends :data:`PAGE_ROWS` rows, says which
rows they are of how many, and a pagination bar shows the others. Only the page's rows
are turned into table rows (``to_table``), so the script's work does not grow with the
view either. The bar and its table are a fragment: turning a page reruns only them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

#: Rows of an event table sent to the browser at once.
PAGE_ROWS = 100


def page_count(rows: int, per_page: int = PAGE_ROWS) -> int:
    """Pages needed for ``rows`` rows (one, empty, for none)."""
    return max(1, -(-rows // per_page))


def page_caption(page: int, rows: int, per_page: int = PAGE_ROWS) -> str:
    """Which rows a page shows: 'Events 101–200 of 1,003 (page 2 of 11).'"""
    if rows <= per_page:
        return f"{rows:,} event{'' if rows == 1 else 's'}."
    first = (page - 1) * per_page + 1
    last = min(page * per_page, rows)
    return f"Events {first:,}–{last:,} of {rows:,} (page {page:,} of {page_count(rows):,})."


@st.fragment
def paged_table(
    rows: pd.DataFrame,
    to_table: Callable[[pd.DataFrame], pd.DataFrame],
    *,
    key: str,
    column_config: Mapping[str, Any],
    alt: str,
    note: str = "",
) -> None:
    """One page of ``rows`` (as ``to_table`` shows them) under a caption and a page bar.

    ``key`` keys the table (``key``) and its page bar (``key + "_page"``); the page kept
    in the session is brought back inside the pages when the rows change. ``note`` (plain
    text) follows the caption when there is more than one page: where else every row is.
    ``alt`` is the table's accessible name.
    """
    pages = page_count(len(rows))
    page_key = f"{key}_page"
    if not 1 <= int(st.session_state.get(page_key, 1)) <= pages:
        st.session_state[page_key] = 1
    page = int(st.session_state.get(page_key, 1))
    caption = page_caption(page, len(rows))
    st.caption(f"{caption} {note}" if note and pages > 1 else caption)
    start = (page - 1) * PAGE_ROWS
    st.dataframe(
        to_table(rows.iloc[start : start + PAGE_ROWS]),
        column_config=dict(column_config),
        key=key,
        width="stretch",
        placeholder="",
        alt=alt,
    )
    if pages > 1:
        st.pagination(pages, key=page_key, max_visible_pages=7)
