"""QGIS 3.22 styles (QML), the GeoPackage ``layer_styles`` table and an embedded QGIS project.

Everything here is generated from Python, without QGIS. The XML follows what
QGIS 3.22 LTR itself writes (learned by saving styles and projects from
PyQGIS 3.22.16; ``scripts/qgis_check.py`` opens the result in real QGIS):

- a layer style is a ``<qgis>`` document (``.qml``); QGIS applies the row of
  ``layer_styles`` with ``useAsDefault = 1`` when the layer is opened;
- a project stored in a GeoPackage is a row of ``qgis_projects``: the zipped
  ``.qgz`` bytes as hexadecimal text and a small JSON ``metadata``. Its layers
  point at ``./<file name>.gpkg|layername=<table>``, resolved against the
  GeoPackage's folder, so renaming the file breaks the project (a known QGIS
  limitation, qgis/QGIS#37440) while the default styles keep working.

All text is escaped for XML here; text that ends up as HTML in map tips is
escaped for HTML by the QGIS expressions built with :func:`html_escaped`.
"""

from __future__ import annotations

from geo.qgis.project import (
    Project,
    Relation,
    embed_project,
    project_qgs,
    qgz_bytes,
    read_embedded_project,
    write_layer_styles,
)
from geo.qgis.styles import LayerStyle, admin_style, events_style, summary_style, table_style
from geo.qgis.xml import (
    EPSG_4326_SRS,
    GEOMETRY_TYPES,
    LABEL_MAX_SCALE,
    LAYER_STYLES_SQL,
    LAYER_STYLES_TRIGGERS,
    MAX_MARKER_MM,
    PX_MM,
    QGIS_MARKERS,
    QGIS_PROJECTS_SQL,
    QGIS_VERSION,
    TEMPORAL_LIMIT_EXCLUDE_END,
    TEMPORAL_MODE_START_END_EXPRESSIONS,
    attr,
    categorized_renderer,
    column,
    el,
    fill_symbol,
    graduated_renderer,
    html_escaped,
    labeling,
    marker_symbol,
    qstring,
    rgba,
    single_renderer,
    temporal,
)

__all__ = [
    "EPSG_4326_SRS",
    "GEOMETRY_TYPES",
    "LABEL_MAX_SCALE",
    "LAYER_STYLES_SQL",
    "LAYER_STYLES_TRIGGERS",
    "MAX_MARKER_MM",
    "PX_MM",
    "QGIS_MARKERS",
    "QGIS_PROJECTS_SQL",
    "QGIS_VERSION",
    "TEMPORAL_LIMIT_EXCLUDE_END",
    "TEMPORAL_MODE_START_END_EXPRESSIONS",
    "LayerStyle",
    "Project",
    "Relation",
    "admin_style",
    "attr",
    "categorized_renderer",
    "column",
    "el",
    "embed_project",
    "events_style",
    "fill_symbol",
    "graduated_renderer",
    "html_escaped",
    "labeling",
    "marker_symbol",
    "project_qgs",
    "qgz_bytes",
    "qstring",
    "read_embedded_project",
    "rgba",
    "single_renderer",
    "summary_style",
    "table_style",
    "temporal",
    "write_layer_styles",
]
