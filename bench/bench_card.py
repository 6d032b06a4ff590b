"""Benchmark the region card at 10^4..10^6 events against its floor and a naive card (not a test).

    CONFLICTMAP_BOUNDARIES_DIR=../shared/data/boundaries/geoboundaries \\
        python bench/bench_card.py --sizes 10000,100000
    CONFLICTMAP_BOUNDARIES_DIR=../shared/data/boundaries/geoboundaries \\
        python bench/bench_card.py --data-dir /tmp/data --before 7b85d42 --no-naive

``--data-dir`` loads a data folder as the app does (``load_dataset``: an imported
GeoParquet file, its Arrow columns in row groups) instead of generating sizes, and adds
the views "type" (battles only) and "country" (Armenia only). ``--before REV`` also
times ``geo/card.py`` as it was at git revision REV, on the same loaded data, alternated
with today's card view by view, and says whether both cards are equal.

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


def _card_at(rev: str) -> Callable[[Dataset, View], Any]:
    """``region_card`` of ``geo/card.py`` at git revision ``rev`` (run on today's modules)."""
    import importlib.util
    import subprocess

    source = subprocess.run(
        ["git", "show", f"{rev}:geo/card.py"],
        cwd=BENCH.parent, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    path = Path(tempfile.mkdtemp()) / "card_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("card_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["card_before"] = module
    spec.loader.exec_module(module)
    return module.region_card  # type: ignore[no-any-return]


def _loaded(folder: str, settings: Settings) -> Dataset:
    from geo._memory import use_system_allocator
    from geo.dataset import load_dataset

    use_system_allocator()  # as the app does
    return load_dataset(
        settings.with_(datasets_dir=Path(folder)), boundaries="optional", invalid="skip"
    )


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


def _views(data: Dataset, extra: bool) -> dict[str, View]:
    first = pd.to_datetime(data.events["date_start"]).min().date()
    views = {"all": View(), "month": View(start=first, end=date(first.year, first.month, 28))}
    regions = data.events["region"].dropna()
    if len(regions):
        views["region"] = View(region=str(regions.value_counts().index[0]))
    if extra:
        views["type"] = View(event_types=("Battles",))
        views["country"] = View(countries=("ARM",))
    return views


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--data-dir", help="load this data folder (as the app) instead")
    parser.add_argument("--before", help="also time geo/card.py at this git revision")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive card")
    args = parser.parse_args()
    settings = Settings.from_env().with_(allow_download=False)
    before = _card_at(args.before) if args.before else None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.data_dir:
            t0 = time.perf_counter()
            loaded = _loaded(args.data_dir, settings)
            print(f"loaded {len(loaded.events):,} events in {time.perf_counter() - t0:.1f} s")
            datasets = [(len(loaded.events), loaded)]
        else:
            datasets = [(int(s), None) for s in args.sizes.split(",")]
        for n, known in datasets:
            data = known if known is not None else _dataset(n, Path(tmp), settings)
            for name, view in _views(data, extra=bool(args.data_dir)).items():
                shown = len(apply_view(data.events, view))
                old = same = float("nan")
                if before is not None:
                    old = _median(lambda v=view, d=data: before(d, v))
                    same = repr(before(data, view)) == repr(region_card(data, view))
                rows.append(
                    (
                        n,
                        name,
                        shown,
                        _median(lambda v=view, d=data: _floor(d, v)),
                        old,
                        _median(lambda v=view, d=data: region_card(d, v)),
                        float("nan")
                        if args.no_naive
                        else _median(lambda v=view, d=data: _naive(d, v), repeat=1),
                        same,
                    )
                )
    head = f"{'events':>9} {'view':>7} {'in view':>9} {'floor s':>9} "
    head += f"{'before s':>9} {'card s':>9} {'naive s':>9} {'same':>5}"
    print(head)
    for n, name, shown, floor, old, card, naive, same in rows:
        flag = "" if same != same else str(same)  # NaN: no "before"
        print(
            f"{n:>9,} {name:>7} {shown:>9,} {floor:>9.3f} {old:>9.3f} {card:>9.3f} "
            f"{naive:>9.3f} {flag:>5}"
        )


if __name__ == "__main__":
    main()
