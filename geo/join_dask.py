"""The join beyond one machine: dask-geopandas over partitioned GeoParquet, same rules and results.

Every event is joined on its own (its region and district depend only on its
point, country, precision and gazetteer region), so each partition is joined
with :func:`geo.join.join_events` exactly as the single-machine engine joins the
whole frame, on a local cluster or a ``dask.distributed`` scheduler.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo._errors import ConflictMapError
from geo.boundaries import AdminUnits


class DaskJoinError(ConflictMapError, RuntimeError):
    """The dask engine cannot run (input, scheduler or output)."""


def _join_partition(part: gpd.GeoDataFrame, admin: AdminUnits) -> gpd.GeoDataFrame:
    from geo.datasets import join_any_country

    return join_any_country(part, admin)


def _write_part(part: gpd.GeoDataFrame, path: Path) -> str:
    from geo.importers._common import write_imported

    write_imported(part, path)
    return str(path)


def _read_part(path: str, start: int, stop: int, columns: list[str]) -> gpd.GeoDataFrame:
    from geo.importers._common import read_imported_rows

    return read_imported_rows(path, start, stop, columns=columns)


def _edges(path: Path, npartitions: int | None) -> list[int]:
    """Row edges of the partitions of one file: on row-group boundaries when there are at
    least as many row groups as partitions (each partition then reads only its own)."""
    import numpy as np
    import pyarrow.parquet as pq

    meta = pq.read_metadata(path)
    rows = meta.num_rows
    k = npartitions or max(1, meta.num_row_groups, -(-rows // 250_000))
    ideal = [round(rows * i / k) for i in range(k + 1)]
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    bounds = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
    snapped = [int(bounds[np.argmin(np.abs(bounds - e))]) for e in ideal]
    if len(sizes) >= k and bool(np.all(np.diff(snapped) > 0)):
        return snapped
    return ideal


def read_partitioned(path: str | os.PathLike[str], *, npartitions: int | None = None) -> Any:
    """A dask-geopandas frame of a GeoParquet file or a folder of them, indexed by ``event_id``.

    Each file of a folder is a partition; a single file is split into
    ``npartitions`` row ranges (default: one per row group, at most 250,000 rows
    each), on row-group boundaries where it can, and each partition reads only
    the row groups that hold its rows. The dataset's own columns (``acled.*``,
    ``ucdp.*``) are not read.
    """
    import dask
    import dask.dataframe as dd
    import dask_geopandas  # noqa: F401  (registers the GeoDataFrame backend)
    import pyarrow.parquet as pq

    src = Path(path)
    if src.is_dir():
        files = sorted(src.glob("*.parquet"))
        ranges = [(str(f), 0, pq.read_metadata(f).num_rows) for f in files]
    elif src.is_file():
        files = [src]
        edges = _edges(src, npartitions)
        ranges = [(str(src), edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
    else:
        raise DaskJoinError(f"{src}: no such GeoParquet file or folder")
    if not files:
        raise DaskJoinError(f"{src}: no .parquet files in this folder")
    names = pq.read_schema(files[0]).names
    if "event_id" not in names:
        raise DaskJoinError(f"{files[0]}: no 'event_id' column; is this an imported dataset?")
    columns = [c for c in names if "." not in c]  # the dataset's own columns stay on disk
    meta = _read_part(str(files[0]), 0, 0, columns)
    parts = [dask.delayed(_read_part)(*r, columns) for r in ranges]
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def join_dask(
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    admin: AdminUnits,
    *,
    scheduler: str | None = None,
    npartitions: int | None = None,
    n_workers: int = 2,
) -> Path:
    """Join a (partitioned) GeoParquet dataset with dask and write partitioned GeoParquet.

    Parameters
    ----------
    source
        A GeoParquet file written by ``conflictmap import``, or a folder of them.
    out
        The output folder (one GeoParquet ``part.N.parquet`` per partition); must
        not exist yet. It is written under a temporary name and renamed when
        every partition is written, so a failed run leaves nothing half-written.
    admin
        The admin units (:func:`geo.boundaries.load_admin_units`).
    scheduler
        Address of a ``dask.distributed`` scheduler (``tcp://host:8786``); by
        default a ``LocalCluster`` of ``n_workers`` workers is started and
        closed again.
    """
    import dask
    from dask.distributed import Client, LocalCluster

    target = Path(out)
    if target.exists():
        raise DaskJoinError(f"{target}: already exists; give a new folder for the output")
    if not target.parent.is_dir():
        raise DaskJoinError(f"cannot write {target}: folder {target.parent} does not exist")
    ddf = read_partitioned(source, npartitions=npartitions)
    meta = _join_partition(ddf._meta, admin)
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="10s")
        else:
            cluster = LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=False, dashboard_address=None
            )
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        raise DaskJoinError(f"cannot reach the dask scheduler {scheduler}: {exc}") from exc
    try:
        admin_ref = client.scatter(admin, broadcast=True)
        joined = ddf.map_partitions(_join_partition, admin_ref, meta=meta)
        tmp = target.with_name(f".{target.name}.partial")
        try:
            tmp.mkdir()
            writes = [
                dask.delayed(_write_part)(part, tmp / f"part.{k}.parquet")
                for k, part in enumerate(joined.to_delayed())
            ]
            dask.compute(*writes)
            tmp.rename(target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return target


def read_joined(path: str | os.PathLike[str]) -> gpd.GeoDataFrame:
    """The partitioned output as one frame, indexed by ``event_id`` (for checks and small data)."""
    frame = gpd.read_parquet(path)
    frame.index = pd.Index(frame["event_id"].to_numpy(), name="event_id")
    return frame
