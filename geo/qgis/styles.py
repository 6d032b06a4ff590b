"""Layer styles: the QML of each exported layer (events, region summary, admin units, tables)."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

from geo.classify import class_colors, class_label, whole_number_classes
from geo.qgis.xml import (
    _ID_NAMESPACE,
    GEOMETRY_TYPES,
    MAX_MARKER_MM,
    PX_MM,
    QGIS_MARKERS,
    QGIS_VERSION,
    categorized_renderer,
    column,
    el,
    fill_symbol,
    graduated_renderer,
    html_escaped,
    labeling,
    marker_symbol,
    single_renderer,
    temporal,
)
from geo.style import (
    BOUNDARY_COLOR,
    EVENT_TYPE_COLORS,
    EVENT_TYPE_LABELS,
    EVENT_TYPE_MARKERS,
    NO_DATA_COLOR,
    marker_radius,
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
