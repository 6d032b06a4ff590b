"""UCDP Georeferenced Event Dataset (GED) files into our event record, columnar.

Mapping (see README, "Importing ACLED and UCDP"):

- ``id`` → ``event_id`` ``ucdp-<id>``; ``date_start``/``date_end`` (with or without a time
  part) → ours, ``event_date`` = ``date_start``; an end before the start is a bad row.
- ``where_prec`` 1–7 is ours unchanged; ``geo_precision`` is 1, 2, or 3 (``where_prec`` 3+);
  ``date_prec`` 1 → ``time_precision`` 1, 2–3 (up to a week) → 2, 4–5 (a month or more) → 3.
- ``low``, ``best``, ``high`` → three claims by UCDP about everybody killed; ``deaths_a``/
  ``deaths_b`` → claims about side A / side B (Armenian or Azerbaijani when the side names
  Armenia/Artsakh/Nagorno-Karabakh or Azerbaijan, else other); ``deaths_civilians`` → a
  claim about civilians; ``deaths_unknown`` is said in the note of the ``best`` claim. A
  ``high`` below ``best`` (it happens in real releases) is kept as published and flagged in
  ``quality_flags``.
- ``source_article`` (several ``;``-joined, often quoted items) → one source per item, cited
  by the UCDP record the claims rest on.
- ``type_of_violence`` → ``event_type`` (state-based / non-state / one-sided violence),
  ``conflict_name`` → ``sub_event_type``, ``side_a``/``side_b`` → ``actor1``/``actor2``,
  ``where_coordinates`` → ``location``, ``where_description`` → ``location_note``,
  ``adm_1``/``adm_2`` → ``source_admin1``/``source_admin2``.
- Every column of the file is kept as text under ``ucdp.<column>``.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.importers._common import (
    TAGS_DTYPE,
    ImportResult,
    Problems,
    RawTable,
    SeenIds,
    arrow,
    assemble,
    assemble_table,
    check_codes,
    check_coordinates,
    check_duplicates,
    check_figures,
    choose_text,
    claims_column,
    country_codes,
    days,
    fits_shape,
    no_events,
    numbers,
    or_none,
    parse_csv,
    read_bytes,
    repeated_text,
    require_columns,
    sources_column,
    split_items,
    text,
    text_offsets,
    text_series,
)

DATASET = "ucdp"
ATTRIBUTION = (
    "UCDP Georeferenced Event Dataset (GED), Uppsala Conflict Data Program; "
    "Sundberg & Melander 2013, Davies et al."
)
LICENCE = "CC BY 4.0"
#: The columns of UCDP GED (global release, version 23.1 and later), in its order.
COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name",
    "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b",
    "number_of_sources", "source_article", "source_office", "source_date", "source_headline",
    "source_original", "where_prec", "where_coordinates", "where_description", "adm_1",
    "adm_2", "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id",
    "region", "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b",
    "deaths_civilians", "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)  # fmt: skip
REQUIRED = ("id", "latitude", "longitude", "date_start", "date_end")
#: Day formats; a time after the day (``2020-07-12 00:00:00.000``) is allowed and dropped.
DATE_FORMATS = ("%Y-%m-%d",)
TYPES = {1: "State-based conflict", 2: "Non-state conflict", 3: "One-sided violence"}
#: UCDP date_prec → ACLED time_precision.
TIME_PRECISION = {1: 1, 2: 2, 3: 2, 4: 3, 5: 3}
FIGURES = ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "high", "low")


def side_of(names: pd.Series) -> pa.Array:
    """Our ``side`` vocabulary for UCDP side names (worked out once per distinct name)."""
    encoded = pc.dictionary_encode(arrow(names.fillna(""), pa.string()))
    sides = pa.array([_side(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return sides.take(encoded.indices)


def _side(name: str) -> str:
    low = name.casefold()
    arm = re.search("armenia|artsakh|nagorno", low) is not None
    aze = "azerbaijan" in low
    return "armenian" if arm and not aze else "azerbaijani" if aze and not arm else "other"


def _articles(values: pd.Series) -> pa.ListArray:
    """Split ``source_article``: quoted items joined by ``;`` (``"a,b";"c"``), or plain ``;``."""
    arr = arrow(values.fillna(""), pa.string())  # in Arrow: no Python call per row
    quoted = pc.starts_with(arr, '"')
    every = pc.all(quoted).as_py() is not False
    none = not every and pc.any(quoted).as_py() is not True

    def quoted_items() -> pa.Array:
        if _semicolons_unspaced(arr):  # the pattern can only meet '";"' itself
            cut = pc.replace_substring(arr, '";"', "\x1f")
        else:
            cut = pc.replace_substring_regex(arr, r'"\s*;\s*"', "\x1f")
        return pc.utf8_trim(cut, characters='"')

    if every:
        marked = quoted_items()
    elif none:
        marked = pc.replace_substring(arr, ";", "\x1f")
    else:
        marked = pc.if_else(quoted, quoted_items(), pc.replace_substring(arr, ";", "\x1f"))
    items = split_items(pd.Series(pd.arrays.ArrowExtensionArray(marked)), "\x1f")
    flat = pc.utf8_trim(pc.list_flatten(items), characters='" ')
    return pa.ListArray.from_arrays(items.offsets, flat)


#: A day as UCDP's references give it after the outlet: ``2020-07-13`` ("d" a digit).
_DAY_SHAPE = "dddd-dd-dd"
#: What the pattern ``\\s`` skips (RE2: ASCII tab, newline, form feed, carriage return,
#: space) between the outlet's comma and the day.
_SPACE = np.array([0x09, 0x0A, 0x0C, 0x0D, 0x20], dtype=np.uint8)


def publication_days(refs: pa.Array) -> pa.Array:
    """The day each UCDP reference (``Outlet,2020-07-13,headline``) gives right after its
    first comma (spaces between allowed), as text, or missing: what the pattern
    ``^[^,]*,\\s*(\\d{4}-\\d{2}-\\d{2})`` takes, read from the bytes instead."""
    refs = arrow(refs, pa.string())
    n = len(refs)
    if n == 0 or refs.buffers()[2] is None:
        return pa.nulls(n, pa.string())
    offsets = text_offsets(refs)
    starts, ends = offsets[:-1], offsets[1:]
    data = np.frombuffer(refs.buffers()[2], dtype=np.uint8)
    commas = np.flatnonzero(data == 0x2C)
    if not len(commas):
        return pa.nulls(n, pa.string())
    first = commas[np.minimum(np.searchsorted(commas, starts), len(commas) - 1)]
    has_comma = (first >= starts) & (first < ends)
    if refs.null_count:
        has_comma &= refs.is_valid().to_numpy(zero_copy_only=False)
    # the first byte after the comma that is not a space (spaces are few: stepped over)
    day = np.where(has_comma, first + 1, 0)
    step = has_comma.copy()
    while step.any():
        rows = np.flatnonzero(step)
        inside = day[rows] < ends[rows]
        spaced = np.zeros(len(rows), dtype=bool)
        spaced[inside] = np.isin(data[day[rows[inside]]], _SPACE)
        day[rows[spaced]] += 1
        step[rows[~spaced]] = False
    size = len(_DAY_SHAPE)
    ok = has_comma & (day + size <= ends)
    rows = np.flatnonzero(ok)
    if len(data) < size:  # no cell is long enough: ``rows`` is empty
        data = np.zeros(size, dtype=np.uint8)
    window = np.lib.stride_tricks.sliding_window_view(data, size)[day[rows]]  # rows x 10
    fits = fits_shape(window, _DAY_SHAPE)
    rows, text = rows[fits], np.ascontiguousarray(window[fits]).reshape(-1)
    days_ = pa.Array.from_buffers(
        pa.string(),
        len(rows),
        [None, pa.py_buffer(np.arange(0, size * (len(rows) + 1), size, dtype=np.int32)),
         pa.py_buffer(text)],
    )  # fmt: skip
    positions = np.full(n, -1, dtype=np.int64)
    positions[rows] = np.arange(len(rows))
    index = pa.array(positions, mask=positions < 0)
    return days_.take(index)


def _semicolons_unspaced(arr: pa.Array) -> bool:
    """Whether no ``;`` in the text has a space the pattern ``\\s`` (:data:`_SPACE`)
    right before or after it; read from the bytes."""
    data = arr.buffers()[2]
    if data is None:
        return True
    raw = np.frombuffer(data, dtype=np.uint8)
    at = np.flatnonzero(raw == 0x3B)
    near = np.concatenate([at[at > 0] - 1, at[at + 1 < len(raw)] + 1])
    return not np.isin(raw[near], _SPACE).any()


def parse_ucdp(
    raw: RawTable,
    *,
    origin: str = "<memory>",
    seen: SeenIds | None = None,
    as_table: bool = False,
) -> ImportResult:
    """Map a UCDP GED table (every cell text) onto our record; bad rows are listed, not kept."""
    df = raw.frame
    require_columns(df, REQUIRED, origin=origin, kind="UCDP GED")
    ids = text(df, "id")
    problems = Problems(ids, raw.lines)
    problems.add(ids == "", "id", "id", "id is missing")
    lat, lon = check_coordinates(df, problems)
    got: dict[str, pd.Series] = {}
    texts: dict[str, pd.Series] = {}
    for name in ("date_start", "date_end"):
        raw_text = texts[name] = text(df, name)
        if name == "date_end" and _same_text(raw_text, texts["date_start"]):
            got[name] = got["date_start"]  # a one-day event in every row: read once
        else:
            got[name] = days(raw_text, DATE_FORMATS, time_part=True)
        problems.add(
            got[name].isna(),
            name,
            "dates",
            lambda i, raw_text=raw_text, name=name: (
                f"{name} {raw_text.iloc[i]!r} is not a date like 2020-07-12"
                if raw_text.iloc[i]
                else f"{name} is missing"
            ),
        )
    start, end = got["date_start"], got["date_end"]
    problems.add(
        np.asarray(end < start),
        "date_end",
        "end_before_start",
        lambda i: f"date_end {end.iloc[i]:%Y-%m-%d} is before date_start {start.iloc[i]:%Y-%m-%d}",
    )
    where_prec = check_codes(df, "where_prec", (1, 2, 3, 4, 5, 6, 7), problems)
    date_prec = check_codes(df, "date_prec", (1, 2, 3, 4, 5), problems)
    figures = check_figures(df, FIGURES, problems)
    check_duplicates(ids, raw.lines, problems, "id", seen)

    keep = ~problems.bad
    if keep.all():  # nothing to leave out: no copy
        keep = slice(None)  # type: ignore[assignment]
    df, ids = df[keep], ids[keep]
    lat, lon, start, end = lat[keep], lon[keep], start[keep], end[keep]
    where_prec, date_prec = where_prec[keep], date_prec[keep]
    fig = {k: v[keep].to_numpy(dtype="float64") for k, v in figures.items()}
    n = len(df)

    where = where_prec.fillna(7).astype("int64")
    kind = _kinds(text(df, "type_of_violence"))
    side_a, side_b = text(df, "side_a"), text(df, "side_b")
    sa, sb = side_of(side_a), side_of(side_b)

    articles = _articles(text(df, "source_article"))
    flat = pc.list_flatten(articles)
    m = len(flat)
    # the text before the first comma (the whole item when it has none)
    outlet = pc.utf8_trim_whitespace(pc.list_element(pc.split_pattern(flat, ",", max_splits=1), 0))
    published = publication_days(flat)
    has_date = pc.is_valid(published)
    sources = sources_column(
        df.index,
        record={
            "id": "ucdp",
            "outlet": "UCDP GED",
            "reported": pc.binary_join_element_wise(
                "UCDP GED event ", arrow(ids, pa.string()), ", coded from the articles it cites", ""
            ),
            "published_note": "UCDP GED release; the articles it cites are listed as sources",
        },
        items=pa.ListArray.from_arrays(articles.offsets, outlet),
        item_prefix="ucdp-src-",
        item_fields={
            "outlet": outlet,
            "reported": pc.binary_join_element_wise("article cited by UCDP GED: ", flat, ""),
            "published": published,
            "published_note": pc.if_else(
                has_date,
                pa.nulls(m, pa.string()),
                repeated_text("UCDP's reference gives no date", m),
            ),
        },
    )
    unknown = pd.Series(fig["deaths_unknown"], index=df.index)
    some = unknown > 0
    best_note = pd.Series("UCDP best estimate", index=df.index, dtype="str")
    best_note[some] = (
        "UCDP best estimate, including "
        + unknown[some].astype("int64").astype("str")
        + " death(s) of unknown status"
    )
    common = {
        "claimant": "UCDP",
        "claimant_type": "international",
        "measure": "killed",
        "qualifier": "exact",
        "source": "ucdp",
    }
    everybody = {
        **common,
        "subject": "everybody killed in the event",
        "side": "any",
        "group": "any",
    }
    claims = claims_column(
        df.index,
        [
            {**everybody, "value": fig["low"], "note": "UCDP low estimate"},
            {**everybody, "value": fig["best"], "note": best_note},
            {**everybody, "value": fig["high"], "note": "UCDP high estimate"},
            {
                **common, "value": fig["deaths_a"], "subject": "deaths of side A: " + side_a,
                "side": sa, "group": "any", "note": "UCDP deaths_a",
            },
            {
                **common, "value": fig["deaths_b"], "subject": "deaths of side B: " + side_b,
                "side": sb, "group": "any", "note": "UCDP deaths_b",
            },
            {
                **common, "value": fig["deaths_civilians"], "subject": "civilians killed",
                "side": "any", "group": "civilian", "note": "UCDP deaths_civilians",
            },
        ],
    )  # fmt: skip
    low, best, high = _derived(fig, sa, sb)
    zero = np.zeros(n, dtype=np.int64)
    below = fig["high"] < fig["best"]
    flags = pd.Series("", index=df.index, dtype="str")
    flags[below] = (
        "high below best: UCDP high "
        + pd.Series(fig["high"][below]).astype("int64").astype("str")
        + " < best "
        + pd.Series(fig["best"][below]).astype("int64").astype("str")
        + " (kept as published)"
    ).to_numpy()
    columns = {
        "dataset": DATASET,
        "event_id": "ucdp-" + ids,
        "event_date": start.to_numpy(),
        "date_start": start.to_numpy(),
        "date_end": end.to_numpy(),
        "time_precision": date_prec.map(TIME_PRECISION).fillna(3).astype("int64").to_numpy(),
        "event_type": text_series(kind, df.index),
        "sub_event_type": or_none(text(df, "conflict_name")),
        "actor1": or_none(side_a),
        "assoc_actor_1": None,
        "actor2": or_none(side_b),
        "assoc_actor_2": None,
        "country": country_codes(text(df, "country")),
        "country_name": or_none(text(df, "country")),
        "location": or_none(text(df, "where_coordinates")),
        "place_id": None,
        "geo_precision": np.minimum(where.to_numpy(), 3),
        "where_prec": where.to_numpy(),
        "location_note": or_none(text(df, "where_description")),
        "notes": _notes(kind, text(df, "dyad_name"), df.index),
        "tags": pd.Series(
            pd.arrays.ArrowExtensionArray(pa.array([[]] * n, type=pa.list_(pa.string()))),
            index=df.index,
        ).astype(TAGS_DTYPE),
        "sources": sources,
        "claims": claims,
        "fatalities": low,
        "deaths_low": low,
        "deaths_best": best,
        "deaths_high": high,
        "injured_low": zero,
        "injured_best": zero,
        "injured_high": zero,
        "figures_note": choose_text(
            np.isnan(fig["low"]) & np.isnan(fig["best"]) & np.isnan(fig["high"]),
            "killed: UCDP gives no estimate (not reported; not counted as 0)",
            "",
            df.index,
        ),
        "quality_flags": flags,
        "source_admin1": or_none(text(df, "adm_1")),
        "source_admin2": or_none(text(df, "adm_2")),
        "source_admin3": None,
    }
    if as_table:  # the block path: an Arrow table in the GeoParquet encoding, no frame
        table = assemble_table(dataset=DATASET, raw=df, columns=columns, lon=lon, lat=lat)
        return ImportResult(
            DATASET, origin, no_events(), problems.sorted(), len(raw.frame), table=table
        )
    events = assemble(dataset=DATASET, raw=df, columns=columns, lon=lon, lat=lat)
    return ImportResult(DATASET, origin, events, problems.sorted(), rows_read=len(raw.frame))


def _same_text(a: pd.Series, b: pd.Series) -> bool:
    """Whether two text columns hold the same text in every row (missing in the same rows)."""
    return bool(arrow(a, pa.large_string()).equals(arrow(b, pa.large_string())))


def _kinds(codes: pd.Series) -> pa.Array:
    """``type_of_violence`` as its name (:data:`TYPES`), missing for any other value."""
    number = numbers(codes).to_numpy()
    known = np.isin(number, list(TYPES))
    names = pa.array([None, *TYPES.values()], pa.large_string())
    return names.take(pa.array(np.where(known, np.nan_to_num(number), 0).astype(np.int64)))


def _notes(kind: pa.Array, dyad: pd.Series, index: pd.Index) -> pd.Series:
    """``<type of violence>: <dyad> (UCDP GED)``, "Organised violence" when the type is not
    known; built in Arrow."""

    def large(value: str) -> pa.Scalar:
        return pa.scalar(value, pa.large_string())

    named = pc.fill_null(kind, large("Organised violence"))
    pieces = [named, large(": "), arrow(dyad, pa.large_string()), large(" (UCDP GED)")]
    return text_series(pc.binary_join_element_wise(*pieces, large("")), index)


def _derived(
    fig: dict[str, np.ndarray], sa: pa.Array, sb: pa.Array
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """low/best/high of :func:`geo.events.derive` for exactly the claims :func:`parse_ucdp`
    makes, computed for all rows at once (the tests check both agree row by row)."""
    lo, be, hi = fig["low"], fig["best"], fig["high"]
    least = np.fmin(np.fmin(lo, be), hi)  # NaN only where all three are
    most = np.fmax(np.fmax(lo, be), hi)
    given = (~np.isnan(lo)).astype(np.int8) + ~np.isnan(be) + ~np.isnan(hi)
    # the lower median: of three the middle one, of two or one the least
    middle = np.maximum(np.minimum(lo, be), np.minimum(np.maximum(lo, be), hi))
    any_ = [np.nan_to_num(v) for v in (least, np.where(given == 3, middle, least), most)]
    a, b = fig["deaths_a"], fig["deaths_b"]
    same = pc.equal(sa, sb).to_numpy(zero_copy_only=False)
    total = np.nan_to_num(a) + np.nan_to_num(b)
    lo_same = np.where(same, np.nan_to_num(np.fmin(a, b)), total)
    hi_same = np.where(same, np.nan_to_num(np.fmax(a, b)), total)
    civ = np.nan_to_num(fig["deaths_civilians"])
    out = [
        np.maximum(np.maximum(v, side), civ).astype(np.int64)
        for v, side in zip(any_, (lo_same, lo_same, hi_same), strict=True)
    ]
    return out[0], out[1], out[2]


def read_ucdp(path: str | os.PathLike[str]) -> ImportResult:
    """Read a UCDP GED file (``.csv``, ``.csv.gz`` or ``.zip``); see :func:`parse_ucdp`."""
    origin = str(path)
    return parse_ucdp(parse_csv(read_bytes(path), origin=origin), origin=origin)
