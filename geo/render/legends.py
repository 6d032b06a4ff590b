"""Legends and the region choropleth."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element

from geo.classify import class_breaks, class_colors, class_label, class_of
from geo.events import (
    COUNTRIES,
)
from geo.render._common import (
    AREA_RING_RADIUS_M,
    CHOROPLETH_LEGEND_ID,
    HALO_RADIUS_M,
    _collection,
    display_geometries,
)
from geo.render.elements import _BIND_TOOLTIP, HtmlControl
from geo.style import (
    BOUNDARY_COLOR,
    EVENT_TYPE_COLORS,
    EVENT_TYPE_LABELS,
    NO_DATA_COLOR,
    marker_radius,
)
from geo.summary import totals_with_units
from geo.text import html_text as esc
from geo.view import MEASURE_LABELS

if TYPE_CHECKING:
    pass


# --------------------------------------------------------------------------- legends


def _swatch(color: str, *, dashed: bool = False, area: bool = False) -> str:
    style = f"background:{color};" if not (dashed or area) else ""
    if dashed:
        style = f"border:2px dashed {color};"
    if area:
        style = f"border:1.5px dashed {color};background:{color}22;border-radius:2px;"
    return f'<span class="cm-swatch" style="{html.escape(style)}"></span>'


def event_legend_html(*, canvas: bool = False) -> str:
    """Legend of the events map, from constants only (``canvas``: as :class:`EventCanvas`
    draws it: faint dots for the rest of the period, counts where many are in view)."""
    rows = [
        f"<div>{_swatch(color)} {html.escape(EVENT_TYPE_LABELS[name])}</div>"
        for name, color in EVENT_TYPE_COLORS.items()
    ]
    small, big = marker_radius(0), marker_radius(25)
    return (
        "<details><summary><b>Legend</b></summary>"
        + "".join(rows)
        + f"<div><small>Radius {small:.0f} px (no deaths) to {big:.0f} px (25 killed, "
        + "best figure)</small></div><hr>"
        + f"<div>{_swatch('#555555')} at the place itself</div>"
        + f"<div>{_swatch('#555555', dashed=True)} near the place (ring "
        + f"{HALO_RADIUS_M // 1000} km)</div>"
        + f"<div>{_swatch('#555555', area=True)} region only: the point is its centre, "
        + "not a strike site</div>"
        + f"<div>{_swatch('#555555', dashed=True)} wide ring ({AREA_RING_RADIUS_M // 1000} km): "
        + "only an area is known (a border, a region that is no admin unit)</div><hr>"
        + "<small>Bright: on the day shown in the time bar. "
        + (
            "Faint dots: the rest of the period. Where many events are in view, numbers "
            "count them per square of the map.</small></details>"
            if canvas
            else "Faint rings: the rest of the period.</small></details>"
        )
    )


_CSS = Element(
    """
<style>
.cm-control { background: rgba(255,255,255,0.92); padding: 6px 8px; font: 12px/1.35 sans-serif;
  border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 260px; }
.cm-control hr { margin: 4px 0; }
.cm-control summary { cursor: pointer; }
.leaflet-control-layers { font-size: 12px; line-height: 1.3; }
.cm-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 50%;
  vertical-align: middle; margin-right: 4px; box-sizing: border-box; }
.cm-popup { font: 12px/1.35 sans-serif; }
.leaflet-control-attribution { font-size: 9px; max-width: 70%; }
.cm-popup h4 { font-size: 14px; margin: 0 0 4px; }
.cm-popup h5 { font-size: 12px; margin: 8px 0 2px; text-transform: uppercase; color: #555; }
.cm-popup p { margin: 4px 0; }
.cm-popup dl { margin: 4px 0; }
.cm-popup dt { display: inline; font-weight: bold; }
.cm-popup dt::after { content: ": "; }
.cm-popup dd { display: inline; margin: 0; }
.cm-popup dd::after { content: ""; display: block; }
.cm-popup ul { margin: 2px 0; padding-left: 16px; }
.cm-claims { border-collapse: collapse; font-size: 11px; }
.cm-claims th, .cm-claims td { border: 1px solid #ccc; padding: 2px 4px; vertical-align: top; }
</style>
"""
)


# --------------------------------------------------------------------------- choropleth


def choropleth_legend_html(classes: list[tuple[float, float]], *, measure: str, level: str) -> str:
    colors = class_colors(len(classes))
    rows = [
        f'<div><span class="cm-swatch" style="border-radius:2px;background:{c}"></span> '
        f"{html.escape(class_label(lo, hi))}</div>"
        for (lo, hi), c in zip(classes, colors, strict=True)
    ]
    rows.append(
        f'<div><span class="cm-swatch" style="border-radius:2px;background:{NO_DATA_COLOR};'
        f'border:1px solid #999"></span> no events</div>'
    )
    unit = "district" if level == "district" else "region"
    title = f"{MEASURE_LABELS.get(measure, measure)} per {unit}"
    return f"<b>{html.escape(title)}</b>" + "".join(rows)


def choropleth_frame(
    units: gpd.GeoDataFrame, summary: pd.DataFrame, *, level: str, measure: str
) -> gpd.GeoDataFrame:
    """The admin units with their summary figures (0 and ``events == 0`` where none).

    Units and summary rows are matched on their keys from the boundary data
    (``country`` + ``region``, plus ``district`` for districts), the same names
    the spatial join assigned.
    """
    if measure not in MEASURE_LABELS:
        raise ValueError(f"measure must be one of {', '.join(MEASURE_LABELS)}, got {measure!r}")
    if measure not in summary.columns:
        raise ValueError(f"summary lacks column(s) {measure}")
    by = "district" if level == "district" else "region"
    merged = totals_with_units(summary, units, by=by)
    merged = merged[merged["geometry"].notna()].reset_index(drop=True)
    merged["unit_name"] = merged[by]
    return merged


def build_choropleth(
    admin: Any,
    summary: pd.DataFrame,
    *,
    level: str = "region",
    measure: str = "events",
    k: int = 5,
) -> folium.FeatureGroup:
    """Regions (or districts) coloured by ``measure`` in classes, with legend and tooltips.

    Parameters
    ----------
    admin
        :class:`geo.boundaries.AdminUnits`.
    summary
        :func:`geo.summary.region_summary` for the same ``level``.
    level
        ``'region'`` or ``'district'``.
    measure
        ``'events'``, ``'deaths_low'``, ``'deaths_best'`` or ``'deaths_high'``.
    k
        Number of classes at most (fewer when there are fewer distinct values).

    Units without events are drawn in ``NO_DATA_COLOR`` and not classified.
    """
    units = admin.districts if level == "district" else admin.regions
    frame = choropleth_frame(units, summary, level=level, measure=measure)
    shapes = display_geometries(frame)
    has_data = frame["events"] > 0
    classes = class_breaks(frame.loc[has_data, measure].to_numpy(), k)
    colors = class_colors(len(classes))
    label = MEASURE_LABELS[measure]
    features = []
    for shape, (_, row) in zip(shapes, frame.iterrows(), strict=True):
        if row["events"] > 0:
            fill = colors[class_of(float(row[measure]), classes)]
            opacity = 0.7
        else:
            fill, opacity = NO_DATA_COLOR, 0.5
        country = COUNTRIES.get(str(row["country"]), str(row["country"]))
        tooltip = (
            f"<b>{esc(row['unit_name'])}</b> <small>({esc(country)})</small><br>"
            f"{html.escape(label)}: {int(row[measure]):,}<br>"
            f"events {int(row['events']):,}; deaths {int(row.get('deaths_low', 0)):,} / "
            f"{int(row.get('deaths_best', 0)):,} / {int(row.get('deaths_high', 0)):,} "
            "<small>(low / best / high)</small>"
        )
        features.append(
            {
                "type": "Feature",
                "geometry": shape,
                "properties": {
                    "name": str(row["unit_name"]),
                    "value": int(row[measure]),
                    "events": int(row["events"]),
                    "tooltip": tooltip,
                    "style": {
                        "color": BOUNDARY_COLOR,
                        "weight": 0.8,
                        "fillColor": fill,
                        "fillOpacity": opacity,
                    },
                },
            }
        )
    group = folium.FeatureGroup(name=html.escape(f"{label} per {level}"), overlay=True)
    folium.GeoJson(
        _collection(features),
        name="choropleth",
        control=False,
        on_each_feature=_BIND_TOOLTIP,
    ).add_to(group)
    HtmlControl(
        choropleth_legend_html(classes, measure=measure, level=level),
        dom_id=CHOROPLETH_LEGEND_ID,
        position="topleft",
    ).add_to(group)
    group.classes = classes  # type: ignore[attr-defined]
    group.class_colors = colors  # type: ignore[attr-defined]
    return group
