"""The importers' fast paths give exactly what their reference (a pattern, pandas) gives.

Each fast path reads the text's bytes or skips work when the data allows; these tests put
text that is meant to trip them (every length, every character class at every position,
Unicode, whitespace at the edges) through both and compare cell by cell.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as s

from geo.importers import _common as common
from geo.importers import read_dataset
from geo.importers.ucdp import _same_text
from tests.helpers import csv_records, csv_text

#: Characters of dates and times, their neighbours, and a few that look like them.
DATE_CHARS = "0123456789-: T.t/\u0660\u0661\uff11 a,x\n\t"


def _day_and_time_by_pattern(cells: list[str]) -> list[bool]:
    return pc.match_substring_regex(pa.array(cells, pa.string()), common._DAY_AND_TIME).to_pylist()


@settings(max_examples=300, deadline=None)
@given(
    size=s.integers(min_value=0, max_value=26),
    cells=s.lists(s.text(alphabet=DATE_CHARS, min_size=26, max_size=26), min_size=1, max_size=8),
)
def test_day_and_time_told_from_the_bytes_is_the_pattern(size: int, cells: list[str]) -> None:
    same_length = [c[:size] for c in cells]
    got = common._day_and_time(pa.array(same_length, pa.string()))
    if got is None:  # only when the lengths in bytes differ (non-ASCII characters)
        assert len({len(c.encode()) for c in same_length}) > 1
        return
    assert got.to_pylist() == _day_and_time_by_pattern(same_length)


@pytest.mark.parametrize(
    "cell",
    [
        "2020-07-12 00:00:00.000", "2020-07-12T00:00", "2020-07-12 00:00:00", "2020-07-12",
        "2020-07-12 00:00:0", "2020-07-12 00:00:00.", "2020-07-12 00:00:00.1234567",
        "2020-07-12  0:00", "2020/07/12 00:00", "2020-07-12 00:00:00Z", "\u0662020-07-12 00:00",
    ],
)  # fmt: skip
def test_day_and_time_of_known_cells(cell: str) -> None:
    arr = pa.array([cell] * 3, pa.string())
    assert common._day_and_time(arr).to_pylist() == _day_and_time_by_pattern([cell] * 3)
    expected = re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?", cell, re.ASCII)
    assert common._day_and_time(arr).to_pylist()[0] is (expected is not None)


def test_days_with_a_time_part_are_the_day() -> None:
    cells = ["2020-07-12 00:00:00.000", "2021-01-31 23:59:59.999", "2020-02-30 00:00:00.000"]
    formats = ("%Y-%m-%d",)
    got = common.days(pd.Series(cells, dtype="str"), formats, time_part=True)
    mixed = common.days(pd.Series([*cells, "2020-07-13"], dtype="str"), formats, time_part=True)
    assert got.iloc[0] == pd.Timestamp("2020-07-12")
    assert got.iloc[1] == pd.Timestamp("2021-01-31")
    assert mixed.iloc[:3].equals(got)  # one length or several: the same days
    assert mixed.iloc[3] == pd.Timestamp("2020-07-13")


NUMBER_TEXT = s.one_of(
    s.sampled_from(["", " ", "0", "12", "-3", "1.5", "2.0", " 7", "8 ", "nan", "inf", "1e3",
                    "\u00a09", "x", "\u0663", "0x10", "+4", "\t5\t", "1,000"]),
    s.text(alphabet="0123456789 .-+e\u00a0x", max_size=5),
)  # fmt: skip


def _numbers_reference(values: pd.Series) -> pd.Series:
    """What ``numbers`` gave before its fast path: trimmed in Arrow, then cast."""
    arr = pa.array(values.array, pa.string(), from_pandas=True)
    blank = pc.equal(pc.utf8_trim_whitespace(arr), "")
    arr = pc.if_else(blank, pa.scalar(None, pa.string()), arr)
    try:
        got = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        return pd.Series(got, index=values.index, dtype="float64")
    except pa.ArrowInvalid:
        return pd.to_numeric(values.where(values != "", None), errors="coerce").astype("float64")


@settings(max_examples=300, deadline=None)
@given(s.lists(NUMBER_TEXT, min_size=1, max_size=12))
def test_numbers_are_the_reference_numbers(cells: list[str]) -> None:
    values = pd.Series(cells, dtype="str")
    got, want = common.numbers(values), _numbers_reference(values)
    assert np.array_equal(got.to_numpy(), want.to_numpy(), equal_nan=True)


@settings(max_examples=200, deadline=None)
@given(s.lists(NUMBER_TEXT, min_size=1, max_size=12))
def test_figure_checks_flag_what_they_flagged_before(cells: list[str]) -> None:
    frame = pd.DataFrame({"best": pd.Series(cells, dtype="str")})
    ids = pd.Series([f"e{k}" for k in range(len(cells))], dtype="str")
    problems = common.Problems(ids, np.arange(2, len(cells) + 2))
    got = common.check_figures(frame, ["best"], problems)["best"].to_numpy()
    raw = frame["best"].str.strip()
    value = _numbers_reference(raw)
    bad = np.asarray(((raw != "") & value.isna()) | (value.notna() & (value != np.floor(value))))
    assert np.array_equal(got, value.where(~bad).to_numpy(), equal_nan=True)
    flagged = {(p.line, p.message.split(" is ")[1]) for _, p in problems.rows}
    want = {(k + 2, "not a whole number") for k in np.flatnonzero(bad)}
    want |= {(k + 2, "negative") for k in np.flatnonzero(np.asarray(value < 0))}
    assert flagged == want


REFERENCE_TEXT = s.text(alphabet="ab,;- \t\n\f\r\x0b0123456789\u00e9\u3000", max_size=24)


@settings(max_examples=300, deadline=None)
@given(s.lists(s.one_of(REFERENCE_TEXT, s.none()), min_size=1, max_size=10))
def test_publication_days_are_what_the_pattern_takes(refs: list[str | None]) -> None:
    from geo.importers.ucdp import publication_days

    arr = pa.array(refs, pa.string())
    dated = r"^[^,]*,\s*(?P<d>\d{4}-\d{2}-\d{2})"
    want = pc.if_else(
        pc.match_substring_regex(arr, dated),
        pc.extract_regex(arr, dated).field("d"),
        pa.nulls(len(arr), pa.string()),
    )
    assert publication_days(arr).to_pylist() == want.to_pylist()


@pytest.mark.parametrize(
    ("ref", "day"),
    [
        ("News.am,2020-07-13,Clashes on the border", "2020-07-13"),
        ("APA, \t2020-07-14", "2020-07-14"),
        ("Trend,headline 2020-07-13", None),
        ("no comma 2020-07-13", None),
        ("Ria,2020-7-13,short month", None),
        ("Ria,\u30002020-07-13", None),  # not a space the pattern skips
        ("a,b,2020-07-13", None),  # the day must follow the first comma
        ("Ria,2020-07-1", None),
    ],
)
def test_publication_day_of_known_references(ref: str, day: str | None) -> None:
    from geo.importers.ucdp import publication_days

    assert publication_days(pa.array([ref, "x,2021-01-02"])).to_pylist() == [day, "2021-01-02"]


def test_repeated_text_is_the_text_repeated() -> None:
    got = common.repeated_text("UCDP", 5)
    assert got.to_pylist() == ["UCDP"] * 5
    assert common.repeated_text("UCDP", 2).to_pylist() == ["UCDP"] * 2  # a cut of the kept one
    assert common.repeated_text("", 3).to_pylist() == [""] * 3
    assert common.repeated_text("é", 0).to_pylist() == []
    assert common.repeated_text("Ĳssel", 3).to_pylist() == ["Ĳssel"] * 3


ARTICLE_TEXT = s.text(alphabet='ab";, \t\n\u00e9\x1f', max_size=20)


def _articles_reference(cells: list[str]) -> list[list[str]]:
    """``source_article`` split as before the fast paths: both ways, chosen per cell."""
    arr = pa.array(cells, pa.string())
    marked = pc.if_else(
        pc.starts_with(arr, '"'),
        pc.utf8_trim(pc.replace_substring_regex(arr, r'"\s*;\s*"', "\x1f"), characters='"'),
        pc.replace_substring(arr, ";", "\x1f"),
    )
    items = common.split_items(pd.Series(pd.arrays.ArrowExtensionArray(marked)), "\x1f")
    return pc.utf8_trim(items.flatten(), characters='" ').to_pylist(), items.offsets.to_pylist()


@settings(max_examples=300, deadline=None)
@given(
    s.lists(ARTICLE_TEXT, min_size=1, max_size=8),
    s.sampled_from(["as drawn", "all quoted", "none quoted"]),
)
def test_source_articles_split_as_before(cells: list[str], how: str) -> None:
    from geo.importers.ucdp import _articles

    if how == "all quoted":
        cells = ['"' + c for c in cells]
    elif how == "none quoted":
        cells = [c.lstrip('"') for c in cells]
    got = _articles(pd.Series(cells, dtype="str"))
    assert (got.flatten().to_pylist(), got.offsets.to_pylist()) == _articles_reference(cells)


def _ids(*values: str) -> pd.Series:
    return pd.Series(list(values), dtype="str")


def test_seen_ids_as_numbers_find_repeats_and_their_first_lines() -> None:
    seen = common.SeenIds()
    seen.add(_ids("101", "102", ""), np.array([2, 3, 4]), all_new=True)
    seen.add(_ids("103", "101"), np.array([5, 6]))  # 101 repeats: its first line stays 2
    assert len(seen) == 3
    assert seen.contains(_ids("104", "102", "", "101")).tolist() == [False, True, False, True]
    assert seen["101"] == 2 and seen["103"] == 5
    for other in ("0101", "+101", "101.0", "999"):  # other forms are other ids
        assert not seen.contains(_ids(other)).any()
        with pytest.raises(KeyError):
            seen[other]


def test_seen_ids_turn_to_text_when_an_id_is_not_a_plain_number() -> None:
    seen = common.SeenIds()
    seen.add(_ids("101", "102"), np.array([2, 3]), all_new=True)
    # a block of plain numbers and text: the numbers are still found
    assert seen.contains(_ids("ARM1", "102", "0101")).tolist() == [False, True, False]
    seen.add(_ids("ARM1", "101"), np.array([4, 5]))
    assert len(seen) == 3
    assert seen["101"] == 2 and seen["102"] == 3 and seen["ARM1"] == 4
    assert seen.contains(_ids("ARM1", "103")).tolist() == [True, False]


@settings(max_examples=200, deadline=None)
@given(
    s.lists(
        s.lists(s.sampled_from(["1", "2", "10", "01", "x", "", "999999999999999999", "7"]),
                max_size=6),
        min_size=1, max_size=5,
    )
)  # fmt: skip
def test_seen_ids_are_a_dictionary_of_first_lines(blocks: list[list[str]]) -> None:
    seen, first, line = common.SeenIds(), {}, 2
    for block in blocks:
        ids = _ids(*block)
        want = [bool(k) and k in first for k in block]
        assert seen.contains(ids).tolist() == want
        lines = np.arange(line, line + len(block))
        seen.add(ids, lines)
        for k, at in zip(block, lines.tolist(), strict=True):
            if k:
                first.setdefault(k, at)
        line += len(block)
        assert len(seen) == len(first)
        assert {k: seen[k] for k in first} == first


DAY_TEXT = s.one_of(
    s.builds(
        lambda y, m, d, sep: f"{y:04d}{sep}{m:02d}{sep}{d:02d}",
        s.integers(0, 2400), s.integers(0, 13), s.integers(0, 32), s.sampled_from(["-", "/"]),
    ),
    s.builds(  # the edges of what nanosecond dates hold
        lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
        s.sampled_from([1677, 1678, 2261, 2262]), s.integers(1, 12), s.integers(1, 31),
    ),
    s.sampled_from(["2020-7-5", "12 July 2020", "1 jul 2020", "31 June 2020", "", "x",
                    "2020-07-12 00:00:00.000", "2020-02-29T10:00", "2021-02-29 00:00"]),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(s.lists(DAY_TEXT, min_size=1, max_size=10))
def test_days_are_what_pythons_strptime_reads(cells: list[str]) -> None:
    from datetime import datetime

    formats = ("%Y-%m-%d", "%d %B %Y")

    def reference(cell: str) -> object:
        if re.fullmatch(common._DAY_AND_TIME.strip("^$"), cell, re.ASCII):
            cell = cell[:10]
        for fmt in formats:
            try:
                got = datetime.strptime(cell, fmt)
            except ValueError:
                continue
            inside = pd.Timestamp.min.ceil("D") <= pd.Timestamp(got) <= pd.Timestamp.max.floor("D")
            return pd.Timestamp(got) if inside else pd.NaT
        return pd.NaT

    got = common.days(pd.Series(cells, dtype="str"), formats, time_part=True).tolist()
    assert [None if pd.isna(v) else v for v in got] == [
        None if pd.isna(v) else v for v in map(reference, cells)
    ]


@settings(max_examples=200, deadline=None)
@given(
    pairs=s.lists(
        s.tuples(
            s.one_of(s.none(), s.sampled_from(["2020-07-12", "2020-07-13", "", "é"])),
            s.one_of(s.none(), s.sampled_from(["2020-07-12", "2020-07-13", "", "é"])),
        ),
        max_size=6,
    )
)
def test_same_text_is_cell_by_cell_equality(pairs: list[tuple[str | None, str | None]]) -> None:
    a = pd.Series([p[0] for p in pairs], dtype="str")
    b = pd.Series([p[1] for p in pairs], dtype="str")
    assert _same_text(a, b) == all(x == y for x, y in pairs)


def test_a_date_end_read_once_with_date_start_still_reports_its_own_rows(tmp_path: Path) -> None:
    records = csv_records(Path(__file__).parent / "data" / "importers" / "ucdp_ged.csv")
    head, first = records[0], records[1]
    at = {name: head.index(name) for name in ("id", "date_start", "date_end")}
    rows = [head]
    for k, (start, end) in enumerate(
        [("2020-07-12", "2020-07-12"), ("2020-02-30", "2020-02-30"), ("2020-07-14", "2020-07-14")]
    ):
        cells = list(first)
        cells[at["id"]], cells[at["date_start"]], cells[at["date_end"]] = f"77{k}", start, end
        rows.append(cells)
    path = tmp_path / "same.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    got = read_dataset("ucdp", path)
    assert got.skipped == 1 and got.counts() == {"dates": 2}  # one row, both fields
    assert sorted({p.field for p in got.problems}) == ["date_end", "date_start"]
    events = got.events
    assert events["date_start"].dt.strftime("%Y-%m-%d").tolist() == ["2020-07-12", "2020-07-14"]
    assert events["date_end"].equals(events["date_start"].rename("date_end"))
