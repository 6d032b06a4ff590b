"""The import's Parquet writer on its own thread: the same file, and a failure writes nothing."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import geo.importers as importers
from geo._errors import ImportDataError, OutputError
from geo.importers import _common as common
from geo.importers import _import_streamed
from geo.importers._writer import OverlappedWriter

DATA = Path(__file__).parent / "data" / "importers"
ACLED = DATA / "acled_export.csv"
UCDP = DATA / "ucdp_ged.csv"


def _many_rows(tmp_path: Path, kind: str, n: int = 80) -> Path:
    """The test file's first good row repeated ``n`` times under new ids (many blocks), with
    one bad row (latitude 95) and a note over two lines."""
    src = ACLED if kind == "acled" else UCDP
    records = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8"), newline="")))
    cols = records[0]
    lat = cols.index("latitude")
    good = next(r for r in records[1:] if r[lat] and -90 <= float(r[lat]) <= 90)
    id_col = cols.index("event_id_cnty" if kind == "acled" else "id")
    text_col = cols.index("notes" if kind == "acled" else "where_description")
    rows = [cols]
    for k in range(n):
        cells = list(good)
        cells[id_col] = f"9{k:04d}"
        if k == 5:
            cells[text_col] = "first line\nsecond line"
        if k == 41:
            cells[lat] = "95"
        rows.append(cells)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path = tmp_path / f"{kind}_many.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _no_temporaries(folder: Path, keep: set[str]) -> None:
    assert sorted(p.name for p in folder.iterdir() if p.name not in keep) == []


@pytest.mark.parametrize("kind", ["acled", "ucdp"])
@pytest.mark.parametrize("workers", [1, 2])
def test_writer_thread_writes_the_sequential_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, workers: int
) -> None:
    monkeypatch.setattr(common, "ROW_GROUP_ROWS", 7)  # many row groups from a small file
    src = _many_rows(tmp_path, kind)
    out = {}
    for thread in (False, True):
        out[thread] = tmp_path / f"{kind}_{thread}.parquet"
        got = _import_streamed(
            kind, src, out[thread], strict=False, keep_events=False,
            block_bytes=700, workers=workers, write_thread=thread,
        )  # fmt: skip
        assert got.rows_read == 80 and got.counts() == {"coordinates": 1}
    seq, ovl = pq.read_table(out[False]), pq.read_table(out[True])
    assert seq.num_rows == 79 and seq.num_columns > 60
    assert seq.schema.equals(ovl.schema, check_metadata=False)
    for name in seq.column_names:  # every column, value for value
        assert seq[name].equals(ovl[name]), name
    meta = {t: pq.read_metadata(out[t]) for t in out}
    groups = {
        t: [meta[t].row_group(i).num_rows for i in range(meta[t].num_row_groups)] for t in out
    }
    assert groups[False] == groups[True] == [7] * 11 + [2]
    assert json.loads(meta[False].metadata[b"geo"]) == json.loads(meta[True].metadata[b"geo"])
    info = {t: json.loads(meta[t].metadata[common.PARQUET_META_KEY]) for t in out}
    assert info[False].pop("imported") and info[True].pop("imported")
    assert info[False] == info[True] and info[True]["events"] == 79
    assert not any(t.name == "import-writer" for t in threading.enumerate())


class _FailingWriter:
    """A Parquet writer whose ``fail_at``-th write raises an OS error (a full disk)."""

    def __init__(self, real: Any, fail_at: int) -> None:
        self.real, self.fail_at, self.calls = real, fail_at, 0

    def write_table(self, table: pa.Table, row_group_size: int | None = None) -> None:
        self.calls += 1
        if self.calls == self.fail_at:
            raise OSError(28, "No space left on device")
        self.real.write_table(table, row_group_size=row_group_size)

    def add_key_value_metadata(self, meta: dict[str, str]) -> None:
        self.real.add_key_value_metadata(meta)

    def close(self) -> None:
        self.real.close()


@pytest.mark.parametrize("thread", [False, True])
def test_a_failed_write_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, thread: bool
) -> None:
    monkeypatch.setattr(common, "ROW_GROUP_ROWS", 7)
    src = _many_rows(tmp_path, "acled")
    target = tmp_path / "acled.parquet"
    target.write_bytes(b"previous import")
    real = common.parquet_writer
    monkeypatch.setattr(common, "parquet_writer", lambda p, s, t: _FailingWriter(real(p, s, t), 3))
    with pytest.raises(OutputError, match=r"cannot write .*acled\.parquet: No space left"):
        _import_streamed(
            "acled", src, target, strict=False, keep_events=False,
            block_bytes=700, write_thread=thread,
        )  # fmt: skip
    assert target.read_bytes() == b"previous import"
    _no_temporaries(tmp_path, {src.name, target.name})
    assert not any(t.name == "import-writer" for t in threading.enumerate())


def test_a_failed_mapping_with_writes_under_way_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "ROW_GROUP_ROWS", 7)
    src = _many_rows(tmp_path, "ucdp")
    target = tmp_path / "ucdp.parquet"
    target.write_bytes(b"previous import")
    calls = []
    real = importers._same_schema

    def fails_at_the_fourth_block(got: Any, schema: Any, origin: str) -> Any:
        calls.append(1)
        if len(calls) == 4:
            raise ImportDataError(f"{origin}: rows after line 30 give columns of other types")
        return real(got, schema, origin)

    monkeypatch.setattr(importers, "_same_schema", fails_at_the_fourth_block)
    with pytest.raises(ImportDataError, match=r"ucdp_many\.csv: rows after line 30"):
        _import_streamed(
            "ucdp", src, target, strict=False, keep_events=False, block_bytes=700
        )  # fmt: skip
    assert len(calls) == 4
    assert target.read_bytes() == b"previous import"
    _no_temporaries(tmp_path, {src.name, target.name})
    assert not any(t.name == "import-writer" for t in threading.enumerate())


class _Recorder:
    """Records writes in order; each takes a little time (so tables wait in the queue)."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.written: list[tuple[int, int | None]] = []
        self.meta: dict[str, str] = {}
        self.closed = False
        self.fail_on = fail_on

    def write_table(self, table: pa.Table, row_group_size: int | None = None) -> None:
        time.sleep(0.01)
        first = table["x"][0].as_py()
        if first == self.fail_on:
            raise ValueError(f"cannot encode table {first}")
        self.written.append((first, row_group_size))

    def add_key_value_metadata(self, meta: dict[str, str]) -> None:
        self.meta.update(meta)

    def close(self) -> None:
        self.closed = True


def test_overlapped_writer_keeps_the_order_and_writes_metadata_last() -> None:
    rec = _Recorder()
    writer = OverlappedWriter(rec, depth=2)
    for k in range(6):
        writer.write_table(pa.table({"x": [k]}), row_group_size=k + 1)
    writer.add_key_value_metadata({"geo": "{}"})
    assert rec.written == [(k, k + 1) for k in range(6)] and rec.meta == {"geo": "{}"}
    writer.close()
    assert rec.closed


def test_overlapped_writer_raises_the_threads_error_on_the_callers_thread() -> None:
    rec = _Recorder(fail_on=2)
    writer = OverlappedWriter(rec)
    with pytest.raises(ValueError, match="cannot encode table 2"):
        for k in range(10):
            writer.write_table(pa.table({"x": [k]}))
        writer.close()
    assert [w for w, _ in rec.written] == [0, 1]  # nothing after the failed table
    writer.abandon()
    assert rec.closed


def test_overlapped_writer_abandoned_drops_what_waits() -> None:
    rec = _Recorder()
    gate = threading.Event()
    real_write = rec.write_table

    def held(table: pa.Table, row_group_size: int | None = None) -> None:
        gate.wait(10)  # the first write is under way until the gate opens
        real_write(table, row_group_size)

    rec.write_table = held  # type: ignore[method-assign]
    writer = OverlappedWriter(rec, depth=3)
    for k in range(4):  # the fourth waits for room: table 0 has left the queue
        writer.write_table(pa.table({"x": [k]}))
    opener = threading.Timer(0.2, gate.set)
    opener.start()
    writer.abandon()  # 1, 2 and 3 are dropped; 0 ends
    opener.join()
    assert rec.closed and rec.written == [(0, None)]


def test_cli_workers_option_reaches_the_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from geo.cli import app

    real = importers.import_file
    asked: list[int | None] = []

    def recording(*args: Any, **kwargs: Any) -> Any:
        asked.append(kwargs.get("workers"))
        return real(*args, **kwargs)

    monkeypatch.setattr(importers, "import_file", recording)
    runner = CliRunner()
    outs = []
    for extra in ([], ["--workers", "2"]):
        out = tmp_path / f"a{len(extra)}.parquet"
        got = runner.invoke(
            app, ["import", "acled", str(ACLED), "-o", str(out), "--no-link", *extra]
        )
        assert got.exit_code == 0, got.output
        outs.append(pq.read_table(out))
    assert asked == [None, 2]
    assert outs[0].equals(outs[1]) and outs[0].num_rows > 0
    bad = runner.invoke(
        app, ["import", "acled", str(ACLED), "-o", str(tmp_path / "b.parquet"), "--workers", "0"]
    )
    assert bad.exit_code == 2 and "--workers" in bad.output
    assert not (tmp_path / "b.parquet").exists()


def test_country_codes_are_the_former_iso3_fillna() -> None:
    from geo.importers._common import country_codes, iso3, or_none

    names = pd.Series(
        ["Armenia", "azerbaijan", "", "Russia (Soviet Union)", "Nowhere", "Armenia", "", "Georgia"],
        dtype="str",
    )
    isos = pd.Series(["51", "31", "268", "", "", "031", "", "268"], dtype="str")
    for numbers in (isos, None):
        former = iso3(names, numbers).fillna(or_none(names))
        got = country_codes(names, numbers)
        assert str(got.dtype) == str(names.dtype)
        assert got.isna().tolist() == former.isna().tolist()
        assert got.fillna("<missing>").tolist() == former.fillna("<missing>").tolist()
    assert country_codes(names, isos).fillna("<missing>").tolist() == [
        "ARM", "AZE", "GEO", "Russia (Soviet Union)", "Nowhere", "ARM", "<missing>", "GEO",
    ]  # fmt: skip


def test_ucdp_type_and_notes_are_the_former_formulas() -> None:
    from geo.importers.ucdp import TYPES, _kinds, _notes

    codes = pd.Series(["1", "2", "3", "", "4", "x", "1.0", "0"], dtype="str")
    dyads = pd.Series(["A - B", "", "C - D", "E", "F", "G", "H", "I"], dtype="str")
    former = pd.to_numeric(codes, errors="coerce").map(TYPES)
    kind = _kinds(codes)
    assert kind.to_pylist() == [v if isinstance(v, str) else None for v in former.tolist()]
    notes = _notes(kind, dyads, codes.index)
    former_notes = former.fillna("Organised violence").astype(str) + ": " + dyads + " (UCDP GED)"
    assert notes.tolist() == former_notes.tolist()
    assert notes.iloc[4] == "Organised violence: F (UCDP GED)"
