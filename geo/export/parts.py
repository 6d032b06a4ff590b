"""What one export holds, computed once for every format: tables, units and metadata."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import metadata as importlib_metadata
from typing import TYPE_CHECKING, Any, Literal, get_args

import geopandas as gpd
import pandas as pd
import shapely

from geo._errors import ConflictMapError, ExportError
from geo.credits import LICENCES, SHARE_ALIKE_NOTE
from geo.export.tables import (
    check_events,
    claims_table,
    episodes_table,
    event_table,
    sources_table,
    summary_table,
)
from geo.period import to_day
from geo.view import MEASURE_LABELS, MEASURES, View, apply_view

if TYPE_CHECKING:
    from geo.config import Settings
    from geo.dataset import Dataset


#: Name of the QGIS project stored inside every GeoPackage export.
PROJECT_NAME = "conflictmap"
Format = Literal["gpkg", "geojson", "csv", "kml", "zip"]
FORMATS: tuple[str, ...] = get_args(Format)
SUFFIXES = {"gpkg": ".gpkg", "geojson": ".geojson", "csv": ".csv", "kml": ".kml", "zip": ".zip"}


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
            "exported_at": self.exported_at.astimezone(UTC).isoformat(timespec="seconds"),
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
    records = pd.DataFrame(events.drop(columns=events.geometry.name))
    digest.update(
        records.to_json(orient="records", date_format="iso", default_handler=str).encode()
    )
    digest.update(b"".join(shapely.to_wkb(events.geometry.to_numpy(), output_dimension=2)))
    if episodes is not None and len(episodes):
        digest.update(episodes.to_json(orient="records", date_format="iso").encode())
    return f"{_software_version()}+{digest.hexdigest()[:12]}"


def export_time() -> datetime:
    """The time an export records: ``SOURCE_DATE_EPOCH`` when set, else now (UTC).

    ``SOURCE_DATE_EPOCH`` (seconds since 1970-01-01 UTC, the reproducible-builds
    convention) makes two exports of the same data and filters the same bytes, so an
    analyst can keep exports in version control and see only real changes.
    """
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return datetime.now(UTC)
    try:
        seconds = int(raw)
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise ExportError(
            f"SOURCE_DATE_EPOCH={raw!r}: not a whole number of seconds since 1970-01-01 UTC"
        ) from exc


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
    days = [d for d in (to_day(x) for x in table["date_start"]) if d]
    ends = [d for d in (to_day(x) for x in table["date_end"]) if d]
    info = ExportInfo(
        title="Armenia–Azerbaijan conflict events (conflictmap export)",
        dataset_version=dataset_version(events, episodes),
        software_version=_software_version(),
        exported_at=now or export_time(),
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
