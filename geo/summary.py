"""Totals of events, deaths and injured per region or district over a period."""

from __future__ import annotations

from datetime import date
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo._errors import ValidationError
from geo.boundaries import AdminUnits
from geo.period import filter_period

#: Name of the row holding events that were joined to no region.
OUTSIDE_REGION = "(outside any region)"
#: Name of the row holding events located only to an area that is no single region.
AREA_REGION = "(area, no single region)"
#: Name of the ``country`` of events whose sources give no country (never put in a country's).
UNKNOWN_COUNTRY = "(country not given)"
#: Name of the row holding events that have a region but no district.
OUTSIDE_DISTRICT = "(district unknown)"
COUNT_COLUMNS = (
    "deaths_low", "deaths_best", "deaths_high", "injured_low", "injured_high",
)  # fmt: skip


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
    if problems:
        raise ValidationError(problems)


def _names(values: pd.Series, fallback: str) -> pd.Series:
    # column-wise, no Python call per row; missing values first (pandas 2 makes None "None")
    text = values.where(values.notna(), "").astype("str").str.strip()
    return text.where(text != "", fallback)


def _codes(values: pd.Series, fallback: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of a text column and the names they stand for, as :func:`_names`
    gives them (stripped; missing or blank is ``fallback``); each distinct value is
    cleaned once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    raw = pd.Series([*np.asarray(uniques, dtype=object), None], dtype=object)
    clean_codes, names = pd.factorize(_names(raw, fallback))
    return clean_codes[codes], np.asarray(names, dtype=object)


def _merge_same(codes: np.ndarray, names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One code per distinct name (a placeholder name may equal a name in the data)."""
    unique, inverse = np.unique(names.astype(str), return_inverse=True)
    return inverse[codes], unique.astype(object)


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
        The period (inclusive days; open when ``None``); see :mod:`geo.period`.
    admin
        When given, every unit of that level appears, with zeros if it has no
        events (for choropleths).

    Returns
    -------
    pandas.DataFrame
        One row per (country, unit), sorted by country then name, RangeIndex:
        ``country, region`` (or ``country, district, region``), ``events``,
        ``deaths_low, deaths_best, deaths_high, injured_low, injured_high``, all
        counts ``int64``. Events whose sources give no country count under the country
        ``"(country not given)"``, never in a country's rows. Events without a region are
        counted in a row named
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
    # column-wise on integer codes: each distinct name is cleaned once, then rows are counted
    # with bincount (no Python object per event; the same table as a groupby of the names)
    country, country_names = _codes(rows["country"], UNKNOWN_COUNTRY)
    region, region_names = _codes(rows["region"], OUTSIDE_REGION)
    region_names = np.append(region_names, AREA_REGION)
    if "join_method" in rows:
        region = np.where((rows["join_method"] == "area").to_numpy(), len(region_names) - 1, region)
    keys = ["country", "region"]
    columns = [(country, country_names), (region, region_names)]
    if by == "district":
        district, district_names = _codes(rows["district"], OUTSIDE_DISTRICT)
        outside = np.isin(region_names, [OUTSIDE_REGION, AREA_REGION])
        district_names = np.append(district_names, region_names)
        district = np.where(
            outside[region], len(district_names) - len(region_names) + region, district
        )
        keys = ["country", "district", "region"]
        columns = [(country, country_names), (district, district_names), (region, region_names)]
    key = np.zeros(len(rows), dtype=np.int64)
    columns = [_merge_same(codes, names) for codes, names in columns]
    for codes, names in columns:
        key = key * len(names) + codes
    groups, first, group = np.unique(key, return_index=True, return_inverse=True)
    counts = ["events", *COUNT_COLUMNS]
    table = pd.DataFrame(
        {
            name: pd.array(names[codes[first]], dtype="str")
            for name, (codes, names) in zip(keys, columns, strict=True)
        }
    )
    table["events"] = np.bincount(group, minlength=len(groups)).astype("int64")
    for col in COUNT_COLUMNS:
        values = pd.to_numeric(rows[col]).to_numpy().astype("int64")
        table[col] = np.bincount(group, weights=values, minlength=len(groups)).astype("int64")
    if admin is not None:
        units = admin.regions if by == "region" else admin.districts
        every = pd.DataFrame(units[keys]).astype(str).drop_duplicates()
        table = every.merge(table, on=keys, how="outer")
    table[counts] = table[counts].fillna(0).astype("int64")
    order = ["country", "district", "region"] if by == "district" else ["country", "region"]
    table = table.sort_values(order, kind="stable", ignore_index=True)
    return table[[*keys, *counts]]


def totals_with_units(
    summary: pd.DataFrame, units: gpd.GeoDataFrame, *, by: str
) -> gpd.GeoDataFrame:
    """The totals of :func:`region_summary` with each unit's id and geometry, in EPSG:4326.

    Rows are matched on the boundary data's own keys (``country`` + ``region``, plus
    ``district`` for districts), the names the spatial join assigned. Every unit of
    ``units`` appears (zero counts where the summary has none); rows of no unit
    (``"(outside any region)"``, ``"(area, no single region)"``) keep an empty
    geometry, so the counts still add up to the events. The map's choropleth and the
    exported ``region_summary`` layer are both built from this.
    """
    if by not in ("region", "district"):
        raise ValueError(f"by must be 'region' or 'district', got {by!r}")
    keys = ["country", "district", "region"] if by == "district" else ["country", "region"]
    ident = f"{by}_id"
    missing = [c for c in [*keys, "events"] if c not in summary.columns]
    if missing:
        raise ValueError(f"summary lacks column(s) {', '.join(missing)}")
    shapes = units.to_crs("EPSG:4326") if units.crs and units.crs.to_epsg() != 4326 else units
    shapes = pd.DataFrame(shapes[[*keys, ident, "geometry"]]).astype({k: str for k in keys})
    shapes = shapes.drop_duplicates(keys)
    figures = [c for c in summary.columns if c not in keys]
    merged = summary[[*keys, *figures]].merge(shapes, on=keys, how="outer", validate="one_to_one")
    for col in figures:
        if col in ("events", *COUNT_COLUMNS) or pd.api.types.is_numeric_dtype(summary[col]):
            merged[col] = merged[col].fillna(0).astype("int64")
    merged[ident] = merged[ident].astype(object).where(merged[ident].notna(), None)
    merged = merged.sort_values(keys, kind="stable", ignore_index=True)
    return gpd.GeoDataFrame(merged[[*keys, ident, *figures, "geometry"]], crs="EPSG:4326")
