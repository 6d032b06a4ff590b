"""Time: the one rule for "is this event in the period", day parsing and period labels.

Every part of the product (map, region totals, tables, exports, figures, handouts,
CLI) asks this module, so an event is never in a period for one of them and out
of it for another.

The rule
--------
A period is a range of whole days, both ends inclusive; ``None`` leaves a side
open. An event belongs to the period when its own span overlaps it:
``date_start`` falls before the day after ``end``, and ``date_end`` (or, when it
is missing, ``date_start``: a one-day event) falls on or after ``start``. A time of
day never pushes an event out of its day: an event starting 2020-07-13 18:30 is
in the period "13 July 2020".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from geo.text import is_missing

#: How days are written on the command line, in URLs and in files.
DAY_FORMAT = "%Y-%m-%d"
DAY_EXAMPLE = "2020-07-12"


def parse_day(text: str) -> date:
    """A ``YYYY-MM-DD`` day. Raises :class:`ValueError` saying what was expected."""
    try:
        return datetime.strptime(text.strip(), DAY_FORMAT).date()
    except (ValueError, AttributeError):
        raise ValueError(f"{text!r} is not a date like {DAY_EXAMPLE}") from None


def check_period(start: date | None, end: date | None) -> None:
    """Raise :class:`ValueError` when ``start`` is after ``end``."""
    if start is not None and end is not None and start > end:
        raise ValueError(f"period start {start} is after its end {end}")


def to_day(value: Any) -> date | None:
    """The calendar day of a date, datetime, Timestamp or ISO string; ``None`` when missing.

    A time part is dropped (the day it falls on is kept); a timezone-aware value
    keeps its own local day.
    """
    if is_missing(value, blank=True):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return pd.Timestamp(value.strip()).date()
    raise TypeError(f"not a date: {value!r}")


def _bound(day: date, tz: Any) -> pd.Timestamp:
    ts = pd.Timestamp(day)
    return ts.tz_localize(tz) if tz is not None else ts


def in_period(frame: pd.DataFrame, start: date | None, end: date | None) -> pd.Series:
    """Boolean mask (same index) of the rows whose span overlaps the period (see module doc).

    Raises
    ------
    ValueError
        If ``start`` is after ``end``, a date column is absent, or (with a bound
        given) a row has no ``date_start``.
    """
    check_period(start, end)
    mask = pd.Series(True, index=frame.index)
    if start is None and end is None:
        return mask
    missing = [c for c in ("date_start", "date_end") if c not in frame.columns]
    if missing:
        raise ValueError(f"cannot filter by period: no column(s) {', '.join(missing)}")
    first = pd.to_datetime(frame["date_start"])
    last = pd.to_datetime(frame["date_end"]).fillna(first)
    undated = frame.index[first.isna()]
    if len(undated):
        raise ValueError(
            "cannot place undated events in a period: date_start missing for "
            + ", ".join(map(repr, undated[:20]))
        )
    tz = getattr(first.dt, "tz", None)
    if end is not None:
        mask &= first < _bound(end, tz) + pd.Timedelta(days=1)
    if start is not None:
        mask &= last >= _bound(start, tz)
    return mask


def filter_period(
    frame: pd.DataFrame, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """The rows of ``frame`` in the period (index and order preserved); see :func:`in_period`."""
    if start is None and end is None:
        check_period(start, end)
        return frame
    return frame[in_period(frame, start, end).to_numpy()]


def data_span(frame: pd.DataFrame) -> tuple[date, date] | None:
    """First and last day any event touches (``None`` for no dated event)."""
    if frame.empty:
        return None
    first = to_day(pd.to_datetime(frame["date_start"]).min())
    ends = pd.to_datetime(frame["date_end"]).fillna(pd.to_datetime(frame["date_start"]))
    last = to_day(ends.max())
    if first is None or last is None:
        return None
    return first, last


def day_label(day: date) -> str:
    """A day in words: '12 July 2020'."""
    return f"{day.day} {day:%B %Y}"


def period_label(start: date | None, end: date | None) -> str:
    """A date range in words: '12–16 July 2020', '28 June – 3 July 2020', 'from 1 May 2021'."""
    if start is None and end is None:
        return "all dates"
    if start is None:
        assert end is not None
        return f"until {day_label(end)}"
    if end is None:
        return f"from {day_label(start)}"
    if start == end:
        return day_label(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%B %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%B} – {day_label(end)}"
    return f"{day_label(start)} – {day_label(end)}"
