"""Benchmark the importers, the join and the summary at 10^4..10^6 events (not a test).

    CONFLICTMAP_BOUNDARIES_DIR=../shared/data/boundaries/geoboundaries \\
        python bench/bench_data.py --sizes 10000,100000,1000000

Per size, in one run: ACLED and UCDP import throughput (``read_dataset``, every event in
memory; and ``import_file`` to GeoParquet, the import command; both read the file in
blocks, on 1 and on 2 threads) against a plain
``pandas.read_csv`` + ``GeoDataFrame`` baseline (each in its own process, with its
peak memory; ``--imports-only`` stops there); then on the imported ACLED events, the
join against the floor (``shapely.contains_xy`` per district with a bounding-box
prefilter, no rules) and against plain ``geopandas.sjoin``; ``region_summary`` over
the joined events; and the dask engine (GeoParquet in, 4 partitions, a LocalCluster of 2 workers,
partitioned GeoParquet out). The floor, the join and the summaries are timed three
times and the best time kept (the machine is shared); the rest once.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _child(kind: str, how: str, path: str) -> None:
    """Run one import in this process; print seconds and peak memory as JSON.

    ``how`` is ``baseline``, ``read1``/``read2`` (``read_dataset`` on 1 or 2 threads) or
    ``stream1``/``stream2`` (``import_file`` to GeoParquet on 1 or 2 threads). The peak
    is sampled every 20 ms as the sum of this process's and its children's proportional
    set size (PSS: memory shared by a forked child is counted once), and this process's
    own ``VmHWM`` is printed beside it.
    """
    import threading

    import psutil

    me = psutil.Process()
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                total = me.memory_full_info().pss + sum(
                    c.memory_full_info().pss for c in me.children(recursive=True)
                )
            except psutil.Error:
                continue
            peak[0] = max(peak[0], total)
            done.wait(0.02)

    import geopandas as gpd
    import pandas as pd

    from geo.importers import import_file, read_dataset

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()  # modules imported before: the same start for every row
    if how == "baseline":
        frame = pd.read_csv(path, low_memory=False)
        gdf = gpd.GeoDataFrame(
            frame, geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]), crs=4326
        )
        rows = len(gdf)
    elif how.startswith("stream"):  # the import command: CSV to GeoParquet, in blocks
        workers = int(how[-1])
        result = import_file(kind, path, f"{path}.parquet", keep_events=False, workers=workers)
        rows = result.rows_read - result.skipped
    else:
        rows = len(read_dataset(kind, path, workers=int(how[-1])).events)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    out = {"rows": rows, "seconds": seconds, "peak_mb": peak[0] / 2**20}
    out["own_hwm_mb"] = _own_peak_mb()
    print(json.dumps(out))


def _own_peak_mb() -> float:
    """This process's own peak RSS (VmHWM). ``ru_maxrss`` is not used: on Linux it keeps the
    parent's RSS at fork time, so a small import would report the benchmark's own memory."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(kind: str, how: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, how, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


#: Times the quick steps (floor, join, summary) are run; the best time is reported.
REPEAT = 3


def _timed(func, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    func(*args, **kwargs)
    return time.perf_counter() - start


def _cpu_timed(func, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    """Process CPU time of one call: less disturbed than wall time by other sessions."""
    start = time.process_time()
    func(*args, **kwargs)
    return time.process_time() - start


def _floor(events, districts) -> float:  # type: ignore[no-untyped-def]
    import shapely

    start = time.perf_counter()
    x, y = shapely.get_x(events.geometry.to_numpy()), shapely.get_y(events.geometry.to_numpy())
    order = np.argsort(x, kind="stable")
    xs = x[order]
    hits = 0
    for geom in districts.geometry.to_numpy():
        x0, y0, x1, y1 = shapely.bounds(geom)
        cand = order[np.searchsorted(xs, x0) : np.searchsorted(xs, x1, "right")]
        cand = cand[(y[cand] >= y0) & (y[cand] <= y1)]
        shapely.prepare(geom)
        hits += int(shapely.contains_xy(geom, x[cand], y[cand]).sum())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "HOW", "PATH"))
    parser.add_argument(
        "--imports-only", action="store_true", help="time the imports only (no join, dask)"
    )
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return

    import geopandas as gpd
    from synth_datasets import write

    from geo.boundaries import load_admin_units
    from geo.config import Settings
    from geo.importers import read_dataset
    from geo.importers._common import write_imported
    from geo.join import join_events
    from geo.join_dask import join_dask
    from geo.summary import region_summary

    admin = load_admin_units(Settings.from_env().with_(allow_download=False))
    print(f"# {platform.platform()}, Python {platform.python_version()}, {_cpu()}")
    hows = ("read1", "read2", "stream1", "stream2", "baseline")
    print(f"# load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        "| rows | dataset | read_dataset rows/s, 1 thread | 2 threads "
        "| import to GeoParquet rows/s, 1 thread | 2 threads | baseline rows/s "
        "| peak MB: read 1 / 2 | import 1 / 2 | baseline | load average |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    joins = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            for kind in ("acled", "ucdp"):
                path = write(kind, n, Path(tmp) / f"{kind}_{n}.csv", seed=0)
                got = {how: _measure(kind, how, path) for how in hows}
                rate = {how: got[how]["rows"] / got[how]["seconds"] for how in hows}
                mb = {how: got[how]["peak_mb"] for how in hows}
                print(
                    f"| {n:,} | {kind} | {rate['read1']:,.0f} | {rate['read2']:,.0f} "
                    f"| {rate['stream1']:,.0f} | {rate['stream2']:,.0f} "
                    f"| {rate['baseline']:,.0f} | {mb['read1']:,.0f} / {mb['read2']:,.0f} "
                    f"| {mb['stream1']:,.0f} / {mb['stream2']:,.0f} | {mb['baseline']:,.0f} "
                    f"| {os.getloadavg()[0]:.1f} |",
                    flush=True,
                )
            if args.imports_only:
                continue
            events = read_dataset("acled", Path(tmp) / f"acled_{n}.csv").events
            known = events[events["country"].isin(["ARM", "AZE"])]
            # the machine is shared: the quick steps are timed REPEAT times, best kept
            floor = min(_floor(known, admin.districts) for _ in range(REPEAT))
            ours_s = min(_timed(join_events, known, admin) for _ in range(REPEAT))
            floor_cpu = min(_cpu_timed(_floor, known, admin.districts) for _ in range(REPEAT))
            ours_cpu = min(_cpu_timed(join_events, known, admin) for _ in range(REPEAT))
            joined = join_events(known, admin)
            start = time.perf_counter()
            join_events(known, admin, engine="sindex")
            sindex_s = time.perf_counter() - start
            start = time.perf_counter()
            gpd.sjoin(known[["geometry"]], admin.districts[["geometry"]], predicate="within")
            sjoin_s = time.perf_counter() - start
            # the same comparison on the events inside a unit of their country only (no
            # nearest-unit rule, no notes): how far the join is from the floor's own work
            inside = known[(joined["join_method"] == "within").to_numpy()]
            floor_in = min(_floor(inside, admin.districts) for _ in range(REPEAT))
            ours_in = min(_timed(join_events, inside, admin) for _ in range(REPEAT))
            summary_s = min(_timed(region_summary, joined) for _ in range(REPEAT))
            summary_d = min(
                _timed(region_summary, joined, by="district", admin=admin) for _ in range(REPEAT)
            )
            src = Path(tmp) / f"acled_{n}.parquet"
            write_imported(known, src, meta={"dataset": "acled"})
            start = time.perf_counter()
            join_dask(src, Path(tmp) / f"joined_{n}", admin, npartitions=4, n_workers=2)
            dask_s = time.perf_counter() - start
            joins.append(
                (
                    n,
                    floor,
                    ours_s,
                    ours_cpu / floor_cpu,
                    floor_in,
                    ours_in,
                    sindex_s,
                    sjoin_s,
                    summary_s,
                    summary_d,
                    dask_s,
                )
            )
    print(f"# load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if not joins:
        return
    from geo.join import _build_cells, _units

    start = time.perf_counter()
    _build_cells(*_units(admin))
    print(
        f"\n# the join's cell grid, built once per boundaries: {time.perf_counter() - start:.2f} s"
    )
    print(
        "| events | floor (contains_xy, bbox) | join (contains) | × floor | × floor (CPU time) "
        "| floor, in-unit events | join, in-unit events | × floor | join (sindex) "
        "| plain sjoin | region_summary | by district, every unit | dask, 2 workers "
        "(read+join+write) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (
        n,
        floor,
        ours_s,
        cpu_x,
        floor_in,
        ours_in,
        sindex_s,
        sjoin_s,
        summ,
        summ_d,
        dask_s,
    ) in joins:
        print(
            f"| {n:,} | {floor:.2f} s | {ours_s:.2f} s | {ours_s / floor:.1f} | {cpu_x:.1f} "
            f"| {floor_in:.2f} s | {ours_in:.2f} s | {ours_in / floor_in:.1f} | {sindex_s:.2f} s "
            f"| {sjoin_s:.2f} s | {summ:.3f} s | {summ_d:.3f} s | {dask_s:.2f} s |"
        )


def _cpu() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
        lines = text.splitlines()
        model = next(line.split(":", 1)[1].strip() for line in lines if "model name" in line)
    except (OSError, StopIteration):
        model = platform.processor() or "unknown CPU"
    import os

    return f"{model}, {os.cpu_count()} cores"


if __name__ == "__main__":
    main()
