"""GeoJSON (RFC 7946, claims nested) and CSV (one table per file) exports."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.export.parts import _Parts
from geo.export.tables import (
    CLAIM_FIELDS,
    CONVERT,
    DISTRICT_FIELDS,
    EVENT_FIELDS,
    REGION_FIELDS,
    SOURCE_FIELDS,
    _episode_rows,
    _iso,
    _text,
    summary_fields,
)
from geo.text import is_missing

if TYPE_CHECKING:
    pass


# --- GeoJSON ------------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if is_missing(value):
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
        props = {name: _json_value(CONVERT[kind](row[name])) for name, kind, _ in fields}
        geom = geometry.iloc[i] if geometry is not None else None
        features.append(
            {
                "type": "Feature",
                "geometry": _rfc7946(geom),
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", **(extra or {}), "features": features}


def _plain(value: Any) -> Any:
    """Nested claims, sources and tags as plain JSON values.

    Imported datasets keep these columns as Arrow lists of structs, which pandas hands
    back with NumPy arrays inside (a source's ``cites``) and NumPy scalars; curated ones
    as Python lists of dicts. Both come out as lists, dicts, text and numbers.
    """
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def events_feature_collection(parts: _Parts) -> dict[str, Any]:
    """Events as RFC 7946 GeoJSON, ACLED columns, with ``claims``, ``sources``, ``tags`` nested.

    The foreign member ``episodes`` carries episode-wide claims and sources;
    ``metadata`` the export's version, filters, licences and attribution.
    """
    fc = _feature_collection(parts.table, [f for f in EVENT_FIELDS if f[0] != "tags"])
    for feature, (_, e) in zip(fc["features"], parts.events.iterrows(), strict=True):
        feature["properties"]["tags"] = _plain(e["tags"])
        feature["properties"]["sources"] = _plain(e["sources"])
        feature["properties"]["claims"] = _plain(e["claims"])
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
                "sources": _plain(ep["sources"]),
                "claims": _plain(ep["claims"]),
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


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A text cell a spreadsheet shows as text, never runs as a formula.

    OWASP's advice for CSV injection: a cell starting with ``=``, ``+``, ``-``, ``@``, tab
    or carriage return gets a leading single quote (``'=HYPERLINK(...)`` shows as text).
    A cell already starting with a quote gets one more, so the rule can be undone
    (drop one leading quote) without losing a quote that was in the data. Numbers are
    numeric cells and stay as they are.
    """
    if text.startswith(FORMULA_STARTS) or text.startswith("'"):
        return "'" + text
    return text


def _csv(frame: pd.DataFrame, fields: Sequence[tuple[str, str, str]]) -> bytes:
    def cell(value: Any, kind: str) -> Any:
        out = _json_value(CONVERT[kind](value))
        return csv_cell(out) if kind == "str" and isinstance(out, str) else out

    out = pd.DataFrame(
        {name: [cell(v, kind) for v in frame[name]] for name, kind, _ in fields},
        dtype=object,
    )
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _csv_files(parts: _Parts, stem: str) -> dict[str, bytes]:
    return {
        f"{stem}.csv": _csv(parts.table, EVENT_FIELDS),
        f"{stem}_claims.csv": _csv(parts.claims, CLAIM_FIELDS),
        f"{stem}_sources.csv": _csv(parts.sources, SOURCE_FIELDS),
    }
