"""Streamlit page: the conflict map, region totals, event tables and downloads (widgets only).

Run with ``streamlit run app.py``. Every job done here can be done from Python with
:mod:`geo` (``load_dataset``, ``apply_view``, ``region_summary``, ``render.build_map``,
``export.claims_table``, ``export.export_bytes``, ``figure.figure_bytes``,
``handout.handout_bytes``) or from the ``conflictmap`` command line.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

import add_from_article
from geo import render
from geo._errors import ValidationError
from geo._memory import release_memory, use_system_allocator
from geo.card import RegionCard, card_markdown, event_labels, region_card
from geo.config import ENV_BOUNDARIES_DIR, ENV_MAX_MAP_EVENTS, Settings
from geo.credits import PLACES_CREDIT
from geo.dataset import Dataset, load_dataset
from geo.events import COUNTRIES, GEO_PRECISION
from geo.export import Format, claims_table, export_bytes, export_filename
from geo.figure import figure_bytes
from geo.gazetteer import Gazetteer
from geo.handout import handout_bytes
from geo.join import unit_at
from geo.layers import shorten
from geo.markdown import md_escape
from geo.options import FilterOptions, filter_options
from geo.render.assets import asset_urls
from geo.render.boundfile import pack_boundaries, write_boundaries
from geo.render.mapdata import FOLDER as MAP_DATA_FOLDER
from geo.render.mapdata import EventDataFiles, pack_and_write
from geo.render.prune import prune_map_data, url_names
from geo.rows import list_lengths, take_rows
from geo.style import EVENT_TYPE_LABELS
from geo.summary import region_summary
from geo.text import is_missing
from geo.view import (
    LEVELS,
    MEASURE_LABELS,
    MEASURES,
    MODES,
    View,
    apply_view,
    clicked_point,
    view_mask,
)
from map_frame import map_frame
from map_period import map_period_bar
from page_after_map import SIDEBAR_WAIT_NOTE, page_after_map, sidebar_waits
from table_pages import paged_table
from widget_options import MAX_OPTIONS, bounded_options, value_counts

LOG = logging.getLogger(__name__)
use_system_allocator()  # Arrow's freed memory goes back to the system (geo._memory)
MAP_HEIGHT = 680
#: The map's height in presentation mode: with the top row it fills a 1280×720 screen.
PRESENT_MAP_HEIGHT = 630
#: The region box's "no region" choice.
ALL = ""
#: Session-state key holding the HTML of the map last built (read by tests).
MAP_HTML_KEY = "map_html"
MODE_LABELS = {"events": "Events map", "regions": "Regions choropleth"}
#: Day columns of the event tables shown as dates.
DAY_COLUMNS = {
    name: st.column_config.DateColumn(name, format="YYYY-MM-DD") for name in ("From", "To")
}
LEVEL_LABELS = {"region": "Region (marz / rayon)", "district": "District"}
EVENT_COLUMNS = {
    "date_start": "From",
    "date_end": "To",
    "event_type": "Type",
    "sub_event_type": "Sub-type",
    "location": "Location (as reported)",
    "country": "Country",
    "region": "Region",
    "district": "District",
    "geo_precision": "Geo precision",
    "deaths_low": "Deaths low",
    "deaths_best": "Deaths best",
    "deaths_high": "Deaths high",
    "injured_low": "Injured low",
    "injured_high": "Injured high",
    "figures_note": "Not counted in the figures",
    "actor1": "Actor 1",
    "actor2": "Actor 2",
    "episode_title": "Episode",
}
#: Display of the event tables' columns: days as dates, counts as right-aligned numbers.
EVENT_COLUMN_CONFIG = {
    "_index": st.column_config.TextColumn("Event id"),  # the frame's index: the event ids
    **DAY_COLUMNS,
    **{
        EVENT_COLUMNS[name]: st.column_config.NumberColumn(
            EVENT_COLUMNS[name], format="%d", alignment="right"
        )
        for name in ("deaths_low", "deaths_best", "deaths_high", "injured_low", "injured_high")
    },
    EVENT_COLUMNS["geo_precision"]: st.column_config.NumberColumn(
        EVENT_COLUMNS["geo_precision"],
        format="%d",
        alignment="right",
        help=(
            "How precisely the event is placed (ACLED's scale): 1 at the place itself, "
            "2 near it, 3 only its district or region is known."
        ),
    ),
}
#: Claims listed in one table at most (a static table shows every row; the export has all).
MAX_CLAIM_ROWS = 200
#: Column labels of the region totals table (country codes are shown as names).
TOTALS_COLUMNS = {
    "country": "Country",
    "district": "District",
    "region": "Region",
    "events": "Events",
    "deaths_low": "Deaths low",
    "deaths_best": "Deaths best",
    "deaths_high": "Deaths high",
    "injured_low": "Injured low",
    "injured_high": "Injured high",
}
CLAIM_COLUMNS = {
    "event_id": "Event",
    "figure": "Figure",
    "measure": "Measure",
    "subject": "Whose people",
    "claimant": "Claimant",
    "source_outlet": "Source",
    "disputed_by": "Disputed by",
    "included_in": "Counted in",
    "note": "Note",
}
#: Said under an event table of more than one page (its rows go to the browser a page at
#: a time, :mod:`table_pages`).
TABLE_NOTE = (
    "The map draws every event; click one for its notes, claims and sources. The export "
    "(sidebar) has every event with every field."
)
#: Session-state key of the downloads prepared in this session (see :class:`Prepared`).
PREPARED_KEY = "prepared_exports"
#: What the analyst export covers.
EXPORT_SCOPES = {"view": "What is in view", "all": "Everything"}
#: Downloads prepared in a session that are kept (the oldest is dropped first).
MAX_PREPARED = 8


@dataclass(frozen=True)
class AnalystFormat:
    """One analyst download: ``export_bytes(fmt=fmt, bundle=bundle)``."""

    label: str
    short: str
    fmt: Format
    mime: str
    bundle: tuple[str, ...] = ("gpkg", "geojson", "csv", "kml")
    #: Added to the download's name (zips of one format); the files inside keep the stem.
    name_suffix: str = ""


ANALYST_FORMATS = {
    "gpkg": AnalystFormat(
        "GeoPackage (QGIS-ready)",
        "GeoPackage",
        "gpkg",
        "application/geopackage+sqlite3",
    ),
    "geojson": AnalystFormat(
        "GeoJSON (zip)", "GeoJSON zip", "zip", "application/zip", ("geojson",), "_geojson"
    ),
    "csv": AnalystFormat("CSV (zip)", "CSV zip", "zip", "application/zip", ("csv",), "_csv"),
    "kml": AnalystFormat(
        "KML (Google Earth)", "KML", "kml", "application/vnd.google-earth.kml+xml"
    ),
    "zip": AnalystFormat("All of the above (zip)", "full zip", "zip", "application/zip"),
}
#: Teacher downloads: label, short name, MIME type.
TEACHER_FORMATS = {
    "png": ("Map figure (PNG)", "PNG map", "image/png"),
    "pdf": ("Map figure (PDF)", "PDF map", "application/pdf"),
    "handout": ("One-page handout (HTML)", "handout", "text/html"),
}
HOW_TO_GET_BOUNDARIES = (
    f"Set {ENV_BOUNDARIES_DIR} to a folder holding the geoBoundaries files listed in "
    "data/boundaries.json, or run `conflictmap boundaries fetch` to download them "
    "(checksummed) into the cache."
)


# --------------------------------------------------------------------------- cached data


def _settings() -> Settings:
    return Settings.from_env()


@st.cache_resource(show_spinner="Loading layers and boundaries…")
def load(settings_key: str) -> Dataset:
    """Validate the layers and join them to the boundaries (``settings_key`` keys the cache).

    Without boundaries the events are shown unjoined (``Dataset.boundary_problem``).
    Layer files with problems are left out (``Dataset.layer_problems`` lists them); only
    when no file is valid does it raise :class:`ValidationError` (not cached).

    One shared copy for every session and run (``cache_resource``): ``cache_data`` would
    pickle the whole set once and unpickle a copy on every call (2-3 s and 200+ MB each
    at 10^5 events). The page only reads it: every filter (``apply_view``) makes a new frame.
    """
    data = load_dataset(_settings(), boundaries="optional", invalid="skip")
    release_memory()  # what validating the layers left behind
    return data


@st.cache_data(show_spinner=False)
def summary_for(settings_key: str, query: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """Region (or district) totals for a view, every filter applied except the region."""
    data = load(settings_key)
    view, _ = View.from_query(dict(query))
    base = apply_view(data.events, view.with_(region=None))
    return region_summary(
        base,
        by="district" if view.level == "district" else "region",
        start=view.start,
        end=view.end,
        admin=data.admin,
    )


#: The deaths shown above the map, low to high.
DEATHS = ("deaths_low", "deaths_best", "deaths_high")


@st.cache_data(show_spinner=False)
def view_totals(settings_key: str, query: tuple[tuple[str, str], ...]) -> tuple[int, ...]:
    """How many events a view has and their deaths (:data:`DEATHS`), shown above the map."""
    events = load(settings_key).events
    view, _ = View.from_query(dict(query))
    mask = view_mask(events, view).to_numpy(dtype=bool)
    return (int(mask.sum()), *(int(events[name][mask].sum()) for name in DEATHS))


@st.cache_data(show_spinner=False)
def card_for(settings_key: str, query: tuple[tuple[str, str], ...]) -> RegionCard:
    """The region card of a view (see :func:`geo.card.region_card`)."""
    view, _ = View.from_query(dict(query))
    card = region_card(load(settings_key), view)
    release_memory()  # sorting every event of a large set leaves freed memory behind
    return card


@st.cache_data(show_spinner=False)
def claims_for(settings_key: str, query: tuple[tuple[str, str], ...]) -> tuple[pd.DataFrame, int]:
    """The claims table of a view's first events, and how many claims all its events have.

    The table (:func:`geo.export.claims_table`) holds the events' claims in the frame's
    order until :data:`MAX_CLAIM_ROWS` are listed (the page shows no more; the export has
    them all): at 10^6 events a region's 200,000 events were each made into claims, and
    their ids hashed as this function's key on every run. Keyed by the view instead.
    """
    data = load(settings_key)
    view, _ = View.from_query(dict(query))
    positions = np.flatnonzero(view_mask(data.events, view).to_numpy(dtype=bool))
    counts = list_lengths(data.events["claims"])[positions]
    enough = int(np.searchsorted(np.cumsum(counts), MAX_CLAIM_ROWS)) + 1
    first = take_rows(data.events, positions[:enough], ("event_id", "episode", "claims", "sources"))
    return claims_table(first), int(counts.sum())


@st.cache_data(show_spinner=False)
def episode_claims(settings_key: str, episode: str) -> pd.DataFrame:
    """The claims an episode's layer makes about the episode as a whole."""
    data = load(settings_key)
    events = data.events[data.events["episode"] == episode]
    episodes = data.episodes[data.episodes["episode"] == episode]
    table = claims_table(events, episodes)
    return table[table["scope"] == "episode"]


@st.cache_resource(show_spinner=False)
def options(settings_key: str) -> FilterOptions:
    """The filters' choices and the data's span, once per dataset (:mod:`geo.options`)."""
    return filter_options(load(settings_key).events)


@st.cache_resource(show_spinner=False)
def gazetteer(settings_key: str) -> Gazetteer:
    """The gazetteer (read-only; used for place names in popups)."""
    return Gazetteer.default(_settings())


@st.cache_resource(show_spinner="Preparing the map data…")
def map_files(settings_key: str) -> EventDataFiles:
    """Every event as static files the map fetches once (named by content, so cached)."""
    data = load(settings_key)
    files = pack_and_write(  # written as packed: one block of popup chunks in memory
        data.events,
        _settings().static_dir / MAP_DATA_FOLDER,
        base_url=f"/app/static/{MAP_DATA_FOLDER}",
        places=gazetteer(settings_key),
    )
    release_memory()  # what packing used
    return files


@st.cache_resource(show_spinner=False)
def region_shapes(settings_key: str) -> dict[str, dict[str, object]]:
    """The regions' outlines as the map draws them, simplified once per boundary set."""
    admin = load(settings_key).admin
    return {} if admin is None else render.region_shapes(admin.regions)


#: Views whose map parts are kept (each a few hundred kB at most: a deflated bit per event
#: and the outlines of the regions with region-level events).
MAP_PARTS_KEPT = 32


@st.cache_data(show_spinner=False, max_entries=MAP_PARTS_KEPT)
def map_parts_for(
    settings_key: str,
    version: str,
    view_key: tuple[tuple[str, str], ...],
    _events: Callable[[], gpd.GeoDataFrame],
) -> render.MapParts:
    """What the map takes from a view's events (:mod:`geo.render.parts`), per dataset
    ``version`` (the events file's name, which holds its hash) and view
    (:func:`geo.render.parts_key`): 0.4 s at 10^6 events, on every page load before.

    ``_events()``: the view's events (left out of the key: the view gives them)."""
    data = load(settings_key)
    view, _ = View.from_query(dict(view_key))
    return render.map_parts(
        _events(),
        view=view,
        admin=data.admin,
        episodes=data.episodes,
        event_data=map_files(settings_key),
        with_areas=view.mode != "regions",  # the app's choropleth (summary given) has none
        shapes=region_shapes(settings_key),
    )


@st.cache_resource(show_spinner=False)
def boundaries_file(settings_key: str) -> str | None:
    """The admin outlines as one static file the map fetches (named by content, so cached)."""
    admin = load(settings_key).admin
    if admin is None:
        return None
    return write_boundaries(
        pack_boundaries(admin),
        _settings().static_dir / MAP_DATA_FOLDER,
        base_url=f"/app/static/{MAP_DATA_FOLDER}",
    )


@st.cache_resource(show_spinner=False)
def map_data_pruned(settings_key: str) -> int:
    """Old dataset versions' map files removed, once per dataset (:mod:`geo.render.prune`)."""
    files = map_files(settings_key)
    in_use = url_names(
        files.data_url, files.details_url, files.layer_url, boundaries_file(settings_key)
    )
    return len(prune_map_data(_settings().static_dir / MAP_DATA_FOLDER, in_use))


# --------------------------------------------------------------------------- state


def _span(settings_key: str) -> tuple[date, date]:
    span = options(settings_key).span
    if span is None:
        today = date.today()
        return today, today
    return span


def _clamp(day: date, low: date, high: date) -> date:
    return min(max(day, low), high)


def init_state(view: View, data: Dataset, problems: list[str], settings_key: str) -> None:
    """Put a view (from the URL) into the widgets' session state, dropping unknown values."""
    ss = st.session_state
    first, last = _span(settings_key)
    choices = options(settings_key)
    wanted_start, wanted_end = view.start or first, view.end or last
    if wanted_start > wanted_end:
        problems.append(
            f"URL period {wanted_start}..{wanted_end} was reversed: shown from {wanted_end} "
            f"to {wanted_start}"
        )
        wanted_start, wanted_end = wanted_end, wanted_start
    start = _clamp(wanted_start, first, last)
    end = _clamp(wanted_end, first, last)
    if (view.start is not None or view.end is not None) and (start, end) != (
        wanted_start,
        wanted_end,
    ):
        problems.append(
            f"URL period {wanted_start}..{wanted_end} reaches outside the data "
            f"({first}..{last}): shown from {start} to {end}"
        )
    ss["period"] = (start, end)

    def known(name: str, values: tuple[str, ...], allowed: set[str]) -> list[str]:
        bad = [v for v in values if v not in allowed]
        if bad:
            problems.append(f"ignored URL parameter {name}: unknown {', '.join(map(repr, bad))}")
        return [v for v in values if v in allowed]

    ss["episodes"] = known("episodes", view.episodes, set(data.episodes["episode"]))
    ss["event_types"] = known("event_types", view.event_types, set(choices.event_types))
    ss["actors"] = known("actors", view.actors, set(choices.actors))
    ss["countries"] = known("countries", view.countries, set(COUNTRIES))
    ss["level"] = view.level
    names = choices.unit_names(view.level, tuple(ss["countries"]))
    if view.region is not None and view.region not in names:
        problems.append(f"ignored URL parameter region: no events in {view.region!r}")
        ss["region"] = ALL
    else:
        ss["region"] = view.region or ALL
    ss["precise_only"] = view.precise_only
    ss["mode"] = view.mode
    ss["measure"] = view.measure
    ss["tiles"] = view.tiles
    ss.setdefault("present", view.present)  # a click on Present before this run stays


def totals_table(summary: pd.DataFrame, view: View) -> pd.DataFrame:
    """The totals of units with events, readable: labelled columns, country names, and the
    chosen region's (or district's) own row first."""
    table = summary[summary["events"] > 0].copy()
    table["country"] = table["country"].map(lambda c: COUNTRIES.get(str(c), str(c)))
    unit = "district" if view.level == "district" else "region"
    if view.region and unit in table:
        own = (table[unit] == view.region).to_numpy()
        table = pd.concat([table[own], table[~own]])
    return table.rename(columns=TOTALS_COLUMNS)


def show_region_card(card: RegionCard) -> None:
    """The region card (the chosen region, or both countries) in its own keyed container."""
    with st.container(key="region-card", border=True):
        st.subheader(md_escape(f"{card.title}, {card.period_label}: what the record says"))
        st.markdown(card_markdown(card, title=False))


def country_names(codes: pd.Series) -> pd.Series:
    """Country codes as names ('ARM' -> 'Armenia'); other values kept, missing left empty."""
    codes = codes.astype(object)  # a categorical (imported datasets) maps as plain text
    return codes.map(COUNTRIES).fillna(codes)


def events_table(events: pd.DataFrame) -> pd.DataFrame:
    """The events as the tables show them: labelled columns, country names (index kept)."""
    table = events[list(EVENT_COLUMNS)].copy()
    table["country"] = country_names(table["country"])
    return table.rename(columns=EVENT_COLUMNS)


def show_claims(
    claims: pd.DataFrame,
    columns: list[str],
    alt: str,
    data: Dataset | None = None,
    total: int | None = None,
) -> None:
    """Claims as a static table that wraps its text (never cut); every cell escaped.

    ``total``: how many claims there are in all, when ``claims`` holds only the first.

    ``st.table`` renders Markdown in cells, so each value goes through ``md_escape``.
    With ``data``, the events a claim is about or counted in are named by place and date
    ('Tovuz District (area only), 12 July 2020') rather than by id; the exports keep ids.
    """
    shown = claims.iloc[:MAX_CLAIM_ROWS][columns].copy()
    if data is not None:
        for column in ("event_id", "included_in"):
            if column in shown:
                ids = shown[column].astype("string")
                names = event_labels(data, ids.dropna().unique())
                shown[column] = ids.map(lambda i, names=names: names.get(i, i), na_action="ignore")
    if "measure" in shown:  # 'facilities_destroyed' -> 'facilities destroyed'
        shown["measure"] = shown["measure"].astype("string").str.replace("_", " ")
    shown = shown.rename(columns=CLAIM_COLUMNS)
    cells = shown.map(lambda v: "" if is_missing(v, blank=True) else md_escape(str(v)))
    st.table(cells, hide_index=True, alt=alt, border="horizontal")
    total = len(claims) if total is None else total
    if total > MAX_CLAIM_ROWS:
        st.caption(
            f"The first {MAX_CLAIM_ROWS:,} of {total:,} claims; the export (sidebar) has them all."
        )


def current_view(settings_key: str) -> View:
    """The view the widgets show; the full span of the data counts as no period."""
    ss = st.session_state
    first, last = _span(settings_key)
    start, end = ss["period"]
    return View(
        start=None if start == first and end == last else start,
        end=None if start == first and end == last else end,
        episodes=tuple(ss["episodes"]),
        event_types=tuple(ss["event_types"]),
        actors=tuple(ss["actors"]),
        countries=tuple(ss["countries"]),
        region=ss["region"] or None,
        level=ss["level"],
        precise_only=bool(ss["precise_only"]),
        mode=ss["mode"],
        measure=ss["measure"],
        tiles=bool(ss["tiles"]),
        present=bool(ss.get("present", False)),
    )


def step_period(direction: int, first: date, last: date) -> None:
    """Move the period by its own length, staying inside the data (button callback)."""
    start, end = st.session_state["period"]
    length = (end - start).days + 1
    shift = timedelta(days=length * direction)
    latest_start = last - timedelta(days=length - 1)
    if latest_start < first:  # the period already covers all the data
        return
    new_start = _clamp(start + shift, first, latest_start)
    st.session_state["period"] = (new_start, new_start + timedelta(days=length - 1))


def select_clicked_unit(settings_key: str) -> None:
    """In the choropleth, a click on a unit selects it in the region box (map callback)."""
    state = st.session_state.get("map")
    point = clicked_point(state)
    if point is None and isinstance(state, dict) and state.get("last_object_clicked"):
        LOG.warning("ignored a map click that is not a point: %.200r", state)
    data = load(settings_key)
    if point is None or data.admin is None:
        return
    name = unit_at(data.admin, *point, level=st.session_state["level"])
    names = options(settings_key).unit_names(
        st.session_state["level"], tuple(st.session_state["countries"])
    )
    if name in names:
        st.session_state["region"] = name


# --------------------------------------------------------------------------- page


def sidebar(data: Dataset, settings_key: str) -> None:
    """Every filter and display choice, each with a stable key."""
    ss = st.session_state
    choices = options(settings_key)
    first, last = _span(settings_key)
    with st.sidebar:
        st.header("View")
        st.slider(
            "Period",
            min_value=first,
            # a slider needs two different ends: data of a single day gets the next one too
            max_value=max(last, first + timedelta(days=1)),
            key="period",
            format="YYYY-MM-DD",
        )
        back, forward = st.columns(2)
        back.button(
            "◀ Step back",
            key="step_back",
            on_click=step_period,
            args=(-1, first, last),
            width="stretch",
        )
        forward.button(
            "Step on ▶",
            key="step_forward",
            on_click=step_period,
            args=(1, first, last),
            width="stretch",
        )
        st.caption(
            "The buttons move the period by its own length. "
            + (
                "The choropleth shows the totals of the whole period."
                if ss.get("mode") == "regions"
                else "To play the period day by day, press ▶ on the time bar under the map."
            )
        )
        titles = dict(zip(data.episodes["episode"], data.episodes["title"], strict=True))
        st.multiselect(
            "Episode layers",
            options=list(titles),
            format_func=lambda e: titles.get(e, e),
            key="episodes",
            placeholder="All episodes",
        )
        st.multiselect(
            "Event types",
            options=sorted(choices.event_types),
            format_func=lambda t: EVENT_TYPE_LABELS.get(t, t),
            key="event_types",
            placeholder="All types",
        )
        actor_filter(settings_key)
        st.multiselect(
            "Country",
            options=list(COUNTRIES),
            format_func=lambda c: COUNTRIES[c],
            key="countries",
            placeholder="Both countries",
        )
        st.radio(
            "Level",
            options=list(LEVELS),
            format_func=lambda v: LEVEL_LABELS[v],
            key="level",
            horizontal=True,
        )
        names = choices.unit_names(ss["level"], tuple(ss["countries"]))
        if ss.get("region") not in (ALL, *names):
            ss["region"] = ALL
        st.selectbox(
            "Region" if ss["level"] == "region" else "District",
            options=[ALL, *names],
            format_func=lambda r: r or "All",
            key="region",
            help="Units that events were joined to. In the choropleth, a click selects one.",
        )
        st.toggle(
            "Precise locations only",
            key="precise_only",
            help=f"Keep events placed at the place itself (geo precision 1: {GEO_PRECISION[1]}).",
        )
        unfiltered = current_view(settings_key).with_(precise_only=False)
        coarse, shown = coarse_counts(settings_key, _query(unfiltered))
        st.caption(f"Hides {coarse} of {shown} events placed only near a place or in a region.")
        st.radio("Map mode", options=list(MODES), format_func=lambda m: MODE_LABELS[m], key="mode")
        st.selectbox(
            "Measure (choropleth)",
            options=list(MEASURES),
            format_func=lambda m: MEASURE_LABELS[m],
            key="measure",
        )
        st.toggle("OpenStreetMap tiles", key="tiles", help="Off: boundaries are the base map.")
        if st.button("Reload data", key="reload", help="Read the layers and boundaries again."):
            st.cache_data.clear()
            load.clear()
            options.clear()
            gazetteer.clear()
            map_files.clear()
            boundaries_file.clear()
            region_shapes.clear()
            st.session_state.pop(PREPARED_KEY, None)  # downloads made from the old data
            st.rerun()


def _query(view: View) -> tuple[tuple[str, str], ...]:
    """A view as a cache key: its query, sorted."""
    return tuple(sorted(view.to_query().items()))


@st.cache_data(show_spinner=False)
def coarse_counts(settings_key: str, query: tuple[tuple[str, str], ...]) -> tuple[int, int]:
    """How many events of a view (``precise_only`` off) are placed only near a place or in
    a region (geo precision 2-3), and how many it has: a pass over every event, once per view."""
    ev = load(settings_key).events
    view, _ = View.from_query(dict(query))
    shown = view_mask(ev, view)
    return int((shown & (ev["geo_precision"] != 1)).sum()), int(shown.sum())


@st.cache_data(show_spinner=False)
def actor_counts(settings_key: str) -> pd.Series:
    """How often each actor is named (actor 1 or 2), the most frequent first."""
    events = load(settings_key).events
    return value_counts(events["actor1"], events["actor2"])


def actor_filter(settings_key: str) -> None:
    """The actors box: at most ``MAX_OPTIONS`` listed, with a search box when there are more."""
    counts = actor_counts(settings_key)
    if len(counts) > MAX_OPTIONS:
        st.text_input(
            "Find actors",
            key="actor_search",
            placeholder=f"Part of a name ({len(counts):,} actors)",
            help="Lists the actors whose name contains this, for the box below.",
        )
    query = str(st.session_state.get("actor_search", ""))
    options = bounded_options(counts, selected=st.session_state["actors"], query=query)
    st.multiselect("Actors", options=options, key="actors", placeholder="All actors")
    if len(options) < len(counts):
        which = "matching the search" if query.strip() else "named most often"
        st.caption(
            f"{len(options):,} of {len(counts):,} actors listed ({which}); type part of a "
            "name in Find actors to list others."
        )


def show_map(
    data: Dataset,
    view: View,
    events_of: Callable[[], gpd.GeoDataFrame],
    summary: pd.DataFrame,
    key: str,
) -> None:
    settings = _settings()
    if len(data.events) > settings.max_map_events:
        st.warning(
            f"{len(data.events):,} events are loaded: more than the map is set to draw "
            f"({settings.max_map_events:,}; {ENV_MAX_MAP_EVENTS} changes it). The totals, "
            "tables and exports below cover every event."
        )
        return
    urls = asset_urls(settings)
    files = map_files(key)
    parts = map_parts_for(key, files.data_url, render.parts_key(view), events_of)
    m = render.build_map(
        events_of() if parts.canvas is None else None,  # a canvas reads the files
        view=view,
        admin=data.admin,
        episodes=data.episodes,
        summary=summary,
        places=gazetteer(key),
        attribution=data.attribution,
        asset_urls=urls,
        event_data=files,
        boundaries_url=boundaries_file(key),
        parts=parts,
    )
    map_data_pruned(key)
    # The one render of the page per run: kept for tests, and shown as it is (map_frame.py).
    st.session_state[MAP_HTML_KEY] = page = render.map_html(m)
    regions_mode = view.mode == "regions" and data.admin is not None

    def on_click() -> None:
        select_clicked_unit(key)

    map_frame(
        page,
        key="map",
        # Only the choropleth reacts to clicks; panning, zooming and popups never rerun.
        returned_objects=["last_object_clicked"] if regions_mode else [],
        height=PRESENT_MAP_HEIGHT if view.present else MAP_HEIGHT,
        on_change=on_click if regions_mode else None,
    )
    if urls is None:
        st.caption(
            "Map libraries load from public CDNs; run `conflictmap assets` to serve "
            "local copies (needed offline)."
        )


# --------------------------------------------------------------------------- exports


@dataclass(frozen=True)
class Prepared:
    """A download made on request: its file name, MIME type and bytes."""

    file_name: str
    mime: str
    data: bytes


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")


def _stem(prefix: str, view: View | None) -> str:
    """A file-name stem saying what a download covers, e.g. ``conflictmap_view_Tovuz-District``."""
    if view is None:
        return prefix
    parts = [prefix]
    if view.region:
        parts.append(_slug(view.region))
    if view.start or view.end:
        parts.append(f"{view.start or 'start'}_{view.end or 'end'}")
    return "_".join(p for p in parts if p)


def _export_key(view: View | None) -> tuple[tuple[str, str], ...]:
    """What a download depends on: the view's filters, level and measure (not tiles, mode)."""
    if view is None:
        return ()
    return tuple(sorted(view.with_(tiles=True, mode="events", present=False).to_query().items()))


def analyst_export(data: Dataset, choice: str, view: View | None, measure: str) -> Prepared:
    """An analyst export of the view (``None``: every event) as one download."""
    spec = ANALYST_FORMATS[choice]
    stem = _stem("conflictmap_view" if view is not None else "conflictmap_events", view)
    payload = export_bytes(
        data,
        fmt=spec.fmt,
        view=view,
        measure=measure,
        settings=_settings(),
        filename=stem,  # names the files inside: the GeoPackage's project refers to it
        bundle=spec.bundle,
    )
    return Prepared(export_filename(spec.fmt, stem + spec.name_suffix), spec.mime, payload)


def teacher_export(data: Dataset, choice: str, view: View) -> Prepared:
    """The printable map (PNG or PDF) or the handout (HTML) of the view's region and period."""
    settings = _settings()
    if choice in ("png", "pdf"):
        stem = _stem("conflictmap_map", view)
        payload = figure_bytes(data, view, fmt=choice, settings=settings)
        return Prepared(f"{stem}.{choice}", TEACHER_FORMATS[choice][2], payload)
    stem = _stem("conflictmap_handout", view)
    payload = handout_bytes(data, view, fmt="html", settings=settings)
    return Prepared(f"{stem}.html", TEACHER_FORMATS["handout"][2], payload)


def prepared_download(
    key: tuple[object, ...],
    what: str,
    make: Callable[[], Prepared],
    *,
    button_key: str,
    download_key: str,
) -> None:
    """A "Prepare" button that builds a download once, then the download button.

    The bytes stay in the session state under ``key`` (what the export depends on), so
    reruns only rebuild a download when the view changed and it is asked for again.
    """
    prepared: dict[tuple[object, ...], Prepared] = st.session_state.setdefault(PREPARED_KEY, {})
    slot = st.empty()  # the Prepare button, gone once the download is ready
    if key not in prepared and slot.button(f"Prepare {what}", key=button_key, width="stretch"):
        try:
            with st.spinner(f"Preparing {what}…"):
                prepared[key] = make()
        except Exception as exc:  # shown to the user; the trace goes to the server log
            LOG.exception("preparing %s failed", what)
            st.error(f"Could not prepare the {what}: {md_escape(str(exc))}")
            return
        slot.empty()
        while len(prepared) > MAX_PREPARED:
            del prepared[next(iter(prepared))]
    if key in prepared:
        done = prepared[key]
        st.download_button(
            f"Download {done.file_name}",
            data=done.data,
            file_name=done.file_name,
            mime=done.mime,
            key=download_key,
            on_click="ignore",
            width="stretch",
        )
        st.caption(f"{len(done.data) / 1e6:,.2f} MB")


@st.fragment
def export_section(data: Dataset, view: View) -> None:
    """Downloads: analyst exports of the view or everything; the teacher's map and handout.

    A fragment: choosing and preparing reruns only this section, not the map.
    """
    with st.expander("Export", expanded=False):
        st.markdown("**Data (analysts)**")
        scope = st.radio(
            "Export",
            options=list(EXPORT_SCOPES),
            format_func=EXPORT_SCOPES.__getitem__,
            key="export_scope",
            horizontal=True,
            help="In view: the period, layers, types, actors, country, region and precision "
            "chosen above, as on the map.",
        )
        choice = st.selectbox(
            "Format",
            options=list(ANALYST_FORMATS),
            format_func=lambda f: ANALYST_FORMATS[f].label,
            key="export_format",
        )
        chosen = view if scope == "view" else None
        prepared_download(
            ("data", choice, scope, _export_key(chosen), view.measure),
            ANALYST_FORMATS[choice].short,
            lambda: analyst_export(data, choice, chosen, view.measure),
            button_key="export_prepare",
            download_key="export_download",
        )

        st.markdown("**Print (teachers)**")
        if data.admin is None:
            st.info("The printable map and handout need the boundaries (see the warning above).")
            return
        st.caption("The region chosen above (or both countries) and the period in view.")
        teacher = st.selectbox(
            "Format",
            options=list(TEACHER_FORMATS),
            format_func=lambda f: TEACHER_FORMATS[f][0],
            key="teacher_format",
        )
        prepared_download(
            ("teacher", teacher, _export_key(view)),
            TEACHER_FORMATS[teacher][1],
            lambda: teacher_export(data, teacher, view),
            button_key="teacher_prepare",
            download_key="teacher_download",
        )


#: Every page: a visible focus ring on whatever the keyboard reaches, the slider's thumb
#: too (its focus is on a hidden input inside it). Fixed CSS, no data.
FOCUS_CSS = """<style>
:focus-visible { outline: 3px solid #0b57d0 !important; outline-offset: 2px !important; }
[data-testid="stSlider"] div:has(> div > input[type="range"]:focus-visible) {
  outline: 3px solid #0b57d0; outline-offset: 2px; }
</style>"""
#: Presentation mode: no sidebar or header, larger type; the map and the region card fill
#: the screen (the card scrolls inside itself, never the page). Fixed CSS, no data.
PRESENT_CSS = f"""<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"] {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{
  padding: 0.5rem 1.25rem 0 !important; max-width: none !important; }}
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li {{
  font-size: 1.25rem; }}
.st-key-region-card {{ max-height: {PRESENT_MAP_HEIGHT}px; overflow-y: auto; }}
.st-key-region-card p, .st-key-region-card li {{ font-size: 1.35rem; line-height: 1.4; }}
</style>"""


def toggle_present() -> None:
    """Enter or leave presentation mode (button callback); the rest of the view stays."""
    st.session_state["present"] = not st.session_state.get("present", False)


def header_row(presenting: bool) -> None:
    """The page title and the button that enters or leaves presentation mode."""
    title, button = st.columns([5, 1], vertical_alignment="center")
    if presenting:
        title.markdown("**Armenia–Azerbaijan conflict map**")
    else:
        title.title("Armenia–Azerbaijan conflict map")
    button.button(
        "Leave presentation" if presenting else "Present",
        key="present_button",
        on_click=toggle_present,
        help="Presentation: the map and the region card fill the screen, in large type, "
        "for a projector."
        if not presenting
        else "Back to the full page; the view stays as it is.",
        width="stretch",
    )


#: How much of a URL parameter a warning echoes (a link can carry 60 kB).
URL_ECHO_CHARS = 300
#: At most this many layer problems are listed on the page (all are in `conflictmap validate`).
SHOWN_PROBLEMS = 50


def layer_problem_list(problems: Sequence[str], settings: Settings) -> str:
    """Problems as a Markdown list, with paths relative to the layers folder's parent."""
    base = str(settings.layers_dir.resolve().parent) + os.sep
    plain = str(settings.layers_dir.parent) + os.sep
    lines = [
        f"- {md_escape(shorten(p.replace(base, '').replace(plain, ''), 1000))}"
        for p in problems[:SHOWN_PROBLEMS]
    ]
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(f"- … and {len(problems) - SHOWN_PROBLEMS} more")
    return "\n".join(lines)


def run_page() -> None:
    """The page, with a top-level handler: a reader sees a clear message, the log the details.

    ``client.showErrorDetails = "none"`` in ``.streamlit/config.toml`` keeps Streamlit
    from showing tracebacks and server paths for anything that escapes this handler.
    """
    try:
        main()
    except Exception:
        LOG.exception("the page failed")
        st.error(
            "Something went wrong while showing this page. The details are in the server "
            "log; reload the page, or report the problem with the link you used."
        )


def main() -> None:
    st.set_page_config(page_title="Armenia–Azerbaijan conflict map", layout="wide")
    if st.query_params.get("page") == add_from_article.PAGE_PARAM:
        add_from_article.main(configure=False)
        return
    st.html(FOCUS_CSS)
    presenting = bool(st.session_state.get("present", st.query_params.get("present") == "1"))
    if presenting:
        st.html(PRESENT_CSS)
    header_row(presenting)
    settings = _settings()
    key = repr(settings)
    try:
        data = load(key)
    except ValidationError as exc:
        st.error(
            "The event layers have problems; fix them (or run `conflictmap validate`):\n\n"
            + layer_problem_list(exc.problems, settings)
        )
        st.stop()
    if data.layer_problems:
        st.error(
            "Some layer files have problems and are left out; the map shows every other "
            "layer. Fix them (or run `conflictmap validate`):\n\n"
            + layer_problem_list(data.layer_problems, settings)
        )
    if data.boundary_problem:
        st.warning(
            "Boundaries could not be loaded, so events are shown without regions.\n\n"
            f"{md_escape(data.boundary_problem)}\n\n{HOW_TO_GET_BOUNDARIES}"
        )

    if "url_read" not in st.session_state:
        view, problems = View.from_query(st.query_params.to_dict())
        init_state(view, data, problems, key)
        st.session_state["url_problems"] = problems
        st.session_state["url_read"] = True
    for problem in st.session_state.get("url_problems", []):
        st.warning(md_escape(shorten(problem, URL_ECHO_CHARS)))

    # On a browser's first page the sidebar's widgets follow the map's first draw.
    map_reports = (
        st.session_state["mode"] == "events" and len(data.events) <= settings.max_map_events
    )
    waiting = sidebar_waits(map_reports, presenting=presenting)
    if waiting:
        st.sidebar.header("View")
        st.sidebar.caption(SIDEBAR_WAIT_NOTE)
    else:
        sidebar(data, key)
    view = current_view(key)
    st.query_params.from_dict(view.to_query())
    if not waiting:
        with st.sidebar:
            export_section(data, view)
            st.markdown(f"[Add events from an article](?page={add_from_article.PAGE_PARAM})")

    # the view's events, made once when first needed: the map needs none of their rows
    # when its parts are kept (map_parts_for), so they are made after its message
    events_of = functools.cache(lambda: apply_view(data.events, view))
    card_query = tuple(sorted(view.with_(present=False).to_query().items()))
    summary = summary_for(key, card_query)
    if view.present:  # the map and the card, side by side, and nothing else
        left, right = st.columns([3, 2])
        with left:
            show_map(data, view, events_of, summary, key)
        with right:
            show_region_card(card_for(key, card_query))
        return
    cols = st.columns(4)
    count, *deaths = view_totals(key, card_query)
    cols[0].metric("Events in view", count)
    for col, name, value in zip(cols[1:], DEATHS, deaths, strict=True):
        col.metric(MEASURE_LABELS[name], value)

    show_map(data, view, events_of, summary, key)
    events = events_of()
    st.caption(
        " · ".join(
            line
            for line in (
                data.attribution,
                PLACES_CREDIT,
                "Tiles © OpenStreetMap contributors (ODbL)" if view.tiles else "",
            )
            if line
        )
    )

    if view.mode == "events":
        map_period_bar(st.session_state["period"], *_span(key))
    # Laid out after the map's first draw on a browser's first page (page_after_map.py).
    page_after_map(
        lambda: page_under_map(data, view, events, summary, key, card_query),
        map_reports=map_reports,
    )


def page_under_map(
    data: Dataset,
    view: View,
    events: gpd.GeoDataFrame,
    summary: pd.DataFrame,
    key: str,
    card_query: tuple[tuple[str, str], ...],
) -> None:
    """The region card, totals, event tables, claims and episodes (under the map)."""
    show_region_card(card_for(key, card_query))

    unit = "district" if view.level == "district" else "region"
    left, right = st.columns(2)
    with left:
        st.subheader(f"Totals per {unit} for the period")
        st.dataframe(totals_table(summary, view), hide_index=True, key="totals", width="stretch")
    with right:
        if view.region:
            st.subheader(md_escape(f"Events in {view.region}"))
            paged_table(
                events,
                events_table,
                key="region_events",
                column_config=EVENT_COLUMN_CONFIG,
                alt=f"Events in {view.region}",
                note=TABLE_NOTE,
            )
        else:
            st.info(f"Choose a {unit} in the sidebar to list its events and their claims.")
    if view.region:  # full width: the claims' text wraps instead of being cut
        st.markdown(f"**Claims about the events in {md_escape(view.region)}**")
        claims, total = claims_for(key, card_query)
        show_claims(
            claims, list(CLAIM_COLUMNS), f"Claims about the events in {view.region}", data, total
        )

    st.subheader("Events in view")
    paged_table(
        events, events_table, key="events_table", column_config=EVENT_COLUMN_CONFIG,
        alt="Events in view", note=TABLE_NOTE,
    )  # fmt: skip

    st.subheader("Episode-wide claims")
    episode_section(data, view, key)


@st.fragment
def episode_section(data: Dataset, view: View, key: str) -> None:
    """One expander per episode: its summary and episode-wide claims, sent when opened.

    A fragment: opening an expander reruns only this section. Closed, an expander holds
    nothing, so a new page neither sends nor lays out every episode's text and tables.
    """
    for _, episode in data.episodes.iterrows():
        if view.episodes and episode["episode"] not in view.episodes:
            continue
        title = str(episode["title"])
        box = st.expander(
            md_escape(title), key=f"episode_open_{episode['episode']}", on_change="rerun"
        )
        if not box.open:
            continue
        with box:
            st.markdown(md_escape(str(episode["summary"])))
            if episode["claims"]:
                rows = episode_claims(key, str(episode["episode"]))
                show_claims(rows, list(CLAIM_COLUMNS)[1:], f"Episode-wide claims: {title}", data)
            else:
                st.caption("No episode-wide claims.")


run_page()
