"""The join against its floor only, alternated round by round (issue 8's 1.5× goal).

``bench_data.py`` times the floor and the join as best of three within a long run that
also imports, links and starts dask; on a shared machine one busy moment moves its
ratio. This script does only the two, alternating them for ``--rounds`` rounds on the
same synthetic ACLED events (fixed seed), and prints each round's wall and CPU times
and the best of each. The floor is ``bench_data._floor``: ``shapely.contains_xy`` per
district with a bounding-box prefilter, no rules. The join's cell grid is built before
the first round (once per boundaries, as in the app).

    CONFLICTMAP_BOUNDARIES_DIR=../shared/data/boundaries/geoboundaries \\
        python bench/bench_join.py --size 1000000 --rounds 5
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import bench_data  # bench/ is on the path when this script runs
from synth_datasets import write

from geo.boundaries import load_admin_units
from geo.config import Settings
from geo.importers import read_dataset
from geo.join import join_events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    admin = load_admin_units(Settings.from_env().with_(allow_download=False))
    with tempfile.TemporaryDirectory() as tmp:
        path = write("acled", args.size, Path(tmp) / "acled.csv", seed=0)
        events = read_dataset("acled", path).events
    known = events[events["country"].isin(["ARM", "AZE"])]
    join_events(known, admin)  # builds the cell grid once
    print(f"# {len(known):,} events; load average at start: {os.getloadavg()[0]:.2f}")
    print(
        "| round | floor s | join s | × floor | floor CPU s | join CPU s | × floor (CPU) | load |"
    )
    print("|---|---|---|---|---|---|---|---|")
    rows = []
    for k in range(args.rounds):
        f = bench_data._timed(bench_data._floor, known, admin.districts)
        j = bench_data._timed(join_events, known, admin)
        fc = bench_data._cpu_timed(bench_data._floor, known, admin.districts)
        jc = bench_data._cpu_timed(join_events, known, admin)
        rows.append((f, j, fc, jc))
        print(
            f"| {k + 1} | {f:.2f} | {j:.2f} | {j / f:.2f} | {fc:.2f} | {jc:.2f} | {jc / fc:.2f} "
            f"| {os.getloadavg()[0]:.2f} |",
            flush=True,
        )
    f, j, fc, jc = (min(r[i] for r in rows) for i in range(4))
    print(f"| best | {f:.2f} | {j:.2f} | {j / f:.2f} | {fc:.2f} | {jc:.2f} | {jc / fc:.2f} | |")


if __name__ == "__main__":
    main()
