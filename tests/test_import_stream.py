"""Arrow's streaming CSV reader gives the Python block reader's rows, lines and bad rows, and
hands every file it cannot read exactly back to that reader."""

from __future__ import annotations

import gzip
import re
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from geo.importers import _import_streamed, _read_blocks, _read_blocks_with
from geo.importers._common import parse_csv
from geo.importers._stream import ReadAgain, raw_blocks
from geo.importers.acled import parse_acled
from geo.importers.ucdp import parse_ucdp
from tests.helpers import csv_record_lines, csv_records, csv_text, many_acled_rows

DATA = Path(__file__).parent / "data" / "importers"
ACLED = DATA / "acled_export.csv"
ACLED_HDX = DATA / "acled_hdx.csv"
UCDP = DATA / "ucdp_ged.csv"
PARSE = {"acled": parse_acled, "ucdp": parse_ucdp}


def _many(tmp_path: Path, end: str = "\n") -> Path:
    """ACLED rows over many blocks: an id of an early block repeated in two later ones, a
    bad latitude, notes over three lines (and a CRLF file's notes over two)."""
    return many_acled_rows(
        tmp_path / "many.csv", repeats=(40, 52), multiline=(7, 30), crlf_note=12, end=end
    )


def _same(got: object, want: object) -> None:
    assert got.problems == want.problems  # type: ignore[attr-defined]
    assert got.rows_read == want.rows_read  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(
        pd.DataFrame(got.events.drop(columns="geometry")),  # type: ignore[attr-defined]
        pd.DataFrame(want.events.drop(columns="geometry")),  # type: ignore[attr-defined]
    )
    assert got.events.geometry.equals(want.events.geometry)  # type: ignore[attr-defined]


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("block_bytes", [1500, 4000, 1 << 20])
@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_arrow_reader_gives_the_python_readers_events(
    tmp_path: Path, workers: int, block_bytes: int, end: str
) -> None:
    src = _many(tmp_path, end)
    # no fallback here: the Arrow reader itself reads this file
    got = _read_blocks_with("acled", src, workers, block_bytes, "arrow")
    want = _read_blocks_with("acled", src, 1, 1 << 20, "python")
    _same(got, want)
    once = PARSE["acled"](parse_csv(src.read_bytes(), origin=str(src)), origin=str(src))
    assert got.problems == once.problems and got.rows_read == 70  # type: ignore[attr-defined]
    line = csv_record_lines(src)
    dup = [(p.line, p.message) for p in got.problems if p.kind == "duplicate_id"]
    first = line["ARM9601"][0]
    assert dup[-2:] == [
        (n, f"id 'ARM9601' repeats the row on line {first}") for n in line["ARM9601"][1:]
    ]
    assert line["ARM9608"][0] == line["ARM9607"][0] + 3  # the note over three lines
    bad = [(p.line, p.field) for p in got.problems if p.id == "ARM9633"]
    assert bad == [(line["ARM9633"][0], "latitude")]


def test_arrow_reader_lines_count_quoted_newlines(tmp_path: Path) -> None:
    src = tmp_path / "lines.csv"
    src.write_text('a,b\n1,x\n2,"y\nz"\n3,"p\r\nq\nr"\n4,w\n', encoding="utf-8")
    blocks = list(raw_blocks(src, origin=str(src), block_bytes=10))
    assert [b.lines.tolist() for b in blocks if len(b.lines)] == [[2], [3], [5], [8]]
    assert [v for b in blocks for v in b.frame["b"].tolist()] == ["x", "y\nz", "p\r\nq\nr", "w"]


@pytest.mark.parametrize("kind,path", [("acled", ACLED), ("acled", ACLED_HDX), ("ucdp", UCDP)])
def test_arrow_reader_on_the_test_files_and_compressed(
    tmp_path: Path, kind: str, path: Path
) -> None:
    want = _read_blocks_with(kind, path, 1, 1 << 20, "python")
    gz = tmp_path / f"{path.name}.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    zipped = tmp_path / f"{path.stem}.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr(path.name, path.read_bytes())
    for src in (path, gz, zipped):
        got = _read_blocks_with(kind, src, 1, 1 << 20, "arrow")
        assert [p.line for p in got.problems] == [p.line for p in want.problems]
        assert got.rows_read == want.rows_read
        pd.testing.assert_frame_equal(
            pd.DataFrame(got.events.drop(columns="geometry")),
            pd.DataFrame(want.events.drop(columns="geometry")),
        )
    assert not any(str(i).startswith(f"{kind}-#") for i in want.events.index)


def _variants(tmp_path: Path) -> dict[str, Path]:
    """Files whose exact rows and lines only the Python reader gives."""
    records = csv_records(ACLED)
    head, first, rest = csv_text(records[:1]), csv_text(records[1:2]), csv_text(records[2:])
    notes = records[0].index("notes")
    lone = [list(r) for r in records]
    lone[2][notes], lone[3][notes] = "a\rb", "c\nd"
    cases = {
        "blank_middle": head + first + "\n" + rest,
        "blank_end": head + first + rest + "\n",
        "lone_cr": head + first + csv_text(lone[2:], "\n").replace("a\rb", '"a\rb"'),
        "quoted_header": '"' + head.rstrip("\n").replace(",", '","') + '"\n' + first + rest,
        "extra_cell": head + first.rstrip("\n") + ",extra\n" + rest,
    }
    out = {}
    for name, content in cases.items():
        out[name] = tmp_path / f"{name}.csv"
        out[name].write_bytes(content.encode())
    return out


def test_files_the_arrow_reader_hands_back(tmp_path: Path) -> None:
    for name, src in _variants(tmp_path).items():
        with pytest.raises(ReadAgain):
            list(raw_blocks(src, origin=str(src), block_bytes=2000))
        try:
            want = _read_blocks_with("acled", src, 1, 2000, "python")
        except Exception as exc:  # the Python reader's own error, word for word
            with pytest.raises(type(exc), match=re.escape(str(exc))):
                _read_blocks("acled", src, block_bytes=2000)
            assert name == "extra_cell"
            continue
        _same(_read_blocks("acled", src, block_bytes=2000), want)
        out = tmp_path / f"{name}.parquet"
        streamed = _import_streamed(
            "acled", src, out, strict=False, keep_events=False, block_bytes=2000
        )
        assert streamed.problems == want.problems
        assert pq.read_table(out).num_rows == len(want.events)


def test_streamed_import_same_file_from_either_reader(tmp_path: Path) -> None:
    src = _many(tmp_path)
    files = {}
    for reader in ("arrow", "python"):
        files[reader] = tmp_path / f"{reader}.parquet"
        got = _import_streamed(
            "acled", src, files[reader], strict=False, keep_events=False,
            block_bytes=1500, reader=reader,
        )  # fmt: skip
        assert got.rows_read == 70
    assert pq.read_table(files["arrow"]).equals(pq.read_table(files["python"]))


def test_a_record_longer_than_arrows_block(tmp_path: Path) -> None:
    records = csv_records(ACLED)
    records[1][records[0].index("notes")] = "x" * 3000
    src = tmp_path / "long.csv"
    src.write_text(csv_text(records), encoding="utf-8")
    _same(
        _read_blocks_with("acled", src, 1, 2000, "arrow"),
        _read_blocks_with("acled", src, 1, 2000, "python"),
    )
