"""What the map takes from a view's events, apart, so that a caller can keep it per view.

At 10^6 events, building the map spent most of its time on the events themselves, not
on folium: the region-level events' outlines (:func:`~geo.render.features.area_features`),
the canvas's selection of events (:func:`~geo.render.elements.canvas_selection`), the
layers present, the period and the bounds. :func:`map_parts` computes all of that;
:func:`geo.render.build_map` takes it as ``parts`` (and computes it itself without). The
same events and view give equal parts, so a caller may keep them per dataset version and
:func:`parts_key` of the view; the app does (``app.py``, ``map_parts_for``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo.period import data_span
from geo.render._common import DEFAULT_BOUNDS
from geo.render.elements import CanvasSelection, canvas_selection
from geo.render.features import area_features
from geo.view import View

if TYPE_CHECKING:
    from geo.render.mapdata import EventDataFiles

#: View fields that change nothing :func:`map_parts` computes (only how the map looks).
LOOKS_ONLY = {"tiles": True, "present": False}


@dataclass(frozen=True)
class MapParts:
    """What :func:`geo.render.build_map` draws from the view's events.

    ``layers``: each episode present, in layer order (the ``episodes`` frame's order, then
    the others sorted), with the title its first event carries; ``span``: the time bar's
    first and last day (:func:`period_of`); ``bounds``: the events' bounds, padded
    (:func:`event_bounds`); ``areas``: per episode, its region-level events' outlines
    (:func:`~geo.render.features.area_features`; episodes with none left out), computed
    only ``with_areas``; ``canvas``: which events of the packed files are shown, when the
    map draws them on a canvas.
    """

    layers: tuple[tuple[Any, str], ...]
    span: tuple[date, date] | None
    bounds: list[list[float]]
    areas: Mapping[Any, list[dict[str, Any]]]
    with_areas: bool
    canvas: CanvasSelection | None


def parts_key(view: View) -> tuple[tuple[str, str], ...]:
    """The view as a cache key for :func:`map_parts`: its query (:meth:`View.to_query`),
    sorted, without the fields of :data:`LOOKS_ONLY`. Any other change makes a new key."""
    return tuple(sorted(view.with_(**LOOKS_ONLY).to_query().items()))


def event_bounds(events: pd.DataFrame | None, admin: Any) -> list[list[float]]:
    """The events' bounds padded by 0.3°, else the countries' (``admin``), else a default."""
    if events is not None and len(events):
        lat, lon = events["latitude"].astype(float), events["longitude"].astype(float)
        pad = 0.3
        return [[lat.min() - pad, lon.min() - pad], [lat.max() + pad, lon.max() + pad]]
    if admin is not None and getattr(admin, "countries", None) is not None:
        x0, y0, x1, y1 = admin.countries.to_crs("EPSG:4326").total_bounds
        return [[float(y0), float(x0)], [float(y1), float(x1)]]
    return [list(DEFAULT_BOUNDS[0]), list(DEFAULT_BOUNDS[1])]


def period_of(events: pd.DataFrame, view: View) -> tuple[date, date] | None:
    """The time control's first and last day: the view's period, else the events' span."""
    span = data_span(events)
    if span is None and (view.start is None or view.end is None):
        return None
    start = view.start or span[0]  # type: ignore[index]
    end = view.end or span[1]  # type: ignore[index]
    return start, max(start, end)


def map_parts(
    events: pd.DataFrame,
    *,
    view: View,
    admin: Any = None,
    episodes: pd.DataFrame | None = None,
    event_data: EventDataFiles | None = None,
    with_areas: bool = True,
    shapes: Mapping[str, dict[str, Any]] | None = None,
) -> MapParts:
    """The :class:`MapParts` of ``events`` (already filtered by the view) for ``view``.

    ``admin``, ``episodes`` and ``event_data`` as for :func:`geo.render.build_map`;
    ``with_areas=False`` leaves the outlines out (a choropleth draws none); ``shapes``:
    :func:`~geo.render.features.region_shapes` of ``admin.regions``, if kept.
    """
    titles: dict[Any, Any] = {}
    if episodes is not None and len(episodes):
        titles = dict(zip(episodes["episode"], episodes["title"], strict=True))
    present = set(events["episode"].unique())
    order = [e for e in titles if e in present]
    order += sorted(present - set(order))
    rows_of = events.groupby("episode", sort=False, dropna=False).indices
    first_titles = (
        events["episode_title"].iloc[[rows_of[e][0] for e in order]].tolist()
        if "episode_title" in events
        else list(order)
    )
    span = period_of(events, view)
    draw_areas = with_areas and admin is not None and "region_id" in events
    areas: dict[Any, list[dict[str, Any]]] = {}
    if draw_areas:
        area_cols = ["episode", "geo_precision", "region_id", "date_start", "date_end"]
        coarse = events.loc[events["geo_precision"] == 3, area_cols]
        for episode, rows in coarse.groupby("episode", sort=False, dropna=False).indices.items():
            found = area_features(coarse.iloc[rows], admin.regions, shapes=shapes)
            if found:
                areas[episode] = found
    canvas = None
    if event_data is not None and order and span is not None:
        canvas = canvas_selection(event_data, events, period=span)
    return MapParts(
        layers=tuple(zip(order, first_titles, strict=True)),
        span=span,
        bounds=event_bounds(events, admin),
        areas=areas,
        with_areas=with_areas,
        canvas=canvas,
    )
