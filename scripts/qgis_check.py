"""Open a conflictmap GeoPackage export in headless QGIS and print what QGIS sees, as JSON.

Run with the interpreter that has PyQGIS (Debian: ``/usr/bin/python3``), not the venv:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis_check.py export.gpkg \
        --day 2020-07-14 --tip-event some-event-id

For each layer (opened on its own, so its default style comes from
``layer_styles``): validity, feature count, CRS, field types, renderer,
labels, temporal settings, map tip; for ``--day`` the events QGIS's temporal
filter keeps on that day; for ``--tip-event`` the map tip QGIS renders for that
event. Then the embedded project: its layers, their sources and validity, the
time range, relations and default view. Uses only the standard library and
PyQGIS. All QGIS objects live inside :func:`check`, so they are gone before
``exitQgis()`` (PyQGIS 3.22 crashes otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

PROJECT_NAME = "conflictmap"


def _color(symbol: Any) -> str:
    return symbol.color().name().upper()


def _renderer(layer: Any) -> dict[str, Any]:
    renderer = layer.renderer()
    if renderer is None:
        return {"type": None}
    out: dict[str, Any] = {"type": renderer.type()}
    if renderer.type() == "categorizedSymbol":
        out["attribute"] = renderer.classAttribute()
        out["categories"] = [
            {
                "value": c.value(),
                "label": c.label(),
                "color": _color(c.symbol()),
                "shape": c.symbol().symbolLayer(0).properties().get("name"),
                "size_expression": (
                    c.symbol().symbolLayer(0).dataDefinedProperties().property(0).expressionString()
                    if c.symbol().symbolLayer(0).dataDefinedProperties().hasActiveProperties()
                    else None
                ),
            }
            for c in renderer.categories()
        ]
    elif renderer.type() == "graduatedSymbol":
        out["attribute"] = renderer.classAttribute()
        out["ranges"] = [
            {
                "lower": r.lowerValue(),
                "upper": r.upperValue(),
                "label": r.label(),
                "color": _color(r.symbol()),
            }
            for r in renderer.ranges()
        ]
    elif renderer.type() == "singleSymbol":
        out["color"] = _color(renderer.symbol())
    return out


def _labels(layer: Any) -> dict[str, Any]:
    if not layer.labelsEnabled() or layer.labeling() is None:
        return {"enabled": False}
    settings = layer.labeling().settings()
    return {
        "enabled": True,
        "expression": settings.fieldName,
        "is_expression": settings.isExpression,
        "scale_visibility": settings.scaleVisibility,
        "min_scale": settings.minimumScale,
    }


def _temporal(layer: Any) -> dict[str, Any]:
    tp = layer.temporalProperties()
    return {
        "enabled": tp.isActive(),
        "mode": int(tp.mode()),
        "start_field": tp.startField(),
        "end_field": tp.endField(),
        "limit_mode": int(tp.limitMode()),
        "start_expression": tp.startExpression(),
        "end_expression": tp.endExpression(),
    }


def _day_filter(layer: Any, day: str) -> list[str]:
    """Event ids QGIS's temporal filter keeps for the one-day frame ``day``."""
    from qgis.core import (
        QgsDateTimeRange,
        QgsExpression,
        QgsFeatureRequest,
        QgsVectorLayerTemporalContext,
    )
    from qgis.PyQt.QtCore import QDate, QDateTime, QTime

    first = QDate.fromString(day, "yyyy-MM-dd")
    frame = QgsDateTimeRange(
        QDateTime(first, QTime(0, 0, 0)), QDateTime(first.addDays(1), QTime(0, 0, 0)), True, False
    )
    context = QgsVectorLayerTemporalContext()
    context.setLayer(layer)
    expression = layer.temporalProperties().createFilterString(context, frame)
    request = QgsFeatureRequest(QgsExpression(expression))
    return sorted(str(f["event_id"]) for f in layer.getFeatures(request))


def _map_tip(layer: Any, event_id: str) -> str | None:
    from qgis.core import (
        QgsExpression,
        QgsExpressionContext,
        QgsExpressionContextUtils,
        QgsFeatureRequest,
    )

    request = QgsFeatureRequest(QgsExpression(f"\"event_id\" = '{event_id}'"))
    for feature in layer.getFeatures(request):
        context = QgsExpressionContext()
        context.appendScopes(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
        context.setFeature(feature)
        return str(QgsExpression.replaceExpressionText(layer.mapTipTemplate(), context))
    return None


def _layer(layer: Any) -> dict[str, Any]:
    from qgis.core import QgsWkbTypes

    info: dict[str, Any] = {
        "valid": layer.isValid(),
        "features": int(layer.featureCount()),
        "geometry": QgsWkbTypes.displayString(layer.wkbType()),
        "crs": layer.crs().authid() or None,
        "fields": {f.name(): f.typeName() for f in layer.fields()},
        "aliases": {f.name(): f.alias() for f in layer.fields() if f.alias()},
        "display_expression": layer.displayExpression(),
        "map_tip": bool(layer.mapTipTemplate()),
        "temporal": _temporal(layer),
    }
    if layer.isSpatial():
        info["renderer"] = _renderer(layer)
        info["labels"] = _labels(layer)
    return info


def _project(path: str) -> dict[str, Any]:
    from qgis.core import QgsProject

    project = QgsProject.instance()
    ok = project.read(f"geopackage:{path}?projectName={PROJECT_NAME}")
    try:
        time_range = project.timeSettings().temporalRange()
        view = project.viewSettings().defaultViewExtent()
        root = project.layerTreeRoot()
        layers = []
        for node in root.findLayers():
            layer = node.layer()
            layers.append(
                {
                    "name": node.name(),
                    "visible": node.isVisible(),
                    "valid": bool(layer and layer.isValid()),
                    "source": layer.source() if layer else None,
                    "renderer": layer.renderer().type() if layer and layer.isSpatial() else None,
                    "temporal": layer.temporalProperties().isActive() if layer else None,
                }
            )
        return {
            "read": ok,
            "title": project.title(),
            "crs": project.crs().authid(),
            "time_range": [
                time_range.begin().toString("yyyy-MM-ddTHH:mm:ss"),
                time_range.end().toString("yyyy-MM-ddTHH:mm:ss"),
            ],
            "time_step": [
                project.timeSettings().timeStep(),
                int(project.timeSettings().timeStepUnit()),
            ],
            "default_view": [view.xMinimum(), view.yMinimum(), view.xMaximum(), view.yMaximum()],
            "relations": sorted(project.relationManager().relations()),
            "layers": layers,
        }
    finally:
        project.clear()


def check(path: str, days: list[str], tip_event: str | None) -> dict[str, Any]:
    """Everything QGIS reports about the export at ``path``."""
    from osgeo import ogr
    from qgis.core import Qgis, QgsVectorLayer

    dataset = ogr.Open(path)
    names = [dataset.GetLayer(i).GetName() for i in range(dataset.GetLayerCount())]
    dataset = None
    result: dict[str, Any] = {"qgis_version": Qgis.QGIS_VERSION, "layers": {}}
    for name in names:
        if name in ("layer_styles",):
            continue
        layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
        info = _layer(layer)
        # QGIS 3.22 applies a default style's temporal "enabled" only on an explicit
        # (re)load or from a project (qgis/QGIS#42223, #53471); record both.
        layer.loadDefaultStyle()
        info["temporal_after_reload"] = _temporal(layer)
        if name == "events":
            info["day_filter"] = {day: _day_filter(layer, day) for day in days}
            if tip_event:
                info["map_tip_html"] = _map_tip(layer, tip_event)
        result["layers"][name] = info
        del layer
    result["project"] = _project(path)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gpkg")
    parser.add_argument("--day", action="append", default=[], help="YYYY-MM-DD (repeatable)")
    parser.add_argument("--tip-event", help="event_id whose map tip to render")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    try:
        result = check(str(Path(args.gpkg).resolve()), args.day, args.tip_event)
    finally:
        app.exitQgis()
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
