"""Large-data forms give the same values: categorical text columns, column-wise region spans."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from geo.card import region_card
from geo.compact import (
    NESTED_COMPACTED,
    compact_nested_columns,
    compact_text_columns,
    plain_nested,
)
from geo.config import Settings
from geo.dataset import Dataset
from geo.export import claims_table, export_bytes, sources_table
from geo.gazetteer import Gazetteer
from geo.importers import import_file, read_dataset
from geo.importers._common import write_imported
from geo.render.features import _merge_intervals, _region_spans, area_features
from geo.render.mapdata import pack_events
from geo.summary import region_summary
from geo.view import View, apply_view

DATA = Path(__file__).parent / "data" / "importers"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_repeating_text_columns_become_categoricals_with_the_same_values() -> None:
    frame = pd.DataFrame(
        {
            "actor": ["b", "a", "b", None, "b", "a"],
            "note": ["one", "two", "three", "four", "five", "six"],  # all distinct: kept
            "n": [1, 2, 1, 2, 1, 2],
            "tags": [["x"], ["x"], [], ["y"], ["x"], ["x"]],  # lists: kept
            "mixed": ["a", 1, "a", 1, "a", 1],  # not all text: kept
        }
    )
    out = compact_text_columns(frame)
    assert isinstance(out["actor"].dtype, pd.CategoricalDtype)
    assert list(out["actor"].cat.categories) == ["a", "b"]  # sorted: order is text order
    assert [v if isinstance(v, str) else None for v in out["actor"].tolist()] == [
        "b", "a", "b", None, "b", "a"
    ]  # fmt: skip
    assert out["actor"].isna().tolist() == frame["actor"].isna().tolist()
    assert (out["actor"] == "b").tolist() == (frame["actor"] == "b").tolist()
    assert out.sort_values("actor").index.tolist() == frame.sort_values("actor").index.tolist()
    for name in ("note", "n", "tags", "mixed"):
        assert out[name].dtype == frame[name].dtype, name
    assert frame["actor"].dtype != out["actor"].dtype  # the input is left as it was


@pytest.fixture(scope="module")
def compacted(imported_test_data: Dataset) -> Dataset:
    return imported_test_data


@pytest.fixture(scope="module")
def plain(compacted: Dataset) -> Dataset:
    """The same dataset with every categorical back to a plain text column, and the
    claims' and sources' dictionary fields back to plain text."""
    events = compacted.events.copy()
    for name in events.columns:
        if isinstance(events[name].dtype, pd.CategoricalDtype):
            events[name] = events[name].astype(events[name].cat.categories.dtype)
    for name in NESTED_COMPACTED:
        decoded = plain_nested(pa.array(events[name].array))
        assert decoded.type != events[name].dtype.pyarrow_dtype  # it was encoded
        events[name] = pd.Series(pd.arrays.ArrowExtensionArray(decoded), index=events.index)
    return replace(compacted, events=events)


def test_the_loaded_imported_frame_holds_categoricals(compacted: Dataset) -> None:
    kinds = {n for n in compacted.events.columns if compacted.events[n].dtype == "category"}
    assert {"dataset", "episode", "event_type", "country", "region"} <= kinds
    assert "notes" not in kinds and "claims" not in kinds


SOURCE = pa.struct([("id", pa.string()), ("outlet", pa.string()), ("cites", pa.list_(pa.string()))])


def _source(id_: str, outlet: str | None, cites: list[str] | None) -> dict[str, object]:
    return {"id": id_, "outlet": outlet, "cites": cites}


def test_repeating_struct_fields_become_dictionaries_with_the_same_values() -> None:
    lists = [
        [_source("s1", "Trend", ["a"]), _source("s2", None, [])],
        None,
        [],
        [_source("s3", "Trend", None)],
        [_source("s4", "Trend", ["b", "c"]), _source("s5", "Trend", ["a"])],
    ]
    whole = pa.array(lists, type=pa.list_(SOURCE))
    # two chunks, the second a slice with a null list: what a concatenated frame holds
    column = pa.chunked_array([whole.slice(0, 2), whole.slice(2)])
    frame = pd.DataFrame(
        {
            "sources": pd.arrays.ArrowExtensionArray(column),
            "tags": pd.arrays.ArrowExtensionArray(pa.array([["x"]] * 5)),
            "curated": [[{"id": "c"}]] * 5,  # Python lists: left as they are
        }
    )
    out = compact_nested_columns(frame)
    got = out["sources"].dtype.pyarrow_dtype.value_type
    # ids are all distinct (5 of 5): plain; outlets repeat (2 distinct of 5: Trend and null)
    assert [(f.name, str(f.type)) for f in got] == [
        ("id", "string"),
        ("outlet", "dictionary<values=string, indices=int8, ordered=0>"),
        ("cites", "list<item: string>"),
    ]
    assert out["sources"].tolist()[0] == lists[0]
    assert out["sources"].tolist()[3:] == lists[3:]
    assert out["sources"].isna().tolist() == [False, True, False, False, False]
    assert out["sources"].iloc[4][1] == {"id": "s5", "outlet": "Trend", "cites": ["a"]}
    assert repr(out["sources"].to_numpy()) == repr(frame["sources"].to_numpy())
    assert out["tags"].dtype == frame["tags"].dtype
    assert out["curated"].tolist() == frame["curated"].tolist()
    back = plain_nested(pa.array(out["sources"].array))
    assert back.type == column.type
    assert back.to_pylist() == lists
    assert frame["sources"].dtype.pyarrow_dtype == column.type  # the input is unchanged
    for chunk in pa.array(out["sources"].array).chunks:  # built afresh: no child a slice
        assert chunk.offsets[0].as_py() == 0
        assert chunk.values.field("cites").offset == 0


def test_the_loaded_imported_frame_keeps_claims_and_sources_texts_once(
    compacted: Dataset,
) -> None:
    sources = compacted.events["sources"].dtype.pyarrow_dtype.value_type
    claims = compacted.events["claims"].dtype.pyarrow_dtype.value_type
    assert pa.types.is_dictionary(sources.field("outlet").type)
    assert pa.types.is_dictionary(claims.field("claimant").type)
    assert pa.types.is_dictionary(claims.field("measure").type)


def test_sources_and_claims_tables_are_the_same_from_dictionaries(
    compacted: Dataset, plain: Dataset
) -> None:
    got, want = sources_table(compacted.events), sources_table(plain.events)
    pd.testing.assert_frame_equal(got, want)
    assert len(got) > len(compacted.events)  # imported events have several sources
    pd.testing.assert_frame_equal(claims_table(compacted.events), claims_table(plain.events))
    for label in compacted.events.index:
        assert compacted.events.at[label, "sources"] == plain.events.at[label, "sources"]
        assert compacted.events.at[label, "claims"] == plain.events.at[label, "claims"]


def _zip_files(payload: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(payload)) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("view", [None, View(region="Tavush"), View(countries=("AZE",))])
def test_exports_are_the_same_from_categoricals(
    compacted: Dataset, plain: Dataset, settings: Settings, view: View | None
) -> None:
    def files(data: Dataset) -> dict[str, bytes]:
        return _zip_files(
            export_bytes(
                data, fmt="zip", view=view, settings=settings, now=NOW,
                bundle=("csv", "kml"),
            )
        )  # fmt: skip

    got, want = files(compacted), files(plain)
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], name
    assert any(b"acled-A" in content for content in got.values())  # imported rows are in


def test_geopackage_layers_are_the_same_from_categoricals(
    compacted: Dataset, plain: Dataset, settings: Settings, tmp_path: Path
) -> None:
    for label, data in (("compacted", compacted), ("plain", plain)):
        (tmp_path / f"{label}.gpkg").write_bytes(
            export_bytes(data, fmt="gpkg", settings=settings, now=NOW)
        )
    for layer in ("events", "claims", "region_summary"):
        got = gpd.read_file(tmp_path / "compacted.gpkg", layer=layer)
        want = gpd.read_file(tmp_path / "plain.gpkg", layer=layer)
        pd.testing.assert_frame_equal(got, want, check_like=False)
    assert len(gpd.read_file(tmp_path / "compacted.gpkg", layer="events")) == len(plain.events)


def test_card_summary_claims_and_map_data_are_the_same_from_categoricals(
    compacted: Dataset, plain: Dataset, settings: Settings
) -> None:
    for view in (View(), View(region="Tavush"), View(start=date(2020, 7, 13))):
        assert region_card(compacted, view) == region_card(plain, view)
        got = region_summary(apply_view(compacted.events, view), admin=compacted.admin)
        want = region_summary(apply_view(plain.events, view), admin=plain.admin)
        pd.testing.assert_frame_equal(got, want, check_dtype=False, check_categorical=False)
    pd.testing.assert_frame_equal(
        claims_table(compacted.events), claims_table(plain.events), check_dtype=False
    )
    places = Gazetteer.default(settings)
    got_pack = pack_events(compacted.events, places=places)
    want_pack = pack_events(plain.events, places=places)
    assert got_pack.binary == want_pack.binary
    assert got_pack.chunks == want_pack.chunks


def test_region_spans_merge_as_the_loop_does() -> None:
    rng = np.random.default_rng(7)
    n = 2_000
    ids = pd.Series(rng.choice(["R1", "R10", "R2", "X9", None], n), dtype=object)
    day = 86_400_000
    starts = rng.integers(0, 400, n).astype(np.int64) * day
    ends = starts + rng.integers(0, 5, n).astype(np.int64) * day + day - 1
    known = {"R1", "R10", "R2"}
    want: dict[str, list[tuple[int, int]]] = {}
    for region, a, b in zip(ids, starts.tolist(), ends.tolist(), strict=True):
        if region in known:
            want.setdefault(region, []).append((a, b))
    want = {k: _merge_intervals(v) for k, v in want.items()}
    got = _region_spans(ids, starts, ends, known)
    assert got == want
    assert sum(len(v) for v in got.values()) > 30  # gaps and merges both happened
    assert _region_spans(ids.iloc[:0], starts[:0], ends[:0], known) == {}


def test_area_features_from_categoricals(compacted: Dataset, plain: Dataset) -> None:
    assert compacted.admin is not None
    got = area_features(compacted.events, compacted.admin.regions)
    assert got == area_features(plain.events, compacted.admin.regions)
    assert got, "the test data has region-level events"


def test_app_lists_imported_events_of_no_known_country(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The events table names countries from a categorical column with a missing value."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from geo.config import ENV_DATA_DIR

    raw = pd.read_csv(DATA / "acled_export.csv", dtype=str, keep_default_na=False)
    raw.loc[0, ["country", "iso"]] = ""  # ARM9001: no country given
    raw.to_csv(tmp_path / "acled.csv", index=False)
    folder = tmp_path / "data"
    folder.mkdir()
    import_file("acled", tmp_path / "acled.csv", folder / "acled.parquet")
    monkeypatch.setenv(ENV_DATA_DIR, str(folder))
    st.cache_data.clear()
    at = AppTest.from_file(str(Path(__file__).parent.parent / "app.py"), default_timeout=120)
    at.run()
    try:
        assert not at.exception, [e.value for e in at.exception]
        (table,) = [d.value for d in at.dataframe if "Country" in d.value.columns and
                    "Actor 1" in d.value.columns]  # fmt: skip
        countries = dict(zip(table.index, table["Country"], strict=True))
        assert pd.isna(countries["acled-ARM9001"])
        assert countries["acled-ARM9002"] == "Armenia"
        # the other views of the page on categorical columns
        at.selectbox(key="region").set_value("Tavush").run()
        assert not at.exception, [e.value for e in at.exception]
        region_table = table_with_column(at, "Event")
        assert len(region_table) > 0
        at.multiselect(key="countries").set_value(["ARM"]).run()
        at.toggle(key="precise_only").set_value(True).run()
        at.radio(key="level").set_value("district").run()
        at.radio(key="mode").set_value("regions").run()
        assert not at.exception, [e.value for e in at.exception]
    finally:
        st.cache_data.clear()


def table_with_column(at: object, column: str) -> pd.DataFrame:
    """The one static table (st.table) that has ``column``."""
    found = [t.value for t in at.table if column in t.value.columns]  # type: ignore[attr-defined]
    assert len(found) == 1
    return found[0]


def _plain_frame(events: pd.DataFrame) -> pd.DataFrame:
    out = events.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype(out[name].cat.categories.dtype)
        elif isinstance(out[name].dtype, pd.ArrowDtype):
            decoded = plain_nested(pa.array(out[name].array))
            out[name] = pd.Series(pd.arrays.ArrowExtensionArray(decoded), index=out.index)
    return out


@pytest.mark.parametrize("kind,name", [("acled", "acled_export.csv"), ("ucdp", "ucdp_ged.csv")])
def test_read_dataset_holds_repeated_texts_once_and_writes_the_same_file(
    tmp_path: Path, kind: str, name: str
) -> None:
    events = read_dataset(kind, DATA / name).events
    held_once = [c for c in events.columns if isinstance(events[c].dtype, pd.CategoricalDtype)]
    assert any(c.startswith(f"{kind}.") for c in held_once)  # original columns too
    assert pa.types.is_dictionary(events["claims"].dtype.pyarrow_dtype.value_type[0].type)
    plain = _plain_frame(events)
    assert not any(isinstance(plain[c].dtype, pd.CategoricalDtype) for c in plain.columns)
    assert plain["sources"].tolist() == events["sources"].tolist()
    write_imported(events, tmp_path / "compact.parquet", meta={"dataset": kind})
    write_imported(plain, tmp_path / "plain.parquet", meta={"dataset": kind})
    got, want = (
        (tmp_path / "compact.parquet").read_bytes(),
        (tmp_path / "plain.parquet").read_bytes(),
    )
    assert got == want  # byte for byte: no dictionary type reaches the file
    schema = pq.read_schema(tmp_path / "compact.parquet")
    assert {str(schema.field(c).type) for c in held_once} == {"large_string"}
