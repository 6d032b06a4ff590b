"""What the filters can offer for a dataset: computed once per dataset, not per page view.

At 10^6 events listing the actors (two columns, one set) took 2.5 s and the regions of
one country 3.7 s, on every run of the page; here each is one pass over the distinct
values (a categorical column's categories, pairs of country and unit), kept with the
dataset (the app caches one :class:`FilterOptions` per dataset version).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from geo.period import data_span
from geo.view import LEVELS


def _distinct(values: pd.Series) -> list[object]:
    """The distinct values of a column, missing ones left out."""
    return [v for v in pd.unique(values.dropna())]


@dataclass(frozen=True)
class FilterOptions:
    """The choices the page's filters offer (see :func:`filter_options`)."""

    #: First and last day of the events (``None`` without events).
    span: tuple[date, date] | None
    #: Every event type present.
    event_types: frozenset[str]
    #: Every actor named as ``actor1`` or ``actor2`` (blank names left out).
    actors: frozenset[str]
    #: Per level (``region``, ``district``): each (country, unit name) pair with events.
    units: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def unit_names(self, level: str, countries: Sequence[str] = ()) -> list[str]:
        """The sorted unit names of ``level`` with events (in ``countries`` when given)."""
        wanted = set(countries)
        return sorted(
            {name for country, name in self.units.get(level, ()) if not wanted or country in wanted}
        )


def filter_options(events: pd.DataFrame) -> FilterOptions:
    """The filter choices of ``events``: types, actors, units per country, the span.

    The same values as reading every event (a unit name is kept when it is not blank,
    as text; an actor likewise), in one pass over the distinct values.
    """
    actors = {
        str(v)
        for name in ("actor1", "actor2")
        if name in events
        for v in _distinct(events[name])
        if str(v).strip()
    }
    units: dict[str, tuple[tuple[str, str], ...]] = {}
    for level in LEVELS:
        if level not in events:
            continue
        pairs = events[["country", level]].dropna(subset=[level]).drop_duplicates()
        units[level] = tuple(
            (str(c), str(u))
            for c, u in zip(pairs["country"].tolist(), pairs[level].tolist(), strict=True)
            if str(u).strip()
        )
    return FilterOptions(
        span=data_span(events),
        event_types=frozenset(events["event_type"].unique()),
        actors=frozenset(actors),
        units=units,
    )
