"""Import throughput, this tree against an earlier commit, alternating in one run (not a test).

    python bench/bench_import.py --before 7b85d42 --sizes 100000,1000000 --rounds 2

Per size and dataset (synthetic files of ``synth_datasets.py``, fixed seed), each variant
runs in its own process, in turn, ``--rounds`` times: the plain ``pandas.read_csv`` +
``GeoDataFrame`` baseline; ``import_file`` to GeoParquet (the ``conflictmap import``
command, ``keep_events=False``) of the ``--before`` commit and of this tree on 1 and on 2
threads; and ``read_dataset`` of both. The import variants start their process as the
command does (``geo._main.PROCESS_ENV``: Arrow's allocator keeps freed memory); one runs
without that, to show what it is worth. Printed per variant: rows/s of the best round's
wall time, that round's CPU seconds (all threads), and the load average when it ended.
The machine is shared: compare within a row, and read the CPU seconds beside the wall.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: name → (code: "before"/"after"/None, how, with the process setting of the ``conflictmap
#: import`` command (:data:`geo._main.PROCESS_ENV`) or not)
VARIANTS = {
    "baseline": (None, "baseline", False),
    "import, before": ("before", "stream1", True),
    "import, after, 1 thread": ("after", "stream1", True),
    "import, after, 1 thread, no process setting": ("after", "stream1", False),
    "import, after, 2 threads": ("after", "stream2", True),
    "read_dataset, before": ("before", "read1", False),
    "read_dataset, after": ("after", "read1", False),
}


def _child(kind: str, how: str, path: str) -> None:
    """One import in this process; prints rows, wall and CPU seconds as JSON."""
    import geopandas as gpd
    import pandas as pd

    from geo.importers import import_file, read_dataset

    cpu0, start = os.times(), time.perf_counter()
    if how == "baseline":
        frame = pd.read_csv(path, low_memory=False)
        gdf = gpd.GeoDataFrame(
            frame, geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]), crs=4326
        )
        rows = len(gdf)
    elif how.startswith("stream"):
        out = f"{path}.{os.getpid()}.parquet"
        result = import_file(kind, path, out, keep_events=False, workers=int(how[-1]))
        rows = result.rows_read - result.skipped
        Path(out).unlink()
    else:
        rows = len(read_dataset(kind, path, workers=int(how[-1])).events)
    wall = time.perf_counter() - start
    cpu1 = os.times()
    cpu = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
    print(json.dumps({"rows": rows, "wall": wall, "cpu": cpu}))


def _run(code: Path | None, kind: str, how: str, path: Path, command: bool) -> dict[str, float]:
    from geo._main import PROCESS_ENV  # this tree's (the parent's path)

    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    for key in PROCESS_ENV["import"]:
        env.pop(key, None)
    if command:  # as ``conflictmap import`` starts its process (a commit without it: none)
        env.update(PROCESS_ENV["import"])
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, how, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=str(code or ROOT),
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    got["load"] = os.getloadavg()[0]
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", required=True, help="a commit of this repository")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--kinds", default="acled,ucdp")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    from synth_datasets import write

    with tempfile.TemporaryDirectory() as tmp:
        before = Path(tmp) / "before"
        before.mkdir()
        archive = subprocess.run(
            ["git", "archive", args.before, "geo"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
        code = {"before": before, "after": ROOT}
        has_entry = (before / "geo" / "_main.py").exists()
        print(f"# before: {args.before}; after: this tree; {os.cpu_count()} cores")
        print(f"# load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        print(
            "| rows | dataset | variant | rows/s (best of "
            f"{args.rounds}) | CPU s | wall s | load average |"
        )
        print("|---|---|---|---|---|---|---|")
        for n in (int(s) for s in args.sizes.split(",")):
            for kind in args.kinds.split(","):
                path = write(kind, n, Path(tmp) / f"{kind}_{n}.csv", seed=0)
                best: dict[str, dict[str, float]] = {}
                for _ in range(args.rounds):
                    for name, (which, how, command) in VARIANTS.items():
                        if command and which == "before" and not has_entry:
                            command = False  # that commit's command set nothing
                        got = _run(code.get(which) if which else None, kind, how, path, command)
                        if name not in best or got["wall"] < best[name]["wall"]:
                            best[name] = got
                for name, got in best.items():
                    print(
                        f"| {n:,} | {kind} | {name} | {got['rows'] / got['wall']:,.0f} "
                        f"| {got['cpu']:.2f} | {got['wall']:.2f} | {got['load']:.1f} |",
                        flush=True,
                    )
                path.unlink()
    print(f"# load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(Path.cwd()))
        _child(*sys.argv[2:5])
    else:
        main()
