"""Reading an export back into the event record (GeoPackage, GeoJSON, CSV), losslessly."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo._errors import ExportError
from geo.events import CASUALTY_COLUMNS, Claim, Source, derived_figures, figures_note
from geo.export.tables import EVENT_FIELDS, _float, _int, _iso, _split_list, _text
from geo.period import to_day

if TYPE_CHECKING:
    pass


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
            "event_date": to_day(r["event_date"]),
            "date_start": to_day(r["date_start"]),
            "date_end": to_day(r["date_end"]),
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
    keys = tuple(Claim.model_fields)  # the claims table holds every field of the record
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
