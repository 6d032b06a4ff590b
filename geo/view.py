"""What is in view: one filter object shared by the map, the tables and the exports."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date

import pandas as pd

from geo._errors import ViewError
from geo.events import COUNTRIES, EVENT_TYPES
from geo.names import known_names, lookup, unknown_message
from geo.period import in_period
from geo.rows import filter_rows

MODES: tuple[str, ...] = ("events", "regions")
#: What a choropleth can show, with the label every output uses for it.
MEASURE_LABELS: dict[str, str] = {
    "events": "Events",
    "deaths_low": "Deaths (low)",
    "deaths_best": "Deaths (best)",
    "deaths_high": "Deaths (high)",
}
MEASURES: tuple[str, ...] = tuple(MEASURE_LABELS)
LEVELS: tuple[str, ...] = ("region", "district")


@dataclass(frozen=True)
class View:
    """Filters and display choices. Empty tuples mean "all".

    An event is in the period by the rule of :mod:`geo.period`.
    """

    start: date | None = None
    end: date | None = None
    episodes: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    region: str | None = None
    level: str = "region"
    precise_only: bool = False
    mode: str = "events"
    measure: str = "events"
    tiles: bool = True
    #: Presentation mode: the map and the region card fill the screen (a display choice
    #: only; it never changes what is in view, the totals or the exports).
    present: bool = False

    def with_(self, **changes: object) -> View:
        return replace(self, **changes)  # type: ignore[arg-type]

    # --- sharing a view as URL query parameters --------------------------------------------

    def to_query(self) -> dict[str, str]:
        """Query parameters for the fields that differ from the default view."""
        default = View()
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if isinstance(value, tuple):
                out[f.name] = ",".join(value)
            elif isinstance(value, bool):
                out[f.name] = "1" if value else "0"
            elif isinstance(value, date):
                out[f.name] = value.isoformat()
            else:
                out[f.name] = str(value)
        return out

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> tuple[View, list[str]]:
        """Parse query parameters; bad values are ignored and reported, never fatal."""
        kwargs: dict[str, object] = {}
        problems: list[str] = []
        for f in fields(cls):
            if f.name not in params:
                continue
            raw = str(params[f.name])
            try:
                if f.name in ("start", "end"):
                    kwargs[f.name] = date.fromisoformat(raw)
                elif f.name in ("episodes", "event_types", "actors", "countries"):
                    kwargs[f.name] = tuple(v for v in raw.split(",") if v)
                elif f.name in ("precise_only", "tiles", "present"):
                    if raw not in ("0", "1"):
                        raise ValueError("expected 0 or 1")
                    kwargs[f.name] = raw == "1"
                elif f.name == "mode" and raw not in MODES:
                    raise ValueError(f"expected one of {', '.join(MODES)}")
                elif f.name == "measure" and raw not in MEASURES:
                    raise ValueError(f"expected one of {', '.join(MEASURES)}")
                elif f.name == "level" and raw not in LEVELS:
                    raise ValueError(f"expected one of {', '.join(LEVELS)}")
                else:
                    kwargs[f.name] = raw
            except ValueError as exc:
                problems.append(f"ignored URL parameter {f.name}={raw!r}: {exc}")
        return cls(**kwargs), problems  # type: ignore[arg-type]


def apply_view(events: pd.DataFrame, view: View) -> pd.DataFrame:
    """The events a view shows (index and order preserved).

    ``precise_only`` keeps only events placed at their own town or landmark
    (ACLED ``geo_precision`` 1).
    """
    mask = view_mask(events, view)
    if bool(mask.all()):  # nothing left out: no copy of every column (copy-on-write)
        return events.copy(deep=False)
    return filter_rows(events, mask.to_numpy(dtype=bool))  # = events[mask], chunk by chunk


def view_mask(events: pd.DataFrame, view: View) -> pd.Series:
    """Which events a view shows (:func:`apply_view` without making the frame)."""
    mask = in_period(events, view.start, view.end)
    if view.episodes:
        mask &= events["episode"].isin(view.episodes)
    if view.event_types:
        mask &= events["event_type"].isin(view.event_types)
    if view.actors:
        mask &= events["actor1"].isin(view.actors) | events["actor2"].isin(view.actors)
    if view.countries:
        mask &= events["country"].isin(view.countries)
    if view.region:
        column = "district" if view.level == "district" else "region"
        mask &= events[column] == view.region
    if view.precise_only:
        mask &= events["geo_precision"] == 1
    return mask


def _pick(
    label: str, values: Iterable[str], known: Iterable[object], problems: list[str]
) -> list[str]:
    names = known_names(known)
    chosen = []
    for value in values:
        match = lookup(value, names)
        if match is None:
            problems.append(unknown_message(label, value, names))
        else:
            chosen.append(match)
    return chosen


def resolve_view(
    view: View, events: pd.DataFrame, *, unit_names: Iterable[str] | None = None
) -> View:
    """Check every filter value against the data; fix letter case; refuse unknown values.

    ``unit_names`` are the region (or district) names of the boundary data, so a
    region without events is still a valid choice; without them the events'
    own names are used. Raises :class:`ViewError` listing every unknown value,
    with suggestions, so a typo never silently yields an empty result.
    """
    problems: list[str] = []
    actors = pd.concat([events["actor1"], events["actor2"]]).dropna()
    changes: dict[str, object] = {
        "episodes": tuple(_pick("episode", view.episodes, events["episode"], problems)),
        "event_types": tuple(_pick("event type", view.event_types, EVENT_TYPES, problems)),
        "actors": tuple(_pick("actor", view.actors, actors, problems)),
        "countries": tuple(_pick("country", view.countries, COUNTRIES, problems)),
    }
    if view.region is not None:
        column = "district" if view.level == "district" else "region"
        known = unit_names if unit_names is not None else events[column].dropna()
        found = _pick(column, [view.region], known, problems)
        changes["region"] = found[0] if found else view.region
    if problems:
        raise ViewError(problems)
    return view.with_(**changes)


def clicked_point(state: object) -> tuple[float, float] | None:
    """``(lat, lng)`` of the map's last click, or ``None`` when there is none or it is invalid.

    ``state`` is what the browser map returned (``{"last_object_clicked": {"lat": ..,
    "lng": ..}}``). It comes from the browser, so it is input like any other: anything
    but two finite numbers within latitude/longitude range counts as no click.
    """
    clicked = state.get("last_object_clicked") if isinstance(state, Mapping) else None
    if not isinstance(clicked, Mapping):
        return None
    lat, lng = clicked.get("lat"), clicked.get("lng")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lng)):
        return None
    lat, lng = float(lat), float(lng)  # type: ignore[arg-type]
    if not (math.isfinite(lat) and math.isfinite(lng)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    return lat, lng
