"""Print-map time with many events: aggregated (default) vs one marker per event (baseline).

Not a test: numbers to decide by, both approaches in the same run.

    CONFLICTMAP_BOUNDARIES_DIR=../shared/data/boundaries/geoboundaries \
        python bench/bench_figure.py --sizes 300,1500,5000
"""

from __future__ import annotations

import argparse
import time

import geo.figure
from geo.config import Settings
from geo.dataset import Dataset, load_dataset
from geo.figure import figure_bytes
from geo.view import View


def _seconds(data: Dataset, limit: int) -> float:
    saved = geo.figure.PRINT_MARKER_LIMIT
    geo.figure.PRINT_MARKER_LIMIT = limit
    try:
        start = time.perf_counter()
        figure_bytes(data, View(), fmt="png", dpi=100)
        return time.perf_counter() - start
    finally:
        geo.figure.PRINT_MARKER_LIMIT = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="300,1500")
    args = parser.parse_args()
    from synth import synthetic_frame  # bench/ is the script's folder

    base = load_dataset(Settings.from_env())
    print(f"{'events':>8} {'aggregated s':>13} {'per event s':>12} {'ratio':>6}")
    for n in (int(x) for x in args.sizes.split(",")):
        data = Dataset(synthetic_frame(base.events, n), base.episodes, base.admin)
        fast = _seconds(data, geo.figure.PRINT_MARKER_LIMIT)
        slow = _seconds(data, 10**9)
        print(f"{n:>8} {fast:>13.1f} {slow:>12.1f} {slow / fast:>6.1f}")


if __name__ == "__main__":
    main()
