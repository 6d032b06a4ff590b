"""Imported files leave out the claim and source fields no importer fills; reading gives
every field back, with the values the import made."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import geo.importers as importers
from geo.importers import _common as common
from geo.importers import _on_disk

DATA = Path(__file__).parent / "data" / "importers"
FILES = {"acled": DATA / "acled_export.csv", "ucdp": DATA / "ucdp_ged.csv"}


def _claims(rows: list[list[dict[str, object]]]) -> pa.ChunkedArray:
    full = [[{f.name: item.get(f.name) for f in common.CLAIM_TYPE} for item in r] for r in rows]
    return pa.chunked_array([pa.array(full, type=pa.list_(common.CLAIM_TYPE))])


def _claim(value: int | None, **more: object) -> dict[str, object]:
    return {"claimant": "UCDP", "measure": "killed", "qualifier": "exact", "value": value, **more}


@pytest.mark.parametrize("kind", ["acled", "ucdp"])
def test_an_imported_file_holds_the_filled_fields_and_reads_back_every_field(
    tmp_path: Path, kind: str
) -> None:
    out = tmp_path / f"{kind}.parquet"
    importers.import_file(kind, FILES[kind], out, keep_events=False)
    schema = pq.read_schema(out)
    claim = schema.field("claims").type.value_type
    source = schema.field("sources").type.value_type
    assert claim.names == [
        "claimant", "claimant_type", "measure", "subject", "side", "group", "qualifier",
        "value", "source", "note",
    ]  # fmt: skip
    assert source.names == ["id", "outlet", "reported", "published", "published_note", "cites"]

    read = common.read_imported(out)
    made = importers.read_dataset(kind, FILES[kind]).events  # mapped in memory, not written
    assert read["claims"].dtype.pyarrow_dtype.value_type.names == common.CLAIM_TYPE.names
    assert read["sources"].dtype.pyarrow_dtype.value_type.names == common.SOURCE_TYPE.names
    assert read.index.tolist() == made.index.tolist()
    for name in ("claims", "sources"):
        assert read[name].tolist() == made[name].tolist(), name
    first = read["claims"].iloc[0][0]
    assert first["low"] is None and first["included_in"] is None and first["value"] is not None


def test_a_field_with_a_value_in_any_row_stays_in_the_file() -> None:
    claims = _claims([[_claim(3)], [_claim(None, low=2, high=6, qualifier="range")]])
    table = common.on_disk(pa.table({"claims": claims}))
    kept = table.schema.field("claims").type.value_type.names
    assert "low" in kept and "high" in kept
    assert "via" not in kept and "text" not in kept and "included_in" not in kept
    back = common.with_every_field(table.column("claims"), "claims")
    assert back.type.value_type.names == common.CLAIM_TYPE.names
    assert back.to_pylist() == claims.to_pylist()


def test_reading_back_keeps_offsets_nulls_and_empty_lists_of_sliced_columns() -> None:
    rows = [[_claim(1), _claim(2, note="b")], [], [_claim(5, side="armenian")], [_claim(7)]]
    claims = _claims(rows)
    claims = pa.chunked_array([claims.chunk(0).slice(1, 3), claims.chunk(0).slice(0, 1)])
    with_null = pa.chunked_array([pa.array([None, *claims.chunk(0).to_pylist()], type=claims.type)])
    for column in (claims, with_null):
        narrow = common.on_disk(pa.table({"claims": column})).column("claims")
        assert len(narrow.type.value_type) == len(common.CLAIM_TYPE) - 6
        back = common.with_every_field(narrow, "claims")
        assert back.to_pylist() == column.to_pylist()
    assert with_null.to_pylist()[0] is None


def test_a_file_written_with_every_field_before_reads_as_a_narrow_one(tmp_path: Path) -> None:
    narrow = tmp_path / "narrow.parquet"
    importers.import_file("ucdp", FILES["ucdp"], narrow, keep_events=False)
    table = pq.read_table(narrow)  # as files were written before: every field of each
    for name in ("claims", "sources"):
        full = common.with_every_field(table.column(name), name)
        i = table.schema.get_field_index(name)
        table = table.set_column(i, table.schema.field(i).with_type(full.type), full)
    old = tmp_path / "old.parquet"
    keys = {k: v for k, v in pq.read_metadata(narrow).metadata.items() if k != b"ARROW:schema"}
    pq.write_table(table.replace_schema_metadata(keys), old)  # the GeoParquet keys too
    assert pq.read_schema(old).field("claims").type.value_type.names == common.CLAIM_TYPE.names
    before, now = common.read_imported(old), common.read_imported(narrow)
    for name in ("claims", "sources"):
        assert before[name].dtype == now[name].dtype
        assert before[name].tolist() == now[name].tolist(), name
    column = pa.chunked_array(before["claims"].array.__arrow_array__())
    assert common.with_every_field(column, "claims") is column  # nothing rebuilt


def test_a_block_that_fills_a_field_the_first_left_empty_fails_loudly() -> None:
    first = common.on_disk(pa.table({"claims": _claims([[_claim(3)]])}))
    later = pa.table({"claims": _claims([[_claim(3, via="Reuters")]])})
    with pytest.raises(AssertionError, match="fill a field the first block left empty"):
        _on_disk(later, first.schema)
    same = pa.table({"claims": _claims([[_claim(9)], []])})
    assert _on_disk(same, first.schema).schema.equals(first.schema)
