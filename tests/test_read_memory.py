"""read_dataset's memory savings keep every value: distinct counts in parts, narrow dictionary
indices per block, the Arrow pool it reads with, and the frame it makes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from geo import compact
from geo._memory import bulk_arrow_pool
from geo.importers import _read_blocks, read_dataset

DATA = Path(__file__).parent / "data" / "importers"


def _texts(rng: np.random.Generator, n: int) -> list[str | None]:
    """Repeated words, mostly distinct sentences, empty texts, missing values, non-ASCII."""
    words = ["a", "bb", "Tovuz", "Tauz", "Ağdam", "ccc", "", "x y"]
    out: list[str | None] = []
    for k in range(n):
        pick = rng.integers(0, 4)
        if pick == 0:
            out.append(None)
        elif pick == 1:
            out.append(words[rng.integers(0, len(words))])
        else:
            out.append(" ".join(words[j] for j in rng.integers(0, len(words), 3)) + str(k % 97))
    return out


@pytest.mark.parametrize("type_", [pa.string(), pa.large_string()])
@pytest.mark.parametrize("part_bytes", [1, 64, 1 << 20])
def test_distinct_text_in_parts_counts_what_arrow_counts(
    type_: pa.DataType, part_bytes: int
) -> None:
    rng = np.random.default_rng(8)
    whole = pa.array(_texts(rng, 3000), type=type_)
    chunked = pa.chunked_array(
        [whole.slice(0, 1000), whole.slice(1000, 0), whole.slice(1000, 1500), whole.slice(2500)]
    )  # slices: offsets not at 0, an empty chunk
    for values in (whole, chunked, whole.slice(17, 900)):
        want = pc.count_distinct(values, mode="only_valid").as_py()
        assert 100 < want < len(values)  # some repeats, some distinct
        assert compact.distinct_text(values, part_bytes=part_bytes) == want
        assert compact.distinct_text(values, part_bytes=part_bytes, above=want) == want
        early = compact.distinct_text(values, part_bytes=part_bytes, above=want // 3)
        assert want // 3 < early <= want  # stopped once past ``above``
    assert compact.distinct_text(pa.array([None, None], type=type_), part_bytes=1) == 0
    assert compact.distinct_text(pa.array(["", "", None], type=type_), part_bytes=1) == 1


def test_repeating_rule_on_a_dictionary_column_counts_its_chunks_words_once() -> None:
    a = pa.array(["x", "y", "x", "x"]).dictionary_encode()
    b = pa.array(["y", "z", None, "y"]).dictionary_encode()
    values = pa.chunked_array([a, b])
    assert compact._distinct(values) == 3  # x, y, z: "y" in both chunks' dictionaries
    assert compact._repeats(values)  # 3 distinct of 8 values
    assert not compact._repeats(pa.chunked_array([pa.array(["p", "q", "r", None])]))


def _block(actors: list[str], claimants: list[str]) -> pa.Table:
    claims = pa.array(
        [[{"claimant": c, "value": k}] for k, c in enumerate(claimants)],
        type=pa.list_(pa.struct([("claimant", pa.string()), ("value", pa.int64())])),
    )
    return pa.table({"actor": pa.array(actors, pa.large_string()), "claims": claims})


def test_blocks_keep_narrow_indices_and_are_put_together_with_the_same_values() -> None:
    few = _block(["A", "B"] * 50, ["ACLED", "UCDP"] * 50)
    many = _block([f"actor {k % 300}" for k in range(1000)], [f"c{k % 200}" for k in range(1000)])
    plan = compact.table_plan(few)
    assert plan.columns == {"actor"} and "claims" in plan.nested
    small, large = compact.compact_table(few, plan), compact.compact_table(many, plan)
    assert small.schema.field("actor").type == pa.dictionary(pa.int8(), pa.string())
    assert large.schema.field("actor").type == pa.dictionary(pa.int16(), pa.string())
    field = small.schema.field("claims").type.value_type.field("claimant")
    assert field.type == pa.dictionary(pa.int8(), pa.string())
    field = large.schema.field("claims").type.value_type.field("claimant")
    assert field.type == pa.dictionary(pa.int16(), pa.string())
    tables = [small, large, small]
    got = compact.concat_blocks(tables)
    assert tables == []  # let go as they are put together
    assert got.schema.field("actor").type == pa.dictionary(pa.int16(), pa.string())
    plain = pa.concat_tables([few, many, few])
    assert got["actor"].to_pylist() == plain["actor"].to_pylist()
    assert got["claims"].to_pylist() == plain["claims"].to_pylist()
    finished = compact.finish_table(got, plan)  # 300 distinct actors of 1200: kept encoded
    frame = finished.to_pandas()
    assert isinstance(frame["actor"].dtype, pd.CategoricalDtype)
    assert frame["actor"].tolist() == plain["actor"].to_pylist()
    kept = finished.schema.field("claims").type.value_type.field("claimant").type
    assert kept == pa.dictionary(pa.int16(), pa.string())  # 202 distinct: int16 over all


def test_bulk_arrow_pool_reads_with_jemalloc_and_sets_the_pool_back() -> None:
    before = pa.default_memory_pool()
    try:
        jemalloc = pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no jemalloc")
    try:
        pa.set_memory_pool(pa.mimalloc_memory_pool())
        with bulk_arrow_pool():
            assert pa.default_memory_pool().backend_name == "jemalloc"
            with bulk_arrow_pool():  # nested: still jemalloc, set back by the outer one only
                pass
            assert pa.default_memory_pool().backend_name == "jemalloc"
            made = pa.array(["kept after the block"] * 10)
        assert pa.default_memory_pool().backend_name == "mimalloc"
        assert made.to_pylist()[0] == "kept after the block"
        pa.set_memory_pool(pa.system_memory_pool())  # a pool chosen on purpose stays
        with bulk_arrow_pool():
            assert pa.default_memory_pool().backend_name == "system"
        assert pa.default_memory_pool().backend_name == "system"
        pa.set_memory_pool(pa.mimalloc_memory_pool())
        with pytest.raises(RuntimeError, match="boom"), bulk_arrow_pool():
            raise RuntimeError("boom")
        assert pa.default_memory_pool().backend_name == "mimalloc"  # set back on errors too
        assert jemalloc.backend_name == "jemalloc"
    finally:
        pa.set_memory_pool(before)


@pytest.mark.parametrize("kind,name", [("acled", "acled_export.csv"), ("ucdp", "ucdp_ged.csv")])
def test_read_dataset_frame_is_the_block_frame_and_can_be_changed_in_place(
    kind: str, name: str
) -> None:
    events = read_dataset(kind, DATA / name).events
    pd.testing.assert_frame_equal(
        pd.DataFrame(events), pd.DataFrame(_read_blocks(kind, DATA / name).events)
    )
    assert events.index.name == "event_id"
    assert events.index.dtype == events["event_id"].dtype
    assert events.index.tolist() == events["event_id"].tolist()
    first = events.index[0]
    # no column is a read-only view of Arrow memory: in-place writes work as on any frame
    events.loc[first, "fatalities"] = 99
    events.at[first, "latitude"] = 40.5
    events.iloc[1, events.columns.get_loc("date_start")] = pd.Timestamp("2020-07-12")
    assert events.at[first, "fatalities"] == 99 and events.at[first, "latitude"] == 40.5
    assert events["date_start"].iloc[1] == pd.Timestamp("2020-07-12")
    assert events.index[0] == first  # the index is not changed by writes to the column
    events.loc[first, "event_id"] = "changed"
    assert events.index[0] == first
