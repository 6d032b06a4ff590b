"""Compare every join column with the join of another commit, on synthetic events (not a test).

The reference ``geo/join.py`` is read from git (``--ref``, default ``main``) and run
beside the working tree's join on the same events: synthetic ACLED and UCDP events
(``synth_datasets.py``, imported with ``read_dataset``), plus random points and points
exactly on polygon vertices and edge midpoints with random gazetteer regions and
precisions. Every column of ``JOIN_COLUMNS`` must be equal (values, missing values and
dtype); the two times are printed side by side (one run each, after a warm-up).

    CONFLICTMAP_BOUNDARIES_DIR=../shared/data/boundaries/geoboundaries \
        python bench/join_compare.py --sizes 100000,1000000 --ref main
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _reference(ref: str, tmp: Path):  # type: ignore[no-untyped-def]
    source = subprocess.run(
        ["git", "show", f"{ref}:geo/join.py"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    path = tmp / "join_reference.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("join_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["join_reference"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _awkward(admin, n: int, seed: int) -> gpd.GeoDataFrame:  # type: ignore[no-untyped-def]
    """Random points, vertices and edge midpoints; random countries, precisions, gazetteer."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(43.3, 50.8, n)
    y = rng.uniform(38.3, 42.0, n)
    rings = shapely.get_coordinates(
        shapely.boundary(np.concatenate([admin.districts.geometry.to_numpy(),
                                         admin.regions.geometry.to_numpy()]))
    )  # fmt: skip
    k = n // 5
    pick = rng.integers(0, len(rings) - 1, 2 * k)
    x[:k], y[:k] = rings[pick[:k], 0], rings[pick[:k], 1]
    mid = (rings[pick[k:]] + rings[pick[k:] + 1]) / 2
    x[k : 2 * k], y[k : 2 * k] = mid[:, 0], mid[:, 1]
    regions = admin.regions["region"].astype(str).tolist()
    expected = np.where(rng.random(n) < 0.1, rng.choice([*regions, "Nowhere"], n), None)
    return gpd.GeoDataFrame(
        {
            "country": rng.choice(["ARM", "AZE"], n),
            "where_prec": rng.integers(1, 8, n),
            "location": [f"place {i}" for i in range(n)],
            "expected_region": expected.astype(object),
        },
        geometry=gpd.points_from_xy(x, y),
        crs=admin.crs,
        index=pd.Index([f"e{i}" for i in range(n)], name="event_id"),
    )


def _compare(name: str, events, admin, ours, ref) -> bool:  # type: ignore[no-untyped-def]
    ours.join_events(events, admin)  # warm-up (caches)
    ref.join_events(events, admin)
    start = time.perf_counter()
    a = ours.join_events(events, admin)
    mid = time.perf_counter()
    b = ref.join_events(events, admin)
    end = time.perf_counter()
    same = True
    for col in ref.JOIN_COLUMNS:
        try:
            pd.testing.assert_series_equal(a[col], b[col], check_exact=True)
        except AssertionError as err:
            same = False
            bad = ~((a[col] == b[col]).fillna(False) | (a[col].isna() & b[col].isna()))
            print(f"  {name}: column {col} differs in {int(bad.sum())} rows: {err}")
    methods = b["join_method"].value_counts().to_dict()
    print(
        f"| {name} | {len(events):,} | {'identical' if same else 'DIFFERENT'} "
        f"| {mid - start:.2f} s | {end - mid:.2f} s | {methods} |",
        flush=True,
    )
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--ref", default="main")
    args = parser.parse_args()

    from synth_datasets import write

    from geo import join as ours
    from geo.boundaries import load_admin_units
    from geo.config import Settings
    from geo.importers import read_dataset

    admin = load_admin_units(Settings.from_env().with_(allow_download=False))
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        ref = _reference(args.ref, Path(tmp))
        print(f"| events | rows | every join column | this tree | {args.ref} | methods |")
        print("|---|---|---|---|---|---|")
        ok &= _compare("awkward points", _awkward(admin, 20_000, 1), admin, ours, ref)
        for n in (int(s) for s in args.sizes.split(",")):
            for kind in ("acled", "ucdp"):
                path = write(kind, n, Path(tmp) / f"{kind}_{n}.csv", seed=0)
                events = read_dataset(kind, path).events
                events = events[events["country"].isin(["ARM", "AZE"])]
                ok &= _compare(f"{kind} synthetic", events, admin, ours, ref)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
