"""Exports opened in real, headless QGIS 3.22 (Debian's python3-qgis) via scripts/qgis_check.py.

PyQGIS imports only in Debian's ``/usr/bin/python3``, so the check runs there
as a subprocess and prints JSON. Without QGIS these tests skip, unless
``CONFLICTMAP_REQUIRE_QGIS=1`` (CI), where they fail.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from geo.config import Settings
from geo.dataset import Dataset
from geo.export import export_package
from geo.period import in_period
from geo.style import EVENT_TYPE_COLORS, EVENT_TYPE_LABELS
from tests.factories import HOSTILE, HOSTILE_ID, world_dataset

pytestmark = pytest.mark.qgis

ROOT = Path(__file__).resolve().parent.parent
#: The interpreter with PyQGIS; override with CONFLICTMAP_QGIS_PYTHON.
QGIS_PYTHON = os.environ.get("CONFLICTMAP_QGIS_PYTHON", "/usr/bin/python3")
CHECK = ROOT / "scripts" / "qgis_check.py"
TIMEOUT_S = 180


@functools.lru_cache(maxsize=1)
def _qgis_problem() -> str | None:
    """Why PyQGIS cannot be used here, or None when it can."""
    if not Path(QGIS_PYTHON).exists():
        return f"{QGIS_PYTHON} not found"
    proc = subprocess.run(
        [QGIS_PYTHON, "-c", "import qgis.core"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    if proc.returncode:
        return f"{QGIS_PYTHON} cannot import qgis.core: {proc.stderr.strip()[-300:]}"
    return None


@pytest.fixture(scope="module", autouse=True)
def _need_qgis() -> None:
    problem = _qgis_problem()
    if problem is None:
        return
    msg = f"{problem} (install Debian's qgis and python3-qgis)"
    if os.environ.get("CONFLICTMAP_REQUIRE_QGIS") == "1":
        pytest.fail(msg)
    pytest.skip(msg)


def run_check(gpkg: Path, *args: str, cwd: Path) -> dict[str, Any]:
    """Run scripts/qgis_check.py under Debian's Python from ``cwd``; its JSON output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.setdefault("XDG_RUNTIME_DIR", str(cwd))
    proc = subprocess.run(
        [QGIS_PYTHON, str(CHECK), str(gpkg), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        cwd=cwd,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


@pytest.fixture(scope="module")
def data() -> Dataset:
    return world_dataset()


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory, data: Dataset) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("qgis")
    gpkg = export_package(data, folder / "events.gpkg", measure="deaths_best")
    days = ["2020-07-12", "2020-07-14", "2020-07-15", "2020-07-20", "2020-07-21"]
    elsewhere = tmp_path_factory.mktemp("cwd")  # relative project paths must not need the cwd
    args = [f"--day={d}" for d in days]
    return run_check(gpkg, *args, f"--tip-event={HOSTILE_ID}", cwd=elsewhere)


def test_every_layer_opens_valid(checked: dict[str, Any]) -> None:
    layers = checked["layers"]
    assert checked["qgis_version"].startswith("3.")
    assert set(layers) == {"events", "region_summary", "regions", "districts", "claims",
                           "sources", "episodes"}  # fmt: skip
    for name, info in layers.items():
        assert info["valid"], name
    assert layers["events"]["features"] == 5 and layers["claims"]["features"] == 7
    for name in ("events", "region_summary", "regions", "districts"):
        assert layers[name]["crs"] == "EPSG:4326", name
    assert layers["events"]["geometry"] == "Point"
    assert layers["regions"]["geometry"] == "MultiPolygon"
    assert layers["claims"]["geometry"] == "NoGeometry"


def test_field_types_as_qgis_sees_them(checked: dict[str, Any]) -> None:
    fields = checked["layers"]["events"]["fields"]
    for name in ("event_date", "date_start", "date_end"):
        assert fields[name] == "Date", name
    for name in ("year", "fatalities", "deaths_low", "deaths_best", "deaths_high"):
        assert fields[name] == "Integer64", name  # 64-bit: claims may exceed 2**31
    assert checked["layers"]["sources"]["fields"]["published"] == "Date"
    assert checked["layers"]["events"]["aliases"]["admin1"] == "Region (admin 1)"


def test_default_styles_applied(checked: dict[str, Any]) -> None:
    events = checked["layers"]["events"]
    renderer = events["renderer"]
    assert renderer["type"] == "categorizedSymbol" and renderer["attribute"] == "event_type"
    got = {c["value"]: (c["color"], c["label"]) for c in renderer["categories"]}
    assert got == {t: (c.upper(), EVENT_TYPE_LABELS[t]) for t, c in EVENT_TYPE_COLORS.items()}
    assert all("deaths_best" in (c["size_expression"] or "") for c in renderer["categories"])
    assert events["labels"]["enabled"] and events["labels"]["expression"] == '"location"'
    assert events["map_tip"] and events["display_expression"] == '"location"'
    summary = checked["layers"]["region_summary"]["renderer"]
    assert summary["type"] == "graduatedSymbol" and summary["attribute"] == "deaths_best"
    assert summary["ranges"][0]["lower"] == summary["ranges"][0]["upper"] == 0
    assert summary["ranges"][-1]["upper"] == 4
    assert checked["layers"]["regions"]["renderer"]["type"] == "singleSymbol"
    assert checked["layers"]["claims"]["display_expression"].startswith('"claimant"')


def test_temporal_settings(checked: dict[str, Any], data: Dataset) -> None:
    temporal = checked["layers"]["events"]["temporal_after_reload"]
    assert temporal["enabled"] is True
    assert temporal["mode"] == 4  # start and end from expressions
    assert temporal["start_expression"] == 'to_datetime("date_start")'
    assert temporal["end_expression"] == 'to_datetime("date_end") + make_interval(days:=1)'
    assert (temporal["start_field"], temporal["end_field"]) == ("date_start", "date_end")
    # QGIS keeps, for each one-day frame, exactly the events whose span overlaps that day
    for day, ids in checked["layers"]["events"]["day_filter"].items():
        d = date.fromisoformat(day)
        want = data.events[in_period(data.events, d, d)]["event_id"].tolist()
        assert ids == sorted(want), day


def test_map_tip_escapes_hostile_text(checked: dict[str, Any]) -> None:
    html = checked["layers"]["events"]["map_tip_html"]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ]]&gt;" in html
    assert "Claimant &lt;script&gt;" in html  # the claim line
    assert "injured about 2" in html
    assert HOSTILE not in html


def test_embedded_project(checked: dict[str, Any]) -> None:
    project = checked["project"]
    assert project["read"] is True
    assert project["crs"] == "EPSG:4326"
    assert project["time_range"] == ["2020-07-12T00:00:00", "2020-07-30T23:59:59"]
    assert project["time_step"] == [1.0, 4]  # one day (QgsUnitTypes::TemporalDays)
    assert project["relations"] == ["event_claims", "event_sources"]
    layers = {layer["name"]: layer for layer in project["layers"]}
    assert project["layers"][0]["name"] == "Events"
    for name, layer in layers.items():
        assert layer["valid"], name
        assert "events.gpkg|layername=" in layer["source"]
    assert layers["Events"]["temporal"] is True
    assert layers["Events"]["renderer"] == "categorizedSymbol"
    assert layers["Deaths (best) by region"]["renderer"] == "graduatedSymbol"
    assert layers["Districts"]["visible"] is False
    x0, y0, x1, y1 = project["default_view"]
    assert (x0, y0, x1, y1) == (44.0, 40.0, 47.0, 41.5)


def test_gdal_validator_accepts_export(tmp_path: Path, data: Dataset) -> None:
    """GDAL's own GeoPackage validator (Debian python3-gdal, installed with QGIS)."""
    gpkg = export_package(data, tmp_path / "events.gpkg")
    proc = subprocess.run(
        [QGIS_PYTHON, "-m", "osgeo_utils.samples.validate_gpkg", str(gpkg)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == ""


def test_curated_export_in_qgis(tmp_path: Path, settings: Settings) -> None:
    from geo.dataset import load_dataset

    real = load_dataset(settings)
    gpkg = export_package(real, tmp_path / "conflictmap_events.gpkg", settings=settings)
    first = min(real.events["date_start"]).date()
    days = [(first + timedelta(days=i)).isoformat() for i in range(4)]
    result = run_check(gpkg, *[f"--day={d}" for d in days], cwd=tmp_path)
    assert all(info["valid"] for info in result["layers"].values())
    assert result["layers"]["events"]["features"] == len(real.events)
    assert result["layers"]["regions"]["features"] == len(real.admin.regions)
    for day, ids in result["layers"]["events"]["day_filter"].items():
        d = date.fromisoformat(day)
        assert ids == sorted(real.events[in_period(real.events, d, d)]["event_id"]), day
    assert all(layer["valid"] for layer in result["project"]["layers"])
