"""The map's folium elements: popup kit, controls, time player and timelines, event canvas."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import Timeline, TimelineSlider
from folium.template import Template
from folium.utilities import JsCode, get_bounds

from geo.render._common import AREA_RING_RADIUS_M, DAY_MS, HALO_RADIUS_M, TIMELINE_ID, jinja_safe
from geo.render.features import AREA_STYLE, PopupData
from geo.style import (
    EVENT_TYPE_COLORS,
)

if TYPE_CHECKING:
    from geo.render.mapdata import EventDataFiles


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


#: What the time bar's buttons are called for keyboard and screen-reader users ("prev" and
#: "next" go to the previous or next day on which an event starts or ends).
TIME_BUTTON_LABELS = {
    "play": "Play the period day by day",
    "pause": "Pause",
    "prev": "Previous event date",
    "next": "Next event date",
}


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
          (function (box) {  // names a keyboard and screen-reader user hears
              var labels = {{ this.labels_js }};
              Object.keys(labels).forEach(function (k) {
                  var b = box.querySelector("button." + k);
                  if (b) { b.setAttribute("aria-label", labels[k]); b.title = labels[k]; }
              });
              var s = box.querySelector("input.time-slider");
              var out = box.querySelector("output.time-text");
              if (!s) { return; }
              s.setAttribute("aria-label", "Day shown on the map");
              var say = function () {
                  if (out) { s.setAttribute("aria-valuetext", out.textContent); }
              };
              s.addEventListener("input", say);
              s.addEventListener("change", say);
              say();
          })({{ this.get_name() }}.getContainer());
          {% for timeline in this.timelines %}
              {{ this.get_name() }}.addTimelines({{ timeline.get_name() }});
          {% endfor %}
          {#- the whole period, every event of it shown, until the reader uses the time bar:
              dragged, stepped or played (from the first day), it shows one day -#}
          (function (c) {
              var whole = true, box = c.getContainer(), setTime = c._setTime, play = c.play;
              c.timelines.forEach(function (tl) {
                  if (tl.showWhole) { tl.showWhole(); return; }
                  if (!tl.cmFeatures) { return; }
                  var seen = {}, key = tl.cmWholeKey;
                  tl.clearLayers();
                  tl.cmFeatures.forEach(function (f) {
                      var id = key ? f.properties[key] : null;
                      if (id == null || !seen[id]) { seen[id] = 1; tl.addData(f); }
                  });
              });
              var out = box.querySelector("output.time-text");
              var s = box.querySelector("input.time-slider");
              var a = c.options.formatOutput(c.start), b = c.options.formatOutput(c.end);
              if (out) { out.textContent = a === b ? a : a + ' to ' + b; }
              if (s && out) { s.setAttribute("aria-valuetext", out.textContent + ", every day"); }
              box.setAttribute("data-whole-period", "1");
              c._setTime = function () {
                  whole = false;
                  box.removeAttribute("data-whole-period");
                  return setTime.apply(this, arguments);
              };
              c.play = function () {
                  if (!whole) { return play.apply(this, arguments); }
                  this.pause();
                  this.setTime(this.start);
                  this._playing = true;
                  box.classList.add("playing");
                  this._timer = setTimeout(function () { c.play(true); }, this._stepDuration);
              };
          })({{ this.get_name() }});
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
        self.labels_js = _script_json(TIME_BUTTON_LABELS)


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
          {{ this.get_name() }}.cmFeatures = {{ this.get_name() }}_data.features;
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


def pack_spans(features: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``spans`` of :func:`~geo.render.features.area_features` in whole days, compact.

    ``{"regions": [region_id, ...], "spans": [[i, first_day, days, gap, days, ...], ...]}``:
    one list per region (``i`` indexes ``regions``), its first span's first day (days
    since 1970-01-01 UTC), then each span's length in days, each followed by the days
    between its end and the next span's start. Spans are whole UTC days (start at
    midnight, end a millisecond before one); anything else raises ``ValueError``.
    """
    regions: list[str] = []
    packed: list[list[int]] = []
    previous = 0
    for f in features:
        props = f["properties"]
        days: list[int] = []
        for start, end in props["spans"]:
            first, stop = divmod(int(start), DAY_MS), divmod(int(end) + 1, DAY_MS)
            if first[1] or stop[1] or stop[0] <= first[0]:
                raise ValueError(
                    f"region {props['region_id']}: span {start}..{end} is not whole UTC days"
                )
            if days:
                days.append(first[0] - previous)
            else:
                days.append(first[0])
            days.append(stop[0] - first[0])
            previous = stop[0]
        if days:
            packed.append([len(regions), *days])
            regions.append(str(props["region_id"]))
    return {"regions": regions, "spans": packed}


class AreaTimeline(EventTimeline):
    """Region outlines of one episode on the time line, each shape sent once per map.

    Takes :func:`area_features` (one feature per region with its ``spans``). The shapes
    go to the map's :class:`PopupKit` (``kit.data.shapes``, shared by every episode);
    this layer gets the spans in whole days, delta-encoded (:func:`pack_spans`: a few
    bytes per span, not the region id and two timestamps) and rebuilds one feature per
    span in JavaScript. Spans of a region never overlap, so an episode draws it at most
    once at any time. Added to the episode's layer, the outlines are hidden with it.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
          var {{ this.get_name() }}_options = {{ this.options|tojavascript }};
          var {{ this.get_name() }}_packed = {{ this.data_js }};
          var {{ this.get_name() }}_features = (function (packed) {
                      var out = [], DAY = 86400000;
                      packed.spans.forEach(function (r) {
                          var id = packed.regions[r[0]], day = r[1];
                          for (var i = 2; i < r.length; i += 2) {
                              out.push({
                                  type: "Feature",
                                  geometry: {{ this.kit.get_name() }}.shapes[id],
                                  properties: {
                                      region_id: id, start: day * DAY,
                                      end: (day + r[i]) * DAY - 1
                                  }
                              });
                              day += r[i] + (r[i + 1] || 0);
                          }
                      });
                      return out;
                  })({{ this.get_name() }}_packed);
          var {{ this.get_name() }} = L.timeline(
              {type: "FeatureCollection", features: {{ this.get_name() }}_features},
              {{ this.get_name() }}_options
          );
          {#- the time bar's whole period (TimeControl) shows each region once #}
          {{ this.get_name() }}.cmFeatures = {{ this.get_name() }}_features;
          {{ this.get_name() }}.cmWholeKey = "region_id";
          {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, features: list[dict[str, Any]], *, kit: PopupKit, **kwargs: Any) -> None:
        for f in features:
            kit.data.shapes.setdefault(f["properties"]["region_id"], f["geometry"])
        super().__init__(jinja_safe(pack_spans(features)), **kwargs)
        self.kit = kit
        self.features = features

    def _get_self_bounds(self) -> list[list[float | None]]:
        return get_bounds({"type": "FeatureCollection", "features": self.features}, lonlat=True)


@dataclass(frozen=True)
class CanvasSelection:
    """Which events of the packed files an :class:`EventCanvas` shows, and their days.

    ``selection``: a bit per event of the files (in their order), deflated, base64;
    ``days``: the time bar's ticks, each first and last day of a shown event (clipped to
    the period) as days since 1970-01-01 UTC, the first one whole and each next one as
    the step from the last; ``events_in_view``: how many bits are set.
    """

    selection: str
    days: tuple[int, ...]
    events_in_view: int


def canvas_selection(
    files: EventDataFiles, events: pd.DataFrame, *, period: tuple[date, date]
) -> CanvasSelection:
    """The :class:`CanvasSelection` of ``events`` (rows of the packed set, by index)."""
    rows = files.rows_of(pd.Index(events.index))
    bits = np.zeros(len(files.ids), dtype=bool)
    bits[rows] = True
    mask = base64.b64encode(zlib.compress(np.packbits(bits, bitorder="little").tobytes(), 9))
    starts = pd.to_datetime(events["date_start"]).to_numpy("datetime64[D]")
    ends = pd.to_datetime(events["date_end"]).to_numpy("datetime64[D]")
    first, last = np.datetime64(period[0], "D"), np.datetime64(period[1], "D")
    days = np.unique(np.clip(np.concatenate([starts, ends]), first, last))
    return CanvasSelection(
        selection=mask.decode("ascii"),
        days=tuple(np.diff(days.astype("int64"), prepend=0).tolist()),
        events_in_view=int(bits.sum()),
    )


class EventCanvas(JSCSSMixin, MacroElement):
    """Every event of the view on one canvas, from the packed files (:mod:`geo.render.mapdata`).

    The page carries no event: only the files' URLs, which of their events are in view
    (a deflated bitmask), the period and the event days for the time bar's ticks. The
    layer (``geo/render/js/eventlayer.js``) draws, filters by the time bar's day, picks and
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
        self,
        files: EventDataFiles,
        events: pd.DataFrame | CanvasSelection,
        *,
        period: tuple[date, date],
    ) -> None:
        super().__init__()
        self._name = "EventCanvas"
        chosen = (
            events
            if isinstance(events, CanvasSelection)
            else canvas_selection(files, events, period=period)
        )
        self.events_in_view = chosen.events_in_view
        self.options = {
            "url": files.data_url,
            "details": files.details_url,
            "selection": chosen.selection,
            "period": [period[0].isoformat(), period[1].isoformat()],
            "colors": EVENT_TYPE_COLORS,
            "halo": HALO_RADIUS_M,
            "areaRing": AREA_RING_RADIUS_M,
            "days": list(chosen.days),
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
