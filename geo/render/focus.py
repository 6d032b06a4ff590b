"""Region focus on the browser map: the chosen region outlined, the rest dimmed, the view fitted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
from branca.element import MacroElement
from folium.template import Template

from geo._errors import UnknownRegionError
from geo.render._common import display_geometries, jinja_safe
from geo.render.elements import _js_string, _script_json
from geo.scope import DRAW_CRS, resolve_scope

#: Leaflet pane of the mask and outline: above the overlays (choropleth, event canvas:
#: 400), below markers, tooltips and popups; it never takes a click.
FOCUS_PANE = "cmFocus"
FOCUS_Z_INDEX = 450
#: How the rest of the map is dimmed and the region outlined.
MASK_STYLE = {"stroke": False, "fillColor": "#1b1b1b", "fillOpacity": 0.35, "fillRule": "evenodd"}
OUTLINE_STYLE = {"color": "#111111", "weight": 3, "opacity": 0.95, "fill": False}
#: The whole Web Mercator world, the outer ring of the mask (lon, lat).
_WORLD = [[-180.0, -85.0], [180.0, -85.0], [180.0, 85.0], [-180.0, 85.0], [-180.0, -85.0]]


@dataclass(frozen=True)
class Focus:
    """A region (or district) to focus on: its name, outline (GeoJSON) and bounds.

    ``bounds`` is ``[[south, west], [north, east]]`` in degrees, as Leaflet takes it.
    """

    name: str
    level: str
    outline: dict[str, Any]
    bounds: list[list[float]]

    def mask(self) -> dict[str, Any]:
        """The world with the region cut out (every ring of the outline is a hole)."""
        rings: list[Any] = [_WORLD]
        geom = self.outline
        polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for polygon in polygons:
            rings.extend(polygon)
        return {"type": "Polygon", "coordinates": rings}


def region_focus(admin: Any, region: str | None, *, level: str = "region") -> Focus | None:
    """The focus of a region or district named as in the boundary data; ``None`` without one.

    ``None`` too when ``admin`` is missing or the name is no unit of it (the map then
    keeps its usual frame); the events' own names are not used: only a unit has an outline.
    """
    if admin is None or not region:
        return None
    try:
        scope = resolve_scope(region, admin, level=level)
    except UnknownRegionError:
        return None
    if scope.level not in ("region", "district") or scope.geometry is None:
        return None
    shape = gpd.GeoSeries([scope.geometry], crs=DRAW_CRS)
    outline = _drawn_outline(admin, scope.level, str(scope.name)) or display_geometries(shape)[0]
    if outline["type"] not in ("Polygon", "MultiPolygon"):
        return None
    x0, y0, x1, y1 = (float(v) for v in shape.to_crs("EPSG:4326").total_bounds)
    return Focus(str(scope.name), scope.level, outline, [[y0, x0], [y1, x1]])


def _drawn_outline(admin: Any, level: str, name: str) -> dict[str, Any] | None:
    """The unit's outline exactly as the boundaries and the choropleth draw it: each of its
    rows simplified on its own (:func:`display_geometries`), not their union, whose
    simplified edge strays from theirs and leaves slivers between the dimmed rest and the
    region. ``None`` when no row of the boundaries has that name, or a row is no polygon."""
    frame = getattr(admin, "regions" if level == "region" else "districts", None)
    if frame is None or level not in frame.columns:
        return None
    rows = frame[frame[level] == name]
    if not len(rows):
        return None
    shapes = display_geometries(rows)
    if len(shapes) == 1:
        return shapes[0]
    polygons: list[Any] = []
    for shape in shapes:
        if shape["type"] == "Polygon":
            polygons.append(shape["coordinates"])
        elif shape["type"] == "MultiPolygon":
            polygons.extend(shape["coordinates"])
        else:
            return None
    return {"type": "MultiPolygon", "coordinates": polygons}


class RegionFocus(MacroElement):
    """Draws a :class:`Focus`: the rest of the map dimmed, the region outlined.

    The map container says which region is focused (``data-focus``, set as text).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var name = {{ this.pane|tojson }};
            var pane = map.getPane(name) || map.createPane(name);
            pane.style.zIndex = {{ this.z_index }};
            pane.style.pointerEvents = "none";
            var opts = {pane: name, interactive: false};
            L.geoJson({{ this.mask_js }}, L.extend({style: {{ this.mask_style_js }}}, opts))
                .addTo(map);
            L.geoJson({{ this.outline_js }}, L.extend({style: {{ this.outline_style_js }}}, opts))
                .addTo(map);
            map.getContainer().setAttribute("data-focus", {{ this.name_js }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, focus: Focus) -> None:
        super().__init__()
        self._name = "RegionFocus"
        self.focus = focus
        self.pane = FOCUS_PANE
        self.z_index = FOCUS_Z_INDEX
        self.mask_js = _script_json(jinja_safe(focus.mask()))
        self.outline_js = _script_json(jinja_safe(focus.outline))
        self.mask_style_js = _script_json(MASK_STYLE)
        self.outline_style_js = _script_json(OUTLINE_STYLE)
        self.name_js = _js_string(focus.name)
