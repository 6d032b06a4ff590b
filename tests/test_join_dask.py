"""The dask engine joins exactly as the single-machine engine (a LocalCluster of 2 workers)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from geo.boundaries import AdminUnits, load_admin_units
from geo.cli import app
from geo.config import Settings
from geo.datasets import join_any_country
from geo.importers import import_file, read_dataset
from geo.importers._common import read_imported, write_imported
from geo.join_dask import DaskJoinError, join_dask, read_joined

DATA = Path(__file__).parent / "data" / "importers"
runner = CliRunner()


@pytest.fixture(scope="module")
def admin(settings: Settings) -> AdminUnits:
    return load_admin_units(settings)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The UCDP fixture plus 1,500 synthetic events near its rows, one other country among them."""
    base = read_dataset("ucdp", DATA / "ucdp_ged.csv").events
    rng = np.random.default_rng(11)
    n = 1500
    picks = base.iloc[rng.integers(0, len(base), n)].copy()
    x = picks["longitude"].to_numpy() + rng.uniform(-0.4, 0.4, n)
    y = picks["latitude"].to_numpy() + rng.uniform(-0.4, 0.4, n)
    picks["event_id"] = [f"ucdp-syn{i}" for i in range(n)]
    picks["country"] = np.where(rng.random(n) < 0.02, "GEO", picks["country"].to_numpy())
    picks["where_prec"] = rng.integers(1, 8, n)
    picks = picks.set_geometry(gpd.points_from_xy(x, y, crs=4326))
    picks.index = pd.Index(picks["event_id"].to_numpy(), name="event_id")
    both = gpd.GeoDataFrame(pd.concat([base, picks]), crs=4326)
    out = tmp_path_factory.mktemp("dask") / "events.parquet"
    write_imported(both, out, meta={"dataset": "ucdp"})
    return out


def test_dask_equals_single_machine_row_by_row(
    dataset: Path, admin: AdminUnits, tmp_path: Path
) -> None:
    out = join_dask(dataset, tmp_path / "joined", admin, npartitions=4, n_workers=2)
    parts = sorted(out.glob("*.parquet"))
    assert len(parts) == 4
    got = read_joined(out)
    want = join_any_country(read_imported(dataset), admin)
    assert got.index.tolist() == want.index.tolist()
    columns = [
        "region", "region_id", "district", "district_id", "join_method", "join_distance_m",
        "admin_note", "deaths_best", "where_prec", "country",
    ]  # fmt: skip
    for col in columns:
        a = got[col].astype(object).where(got[col].notna(), None).tolist()
        b = want[col].astype(object).where(want[col].notna(), None).tolist()
        assert a == b, col
    assert got.geometry.equals(want.geometry)
    assert {"within", "unmatched", "area"} <= set(got["join_method"])


def test_dask_output_folder_must_be_new(dataset: Path, admin: AdminUnits, tmp_path: Path) -> None:
    (tmp_path / "joined").mkdir()
    with pytest.raises(DaskJoinError, match=r"joined: already exists"):
        join_dask(dataset, tmp_path / "joined", admin)
    with pytest.raises(DaskJoinError, match=r"missing\.parquet: no such GeoParquet"):
        join_dask(tmp_path / "missing.parquet", tmp_path / "out", admin)


def test_cli_join_engine_dask(tmp_path: Path) -> None:
    src = tmp_path / "acled.parquet"
    import_file("acled", DATA / "acled_export.csv", src)
    result = runner.invoke(
        app,
        ["join", "--engine", "dask", "--partitions", "2", "--out", str(tmp_path / "j"), str(src)],
    )
    assert result.exit_code == 0, result.output
    joined = read_joined(tmp_path / "j")
    assert joined.loc["acled-ARM9001", "region"] == "Tavush"
    bad = runner.invoke(app, ["join", "--engine", "spark", str(src)])
    assert bad.exit_code == 2 and "use single or dask" in bad.output


def test_partitions_read_only_their_row_groups(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file written in row groups is split on their boundaries; every partition (and any
    row range, across row groups) gives exactly the rows of the whole file."""
    import pyarrow.parquet as pq

    from geo.importers import _common
    from geo.importers._common import read_imported_rows
    from geo.join_dask import _edges, read_partitioned

    monkeypatch.setattr(_common, "ROW_GROUP_ROWS", 400)
    whole = read_imported(dataset)
    path = tmp_path / "groups.parquet"
    write_imported(whole, path, meta={"dataset": "ucdp"})
    n = len(whole)
    assert pq.ParquetFile(path).num_row_groups == -(-n // 400)
    assert _edges(path, 2) == [0, 800, n]  # the row-group boundary nearest n/2
    assert _edges(path, 50)[-1] == n  # more partitions than row groups: row ranges
    own = [c for c in whole.columns if "." not in c]
    for start, stop in [(0, 400), (390, 810), (n - 5, n), (0, n)]:
        part = read_imported_rows(path, start, stop, columns=own)
        assert part.index.tolist() == whole.index[start:stop].tolist()
        assert part["date_start"].tolist() == whole["date_start"].iloc[start:stop].tolist()
        assert part.geometry.equals(whole.geometry.iloc[start:stop])
    got = read_partitioned(path, npartitions=3).compute()
    assert got.index.tolist() == whole.index.tolist()
    assert list(got.columns) == own
    assert got["claims"].tolist() == whole["claims"].tolist()


def test_each_thread_joins_against_its_own_polygons(admin: AdminUnits, dataset: Path) -> None:
    # GEOS prepares a polygon in place and its prepared geometries are not thread-safe:
    # dask's threads (processes=False, or a worker's thread pool) must not share them
    from concurrent.futures import ThreadPoolExecutor

    from geo.join import _units

    here = _units(admin)
    assert _units(admin)[0] is here[0]  # built once per thread
    with ThreadPoolExecutor(2) as pool:
        there = pool.submit(_units, admin).result()
    for mine, theirs in zip(here, there, strict=True):
        assert mine is not theirs
        for a, b in ((mine.geom.to_numpy(), theirs.geom.to_numpy()), (mine.metric, theirs.metric)):
            assert not any(x is y for x, y in zip(a, b, strict=True))
            assert bool(shapely.equals_exact(a, b, tolerance=0).all())  # the same coordinates
    # two threads joining halves of the same events at once give the one-thread answer
    events = read_imported(dataset)
    want = join_any_country(events, admin)
    halves = [events.iloc[: len(events) // 2], events.iloc[len(events) // 2 :]]
    for _ in range(3):
        with ThreadPoolExecutor(2) as pool:
            got = pd.concat(list(pool.map(lambda part: join_any_country(part, admin), halves)))
        for name in ("region_id", "district_id", "join_method"):
            assert got[name].fillna("-").tolist() == want[name].fillna("-").tolist(), name
