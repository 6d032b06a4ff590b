"""Shared by the map modules: DOM ids, sizes, and the text helpers for event data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

import geopandas as gpd
import numpy as np
import shapely

from geo._errors import CRSMismatchError
from geo.boundaries import METRIC_CRS
from geo.events import (
    COUNTRIES,
)
from geo.period import to_day
from geo.style import (
    EVENT_TYPE_LABELS,
)
from geo.text import BRACES, is_missing

if TYPE_CHECKING:
    pass


#: DOM ids (see the module docstring).
TIMELINE_ID = "conflictmap-timeline"
LEGEND_ID = "conflictmap-legend"
CHOROPLETH_LEGEND_ID = "conflictmap-choropleth-legend"
#: Radius of the dashed halo around events placed near (not at) a place (geo_precision 2).
HALO_RADIUS_M = 5000
#: Radius of the wide ring around events located only to an area that is no admin unit
#: (join method ``area``: a border section, "Nagorno-Karabakh"); the point is a placeholder.
AREA_RING_RADIUS_M = 25000
#: Whose names the gazetteer shows in popups; shown in the map's attribution.
OSM_TILES_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
#: Used when there is nothing to fit the map to: Armenia and Azerbaijan.
DEFAULT_BOUNDS = ((38.3, 43.4), (42.0, 51.0))
#: Words for the choropleth measures.
DAY_MS = 86_400_000
#: Playback: at least this long in total, and this long per day, in milliseconds.
PLAYBACK_MIN_MS = 8_000
PLAYBACK_MAX_MS = 60_000
PLAYBACK_DAY_MS = 400


class PlaceLookup(Protocol):
    """Anything with ``get(place_id)`` returning a gazetteer place (``geo.gazetteer``)."""

    def get(self, place_id: str) -> Any: ...


# --------------------------------------------------------------------------- text helpers


#: Shown for an event whose sources give no country.
COUNTRY_NOT_GIVEN = "not given by the sources"


def claim_source_text(claim: Any, source: Mapping[str, Any]) -> str:
    """How a popup names a claim's source: the outlet (or the source id), its seed, and
    who relayed it ("via")."""
    text = str(source.get("outlet") or claim.source)
    if source.get("seed"):
        text += f" (seed {source['seed']})"
    if claim.via:
        text += f" via {claim.via}"
    return text


def claim_whose(claim: Any) -> str:
    """Whose people a claim counts: its subject, with side and group when they are set."""
    if claim.side != "any" or claim.group != "any":
        return f"{claim.subject} ({claim.side}, {claim.group})"
    return claim.subject


def _country_name(code: Any) -> str:
    """The country's name for a popup ('Armenia'), or that the sources give none."""
    if _blank(code):
        return COUNTRY_NOT_GIVEN
    return COUNTRIES.get(str(code), str(code))


def jinja_safe(obj: Any) -> Any:
    """A copy of JSON-like data with every brace in its strings made a character reference."""
    if isinstance(obj, str):
        return obj.translate(BRACES)
    if isinstance(obj, dict):
        return {k: jinja_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jinja_safe(v) for v in obj]
    return obj


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection for folium, its strings made safe for folium's Jinja pass."""
    return {"type": "FeatureCollection", "features": jinja_safe(features)}


def _blank(value: Any) -> bool:
    return is_missing(value, blank=True)


def _day(value: Any) -> date:
    day = to_day(value)
    assert day is not None, "an event always has a first day"
    return day


def when_text(start: Any, end: Any) -> str:
    """'2020-07-14' for one day, '2020-07-12 to 2020-07-16' for a range."""
    a, b = _day(start), _day(end)
    return a.isoformat() if a == b else f"{a.isoformat()} to {b.isoformat()}"


#: Columns of the claims table that are left out when no claim fills them.


def _type_label(event_type: Any) -> str:
    return EVENT_TYPE_LABELS.get(str(event_type), str(event_type))


def _place_names_text(row: Mapping[str, Any], places: PlaceLookup | None) -> str:
    """Every name the gazetteer knows for the event's place, '; '-separated (plain text)."""
    place_id = row.get("place_id")
    if places is None or _blank(place_id):
        return ""
    try:
        place = places.get(str(place_id))
    except KeyError:
        return ""
    names = [str(place.name), *[str(a) for a in place.aliases if str(a) != str(place.name)]]
    return "; ".join(dict.fromkeys(names))


#: Decimal places kept in drawn boundary coordinates (4 is about 10 m).
COORD_DECIMALS = 4
#: Metric CRS in which drawn outlines are simplified: UTM zone 38N, as the printed
#: figures are drawn (:data:`geo.boundaries.METRIC_CRS`).
DISPLAY_CRS = METRIC_CRS
#: Tolerance (metres) to which drawn outlines are simplified: well under a pixel up to
#: zoom 9 and the look of the printed map. Joins and summaries use the full geometries;
#: this only lightens the page.
DRAW_TOLERANCE_M = 150.0


def display_geometries(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> list[dict[str, Any]]:
    """GeoJSON geometries of ``frame`` for drawing, in order.

    Simplified in :data:`DISPLAY_CRS` to :data:`DRAW_TOLERANCE_M` (topology kept), then
    in WGS 84 rounded to :data:`COORD_DECIMALS` places.
    """
    geoms = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    if geoms.crs is None:
        raise CRSMismatchError("outlines to draw have no CRS; set one (e.g. EPSG:4326)")
    simple = geoms.to_crs(DISPLAY_CRS).simplify(DRAW_TOLERANCE_M, preserve_topology=True)
    wgs84 = simple.to_crs("EPSG:4326").to_numpy()
    rounded = shapely.transform(wgs84, lambda c: np.round(c, COORD_DECIMALS))
    return [dict(shapely.geometry.mapping(g)) for g in rounded]
