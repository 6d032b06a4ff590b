"""Synthetic events for benchmarks, tests and demos: curated events cloned, re-dated, jittered.

Nothing here writes into ``layers/``: synthetic layer files go to a folder the caller
gives (a temporary one), which the app reads through ``CONFLICTMAP_LAYERS_DIR``.
"""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import points

#: Synthetic events fall in this period (the curated episodes span 2020-2024).
START = date(2020, 1, 1)
DAYS = 5 * 365
#: Points move up to this many degrees from the curated event they are cloned from.
JITTER_DEG = 0.05


def _curated(layers_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(layers_dir.glob("*.geojson"))]


def synthetic_layers(layers_dir: Path, n: int, *, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` valid synthetic events as layer dicts, one per curated episode.

    Each event is a curated one with a new id, a random day in 2020-2024 and its point
    moved by up to ``JITTER_DEG`` (its gazetteer ``place_id`` dropped, as the point no
    longer is the place's). Episode-level claims are dropped.
    """
    rng = np.random.default_rng(seed)
    layers = _curated(layers_dir)
    per_layer = np.array_split(np.arange(n), len(layers))
    out = []
    for k, (layer, idx) in enumerate(zip(layers, per_layer, strict=True)):
        episode = copy.deepcopy(layer["episode"])
        episode.update(
            id=f"synth-{k}-{episode['id']}",
            title=f"Synthetic: {episode['title']}",
            date_start=START.isoformat(),
            date_end=(START + timedelta(days=DAYS + 30)).isoformat(),
            claims=[],
        )
        templates = layer["features"]
        picks = rng.integers(0, len(templates), size=len(idx))
        days = rng.integers(0, DAYS, size=len(idx))
        jitter = rng.uniform(-JITTER_DEG, JITTER_DEG, size=(len(idx), 2))
        features = []
        for i, pick, day, (dx, dy) in zip(idx, picks, days, jitter, strict=True):
            feature = copy.deepcopy(templates[pick])
            props = feature["properties"]
            span = (
                date.fromisoformat(props["date_end"]) - date.fromisoformat(props["date_start"])
            ).days
            start = START + timedelta(days=int(day))
            props.update(
                event_id=f"synth-{i:06d}",
                event_date=start.isoformat(),
                date_start=start.isoformat(),
                date_end=(start + timedelta(days=min(span, 30))).isoformat(),
                location_note="Synthetic benchmark event: point jittered from a curated event.",
            )
            props.pop("place_id", None)
            for claim in props.get("claims", []):
                claim.pop("included_in", None)  # points at a curated event not in the set
            lon, lat = feature["geometry"]["coordinates"]
            feature["geometry"]["coordinates"] = [round(lon + dx, 5), round(lat + dy, 5)]
            features.append(feature)
        out.append({"type": "FeatureCollection", "episode": episode, "features": features})
    return out


#: Events per synthetic layer file: keeps each file under the layer size limit
#: (:data:`geo.layers.MAX_LAYER_BYTES`, about 2.5 kB per synthetic event).
EVENTS_PER_FILE = 6_000


def write_synthetic_layers(layers_dir: Path, dest: Path, n: int, *, seed: int = 0) -> Path:
    """Write :func:`synthetic_layers` to ``dest`` (a temporary folder) and return it.

    An episode with more than :data:`EVENTS_PER_FILE` events is written as several
    episodes ("part 2", ...) of one file each, as a layer file has a size limit.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for layer in synthetic_layers(layers_dir, n, seed=seed):
        features = layer["features"]
        parts = max(1, -(-len(features) // EVENTS_PER_FILE))
        for part in range(parts):
            episode = dict(layer["episode"])
            if part:
                episode.update(id=f"{episode['id']}-part{part + 1}",
                               title=f"{episode['title']} (part {part + 1})")  # fmt: skip
            chunk = features[part * EVENTS_PER_FILE : (part + 1) * EVENTS_PER_FILE]
            path = dest / f"{episode['id']}.geojson"
            out = {**layer, "episode": episode, "features": chunk}
            path.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return dest


def synthetic_frame(events: gpd.GeoDataFrame, n: int, *, seed: int = 0) -> gpd.GeoDataFrame:
    """``n`` rows with the joined frame's columns: curated rows resampled, re-dated, jittered."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(events), size=n)
    frame = pd.DataFrame(events.drop(columns="geometry")).iloc[picks].reset_index(drop=True)
    days = pd.to_timedelta(rng.integers(0, DAYS, size=n), unit="D")
    span = (frame["date_end"] - frame["date_start"]).clip(upper=pd.Timedelta(days=30))
    frame["event_date"] = pd.Timestamp(START) + days
    frame["date_start"] = frame["event_date"]
    frame["date_end"] = frame["event_date"] + span
    frame["event_id"] = [f"synth-{i:06d}" for i in range(n)]
    frame["longitude"] = (frame["longitude"] + rng.uniform(-JITTER_DEG, JITTER_DEG, n)).round(5)
    frame["latitude"] = (frame["latitude"] + rng.uniform(-JITTER_DEG, JITTER_DEG, n)).round(5)
    geometry = points(frame["longitude"].to_numpy(), frame["latitude"].to_numpy())
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=events.crs)
