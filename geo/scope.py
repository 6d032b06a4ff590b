"""What a print covers: a region, district, country or both countries, and its period.

Shared by the figure and the handout (and anything else that prints a view).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from geo._errors import UnknownRegionError
from geo.boundaries import METRIC_CRS
from geo.events import COUNTRIES
from geo.names import unknown_message
from geo.period import data_span, period_label
from geo.view import View, apply_view

if TYPE_CHECKING:
    from geo.boundaries import AdminUnits
    from geo.dataset import Dataset

#: Scope geometries are in WGS 84 / UTM zone 38N, which covers Armenia and Azerbaijan.
DRAW_CRS = METRIC_CRS
#: What a print says when its scope and period hold no event.
NO_EVENTS = "no events recorded in this period"


@dataclass(frozen=True)
class MapScope:
    """What a figure covers: a country pair, one country, one region or one district.

    ``level`` is ``"all"``, ``"country"``, ``"region"`` or ``"district"``; ``name`` is
    the spelling used in the boundary data (``None`` for ``"all"``).
    """

    level: str
    name: str | None
    countries: tuple[str, ...]
    geometry: Any  # shapely geometry in DRAW_CRS

    @property
    def label(self) -> str:
        """How the area is named in titles."""
        if self.level == "all" or self.name is None:
            return " and ".join(COUNTRIES[c] for c in self.countries)
        return self.name

    def view(self, view: View) -> View:
        """``view`` restricted to this scope, with the data's spelling of the name."""
        if self.level in ("region", "district"):
            return view.with_(region=self.name, level=self.level)
        if self.level == "country":
            return view.with_(region=None, countries=self.countries)
        return view.with_(region=None)


def _names(frame: pd.DataFrame | None, column: str) -> list[str]:
    if frame is None or column not in frame:
        return []
    return sorted({str(v) for v in frame[column].dropna() if str(v).strip()})


def countries_frame(admin: AdminUnits) -> gpd.GeoDataFrame:
    countries = getattr(admin, "countries", None)
    if countries is not None and len(countries):
        return countries
    dissolved = admin.regions.dissolve(by="country").reset_index()
    dissolved["name"] = dissolved["country"].map(COUNTRIES)
    return dissolved[["country", "name", "geometry"]]


def resolve_scope(
    name: str | None,
    admin: AdminUnits,
    *,
    events: pd.DataFrame | None = None,
    level: str = "region",
) -> MapScope:
    """Find ``name`` (case-insensitive) among the regions, districts and countries.

    Regions come first unless ``level="district"`` (Armenia has a marz and a
    former raion both called "Tavush"). Names of the joined events count too.

    Raises
    ------
    UnknownRegionError
        With close matches (:func:`geo.names.unknown_message`, as for every name).
    """
    countries = countries_frame(admin).to_crs(DRAW_CRS)
    if name is None or not name.strip() or name.strip().lower() == "all":
        return MapScope("all", None, tuple(countries["country"]), countries.union_all())

    wanted = " ".join(name.split()).casefold()
    tables: list[tuple[str, gpd.GeoDataFrame, str]] = [
        ("region", admin.regions, "region"),
        ("district", admin.districts, "district"),
    ]
    if level == "district":
        tables.reverse()
    for lvl, frame, column in tables:
        known = {n.casefold(): n for n in _names(frame, column)}
        if events is not None:
            known.update({n.casefold(): n for n in _names(events, column) if n.casefold()
                          not in known})  # fmt: skip
        if wanted in known:
            canonical = known[wanted]
            rows = frame[frame[column] == canonical]
            geom = rows.to_crs(DRAW_CRS).union_all() if len(rows) else None
            if geom is None or geom.is_empty:  # named only by events: use their extent
                assert events is not None
                pts = gpd.GeoSeries(events.loc[events[column] == canonical].geometry)
                geom = pts.to_crs(DRAW_CRS).union_all().buffer(5_000)
            codes = tuple(sorted(set(rows["country"]))) if len(rows) else ()
            return MapScope(lvl, canonical, codes, geom)
    for code, country in COUNTRIES.items():
        if wanted in (code.casefold(), country.casefold()):
            geom = countries.loc[countries["country"] == code].union_all()
            return MapScope("country", country, (code,), geom)

    label = "district" if level == "district" else "region"
    choices = [*_names(admin.regions, "region"), *_names(admin.districts, "district")]
    raise UnknownRegionError(unknown_message(label, name, [*choices, *COUNTRIES.values()]))


def scope_events(data: Dataset, view: View, scope: MapScope) -> gpd.GeoDataFrame:
    """The events the figure shows: the view's filters within the scope."""
    return apply_view(data.events, scope.view(view))


def default_title(scope: MapScope, start: date | None, end: date | None) -> str:
    """E.g. 'Tavush: clashes and protests, 12–16 July 2020'."""
    return f"{scope.label}: clashes and protests, {period_label(start, end)}"


def shown_period(view: View, events: pd.DataFrame) -> tuple[date | None, date | None]:
    span = data_span(events)
    if span is None:
        return view.start, view.end
    return view.start or span[0], view.end or span[1]
