"""``geo.rows.take_rows``: a few rows of a frame whose Arrow columns are in several chunks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from geo.rows import list_lengths, take_column, take_rows

N = 1_000


def chunked(values: list[object], size: int = 300) -> pa.ChunkedArray:
    """``values`` as an Arrow column of several chunks (as a multi-row-group Parquet file)."""
    return pa.chunked_array([pa.array(values[i : i + size]) for i in range(0, len(values), size)])


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    text = [None if i % 11 == 0 else f"note {i} " * int(rng.integers(1, 5)) for i in range(N)]
    claims = [
        None if i % 5 == 0 else [{"claimant": f"c{i}", "value": i}, {"claimant": "x", "value": 1}]
        for i in range(N)
    ]
    out = pd.DataFrame(
        {
            "notes": pd.arrays.ArrowExtensionArray(chunked(text)),
            "label": pd.array(chunked(text), dtype="str"),
            "claims": pd.arrays.ArrowExtensionArray(chunked(claims)),
            "count": np.arange(N) * 3,
            "kind": pd.Categorical([("Battles", "Riots", None)[i % 3] for i in range(N)]),
            "day": pd.date_range("2020-01-01", periods=N, freq="D"),
        },
        index=pd.Index([f"ev-{i}" for i in range(N)], dtype="str"),
    )
    # the case this module exists for: Arrow columns in several chunks
    assert out["notes"].array.__arrow_array__().num_chunks == 4
    assert out["label"].array.__arrow_array__().num_chunks == 4
    return out


def test_the_rows_and_columns_asked_for_in_the_order_asked_for(frame: pd.DataFrame) -> None:
    positions = np.array([999, 0, 301, 300, 299, 5, 5, 650, -1, 42])  # repeats and a negative
    columns = ["claims", "notes", "label", "count", "kind", "day"]
    got = take_rows(frame, positions, [*columns, "not a column"])
    expected = frame.iloc[positions][columns]
    pd.testing.assert_frame_equal(got, expected)
    assert list(got.index) == ["ev-999", "ev-0", "ev-301", "ev-300", "ev-299", "ev-5", "ev-5",
                               "ev-650", "ev-999", "ev-42"]  # fmt: skip
    assert pd.isna(got["notes"].iloc[1])  # event 0 has no notes (0 % 11 == 0)
    assert got["notes"].iloc[2].startswith("note 301 ")
    assert list(got["claims"].iloc[2]) == [
        {"claimant": "c301", "value": 301},
        {"claimant": "x", "value": 1},
    ]
    assert pd.isna(got["claims"].iloc[3])  # event 300 has no claims (300 % 5 == 0)
    assert got["count"].tolist() == [2997, 0, 903, 900, 897, 15, 15, 1950, 2997, 126]
    assert got["kind"].tolist()[:3] == ["Battles", "Battles", "Riots"]


def test_every_position_once_gives_the_column_back(frame: pd.DataFrame) -> None:
    for name in ("notes", "label", "claims"):
        pd.testing.assert_series_equal(take_column(frame[name], np.arange(N)), frame[name])
    shuffled = np.random.default_rng(3).permutation(N)
    pd.testing.assert_frame_equal(take_rows(frame, shuffled, frame.columns), frame.iloc[shuffled])


def test_no_positions_and_bad_positions(frame: pd.DataFrame) -> None:
    empty = take_rows(frame, np.array([], dtype=int), ["notes", "count"])
    assert len(empty) == 0 and list(empty.columns) == ["notes", "count"]
    assert empty["notes"].dtype == frame["notes"].dtype
    with pytest.raises(IndexError):
        take_column(frame["notes"], np.array([3, N]))


def test_list_lengths(frame: pd.DataFrame) -> None:
    lengths = list_lengths(frame["claims"])
    assert lengths.tolist() == [0 if i % 5 == 0 else 2 for i in range(N)]
    python = pd.Series([[1, 2, 3], None, [], ["a"]], dtype=object)
    assert list_lengths(python).tolist() == [3, 0, 0, 1]


def test_filter_rows_is_the_mask_of_pandas(frame: pd.DataFrame) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from geo.rows import filter_rows

    geo = gpd.GeoDataFrame(
        frame.assign(where=[Point(45 + i / N, 40) for i in range(N)]),
        geometry="where",
        crs="EPSG:4326",
    )
    geo.attrs["dataset"] = "test"
    mask = np.zeros(N, dtype=bool)
    mask[[0, 1, 299, 300, 301, 650, 999]] = True  # both sides of chunk boundaries
    got = filter_rows(geo, mask)
    pd.testing.assert_frame_equal(got, geo[mask])
    assert isinstance(got, gpd.GeoDataFrame) and got.crs == geo.crs
    assert got.geometry.name == "where" and got.attrs == {"dataset": "test"}
    assert list(got.index) == ["ev-0", "ev-1", "ev-299", "ev-300", "ev-301", "ev-650", "ev-999"]
    assert list(got["claims"].iloc[2]) == [
        {"claimant": "c299", "value": 299},
        {"claimant": "x", "value": 1},
    ]
    every = np.random.default_rng(5).random(N) < 0.3
    pd.testing.assert_frame_equal(filter_rows(frame, every), frame[every])
    none = filter_rows(frame, np.zeros(N, dtype=bool))
    pd.testing.assert_frame_equal(none, frame[np.zeros(N, dtype=bool)])
    with pytest.raises(ValueError, match="a mask of 3 rows for a frame of 1000"):
        filter_rows(frame, np.ones(3, dtype=bool))
