"""The filters' choices computed once per dataset are those read from every event."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from geo.config import Settings
from geo.dataset import Dataset, load_dataset
from geo.options import filter_options
from geo.period import data_span
from geo.view import View, apply_view, view_mask

DATA = Path(__file__).parent / "data" / "importers"


@pytest.fixture(scope="module", params=["curated", "imported"])
def data(request: pytest.FixtureRequest, settings: Settings) -> Dataset:
    if request.param == "curated":
        return load_dataset(settings)
    return request.getfixturevalue("imported_test_data")


def _unit_names_by_reading_every_event(
    events: pd.DataFrame, level: str, countries: tuple[str, ...]
) -> list[str]:
    rows = events[events["country"].isin(countries)] if countries else events
    return sorted({str(v) for v in rows[level].dropna().unique() if str(v).strip()})


def test_options_are_what_every_event_says(data: Dataset) -> None:
    ev = data.events
    got = filter_options(ev)
    actors = pd.unique(
        pd.concat([ev["actor1"].astype(object), ev["actor2"].astype(object)]).dropna()
    )
    assert got.actors == {str(v) for v in actors if str(v).strip()}
    assert got.event_types == set(ev["event_type"])
    assert got.span == data_span(ev)
    for level in ("region", "district"):
        for countries in ((), ("ARM",), ("AZE",), ("ARM", "AZE")):
            want = _unit_names_by_reading_every_event(ev, level, countries)
            assert got.unit_names(level, countries) == want, (level, countries)
    assert "Tavush" in got.unit_names("region", ("ARM",))
    assert "Tavush" not in got.unit_names("region", ("AZE",))
    assert got.unit_names("nowhere") == []


def test_view_mask_is_what_apply_view_keeps(data: Dataset) -> None:
    ev = data.events
    for view in (
        View(),
        View(countries=("AZE",)),
        View(start=date(2020, 7, 13), end=date(2020, 7, 14), precise_only=True),
        View(region="Tavush"),
    ):
        mask = view_mask(ev, view)
        assert ev.index[mask.to_numpy()].tolist() == apply_view(ev, view).index.tolist()
    everything = apply_view(ev, View())
    assert everything.index.tolist() == ev.index.tolist()
    everything["notes"] = "changed"  # a view of every event is still its own frame
    assert (ev["notes"] != "changed").any()
