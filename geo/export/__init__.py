"""Analyst exports: GeoPackage (styled for QGIS), GeoJSON, CSV, KML and zip, read back losslessly.

Every format carries ACLED/UCDP-compatible event columns (``event_id``,
``event_date``, ``admin1``, ``fatalities``, ``deaths_low/best/high`` ...), the
claims and sources behind each figure, and the licences and attribution. A
package holds everything or exactly what a :class:`geo.view.View` shows.
Writes are atomic: a temporary file in the target folder, then a rename.

The package, by responsibility: :mod:`~geo.export.tables` (field schemas and the
frames built from events), :mod:`~geo.export.parts` (what one export holds, and its
metadata and README), :mod:`~geo.export.gpkg` (the GeoPackage: typed layers, QGIS
styles, temporal settings, embedded project), :mod:`~geo.export.flat` (GeoJSON and
CSV), :mod:`~geo.export.kml` (Google Earth) and :mod:`~geo.export.readback` (reading an
export back into the record). This module is the public API: write a package to a
file, or get its bytes for a download.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from geo._errors import ExportError
from geo._io import atomic_write_bytes, atomic_write_files
from geo.export.flat import _csv_files, _geojson_files
from geo.export.gpkg import GPKG_APPLICATION_ID, GPKG_USER_VERSION, _gpkg_contents, _write_gpkg
from geo.export.kml import kml_document
from geo.export.parts import (
    FORMATS,
    PROJECT_NAME,
    SUFFIXES,
    Format,
    _check_request,
    _Parts,
    _prepare,
    readme_text,
)
from geo.export.readback import import_export
from geo.export.tables import (
    CLAIM_FIELDS,
    EVENT_FIELDS,
    SOURCE_FIELDS,
    claims_table,
    event_table,
    sources_table,
)
from geo.view import View

if TYPE_CHECKING:
    from geo.config import Settings
    from geo.dataset import Dataset

__all__ = [
    "CLAIM_FIELDS",
    "EVENT_FIELDS",
    "FORMATS",
    "GPKG_APPLICATION_ID",
    "GPKG_USER_VERSION",
    "PROJECT_NAME",
    "SOURCE_FIELDS",
    "SUFFIXES",
    "ExportError",
    "Format",
    "claims_table",
    "event_table",
    "export_bytes",
    "export_filename",
    "export_package",
    "import_export",
    "sources_table",
]


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
    stamp = parts.info.exported_at.astimezone(UTC).timetuple()[:6]
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
        files = _files(parts, fmt, target.stem)
        atomic_write_files({target.parent / name: content for name, content in files.items()})
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
    chosen = measure or (view.measure if view is not None else "events")
    _check_request(fmt, chosen, view)
    parts = _prepare(data, view=view, measure=chosen, settings=settings, now=now)
    if fmt == "zip":
        return _zip(parts, filename, bundle)
    if fmt == "gpkg":  # SQLite writes files: build it in a temporary folder
        with tempfile.TemporaryDirectory() as tmpdir:
            path = Path(tmpdir) / export_filename(fmt, filename)
            _write_gpkg(parts, path)
            return path.read_bytes()
    return _files(parts, fmt, filename)[export_filename(fmt, filename)]


def export_filename(fmt: str, stem: str = "conflictmap_events") -> str:
    """The file name for a download of ``fmt``."""
    if fmt not in SUFFIXES:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    return f"{stem}{SUFFIXES[fmt]}"
