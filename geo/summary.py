"""Totals of events, deaths and injured per region or district over a period."""

from __future__ import annotations

from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from geo._errors import ValidationError
from geo.boundaries import AdminUnits

#: Name of the row holding events that were joined to no region.
OUTSIDE_REGION = "(outside any region)"
#: Name of the row holding events located only to an area that is no single region.
AREA_REGION = "(area, no single region)"
#: Name of the row holding events that have a region but no district.
OUTSIDE_DISTRICT = "(district unknown)"
COUNT_COLUMNS = (
    "deaths_low", "deaths_best", "deaths_high", "injured_low", "injured_high",
)  # fmt: skip


def _bound(value: date, tz: object) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if tz is not None and ts.tzinfo is None:
        ts = ts.tz_localize(tz)
    return ts


def filter_period(
    df: pd.DataFrame, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """The rows whose ``date_start``..``date_end`` overlaps the period ``start``..``end``.

    An event is in the period when ``date_start <= end`` and ``date_end >=
    start``, so an event spanning several days counts in every period it
    touches. Both bounds are whole days and inclusive: ``end`` covers the whole
    of that day. ``None`` leaves that side open. A missing ``date_end`` means a
    one-day event. Index and order are preserved.

    Raises
    ------
    ValueError
        If ``start`` is after ``end``, or (with a bound given) a row has no
        ``date_start``.
    """
    if start is not None and end is not None and pd.Timestamp(start) > pd.Timestamp(end):
        raise ValueError(f"period start {start} is after its end {end}")
    if start is None and end is None:
        return df
    missing = [c for c in ("date_start", "date_end") if c not in df.columns]
    if missing:
        raise ValueError(f"cannot filter by period: no column(s) {', '.join(missing)}")
    first = pd.to_datetime(df["date_start"])
    last = pd.to_datetime(df["date_end"]).fillna(first)
    undated = df.index[first.isna()]
    if len(undated):
        raise ValueError(
            "cannot place undated events in a period: date_start missing for "
            + ", ".join(map(repr, undated[:20]))
        )
    tz = getattr(first.dt, "tz", None)
    mask = pd.Series(True, index=df.index)
    if end is not None:
        day_after = _bound(end, tz).normalize() + pd.Timedelta(days=1)
        mask &= first < day_after
    if start is not None:
        mask &= last >= _bound(start, tz).normalize()
    return df[mask.to_numpy()]


def _check(joined: pd.DataFrame, by: str) -> None:
    if by not in ("region", "district"):
        raise ValueError(f"by must be 'region' or 'district', got {by!r}")
    needed = ["country", "region", *([by] if by == "district" else []), *COUNT_COLUMNS]
    problems = [f"no column {c!r}" for c in needed if c not in joined.columns]
    if problems:
        raise ValidationError(problems)
    for col in COUNT_COLUMNS:
        values = pd.to_numeric(joined[col], errors="coerce")
        bad = joined.index[values.isna() | (values != np.floor(values))]
        if len(bad):
            problems.append(
                f"{col}: not a whole number in row(s) {', '.join(map(repr, bad[:20]))}"
                + (f" and {len(bad) - 20} more" if len(bad) > 20 else "")
            )
    no_country = joined.index[joined["country"].isna()]
    if len(no_country):
        problems.append(f"country missing in row(s) {', '.join(map(repr, no_country[:20]))}")
    if problems:
        raise ValidationError(problems)


def _names(values: pd.Series, fallback: str) -> pd.Series:
    text = values.astype("str").fillna("").str.strip()  # column-wise, no Python call per row
    return text.where(text != "", fallback)


def region_summary(
    joined: pd.DataFrame,
    *,
    by: Literal["region", "district"] = "region",
    start: date | None = None,
    end: date | None = None,
    admin: AdminUnits | None = None,
) -> pd.DataFrame:
    """Events and casualty totals per region (or district) for a period.

    Parameters
    ----------
    joined
        Events after :func:`geo.join.join_events`: ``country``, ``region`` (and
        ``district``), ``date_start``/``date_end``, and the whole-number columns
        ``deaths_low, deaths_best, deaths_high, injured_low, injured_high``.
    by
        ``'region'`` or ``'district'``.
    start, end
        The period (inclusive days; open when ``None``); see :func:`filter_period`.
    admin
        When given, every unit of that level appears, with zeros if it has no
        events (for choropleths).

    Returns
    -------
    pandas.DataFrame
        One row per (country, unit), sorted by country then name, RangeIndex:
        ``country, region`` (or ``country, district, region``), ``events``,
        ``deaths_low, deaths_best, deaths_high, injured_low, injured_high``, all
        counts ``int64``. Events without a region are counted in a row named
        ``"(outside any region)"``, events located only to an area that is no
        single region (join method ``area``) in ``"(area, no single region)"``;
        by district, events with a region but no
        district (known only at region level, or in a gap between districts) in
        ``"(district unknown)"`` under their region. No event
        is dropped, except that of a linked group (``counted`` False, see
        :mod:`geo.link`) only the primary event counts.
    """
    _check(joined, by)
    rows = filter_period(joined, start, end)
    if "counted" in rows.columns:  # an event linked to another is counted once, with it
        rows = rows[rows["counted"].fillna(True).astype(bool).to_numpy()]
    region = _names(rows["region"], OUTSIDE_REGION)
    if "join_method" in rows:
        region = region.where((rows["join_method"] != "area").to_numpy(), AREA_REGION)
    frame = pd.DataFrame({"country": rows["country"].astype("str").array, "region": region.array})
    keys = ["country", "region"]
    if by == "district":
        district = _names(rows["district"], OUTSIDE_DISTRICT).to_numpy()
        frame["district"] = np.where(
            frame["region"].isin([OUTSIDE_REGION, AREA_REGION]), frame["region"], district
        )
        keys = ["country", "district", "region"]
    for col in COUNT_COLUMNS:
        frame[col] = pd.to_numeric(rows[col]).to_numpy().astype("int64")
    frame["events"] = np.ones(len(frame), dtype="int64")

    counts = ["events", *COUNT_COLUMNS]
    table = frame.groupby(keys, sort=False, dropna=False)[counts].sum().reset_index()
    if admin is not None:
        units = admin.regions if by == "region" else admin.districts
        every = pd.DataFrame(units[keys]).astype(str).drop_duplicates()
        table = every.merge(table, on=keys, how="outer")
    table[counts] = table[counts].fillna(0).astype("int64")
    order = ["country", "district", "region"] if by == "district" else ["country", "region"]
    table = table.sort_values(order, kind="stable", ignore_index=True)
    return table[[*keys, *counts]]
