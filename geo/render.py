"""The browser map: events, drawn precision, time player and region choropleth as folium objects.

The only module that imports folium. Each event is sent once, compactly
(:func:`event_properties`): short keys, repeated texts as indexes into one lookup
table per map (:class:`PopupData`). Every text from the data is HTML-escaped (and its
braces neutralised) here, once, and the JSON holding it escaped so that nothing can
close the script; in the browser, :data:`POPUP_JS` turns it back into plain text and
builds tooltips, and a popup when it is opened, with DOM calls only (no markup is
ever parsed from the data). Hooks a browser test can rely on:

``#conflictmap-timeline``
    The time control (Leaflet.timeline). Inside it: ``button.play``,
    ``button.pause``, ``button.prev``, ``button.next``, the slider
    ``input.time-slider`` and the shown day ``output.time-text`` (``YYYY-MM-DD``, UTC).
``#conflictmap-legend``, ``#conflictmap-choropleth-legend``
    The event legend and the choropleth legend.
"""

from __future__ import annotations

import base64
import html
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import Timeline, TimelineSlider
from folium.template import Template
from folium.utilities import JsCode, get_bounds

from geo._errors import CRSMismatchError
from geo.assets import localize_links
from geo.boundaries import METRIC_CRS
from geo.classify import class_breaks, class_colors, class_label, class_of
from geo.credits import PLACES_CREDIT
from geo.events import (
    COUNTRIES,
    GEO_PRECISION,
    TIME_PRECISION,
    WHERE_PREC,
    Claim,
)
from geo.period import data_span, to_day
from geo.style import (
    BOUNDARY_COLOR,
    EVENT_TYPE_COLORS,
    EVENT_TYPE_LABELS,
    NO_DATA_COLOR,
    marker_radius,
)
from geo.summary import totals_with_units
from geo.text import BRACES, is_missing
from geo.text import html_text as esc
from geo.view import MEASURE_LABELS, View

if TYPE_CHECKING:
    from geo.mapdata import EventDataFiles

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


# --------------------------------------------------------------------------- features


def _ms(day: Any) -> int:
    """Milliseconds since the epoch of a day's UTC midnight."""
    return int(pd.Timestamp(_day(day)).value // 1_000_000)


class PopupData:
    """What the events of one map share, each sent to the browser once.

    ``strings`` is the lookup table of repeated texts (types, regions, actors,
    claimants, outlets, seeds, ...), referenced from the events by index; ``sources``
    holds each distinct source once (a list of string indexes); ``shapes`` each region
    outline drawn for region-level events. Every string is stored :func:`esc`-aped (no
    markup, no brace): the browser turns it back into plain text and shows it only as
    text.
    """

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.sources: list[list[int | None]] = []
        self.shapes: dict[str, Any] = {}
        self._strings: dict[str, int] = {}
        self._sources: dict[tuple[int | None, ...], int] = {}

    def ref(self, value: Any) -> int | None:
        """Index of ``value`` (as escaped text) in :attr:`strings`; ``None`` when blank."""
        if _blank(value):
            return None
        text = esc(value)
        index = self._strings.get(text)
        if index is None:
            index = self._strings[text] = len(self.strings)
            self.strings.append(text)
        return index

    def source_ref(self, source: Mapping[str, Any]) -> int:
        """Index of a source in :attr:`sources`: ``[outlet, when, reported, cites, seed, url]``."""
        cites = source.get("cites")
        record = (
            self.ref(source.get("outlet")),
            self.ref(source.get("published"))
            if not _blank(source.get("published"))
            else self.ref(source.get("published_note")),
            self.ref(source.get("reported")),
            self.ref(", ".join(map(str, cites)) if cites else None),
            self.ref(source.get("seed")),
            self.ref(source.get("url")),
        )
        index = self._sources.get(record)
        if index is None:
            index = self._sources[record] = len(self.sources)
            self.sources.append(list(record))
        return index

    def payload(self) -> dict[str, Any]:
        """The table, sources, outlines and the fixed labels, as sent to the page."""
        return {
            "s": self.strings,
            "src": self.sources,
            "shapes": jinja_safe(self.shapes),
            "labels": EVENT_TYPE_LABELS,
            "colors": EVENT_TYPE_COLORS,
            "geo": {str(k): v for k, v in GEO_PRECISION.items()},
            "time": {str(k): v for k, v in TIME_PRECISION.items()},
            "where": {str(k): v for k, v in WHERE_PREC.items()},
        }


def _trim(values: list[Any]) -> list[Any]:
    while values and values[-1] is None:
        values.pop()
    return values


def _claims_data(
    claims: Iterable[Mapping[str, Any]], sources: Iterable[Mapping[str, Any]], data: PopupData
) -> list[list[int | None]]:
    """Each claim as ``[figure, measure, whose, claimant, source, disputed_by, included_in,
    note]`` (indexes into ``data.strings``; trailing blanks left out)."""
    by_id = {s.get("id"): s for s in sources}
    out = []
    for raw in claims:
        claim = Claim.model_validate(raw)
        source = by_id.get(claim.source, {})
        source_text = str(source.get("outlet") or claim.source)
        if source.get("seed"):
            source_text += f" (seed {source['seed']})"
        if claim.via:
            source_text += f" via {claim.via}"
        whose = claim.subject
        if claim.side != "any" or claim.group != "any":
            whose += f" ({claim.side}, {claim.group})"
        out.append(
            _trim(
                [
                    data.ref(claim.display_value()),
                    data.ref(claim.measure),
                    data.ref(whose),
                    data.ref(f"{claim.claimant} ({claim.claimant_type})"),
                    data.ref(source_text),
                    data.ref(claim.disputed_by),
                    data.ref(claim.included_in),
                    data.ref(claim.note),
                ]
            )
        )
    return out


def event_properties(
    event_id: Any, row: Mapping[str, Any], data: PopupData, *, places: PlaceLookup | None = None
) -> dict[str, Any]:
    """One event's facts for the browser, compact: short keys, repeated texts as indexes.

    The browser builds the tooltip and, when it is opened, the popup from these
    (``what``: ``t`` type, ``u`` sub-type, ``n`` notes; ``where``: ``l`` location as
    reported, ``pn`` place names, ``co``/``rg``/``di`` country, region, district,
    ``jm``/``jd`` join method and distance, ``an`` join note, ``g``/``wp`` precisions,
    ``ln`` how the point was chosen; ``when``: ``d`` first and last day, ``tp`` time
    precision; ``a`` actors; ``x`` killed and injured low/best/high; ``cl`` claims;
    ``so`` sources). ``start``/``end`` are the UTC milliseconds Leaflet.timeline shows
    the event in; ``r`` the marker radius.
    """
    first, last = _day(row["date_start"]), _day(row["date_end"])
    where_p = row.get("where_prec")
    distance = row.get("join_distance_m")
    sources = list(row.get("sources") or [])
    props: dict[str, Any] = {
        "id": esc(event_id),
        "start": _ms(first),
        "end": _ms(last) + DAY_MS - 1,
        "g": int(row["geo_precision"]),
        "ao": int(row.get("join_method") == "area"),
        "r": round(marker_radius(int(row["deaths_best"])), 2),
        "t": data.ref(row["event_type"]),
        "u": data.ref(row.get("sub_event_type")),
        "ep": data.ref(row.get("episode_title")),
        "n": esc(row.get("notes")),
        "l": data.ref(row.get("location")),
        "pn": data.ref(_place_names_text(row, places)),
        "co": data.ref(_country_name(row.get("country"))),
        "rg": data.ref(row.get("region")),
        "di": data.ref(row.get("district")),
        "jm": data.ref(row.get("join_method")),
        "jd": round(float(distance))
        if isinstance(distance, int | float) and not _blank(distance) and distance > 0
        else None,
        "an": data.ref(row.get("admin_note")),
        "wp": None if where_p is None or _blank(where_p) else int(where_p),
        "ln": esc(row.get("location_note")) or None,
        "d": [first.isoformat()] if first == last else [first.isoformat(), last.isoformat()],
        "tp": int(row["time_precision"]),
        "a": [
            data.ref(row.get(c))
            for c in ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")
            if not _blank(row.get(c))
        ],
        "x": [
            int(row[f"{kind}_{level}"])
            for kind in ("deaths", "injured")
            for level in ("low", "best", "high")
        ],
        "cl": _claims_data(row.get("claims") or [], sources, data),
        "so": [data.source_ref(s) for s in sources],
    }
    return {k: v for k, v in props.items() if v is not None and v != "" and v != []}


def event_features(
    events: pd.DataFrame, data: PopupData, *, places: PlaceLookup | None = None
) -> list[dict[str, Any]]:
    """One GeoJSON point feature per event with :func:`event_properties`.

    ``start``/``end`` are UTC milliseconds covering the whole of ``date_start`` ..
    ``date_end`` (Leaflet.timeline shows a feature while the time is in that interval).
    Strings shared by events go to ``data``.
    """
    return [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [float(row["longitude"]), float(row["latitude"])],
            },
            "properties": event_properties(event_id, row, data, places=places),
        }
        for event_id, row in zip(events.index, events.to_dict("records"), strict=True)
    ]


#: Outline of a region standing for events known only to region level.
AREA_STYLE = {
    "color": "#444444",
    "weight": 1.5,
    "dashArray": "6 4",
    "fillColor": "#444444",
    "fillOpacity": 0.08,
}


def _merge_intervals(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def area_features(events: pd.DataFrame, regions: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Outlines of the regions that events known only to region level (precision 3) fall in.

    One feature per region, however many such events it has: ``spans`` are the
    stretches of time (UTC milliseconds) in which at least one of them is going on
    (overlapping or touching date ranges merged), ``start``/``end`` the first and the
    last moment of those. Outlines are simplified for display (:func:`display_geometries`).
    Events the join put in no region get none.
    """
    coarse = events[(events["geo_precision"] == 3) & events["region_id"].notna()]
    if coarse.empty:
        return []
    known = set(regions["region_id"].astype(str))
    spans: dict[str, list[tuple[int, int]]] = {}
    for region_id, start, end in zip(
        coarse["region_id"].astype(str), coarse["date_start"], coarse["date_end"], strict=True
    ):
        if region_id in known:
            spans.setdefault(region_id, []).append((_ms(start), _ms(end) + DAY_MS - 1))
    if not spans:
        return []
    drawn = regions[regions["region_id"].astype(str).isin(spans)].drop_duplicates("region_id")
    shapes = dict(zip(drawn["region_id"].astype(str), display_geometries(drawn), strict=True))
    out: list[dict[str, Any]] = []
    for region_id in sorted(spans):
        merged = _merge_intervals(spans[region_id])
        out.append(
            {
                "type": "Feature",
                "geometry": shapes[region_id],
                "properties": {
                    "region_id": region_id,
                    "start": merged[0][0],
                    "end": max(end for _, end in merged),
                    "spans": [list(span) for span in merged],
                    "style": AREA_STYLE,
                },
            }
        )
    return out


# --------------------------------------------------------------------------- JS pieces

#: ``KIT`` is replaced by the name of the map's :class:`PopupKit`.
_POINT_TO_LAYER_JS = """
function (feature, latlng) {
    var p = feature.properties, color = KIT.color(p);
    var dot = L.circleMarker(latlng, {
        radius: p.r, color: "#222222", weight: 1,
        fillColor: color, fillOpacity: 0.85
    });
    if (p.ao === 1) {
        var zone = L.circle(latlng, {
            radius: AREA_RING, color: color, weight: 1.5, dashArray: "2 6",
            fillColor: color, fillOpacity: 0.06, interactive: false
        });
        return L.featureGroup([zone, dot]);
    }
    if (p.g === 2) {
        var halo = L.circle(latlng, {
            radius: HALO_RADIUS, color: color, weight: 1.5, dashArray: "4 4",
            fill: false, interactive: false
        });
        return L.featureGroup([halo, dot]);
    }
    return dot;
}
""".replace("HALO_RADIUS", str(HALO_RADIUS_M)).replace("AREA_RING", str(AREA_RING_RADIUS_M))
_BIND_TEXTS_JS = "function (feature, layer) { KIT.bind(feature, layer); }"
_BIND_TOOLTIP = JsCode(
    """
function (feature, layer) {
    layer.bindTooltip(feature.properties.tooltip, {sticky: true});
}
"""
)
#: The faint ring of an event for the rest of the period, from its marker's properties.
GHOST_STYLE = {"weight": 1.5, "opacity": 0.45, "fill": False, "interactive": False}
_GHOST_POINT_JS = """
function (feature, latlng) {
    var p = feature.properties;
    return L.circleMarker(latlng, L.extend({radius: p.r, color: KIT.color(p)}, GHOST_STYLE));
}
""".replace("GHOST_STYLE", json.dumps(GHOST_STYLE))
_AREA_STYLE = JsCode(f"function () {{ return {json.dumps(AREA_STYLE)}; }}")
_TIME_TEXT = JsCode("function (t) { return new Date(t).toISOString().slice(0, 10); }")


def _with_kit(js: str, kit: PopupKit) -> JsCode:
    return JsCode(js.replace("KIT", kit.get_name()))


#: Builds tooltips and popups from :func:`event_properties` in the browser, with DOM
#: calls only (createElement, createTextNode, textContent): no text from the data is
#: ever parsed as HTML. ``DATA`` is :meth:`PopupData.payload`. No double brace or
#: brace-percent/hash here: folium compiles this output as a Jinja template again.
POPUP_JS = r"""
(function (D) {
    var S = D.s;
    var ENT = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": "\"", "&#x27;": "'",
               "&#123;": "\u007b", "&#125;": "\u007d"};
    // the table holds escaped text (geo.render.esc); back to plain text, for textContent
    function plain(v) {
        return v == null ? "" : String(v).replace(
            /&(?:lt|gt|amp|quot|#x27|#123|#125);/g, function (m) { return ENT[m]; });
    }
    function str(i) { return i == null ? "" : plain(S[i]); }
    function el(tag, text, cls) {
        var e = document.createElement(tag);
        if (cls) { e.className = cls; }
        if (text) { e.appendChild(document.createTextNode(text)); }
        return e;
    }
    function put(parent, child) {
        parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
        return child;
    }
    function num(n) { return Number(n || 0).toLocaleString("en-US"); }
    function when(d) { return d.length > 1 ? d[0] + " to " + d[1] : d[0]; }
    function typeLabel(p) { var t = str(p.t); return D.labels[t] || t; }
    function field(dl, name, value) {
        if (!value) { return; }
        put(dl, el("dt", name));
        put(put(dl, el("dd")), value);
    }
    function tooltip(p) {
        var span = el("span");
        put(span, el("b", when(p.d)));
        var text = " \u00b7 " + typeLabel(p) + " \u00b7 " + str(p.l);
        if (p.x && p.x[1]) { text += " \u00b7 " + num(p.x[1]) + " killed (best)"; }
        put(span, text);
        return span;
    }
    var CLAIM_HEAD = ["Figure", "Measure", "Whose people", "Claimant", "Source"];
    var OPTIONAL = [[5, "Disputed by"], [6, "Counted in"]];
    function claimsTable(claims) {
        if (!claims || !claims.length) {
            return put(el("div"), el("i", "No casualty or other figures claimed."));
        }
        var optional = OPTIONAL.filter(function (o) {
            return claims.some(function (c) { return c[o[0]] != null; });
        });
        var table = el("table", "", "cm-claims"), head = put(table, el("tr"));
        CLAIM_HEAD.concat(optional.map(function (o) { return o[1]; })).forEach(function (h) {
            put(head, el("th", h));
        });
        claims.forEach(function (c) {
            var tr = put(table, el("tr")), figure = put(tr, el("td", str(c[0])));
            if (c[7] != null) { put(figure, el("br")); put(figure, el("small", str(c[7]))); }
            [1, 2, 3, 4].concat(optional.map(function (o) { return o[0]; })).forEach(function (k) {
                put(tr, el("td", str(c[k])));
            });
        });
        return table;
    }
    function sourceList(refs) {
        var ul = el("ul");
        (refs || []).forEach(function (r) {
            var s = D.src[r], li = put(ul, el("li"));
            put(li, el("b", str(s[0])));
            if (s[1] != null) { put(li, " (" + str(s[1]) + ")"); }
            put(li, " \u2014 " + str(s[2]));
            if (s[3] != null) { put(li, " \u00b7 cites " + str(s[3])); }
            if (s[4] != null) { put(li, " \u00b7 seed " + str(s[4])); }
            var url = str(s[5]);
            if (/^https?:\/\//i.test(url)) {
                put(li, " ");
                var a = put(li, el("a", "link"));
                a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer";
            } else if (url) {
                put(li, " \u00b7 " + url);
            }
        });
        return ul;
    }
    function popup(p) {
        var div = el("div", "", "cm-popup");
        put(div, el("h4", typeLabel(p) + ": " + str(p.u)));
        put(div, el("small", plain(p.id) + " \u00b7 " + str(p.ep)));
        put(div, el("p", plain(p.n)));
        var dl = put(div, el("dl"));
        field(dl, "Location as reported", str(p.l));
        field(dl, "Place names", str(p.pn));
        field(dl, "Country", str(p.co));
        var region = [str(p.rg), str(p.di)].filter(Boolean).join(" / ");
        var where = region ? el("span", region) : put(el("span"), el("i", "none"));
        if (p.jm != null) {
            var method = str(p.jm) + (p.jd ? ", " + num(p.jd) + " m" : "");
            put(where, " (spatial join: " + method + ")");
        }
        field(dl, "Region / district", where);
        field(dl, "Join note", str(p.an));
        field(dl, "Precision", p.g + ": " + (D.geo[p.g] || ""));
        if (p.wp) { field(dl, "UCDP where_prec", p.wp + ": " + (D.where[p.wp] || "")); }
        field(dl, "How the point was chosen", plain(p.ln));
        field(dl, "Date", when(p.d) + " (precision: " + (D.time[p.tp] || "") + ")");
        field(dl, "Actors", (p.a || []).map(str).join(", "));
        var x = p.x || [0, 0, 0, 0, 0, 0];
        field(dl, "Derived from the claims (low / best / high)",
              "killed " + num(x[0]) + " / " + num(x[1]) + " / " + num(x[2]) + "; injured " +
              num(x[3]) + " / " + num(x[4]) + " / " + num(x[5]));
        put(div, el("h5", "Claims"));
        put(div, claimsTable(p.cl));
        put(div, el("h5", "Sources"));
        put(div, sourceList(p.so));
        return div;
    }
    return {
        shapes: D.shapes,
        tooltip: tooltip,
        popup: popup,
        color: function (p) { return D.colors[str(p.t)] || "#777777"; },
        bind: function (feature, layer) {
            var p = feature.properties;
            layer.bindTooltip(function () { return tooltip(p); });
            layer.bindPopup(function () { return popup(p); }, {
                maxWidth: 520, maxHeight: 380, autoPanPaddingTopLeft: L.point(60, 150)
            });
        }
    };
})
"""


class PopupKit(MacroElement):
    """The map's :class:`PopupData` and the code that builds tooltips and popups from it.

    Added to the map before the event layers (they call it as they are built). The
    data is sent once per map; a popup is built in the browser when it is opened.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.code }}({{ this.data_js }});
        {% endmacro %}
        """
    )

    def __init__(self, data: PopupData | None = None) -> None:
        super().__init__()
        self._name = "PopupKit"
        self.data = data or PopupData()
        self.code = POPUP_JS.strip()

    @property
    def data_js(self) -> str:
        return _script_json(self.data.payload())


def _script_json(data: Any) -> str:
    """Compact JSON for a ``<script>``, escaped as folium's ``tojson`` escapes it.

    ``< > & '`` become ``\\u00XX`` (nothing can close the script element); no spaces
    after separators, which is a tenth of an outline's size. Strings from the data must
    already be :func:`jinja_safe`: folium compiles the rendered script as a template
    again, so a ``{{``, ``{%`` or ``{#`` here is refused.
    """
    text = (
        json.dumps(data, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )
    if any(mark in text for mark in ("{{", "{%", "{#")):
        raise ValueError("data for the map holds Jinja syntax; pass its strings through jinja_safe")
    return text


def _js_string(text: str) -> str:
    """A JavaScript string literal that cannot close a ``<script>`` element."""
    return (
        json.dumps(text)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
        .replace("{", "\\u007b")
        .replace("}", "\\u007d")
    )


class HtmlControl(MacroElement):
    """A Leaflet control holding fixed HTML (built here, escaped), e.g. a legend.

    Added to a map it stays; added to a layer it shows while that layer is on the map.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function (map) {
                var div = L.DomUtil.create("div", "leaflet-control cm-control");
                div.id = {{ this.dom_id|tojson }};
                div.innerHTML = {{ this.html_js }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                // a popup opening folds a <details> legend so it does not cover the popup
                map.on("popupopen", function () {
                    var details = div.querySelector("details");
                    if (details) { details.open = false; }
                });
                return div;
            };
            var target = {{ this._parent.get_name() }};
            if (target instanceof L.Map) {
                control.addTo(target);
            } else {
                if (target._map) { control.addTo(target._map); }
                target.on("add", function (e) { control.addTo(e.target._map); });
                target.on("remove", function () { control.remove(); });
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, *, dom_id: str, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.html = html_text
        self.html_js = _js_string(html_text)
        self.dom_id = dom_id
        self.position = position


class Attribution(MacroElement):
    """Adds an (already escaped) line to the map's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if ({{ this._parent.get_name() }}.attributionControl) {
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text_js }});
        }
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = html_text
        self.text_js = _js_string(html_text)


class TimeControl(TimelineSlider):
    """Leaflet.timeline's slider with a stable DOM id and days shown in UTC.

    Only ``leaflet.timeline`` is loaded: the day label is formatted without moment.js.
    """

    _template = Template(
        """
        {% macro header(this,kwargs) %}
            <style>
                .leaflet-bottom.leaflet-left { width: 100%; }
                .leaflet-control-container .leaflet-timeline-controls {
                    box-sizing: border-box; width: 100%; margin: 0; margin-bottom: 15px;
                }
                #conflictmap-timeline output.time-text { font-weight: bold; }
            </style>
        {% endmacro %}

        {% macro script(this, kwargs) %}
          var {{ this.get_name() }} = L.timelineSliderControl(
              {{ this.options|tojavascript }}
          );
          {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
          {{ this.get_name() }}.getContainer().id = {{ this.dom_id|tojson }};
          {% for timeline in this.timelines %}
              {{ this.get_name() }}.addTimelines({{ timeline.get_name() }});
          {% endfor %}
        {% endmacro %}
        """
    )

    def __init__(self, *, start: int, end: int, steps: int, playback_ms: int) -> None:
        super().__init__(
            auto_play=False,
            start=start,
            end=end,
            steps=steps,
            playback_duration=playback_ms,
            show_ticks=True,
            enable_keyboard_controls=False,
        )
        cast(dict[str, Any], self.options)["format_output"] = _TIME_TEXT
        self.default_js = [TimelineSlider.default_js[0]]
        self.dom_id = TIMELINE_ID


class EventTimeline(Timeline):
    """Leaflet.timeline layer; only ``leaflet.timeline`` is loaded (no moment.js).

    The data is sent once, compact. With ``ghost`` (a ``pointToLayer`` function), the
    same features are first drawn as a static layer beneath: the faint rings that show
    every event of the period whatever day the time bar is on.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
          var {{ this.get_name() }}_data = {{ this.data_js }};
          {%- if this.ghost %}
          L.geoJson({{ this.get_name() }}_data, {
              pointToLayer: {{ this.ghost|tojavascript }}, interactive: false
          }).addTo({{ this._parent.get_name() }});
          {%- endif %}
          var {{ this.get_name() }}_options = {{ this.options|tojavascript }};
          var {{ this.get_name() }} = L.timeline(
              {{ this.get_name() }}_data,
              {{ this.get_name() }}_options
          );
          {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any], *, ghost: JsCode | None = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.default_js = [Timeline.default_js[0]]
        self.ghost = ghost

    @property
    def data_js(self) -> str:
        return _script_json(self.data)


class AreaTimeline(EventTimeline):
    """Region outlines of one episode on the time line, each shape sent once per map.

    Takes :func:`area_features` (one feature per region with its ``spans``). The shapes
    go to the map's :class:`PopupKit` (``kit.data.shapes``, shared by every episode);
    this layer gets ``{"spans": [[region_id, start, end], ...]}`` and rebuilds one
    feature per span in JavaScript. Spans of a region never overlap, so an episode
    draws it at most once at any time. Added to the episode's layer, the outlines are
    hidden with it.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
          var {{ this.get_name() }}_options = {{ this.options|tojavascript }};
          var {{ this.get_name() }}_packed = {{ this.data_js }};
          var {{ this.get_name() }} = L.timeline(
              {
                  type: "FeatureCollection",
                  features: {{ this.get_name() }}_packed.spans.map(function (s) {
                      return {
                          type: "Feature",
                          geometry: {{ this.kit.get_name() }}.shapes[s[0]],
                          properties: {region_id: s[0], start: s[1], end: s[2]}
                      };
                  })
              },
              {{ this.get_name() }}_options
          );
          {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, features: list[dict[str, Any]], *, kit: PopupKit, **kwargs: Any) -> None:
        spans: list[list[Any]] = []
        for f in features:
            props = f["properties"]
            kit.data.shapes.setdefault(props["region_id"], f["geometry"])
            spans += [[props["region_id"], start, end] for start, end in props["spans"]]
        super().__init__(jinja_safe({"spans": spans}), **kwargs)
        self.kit = kit
        self.features = features

    def _get_self_bounds(self) -> list[list[float | None]]:
        return get_bounds({"type": "FeatureCollection", "features": self.features}, lonlat=True)


class EventCanvas(JSCSSMixin, MacroElement):
    """Every event of the view on one canvas, from the packed event files (:mod:`geo.mapdata`).

    The page carries no event: only the files' URLs, which of their events are in view
    (a deflated bitmask), the period and the event days for the time bar's ticks. The
    layer (``geo/js/eventlayer.js``) draws, filters by the time bar's day, picks and
    fetches a popup's details itself; popups are built by :data:`POPUP_JS` as before.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
          var {{ this.get_name() }} = L.conflictEvents(L.extend({{ this.options_js }}, {
              popup: function (table) {
                  return ({{ this.popup_js }})(L.extend({{ this.base_js }}, table));
              }
          }));
          {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self, files: EventDataFiles, events: pd.DataFrame, *, period: tuple[date, date]
    ) -> None:
        super().__init__()
        self._name = "EventCanvas"
        rows = files.rows_of(pd.Index(events.index))
        bits = np.zeros(len(files.ids), dtype=bool)
        bits[rows] = True
        mask = base64.b64encode(zlib.compress(np.packbits(bits, bitorder="little").tobytes(), 9))
        starts = pd.to_datetime(events["date_start"]).to_numpy("datetime64[D]")
        ends = pd.to_datetime(events["date_end"]).to_numpy("datetime64[D]")
        first, last = np.datetime64(period[0], "D"), np.datetime64(period[1], "D")
        days = np.unique(np.clip(np.concatenate([starts, ends]), first, last))
        self.events_in_view = int(bits.sum())
        self.options = {
            "url": files.data_url,
            "details": files.details_url,
            "selection": mask.decode("ascii"),
            "period": [period[0].isoformat(), period[1].isoformat()],
            "colors": EVENT_TYPE_COLORS,
            "halo": HALO_RADIUS_M,
            "areaRing": AREA_RING_RADIUS_M,
            # the time bar's ticks: each first and last day of an event (UTC ms)
            "times": (days.astype("int64") * DAY_MS).tolist(),
        }
        self.options_js = _script_json(jinja_safe(self.options))
        base = {k: v for k, v in PopupData().payload().items() if k not in ("s", "src")}
        self.base_js = _script_json(base)
        self.popup_js = POPUP_JS.strip()
        self.default_js = [("conflictmap_eventlayer", files.layer_url)]


class EpisodeSwitch(MacroElement):
    """Shows an episode's events on the :class:`EventCanvas` while its layer is on the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
          new L.ConflictEpisode({{ this.canvas.get_name() }}, {{ this.episode_js }})
              .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, canvas: EventCanvas, episode: str) -> None:
        super().__init__()
        self._name = "EpisodeSwitch"
        self.canvas = canvas
        self.episode_js = _js_string(episode)


class Outlines(MacroElement):
    """Fixed, non-interactive outlines (e.g. the admin boundaries), sent compact."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
          var {{ this.get_name() }} = L.geoJson({{ this.data_js }}, {
              style: {{ this.style_js }}, interactive: false
          }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self, geometries: Iterable[Mapping[str, Any]], *, style: Mapping[str, Any]
    ) -> None:
        super().__init__()
        self._name = "Outlines"
        self.data = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": dict(g), "properties": {}} for g in geometries
            ],
        }
        self.style_js = _script_json(dict(style))

    @property
    def data_js(self) -> str:
        return _script_json(self.data)


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


# --------------------------------------------------------------------------- the map


def _bounds(events: pd.DataFrame, admin: Any) -> list[list[float]]:
    if len(events):
        lat, lon = events["latitude"].astype(float), events["longitude"].astype(float)
        pad = 0.3
        return [[lat.min() - pad, lon.min() - pad], [lat.max() + pad, lon.max() + pad]]
    if admin is not None and getattr(admin, "countries", None) is not None:
        x0, y0, x1, y1 = admin.countries.to_crs("EPSG:4326").total_bounds
        return [[float(y0), float(x0)], [float(y1), float(x1)]]
    return [list(DEFAULT_BOUNDS[0]), list(DEFAULT_BOUNDS[1])]


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


def _boundaries_layer(admin: Any, *, show: bool) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Admin boundaries", show=show)
    layers: list[tuple[gpd.GeoDataFrame, dict[str, Any]]] = [
        (admin.regions, {"color": BOUNDARY_COLOR, "weight": 0.7, "fill": False}),
    ]
    if getattr(admin, "countries", None) is not None:
        layers.append((admin.countries, {"color": "#222222", "weight": 2, "fill": False}))
    for frame, style in layers:
        Outlines(display_geometries(frame), style=style).add_to(group)
    return group


def period_of(events: pd.DataFrame, view: View) -> tuple[date, date] | None:
    """The time control's first and last day: the view's period, else the events' span."""
    span = data_span(events)
    if span is None and (view.start is None or view.end is None):
        return None
    start = view.start or span[0]  # type: ignore[index]
    end = view.end or span[1]  # type: ignore[index]
    return start, max(start, end)


def localize_assets(root: Element, asset_urls: Mapping[str, str] | None) -> None:
    """Swap every CDN URL in ``default_js``/``default_css`` below ``root`` per ``asset_urls``.

    Sets the lists on each element (never mutating the classes' shared lists).
    """
    if not asset_urls:
        return
    stack: list[Any] = [root]
    while stack:
        el = stack.pop()
        for attr in ("default_js", "default_css"):
            links = getattr(el, attr, None)
            if links:
                setattr(el, attr, localize_links(links, dict(asset_urls)))
        stack.extend(getattr(el, "_children", {}).values())


def build_map(
    events: gpd.GeoDataFrame,
    *,
    view: View,
    admin: Any = None,
    episodes: pd.DataFrame | None = None,
    summary: pd.DataFrame | None = None,
    places: PlaceLookup | None = None,
    tiles: bool | None = None,
    attribution: str | Sequence[str] = (),
    asset_urls: Mapping[str, str] | None = None,
    event_data: EventDataFiles | None = None,
) -> folium.Map:
    """The interactive map of the events in ``view``.

    Parameters
    ----------
    events
        Events (joined; see :func:`geo.dataset.load_dataset`), already filtered by
        :func:`geo.view.apply_view`: everything given is drawn.
    view
        Display choices: ``mode`` ('events' or 'regions'), ``level``, ``measure``,
        ``tiles`` (when ``tiles`` is not given) and the period for the time control.
    admin
        :class:`geo.boundaries.AdminUnits`; ``None`` draws no boundaries, no
        region areas and no choropleth.
    episodes
        :func:`geo.layers.episodes_frame`: titles (and order) of the episode layers.
    summary
        :func:`geo.summary.region_summary` at ``view.level``; drawn as a choropleth
        when ``view.mode == 'regions'``.
    places
        The gazetteer, for the names of each place in popups.
    tiles
        OpenStreetMap tiles underneath; without them the boundaries are the base map.
    attribution
        Lines (plain text; escaped here) for the boundary data and other sources.
    asset_urls
        Replacement URL for each CDN URL folium or its plugins would load
        (see :func:`geo.assets.asset_urls`).
    event_data
        Where the whole event set is served as files (:func:`geo.mapdata.write_event_data`):
        the events are then drawn from those files on one canvas (:class:`EventCanvas`)
        and the page carries none of them, only which are in view. Without it each
        event is sent in the page (Leaflet.timeline layers).
    """
    use_tiles = view.tiles if tiles is None else tiles
    m = folium.Map(
        location=[40.2, 46.5],
        zoom_start=7,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
    )
    cast(Figure, m.get_root()).header.add_child(_CSS, name="conflictmap_css")
    if use_tiles:
        folium.TileLayer(
            "OpenStreetMap", name="OpenStreetMap", attr=OSM_TILES_ATTRIBUTION, control=False
        ).add_to(m)
    if admin is not None:
        _boundaries_layer(admin, show=True).add_to(m)
    regions_mode = view.mode == "regions"
    if regions_mode and summary is not None and admin is not None:
        build_choropleth(admin, summary, level=view.level, measure=view.measure).add_to(m)

    titles: dict[str, str] = {}
    if episodes is not None and len(episodes):
        titles = dict(zip(episodes["episode"], episodes["title"], strict=True))
    order = [e for e in titles if e in set(events["episode"])]
    order += sorted(set(events["episode"]) - set(order))
    kit = PopupKit()
    if order:
        kit.add_to(m)  # before the layers: they call it as they are built
    span = period_of(events, view)
    canvas = None
    if event_data is not None and order and span is not None:
        canvas = EventCanvas(event_data, events, period=span)
        canvas.add_to(m)  # before the episode switches that refer to it
    draw_areas = admin is not None and "region_id" in events
    timelines: list[Any] = []
    names_used: set[str] = set()
    for episode in order:
        rows = events[events["episode"] == episode]
        title = titles.get(episode) or (
            rows["episode_title"].iloc[0] if "episode_title" in rows else episode
        )
        name = esc(title) or esc(episode)
        if name in names_used:
            name = f"{name} ({esc(episode)})"
        names_used.add(name)
        group = folium.FeatureGroup(name=name, show=not regions_mode)
        # the episode's region-level events as outlines, under its markers, hidden with them
        areas = area_features(rows, admin.regions) if draw_areas else []
        if areas:
            area_tl = AreaTimeline(areas, kit=kit, style=_AREA_STYLE, interactive=False)
            area_tl.add_to(group)
            timelines.append(area_tl)
        if canvas is not None:
            EpisodeSwitch(canvas, str(episode)).add_to(group)
            group.add_to(m)
            continue
        points = EventTimeline(
            {
                "type": "FeatureCollection",
                "features": event_features(rows, kit.data, places=places),
            },
            ghost=_with_kit(_GHOST_POINT_JS, kit),
            point_to_layer=_with_kit(_POINT_TO_LAYER_JS, kit),
            on_each_feature=_with_kit(_BIND_TEXTS_JS, kit),
        )
        points.add_to(group)
        timelines.append(points)
        group.add_to(m)
    if canvas is not None:
        timelines.append(canvas)
    if timelines and span is not None:
        days = (span[1] - span[0]).days
        playback = min(max(days * PLAYBACK_DAY_MS, PLAYBACK_MIN_MS), PLAYBACK_MAX_MS)
        TimeControl(
            start=_ms(span[0]),
            end=_ms(span[1]) + (0 if days else DAY_MS - 1),
            steps=max(days, 1),
            playback_ms=playback,
        ).add_timelines(*timelines).add_to(m)

    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    if not regions_mode or summary is None or admin is None:
        legend = event_legend_html(canvas=canvas is not None)
        HtmlControl(legend, dom_id=LEGEND_ID, position="topleft").add_to(m)
    lines = [attribution] if isinstance(attribution, str) else list(attribution)
    lines = [line for line in lines if line] + [PLACES_CREDIT]
    Attribution(" | ".join(esc(line) for line in lines)).add_to(m)
    # the choropleth keeps its frame (both countries) whatever is selected
    choropleth = regions_mode and summary is not None and admin is not None
    m.fit_bounds(_bounds(events.iloc[0:0] if choropleth else events, admin))
    localize_assets(m, asset_urls)
    return m


def map_html(m: folium.Map) -> str:
    """The whole page for a map, as a string (for tests and exports)."""
    return m.get_root().render()
