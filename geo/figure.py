"""Static maps of one view (region and period) for slides and handouts: matplotlib, no tiles.

Why one module of nearly a thousand lines: it has one job, drawing a print map, and its
parts (base map, markers, collision-free labels with leader lines, legends, scale
bar and north arrow) share the axes and one label placer. What a print covers and
says lives in :mod:`geo.scope`, :mod:`geo.period` and :mod:`geo.credits`.
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerPatch
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox, IdentityTransform, ScaledTranslation
from pyproj import Proj, Transformer
from shapely.geometry import Point, box

from geo._errors import FigureFormatError, UnknownRegionError
from geo._io import atomic_write_bytes
from geo.config import Settings
from geo.credits import print_attribution
from geo.events import COUNTRIES
from geo.period import period_label
from geo.scope import (
    DRAW_CRS,
    NO_EVENTS,
    MapScope,
    countries_frame,
    default_title,
    resolve_scope,
    scope_events,
    shown_period,
)
from geo.style import (
    BOUNDARY_COLOR,
    EVENT_TYPE_COLORS,
    EVENT_TYPE_LABELS,
    EVENT_TYPE_MARKERS,
    MARKER_CAP_DEATHS,
    marker_radius,
)
from geo.view import View

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase

    from geo.boundaries import AdminUnits
    from geo.dataset import Dataset

__all__ = [
    "DRAW_CRS",
    "FIGSIZE",
    "FORMATS",
    "FigureFormatError",
    "UnknownRegionError",
    "figure_bytes",
    "make_figure",
    "render_figure",
]

#: Output formats by file suffix.
FORMATS: tuple[str, ...] = ("png", "pdf", "svg")
#: A4 landscape, in inches: fits a slide and a printed page.
FIGSIZE: tuple[float, float] = (11.69, 8.27)

Fmt = Literal["png", "pdf", "svg"]

#: Text kept as text in vector output, so it can be searched, copied and read by screen readers.
_RC: Any = {
    "svg.fonttype": "none",
    "svg.hashsalt": "conflictmap",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "hatch.linewidth": 1.1,
    "font.family": "DejaVu Sans",
    # Text is text: "$5 and $6" in a note, or "$\\foo$", is never read as mathtext.
    "text.parse_math": False,
}


@contextmanager
def drawing() -> Iterator[None]:
    """Matplotlib settings for every figure and handout page (:data:`_RC`).

    Data may hold any character validation accepts; one the font has no glyph for is
    drawn as an empty box, and matplotlib's "Glyph ... missing from font" warning for it
    is not passed on (only that warning: anything else still surfaces).
    """
    with mpl.rc_context(_RC), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support")
        yield


# Greys chosen to stay apart in greyscale print: focus region light, context darker.
_FOCUS_FILL = "#ffffff"
_CONTEXT_FILL = "#dedede"
_FOCUS_EDGE = "#111111"
_COUNTRY_EDGE = "#3a3a3a"
_OUTSIDE = "#f7f7f7"
_MARKER_EDGE = "#111111"
_TEXT = "#1a1a1a"
_MUTED = "#555555"


def _wrap(text: str, width: int) -> str:
    """``text`` in lines of about ``width`` characters, never cut: a print map shows it whole."""
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)


# --------------------------------------------------------------------------- figure


def _marker_pt(deaths_best: float) -> float:
    """Marker diameter in points (``marker_radius`` is in CSS pixels, 0.75 pt each)."""
    return 2 * marker_radius(int(deaths_best)) * 0.75


def _frame_extent(geom: Any, aspect: float, *, margin: float = 0.12) -> tuple[float, ...]:
    """Bounds of ``geom`` plus a margin, widened to the axes' aspect ratio (width / height)."""
    minx, miny, maxx, maxy = geom.bounds
    w, h = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    pad = max(margin * max(w, h), 8_000.0)
    minx, maxx, miny, maxy = minx - pad, maxx + pad, miny - pad, maxy + pad
    w, h = maxx - minx, maxy - miny
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2


def _nice_length(target_m: float) -> float:
    exp = 10 ** math.floor(math.log10(target_m))
    for step in (5, 2, 1):
        if step * exp <= target_m:
            return step * exp
    return exp


def _center_lonlat(ax: Axes) -> tuple[float, float]:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    to_geo = Transformer.from_crs(DRAW_CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_geo.transform((x0 + x1) / 2, (y0 + y1) / 2)
    return float(lon), float(lat)


def _draw_scale_bar(ax: Axes) -> None:
    """Scale bar in true ground kilometres (UTM grid distance corrected by the scale factor)."""
    lon, lat = _center_lonlat(ax)
    k = float(Proj(DRAW_CRS).get_factors(lon, lat).meridional_scale)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    ground = _nice_length((x1 - x0) / k / 5)
    grid = ground * k
    left, bottom = x0 + 0.035 * (x1 - x0), y0 + 0.045 * (y1 - y0)
    height = 0.012 * (y1 - y0)
    halves = 2
    for i in range(halves):
        ax.add_patch(
            Rectangle(
                (left + i * grid / halves, bottom), grid / halves, height,
                facecolor=_TEXT if i % 2 == 0 else "white", edgecolor=_TEXT, linewidth=0.8,
                zorder=21,
            )
        )  # fmt: skip
    unit, div = ("km", 1000.0) if ground >= 1000 else ("m", 1.0)
    for i in range(halves + 1):
        value = ground * i / halves / div
        text = f"{value:g}" + (f" {unit}" if i == halves else "")
        ax.text(
            left + i * grid / halves, bottom + height * 1.8, text, ha="center", va="bottom",
            fontsize=8, color=_TEXT, zorder=21,
        )  # fmt: skip
    ax.add_patch(
        Rectangle(
            (left - 0.015 * (x1 - x0), bottom - 0.02 * (y1 - y0)),
            grid + 0.045 * (x1 - x0), 0.075 * (y1 - y0),
            facecolor="white", edgecolor=_MUTED, linewidth=0.5, alpha=0.85, zorder=20,
        )
    )  # fmt: skip


def _draw_north_arrow(ax: Axes) -> None:
    """North arrow pointing to true north at the map centre (UTM grid north differs)."""
    lon, lat = _center_lonlat(ax)
    to_map = Transformer.from_crs("EPSG:4326", DRAW_CRS, always_xy=True)
    xa, ya = to_map.transform(lon, lat)
    xb, yb = to_map.transform(lon, lat + 0.05)
    angle = math.atan2(xb - xa, yb - ya)  # clockwise from grid up
    cx, cy, length = 0.94, 0.86, 0.085
    dx, dy = math.sin(angle) * length / 2, math.cos(angle) * length / 2
    ax.add_patch(
        Rectangle((cx - 0.035, cy - 0.065), 0.07, 0.15, transform=ax.transAxes,
                  facecolor="white", edgecolor=_MUTED, linewidth=0.5, alpha=0.85, zorder=20)
    )  # fmt: skip
    ax.annotate(
        "", xy=(cx + dx, cy + dy), xytext=(cx - dx, cy - dy), xycoords="axes fraction",
        arrowprops={"arrowstyle": "-|>,head_width=0.45,head_length=0.9", "color": _TEXT,
                    "linewidth": 1.6},
        zorder=21,
    )  # fmt: skip
    ax.text(
        cx + dx * 1.45, cy + dy * 1.45 + 0.012, "N", transform=ax.transAxes, ha="center",
        va="center", fontsize=11, fontweight="bold", color=_TEXT, zorder=21,
    )  # fmt: skip


@dataclass
class _Item:
    """One event as drawn: where, how big, and where its label sits."""

    row: Any
    x: float
    y: float
    size_pt: float
    halo: bool
    dx_pt: float = 0.0
    dy_pt: float = 0.0


#: Above this many point events a print map draws counted circles per grid cell.
PRINT_MARKER_LIMIT = 250
#: Grid cell of the aggregated map, in points on the page.
AGGREGATE_CELL_PT = 24.0
#: At most this many place names in the label of one hatched area.
AREA_NAMES_SHOWN = 8
AGGREGATED_NOTE = (
    "More than {limit} events placed at points: each dark circle counts the events in "
    "its part of the map (number inside; area grows with the count). Event types and "
    "deaths per event are in the data exports."
)


def _draw_aggregated(ax: Axes, rows: Sequence[Any], scale: float, placer: _Placer) -> None:
    """One circle per grid cell of the page, sized and labelled by its number of events."""
    xy = np.array([(r.geometry.x, r.geometry.y) for r in rows])
    disp = ax.transData.transform(xy)
    cell = AGGREGATE_CELL_PT * scale
    keys = np.floor(disp / cell).astype(np.int64)
    cells: dict[tuple[int, int], list[int]] = {}
    for i, key in enumerate(map(tuple, keys)):
        cells.setdefault((int(key[0]), int(key[1])), []).append(i)
    inverse = ax.transData.inverted()
    for members in cells.values():
        cx, cy = inverse.transform(disp[members].mean(axis=0))
        count = len(members)
        size_pt = min(10 + 2.5 * math.sqrt(count), AGGREGATE_CELL_PT * 1.2)
        ax.scatter([cx], [cy], s=size_pt**2, marker="o", facecolors="#444444",
                   edgecolors="white", linewidths=0.8, alpha=0.85, zorder=10)  # fmt: skip
        ax.annotate(f"{count:,}", (cx, cy), ha="center", va="center", fontsize=6.5,
                    color="white", fontweight="bold", zorder=11)  # fmt: skip
        px, py = ax.transData.transform((cx, cy))
        half = size_pt * scale / 2
        placer.block(Bbox.from_extents(px - half, py - half, px + half, py + half))


class _Placer:
    """Greedy label placement in display space, avoiding earlier labels and obstacles."""

    def __init__(self, ax: Axes, renderer: RendererBase) -> None:
        self.ax = ax
        self.renderer = renderer
        self.taken: list[Bbox] = []
        self.area = ax.get_window_extent(renderer)
        self.px_per_pt = float(renderer.points_to_pixels(72.0)) / 72  # type: ignore[arg-type]

    def block(self, bbox: Bbox) -> None:
        self.taken.append(bbox)

    def _cost(self, bbox: Bbox) -> float:
        cost = 0.0
        for other in self.taken:
            w = min(bbox.x1, other.x1) - max(bbox.x0, other.x0)
            h = min(bbox.y1, other.y1) - max(bbox.y0, other.y0)
            if w > 0 and h > 0:
                cost += w * h
        inside = Bbox.intersection(bbox, self.area)
        outside = bbox.width * bbox.height - (inside.width * inside.height if inside else 0)
        return cost + 4 * outside

    def place(
        self,
        text: str,
        x: float,
        y: float,
        radius_pt: float,
        *,
        optional: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Put ``text`` next to data point (x, y), clear of a marker of ``radius_pt``."""
        directions: list[tuple[float, float]] = [(0, 0)] if radius_pt == 0 else []
        directions += [(1, 0), (-1, 0), (0.75, 0.75), (0.75, -0.75), (-0.75, 0.75),
                      (-0.75, -0.75), (0, 1), (0, -1)]  # fmt: skip
        align = {1: "left", -1: "right", 0: "center"}
        valign = {1: "bottom", -1: "top", 0: "center"}
        best: tuple[float, Any] | None = None
        for extra in (0.0, 14.0, 32.0, 56.0, 84.0):
            for ux, uy in directions:
                gap = radius_pt + 3 + extra
                leader: dict[str, Any] = (
                    {"arrowprops": {"arrowstyle": "-", "color": _MUTED, "linewidth": 0.6,
                                    "shrinkA": 0, "shrinkB": radius_pt}}
                    if extra else {}
                )  # fmt: skip
                ann = self.ax.annotate(
                    text, (x, y), xytext=(ux * gap, uy * gap), textcoords="offset points",
                    ha=align[int(np.sign(ux))], va=valign[int(np.sign(uy))], **leader, **kwargs,
                )  # fmt: skip
                bbox = self.extent(ann)
                cost = self._cost(bbox)
                if cost == 0:
                    if best is not None:
                        best[1].remove()
                    self.taken.append(bbox)
                    return ann
                if best is None or cost < best[0]:
                    if best is not None:
                        best[1].remove()
                    best = (cost, ann)
                else:
                    ann.remove()
        assert best is not None
        if optional:
            best[1].remove()
            return None
        self.taken.append(self.extent(best[1]))
        return best[1]

    def place_inside(self, text: str, geom: Any, *, min_inside: float = 0.9, **kwargs: Any) -> Any:
        """Put ``text`` centred on a free spot inside polygon ``geom``, or nowhere."""
        if geom.is_empty:
            return None
        parts = sorted(getattr(geom, "geoms", [geom]), key=lambda g: -g.area)
        spots: list[tuple[float, float]] = []
        for part in parts:  # the largest part first (mainland before exclaves)
            pt = part.representative_point()
            spots.append((pt.x, pt.y))
            minx, miny, maxx, maxy = part.bounds
            for fy in (0.5, 0.3, 0.7, 0.15, 0.85):
                for fx in (0.5, 0.3, 0.7, 0.15, 0.85):
                    x, y = minx + fx * (maxx - minx), miny + fy * (maxy - miny)
                    if part.contains(Point(x, y)):
                        spots.append((x, y))
        for x, y in spots:
            ann = self.ax.annotate(text, (x, y), ha="center", va="center", **kwargs)
            bbox = self.extent(ann)
            (x0, y0), (x1, y1) = self.ax.transData.inverted().transform(bbox.get_points())
            footprint = box(x0, y0, x1, y1)  # mostly inside (slivers and holes allowed)
            inside = geom.intersection(footprint).area >= min_inside * footprint.area
            if inside and self._cost(bbox) == 0:
                self.taken.append(bbox)
                return ann
            ann.remove()
        return None

    def extent(self, ann: Any) -> Bbox:
        """Window extent of a label's text with its background box and a small gap.

        The leader line is left out: an annotation's own extent spans its arrow, which
        would make every label moved away on a leader line collide with what it passes.
        """
        pad = (0.3 * float(ann.get_fontsize()) + 1.5) * self.px_per_pt
        if hasattr(ann, "update_positions"):  # an Annotation: place its text first
            ann.update_positions(self.renderer)
        return Text.get_window_extent(ann, self.renderer).padded(pad)


def _clusters(points: np.ndarray, sizes: np.ndarray, gap_px: float) -> list[list[int]]:
    """Group points whose markers would touch (single linkage, in display pixels)."""
    n = len(points)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            limit = (sizes[i] + sizes[j]) / 2 + gap_px
            if np.hypot(*(points[i] - points[j])) < limit:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _area_geometry(row: Any, admin: AdminUnits) -> Any:
    """The admin area an event is known only to lie in (where_prec 3: district, else region)."""
    order = [("district_id", admin.districts), ("region_id", admin.regions)]
    if int(row.get("where_prec", 3)) >= 4:
        order.reverse()
    for column, frame in order:
        key = row.get(column)
        if isinstance(key, str) and key and column in frame:
            hit = frame[frame[column] == key]
            if len(hit):
                return hit.to_crs(DRAW_CRS).union_all()
    return None


def _handler_circle(
    legend: Any,
    orig_handle: Any,
    xdescent: float,
    ydescent: float,
    width: float,
    height: float,
    fontsize: float,
) -> Circle:
    return Circle((width / 2 - xdescent, height / 2 - ydescent), height * 0.75)


_NOUNS: dict[str, tuple[str, str]] = {
    "Battles": ("battle", "battles"),
    "Explosions/Remote violence": ("explosion / remote attack", "explosions / remote attacks"),
    "Protests": ("protest", "protests"),
    "Riots": ("riot", "riots"),
    "Violence against civilians": ("attack on civilians", "attacks on civilians"),
    "Strategic developments": ("strategic development", "strategic developments"),
}


def _count_types(rows: Sequence[Any]) -> str:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["event_type"]] = counts.get(r["event_type"], 0) + 1
    return ", ".join(f"{n} {_NOUNS[t][n != 1]}" for t, n in counts.items())


def _size_steps(top: int) -> list[int]:
    """0, a round middle value and the largest figure shown (distinct, increasing)."""
    if top <= 0:
        return [0]
    steps = [0]
    middle = _nice_length(top / 4) if top >= 8 else 0
    if middle and middle * 2 <= top:
        steps.append(int(middle))
    steps.append(top)
    return steps


def _stack_legends(
    ax: Axes, renderer: RendererBase, sections: list[tuple[str, list[Any], list[str], float]]
) -> None:
    """Legends one under the other in the side panel, each with a bold title."""
    y = 1.0
    box = ax.get_window_extent(renderer)
    for title, handles, labels, spacing in sections:
        if not handles:
            continue
        leg = ax.legend(
            handles, labels, title=title, loc="upper left", bbox_to_anchor=(0.0, y),
            frameon=False, fontsize=9, title_fontproperties={"weight": "bold", "size": 10},
            alignment="left", handlelength=2.2, handleheight=1.4, labelspacing=spacing,
            borderaxespad=0, borderpad=0,
            handler_map={Circle: HandlerPatch(patch_func=_handler_circle)},
        )  # fmt: skip
        ax.add_artist(leg)
        height = leg.get_window_extent(renderer).height
        y -= height / box.height + 0.035


def _legend(
    ax: Axes,
    renderer: RendererBase,
    events: pd.DataFrame,
    scope: MapScope,
    has_area: bool,
    has_halo: bool,
    has_exact: bool,
    point_deaths: Sequence[int],
) -> None:
    sections: list[tuple[str, list[Any], list[str], float]] = []
    if len(events):
        types = [t for t in EVENT_TYPE_COLORS if (events["event_type"] == t).any()]
        sections.append((
            "Event type",
            [Line2D([], [], linestyle="none", marker=EVENT_TYPE_MARKERS[t], markersize=10,
                    markerfacecolor=EVENT_TYPE_COLORS[t], markeredgecolor=_MARKER_EDGE,
                    markeredgewidth=0.8) for t in types],
            [EVENT_TYPE_LABELS[t] for t in types],
            0.6,
        ))  # fmt: skip
        handles: list[Any] = []
        labels: list[str] = []
        if has_exact:
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="o",
                    markersize=8,
                    markerfacecolor="#bbbbbb",
                    markeredgecolor=_MARKER_EDGE,
                )
            )
            labels.append("Exact place")
        if has_halo:
            handles.append(
                Circle(
                    (0, 0),
                    1,
                    facecolor="white",
                    edgecolor=_TEXT,
                    linestyle=(0, (3, 2)),
                    linewidth=1.0,
                )
            )
            labels.append("Near the named place, or\nonly an area known (dashed ring)")
        if has_area:
            handles.append(Patch(facecolor="none", edgecolor=_TEXT, hatch="///", linewidth=0.8))
            labels.append("Only the district or\nprovince is known\n(hatched area, no pin)")
        sections.append(("Where (precision)", handles, labels, 0.6))
        if len(point_deaths):
            top = int(max(point_deaths))
            steps = _size_steps(min(top, MARKER_CAP_DEATHS))
            sections.append((
                "Deaths (best estimate)",
                [Line2D([], [], linestyle="none", marker="o", markersize=_marker_pt(v),
                        markerfacecolor="#bbbbbb", markeredgecolor=_MARKER_EDGE,
                        markeredgewidth=0.8) for v in steps],
                ["none claimed" if v == 0
                 else f"{v:,} or more\n(largest: {top:,})" if v == MARKER_CAP_DEATHS < top
                 else f"{v:,}" for v in steps],
                max(0.6, _marker_pt(steps[-1]) / 9 - 0.6),
            ))  # fmt: skip
    handles = []
    labels = []
    if scope.level in ("region", "district"):
        handles.append(Patch(facecolor=_FOCUS_FILL, edgecolor=_FOCUS_EDGE, linewidth=2.0))
        labels.append(_wrap(scope.label, 26))
        handles.append(Patch(facecolor=_CONTEXT_FILL, edgecolor=BOUNDARY_COLOR, linewidth=0.6))
        labels.append("Neighbouring areas")
    else:
        handles.append(Patch(facecolor=_FOCUS_FILL, edgecolor=BOUNDARY_COLOR, linewidth=0.6))
        labels.append("Regions / districts")
    handles.append(Line2D([], [], color=_COUNTRY_EDGE, linewidth=1.6))
    labels.append("Country border")
    sections.append(("Map", handles, labels, 0.6))
    _stack_legends(ax, renderer, sections)


def _draw_base(ax: Axes, admin: AdminUnits, scope: MapScope, frame_geom: Any) -> None:
    regions = admin.regions.to_crs(DRAW_CRS)
    countries = countries_frame(admin).to_crs(DRAW_CRS)
    focused = scope.level in ("region", "district")
    countries.plot(ax=ax, facecolor=_CONTEXT_FILL if focused else _FOCUS_FILL,
                   edgecolor="none", zorder=1)  # fmt: skip
    regions.plot(ax=ax, facecolor="none", edgecolor=BOUNDARY_COLOR, linewidth=0.5, zorder=2)
    if focused:
        focus = gpd.GeoSeries([scope.geometry], crs=DRAW_CRS)
        focus.plot(ax=ax, facecolor=_FOCUS_FILL, edgecolor="none", zorder=1.5)
        districts = admin.districts.to_crs(DRAW_CRS)
        inner = districts[districts.intersects(scope.geometry.buffer(-200))]
        if scope.level == "region" and len(inner) > 1:
            inner.plot(ax=ax, facecolor="none", edgecolor="#9a9a9a", linewidth=0.4,
                       linestyle=(0, (2, 2)), zorder=2)  # fmt: skip
        focus.boundary.plot(ax=ax, color=_FOCUS_EDGE, linewidth=2.2, zorder=4)
    countries.boundary.plot(ax=ax, color=_COUNTRY_EDGE, linewidth=1.4, zorder=3)


def _draw_area_labels(
    placer: _Placer,
    admin: AdminUnits,
    scope: MapScope,
    frame_geom: Any,
    *,
    names: bool = True,
    regions_in_view: bool = True,
) -> None:
    """Names of the focus area and the countries (``names``), then of the regions in view.

    The country names are drawn first, before any event label, and always: when no free
    spot inside the country is found, the name goes on its largest part anyway.
    """
    regions = admin.regions.to_crs(DRAW_CRS)
    countries = countries_frame(admin).to_crs(DRAW_CRS)
    inner = frame_geom.buffer(-0.04 * math.sqrt(frame_geom.area))
    focused = scope.level in ("region", "district")
    italic: dict[str, Any] = {"fontstyle": "italic", "zorder": 6}
    if names and focused:
        placer.place_inside(str(scope.name), scope.geometry.intersection(inner), fontsize=10,
                            color=_TEXT, fontweight="bold", **italic)  # fmt: skip
    for _, row in countries.iterrows() if names else ():
        part = row.geometry.intersection(inner)
        if focused:
            part = part.difference(scope.geometry)
        if part.is_empty:
            continue
        name = str(row.get("name") or COUNTRIES.get(row["country"], row["country"])).upper()
        style: dict[str, Any] = {"fontsize": 12, "color": "#8a8a8a", "fontweight": "bold",
                                 "zorder": 5}  # fmt: skip
        if placer.place_inside(name, part, min_inside=0.5, **style) is None:
            largest = max(getattr(part, "geoms", [part]), key=lambda g: g.area)
            spot = largest.representative_point()
            placer.place(name, spot.x, spot.y, 0, **style)
    if not (focused and regions_in_view):
        return
    for _, row in regions.iterrows():
        if scope.level == "region" and row["region"] == scope.name:
            continue
        part = row.geometry.intersection(inner)
        if part.is_empty or part.area < 0.004 * frame_geom.area:
            continue
        placer.place_inside(str(row["region"]), part, fontsize=8, color=_MUTED, **italic)


def _event_label(rows: Sequence[Any]) -> str:
    """Every place of a group of markers, each whole (wrapped, never cut short)."""
    places: dict[str, int] = {}
    for r in rows:
        places[str(r["location"])] = places.get(str(r["location"]), 0) + 1
    lines = [p + (f" ({n})" if n > 1 else "") for p, n in places.items()]
    if len(lines) == 1:
        return _wrap(lines[0], 28)
    return "\n".join("• " + _wrap(line, 36).replace("\n", "\n   ") for line in lines)


def render_figure(
    data: Dataset,
    view: View,
    *,
    title: str | None = None,
    attribution: str | None = None,
    settings: Settings | None = None,
    dpi: float = 200,
    figsize: tuple[float, float] = FIGSIZE,
) -> Figure:
    """Draw the figure for ``view`` (see :func:`figure_bytes`) and return it, unsaved."""
    with drawing():
        return _draw_figure(
            data, view, title=title, attribution=attribution, settings=settings, dpi=dpi,
            figsize=figsize,
        )  # fmt: skip


def _draw_figure(
    data: Dataset,
    view: View,
    *,
    title: str | None,
    attribution: str | None,
    settings: Settings | None,
    dpi: float,
    figsize: tuple[float, float],
) -> Figure:
    """The body of :func:`render_figure`, run inside ``matplotlib.rc_context(_RC)``."""
    admin = data.require_admin("A printed map")
    scope = resolve_scope(view.region, admin, events=data.events, level=view.level)
    events = scope_events(data, view, scope)
    start, end = shown_period(view, events)
    credit = attribution if attribution is not None else print_attribution(settings)

    fig = Figure(figsize=figsize, dpi=dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    fig.text(0.03, 0.955, title or default_title(scope, start, end), fontsize=17,
             fontweight="bold", color=_TEXT, va="baseline")  # fmt: skip
    n = len(events)
    counts = f"{n} event{'s' if n != 1 else ''} recorded" if n else NO_EVENTS
    period = period_label(view.start, view.end)
    period = "all dates on record" if period == "all dates" else period
    fig.text(0.03, 0.92, f"Period: {period}  ·  {counts}",
             fontsize=11, color=_MUTED, va="baseline")  # fmt: skip

    ax = fig.add_axes((0.03, 0.14, 0.70, 0.755))
    side = fig.add_axes((0.765, 0.14, 0.22, 0.755))
    side.set_axis_off()
    ax.set_facecolor(_OUTSIDE)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor(_MUTED)
        spine.set_linewidth(0.8)

    pts = events.to_crs(DRAW_CRS) if len(events) else events
    extent_geom = scope.geometry
    if len(pts):
        extent_geom = extent_geom.union(pts.geometry.union_all())
    width_in = figsize[0] * 0.70
    height_in = figsize[1] * 0.755
    x0, x1, y0, y1 = _frame_extent(extent_geom, width_in / height_in)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="datalim")
    frame_geom = box(x0, y0, x1, y1)

    _draw_base(ax, admin, scope, frame_geom)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)

    renderer = canvas.get_renderer()
    placer = _Placer(ax, renderer)

    # Areas for events whose place is known only to district/province level.
    area_rows = [r for _, r in pts.iterrows() if int(r["geo_precision"]) == 3] if len(pts) else []
    point_rows = [r for _, r in pts.iterrows() if int(r["geo_precision"]) != 3] if len(pts) else []
    areas: dict[str, tuple[Any, list[Any]]] = {}
    for r in area_rows:
        geom = _area_geometry(r, admin)
        if geom is None:  # no polygon to hatch: fall back to a ringed point
            point_rows.append(r)
            continue
        key = geom.wkb_hex
        areas.setdefault(key, (geom, []))[1].append(r)
    hatches = ["///", "\\\\\\", "|||", "---"]
    axes_box = ax.get_window_extent(renderer)
    for geom, rows in areas.values():
        gx0, gy0, gx1, gy1 = geom.intersection(frame_geom).bounds
        corners = ax.transData.transform([(gx0, gy0), (gx1, gy1)])
        small = Bbox(corners)
        if small.width < 0.2 * axes_box.width and small.height < 0.2 * axes_box.height:
            placer.block(small)  # keep labels off small hatched areas
            etype = rows[0]["event_type"]
            gpd.GeoSeries([geom], crs=DRAW_CRS).boundary.plot(
                ax=ax, color=EVENT_TYPE_COLORS[etype], linewidth=1.6, zorder=7
            )
        for i, etype in enumerate(dict.fromkeys(r["event_type"] for r in rows)):
            gpd.GeoSeries([geom], crs=DRAW_CRS).plot(
                ax=ax, facecolor="none", edgecolor=EVENT_TYPE_COLORS[etype],
                hatch=hatches[i % len(hatches)], linewidth=0.6, zorder=7,
            )  # fmt: skip

    # Very many point events: one counted circle per grid cell instead of one marker each
    # (placing thousands of markers and labels takes minutes and shows nothing readable).
    aggregated = len(point_rows) > PRINT_MARKER_LIMIT
    if aggregated:
        _draw_aggregated(ax, point_rows, dpi / 72, placer)
        point_rows = []
    # Point events: clusters of touching markers are spread around their centre.
    items = [
        _Item(r, r.geometry.x, r.geometry.y, _marker_pt(r["deaths_best"]),
              int(r["geo_precision"]) == 2 or (int(r["geo_precision"]) == 3))
        for r in point_rows
    ]  # fmt: skip
    scale = dpi / 72
    if items:
        disp = ax.transData.transform(np.array([(i.x, i.y) for i in items]))
        sizes = np.array([i.size_pt * (1.7 if i.halo else 1.0) for i in items]) * scale
        groups = _clusters(disp, sizes, gap_px=4 * scale)
    else:
        groups = []
    for group in groups:
        members = sorted((items[i] for i in group), key=lambda it: -it.size_pt)
        if len(members) > 1:
            ring = max(m.size_pt * (1.7 if m.halo else 1.0) for m in members) * (
                0.55 + 0.09 * len(members)
            )
            cx = float(np.mean([m.x for m in members]))
            cy = float(np.mean([m.y for m in members]))
            for k, m in enumerate(members):
                a = math.pi / 2 + 2 * math.pi * k / len(members)
                m.x, m.y = cx, cy
                m.dx_pt, m.dy_pt = ring * math.cos(a), ring * math.sin(a)
            outer = ring + max(m.size_pt for m in members) * 0.9
        else:
            outer = members[0].size_pt * (0.85 if members[0].halo else 0.5)
        if len(members) > 1:  # leader lines to a dot at the true location
            sx, sy = ax.transData.transform((members[0].x, members[0].y))
            for m in members:
                ax.plot([sx, sx + m.dx_pt * scale], [sy, sy + m.dy_pt * scale], color=_TEXT,
                        linewidth=0.8, zorder=8, transform=IdentityTransform())  # fmt: skip
            ax.scatter([members[0].x], [members[0].y], s=16, color=_TEXT, zorder=11)
        for m in members:
            offset = ScaledTranslation(m.dx_pt / 72, m.dy_pt / 72, fig.dpi_scale_trans)
            etype = m.row["event_type"]
            if m.halo:
                ax.scatter([m.x], [m.y], s=(m.size_pt * 1.7) ** 2, marker="o",
                           facecolors="none", edgecolors=_TEXT, linewidths=1.0,
                           linestyles=(0, (3, 2)), alpha=0.9, zorder=9,
                           transform=ax.transData + offset)  # fmt: skip
            ax.scatter([m.x], [m.y], s=m.size_pt**2, marker=EVENT_TYPE_MARKERS[etype],
                       facecolors=EVENT_TYPE_COLORS[etype], edgecolors=_MARKER_EDGE,
                       linewidths=0.8, zorder=10, transform=ax.transData + offset)  # fmt: skip
        cx_disp, cy_disp = ax.transData.transform((members[0].x, members[0].y))
        half = outer * scale
        placer.block(Bbox.from_extents(cx_disp - half, cy_disp - half,
                                       cx_disp + half, cy_disp + half))  # fmt: skip

    # Fixed furniture is an obstacle for labels.
    _draw_scale_bar(ax)
    _draw_north_arrow(ax)
    bb = ax.get_window_extent(renderer)
    placer.block(Bbox.from_extents(bb.x0, bb.y0, bb.x0 + 0.3 * bb.width, bb.y0 + 0.13 * bb.height))
    placer.block(Bbox.from_extents(bb.x1 - 0.1 * bb.width, bb.y1 - 0.22 * bb.height,
                                   bb.x1, bb.y1))  # fmt: skip
    if not n:
        msg = ax.text(0.5, 0.5, NO_EVENTS.capitalize(), transform=ax.transAxes, ha="center",
                      va="center", fontsize=14, color=_TEXT, zorder=30,
                      bbox={"boxstyle": "round,pad=0.6", "facecolor": "white",
                            "edgecolor": _MUTED, "alpha": 0.95})  # fmt: skip
        placer.block(msg.get_window_extent(renderer))

    label_style: dict[str, Any] = {
        "fontsize": 8.5, "color": _TEXT, "zorder": 12,
        "bbox": {"boxstyle": "round,pad=0.18", "facecolor": "white", "edgecolor": "none",
                 "alpha": 0.85},
    }  # fmt: skip
    _draw_area_labels(placer, admin, scope, frame_geom, regions_in_view=False)
    for group in groups:
        first = items[group[0]]
        outer_pt = max(items[i].size_pt for i in group) * (0.9 if len(group) == 1 else 1.4)
        if len(group) > 1:
            outer_pt += max(abs(items[i].dx_pt) + abs(items[i].dy_pt) for i in group) * 0.7
        placer.place(_event_label([items[i].row for i in group]), first.x, first.y,
                     outer_pt * 0.5 + 2, **label_style)  # fmt: skip
    for geom, rows in areas.values():
        inner = geom.intersection(frame_geom)
        if inner.is_empty:
            continue
        pt = inner.representative_point()
        names = list(dict.fromkeys(str(r["location"]) for r in rows))
        if len(names) > AREA_NAMES_SHOWN:
            names = [*names[:AREA_NAMES_SHOWN], f"and {len(names) - AREA_NAMES_SHOWN:,} more"]
        text = _wrap("; ".join(names), 40)
        text += f"\n{_count_types(rows)}, exact place unknown"
        deaths = sum(int(r["deaths_best"]) for r in rows)
        if deaths:
            text += f"\ndeaths (best estimate): {deaths:,}"
        style = {**label_style, "fontstyle": "italic"}
        inner_frame = frame_geom.buffer(-0.03 * math.sqrt(frame_geom.area))
        if placer.place_inside(text, inner.intersection(inner_frame), **style) is None:
            placer.place(text, pt.x, pt.y, 0, **style)
    _draw_area_labels(placer, admin, scope, frame_geom, names=False)

    ax.set_xlabel("")
    ax.set_ylabel("")
    _legend(side, renderer, events, scope, has_area=bool(areas),
            has_halo=any(i.halo for i in items),
            has_exact=any(not i.halo for i in items),
            point_deaths=[int(i.row["deaths_best"]) for i in items])  # fmt: skip
    if aggregated:
        side.text(0.0, 0.0, _wrap(AGGREGATED_NOTE.format(limit=PRINT_MARKER_LIMIT), 34),
                  transform=side.transAxes, fontsize=8, color=_TEXT, va="bottom")  # fmt: skip

    wrapped = textwrap.fill(credit, width=int(figsize[0] * 18.5))
    fig.text(0.03, 0.012, wrapped, fontsize=6.5, color=_MUTED, va="bottom", ha="left",
             linespacing=1.35)  # fmt: skip
    fig.text(0.985, 0.905, "WGS 84 / UTM 38N · no basemap", fontsize=7, color=_MUTED,
             ha="right", va="baseline")  # fmt: skip
    return fig


def output_format(out: Path | None, fmt: str | None) -> Fmt:
    """The format asked for, or the one the file suffix names.

    Raises
    ------
    FigureFormatError
        For anything but png, pdf or svg.
    """
    name = fmt if fmt is not None else (out.suffix.lstrip(".") if out is not None else "png")
    name = name.lower()
    if name not in FORMATS:
        where = f"{out}: " if out is not None else ""
        raise FigureFormatError(f"{where}unknown figure format {name!r}; use .png, .pdf or .svg")
    return name  # type: ignore[return-value]


def save_figure(fig: Figure, fmt: Fmt, *, dpi: float, title: str | None = None) -> bytes:
    """Render ``fig`` to bytes, text kept as text in SVG and PDF, no timestamps."""
    metadata: dict[str, Any]
    if fmt == "png":
        metadata = {"Software": "conflictmap"}
    elif fmt == "pdf":
        metadata = {"Creator": "conflictmap", "CreationDate": None, "Title": title}
    else:
        metadata = {"Creator": "conflictmap", "Date": None, "Title": title}
    buf = io.BytesIO()
    with drawing():
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata)
    return buf.getvalue()


def figure_bytes(
    data: Dataset,
    view: View,
    *,
    fmt: str = "png",
    title: str | None = None,
    dpi: float = 200,
    attribution: str | None = None,
    settings: Settings | None = None,
    figsize: tuple[float, float] = FIGSIZE,
) -> bytes:
    """A printable map of one view, a region (or both countries) and a period, as file bytes.

    Parameters
    ----------
    data
        The joined dataset (:func:`geo.dataset.load_dataset`); needs its boundaries.
    view
        ``view.region`` names a region or district as spelled in the boundary
        data (case-insensitive; ``None`` or ``"all"``: both countries);
        ``view.start``/``view.end`` the period; the other filters apply as in the app.
    fmt
        ``"png"``, ``"pdf"`` or ``"svg"``.
    title
        Default: e.g. "Tavush: clashes and protests, 12–16 July 2020".
    dpi
        Raster resolution; the PNG is ``figsize × dpi`` pixels.
    attribution
        Attribution text; default: :func:`geo.credits.print_attribution` from ``settings``.

    Raises
    ------
    UnknownRegionError
        If the region is not in the data.
    FigureFormatError
        For an output format other than png, pdf or svg.
    BoundaryDataError
        If the dataset has no boundaries.
    """
    chosen = output_format(None, fmt)
    fig = render_figure(
        data, view, title=title, attribution=attribution, settings=settings, dpi=dpi,
        figsize=figsize,
    )  # fmt: skip
    shown_title = fig.texts[0].get_text() if fig.texts else None
    return save_figure(fig, chosen, dpi=dpi, title=shown_title)


def make_figure(
    data: Dataset,
    view: View,
    out: Path | str,
    *,
    fmt: str | None = None,
    title: str | None = None,
    dpi: float = 200,
    attribution: str | None = None,
    settings: Settings | None = None,
    figsize: tuple[float, float] = FIGSIZE,
) -> Path:
    """Write :func:`figure_bytes` to ``out`` atomically (format from ``fmt`` or the suffix)."""
    target = Path(out)
    payload = figure_bytes(
        data, view, fmt=output_format(target, fmt), title=title, dpi=dpi,
        attribution=attribution, settings=settings, figsize=figsize,
    )  # fmt: skip
    return atomic_write_bytes(target, payload)
