"""The data folder: imported GeoParquet datasets, listed, and loaded beside the curated layers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from geo._errors import ImportDataError
from geo._memory import release_memory
from geo.compact import compact_nested_columns, compact_text_columns
from geo.config import Settings
from geo.importers import DATASETS
from geo.importers._common import parquet_meta, read_imported
from geo.join import JOIN_COLUMNS, KNOWN_COUNTRIES, join_events

if TYPE_CHECKING:
    from geo.boundaries import AdminUnits
    from geo.dataset import Dataset

#: The ``dataset`` value of the hand-curated layers.
CURATED = "curated"
CURATED_TITLE = "Curated layers"
CURATED_ATTRIBUTION = "conflictmap contributors: curated event layers"
CURATED_LICENCE = "CC BY-SA 4.0"


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset of the data folder (or the curated layers)."""

    name: str
    title: str
    path: str
    events: int
    first_day: str
    last_day: str
    licence: str
    attribution: str


def imported_files(settings: Settings) -> list[Path]:
    """The GeoParquet files of the data folder, sorted by name (none when it does not exist)."""
    folder = settings.datasets_dir
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def _period(path: Path) -> tuple[str, str]:
    table = pq.read_table(path, columns=["date_start", "date_end"])
    if table.num_rows == 0:
        return "", ""
    import pyarrow.compute as pc

    first = pc.min(table["date_start"]).as_py()
    last = pc.max(table["date_end"]).as_py()
    return f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"


def describe_datasets(settings: Settings) -> list[DatasetInfo]:
    """The curated layers and every imported dataset: counts, period, licence, attribution."""
    from geo.layers import validate_paths

    report = validate_paths([settings.layers_dir])
    days = [
        (e.properties.date_start, e.properties.date_end) for la in report.layers for e in la.events
    ]
    out = [
        DatasetInfo(
            CURATED,
            CURATED_TITLE,
            str(settings.layers_dir),
            report.events,
            f"{min(d[0] for d in days)}" if days else "",
            f"{max(d[1] for d in days)}" if days else "",
            CURATED_LICENCE,
            CURATED_ATTRIBUTION,
        )
    ]
    for path in imported_files(settings):
        meta = _meta(path)
        first, last = _period(path)
        out.append(
            DatasetInfo(
                meta["dataset"],
                meta.get("title", meta["dataset"]),
                str(path),
                pq.read_metadata(path).num_rows,
                first,
                last,
                meta.get("licence", ""),
                meta.get("attribution", ""),
            )
        )
    return out


def _meta(path: Path) -> dict[str, Any]:
    try:
        meta = parquet_meta(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise ImportDataError(f"{path}: not a readable GeoParquet file: {exc}") from exc
    if meta.get("dataset") not in DATASETS:
        raise ImportDataError(
            f"{path}: not a dataset written by 'conflictmap import' (no 'conflictmap' metadata "
            "naming acled or ucdp); move it out of the data folder or import the file again"
        )
    return meta


# --- one frame for every dataset ----------------------------------------------------------


def nested_to_lists(events: pd.DataFrame) -> pd.DataFrame:
    """``claims``/``sources``/``tags`` as Python lists (of dicts), the curated frame's form.

    Imported frames keep them as Arrow lists (columnar, see
    :func:`geo.importers._common.read_imported`); the map, popups and exports
    read them row by row in the curated form, so a frame combining both
    datasets holds lists. Summaries never touch these columns.
    """
    out = events.copy()
    for name in ("claims", "sources", "tags"):
        if name in out.columns and isinstance(out[name].dtype, pd.ArrowDtype):
            arr = pa.array(out[name]).to_pylist()
            out[name] = pd.Series(arr, index=out.index, dtype=object)
    return out


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def nested_to_arrow(events: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame | None:
    """``claims``/``sources``/``tags`` of a few events (Python lists, the curated form) as
    Arrow lists of the same type as ``like``'s (the imported frame's), so a frame combining
    curated and imported events stays columnar (no Python object per imported event).

    ``None`` when a value would not come back the same (a field the Arrow type lacks);
    absent fields come back as ``None``, which every reader of these lists accepts.
    """
    out = events.copy()
    for name in ("claims", "sources", "tags"):
        if name not in out.columns or name not in like.columns:
            continue
        dtype = like[name].dtype
        if not isinstance(dtype, pd.ArrowDtype):
            return None
        values = out[name].tolist()
        try:
            arr = pa.array(values, type=dtype.pyarrow_dtype)
        except (pa.ArrowException, TypeError, ValueError):
            return None
        if _without_none(arr.to_pylist()) != values:
            return None
        out[name] = pd.Series(pd.arrays.ArrowExtensionArray(arr), index=out.index)
    return out


def join_any_country(events: gpd.GeoDataFrame, admin: AdminUnits | None) -> gpd.GeoDataFrame:
    """Join events of Armenia and Azerbaijan; others are kept, with no region and a note.

    Without boundaries (``admin`` is ``None``) every event is kept unjoined.
    """
    if admin is None:
        out = events.copy()
        for column in JOIN_COLUMNS:
            out[column] = None
        return out
    known = events["country"].isin(KNOWN_COUNTRIES).to_numpy()
    if known.all():
        return join_events(events, admin)
    inside = join_events(events[known], admin) if known.any() else None
    rest = events[~known].copy()
    rest["region"] = rest["region_id"] = rest["district"] = rest["district_id"] = np.nan
    rest["join_method"] = "unmatched"
    rest["join_distance_m"] = np.nan
    rest["admin_note"] = "no boundary data for " + rest["country"].fillna("?").astype(str)
    parts = [p for p in (inside, rest) if p is not None]
    joined = pd.concat(parts).loc[events.index]
    return gpd.GeoDataFrame(joined, geometry="geometry", crs=events.crs)


def load_imported(
    settings: Settings, admin: AdminUnits | None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Every imported dataset of the data folder, joined, and one episode row per dataset.

    The frames have the curated frame's columns (``episode`` is the dataset
    name, ``layer_file`` the GeoParquet file) plus ``dataset``; the dataset's
    own columns (``acled.*``, ``ucdp.*``) stay in the GeoParquet file.
    """
    frames: list[gpd.GeoDataFrame] = []
    episodes: list[dict[str, Any]] = []
    seen: dict[str, Path] = {}
    for path in imported_files(settings):
        meta = _meta(path)
        name = meta["dataset"]
        if name in seen:
            raise ImportDataError(
                f"{path}: dataset {name!r} is also in {seen[name]}; keep one file per dataset "
                "in the data folder"
            )
        seen[name] = path
        # our columns only: the dataset's own (``acled.*``) stay in the file, unread (reading
        # them to drop them was most of the load's peak at 10^6 events)
        ours = [c for c in pq.read_schema(path).names if "." not in c]
        events = read_imported(path, columns=ours)
        release_memory()  # what reading freed, before the join's copies (geo._memory)
        title = f"{meta.get('title', name)} (imported from {meta.get('source_file', '?')})"
        events.insert(0, "episode", name)
        events.insert(1, "episode_title", title)
        events.insert(2, "layer_file", path.name)
        events["expected_region"] = None
        frames.append(join_any_country(events, admin))
        episodes.append(
            {
                "episode": name,
                "title": title,
                "summary": (
                    f"{str(meta.get('attribution', '')).rstrip('.')}. "
                    f"Licence: {meta.get('licence', '')}."
                ),
                "date_start": events["date_start"].min(),
                "date_end": events["date_end"].max(),
                "layer_file": path.name,
                "sources": [],
                "claims": [],
            }
        )
    if not frames:
        return gpd.GeoDataFrame(), pd.DataFrame()
    joined = pd.concat(frames) if len(frames) > 1 else frames[0]
    return gpd.GeoDataFrame(joined, geometry="geometry", crs=frames[0].crs), pd.DataFrame(episodes)


def with_imported(data: Dataset, settings: Settings) -> Dataset:
    """The dataset with the data folder's imported events added (unchanged when there are none).

    Curated events get ``dataset = 'curated'``; the nested columns of both stay Arrow lists
    (see :func:`nested_to_arrow`; Python lists only if a curated value has a field the
    Arrow type lacks); text columns that repeat few values are categoricals (the same
    values, stored once each: :func:`geo.compact.compact_text_columns`), and so are the
    repeated texts of the claims' and sources' fields (Arrow dictionaries:
    :func:`geo.compact.compact_nested_columns`). Accepted links of the data folder's links
    file are applied (:func:`geo.link.apply_links`).
    """
    if not imported_files(settings):
        return data
    imported, episodes = load_imported(settings, data.admin)
    # at each step below, what the step before freed goes back to the system (glibc keeps
    # it otherwise), so that the step's own copies do not come on top of it: at 10^6
    # events the peak went from 3.4 to 2.4 GiB (geo._memory, bench/README.md)
    release_memory()
    curated = data.events.copy()
    curated.insert(0, "dataset", CURATED)
    columnar = nested_to_arrow(curated, imported)
    if columnar is not None:  # claims/sources/tags stay Arrow lists: nothing per event
        both = pd.concat([columnar, imported])
    else:
        both = pd.concat([curated, nested_to_lists(imported)])
    del imported, columnar, curated  # in ``both`` now
    release_memory()
    if both.index.has_duplicates:
        dupes = both.index[both.index.duplicated()].unique()[:10]
        raise ImportDataError(f"event ids in several datasets: {', '.join(map(str, dupes))}")
    from geo.link import apply_links, links_path, read_links

    both = apply_links(both, read_links(links_path(settings.datasets_dir)))
    release_memory()  # the frame before the links (a copy)
    # the repeating texts (actors, titles, region ids, ...) stored once each: at 10^6
    # events this is most of the frame's memory (geo.compact)
    both = compact_text_columns(both)
    release_memory()  # the plain text they were
    both = compact_nested_columns(both)  # and the claims' and sources' repeated texts
    events = gpd.GeoDataFrame(both, geometry="geometry", crs=data.events.crs)
    return replace(
        data, events=events, episodes=pd.concat([data.episodes, episodes], ignore_index=True)
    )
