"""QGIS 3.22 style XML: escaping, symbols, renderers, labels and temporal settings."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from geo.style import (
    BOUNDARY_COLOR,
)

#: The QGIS release whose format is written (Debian bookworm's LTR).
QGIS_VERSION = "3.22.16-Białowieża"
#: ``QgsVectorLayerTemporalProperties::ModeFeatureDateTimeStartAndEndFromExpressions``.
#: Not mode 2 (start and end *fields*): QGIS 3.22 compares a Date field with the frame's
#: datetimes as text ('2020-07-14' < '2020-07-14T00:00:00'), which shows every event
#: a day late; ``to_datetime()`` of the field compares correctly.
TEMPORAL_MODE_START_END_EXPRESSIONS = 4
#: ``Qgis::VectorTemporalLimitMode::IncludeBeginExcludeEnd``: the end expression is the
#: first instant after the event's last (inclusive) day.
TEMPORAL_LIMIT_EXCLUDE_END = 0
#: ``layerGeometryType`` values (``QgsWkbTypes::GeometryType``).
GEOMETRY_TYPES = {"Point": 0, "Line": 1, "Polygon": 2, "None": 4}
#: QGIS simple-marker shapes standing in for the app's matplotlib marker codes.
QGIS_MARKERS = {
    "X": "cross_fill",
    "*": "star",
    "o": "circle",
    "^": "triangle",
    "s": "square",
    "D": "diamond",
}
#: Screen pixels to millimetres (QGIS sizes symbols in mm; the app in CSS px at 96 dpi).
PX_MM = 25.4 / 96
#: Largest event marker, in mm, however many deaths.
MAX_MARKER_MM = 16.0
#: Labels of points and small units only show when zoomed in past 1:N.
LABEL_MAX_SCALE = 400_000

EPSG_4326_SRS = (
    "<spatialrefsys>"
    '<wkt>GEOGCRS["WGS 84",ENSEMBLE["World Geodetic System 1984 ensemble",'
    'MEMBER["World Geodetic System 1984 (Transit)"],MEMBER["World Geodetic System 1984 (G730)"],'
    'MEMBER["World Geodetic System 1984 (G873)"],MEMBER["World Geodetic System 1984 (G1150)"],'
    'MEMBER["World Geodetic System 1984 (G1674)"],MEMBER["World Geodetic System 1984 (G1762)"],'
    'MEMBER["World Geodetic System 1984 (G2139)"],ELLIPSOID["WGS 84",6378137,298.257223563,'
    'LENGTHUNIT["metre",1]],ENSEMBLEACCURACY[2.0]],PRIMEM["Greenwich",0,'
    'ANGLEUNIT["degree",0.0174532925199433]],CS[ellipsoidal,2],'
    'AXIS["geodetic latitude (Lat)",north,ORDER[1],ANGLEUNIT["degree",0.0174532925199433]],'
    'AXIS["geodetic longitude (Lon)",east,ORDER[2],ANGLEUNIT["degree",0.0174532925199433]],'
    'USAGE[SCOPE["Horizontal component of 3D system."],AREA["World."],BBOX[-90,-180,90,180]],'
    'ID["EPSG",4326]]</wkt>'
    "<proj4>+proj=longlat +datum=WGS84 +no_defs</proj4>"
    "<srsid>3452</srsid><srid>4326</srid><authid>EPSG:4326</authid>"
    "<description>WGS 84</description><projectionacronym>longlat</projectionacronym>"
    "<ellipsoidacronym>EPSG:7030</ellipsoidacronym><geographicflag>true</geographicflag>"
    "</spatialrefsys>"
)

#: ``layer_styles`` exactly as QGIS 3.22 creates it through OGR in a GeoPackage.
LAYER_STYLES_SQL = (
    'CREATE TABLE IF NOT EXISTS "layer_styles" ( "id" INTEGER PRIMARY KEY AUTOINCREMENT '
    'NOT NULL, "f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), "f_table_name" '
    'TEXT(256), "f_geometry_column" TEXT(256), "styleName" TEXT(30), "styleQML" TEXT, '
    '"styleSLD" TEXT, "useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), '
    "\"ui\" TEXT(30), \"update_time\" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)
LAYER_STYLES_TRIGGERS = (
    'CREATE TRIGGER "trigger_insert_feature_count_layer_styles" AFTER INSERT ON '
    '"layer_styles" BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count + 1 '
    "WHERE lower(table_name) = lower('layer_styles'); END",
    'CREATE TRIGGER "trigger_delete_feature_count_layer_styles" AFTER DELETE ON '
    '"layer_styles" BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count - 1 '
    "WHERE lower(table_name) = lower('layer_styles'); END",
)
#: ``qgis_projects`` exactly as QGIS 3.22's GeoPackage project storage creates it.
QGIS_PROJECTS_SQL = "CREATE TABLE qgis_projects(name TEXT PRIMARY KEY, metadata BLOB, content BLOB)"

_ID_NAMESPACE = uuid.UUID("5b0f3c1e-8a57-4a0e-9d3b-2f3c6c1f0a11")


# --- XML helpers ------------------------------------------------------------------------------


def attr(value: object) -> str:
    """An XML attribute value in double quotes; newlines and tabs kept as character references."""
    text = str(value)
    return '"' + escape(text, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}) + '"'


def el(
    tag: str, attrs: Mapping[str, object] | None = None, *children: str, text: str | None = None
) -> str:
    """One XML element; ``children`` are already-serialised elements, ``text`` is escaped."""
    head = tag + "".join(f" {k}={attr(v)}" for k, v in (attrs or {}).items())
    if text is None and not children:
        return f"<{head}/>"
    body = escape(text) if text is not None else "\n".join(children)
    sep = "\n" if children else ""
    return f"<{head}>{sep}{body}{sep}</{tag}>"


def rgba(color: str, alpha: int = 255) -> str:
    """``#RRGGBB`` as QGIS's ``r,g,b,a``."""
    c = color.lstrip("#")
    if len(c) != 6:
        raise ValueError(f"colour {color!r} is not #RRGGBB")
    return f"{int(c[0:2], 16)},{int(c[2:4], 16)},{int(c[4:6], 16)},{alpha}"


def qstring(expression: str) -> str:
    """A QGIS expression string literal."""
    return "'" + expression.replace("\\", "\\\\").replace("'", "''") + "'"


def column(name: str) -> str:
    """A QGIS expression column reference."""
    return '"' + name.replace('"', '""') + '"'


def html_escaped(expression: str) -> str:
    """A QGIS expression giving ``expression`` as text escaped for HTML (map tips are HTML).

    QGIS 3.22 has no HTML-escaping function, so this chains ``replace``.
    """
    out = f"coalesce(to_string({expression}), '')"
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        out = f"replace({out}, {qstring(raw)}, {qstring(entity)})"
    return out


def _dd_properties(
    properties: Mapping[str, str] | None = None, tag: str = "data_defined_properties"
) -> str:
    if properties:
        props = el(
            "Option",
            {"type": "Map", "name": "properties"},
            *(
                el(
                    "Option",
                    {"type": "Map", "name": name},
                    el("Option", {"type": "bool", "name": "active", "value": "true"}),
                    el("Option", {"type": "QString", "name": "expression", "value": expr}),
                    el("Option", {"type": "int", "name": "type", "value": "3"}),
                )
                for name, expr in properties.items()
            ),
        )
    else:
        props = el("Option", {"name": "properties"})
    return el(
        tag,
        None,
        el(
            "Option",
            {"type": "Map"},
            el("Option", {"type": "QString", "name": "name", "value": ""}),
            props,
            el("Option", {"type": "QString", "name": "type", "value": "collection"}),
        ),
    )


def _symbol_layer(cls: str, options: Mapping[str, str], dd: Mapping[str, str] | None = None) -> str:
    opts = el(
        "Option",
        {"type": "Map"},
        *(
            el("Option", {"type": "QString", "name": k, "value": v})
            for k, v in sorted(options.items())
        ),
    )
    props = [el("prop", {"k": k, "v": v}) for k, v in sorted(options.items())]
    return el(
        "layer",
        {"class": cls, "enabled": "1", "pass": "0", "locked": "0"},
        opts,
        *props,
        _dd_properties(dd),
    )


def _symbol(kind: str, name: str, layer: str, alpha: float = 1.0) -> str:
    return el(
        "symbol",
        {
            "type": kind,
            "name": name,
            "force_rhr": "0",
            "clip_to_extent": "1",
            "alpha": f"{alpha:g}",
        },
        _dd_properties(),
        layer,
    )


def marker_symbol(
    name: str,
    color: str,
    *,
    shape: str = "circle",
    size_mm: float = 3.0,
    size_expression: str | None = None,
    outline: str = "#FFFFFF",
    outline_mm: float = 0.2,
) -> str:
    """A simple-marker symbol; ``size_expression`` makes its size data-defined."""
    unit = "3x:0,0,0,0,0,0"
    options = {
        "angle": "0",
        "cap_style": "square",
        "color": rgba(color),
        "horizontal_anchor_point": "1",
        "joinstyle": "bevel",
        "name": shape,
        "offset": "0,0",
        "offset_map_unit_scale": unit,
        "offset_unit": "MM",
        "outline_color": rgba(outline),
        "outline_style": "solid",
        "outline_width": f"{outline_mm:g}",
        "outline_width_map_unit_scale": unit,
        "outline_width_unit": "MM",
        "scale_method": "diameter",
        "size": f"{size_mm:g}",
        "size_map_unit_scale": unit,
        "size_unit": "MM",
        "vertical_anchor_point": "1",
    }
    dd = {"size": size_expression} if size_expression else None
    return _symbol("marker", name, _symbol_layer("SimpleMarker", options, dd))


def fill_symbol(
    name: str,
    color: str | None,
    *,
    outline: str = BOUNDARY_COLOR,
    outline_mm: float = 0.26,
    outline_style: str = "solid",
    alpha: float = 1.0,
) -> str:
    """A simple-fill symbol; ``color=None`` draws only the outline."""
    unit = "3x:0,0,0,0,0,0"
    options = {
        "border_width_map_unit_scale": unit,
        "color": rgba(color or "#FFFFFF", 255 if color else 0),
        "joinstyle": "bevel",
        "offset": "0,0",
        "offset_map_unit_scale": unit,
        "offset_unit": "MM",
        "outline_color": rgba(outline),
        "outline_style": outline_style,
        "outline_width": f"{outline_mm:g}",
        "outline_width_unit": "MM",
        "style": "solid" if color else "no",
    }
    return _symbol("fill", name, _symbol_layer("SimpleFill", options), alpha)


# --- renderers, labels, temporal -------------------------------------------------------------


def _renderer(kind: str, attrs: Mapping[str, str], *children: str) -> str:
    base = {
        "type": kind,
        "forceraster": "0",
        "symbollevels": "0",
        "enableorderby": "0",
        "referencescale": "-1",
    }
    return el("renderer-v2", {**base, **attrs}, *children, el("rotation"), el("sizescale"))


def single_renderer(symbol: str) -> str:
    return _renderer("singleSymbol", {}, el("symbols", None, symbol))


def categorized_renderer(attribute: str, categories: Sequence[tuple[str, str, str]]) -> str:
    """``categories``: (value, label, symbol XML named by its position)."""
    cats = [
        el("category", {"value": value, "label": label, "symbol": str(i), "render": "true"})
        for i, (value, label, _) in enumerate(categories)
    ]
    return _renderer(
        "categorizedSymbol",
        {"attr": attribute},
        el("categories", None, *cats),
        el("symbols", None, *(sym for _, _, sym in categories)),
    )


def graduated_renderer(attribute: str, ranges: Sequence[tuple[float, float, str, str]]) -> str:
    """``ranges``: (lower, upper, label, symbol XML named by its position); first match wins."""
    rows = [
        el(
            "range",
            {
                "lower": f"{lo:.15f}",
                "upper": f"{hi:.15f}",
                "label": label,
                "symbol": str(i),
                "render": "true",
            },
        )
        for i, (lo, hi, label, _) in enumerate(ranges)
    ]
    method = el(
        "classificationMethod",
        {"id": "Custom"},
        el("symmetricMode", {"enabled": "0", "symmetrypoint": "0", "astride": "0"}),
        el("labelFormat", {"format": "%1 - %2", "labelprecision": "0", "trimtrailingzeroes": "1"}),
        el("parameters", None, el("Option")),
        el("extraInformation"),
    )
    return _renderer(
        "graduatedSymbol",
        {"attr": attribute, "graduatedMethod": "GraduatedColor"},
        el("ranges", None, *rows),
        el("symbols", None, *(sym for *_, sym in ranges)),
        method,
    )


def labeling(
    expression: str,
    *,
    polygon: bool = False,
    size_pt: float = 8.0,
    color: str = "#323232",
    max_scale: int | None = LABEL_MAX_SCALE,
) -> str:
    """Simple labels from a QGIS expression, with a white halo.

    ``max_scale``: labels show only when zoomed in past 1:``max_scale``
    (QGIS stores it, inverted, as ``scaleMax``); ``None`` shows them always.
    """
    text_style = el(
        "text-style",
        {
            "fieldName": expression,
            "isExpression": "1",
            "fontFamily": "Sans Serif",
            "namedStyle": "Regular",
            "fontSize": f"{size_pt:g}",
            "fontSizeUnit": "Point",
            "fontWeight": "50",
            "fontItalic": "0",
            "textColor": rgba(color),
            "textOpacity": "1",
            "multilineHeight": "1",
            "allowHtml": "0",
            "capitalization": "0",
            "blendMode": "0",
            "previewBkgrdColor": "255,255,255,255",
            "textOrientation": "horizontal",
        },
        el(
            "text-buffer",
            {
                "bufferDraw": "1",
                "bufferSize": "0.7",
                "bufferSizeUnits": "MM",
                "bufferColor": "255,255,255,255",
                "bufferOpacity": "0.85",
                "bufferNoFill": "1",
                "bufferJoinStyle": "128",
                "bufferBlendMode": "0",
            },
        ),
        el("text-mask", {"maskEnabled": "0"}),
        el("background", {"shapeDraw": "0"}),
        el("shadow", {"shadowDraw": "0"}),
        el("dd_properties", None, el("Option", {"type": "Map"})),
        el("substitutions"),
    )
    placement = el(
        "placement",
        {
            "placement": "1" if polygon else "0",
            "centroidInside": "1" if polygon else "0",
            "centroidWhole": "0",
            "dist": "0" if polygon else "1",
            "distUnits": "MM",
            "quadOffset": "4",
            "priority": "5",
            "offsetType": "0",
            "fitInPolygonOnly": "0",
            "layerType": "PolygonGeometry" if polygon else "PointGeometry",
            "placementFlags": "10",
            "polygonPlacementFlags": "2",
        },
    )
    rendering = el(
        "rendering",
        {
            "drawLabels": "1",
            "obstacle": "1",
            "obstacleType": "1",
            "obstacleFactor": "1",
            "scaleVisibility": "1" if max_scale else "0",
            "scaleMin": "0",
            "scaleMax": str(max_scale or 0),
            "displayAll": "0",
            "upsidedownLabels": "0",
            "labelPerPart": "0",
            "mergeLines": "0",
            "limitNumLabels": "0",
            "maxNumLabels": "2000",
            "minFeatureSize": "0",
            "zIndex": "0",
            "fontLimitPixelSize": "0",
            "fontMinPixelSize": "0",
            "fontMaxPixelSize": "10000",
            "unplacedVisibility": "0",
        },
    )
    return el(
        "labeling",
        {"type": "simple"},
        el(
            "settings",
            {"calloutType": "simple"},
            text_style,
            el(
                "text-format",
                {
                    "wrapChar": "",
                    "multilineAlign": "3",
                    "formatNumbers": "0",
                    "decimals": "3",
                    "plussign": "0",
                    "autoWrapLength": "0",
                },
            ),
            placement,
            rendering,
            el("dd_properties", None, el("Option", {"type": "Map"})),
        ),
    )


def temporal(start_field: str | None = None, end_field: str | None = None) -> str:
    """Temporal properties from a start and an end Date field (both inclusive days), or off.

    The feature is shown from 00:00 of ``start_field`` until the end of
    ``end_field``'s day: start ``to_datetime("date_start")``, end
    ``to_datetime("date_end") + make_interval(days:=1)``, end excluded. The
    field names are kept in ``startField``/``endField`` too, for the dialog.
    """
    on = bool(start_field and end_field)
    start = f"to_datetime({column(start_field)})" if start_field else ""
    end = f"to_datetime({column(end_field)}) + make_interval(days:=1)" if end_field else ""
    return el(
        "temporal",
        {
            "enabled": "1" if on else "0",
            "mode": str(TEMPORAL_MODE_START_END_EXPRESSIONS if on else 0),
            "startField": start_field or "",
            "endField": end_field or "",
            "startExpression": start if on else "",
            "endExpression": end if on else "",
            "limitMode": str(TEMPORAL_LIMIT_EXCLUDE_END),
            "accumulate": "0",
            "durationField": "",
            "durationUnit": "min",
            "fixedDuration": "0",
        },
        el("fixedRange", None, el("start", text=""), el("end", text="")),
    )
