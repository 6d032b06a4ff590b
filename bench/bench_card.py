"""Benchmark the region card at 10^4..10^6 events against its floor and a naive card (not a test).

    CONFLICTMAP_BOUNDARIES_DIR=../shared/data/boundaries/geoboundaries \\
        python bench/bench_card.py --sizes 10000,100000

Per size, on synthetic ACLED events (``bench/synth_datasets.py``) imported and joined
as the app loads them (claims as Python lists), three views: everything (``all``), one
month (``month``) and the region with most events (``region``). For each view, in one
run: ``floor`` (``apply_view`` and ``value_counts`` only: the column-wise minimum a card
needs), ``card`` (:func:`geo.card.region_card`: sentences for the listed events only) and
``naive`` (the same sentences written for every event of the view, row by row, as a card
without caps would). Medians of 3, seconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

import pandas as pd  # noqa: E402

from geo.card import _as_list, _card_event, _outlets, claim_sentence, region_card  # noqa: E402
from geo.config import Settings  # noqa: E402
from geo.dataset import Dataset  # noqa: E402
from geo.datasets import join_any_country, nested_to_lists  # noqa: E402
from geo.importers import read_dataset  # noqa: E402
from geo.view import View, apply_view  # noqa: E402


def _median(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _floor(data: Dataset, view: View) -> int:
    events = apply_view(data.events, view)
    return int(events["event_type"].value_counts().sum())


def _naive(data: Dataset, view: View) -> int:
    events = apply_view(data.events, view)
    lines = 0
    for event_id, row in events.iterrows():
        _card_event(event_id, row)
        sources = _outlets(_as_list(row["sources"]))
        lines += 1 + sum(1 for c in _as_list(row["claims"]) if claim_sentence(c, sources))
    return lines


def _dataset(n: int, folder: Path, settings: Settings) -> Dataset:
    from synth_datasets import write

    csv = write("acled", n, folder / f"acled_{n}.csv")
    events = read_dataset("acled", csv).events
    admin = None
    try:
        from geo.boundaries import load_admin_units

        admin = load_admin_units(settings)
    except Exception as exc:  # the card works without boundaries; the region view is skipped
        print(f"(no boundaries: {exc}; the region view is skipped)")
    joined = nested_to_lists(join_any_country(events, admin))
    return Dataset(joined, pd.DataFrame({"episode": [], "claims": [], "sources": []}), admin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    settings = Settings.from_env().with_(allow_download=False)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            data = _dataset(n, Path(tmp), settings)
            first = pd.to_datetime(data.events["date_start"]).min().date()
            month = View(start=first, end=date(first.year, first.month, 28))
            views = {"all": View(), "month": month}
            regions = data.events["region"].dropna()
            if len(regions):
                views["region"] = View(region=str(regions.value_counts().index[0]))
            for name, view in views.items():
                shown = len(apply_view(data.events, view))
                rows.append(
                    (
                        n,
                        name,
                        shown,
                        _median(lambda v=view, d=data: _floor(d, v)),
                        _median(lambda v=view, d=data: region_card(d, v)),
                        _median(lambda v=view, d=data: _naive(d, v), repeat=1),
                    )
                )
    print(f"{'events':>9} {'view':>7} {'in view':>9} {'floor s':>9} {'card s':>9} {'naive s':>9}")
    for n, name, shown, floor, card, naive in rows:
        print(f"{n:>9,} {name:>7} {shown:>9,} {floor:>9.3f} {card:>9.3f} {naive:>9.3f}")


if __name__ == "__main__":
    main()
