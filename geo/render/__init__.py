"""The browser map: events, drawn precision, time player and region choropleth as folium objects.

The package, by responsibility: :mod:`~geo.render._common` (DOM ids, sizes, text
helpers), :mod:`~geo.render.features` (events as compact features), :mod:`~geo.render.
elements` (folium elements: popup kit, controls, timelines, the event canvas),
:mod:`~geo.render.legends` (legends, choropleth), :mod:`~geo.render.mapdata` (the
event set as static files the browser fetches), :mod:`~geo.render.assets` (pinned
JavaScript served by Streamlit) and ``js/`` (the canvas layer). This module builds
the map.

The only package that imports folium. Each event is sent once, compactly
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
``data-boundaries`` on the map container
    ``"drawn"`` once the admin outlines fetched from their file
    (:mod:`~geo.render.boundfile`, with ``boundaries_url``) are drawn, ``"failed"`` if
    the file could not be read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, Figure

from geo.credits import PLACES_CREDIT
from geo.render._common import (  # re-exported
    AREA_RING_RADIUS_M,
    CHOROPLETH_LEGEND_ID,
    COORD_DECIMALS,
    COUNTRY_NOT_GIVEN,
    DAY_MS,
    DISPLAY_CRS,
    HALO_RADIUS_M,
    LEGEND_ID,
    OSM_TILES_ATTRIBUTION,
    PLAYBACK_DAY_MS,
    PLAYBACK_MAX_MS,
    PLAYBACK_MIN_MS,
    TIMELINE_ID,
    PlaceLookup,
    _blank,
    _country_name,
    _place_names_text,
    _type_label,
    display_geometries,
    jinja_safe,
    when_text,
)
from geo.render._ids import render_numbered
from geo.render.a11y import A11Y_CSS, PRESENT_CSS
from geo.render.assets import localize_links
from geo.render.boundfile import FetchedOutlines
from geo.render.controls import LayersStepAside
from geo.render.elements import (  # re-exported
    _AREA_STYLE,
    _BIND_TEXTS_JS,
    _GHOST_POINT_JS,
    _POINT_TO_LAYER_JS,
    POPUP_JS,
    AreaTimeline,
    Attribution,
    EpisodeSwitch,
    EventCanvas,
    EventTimeline,
    HtmlControl,
    Outlines,
    PopupKit,
    TimeControl,
    _script_json,
    _with_kit,
)
from geo.render.features import (  # re-exported
    PopupData,
    _ms,
    area_features,
    event_features,
    event_properties,
    region_shapes,
)
from geo.render.focus import Focus, RegionFocus, region_focus
from geo.render.legends import (  # re-exported
    _CSS,
    build_choropleth,
    choropleth_frame,
    choropleth_legend_html,
    event_legend_html,
)
from geo.render.parts import MapParts, event_bounds, map_parts, parts_key, period_of
from geo.style import BOUNDARY_COLOR, marker_radius
from geo.text import html_text as esc
from geo.view import View

if TYPE_CHECKING:
    from geo.render.mapdata import EventDataFiles


# --------------------------------------------------------------------------- the map

#: Pixels kept free round a focused region when the map is fitted to it.
FOCUS_PADDING_PX = 12
#: Zoom step of a map fitted to a region (Leaflet ``zoomSnap``; whole steps otherwise).
FOCUS_ZOOM_SNAP = 0.25


#: How the admin outlines are drawn, per layer of :mod:`geo.render.boundfile`.
BOUNDARY_STYLES: dict[str, dict[str, Any]] = {
    "regions": {"color": BOUNDARY_COLOR, "weight": 0.7, "fill": False},
    "countries": {"color": "#222222", "weight": 2, "fill": False},
}


def _boundaries_layer(
    admin: Any, *, show: bool, url: str | None = None, after_events: bool = False
) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Admin boundaries", show=show)
    if url is not None:  # fetched from a cached static file, not sent in the page
        FetchedOutlines(url, styles=BOUNDARY_STYLES, after_events=after_events).add_to(group)
        return group
    layers: list[tuple[gpd.GeoDataFrame, dict[str, Any]]] = [
        (admin.regions, BOUNDARY_STYLES["regions"]),
    ]
    if getattr(admin, "countries", None) is not None:
        layers.append((admin.countries, BOUNDARY_STYLES["countries"]))
    for frame, style in layers:
        Outlines(display_geometries(frame), style=style).add_to(group)
    return group


#: Of what folium's map loads (``folium.Map.default_js``/``default_css``), what this map
#: uses: Leaflet only. jQuery, Bootstrap (JS, CSS, glyphicons) and awesome-markers (with
#: Font Awesome) serve folium's ``Icon`` markers and popups styled by Bootstrap, which
#: this map does not draw; its controls, legends and popups have their own CSS.
MAP_JS_USED = ("leaflet",)
MAP_CSS_USED = ("leaflet_css",)


def use_only_needed_libraries(m: folium.Map) -> None:
    """Keep only :data:`MAP_JS_USED`/:data:`MAP_CSS_USED` on this map (its own lists:
    the class's, shared by every map, stay as they are)."""
    m.default_js = [(k, url) for k, url in m.default_js if k in MAP_JS_USED]
    m.default_css = [(k, url) for k, url in m.default_css if k in MAP_CSS_USED]


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
    events: gpd.GeoDataFrame | None,
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
    boundaries_url: str | None = None,
    parts: MapParts | None = None,
) -> folium.Map:
    """The interactive map of the events in ``view``.

    Parameters
    ----------
    events
        Events (joined; see :func:`geo.dataset.load_dataset`), already filtered by
        :func:`geo.view.apply_view`: everything given is drawn. ``None`` with ``parts``
        whose canvas draws them (or with no events in view): then the map needs none of
        their rows.
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
        (see :func:`geo.render.assets.asset_urls`).
    event_data
        Where the whole event set is served as files (:func:`geo.render.mapdata.write_event_data`):
        the events are then drawn from those files on one canvas (:class:`EventCanvas`)
        and the page carries none of them, only which are in view. Without it each
        event is sent in the page (Leaflet.timeline layers).
    boundaries_url
        Where the admin outlines are served as one file
        (:func:`geo.render.boundfile.write_boundaries` of ``admin``): the page fetches
        them (cached by the browser) instead of carrying them. The choropleth and the
        region focus are still sent in the page.
    parts
        :func:`~geo.render.parts.map_parts` of these ``events`` and ``view`` (with the same
        ``admin``, ``episodes`` and ``event_data``), if the caller kept them; computed here
        otherwise. With a canvas, ``events`` is then not read again.
    """
    use_tiles = view.tiles if tiles is None else tiles
    focus = region_focus(admin, view.region, level=view.level)
    # a focused region fills the map: zoom in quarter steps, not only whole ones
    snap: dict[str, Any] = {"zoom_snap": FOCUS_ZOOM_SNAP} if focus is not None else {}
    m = folium.Map(
        location=[40.2, 46.5],
        zoom_start=7,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        **snap,
    )
    use_only_needed_libraries(m)
    header = cast(Figure, m.get_root()).header
    header.add_child(_CSS, name="conflictmap_css")
    header.add_child(A11Y_CSS, name="conflictmap_a11y_css")
    if view.present:
        header.add_child(PRESENT_CSS, name="conflictmap_present_css")
    if use_tiles:
        folium.TileLayer(
            "OpenStreetMap", name="OpenStreetMap", attr=OSM_TILES_ATTRIBUTION, control=False
        ).add_to(m)
    regions_mode = view.mode == "regions"
    choropleth = regions_mode and summary is not None and admin is not None
    # region-level events' outlines follow the time bar, which the choropleth has not
    if parts is None:
        if events is None:
            raise ValueError("build_map needs the events, or map parts computed from them")
        parts = map_parts(
            events,
            view=view,
            admin=admin,
            episodes=episodes,
            event_data=event_data,
            with_areas=not choropleth,
        )
    elif not choropleth and not parts.with_areas and admin is not None:
        raise ValueError("these map parts were computed without areas, which this map draws")
    if admin is not None:
        # with an event canvas, the outlines are fetched once the events are drawn
        canvas_first = event_data is not None and bool(parts.layers) and not regions_mode
        _boundaries_layer(admin, show=True, url=boundaries_url, after_events=canvas_first).add_to(m)
    if regions_mode and summary is not None and admin is not None:
        build_choropleth(admin, summary, level=view.level, measure=view.measure).add_to(m)
    if focus is not None:
        RegionFocus(focus).add_to(m)

    titles: dict[str, str] = {}
    if episodes is not None and len(episodes):
        titles = dict(zip(episodes["episode"], episodes["title"], strict=True))
    order = [episode for episode, _ in parts.layers]
    first_titles = [title for _, title in parts.layers]
    kit = PopupKit()
    if order:
        kit.add_to(m)  # before the layers: they call it as they are built
    span = parts.span
    canvas = None
    if event_data is not None and order and span is not None:
        if parts.canvas is None:
            raise ValueError("these map parts have no canvas selection, which this map draws")
        canvas = EventCanvas(event_data, parts.canvas, period=span)
        canvas.add_to(m)  # before the episode switches that refer to it
    draw_areas = not choropleth
    timelines: list[Any] = []
    names_used: set[str] = set()
    # each episode's rows found in one pass (not one scan of every event per episode);
    # the canvas needs none of them
    rows_of: dict[Any, Any] = {}
    if canvas is None and order:
        if events is None:
            raise ValueError("a map without an event canvas needs the events themselves")
        rows_of = events.groupby("episode", sort=False, dropna=False).indices
    for episode, first_title in zip(order, first_titles, strict=True):
        title = titles.get(episode) or first_title
        name = esc(title) or esc(episode)
        if name in names_used:
            name = f"{name} ({esc(episode)})"
        names_used.add(name)
        group = folium.FeatureGroup(name=name, show=not regions_mode)
        # the episode's region-level events as outlines, under its markers, hidden with them
        areas = parts.areas.get(episode, []) if draw_areas else []
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
                "features": event_features(
                    cast(gpd.GeoDataFrame, events).iloc[rows_of[episode]], kit.data, places=places
                ),
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
    # the choropleth shows the totals of the whole period: a time bar would change nothing
    if timelines and span is not None and not choropleth:
        days = (span[1] - span[0]).days
        playback = min(max(days * PLAYBACK_DAY_MS, PLAYBACK_MIN_MS), PLAYBACK_MAX_MS)
        TimeControl(
            start=_ms(span[0]),
            end=_ms(span[1]) + (0 if days else DAY_MS - 1),
            steps=max(days, 1),
            playback_ms=playback,
        ).add_timelines(*timelines).add_to(m)

    layers = folium.LayerControl(collapsed=False, position="topright")
    layers.add_to(m)
    LayersStepAside(layers).add_to(m)
    if not regions_mode or summary is None or admin is None:
        legend = event_legend_html(canvas=canvas is not None)
        HtmlControl(legend, dom_id=LEGEND_ID, position="topleft").add_to(m)
    lines = [attribution] if isinstance(attribution, str) else list(attribution)
    lines = [line for line in lines if line] + [PLACES_CREDIT]
    Attribution(" | ".join(esc(line) for line in lines)).add_to(m)
    if focus is not None:  # a chosen region fills the map, in both modes
        m.fit_bounds(focus.bounds, padding=(FOCUS_PADDING_PX, FOCUS_PADDING_PX))
    else:  # the choropleth keeps its frame (both countries)
        m.fit_bounds(event_bounds(None, admin) if choropleth else parts.bounds)
    localize_assets(m, asset_urls)
    return m


def map_html(m: folium.Map) -> str:
    """The whole page for a map, as a string: the same for the same map (its elements'
    ids numbered in order, :func:`~geo.render._ids.render_numbered`)."""
    return render_numbered(m.get_root())


__all__ = [
    "AREA_RING_RADIUS_M",
    "CHOROPLETH_LEGEND_ID",
    "COORD_DECIMALS",
    "COUNTRY_NOT_GIVEN",
    "DISPLAY_CRS",
    "HALO_RADIUS_M",
    "LEGEND_ID",
    "MAP_CSS_USED",
    "MAP_JS_USED",
    "POPUP_JS",
    "TIMELINE_ID",
    "AreaTimeline",
    "EpisodeSwitch",
    "EventCanvas",
    "EventTimeline",
    "FetchedOutlines",
    "Focus",
    "HtmlControl",
    "MapParts",
    "PlaceLookup",
    "PopupData",
    "PopupKit",
    "RegionFocus",
    "_blank",
    "_country_name",
    "_place_names_text",
    "_script_json",
    "_type_label",
    "area_features",
    "build_choropleth",
    "build_map",
    "choropleth_frame",
    "choropleth_legend_html",
    "display_geometries",
    "esc",
    "event_features",
    "event_legend_html",
    "event_properties",
    "jinja_safe",
    "localize_assets",
    "map_html",
    "map_parts",
    "marker_radius",
    "parts_key",
    "period_of",
    "region_focus",
    "region_shapes",
    "use_only_needed_libraries",
    "when_text",
]
