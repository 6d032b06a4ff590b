"""Benchmark a view's filtered copy of the events at 10^6 (not a test).

    CONFLICTMAP_BOUNDARIES_DIR=../shared/data/boundaries/geoboundaries \\
        python bench/bench_view.py --data-dir DIR

Loads a data folder as the app does (e.g. one imported ACLED file of 10^6 synthetic rows)
and, for a few views, times ``frame[mask]`` (pandas: a take of every column, which for
an Arrow column joins its row-group chunks first) against ``geo.rows.filter_rows`` (what
``geo.view.apply_view`` now uses: Arrow columns filtered chunk by chunk), alternated,
medians of 3, and says whether both frames are equal.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

import pandas as pd  # noqa: E402
from bench_card import _loaded, _median  # noqa: E402

from geo.config import Settings  # noqa: E402
from geo.rows import filter_rows  # noqa: E402
from geo.view import View, view_mask  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    args = parser.parse_args()
    settings = Settings.from_env().with_(allow_download=False)
    t0 = time.perf_counter()
    data = _loaded(args.data_dir, settings)  # as the app loads it
    events = data.events
    print(f"loaded {len(events):,} events, {len(events.columns)} columns, "
          f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    first = pd.to_datetime(events["date_start"]).min().date()
    regions = events["region"].dropna()
    views = {
        "month": View(start=first, end=date(first.year, first.month, 28)),
        "region": View(region=str(regions.value_counts().index[0])) if len(regions) else View(),
        "type": View(event_types=("Battles",)),
        "country": View(countries=("ARM",)),
    }
    print(f"{'view':>8} {'in view':>9} {'pandas s':>9} {'filter s':>9} {'same':>5}")
    for name, view in views.items():
        mask = view_mask(events, view).to_numpy(dtype=bool)
        plain = _median(lambda m=mask: events[m])
        ours = _median(lambda m=mask: filter_rows(events, m))
        same = events[mask].equals(filter_rows(events, mask))
        print(f"{name:>8} {int(mask.sum()):>9,} {plain:>9.3f} {ours:>9.3f} {same!s:>5}")


if __name__ == "__main__":
    main()
