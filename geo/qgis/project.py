"""The QGIS project embedded in a GeoPackage, and the layer_styles and qgis_projects tables."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from geo.qgis.styles import LayerStyle
from geo.qgis.xml import (
    EPSG_4326_SRS,
    LAYER_STYLES_SQL,
    LAYER_STYLES_TRIGGERS,
    QGIS_PROJECTS_SQL,
    QGIS_VERSION,
    el,
)

# --- the project ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """A project relation: rows of ``child`` whose ``field`` equals the parent's ``field``."""

    id: str
    name: str
    child: str
    parent: str
    field: str


@dataclass(frozen=True)
class Project:
    """What the embedded project shows: layers (top first), time range, extent, metadata."""

    title: str
    gpkg_name: str
    layers: tuple[LayerStyle, ...]
    start: date
    end: date
    extent: tuple[float, float, float, float]
    abstract: str = ""
    relations: tuple[Relation, ...] = ()
    author: str = "conflictmap"
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


def _resource_metadata(title: str, abstract: str, rights: Sequence[str]) -> str:
    return el(
        "resourceMetadata",
        None,
        el("identifier", text=""),
        el("parentidentifier", text=""),
        el("language", text=""),
        el("type", text="dataset"),
        el("title", text=title),
        el("abstract", text=abstract),
        el("links"),
        el("fees", text=""),
        *(el("rights", text=r) for r in rights),
        *(el("license", text=r) for r in rights),
        el("encoding", text=""),
        el("crs", None, EPSG_4326_SRS),
        el("extent"),
    )


def _extent(tag: str, box: tuple[float, float, float, float]) -> str:
    return el(
        tag,
        None,
        *(
            el(k, text=f"{v:.10g}")
            for k, v in zip(("xmin", "ymin", "xmax", "ymax"), box, strict=True)
        ),
    )


def _maplayer(layer: LayerStyle, gpkg_name: str) -> str:
    source = f"./{gpkg_name}|layername={layer.table}"
    attrs: dict[str, object] = {
        "type": "vector",
        "styleCategories": "AllStyleCategories",
        "hasScaleBasedVisibilityFlag": "0",
        "minScale": "100000000",
        "maxScale": "0",
        "readOnly": "0",
        "autoRefreshEnabled": "0",
        "autoRefreshTime": "0",
        "refreshOnNotifyEnabled": "0",
        "refreshOnNotifyMessage": "",
        "legendPlaceholderImage": "",
    }
    if layer.geometry == "None":
        attrs.update({"geometry": "No geometry", "wkbType": "NoGeometry"})
    else:
        wkb = "Point" if layer.geometry == "Point" else "MultiPolygon"
        attrs.update(
            {
                "geometry": layer.geometry,
                "wkbType": wkb,
                "labelsEnabled": "1" if layer.labels else "0",
                "simplifyDrawingHints": "1" if layer.geometry == "Polygon" else "0",
                "simplifyDrawingTol": "1",
                "simplifyLocal": "1",
                "simplifyMaxScale": "1",
                "simplifyAlgorithm": "0",
                "symbologyReferenceScale": "-1",
            }
        )
    head = []
    if layer.extent is not None:
        head += [_extent("extent", layer.extent), _extent("wgs84extent", layer.extent)]
    head += [
        el("id", text=layer.layer_id),
        el("datasource", text=source),
        el("keywordList", None, el("value", text="")),
        el("layername", text=layer.title),
        el("srs", None, EPSG_4326_SRS),
        _resource_metadata(layer.title, layer.description, layer.rights),
        el("provider", {"encoding": "UTF-8"}, text="ogr"),
        el("vectorjoins"),
        el("layerDependencies"),
        el("dataDependencies"),
        el("expressionfields"),
        el(
            "map-layer-style-manager",
            {"current": "default"},
            el("map-layer-style", {"name": "default"}),
        ),
        el("auxiliaryLayer"),
        el("metadataUrls"),
    ]
    return el("maplayer", attrs, *head, *layer.body())


def project_qgs(project: Project) -> str:
    """The ``.qgs`` XML of the project."""
    p = project
    tree = [
        el(
            "layer-tree-layer",
            {
                "id": layer.layer_id,
                "name": layer.title,
                "providerKey": "ogr",
                "source": f"./{p.gpkg_name}|layername={layer.table}",
                "checked": "Qt::Checked" if layer.visible else "Qt::Unchecked",
                "expanded": "1" if layer.geometry != "None" else "0",
                "legend_exp": "",
                "legend_split_behavior": "0",
                "patch_size": "-1,-1",
            },
            el("customproperties"),
        )
        for layer in p.layers
    ]
    ids = {layer.table: layer.layer_id for layer in p.layers}
    relations = [
        el(
            "relation",
            {
                "id": r.id,
                "name": r.name,
                "referencingLayer": ids[r.child],
                "referencedLayer": ids[r.parent],
                "strength": "Association",
            },
            el("fieldRef", {"referencingField": r.field, "referencedField": r.field}),
        )
        for r in p.relations
        if r.child in ids and r.parent in ids
    ]
    created = p.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    x0, y0, x1, y1 = p.extent
    time_range = el(
        "ProjectTimeSettings",
        {"timeStep": "1", "timeStepUnit": "d", "frameRate": "1", "cumulativeTemporalRange": "0"},
        el(
            "TemporalRange",
            None,
            el("start", text=f"{p.start.isoformat()}T00:00:00Z"),
            el("end", text=f"{p.end.isoformat()}T23:59:59Z"),
        ),
    )
    body = [
        el("homePath", {"path": ""}),
        el("title", text=p.title),
        el("autotransaction", {"active": "0"}),
        el("evaluateDefaultValues", {"active": "0"}),
        el("trust", {"active": "0"}),
        el("projectCrs", None, EPSG_4326_SRS),
        el(
            "layer-tree-group",
            None,
            el("customproperties"),
            *tree,
            el(
                "custom-order",
                {"enabled": "0"},
                *(el("item", text=ly.layer_id) for ly in reversed(p.layers)),
            ),
        ),
        el("relations", None, *relations),
        el("polymorphicRelations"),
        el(
            "mapcanvas",
            {"name": "theMapCanvas", "annotationsVisible": "1"},
            el("units", text="degrees"),
            _extent("extent", p.extent),
            el("rotation", text="0"),
            el("destinationsrs", None, EPSG_4326_SRS),
            el("rendermaptile", text="0"),
            el("expressionContextScope"),
        ),
        el("projectlayers", None, *(_maplayer(layer, p.gpkg_name) for layer in p.layers)),
        el("layerorder", None, *(el("layer", {"id": ly.layer_id}) for ly in reversed(p.layers))),
        el(
            "properties",
            None,
            el("Paths", None, el("Absolute", {"type": "bool"}, text="false")),
            el("SpatialRefSys", None, el("ProjectionsEnabled", {"type": "int"}, text="1")),
        ),
        el(
            "projectMetadata",
            None,
            el("identifier", text=""),
            el("parentidentifier", text=""),
            el("language", text=""),
            el("type", text=""),
            el("title", text=p.title),
            el("abstract", text=p.abstract),
            el("links"),
            el("author", text=p.author),
            el("creation", text=created),
        ),
        el(
            "ProjectViewSettings",
            {"UseProjectScales": "0", "rotation": "0"},
            el("Scales"),
            el(
                "DefaultViewExtent",
                {
                    "xmin": f"{x0:.10g}",
                    "ymin": f"{y0:.10g}",
                    "xmax": f"{x1:.10g}",
                    "ymax": f"{y1:.10g}",
                },
                EPSG_4326_SRS,
            ),
        ),
        time_range,
    ]
    root = el(
        "qgis",
        {
            "projectname": p.title,
            "version": QGIS_VERSION,
            "saveUser": p.author,
            "saveUserFull": p.author,
            "saveDateTime": created,
        },
        *body,
    )
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + root + "\n"


def qgz_bytes(qgs: str, name: str) -> bytes:
    """A ``.qgz``: a zip holding ``<name>.qgs`` (QGIS reads the first ``.qgs`` in it)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(f"{name}.qgs", date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, qgs.encode("utf-8"))
    return buf.getvalue()


# --- writing into a GeoPackage ----------------------------------------------------------------


def _now_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def write_layer_styles(
    conn: sqlite3.Connection, layers: Iterable[LayerStyle], *, when: datetime | None = None
) -> None:
    """Create ``layer_styles`` as QGIS does and add each layer's style as its default."""
    moment = when or datetime.now(UTC)
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='layer_styles'"
    ).fetchone()
    if not exists:
        conn.execute(LAYER_STYLES_SQL)
        conn.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
            "last_change, srs_id) VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?, 0)",
            (_now_iso(moment),),
        )
        has_ogr_contents = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='gpkg_ogr_contents'"
        ).fetchone()
        if has_ogr_contents:
            conn.execute(
                "INSERT INTO gpkg_ogr_contents (table_name, feature_count) "
                "VALUES ('layer_styles', 0)"
            )
            for trigger in LAYER_STYLES_TRIGGERS:
                conn.execute(trigger)
    for layer in layers:
        conn.execute(
            "UPDATE layer_styles SET useAsDefault = 0 WHERE f_table_name = ? "
            "AND f_geometry_column = ?",
            (layer.table, layer.geometry_column_name),
        )
        conn.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, "
            "ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', NULL, ?)",
            (
                layer.table,
                layer.geometry_column_name,
                layer.table,
                layer.qml(),
                layer.description,
                _now_iso(moment),
            ),
        )


def embed_project(
    conn: sqlite3.Connection,
    name: str,
    qgz: bytes,
    *,
    when: datetime | None = None,
    user: str = "conflictmap",
) -> None:
    """Store a ``.qgz`` in ``qgis_projects`` as QGIS's GeoPackage project storage does."""
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    conn.execute(QGIS_PROJECTS_SQL.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"))
    metadata = json.dumps(
        {"last_modified_time": moment.strftime("%Y-%m-%dT%H:%M:%S"), "last_modified_user": user}
    )
    conn.execute(
        "INSERT OR REPLACE INTO qgis_projects (name, metadata, content) VALUES (?, ?, ?)",
        (name, metadata, qgz.hex()),
    )


def read_embedded_project(conn: sqlite3.Connection, name: str | None = None) -> str:
    """The ``.qgs`` XML of a project stored in a GeoPackage (the first one if no name)."""
    sql = "SELECT content FROM qgis_projects" + (" WHERE name = ?" if name else "")
    row = conn.execute(sql, (name,) if name else ()).fetchone()
    if row is None:
        raise LookupError(f"no QGIS project {name or ''} in this GeoPackage".replace("  ", " "))
    content = row[0]
    raw = bytes.fromhex(content) if isinstance(content, str) else bytes(content)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        member = next(n for n in zf.namelist() if n.endswith(".qgs"))
        return zf.read(member).decode("utf-8")
