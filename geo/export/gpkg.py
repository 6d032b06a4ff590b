"""The GeoPackage writer: typed layers via Arrow, metadata, QGIS styles, the embedded project."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import pyogrio.errors
import shapely
from shapely.geometry import MultiPolygon, Polygon

from geo import qgis
from geo._errors import ExportError, OutputError
from geo._io import atomic_path
from geo.export.parts import PROJECT_NAME, ExportInfo, _Parts, readme_text
from geo.export.tables import (
    CLAIM_FIELDS,
    CONVERT,
    DISTRICT_FIELDS,
    EPISODE_FIELDS,
    EVENT_FIELDS,
    REGION_FIELDS,
    SOURCE_FIELDS,
    summary_fields,
)
from geo.view import MEASURE_LABELS

if TYPE_CHECKING:
    pass


#: GeoPackage version written: QGIS 3.22 (GDAL 3.6) warns on the 1.4 files newer GDAL writes.
GPKG_VERSION = "1.2"
GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10200


# --- arrow / GeoPackage writing -----------------------------------------------------------------

_ARROW_TYPES = {"str": pa.string(), "date": pa.date32(), "int": pa.int64(), "float": pa.float64()}


def _arrow(frame: pd.DataFrame, fields: Sequence[tuple[str, str, str]]) -> pa.Table:
    arrays = {
        name: pa.array([CONVERT[kind](v) for v in frame[name]], type=_ARROW_TYPES[kind])
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


def _stamp(info: ExportInfo) -> str:
    """The export time as GeoPackage writes times (``2020-07-12T08:00:00.000Z``)."""
    return info.exported_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


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
    stamp = _stamp(info)
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
    """Write the GeoPackage atomically; GDAL and SQLite write failures become OutputError.

    A full disk surfaces as ``DataLayerError ... database or disk is full`` from GDAL or
    ``sqlite3.OperationalError`` from SQLite; either way the previous file stays intact
    and the temporary file is removed (:func:`geo._io.atomic_path`).
    """
    try:
        _write_gpkg_file(parts, target)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise OutputError(f"cannot write {target}: {_full(target) or _gdal_reason(exc)}") from exc
    except sqlite3.DatabaseError as exc:
        raise OutputError(f"cannot write {target}: {_full(target) or exc}") from exc


#: Below this many free bytes a failed GeoPackage write is reported as a full disk (SQLite
#: and GDAL then fail with whatever statement ran out of room, e.g. "no such table").
_NEARLY_FULL = 1024 * 1024


def _full(target: Path) -> str:
    """'the disk is full (N bytes free)' when it nearly is, else ''."""
    try:
        free = shutil.disk_usage(target.parent).free
    except OSError:
        return ""
    return f"the disk is full ({free:,} bytes free)" if free < _NEARLY_FULL else ""


def _gdal_reason(exc: Exception) -> str:
    """The useful end of a GDAL message ('database or disk is full')."""
    text = str(exc).strip()
    return text.rsplit("failed: ", 1)[-1] if "failed: " in text else text


def _write_gpkg_file(parts: _Parts, target: Path) -> None:
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
                # GDAL stamps each table with the clock; the export's own time instead, so
                # the same export (same ``now``/SOURCE_DATE_EPOCH) is the same bytes.
                conn.execute("UPDATE gpkg_contents SET last_change = ?", (_stamp(info),))
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
