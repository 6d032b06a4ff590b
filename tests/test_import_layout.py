"""The import's GeoParquet layout: ACLED's notes written once, plain encoding for unique
values; every reader gives the values of the file written before (main's layout)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from geo.importers import _read_blocks, import_file
from geo.importers._common import (
    PARQUET_META_KEY,
    parquet_meta,
    plain_columns,
    read_imported,
    read_imported_rows,
)

DATA = Path(__file__).parent / "data" / "importers"
ACLED = DATA / "acled_export.csv"


def _acled_with_spaces(tmp_path: Path) -> Path:
    """The ACLED test file with one note that has spaces to strip (ours differs there)."""
    records = list(csv.reader(io.StringIO(ACLED.read_text(encoding="utf-8"), newline="")))
    notes = records[0].index("notes")
    records[3][notes] = "  padded note, kept as written  "
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(records)
    path = tmp_path / "acled.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _as_main_wrote_it(path: Path, out: Path) -> Path:
    """The file as main wrote it: every original value stored, no ``copies`` entry."""
    table = pq.read_table(path)
    filled = pc_fill(table["acled.notes"], table["notes"])
    table = table.set_column(table.column_names.index("acled.notes"), "acled.notes", filled)
    meta = dict(pq.read_metadata(path).metadata)  # the file's key-values (geo, ours)
    ours = json.loads(meta[PARQUET_META_KEY])
    ours.pop("copies")
    meta[PARQUET_META_KEY] = json.dumps(ours).encode()
    pq.write_table(table.replace_schema_metadata(meta), out)
    return out


def pc_fill(values: pa.ChunkedArray, other: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.coalesce(values, other)


def test_acled_notes_stored_once_and_read_back_whole(tmp_path: Path) -> None:
    src = _acled_with_spaces(tmp_path)
    out = tmp_path / "acled.parquet"
    import_file("acled", src, out, keep_events=False)
    stored = pq.read_table(out)
    assert parquet_meta(out)["copies"] == {"acled.notes": "notes"}
    # only the note with spaces to strip is stored twice
    kept = stored["acled.notes"].drop_null().to_pylist()
    assert kept == ["  padded note, kept as written  "]
    assert "padded note, kept as written" in stored["notes"].to_pylist()
    want = _read_blocks("acled", src).events  # the events in memory, never written
    back = read_imported(out)
    assert back["acled.notes"].tolist() == want["acled.notes"].astype(str).tolist()
    assert back["notes"].tolist() == want["notes"].astype(str).tolist()
    assert back["acled.notes"].dtype == back["notes"].dtype
    # columns asked for: the original comes back whole, ours is not added
    some = read_imported(out, columns=["event_id", "acled.notes", "geometry"])
    assert list(some.columns) == ["event_id", "acled.notes", "geometry"]
    assert some["acled.notes"].tolist() == want["acled.notes"].astype(str).tolist()
    rows = read_imported_rows(out, 1, 3, columns=["event_id", "acled.notes", "geometry"])
    assert list(rows.columns) == ["event_id", "acled.notes", "geometry"]
    assert rows["acled.notes"].tolist() == want["acled.notes"].astype(str).tolist()[1:3]
    ours_only = read_imported(out, columns=["event_id", "notes", "geometry"])
    assert ours_only["notes"].tolist() == want["notes"].astype(str).tolist()


def test_a_file_written_before_reads_the_same(tmp_path: Path) -> None:
    src = _acled_with_spaces(tmp_path)
    out = tmp_path / "acled.parquet"
    import_file("acled", src, out, keep_events=False)
    old = _as_main_wrote_it(out, tmp_path / "old.parquet")
    assert pq.read_table(old)["acled.notes"].null_count == 0
    assert "copies" not in parquet_meta(old)
    pd.testing.assert_frame_equal(
        pd.DataFrame(read_imported(old).drop(columns="geometry")),
        pd.DataFrame(read_imported(out).drop(columns="geometry")),
    )
    cols = ["event_id", "acled.notes", "geometry"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(read_imported_rows(old, 0, 4, columns=cols).drop(columns="geometry")),
        pd.DataFrame(read_imported_rows(out, 0, 4, columns=cols).drop(columns="geometry")),
    )


def test_gpkg_export_of_the_read_file_keeps_the_original_notes(tmp_path: Path) -> None:
    import pyogrio

    src = _acled_with_spaces(tmp_path)
    out = tmp_path / "acled.parquet"
    import_file("acled", src, out, keep_events=False)
    gpkg = tmp_path / "acled.gpkg"
    from geo.importers._common import write_imported

    write_imported(read_imported(out), gpkg)
    back = pyogrio.read_dataframe(gpkg)
    want = _read_blocks("acled", src).events
    assert back["acled.notes"].tolist() == want["acled.notes"].astype(str).tolist()


def test_plain_columns_are_those_of_mostly_distinct_values() -> None:
    n = 100
    table = pa.table(
        {
            "id": [f"E{i}" for i in range(n)],
            "kind": ["a", "b"] * (n // 2),
            "x": [i / 7 for i in range(n)],
            "code": list(range(n)),  # integers keep their dictionary
            "half": [f"h{i // 2}" for i in range(n)],  # exactly half distinct: repeats
        }
    )
    assert plain_columns(table) == {"id", "x"}
    assert plain_columns(table.slice(0, 1)) == set()


def test_import_writes_unique_columns_without_dictionary(tmp_path: Path) -> None:
    out = tmp_path / "acled.parquet"
    import_file("acled", ACLED, out, keep_events=False)
    meta = pq.read_metadata(out)
    names = meta.schema.to_arrow_schema().names

    def has_dictionary(name: str) -> bool:
        chunk = meta.row_group(0).column(names.index(name))
        return bool(chunk.has_dictionary_page)

    assert not has_dictionary("event_id") and not has_dictionary("latitude")
    assert has_dictionary("event_type") and has_dictionary("country")
