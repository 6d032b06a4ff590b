"""Writing joined events to open formats (GeoJSON, GeoPackage, CSV), atomically."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.layers import atomic_write_text

NESTED = ("claims", "sources", "tags")


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
        fd, tmp = tempfile.mkstemp(suffix=".gpkg", dir=target.parent or ".")
        os.close(fd)
        try:
            Path(tmp).unlink()
            flat_events(events).reset_index(drop=True).to_file(
                tmp, layer="events", driver="GPKG", engine="pyogrio"
            )
            Path(tmp).replace(target)
        finally:
            Path(tmp).unlink(missing_ok=True)
    else:
        raise ValueError(f"{target}: unknown output format {suffix!r}; use .geojson, .gpkg or .csv")
    return target
