"""QGIS 3.22 styles (QML), the GeoPackage ``layer_styles`` table and an embedded QGIS project.

Everything here is generated from Python, without QGIS. The XML follows what
QGIS 3.22 LTR itself writes (learned by saving styles and projects from
PyQGIS 3.22.16; ``scripts/qgis_check.py`` opens the result in real QGIS):

- a layer style is a ``<qgis>`` document (``.qml``); QGIS applies the row of
  ``layer_styles`` with ``useAsDefault = 1`` when the layer is opened;
- a project stored in a GeoPackage is a row of ``qgis_projects``: the zipped
  ``.qgz`` bytes as hexadecimal text and a small JSON ``metadata``. Its layers
  point at ``./<file name>.gpkg|layername=<table>``, resolved against the
  GeoPackage's folder, so renaming the file breaks the project (a known QGIS
  limitation, qgis/QGIS#37440) while the default styles keep working.

All text is escaped for XML here; text that ends up as HTML in map tips is
escaped for HTML by the QGIS expressions built with :func:`html_escaped`.
"""

from __future__ import annotations

import inspect
import io
import json
import sqlite3
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal
from xml.sax.saxutils import escape

from geo.classify import class_colors, class_label, whole_number_classes
from geo.style import (
    BOUNDARY_COLOR,
    EVENT_TYPE_COLORS,
    EVENT_TYPE_LABELS,
    EVENT_TYPE_MARKERS,
    NO_DATA_COLOR,
    marker_radius,
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


# --- layers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerStyle:
    """How one GeoPackage table looks in QGIS, and how the project shows it.

    Parameters
    ----------
    table
        The GeoPackage table (layer) name.
    title
        The layer's name in the QGIS layers panel.
    geometry
        ``'Point'``, ``'Polygon'`` or ``'None'`` (attribute table).
    fields
        (field name, alias) in table order; ``fid`` comes first implicitly.
    description
        A line for ``layer_styles.description`` and the project's layer abstract.
    """

    table: str
    title: str
    geometry: Literal["Point", "Polygon", "None"]
    fields: tuple[tuple[str, str], ...]
    description: str = ""
    renderer: str = ""
    labels: str = ""
    temporal_fields: tuple[str, str] | None = None
    map_tip: str = ""
    display_expression: str = ""
    visible: bool = True
    rights: tuple[str, ...] = ()
    extent: tuple[float, float, float, float] | None = None
    geometry_column: str = "geom"

    @property
    def layer_id(self) -> str:
        return f"{self.table}_{uuid.uuid5(_ID_NAMESPACE, self.table).hex}"

    @property
    def geometry_column_name(self) -> str:
        return self.geometry_column if self.geometry != "None" else ""

    def body(self) -> list[str]:
        """The style elements shared by the ``.qml`` and the project's ``<maplayer>``."""
        fields = [("fid", ""), *self.fields]
        parts = [
            el(
                "flags",
                None,
                *(
                    el(k, text=v)
                    for k, v in (
                        ("Identifiable", "1"),
                        ("Removable", "1"),
                        ("Searchable", "1"),
                        ("Private", "0"),
                    )
                ),
            ),
            temporal(*(self.temporal_fields or (None, None))),
        ]
        if self.geometry != "None":
            parts.append(self.renderer or single_renderer(marker_symbol("0", BOUNDARY_COLOR)))
            if self.labels:
                parts.append(self.labels)
        parts += [
            el("customproperties", None, el("Option")),
            el("blendMode", text="0"),
            el("featureBlendMode", text="0"),
            el("layerOpacity", text="1"),
            el("legend", {"type": "default-vector", "showLabelLegend": "0"}),
            el(
                "fieldConfiguration",
                None,
                *(
                    el(
                        "field",
                        {"name": name, "configurationFlags": "None"},
                        el("editWidget", {"type": ""}, el("config", None, el("Option"))),
                    )
                    for name, _ in fields
                ),
            ),
            el(
                "aliases",
                None,
                *(
                    el("alias", {"index": str(i), "field": name, "name": alias})
                    for i, (name, alias) in enumerate(fields)
                ),
            ),
            el(
                "attributetableconfig",
                {"actionWidgetStyle": "dropDown", "sortExpression": "", "sortOrder": "0"},
                el("columns"),
            ),
            el("editorlayout", text="generatedlayout"),
            el("previewExpression", text=self.display_expression),
            el("mapTip", text=self.map_tip),
            el("layerGeometryType", text=str(GEOMETRY_TYPES[self.geometry])),
        ]
        return parts

    def qml(self) -> str:
        """The complete ``.qml`` document."""
        attrs: dict[str, object] = {
            "version": QGIS_VERSION,
            "styleCategories": "AllStyleCategories",
            "hasScaleBasedVisibilityFlag": "0",
            "minScale": "100000000",
            "maxScale": "0",
            "readOnly": "0",
        }
        if self.geometry != "None":
            attrs.update(
                {
                    "labelsEnabled": "1" if self.labels else "0",
                    "simplifyDrawingHints": "1" if self.geometry == "Polygon" else "0",
                    "simplifyDrawingTol": "1",
                    "simplifyLocal": "1",
                    "simplifyMaxScale": "1",
                    "simplifyAlgorithm": "0",
                    "symbologyReferenceScale": "-1",
                }
            )
        return (
            "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            + el("qgis", attrs, *self.body())
            + "\n"
        )


def events_style(
    fields: Sequence[tuple[str, str]],
    *,
    extent: tuple[float, float, float, float] | None = None,
    rights: Sequence[str] = (),
    description: str = "",
) -> LayerStyle:
    """Events: categorised by ``event_type`` in the app's colours and shapes, sized by deaths.

    Temporal properties run from ``date_start`` to ``date_end`` (both inclusive),
    the map tip shows the event, its derived figures and every claim, escaped.
    """
    sig = inspect.signature(marker_radius).parameters
    base_mm = 2 * float(sig["base"].default) * PX_MM
    scale_mm = 2 * float(sig["scale"].default) * PX_MM
    size = (
        f"min({base_mm:.3f} + {scale_mm:.3f} * sqrt(max(coalesce({column('deaths_best')}, 0), 0)),"
        f" {MAX_MARKER_MM:g})"
    )
    categories = [
        (
            event_type,
            EVENT_TYPE_LABELS[event_type],
            marker_symbol(
                str(i),
                color,
                shape=QGIS_MARKERS[EVENT_TYPE_MARKERS[event_type]],
                size_mm=base_mm,
                size_expression=size,
            ),
        )
        for i, (event_type, color) in enumerate(EVENT_TYPE_COLORS.items())
    ]

    def esc(name: str) -> str:
        return f"[% {html_escaped(column(name))} %]"

    def day(name: str) -> str:
        return f"[% format_date({column(name)}, 'yyyy-MM-dd') %]"

    claims = f"[% replace({html_escaped(column('claims_summary'))}, char(10), '<br>') %]"
    tip = (
        f'<div style="max-width:32em"><b>{esc("location")}</b><br>'
        f"{esc('event_type')} — {esc('sub_event_type')}<br>"
        f"{day('date_start')} to {day('date_end')} ({esc('admin1')}, {esc('country')})<br>"
        f"{esc('actor1')} / {esc('actor2')}<br>"
        f"Deaths low/best/high: {esc('deaths_low')} / {esc('deaths_best')} / "
        f"{esc('deaths_high')}; injured: {esc('injured_low')}–{esc('injured_high')}"
        f"<p>{esc('notes')}</p><b>Claims</b><br>{claims}"
        f"<p><small>Sources: {esc('source')}</small></p></div>"
    )
    return LayerStyle(
        table="events",
        title="Events",
        geometry="Point",
        fields=tuple(fields),
        description=description or "Events, categorised by ACLED event type; temporal.",
        renderer=categorized_renderer("event_type", categories),
        labels=labeling(column("location"), max_scale=250_000),
        temporal_fields=("date_start", "date_end"),
        map_tip=tip,
        display_expression=column("location"),
        rights=tuple(rights),
        extent=extent,
    )


def summary_style(
    fields: Sequence[tuple[str, str]],
    *,
    measure: str,
    values: Iterable[float],
    unit: str = "region",
    measure_label: str = "",
    extent: tuple[float, float, float, float] | None = None,
    rights: Sequence[str] = (),
    description: str = "",
) -> LayerStyle:
    """Units graduated by ``measure`` (0 drawn as "none"), labelled with name and figure."""
    classes = whole_number_classes(values)
    symbols: list[tuple[float, float, str, str]] = [
        (0, 0, "0 (none)", fill_symbol("0", NO_DATA_COLOR, outline="#BBBBBB", outline_mm=0.2))
    ]
    colors = class_colors(len(classes))
    for i, ((lo, hi), color) in enumerate(zip(classes, colors, strict=True), start=1):
        label = class_label(lo, hi)
        symbols.append(
            (
                lo,
                hi,
                label,
                fill_symbol(str(i), color, outline="#FFFFFF", outline_mm=0.2, alpha=0.85),
            )
        )
    # only units with something to show are labelled: a map of "0"s hides the figures
    label_expr = (
        f"CASE WHEN {column(measure)} > 0 THEN {column(unit)} || char(10) || "
        f"to_string({column(measure)}) END"
    )
    tip = (
        f"<b>[% {html_escaped(column(unit))} %]</b> ([% {html_escaped(column('country'))} %])<br>"
        f"{escape(measure_label or measure)}: [% {column(measure)} %]<br>"
        'Events: [% "events" %]; deaths low/best/high: [% "deaths_low" %] / '
        '[% "deaths_best" %] / [% "deaths_high" %]; injured: [% "injured_low" %]–'
        '[% "injured_high" %]<br>Period: [% format_date("period_start", \'yyyy-MM-dd\') %] to '
        "[% format_date(\"period_end\", 'yyyy-MM-dd') %]"
    )
    return LayerStyle(
        table="region_summary",
        title=f"{measure_label or measure} by {unit}",
        geometry="Polygon",
        fields=tuple(fields),
        description=description,
        renderer=graduated_renderer(measure, symbols),
        labels=labeling(label_expr, polygon=True, size_pt=7, max_scale=None),
        map_tip=tip,
        display_expression=column(unit),
        rights=tuple(rights),
        extent=extent,
    )


def admin_style(
    table: str,
    fields: Sequence[tuple[str, str]],
    *,
    name_field: str,
    title: str,
    outline_mm: float,
    outline_style: str = "solid",
    label: bool = True,
    visible: bool = True,
    extent: tuple[float, float, float, float] | None = None,
    rights: Sequence[str] = (),
    description: str = "",
) -> LayerStyle:
    """Admin units: outlines only, in the app's boundary colour, optionally labelled."""
    return LayerStyle(
        table=table,
        title=title,
        geometry="Polygon",
        fields=tuple(fields),
        description=description,
        renderer=single_renderer(
            fill_symbol("0", None, outline_mm=outline_mm, outline_style=outline_style)
        ),
        labels=labeling(column(name_field), polygon=True, size_pt=7, color=BOUNDARY_COLOR)
        if label
        else "",
        map_tip=f"<b>[% {html_escaped(column(name_field))} %]</b>",
        display_expression=column(name_field),
        visible=visible,
        rights=tuple(rights),
        extent=extent,
    )


def table_style(
    table: str,
    title: str,
    fields: Sequence[tuple[str, str]],
    *,
    display_expression: str,
    rights: Sequence[str] = (),
    description: str = "",
) -> LayerStyle:
    """An attribute-only table (claims, sources): aliases and a display expression."""
    return LayerStyle(
        table=table,
        title=title,
        geometry="None",
        fields=tuple(fields),
        description=description,
        display_expression=display_expression,
        rights=tuple(rights),
    )


# --- the project ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """A project relation: rows of ``child`` whose ``field`` equals the parent's ``field``."""

    id: str
    name: str
    child: str
    parent: str
    field: str


@dataclass(frozen=True)
class Project:
    """What the embedded project shows: layers (top first), time range, extent, metadata."""

    title: str
    gpkg_name: str
    layers: tuple[LayerStyle, ...]
    start: date
    end: date
    extent: tuple[float, float, float, float]
    abstract: str = ""
    relations: tuple[Relation, ...] = ()
    author: str = "conflictmap"
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


def _resource_metadata(title: str, abstract: str, rights: Sequence[str]) -> str:
    return el(
        "resourceMetadata",
        None,
        el("identifier", text=""),
        el("parentidentifier", text=""),
        el("language", text=""),
        el("type", text="dataset"),
        el("title", text=title),
        el("abstract", text=abstract),
        el("links"),
        el("fees", text=""),
        *(el("rights", text=r) for r in rights),
        *(el("license", text=r) for r in rights),
        el("encoding", text=""),
        el("crs", None, EPSG_4326_SRS),
        el("extent"),
    )


def _extent(tag: str, box: tuple[float, float, float, float]) -> str:
    return el(
        tag,
        None,
        *(
            el(k, text=f"{v:.10g}")
            for k, v in zip(("xmin", "ymin", "xmax", "ymax"), box, strict=True)
        ),
    )


def _maplayer(layer: LayerStyle, gpkg_name: str) -> str:
    source = f"./{gpkg_name}|layername={layer.table}"
    attrs: dict[str, object] = {
        "type": "vector",
        "styleCategories": "AllStyleCategories",
        "hasScaleBasedVisibilityFlag": "0",
        "minScale": "100000000",
        "maxScale": "0",
        "readOnly": "0",
        "autoRefreshEnabled": "0",
        "autoRefreshTime": "0",
        "refreshOnNotifyEnabled": "0",
        "refreshOnNotifyMessage": "",
        "legendPlaceholderImage": "",
    }
    if layer.geometry == "None":
        attrs.update({"geometry": "No geometry", "wkbType": "NoGeometry"})
    else:
        wkb = "Point" if layer.geometry == "Point" else "MultiPolygon"
        attrs.update(
            {
                "geometry": layer.geometry,
                "wkbType": wkb,
                "labelsEnabled": "1" if layer.labels else "0",
                "simplifyDrawingHints": "1" if layer.geometry == "Polygon" else "0",
                "simplifyDrawingTol": "1",
                "simplifyLocal": "1",
                "simplifyMaxScale": "1",
                "simplifyAlgorithm": "0",
                "symbologyReferenceScale": "-1",
            }
        )
    head = []
    if layer.extent is not None:
        head += [_extent("extent", layer.extent), _extent("wgs84extent", layer.extent)]
    head += [
        el("id", text=layer.layer_id),
        el("datasource", text=source),
        el("keywordList", None, el("value", text="")),
        el("layername", text=layer.title),
        el("srs", None, EPSG_4326_SRS),
        _resource_metadata(layer.title, layer.description, layer.rights),
        el("provider", {"encoding": "UTF-8"}, text="ogr"),
        el("vectorjoins"),
        el("layerDependencies"),
        el("dataDependencies"),
        el("expressionfields"),
        el(
            "map-layer-style-manager",
            {"current": "default"},
            el("map-layer-style", {"name": "default"}),
        ),
        el("auxiliaryLayer"),
        el("metadataUrls"),
    ]
    return el("maplayer", attrs, *head, *layer.body())


def project_qgs(project: Project) -> str:
    """The ``.qgs`` XML of the project."""
    p = project
    tree = [
        el(
            "layer-tree-layer",
            {
                "id": layer.layer_id,
                "name": layer.title,
                "providerKey": "ogr",
                "source": f"./{p.gpkg_name}|layername={layer.table}",
                "checked": "Qt::Checked" if layer.visible else "Qt::Unchecked",
                "expanded": "1" if layer.geometry != "None" else "0",
                "legend_exp": "",
                "legend_split_behavior": "0",
                "patch_size": "-1,-1",
            },
            el("customproperties"),
        )
        for layer in p.layers
    ]
    ids = {layer.table: layer.layer_id for layer in p.layers}
    relations = [
        el(
            "relation",
            {
                "id": r.id,
                "name": r.name,
                "referencingLayer": ids[r.child],
                "referencedLayer": ids[r.parent],
                "strength": "Association",
            },
            el("fieldRef", {"referencingField": r.field, "referencedField": r.field}),
        )
        for r in p.relations
        if r.child in ids and r.parent in ids
    ]
    created = p.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    x0, y0, x1, y1 = p.extent
    time_range = el(
        "ProjectTimeSettings",
        {"timeStep": "1", "timeStepUnit": "d", "frameRate": "1", "cumulativeTemporalRange": "0"},
        el(
            "TemporalRange",
            None,
            el("start", text=f"{p.start.isoformat()}T00:00:00Z"),
            el("end", text=f"{p.end.isoformat()}T23:59:59Z"),
        ),
    )
    body = [
        el("homePath", {"path": ""}),
        el("title", text=p.title),
        el("autotransaction", {"active": "0"}),
        el("evaluateDefaultValues", {"active": "0"}),
        el("trust", {"active": "0"}),
        el("projectCrs", None, EPSG_4326_SRS),
        el(
            "layer-tree-group",
            None,
            el("customproperties"),
            *tree,
            el(
                "custom-order",
                {"enabled": "0"},
                *(el("item", text=ly.layer_id) for ly in reversed(p.layers)),
            ),
        ),
        el("relations", None, *relations),
        el("polymorphicRelations"),
        el(
            "mapcanvas",
            {"name": "theMapCanvas", "annotationsVisible": "1"},
            el("units", text="degrees"),
            _extent("extent", p.extent),
            el("rotation", text="0"),
            el("destinationsrs", None, EPSG_4326_SRS),
            el("rendermaptile", text="0"),
            el("expressionContextScope"),
        ),
        el("projectlayers", None, *(_maplayer(layer, p.gpkg_name) for layer in p.layers)),
        el("layerorder", None, *(el("layer", {"id": ly.layer_id}) for ly in reversed(p.layers))),
        el(
            "properties",
            None,
            el("Paths", None, el("Absolute", {"type": "bool"}, text="false")),
            el("SpatialRefSys", None, el("ProjectionsEnabled", {"type": "int"}, text="1")),
        ),
        el(
            "projectMetadata",
            None,
            el("identifier", text=""),
            el("parentidentifier", text=""),
            el("language", text=""),
            el("type", text=""),
            el("title", text=p.title),
            el("abstract", text=p.abstract),
            el("links"),
            el("author", text=p.author),
            el("creation", text=created),
        ),
        el(
            "ProjectViewSettings",
            {"UseProjectScales": "0", "rotation": "0"},
            el("Scales"),
            el(
                "DefaultViewExtent",
                {
                    "xmin": f"{x0:.10g}",
                    "ymin": f"{y0:.10g}",
                    "xmax": f"{x1:.10g}",
                    "ymax": f"{y1:.10g}",
                },
                EPSG_4326_SRS,
            ),
        ),
        time_range,
    ]
    root = el(
        "qgis",
        {
            "projectname": p.title,
            "version": QGIS_VERSION,
            "saveUser": p.author,
            "saveUserFull": p.author,
            "saveDateTime": created,
        },
        *body,
    )
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + root + "\n"


def qgz_bytes(qgs: str, name: str) -> bytes:
    """A ``.qgz``: a zip holding ``<name>.qgs`` (QGIS reads the first ``.qgs`` in it)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(f"{name}.qgs", date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, qgs.encode("utf-8"))
    return buf.getvalue()


# --- writing into a GeoPackage ----------------------------------------------------------------


def _now_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def write_layer_styles(
    conn: sqlite3.Connection, layers: Iterable[LayerStyle], *, when: datetime | None = None
) -> None:
    """Create ``layer_styles`` as QGIS does and add each layer's style as its default."""
    moment = when or datetime.now(UTC)
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='layer_styles'"
    ).fetchone()
    if not exists:
        conn.execute(LAYER_STYLES_SQL)
        conn.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
            "last_change, srs_id) VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?, 0)",
            (_now_iso(moment),),
        )
        has_ogr_contents = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='gpkg_ogr_contents'"
        ).fetchone()
        if has_ogr_contents:
            conn.execute(
                "INSERT INTO gpkg_ogr_contents (table_name, feature_count) "
                "VALUES ('layer_styles', 0)"
            )
            for trigger in LAYER_STYLES_TRIGGERS:
                conn.execute(trigger)
    for layer in layers:
        conn.execute(
            "UPDATE layer_styles SET useAsDefault = 0 WHERE f_table_name = ? "
            "AND f_geometry_column = ?",
            (layer.table, layer.geometry_column_name),
        )
        conn.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, "
            "ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', NULL, ?)",
            (
                layer.table,
                layer.geometry_column_name,
                layer.table,
                layer.qml(),
                layer.description,
                _now_iso(moment),
            ),
        )


def embed_project(
    conn: sqlite3.Connection,
    name: str,
    qgz: bytes,
    *,
    when: datetime | None = None,
    user: str = "conflictmap",
) -> None:
    """Store a ``.qgz`` in ``qgis_projects`` as QGIS's GeoPackage project storage does."""
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    conn.execute(QGIS_PROJECTS_SQL.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"))
    metadata = json.dumps(
        {"last_modified_time": moment.strftime("%Y-%m-%dT%H:%M:%S"), "last_modified_user": user}
    )
    conn.execute(
        "INSERT OR REPLACE INTO qgis_projects (name, metadata, content) VALUES (?, ?, ?)",
        (name, metadata, qgz.hex()),
    )


def read_embedded_project(conn: sqlite3.Connection, name: str | None = None) -> str:
    """The ``.qgs`` XML of a project stored in a GeoPackage (the first one if no name)."""
    sql = "SELECT content FROM qgis_projects" + (" WHERE name = ?" if name else "")
    row = conn.execute(sql, (name,) if name else ()).fetchone()
    if row is None:
        raise LookupError(f"no QGIS project {name or ''} in this GeoPackage".replace("  ", " "))
    content = row[0]
    raw = bytes.fromhex(content) if isinstance(content, str) else bytes(content)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        member = next(n for n in zf.namelist() if n.endswith(".qgs"))
        return zf.read(member).decode("utf-8")
