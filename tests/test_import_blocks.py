"""Imports in blocks on a pool of threads: the same events, lines and bad rows as one pass."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from geopandas.io.arrow import _geopandas_to_arrow

from geo._errors import ImportDataError
from geo.compact import compact_nested_columns, compact_text_columns
from geo.importers import _import_streamed, _read_blocks
from geo.importers._blocks import share_text
from geo.importers._common import parquet_meta, parse_csv, point_wkb
from geo.importers.acled import parse_acled
from geo.importers.ucdp import parse_ucdp
from tests.helpers import csv_record_lines, csv_records, csv_text, many_acled_rows

DATA = Path(__file__).parent / "data" / "importers"
ACLED = DATA / "acled_export.csv"
ACLED_HDX = DATA / "acled_hdx.csv"
UCDP = DATA / "ucdp_ged.csv"
PARSE = {"acled": parse_acled, "ucdp": parse_ucdp}


def _one_pass(kind: str, path: Path) -> object:
    """The whole file read at once and mapped into a frame (no blocks, no threads)."""
    return PARSE[kind](parse_csv(path.read_bytes(), origin=str(path)), origin=str(path))


def _write(path: Path, records: list[list[str]]) -> Path:
    path.write_text(csv_text(records), encoding="utf-8")
    return path


def _many_blocks(tmp_path: Path) -> Path:
    """ACLED rows cut into many blocks: an id of the first block repeated once in a later
    block and twice in another (the second of those also a repeat within its block), a
    bad row (latitude 95) far from the first block, and a note over three lines."""
    return many_acled_rows(tmp_path / "many.csv", repeats=(40, 52, 53))


def _frame(events: object) -> pd.DataFrame:
    return pd.DataFrame(events.drop(columns="geometry"))  # type: ignore[attr-defined]


def _compacted(events: object) -> pd.DataFrame:
    """A frame of plain text as ``read_dataset`` gives it: its repeated texts held once
    (categoricals; the claims' and sources' as Arrow dictionaries: geo.compact)."""
    return _frame(compact_nested_columns(compact_text_columns(events)))  # type: ignore[type-var]


@pytest.mark.parametrize("kind,path", [("acled", ACLED), ("acled", ACLED_HDX), ("ucdp", UCDP)])
def test_block_table_is_the_table_geopandas_writes(kind: str, path: Path) -> None:
    raw = parse_csv(path.read_bytes(), origin=str(path))
    framed = _geopandas_to_arrow(PARSE[kind](raw).events, index=False)
    table = PARSE[kind](raw, as_table=True).table
    assert table is not None and table.num_rows == framed.num_rows > 0
    assert table.schema.remove_metadata() == framed.schema.remove_metadata()
    assert table.replace_schema_metadata(None).equals(framed.replace_schema_metadata(None))
    geo = json.loads(table.schema.metadata[b"geo"])
    assert geo["columns"]["geometry"]["encoding"] == "WKB"
    assert geo["columns"]["geometry"]["geometry_types"] == ["Point"]


def test_point_wkb_is_shapely_wkb() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-180, 180, 50), rng.uniform(-90, 90, 50)
    x[0], y[0] = -0.0, 1e-300
    got = point_wkb(x, y).to_pylist()
    assert got == shapely.to_wkb(shapely.points(x, y)).tolist()
    assert point_wkb(np.array([]), np.array([])).to_pylist() == []


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("block_bytes", [250, 1000, 1 << 20])
def test_blocks_on_threads_give_the_one_pass_result(
    tmp_path: Path, workers: int, block_bytes: int
) -> None:
    src = _many_blocks(tmp_path)
    once = _one_pass("acled", src)
    got = _read_blocks("acled", src, workers=workers, block_bytes=block_bytes)
    assert got.problems == once.problems  # type: ignore[attr-defined]
    assert got.rows_read == once.rows_read == 70  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(_frame(got.events), _compacted(once.events))  # type: ignore[attr-defined]
    assert got.events.geometry.equals(once.events.geometry)  # type: ignore[attr-defined]
    line = csv_record_lines(src)  # id -> file line(s) where its records start
    first = line["ARM9601"][0]
    repeats = [(p.line, p.message) for p in got.problems if p.kind == "duplicate_id"]
    assert repeats[-3:] == [
        (n, f"id 'ARM9601' repeats the row on line {first}") for n in line["ARM9601"][1:]
    ]
    assert line["ARM9608"][0] == line["ARM9607"][0] + 3  # the note over three lines
    bad = [p for p in got.problems if p.id == "ARM9633"]
    assert [(p.line, p.field, p.kind) for p in bad] == [
        (line["ARM9633"][0], "latitude", "coordinates")
    ]


@pytest.mark.parametrize("block_bytes", [250, 1000])
def test_parallel_import_writes_the_serial_file(tmp_path: Path, block_bytes: int) -> None:
    src = _many_blocks(tmp_path)
    out = {}
    for workers in (1, 2):
        out[workers] = tmp_path / f"w{workers}.parquet"
        got = _import_streamed(
            "acled", src, out[workers], strict=False, keep_events=False,
            block_bytes=block_bytes, workers=workers,
        )  # fmt: skip
        assert got.problems == _one_pass("acled", src).problems  # type: ignore[attr-defined]
    one, two = pq.read_table(out[1]), pq.read_table(out[2])
    assert one.num_rows == 60 and one.equals(two)
    assert pq.read_metadata(out[1]).num_row_groups == pq.read_metadata(out[2]).num_row_groups
    meta1, meta2 = parquet_meta(out[1]), parquet_meta(out[2])
    assert meta1.pop("imported") and meta2.pop("imported")
    assert meta1 == meta2 and meta1["skipped"] == {"coordinates": 3, "dates": 1,
        "precision": 1, "figures": 1, "duplicate_id": 4}  # fmt: skip
    geo1 = json.loads(pq.read_metadata(out[1]).metadata[b"geo"])
    assert geo1 == json.loads(pq.read_metadata(out[2]).metadata[b"geo"])
    x, y = one["longitude"].to_numpy(), one["latitude"].to_numpy()
    assert geo1["columns"]["geometry"]["bbox"] == [x.min(), y.min(), x.max(), y.max()]


def test_hashtag_row_after_a_block_holding_only_the_header(tmp_path: Path) -> None:
    header = ACLED_HDX.read_bytes().split(b"\n", 1)[0]
    once = _one_pass("acled", ACLED_HDX)
    for workers in (1, 2):
        got = _read_blocks("acled", ACLED_HDX, workers=workers, block_bytes=len(header) + 2)
        assert got.problems == once.problems  # type: ignore[attr-defined]
        assert got.events.index.tolist() == once.events.index.tolist()  # type: ignore[attr-defined]
        assert not any(str(i).startswith("acled-#") for i in got.events.index)


def test_strict_on_threads_fails_with_the_serial_message(tmp_path: Path) -> None:
    src = _many_blocks(tmp_path)
    target = tmp_path / "acled.parquet"
    target.write_bytes(b"previous")
    messages = []
    for workers in (1, 2):
        with pytest.raises(ImportDataError, match="bad row") as err:
            _import_streamed(
                "acled", src, target, strict=True, keep_events=False,
                block_bytes=300, workers=workers,
            )  # fmt: skip
        messages.append((str(err.value), err.value.problems))
    assert messages[0] == messages[1]
    assert target.read_bytes() == b"previous"


def test_error_in_a_pool_thread_comes_back_whole(tmp_path: Path) -> None:
    records = csv_records(ACLED)
    drop = records[0].index("latitude")
    rows = [[c for i, c in enumerate(r) if i != drop] for r in records]
    src = _write(tmp_path / "nolat.csv", rows)
    with pytest.raises(ImportDataError, match=r"nolat\.csv: not in ACLED format: .*latitude"):
        _read_blocks("acled", src, workers=2, block_bytes=300)
    err = ImportDataError("f.csv line 3: bad", ["f.csv line 3 (id X): field 'latitude': ..."])
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) and back.problems == err.problems


def test_share_text_holds_equal_text_once() -> None:
    raw = parse_csv(ACLED.read_bytes(), origin=str(ACLED))
    table = parse_acled(raw, as_table=True).table
    assert table is not None
    sent = pickle.loads(pickle.dumps(table))  # the text of ours and theirs no longer shared
    notes, original = sent["notes"].chunk(0), sent["acled.notes"].chunk(0)
    assert notes.buffers()[2].address != original.buffers()[2].address
    shared = share_text(sent)
    assert shared.equals(sent) and shared.schema == sent.schema
    a, b = shared["notes"].chunk(0), shared["acled.notes"].chunk(0)
    assert a.buffers()[2].address == b.buffers()[2].address
    # our column keeps its own missing values: '' in the file is missing in ours
    ours, theirs = shared["assoc_actor_2"], shared["acled.assoc_actor_2"]
    assert ours.null_count > 0 and theirs.null_count == 0
    assert ours.chunk(0).buffers()[2].address == theirs.chunk(0).buffers()[2].address
    assert pa.compute.equal(ours.fill_null(""), theirs).to_pylist() == [True] * len(ours)


TRICKY = [
    "plain", " lead", "trail ", "\ttab", "nl\n", "", "\u00a0nbsp", "ideo\u3000", "é", "Ĳ",
    "mid dle", "x\x1f", "\x0bvt", "ok; fine", " ; ; a ;b\t;\u2003c\u2003",
]  # fmt: skip


@pytest.mark.parametrize("cut", [0, 3])
def test_text_strips_exactly_as_pandas(cut: int) -> None:
    from geo.importers._common import text

    frame = pd.DataFrame({"c": pd.Series(TRICKY, dtype="str")}).iloc[cut:]
    got = text(frame, "c")
    assert got.tolist() == frame["c"].str.strip().tolist()
    clean = pd.DataFrame({"c": pd.Series(["a", "b c", "d"], dtype="str")})
    assert text(clean, "c").tolist() == ["a", "b c", "d"]
    sliced = pd.DataFrame({"c": pd.Series(["a", "b", "c "], dtype="str")}).iloc[1:]
    assert text(sliced, "c").tolist() == ["b", "c"]


def test_split_items_on_a_separator_strips_every_item() -> None:
    from geo.importers._common import split_items

    got = split_items(pd.Series(TRICKY, dtype="str"), ";").to_pylist()
    want = [[p.strip() for p in v.split(";") if p.strip()] for v in TRICKY]
    assert got == want
    assert got[-1] == ["a", "b", "c"]


def test_sides_and_country_codes_per_distinct_name() -> None:
    from geo.importers._common import iso3
    from geo.importers.ucdp import side_of

    names = pd.Series(
        ["Government of Armenia", "Government of Azerbaijan", "Republic of Artsakh",
         "NAGORNO-KARABAKH", "Armenia, Azerbaijan", "IS", "Government of Armenia"],
        dtype="str",
    )  # fmt: skip
    assert side_of(names).tolist() == [
        "armenian", "azerbaijani", "armenian", "armenian", "other", "other", "armenian",
    ]  # fmt: skip
    countries = pd.Series(["Armenia", "AZERBAIJAN", "Atlantis", "", "Armenia"], dtype="str")
    numbers = pd.Series(["", "", "051", "031", "51"], dtype="str")
    assert iso3(countries).tolist() == ["ARM", "AZE", None, None, "ARM"]
    assert iso3(countries, numbers).tolist() == ["ARM", "AZE", "ARM", "AZE", "ARM"]


def test_read_ahead_gives_every_item_in_order_and_raises_where_the_items_fail() -> None:
    from geo.importers._blocks import read_ahead

    assert list(read_ahead(iter(range(50)), depth=2)) == list(range(50))

    def failing():
        yield 1
        yield 2
        raise ImportDataError("line 3: broken")

    got = []
    with pytest.raises(ImportDataError, match="line 3: broken"):
        for item in read_ahead(failing()):
            got.append(item)
    assert got == [1, 2]


def test_read_ahead_closes_the_items_when_the_caller_stops_early() -> None:
    from geo.importers._blocks import read_ahead

    closed = []

    def items():
        try:
            yield from range(1_000)
        finally:
            closed.append(True)

    ahead = read_ahead(items())
    assert [next(ahead), next(ahead)] == [0, 1]
    ahead.close()  # the caller stops: the producer stops and closes its items
    assert closed == [True]
