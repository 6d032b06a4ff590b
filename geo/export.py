"""Analyst exports: GeoPackage (styled for QGIS), GeoJSON, CSV, KML and zip, read back losslessly.

Every format carries ACLED/UCDP-compatible event columns (``event_id``,
``event_date``, ``admin1``, ``fatalities``, ``deaths_low/best/high`` ...), the
claims and sources behind each figure, and the licences and attribution. A
package holds everything or exactly what a :class:`geo.view.View` shows.
Writes are atomic: a temporary file in the target folder, then a rename.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args
from xml.sax.saxutils import escape

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from geo import qgis
from geo._errors import ConflictMapError, ExportError
from geo._io import atomic_path, atomic_write_bytes, atomic_write_text
from geo.events import CASUALTY_COLUMNS, Claim, Source, derived_figures, figures_note
from geo.style import EVENT_TYPE_COLORS, EVENT_TYPE_LABELS
from geo.view import MEASURES, View, apply_view

if TYPE_CHECKING:
    from geo.boundaries import AdminUnits
    from geo.config import Settings
    from geo.dataset import Dataset

NESTED = ("claims", "sources", "tags")

Format = Literal["gpkg", "geojson", "csv", "kml", "zip"]
FORMATS: tuple[str, ...] = get_args(Format)
SUFFIXES = {"gpkg": ".gpkg", "geojson": ".geojson", "csv": ".csv", "kml": ".kml", "zip": ".zip"}
#: GeoPackage version written: QGIS 3.22 (GDAL 3.6) warns on the 1.4 files newer GDAL writes.
GPKG_VERSION = "1.2"
GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10200
#: Name of the QGIS project stored inside every GeoPackage export.
PROJECT_NAME = "conflictmap"
#: Separator for list values (tags, cited agencies) in flat formats.
LIST_SEP = "; "

LICENCES = (
    "Event layers, claims and gazetteer: CC BY-SA 4.0 (conflictmap contributors; some "
    "coordinates come from Wikipedia, CC BY-SA); every event cites the reports it rests on "
    "(see the sources table) — quote them under their own terms.",
    "Places: GeoNames (www.geonames.org), CC BY 4.0; Wikipedia, CC BY-SA.",
    "Code: MIT.",
)
SHARE_ALIKE_NOTE = (
    "ODbL and CC BY-SA are share-alike: derived boundary data stays under the same terms."
)
MEASURE_LABELS = {
    "events": "Events",
    "deaths_low": "Deaths (low)",
    "deaths_best": "Deaths (best)",
    "deaths_high": "Deaths (high)",
}


# --- kept from the first version: raw frames to GeoJSON/GeoPackage/CSV ----------------------


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, list | dict | str):
        return value.item()
    return value


def events_geojson(events: gpd.GeoDataFrame) -> dict[str, Any]:
    """RFC 7946 FeatureCollection (WGS84, [lon, lat]) with claims and sources nested."""
    if events.crs is None or events.crs.to_epsg() != 4326:
        events = events.to_crs(4326)
    features = []
    for _, row in events.iterrows():
        props = {k: _plain(v) for k, v in row.items() if k != events.geometry.name}
        geom = row[events.geometry.name]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [geom.x, geom.y]},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def flat_events(events: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Events with nested columns serialised as JSON text (for GeoPackage/CSV)."""
    flat = events.copy()
    for name in NESTED:
        if name in flat:
            flat[name] = [json.dumps(v, ensure_ascii=False) for v in flat[name]]
    return flat


def write_events(events: gpd.GeoDataFrame, path: str | os.PathLike[str]) -> Path:
    """Write events by file suffix: ``.geojson``, ``.gpkg`` or ``.csv``; never half-written."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in (".geojson", ".json"):
        atomic_write_text(
            target, json.dumps(events_geojson(events), ensure_ascii=False, indent=1) + "\n"
        )
    elif suffix == ".csv":
        flat = pd.DataFrame(flat_events(events).drop(columns=events.geometry.name))
        atomic_write_text(target, flat.to_csv(index=False, date_format="%Y-%m-%d"))
    elif suffix == ".gpkg":
        with atomic_path(target) as tmp:
            flat_events(events).reset_index(drop=True).to_file(
                tmp, layer="events", driver="GPKG", engine="pyogrio", VERSION=GPKG_VERSION
            )
    else:
        raise ExportError(
            f"{target}: unknown output format {suffix!r}; use .geojson, .gpkg or .csv"
        )
    return target


# --- small helpers ------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _text(value: Any) -> str | None:
    return None if _missing(value) else str(value)


def _int(value: Any) -> int | None:
    return None if _missing(value) else int(value)


def _float(value: Any) -> float | None:
    return None if _missing(value) else float(value)


def _day(value: Any) -> date | None:
    if _missing(value):
        return None
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(value, datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def _iso(value: Any) -> str | None:
    day = _day(value)
    return day.isoformat() if day else None


# --- tables -------------------------------------------------------------------------------------

#: (column, kind, alias). Kinds: str, date, int, float. ACLED/UCDP names first, then ours.
EVENT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("event_id", "str", "Event ID"),
    ("event_date", "date", "Event date"),
    ("year", "int", "Year"),
    ("time_precision", "int", "Time precision (ACLED 1-3)"),
    ("event_type", "str", "Event type (ACLED)"),
    ("sub_event_type", "str", "Sub-event type (ACLED)"),
    ("actor1", "str", "Actor 1"),
    ("assoc_actor_1", "str", "Associated actor 1"),
    ("actor2", "str", "Actor 2"),
    ("assoc_actor_2", "str", "Associated actor 2"),
    ("country", "str", "Country"),
    ("iso3", "str", "Country ISO3"),
    ("admin1", "str", "Region (admin 1)"),
    ("admin2", "str", "District (admin 2)"),
    ("location", "str", "Location"),
    ("latitude", "float", "Latitude"),
    ("longitude", "float", "Longitude"),
    ("geo_precision", "int", "Geo precision (ACLED 1-3)"),
    ("where_prec", "int", "Where precision (UCDP 1-7)"),
    ("source", "str", "Sources (outlets)"),
    ("notes", "str", "Notes"),
    ("fatalities", "int", "Fatalities (ACLED: lowest attributed)"),
    ("deaths_low", "int", "Deaths, low (UCDP)"),
    ("deaths_best", "int", "Deaths, best (UCDP)"),
    ("deaths_high", "int", "Deaths, high (UCDP)"),
    ("injured_low", "int", "Injured, low"),
    ("injured_high", "int", "Injured, high"),
    ("figures_note", "str", "Casualty claims not counted in the figures"),
    ("join_method", "str", "Join method"),
    ("join_distance_m", "float", "Join distance (m)"),
    ("admin_note", "str", "Admin join note"),
    ("tags", "str", "Tags"),
    ("episode", "str", "Episode"),
    ("date_start", "date", "First day"),
    ("date_end", "date", "Last day"),
    ("injured_best", "int", "Injured, best"),
    ("region_id", "str", "Region ID"),
    ("district_id", "str", "District ID"),
    ("place_id", "str", "Gazetteer place"),
    ("location_note", "str", "Location note"),
    ("episode_title", "str", "Episode title"),
    ("layer_file", "str", "Layer file"),
    ("expected_region", "str", "Region per gazetteer"),
    ("claims_summary", "str", "Claims"),
    ("dataset", "str", "Dataset (curated, acled, ucdp)"),
)
CLAIM_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("event_id", "str", "Event ID (empty: episode-wide)"),
    ("episode", "str", "Episode"),
    ("scope", "str", "Scope (event/episode)"),
    ("claim_no", "int", "Claim number"),
    ("claimant", "str", "Claimant"),
    ("claimant_type", "str", "Claimant type"),
    ("measure", "str", "Measure"),
    ("subject", "str", "Subject"),
    ("side", "str", "Side"),
    ("group", "str", "Group"),
    ("qualifier", "str", "Qualifier"),
    ("value", "int", "Value"),
    ("low", "int", "Low"),
    ("high", "int", "High"),
    ("text", "str", "Wording"),
    ("figure", "str", "Figure as stated"),
    ("source", "str", "Source ID"),
    ("source_outlet", "str", "Source outlet"),
    ("via", "str", "Via"),
    ("disputed_by", "str", "Disputed by"),
    ("included_in", "str", "Included in event"),
    ("note", "str", "Note"),
)
SOURCE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("event_id", "str", "Event ID (empty: episode-wide)"),
    ("episode", "str", "Episode"),
    ("scope", "str", "Scope (event/episode)"),
    ("source_no", "int", "Source number"),
    ("source_id", "str", "Source ID"),
    ("outlet", "str", "Outlet"),
    ("reported", "str", "What it reported"),
    ("published", "date", "Published"),
    ("published_note", "str", "Publication note"),
    ("seed", "str", "Seed file"),
    ("cites", "str", "Cites"),
    ("url", "str", "URL"),
)
EPISODE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("episode", "str", "Episode"),
    ("title", "str", "Title"),
    ("summary", "str", "Summary"),
    ("date_start", "date", "First day"),
    ("date_end", "date", "Last day"),
    ("layer_file", "str", "Layer file"),
)
REGION_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("country", "str", "Country"),
    ("region_id", "str", "Region ID"),
    ("region", "str", "Region"),
    ("region_iso", "str", "Region ISO code"),
    ("level", "str", "Admin level"),
)
DISTRICT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("country", "str", "Country"),
    ("district_id", "str", "District ID"),
    ("district", "str", "District"),
    ("region_id", "str", "Region ID"),
    ("region", "str", "Region"),
    ("level", "str", "Admin level"),
)
_COUNT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("events", "int", "Events"),
    ("deaths_low", "int", "Deaths, low"),
    ("deaths_best", "int", "Deaths, best"),
    ("deaths_high", "int", "Deaths, high"),
    ("injured_low", "int", "Injured, low"),
    ("injured_high", "int", "Injured, high"),
    ("period_start", "date", "Period start"),
    ("period_end", "date", "Period end"),
)
#: The columns an events frame must have (what :func:`geo.dataset.load_dataset` gives).
REQUIRED_EVENT_COLUMNS = (
    "event_id",
    "event_date",
    "date_start",
    "date_end",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "country",
    "location",
    "geo_precision",
    "where_prec",
    "notes",
    "sources",
    "claims",
    "tags",
    "episode",
    "deaths_low",
    "deaths_best",
    "deaths_high",
    "injured_low",
    "injured_best",
    "injured_high",
    "region",
    "district",
)


def _flat_list(values: Iterable[str], where: str) -> str:
    items = [str(v) for v in values]
    bad = [v for v in items if ";" in v]
    if bad:
        raise ExportError(f"{where}: {bad[0]!r} contains ';', which separates list items")
    return LIST_SEP.join(items)


def _split_list(text: Any) -> list[str]:
    return [] if _missing(text) or text == "" else str(text).split(LIST_SEP)


def claim_line(claim: Mapping[str, Any], outlets: Mapping[str, str]) -> str:
    """One claim as a line of text: who, what, about whom, the figure as stated, where."""
    c = Claim.model_validate(dict(claim))
    who = f"{c.claimant} ({c.claimant_type.replace('_', ' ')})"
    people = c.subject
    if c.side != "any" or c.group != "any":
        people += f" [{' '.join(x for x in (c.side, c.group) if x != 'any')}]"
    line = f"{who}: {c.measure.replace('_', ' ')} {c.display_value()} — {people}"
    line += f"; via {c.via}" if c.via else ""
    line += f"; disputed by {c.disputed_by}" if c.disputed_by else ""
    line += f"; counted in {c.included_in}" if c.included_in else ""
    return f"{line} ({outlets.get(c.source, c.source)})"


def check_events(events: pd.DataFrame) -> None:
    """Refuse a frame that is not a joined events frame, naming what is wrong."""
    if not isinstance(events, gpd.GeoDataFrame):
        raise ExportError(f"events must be a GeoDataFrame, got {type(events).__name__}")
    problems = [f"no column {c!r}" for c in REQUIRED_EVENT_COLUMNS if c not in events.columns]
    if events.crs is None:
        problems.append("no CRS (expected EPSG:4326)")
    if "event_id" in events.columns:
        dupes = sorted(set(events["event_id"][events["event_id"].duplicated()]))
        if dupes:
            problems.append(f"event_id repeated: {', '.join(map(str, dupes[:10]))}")
    if problems:
        raise ExportError("events frame: " + "; ".join(problems))


def event_table(events: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per event with ACLED/UCDP column names (:data:`EVENT_FIELDS`), EPSG:4326.

    ``country`` is the country name as in ACLED and UCDP, ``iso3`` its code;
    ``admin1``/``admin2`` are the joined region and district; ``source`` lists
    the outlets; ``fatalities`` is the lowest attributed death toll (ACLED's
    conservative rule) and ``deaths_low/best/high`` the UCDP-style estimates.
    """
    check_events(events)
    if events.crs.to_epsg() != 4326:
        events = events.to_crs(4326)
    rows: list[dict[str, Any]] = []
    for _, e in events.iterrows():
        eid = str(e["event_id"])
        outlets = {s["id"]: s["outlet"] for s in e["sources"]}
        geom = e.geometry
        rows.append(
            {
                "event_id": eid,
                "event_date": _day(e["event_date"]),
                "year": _day(e["event_date"]).year,  # type: ignore[union-attr]
                "time_precision": _int(e["time_precision"]),
                "event_type": _text(e["event_type"]),
                "sub_event_type": _text(e["sub_event_type"]),
                "actor1": _text(e["actor1"]),
                "assoc_actor_1": _text(e.get("assoc_actor_1")),
                "actor2": _text(e.get("actor2")),
                "assoc_actor_2": _text(e.get("assoc_actor_2")),
                "country": _text(e.get("country_name")) or _text(e["country"]),
                "iso3": _text(e["country"]),
                "admin1": _text(e["region"]),
                "admin2": _text(e["district"]),
                "location": _text(e["location"]),
                "latitude": float(geom.y),
                "longitude": float(geom.x),
                "geo_precision": _int(e["geo_precision"]),
                "where_prec": _int(e["where_prec"]),
                "source": _flat_list(dict.fromkeys(outlets.values()), f"event {eid} sources"),
                "notes": _text(e["notes"]),
                "fatalities": _int(e.get("fatalities", e["deaths_low"])),
                "deaths_low": _int(e["deaths_low"]),
                "deaths_best": _int(e["deaths_best"]),
                "deaths_high": _int(e["deaths_high"]),
                "injured_low": _int(e["injured_low"]),
                "injured_high": _int(e["injured_high"]),
                "figures_note": _text(e.get("figures_note")),
                "join_method": _text(e.get("join_method")),
                "join_distance_m": _float(e.get("join_distance_m")),
                "admin_note": _text(e.get("admin_note")),
                "tags": _flat_list(e["tags"], f"event {eid} field 'tags'"),
                "episode": _text(e["episode"]),
                "date_start": _day(e["date_start"]),
                "date_end": _day(e["date_end"]),
                "injured_best": _int(e["injured_best"]),
                "region_id": _text(e.get("region_id")),
                "district_id": _text(e.get("district_id")),
                "place_id": _text(e.get("place_id")),
                "location_note": _text(e.get("location_note")),
                "episode_title": _text(e.get("episode_title")),
                "layer_file": _text(e.get("layer_file")),
                "expected_region": _text(e.get("expected_region")),
                "claims_summary": "\n".join(claim_line(c, outlets) for c in e["claims"]),
                "dataset": _text(e.get("dataset")) or "curated",
                "geometry": Point(geom.x, geom.y),
            }
        )
    columns = [name for name, _, _ in EVENT_FIELDS]
    frame = pd.DataFrame(rows, columns=[*columns, "geometry"], dtype=object)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def _episode_rows(episodes: pd.DataFrame | None, kept: set[str]) -> list[Mapping[str, Any]]:
    if episodes is None or not len(episodes):
        return []
    return [row for _, row in episodes.iterrows() if row["episode"] in kept]


def claims_table(events: pd.DataFrame, episodes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per claim, keyed by ``event_id`` (episode-wide claims: by ``episode``)."""
    rows: list[dict[str, Any]] = []

    def add(
        claims: Iterable[Mapping[str, Any]],
        sources: Iterable[Mapping[str, Any]],
        event_id: str | None,
        episode: str,
    ) -> None:
        outlets = {s["id"]: s["outlet"] for s in sources}
        for n, raw in enumerate(claims, start=1):
            c = Claim.model_validate(dict(raw))
            rows.append(
                {
                    "event_id": event_id,
                    "episode": episode,
                    "scope": "event" if event_id else "episode",
                    "claim_no": n,
                    **{
                        k: getattr(c, k)
                        for k in (
                            "claimant",
                            "claimant_type",
                            "measure",
                            "subject",
                            "side",
                            "group",
                            "qualifier",
                            "value",
                            "low",
                            "high",
                            "text",
                        )
                    },
                    "figure": c.display_value(),
                    "source": c.source,
                    "source_outlet": outlets.get(c.source),
                    "via": c.via,
                    "disputed_by": c.disputed_by,
                    "included_in": c.included_in,
                    "note": c.note,
                }
            )

    for _, e in events.iterrows():
        add(e["claims"], e["sources"], str(e["event_id"]), str(e["episode"]))
    for ep in _episode_rows(episodes, set(events["episode"])):
        add(ep["claims"], ep["sources"], None, str(ep["episode"]))
    return pd.DataFrame(rows, columns=[n for n, _, _ in CLAIM_FIELDS], dtype=object)


def sources_table(events: pd.DataFrame, episodes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per source of each event (and of each episode, with ``event_id`` empty)."""
    rows: list[dict[str, Any]] = []

    def add(sources: Iterable[Mapping[str, Any]], event_id: str | None, episode: str) -> None:
        for n, raw in enumerate(sources, start=1):
            s = Source.model_validate(dict(raw))
            where = f"event {event_id or episode} source {s.id}"
            rows.append(
                {
                    "event_id": event_id,
                    "episode": episode,
                    "scope": "event" if event_id else "episode",
                    "source_no": n,
                    "source_id": s.id,
                    "outlet": s.outlet,
                    "reported": s.reported,
                    "published": s.published,
                    "published_note": s.published_note,
                    "seed": s.seed,
                    "cites": _flat_list(s.cites, where),
                    "url": s.url,
                }
            )

    for _, e in events.iterrows():
        add(e["sources"], str(e["event_id"]), str(e["episode"]))
    for ep in _episode_rows(episodes, set(events["episode"])):
        add(ep["sources"], None, str(ep["episode"]))
    return pd.DataFrame(rows, columns=[n for n, _, _ in SOURCE_FIELDS], dtype=object)


def episodes_table(events: pd.DataFrame, episodes: pd.DataFrame | None) -> pd.DataFrame:
    """The episodes the exported events belong to (attributes only)."""
    rows = [
        {
            "episode": ep["episode"],
            "title": ep.get("title"),
            "summary": ep.get("summary"),
            "date_start": _day(ep.get("date_start")),
            "date_end": _day(ep.get("date_end")),
            "layer_file": ep.get("layer_file"),
        }
        for ep in _episode_rows(episodes, set(events["episode"]))
    ]
    return pd.DataFrame(rows, columns=[n for n, _, _ in EPISODE_FIELDS], dtype=object)


def summary_table(
    events: pd.DataFrame,
    admin: AdminUnits,
    *,
    by: Literal["region", "district"] = "region",
    start: date | None = None,
    end: date | None = None,
) -> gpd.GeoDataFrame:
    """Units with their counts for the events given (every unit, zeros included).

    Built on :func:`geo.summary.region_summary`; events in no unit keep their
    row (``"(outside any region)"``) with an empty geometry, so the counts add
    up to the events exported. ``period_start``/``period_end`` record the period.
    """
    from geo.summary import region_summary

    table = region_summary(events, by=by, start=start, end=end, admin=admin)
    units = admin.regions if by == "region" else admin.districts
    keys = ["country", "region"] if by == "region" else ["country", "district", "region"]
    ident = "region_id" if by == "region" else "district_id"
    shapes = pd.DataFrame(units[[*keys, ident, "geometry"]]).astype({k: str for k in keys})
    shapes = shapes.drop_duplicates(keys)
    merged = table.merge(shapes, on=keys, how="left")
    days = [d for d in (_day(x) for x in events["date_start"]) if d]
    ends = [d for d in (_day(x) for x in events["date_end"]) if d]
    merged["period_start"] = start or (min(days) if days else None)
    merged["period_end"] = end or (max(ends) if ends else None)
    out = gpd.GeoDataFrame(merged, geometry="geometry", crs=units.crs)
    if out.crs is not None and out.crs.to_epsg() != 4326:
        out = out.to_crs(4326)
    return out


def summary_fields(by: str) -> tuple[tuple[str, str, str], ...]:
    head: tuple[tuple[str, str, str], ...] = (
        (
            ("country", "str", "Country"),
            ("region_id", "str", "Region ID"),
            ("region", "str", "Region"),
        )
        if by == "region"
        else (
            ("country", "str", "Country"),
            ("district_id", "str", "District ID"),
            ("district", "str", "District"),
            ("region", "str", "Region"),
        )
    )
    return head + _COUNT_FIELDS


# --- arrow / GeoPackage writing -----------------------------------------------------------------

_ARROW_TYPES = {"str": pa.string(), "date": pa.date32(), "int": pa.int32(), "float": pa.float64()}
_CONVERT: dict[str, Callable[[Any], Any]] = {
    "str": _text,
    "date": _day,
    "int": _int,
    "float": _float,
}


def _arrow(frame: pd.DataFrame, fields: Sequence[tuple[str, str, str]]) -> pa.Table:
    arrays = {
        name: pa.array([_CONVERT[kind](v) for v in frame[name]], type=_ARROW_TYPES[kind])
        for name, kind, _ in fields
    }
    return pa.table(arrays)


def _multi(geom: Any) -> Any:
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    return geom


def _write_layer(
    path: Path,
    frame: pd.DataFrame,
    layer: str,
    fields: Sequence[tuple[str, str, str]],
    *,
    geometry_type: str | None,
    description: str,
) -> None:
    table = _arrow(frame, fields)
    kwargs: dict[str, Any] = {}
    if geometry_type is not None:
        geoms = [_multi(g) if geometry_type == "MultiPolygon" else g for g in frame.geometry]
        wkb = shapely.to_wkb(np.array(geoms, dtype=object), output_dimension=2)
        table = table.append_column("geom", pa.array(list(wkb), type=pa.binary()))
        kwargs = {"geometry_name": "geom", "geometry_type": geometry_type, "crs": "EPSG:4326"}
    pyogrio.write_arrow(
        table,
        path,
        layer=layer,
        driver="GPKG",
        append=path.exists(),
        layer_options={"DESCRIPTION": description, "IDENTIFIER": layer},
        **({} if path.exists() else {"dataset_options": {"VERSION": GPKG_VERSION}}),
        **kwargs,
    )


def _bbox(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    geoms = frame.geometry[frame.geometry.notna() & ~frame.geometry.is_empty]
    if not len(geoms):
        return None
    x0, y0, x1, y1 = (float(v) for v in geoms.total_bounds)
    return x0, y0, x1, y1


# --- metadata -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportInfo:
    """What an export holds and under which terms (written into every format)."""

    title: str
    dataset_version: str
    software_version: str
    exported_at: datetime
    filters: dict[str, str]
    filters_text: str
    period_start: date | None
    period_end: date | None
    measure: str
    events: int
    claims: int
    sources: int
    licences: tuple[str, ...]
    attribution: str
    outlets: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "dataset_version": self.dataset_version,
            "software_version": self.software_version,
            "exported_at": self.exported_at.astimezone(timezone.utc).isoformat(timespec="seconds"),
            "filters": self.filters,
            "filters_text": self.filters_text,
            "period_start": self.period_start.isoformat() if self.period_start else None,
            "period_end": self.period_end.isoformat() if self.period_end else None,
            "measure": self.measure,
            "counts": {"events": self.events, "claims": self.claims, "sources": self.sources},
            "licences": list(self.licences),
            "attribution": self.attribution,
            "sources_cited": list(self.outlets),
        }


def dataset_version(events: gpd.GeoDataFrame, episodes: pd.DataFrame | None = None) -> str:
    """``<package version>+<12 hex digits>``: changes whenever any exported record changes."""
    digest = hashlib.sha256()
    digest.update(json.dumps(events_geojson(events), sort_keys=True, default=str).encode())
    if episodes is not None and len(episodes):
        digest.update(episodes.to_json(orient="records", date_format="iso").encode())
    return f"{_software_version()}+{digest.hexdigest()[:12]}"


def _software_version() -> str:
    try:
        return importlib_metadata.version("conflictmap")
    except importlib_metadata.PackageNotFoundError:  # pragma: no cover - not installed
        return "0+unknown"


def describe_view(view: View | None) -> str:
    """The filters of a view in words (``"everything"`` for none)."""
    if view is None:
        return "everything (no filter)"
    parts = []
    if view.start or view.end:
        parts.append(f"period {view.start or '…'} to {view.end or '…'} (events overlapping it)")
    for label, values in (
        ("episodes", view.episodes),
        ("event types", view.event_types),
        ("actors", view.actors),
        ("countries", view.countries),
    ):
        if values:
            parts.append(f"{label}: {', '.join(values)}")
    if view.region:
        parts.append(f"{view.level}: {view.region}")
    if view.precise_only:
        parts.append("only events placed at their own town or landmark (geo_precision 1)")
    return "; ".join(parts) or "everything (no filter)"


def _boundary_attribution(settings: Settings | None) -> str:
    if settings is None:
        return "Boundaries: see the project README."
    from geo.boundaries import attribution

    try:
        return attribution(settings)
    except ConflictMapError as exc:
        raise ExportError(f"cannot read the boundary attribution: {exc}") from exc


def readme_text(info: ExportInfo, files: Sequence[tuple[str, str]]) -> str:
    """README.txt: what is inside, the filters, the columns, licences and attribution."""
    lines = [
        info.title,
        "=" * len(info.title),
        "",
        f"Exported:        {info.as_dict()['exported_at']}",
        f"Dataset version: {info.dataset_version}",
        f"Filters:         {info.filters_text}",
        f"Period shown:    {info.period_start or '-'} to {info.period_end or '-'}",
        f"Counts:          {info.events} events, {info.claims} claims, {info.sources} sources",
        f"Sources cited:   {'; '.join(info.outlets) or '-'}",
        f"Map measure:     {MEASURE_LABELS.get(info.measure, info.measure)}",
        "",
        "Files",
        "-----",
        *(f"{name}: {what}" for name, what in files),
        "",
        "Columns",
        "-------",
        "Event columns follow ACLED (event_id, event_date, year, time_precision, event_type,",
        "sub_event_type, actor1, assoc_actor_1, actor2, assoc_actor_2, country, admin1, admin2,",
        "location, latitude, longitude, geo_precision, source, notes, fatalities) and UCDP GED",
        "(where_prec, deaths_low/best/high). fatalities = deaths_low, the lowest attributed toll.",
        "Every figure is derived from attributed claims: see the claims table (one row per",
        "claim, keyed by event_id; episode-wide claims have no event_id) and the sources table.",
        "date_start..date_end is the span the event may have happened in (inclusive days).",
        "",
        "QGIS",
        "----",
        "Open the .gpkg in QGIS 3.22 or later: each layer opens with its default style, and the",
        f"project '{PROJECT_NAME}' stored in it (Browser > GeoPackage > the file > Projects)",
        "opens every layer styled, with the temporal controller set to the exported period.",
        "The project finds its layers by the file name: keep the .gpkg's name, or re-point",
        "the layers when QGIS asks.",
        "",
        "Licences and attribution",
        "------------------------",
        *info.licences,
        info.attribution,
        SHARE_ALIKE_NOTE,
        "",
    ]
    return "\n".join(lines)


def _write_gpkg_metadata(conn: sqlite3.Connection, info: ExportInfo, readme: str) -> None:
    conn.executescript(
        """
        CREATE TABLE IF NOT EXISTS gpkg_metadata (
          id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
          md_scope TEXT NOT NULL DEFAULT 'dataset',
          md_standard_uri TEXT NOT NULL,
          mime_type TEXT NOT NULL DEFAULT 'text/xml',
          metadata TEXT NOT NULL DEFAULT '');
        CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (
          reference_scope TEXT NOT NULL,
          table_name TEXT,
          column_name TEXT,
          row_id_value INTEGER,
          timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
          md_file_id INTEGER NOT NULL,
          md_parent_id INTEGER,
          CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
          CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id));
        CREATE TABLE IF NOT EXISTS gpkg_extensions (
          table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
          definition TEXT NOT NULL, scope TEXT NOT NULL,
          CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
        """
    )
    for table in ("gpkg_metadata", "gpkg_metadata_reference"):
        conn.execute(
            "INSERT OR IGNORE INTO gpkg_extensions VALUES (?, NULL, 'gpkg_metadata', "
            "'http://www.geopackage.org/spec120/#extension_metadata', 'read-write')",
            (table,),
        )
    stamp = info.exported_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    for uri, mime, text in (
        (
            "urn:conflictmap:export-metadata:1",
            "application/json",
            json.dumps(info.as_dict(), ensure_ascii=False, indent=1),
        ),
        ("urn:conflictmap:readme", "text/plain", readme),
    ):
        cur = conn.execute(
            "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) "
            "VALUES ('dataset', ?, ?, ?)",
            (uri, mime, text),
        )
        conn.execute(
            "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, column_name, "
            "row_id_value, timestamp, md_file_id, md_parent_id) "
            "VALUES ('geopackage', NULL, NULL, NULL, ?, ?, NULL)",
            (stamp, cur.lastrowid),
        )


# --- the package --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parts:
    """Everything one export writes, computed once for all formats."""

    info: ExportInfo
    events: gpd.GeoDataFrame  # the view's events, original columns
    table: gpd.GeoDataFrame  # ACLED-style
    claims: pd.DataFrame
    sources: pd.DataFrame
    episodes: pd.DataFrame
    regions: gpd.GeoDataFrame | None
    districts: gpd.GeoDataFrame | None
    summary: gpd.GeoDataFrame | None
    by: Literal["region", "district"]
    raw_episodes: pd.DataFrame | None


def _check_request(fmt: str, measure: str, view: View | None) -> None:
    problems = []
    if fmt not in FORMATS:
        problems.append(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if measure not in MEASURES:
        problems.append(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")
    if view is not None:
        if view.start and view.end and view.start > view.end:
            problems.append(f"view start {view.start} is after its end {view.end}")
        if view.level not in ("region", "district"):
            problems.append(f"view level {view.level!r} is not 'region' or 'district'")
    if problems:
        raise ExportError("; ".join(problems))


def _dataset_licences(events: pd.DataFrame) -> tuple[str, ...]:
    """Attribution and licence of each imported dataset among the events (none for curated)."""
    if "dataset" not in events.columns:
        return ()
    from geo.importers import DATASETS

    return tuple(
        f"{DATASETS[name].title} events: {DATASETS[name].attribution}. "
        f"Licence: {DATASETS[name].licence}."
        for name in sorted(set(events["dataset"].dropna()))
        if name in DATASETS
    )


def _prepare(
    data: Dataset,
    *,
    view: View | None,
    measure: str,
    settings: Settings | None,
    now: datetime | None = None,
) -> _Parts:
    check_events(data.events)
    events = data.events if data.events.crs.to_epsg() == 4326 else data.events.to_crs(4326)
    chosen = gpd.GeoDataFrame(apply_view(events, view) if view is not None else events)
    episodes = getattr(data, "episodes", None)
    table = event_table(chosen)
    claims = claims_table(chosen, episodes)
    sources = sources_table(chosen, episodes)
    admin = getattr(data, "admin", None)
    by: Literal["region", "district"] = (
        "district" if view and view.level == "district" else "region"
    )
    start = view.start if view else None
    end = view.end if view else None
    summary = regions = districts = None
    if admin is not None:
        regions = (
            admin.regions.to_crs(4326) if admin.regions.crs.to_epsg() != 4326 else admin.regions
        )
        districts = (
            admin.districts.to_crs(4326)
            if admin.districts.crs.to_epsg() != 4326
            else admin.districts
        )
        summary = summary_table(chosen, admin, by=by, start=start, end=end)
    days = [d for d in (_day(x) for x in table["date_start"]) if d]
    ends = [d for d in (_day(x) for x in table["date_end"]) if d]
    info = ExportInfo(
        title="Armenia–Azerbaijan conflict events (conflictmap export)",
        dataset_version=dataset_version(events, episodes),
        software_version=_software_version(),
        exported_at=now or datetime.now(timezone.utc),
        filters=view.to_query() if view is not None else {},
        filters_text=describe_view(view),
        period_start=start or (min(days) if days else None),
        period_end=end or (max(ends) if ends else None),
        measure=measure,
        events=len(table),
        claims=len(claims),
        sources=len(sources),
        licences=(*LICENCES, *_dataset_licences(chosen)),
        attribution=_boundary_attribution(settings),
        outlets=tuple(sorted({str(o) for o in sources["outlet"].dropna()})),
    )
    return _Parts(
        info,
        chosen,
        table,
        claims,
        sources,
        episodes_table(chosen, episodes),
        regions,
        districts,
        summary,
        by,
        episodes,
    )


def _aliases(fields: Sequence[tuple[str, str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((name, alias) for name, _, alias in fields)


def layer_styles(parts: _Parts) -> list[qgis.LayerStyle]:
    """The QGIS style of every layer of the GeoPackage, top of the layers panel first."""
    info = parts.info
    rights = (*info.licences, info.attribution)
    period = f"{info.period_start or '…'} to {info.period_end or '…'}"
    styles = [
        qgis.events_style(
            _aliases(EVENT_FIELDS),
            extent=_bbox(parts.table),
            rights=rights,
            description=f"{info.events} events ({info.filters_text}); categorised by event type, "
            "sized by deaths (best); temporal from date_start to date_end.",
        )
    ]
    if parts.summary is not None:
        label = MEASURE_LABELS[info.measure]
        values = parts.summary[info.measure].tolist()
        styles.append(
            qgis.summary_style(
                _aliases(summary_fields(parts.by)),
                measure=info.measure,
                values=values,
                unit=parts.by,
                measure_label=label,
                extent=_bbox(parts.summary),
                rights=rights,
                description=f"{label} by {parts.by}, {period} ({info.filters_text}).",
            )
        )
    if parts.regions is not None and parts.districts is not None:
        styles += [
            qgis.admin_style(
                "regions",
                _aliases(REGION_FIELDS),
                name_field="region",
                title="Regions",
                outline_mm=0.35,
                extent=_bbox(parts.regions),
                rights=rights,
                description="Regions the events were joined to. " + info.attribution,
            ),
            qgis.admin_style(
                "districts",
                _aliases(DISTRICT_FIELDS),
                name_field="district",
                title="Districts",
                outline_mm=0.15,
                outline_style="dash",
                label=False,
                visible=False,
                extent=_bbox(parts.districts),
                rights=rights,
                description="Districts the events were joined to. " + info.attribution,
            ),
        ]
    styles += [
        qgis.table_style(
            "claims",
            "Claims",
            _aliases(CLAIM_FIELDS),
            rights=rights,
            display_expression='"claimant" || \': \' || "measure" || \' \' || "figure"',
            description="One row per claim, keyed by event_id (episode-wide: by episode).",
        ),
        qgis.table_style(
            "sources",
            "Sources",
            _aliases(SOURCE_FIELDS),
            rights=rights,
            display_expression='"outlet"',
            description="One row per source of each event (episode-wide: no event_id).",
        ),
        qgis.table_style(
            "episodes",
            "Episodes",
            _aliases(EPISODE_FIELDS),
            rights=rights,
            display_expression='"title"',
            description="The episodes of the exported events.",
        ),
    ]
    return styles


def _project(parts: _Parts, styles: Sequence[qgis.LayerStyle], gpkg_name: str) -> qgis.Project:
    info = parts.info
    today = info.exported_at.date()
    start = info.period_start or today
    end = info.period_end or start
    box = _bbox(parts.regions) if parts.regions is not None else _bbox(parts.table)
    if box is None:
        box = (43.4, 38.3, 51.0, 42.0)  # Armenia and Azerbaijan
    return qgis.Project(
        title=info.title,
        gpkg_name=gpkg_name,
        layers=tuple(styles),
        start=start,
        end=end,
        extent=box,
        abstract=(
            f"{info.events} events; filters: {info.filters_text}; dataset version "
            f"{info.dataset_version}; exported {info.as_dict()['exported_at']}.\n"
            + "\n".join((*info.licences, info.attribution))
        ),
        relations=(
            qgis.Relation("event_claims", "Claims of the event", "claims", "events", "event_id"),
            qgis.Relation("event_sources", "Sources of the event", "sources", "events", "event_id"),
        ),
        created=info.exported_at,
    )


def _write_gpkg(parts: _Parts, target: Path) -> None:
    info = parts.info
    styles = layer_styles(parts)
    with atomic_path(target) as tmp:
        _write_layer(
            tmp,
            parts.table,
            "events",
            EVENT_FIELDS,
            geometry_type="Point",
            description=styles[0].description,
        )
        described = {s.table: s.description for s in styles}
        if parts.summary is not None:
            _write_layer(
                tmp,
                parts.summary,
                "region_summary",
                summary_fields(parts.by),
                geometry_type="MultiPolygon",
                description=described["region_summary"],
            )
        if parts.regions is not None and parts.districts is not None:
            _write_layer(
                tmp,
                parts.regions,
                "regions",
                REGION_FIELDS,
                geometry_type="MultiPolygon",
                description=described["regions"],
            )
            _write_layer(
                tmp,
                parts.districts,
                "districts",
                DISTRICT_FIELDS,
                geometry_type="MultiPolygon",
                description=described["districts"],
            )
        _write_layer(
            tmp,
            parts.claims,
            "claims",
            CLAIM_FIELDS,
            geometry_type=None,
            description=described["claims"],
        )
        _write_layer(
            tmp,
            parts.sources,
            "sources",
            SOURCE_FIELDS,
            geometry_type=None,
            description=described["sources"],
        )
        _write_layer(
            tmp,
            parts.episodes,
            "episodes",
            EPISODE_FIELDS,
            geometry_type=None,
            description=described["episodes"],
        )
        conn = sqlite3.connect(tmp)
        try:
            with conn:
                qgis.write_layer_styles(conn, styles, when=info.exported_at)
                qgs = qgis.project_qgs(_project(parts, styles, target.name))
                qgis.embed_project(
                    conn, PROJECT_NAME, qgis.qgz_bytes(qgs, PROJECT_NAME), when=info.exported_at
                )
                _write_gpkg_metadata(conn, info, readme_text(info, _gpkg_contents(parts)))
            app_id, version = _gpkg_header(conn)
        finally:
            conn.close()
        if app_id != GPKG_APPLICATION_ID or version != GPKG_USER_VERSION:  # pragma: no cover
            raise ExportError(
                f"{target}: wrote GeoPackage application_id {app_id:#x}, user_version {version}; "
                f"expected GPKG {GPKG_VERSION}"
            )


def _gpkg_header(conn: sqlite3.Connection) -> tuple[int, int]:
    return (
        int(conn.execute("PRAGMA application_id").fetchone()[0]),
        int(conn.execute("PRAGMA user_version").fetchone()[0]),
    )


def _gpkg_contents(parts: _Parts) -> list[tuple[str, str]]:
    out = [("events", "one point per event, ACLED/UCDP columns, styled by event type, temporal")]
    if parts.summary is not None:
        out.append(("region_summary", f"{parts.by} polygons with events and deaths low/best/high"))
        out += [("regions", "admin units events were joined to"), ("districts", "ditto, level 2")]
    out += [
        ("claims", "one row per claim"),
        ("sources", "one row per source"),
        ("episodes", "the episodes"),
        ("layer_styles", "QGIS default style per layer"),
        ("qgis_projects", f"QGIS project '{PROJECT_NAME}'"),
    ]
    return out


# --- GeoJSON ------------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if _missing(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _rfc7946(geom: Any) -> dict[str, Any] | None:
    """A GeoJSON geometry: 1e-7 degree grid, exterior rings counter-clockwise (RFC 7946 3.1.6)."""
    if geom is None or geom.is_empty:
        return None
    fixed = shapely.orient_polygons(shapely.set_precision(geom, 1e-7), exterior_cw=False)
    return dict(shapely.geometry.mapping(fixed))


def _feature_collection(
    frame: pd.DataFrame,
    fields: Sequence[tuple[str, str, str]],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    features = []
    geometry = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else None
    for i, (_, row) in enumerate(frame.iterrows()):
        props = {name: _json_value(_CONVERT[kind](row[name])) for name, kind, _ in fields}
        geom = geometry.iloc[i] if geometry is not None else None
        features.append(
            {
                "type": "Feature",
                "geometry": _rfc7946(geom),
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", **(extra or {}), "features": features}


def events_feature_collection(parts: _Parts) -> dict[str, Any]:
    """Events as RFC 7946 GeoJSON, ACLED columns, with ``claims``, ``sources``, ``tags`` nested.

    The foreign member ``episodes`` carries episode-wide claims and sources;
    ``metadata`` the export's version, filters, licences and attribution.
    """
    fc = _feature_collection(parts.table, [f for f in EVENT_FIELDS if f[0] != "tags"])
    for feature, (_, e) in zip(fc["features"], parts.events.iterrows(), strict=True):
        feature["properties"]["tags"] = list(e["tags"])
        feature["properties"]["sources"] = [dict(s) for s in e["sources"]]
        feature["properties"]["claims"] = [dict(c) for c in e["claims"]]
    episodes = []
    for ep in _episode_rows(parts.raw_episodes, set(parts.events["episode"])):
        episodes.append(
            {
                "id": ep["episode"],
                "title": _text(ep.get("title")),
                "summary": _text(ep.get("summary")),
                "date_start": _iso(ep.get("date_start")),
                "date_end": _iso(ep.get("date_end")),
                "layer_file": _text(ep.get("layer_file")),
                "sources": [dict(s) for s in ep["sources"]],
                "claims": [dict(c) for c in ep["claims"]],
            }
        )
    return {
        "type": "FeatureCollection",
        "metadata": parts.info.as_dict(),
        "episodes": episodes,
        "features": fc["features"],
    }


def _geojson_files(parts: _Parts, stem: str) -> dict[str, bytes]:
    def dump(obj: Any) -> bytes:
        return (json.dumps(obj, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    files = {f"{stem}.geojson": dump(events_feature_collection(parts))}
    if parts.summary is not None:
        files[f"{stem}_region_summary.geojson"] = dump(
            _feature_collection(parts.summary, summary_fields(parts.by))
        )
    if parts.regions is not None and parts.districts is not None:
        files[f"{stem}_regions.geojson"] = dump(_feature_collection(parts.regions, REGION_FIELDS))
        files[f"{stem}_districts.geojson"] = dump(
            _feature_collection(parts.districts, DISTRICT_FIELDS)
        )
    return files


# --- CSV ----------------------------------------------------------------------------------------


def _csv(frame: pd.DataFrame, fields: Sequence[tuple[str, str, str]]) -> bytes:
    out = pd.DataFrame(
        {name: [_json_value(_CONVERT[kind](v)) for v in frame[name]] for name, kind, _ in fields},
        dtype=object,
    )
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _csv_files(parts: _Parts, stem: str) -> dict[str, bytes]:
    return {
        f"{stem}.csv": _csv(parts.table, EVENT_FIELDS),
        f"{stem}_claims.csv": _csv(parts.claims, CLAIM_FIELDS),
        f"{stem}_sources.csv": _csv(parts.sources, SOURCE_FIELDS),
    }


# --- KML ----------------------------------------------------------------------------------------


def _kml_color(hex_color: str, alpha: int = 255) -> str:
    c = hex_color.lstrip("#")
    return f"{alpha:02x}{c[4:6]}{c[2:4]}{c[0:2]}".lower()


def _html(value: Any) -> str:
    return escape(str(value)) if not _missing(value) else ""


def kml_document(parts: _Parts) -> str:
    """KML 2.2 for Google Earth: one folder per event type, a ``<TimeSpan>`` per event.

    Descriptions are HTML (Google Earth renders them), so every text is escaped
    for HTML and then for XML.
    """
    el = qgis.el
    styles = [
        el(
            "Style",
            {"id": f"type{i}"},
            el(
                "IconStyle",
                None,
                el("color", text=_kml_color(color)),
                el("scale", text="1.1"),
                el(
                    "Icon",
                    None,
                    el(
                        "href",
                        text="http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png",
                    ),
                ),
            ),
            el("LabelStyle", None, el("scale", text="0")),
        )
        for i, color in enumerate(EVENT_TYPE_COLORS.values())
    ]
    index = {t: i for i, t in enumerate(EVENT_TYPE_COLORS)}
    folders = []
    for event_type, label in EVENT_TYPE_LABELS.items():
        rows = parts.table[parts.table["event_type"] == event_type]
        if not len(rows):
            continue
        marks = []
        for _, r in rows.iterrows():
            claims = "".join(
                f"<li>{_html(x)}</li>" for x in str(r["claims_summary"]).split("\n") if x
            )
            description = (
                f"<p><b>{_html(r['event_type'])}</b> — {_html(r['sub_event_type'])}<br/>"
                f"{_html(r['date_start'])} to {_html(r['date_end'])}; {_html(r['admin1'])}, "
                f"{_html(r['country'])}<br/>{_html(r['actor1'])} / {_html(r['actor2'])}</p>"
                f"<p>Deaths low/best/high: {r['deaths_low']} / {r['deaths_best']} / "
                f"{r['deaths_high']}; injured {r['injured_low']}–{r['injured_high']}</p>"
                f"<p>{_html(r['notes'])}</p><p><b>Claims</b></p><ul>{claims}</ul>"
                f"<p><small>Sources: {_html(r['source'])}</small></p>"
            )
            data = el(
                "ExtendedData",
                None,
                *(
                    el(
                        "Data",
                        {"name": name},
                        el(
                            "value",
                            text=str(
                                _json_value(_CONVERT[kind](r[name]))
                                if not _missing(r[name])
                                else ""
                            ),
                        ),
                    )
                    for name, kind, _ in EVENT_FIELDS
                    if name != "claims_summary"
                ),
            )
            marks.append(
                el(
                    "Placemark",
                    {"id": str(r["event_id"])},
                    el("name", text=str(r["location"])),
                    el("description", text=description),
                    el(
                        "TimeSpan",
                        None,
                        el("begin", text=_iso(r["date_start"]) or ""),
                        el("end", text=_iso(r["date_end"]) or ""),
                    ),
                    el("styleUrl", text=f"#type{index[event_type]}"),
                    data,
                    el(
                        "Point",
                        None,
                        el("coordinates", text=f"{r['longitude']:.7f},{r['latitude']:.7f},0"),
                    ),
                )
            )
        folders.append(el("Folder", None, el("name", text=label), *marks))
    info = parts.info
    about = (
        f"{info.events} events; filters: {info.filters_text}; dataset version "
        f"{info.dataset_version}. " + " ".join((*info.licences, info.attribution))
    )
    doc = el(
        "Document",
        None,
        el("name", text=info.title),
        el("description", text=_html(about)),
        *styles,
        *folders,
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + el("kml", {"xmlns": "http://www.opengis.net/kml/2.2"}, doc)
        + "\n"
    )


# --- public API ---------------------------------------------------------------------------------


def _files(parts: _Parts, fmt: str, stem: str) -> dict[str, bytes]:
    """The files of one export, by name (``gpkg`` is written to disk separately)."""
    if fmt == "geojson":
        return _geojson_files(parts, stem)
    if fmt == "csv":
        return _csv_files(parts, stem)
    if fmt == "kml":
        return {f"{stem}.kml": kml_document(parts).encode("utf-8")}
    raise AssertionError(fmt)  # pragma: no cover


def _zip(parts: _Parts, stem: str, bundle: Sequence[str]) -> bytes:
    unknown = [b for b in bundle if b not in FORMATS or b == "zip"]
    if unknown or not bundle:
        raise ExportError(
            f"cannot bundle {', '.join(map(repr, unknown)) or 'nothing'}; "
            "choose from gpkg, geojson, csv, kml"
        )
    files: dict[str, bytes] = {}
    described: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        for fmt in bundle:
            if fmt == "gpkg":
                path = Path(tmpdir) / f"{stem}.gpkg"
                _write_gpkg(parts, path)
                files[path.name] = path.read_bytes()
                described.append(
                    (
                        path.name,
                        "GeoPackage: layers "
                        + ", ".join(name for name, _ in _gpkg_contents(parts))
                        + "; open in QGIS",
                    )
                )
            else:
                got = _files(parts, fmt, stem)
                files.update(got)
                described += [(name, _describe_file(name)) for name in got]
    readme = readme_text(parts.info, described)
    buf = io.BytesIO()
    stamp = parts.info.exported_at.astimezone(timezone.utc).timetuple()[:6]
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in {"README.txt": readme.encode("utf-8"), **files}.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, content)
    return buf.getvalue()


def _describe_file(name: str) -> str:
    if name.endswith("_claims.csv"):
        return "CSV: one row per claim (event_id; episode-wide claims have none)"
    if name.endswith("_sources.csv"):
        return "CSV: one row per source"
    if name.endswith(".csv"):
        return "CSV: one row per event, ACLED/UCDP columns"
    if name.endswith(".kml"):
        return "KML for Google Earth: one placemark per event with its time span"
    for suffix, what in (
        ("_region_summary.geojson", "unit polygons with counts"),
        ("_regions.geojson", "regions"),
        ("_districts.geojson", "districts"),
    ):
        if name.endswith(suffix):
            return f"GeoJSON: {what}"
    return "GeoJSON (RFC 7946): events with claims and sources nested"


def _target(out: Path, fmt: str) -> Path:
    suffix = SUFFIXES[fmt]
    if out.is_dir():
        raise ExportError(f"{out} is a folder; give a file name ending in {suffix}")
    if out.suffix.lower() != suffix:
        raise ExportError(f"{out}: a {fmt} export must be a file ending in {suffix}")
    return out


def export_package(
    data: Dataset,
    out: str | os.PathLike[str],
    *,
    fmt: Format = "gpkg",
    view: View | None = None,
    measure: str | None = None,
    settings: Settings | None = None,
    bundle: Sequence[str] = ("gpkg", "geojson", "csv", "kml"),
    now: datetime | None = None,
) -> Path:
    """Write an export; return the path of its main file.

    Parameters
    ----------
    data
        The dataset (:func:`geo.dataset.load_dataset`): joined events, episodes, admin units.
    out
        The main file, ending in the format's suffix. GeoJSON and CSV write
        companion files beside it (``<stem>_regions.geojson``, ``<stem>_claims.csv`` ...).
    fmt
        ``gpkg`` (QGIS-ready: styles, temporal, project), ``geojson``, ``csv``,
        ``kml`` or ``zip`` (the formats in ``bundle`` plus ``README.txt``).
    view
        Export exactly what this view shows (same filters as the map); ``None``: everything.
    measure
        What the ``region_summary`` layer is graduated by: ``events``,
        ``deaths_low``, ``deaths_best`` or ``deaths_high`` (default: the
        view's ``measure``, else ``events``).
    settings
        Where the boundary manifest is (for the attribution); without it the
        attribution points to the README.
    bundle
        For ``zip``: which formats go in.
    now
        The export time to record (default: now, UTC); fix it for identical files.

    Raises
    ------
    ExportError
        Unknown format or measure, a path not ending in the format's suffix, a
        view whose start is after its end, or an events frame lacking columns.
    """
    chosen = measure or (view.measure if view is not None else "events")
    _check_request(fmt, chosen, view)
    target = _target(Path(out), fmt)
    parts = _prepare(data, view=view, measure=chosen, settings=settings, now=now)
    if fmt == "gpkg":
        _write_gpkg(parts, target)
    elif fmt == "zip":
        atomic_write_bytes(target, _zip(parts, target.stem, bundle))
    else:
        for name, content in _files(parts, fmt, target.stem).items():
            atomic_write_bytes(target.parent / name, content)
    return target


def export_bytes(
    data: Dataset,
    *,
    fmt: Format = "gpkg",
    view: View | None = None,
    measure: str | None = None,
    settings: Settings | None = None,
    filename: str = "conflictmap_events",
    bundle: Sequence[str] = ("gpkg", "geojson", "csv", "kml"),
    now: datetime | None = None,
) -> bytes:
    """The bytes of an export's main file, for a download button.

    Save them as ``export_filename(fmt, filename)``: the GeoPackage's embedded
    project refers to its own file name. GeoJSON gives the events collection
    (claims nested) and CSV the events table; ``zip`` holds every file.
    """
    _check_request(fmt, measure or (view.measure if view is not None else "events"), view)
    with tempfile.TemporaryDirectory() as tmpdir:
        path = export_package(
            data,
            Path(tmpdir) / export_filename(fmt, filename),
            fmt=fmt,
            view=view,
            measure=measure,
            settings=settings,
            bundle=bundle,
            now=now,
        )
        return path.read_bytes()


def export_filename(fmt: str, stem: str = "conflictmap_events") -> str:
    """The file name for a download of ``fmt``."""
    if fmt not in SUFFIXES:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    return f"{stem}{SUFFIXES[fmt]}"


# --- reading back -------------------------------------------------------------------------------


def _rebuild(
    table: pd.DataFrame,
    claims: Mapping[str, list[dict[str, Any]]],
    sources: Mapping[str, list[dict[str, Any]]],
    tags: Mapping[str, list[str]] | None,
    geometry: gpd.GeoSeries,
) -> gpd.GeoDataFrame:
    rows = []
    for i, (_, r) in enumerate(table.iterrows()):
        eid = str(r["event_id"])
        row: dict[str, Any] = {
            "episode": _text(r["episode"]),
            "episode_title": _text(r.get("episode_title")),
            "layer_file": _text(r.get("layer_file")),
            "event_id": eid,
            "event_date": _day(r["event_date"]),
            "date_start": _day(r["date_start"]),
            "date_end": _day(r["date_end"]),
            "time_precision": _int(r["time_precision"]),
            "event_type": _text(r["event_type"]),
            "sub_event_type": _text(r["sub_event_type"]),
            "actor1": _text(r["actor1"]),
            "assoc_actor_1": _text(r.get("assoc_actor_1")),
            "actor2": _text(r.get("actor2")),
            "assoc_actor_2": _text(r.get("assoc_actor_2")),
            "country": _text(r["iso3"]),
            "location": _text(r["location"]),
            "place_id": _text(r.get("place_id")),
            "geo_precision": _int(r["geo_precision"]),
            "where_prec": _int(r["where_prec"]),
            "location_note": _text(r.get("location_note")),
            "notes": _text(r["notes"]),
            "country_name": _text(r["country"]),
            "latitude": _float(r["latitude"]),
            "longitude": _float(r["longitude"]),
            "tags": list(tags[eid]) if tags is not None else _split_list(r["tags"]),
            "sources": sources.get(eid, []),
            "claims": claims.get(eid, []),
        }
        for name in CASUALTY_COLUMNS:
            row[name] = _int(r[name])
        row["figures_note"] = figures_note([Claim.model_validate(c) for c in claims.get(eid, [])])
        row["expected_region"] = _text(r.get("expected_region"))
        row["geometry"] = geometry.iloc[i]
        row.update(
            {
                "region": _text(r["admin1"]),
                "region_id": _text(r.get("region_id")),
                "district": _text(r["admin2"]),
                "district_id": _text(r.get("district_id")),
                "join_method": _text(r.get("join_method")),
                "join_distance_m": _float(r.get("join_distance_m")),
                "admin_note": _text(r.get("admin_note")),
            }
        )
        rows.append(row)
    frame = pd.DataFrame(rows)
    if not len(frame):
        frame = pd.DataFrame(columns=["event_id", "geometry"])
    for name in ("event_date", "date_start", "date_end"):
        if name in frame:
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    for name in ("time_precision", "geo_precision", "where_prec", *CASUALTY_COLUMNS):
        if name in frame:
            frame[name] = frame[name].astype("int64")
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")
    gdf.index = pd.Index(gdf["event_id"].tolist(), name="event_id")
    return gdf


def _nested_claims(
    claims: pd.DataFrame,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    by_event: dict[str, list[dict[str, Any]]] = {}
    by_episode: dict[str, list[dict[str, Any]]] = {}
    keys = (
        "claimant",
        "claimant_type",
        "measure",
        "subject",
        "side",
        "group",
        "qualifier",
        "value",
        "low",
        "high",
        "text",
        "source",
        "via",
        "disputed_by",
        "included_in",
        "note",
    )
    ordered = claims.assign(_n=claims["claim_no"].astype(int)).sort_values("_n", kind="stable")
    for _, r in ordered.iterrows():
        raw = {k: (_int(r[k]) if k in ("value", "low", "high") else _text(r[k])) for k in keys}
        claim = Claim.model_validate({k: v for k, v in raw.items() if v is not None})
        dumped = claim.model_dump(mode="json", exclude_none=True)
        if _text(r["event_id"]):
            by_event.setdefault(str(r["event_id"]), []).append(dumped)
        else:
            by_episode.setdefault(str(r["episode"]), []).append(dumped)
    return by_event, by_episode


def _nested_sources(
    sources: pd.DataFrame,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    by_event: dict[str, list[dict[str, Any]]] = {}
    by_episode: dict[str, list[dict[str, Any]]] = {}
    ordered = sources.assign(_n=sources["source_no"].astype(int)).sort_values("_n", kind="stable")
    for _, r in ordered.iterrows():
        raw = {
            "id": _text(r["source_id"]),
            "outlet": _text(r["outlet"]),
            "reported": _text(r["reported"]),
            "published": _iso(r["published"]),
            "published_note": _text(r["published_note"]),
            "seed": _text(r["seed"]),
            "cites": _split_list(r["cites"]),
            "url": _text(r["url"]),
        }
        source = Source.model_validate({k: v for k, v in raw.items() if v is not None})
        dumped = source.model_dump(mode="json", exclude_none=True)
        if _text(r["event_id"]):
            by_event.setdefault(str(r["event_id"]), []).append(dumped)
        else:
            by_episode.setdefault(str(r["episode"]), []).append(dumped)
    return by_event, by_episode


def _check_figures(frame: gpd.GeoDataFrame, origin: str) -> None:
    problems = []
    for eid, claims in zip(frame["event_id"], frame["claims"], strict=True):
        derived = derived_figures([Claim.model_validate(c) for c in claims])
        row = frame.loc[eid]
        wrong = [f"{k} {row[k]} (claims give {v})" for k, v in derived.items() if row[k] != v]
        if wrong:
            problems.append(f"{origin} event {eid}: " + ", ".join(wrong))
    if problems:
        raise ExportError("figures do not follow from the claims:\n" + "\n".join(problems))


def import_export(path: str | os.PathLike[str]) -> gpd.GeoDataFrame:
    """Read an exported GeoPackage or GeoJSON back into an events frame.

    The frame has the columns, dtypes and index of
    :func:`geo.layers.layers_to_frame` plus the join columns, with claims and
    sources as lists of dicts; derived figures are checked against the claims.
    Episode-wide claims and sources are in ``frame.attrs['episodes']``.

    Raises
    ------
    ExportError
        If the file is not one of our exports or its figures disagree with its claims.
    """
    source = Path(path)
    if not source.is_file():
        raise ExportError(f"{source}: no such file")
    suffix = source.suffix.lower()
    episodes: list[dict[str, Any]] = []
    if suffix == ".gpkg":
        try:
            layers = {name for name, _ in pyogrio.list_layers(source)}
        except pyogrio.errors.DataSourceError as exc:
            raise ExportError(f"{source}: not a GeoPackage ({exc})") from exc
        missing = {"events", "claims", "sources"} - layers
        if missing:
            raise ExportError(
                f"{source}: not a conflictmap export (no layer(s) {', '.join(sorted(missing))})"
            )
        table = pyogrio.read_dataframe(source, layer="events")
        claims, episode_claims = _nested_claims(pyogrio.read_dataframe(source, layer="claims"))
        sources, episode_sources = _nested_sources(pyogrio.read_dataframe(source, layer="sources"))
        info = (
            pyogrio.read_dataframe(source, layer="episodes")
            if "episodes" in layers
            else pd.DataFrame(columns=["episode"])
        )
        for _, ep in info.iterrows():
            key = str(ep["episode"])
            episodes.append(
                {
                    "id": key,
                    "title": _text(ep["title"]),
                    "summary": _text(ep["summary"]),
                    "date_start": _iso(ep["date_start"]),
                    "date_end": _iso(ep["date_end"]),
                    "layer_file": _text(ep["layer_file"]),
                    "sources": episode_sources.get(key, []),
                    "claims": episode_claims.get(key, []),
                }
            )
        frame = _rebuild(table, claims, sources, None, gpd.GeoSeries(table.geometry))
    elif suffix in (".geojson", ".json"):
        try:
            doc = json.loads(source.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ExportError(f"{source}: not valid JSON: {exc}") from exc
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            raise ExportError(f"{source}: not a GeoJSON FeatureCollection")
        props = [f["properties"] for f in doc["features"]]
        table = pd.DataFrame(props, columns=[n for n, _, _ in EVENT_FIELDS], dtype=object)
        if props and "iso3" not in props[0]:
            raise ExportError(f"{source}: not a conflictmap events export (no 'iso3' property)")
        geometry = gpd.GeoSeries(
            [shapely.geometry.shape(f["geometry"]) for f in doc["features"]], crs="EPSG:4326"
        )
        nested_claims = {
            p["event_id"]: [
                Claim.model_validate(c).model_dump(mode="json", exclude_none=True)
                for c in p["claims"]
            ]
            for p in props
        }
        nested_sources = {
            p["event_id"]: [
                Source.model_validate(s).model_dump(mode="json", exclude_none=True)
                for s in p["sources"]
            ]
            for p in props
        }
        tags = {p["event_id"]: list(p["tags"]) for p in props}
        episodes = list(doc.get("episodes", []))
        frame = _rebuild(table, nested_claims, nested_sources, tags, geometry)
    else:
        raise ExportError(f"{source}: cannot read {suffix!r} back; use a .gpkg or .geojson export")
    _check_figures(frame, str(source))
    frame.attrs["episodes"] = episodes
    return frame
