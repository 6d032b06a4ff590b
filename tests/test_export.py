"""Exports read back with pyogrio, sqlite3 and XML parsers: layers, types, styles, round trip."""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, Polygon

from geo import qgis
from geo.config import Settings
from geo.dataset import Dataset
from geo.events import derived_figures
from geo.export import (
    CLAIM_FIELDS,
    EVENT_FIELDS,
    GPKG_APPLICATION_ID,
    GPKG_USER_VERSION,
    PROJECT_NAME,
    SOURCE_FIELDS,
    ExportError,
    Format,
    export_bytes,
    export_filename,
    export_package,
    import_export,
)
from geo.period import in_period
from geo.style import EVENT_TYPE_COLORS
from geo.summary import region_summary
from geo.view import View, apply_view
from tests.factories import HOSTILE, HOSTILE_ID, world_dataset

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def data() -> Dataset:
    return world_dataset()


@pytest.fixture(scope="module")
def plain_settings() -> Settings:
    """Settings reading only the shipped boundary manifest (for the attribution)."""
    return Settings().with_(allow_download=False)


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory: pytest.TempPathFactory, data: Dataset, plain_settings: Settings) -> Path:
    out = tmp_path_factory.mktemp("gpkg") / "events.gpkg"
    return export_package(data, out, settings=plain_settings, measure="deaths_best", now=NOW)


def _sql(path: Path, query: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


def _qml(path: Path, table: str) -> ET.Element:
    rows = _sql(path, "SELECT styleQML FROM layer_styles WHERE f_table_name = ? AND useAsDefault",
                table)  # fmt: skip
    assert len(rows) == 1, f"{table}: {len(rows)} default styles"
    return ET.fromstring(rows[0][0])


def _project(path: Path) -> ET.Element:
    conn = sqlite3.connect(path)
    try:
        return ET.fromstring(qgis.read_embedded_project(conn, PROJECT_NAME))
    finally:
        conn.close()


# --- GeoPackage -------------------------------------------------------------------------------

SPATIAL = {"events": "Point", "region_summary": "MultiPolygon", "regions": "MultiPolygon",
           "districts": "MultiPolygon"}  # fmt: skip
TABLES = ("claims", "sources", "episodes")


def test_gpkg_layers_counts_crs_and_version(gpkg: Path, data: Dataset) -> None:
    layers = {name: kind for name, kind in pyogrio.list_layers(gpkg)}
    assert set(layers) == {*SPATIAL, *TABLES, "layer_styles"}
    for name, kind in SPATIAL.items():
        info = pyogrio.read_info(gpkg, layer=name)
        assert layers[name] == kind
        assert info["crs"] == "EPSG:4326", name
        assert info["geometry_name"] == "geom"
    counts = {name: pyogrio.read_info(gpkg, layer=name)["features"] for name in layers}
    assert counts["events"] == 5
    assert counts["claims"] == 6 + 1  # five on events, one episode-wide
    assert counts["sources"] == 6 + 1
    assert counts["regions"] == 4 and counts["districts"] == 5
    assert counts["region_summary"] == 4 + 1  # every region plus "(outside any region)"
    assert counts["layer_styles"] == len(SPATIAL) + len(TABLES)
    assert _sql(gpkg, "PRAGMA application_id") == [(GPKG_APPLICATION_ID,)]
    assert _sql(gpkg, "PRAGMA user_version") == [(GPKG_USER_VERSION,)] == [(10200,)]
    assert _sql(gpkg, "PRAGMA integrity_check") == [("ok",)]


def test_gpkg_field_types(gpkg: Path) -> None:
    info = pyogrio.read_info(gpkg, layer="events")
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert list(info["fields"]) == [name for name, _, _ in EVENT_FIELDS]
    assert list(info["fields"][:10]) == [
        "event_id", "event_date", "year", "time_precision", "event_type", "sub_event_type",
        "actor1", "assoc_actor_1", "actor2", "assoc_actor_2",
    ]  # fmt: skip
    for name in ("event_date", "date_start", "date_end"):
        assert types[name] == "OFTDate", name
    for name in (
        "year",
        "time_precision",
        "geo_precision",
        "where_prec",
        "fatalities",
        "deaths_low",
        "deaths_best",
        "deaths_high",
        "injured_low",
        "injured_high",
    ):
        assert types[name] == "OFTInteger64", name  # fmt: skip  (claims may exceed 2**31)
    for name in ("latitude", "longitude", "join_distance_m"):
        assert types[name] == "OFTReal", name
    declared = {row[1]: row[2] for row in _sql(gpkg, "PRAGMA table_info(events)")}
    assert declared["event_date"] == "DATE" and declared["geom"] == "POINT"
    sources = pyogrio.read_info(gpkg, layer="sources")
    assert dict(zip(sources["fields"], sources["ogr_types"], strict=True))["published"] == "OFTDate"
    claims = pyogrio.read_info(gpkg, layer="claims")
    assert list(claims["fields"]) == [n for n, _, _ in CLAIM_FIELDS]
    ctypes = dict(zip(claims["fields"], claims["ogr_types"], strict=True))
    assert ctypes["value"] == ctypes["low"] == ctypes["claim_no"] == "OFTInteger64"
    summary = pyogrio.read_info(gpkg, layer="region_summary")
    stypes = dict(zip(summary["fields"], summary["ogr_types"], strict=True))
    assert stypes["events"] == stypes["deaths_best"] == "OFTInteger64"
    assert stypes["period_start"] == "OFTDate"


def test_gpkg_event_values(gpkg: Path, data: Dataset) -> None:
    events = pyogrio.read_dataframe(gpkg, layer="events").set_index("event_id")
    row = events.loc["alpha-2020-07-12-a"]
    assert row["country"] == "Azerbaijan" and row["iso3"] == "AZE"
    assert row["admin1"] == "Alpha" and row["admin2"] == "Alpha"
    assert row["fatalities"] == row["deaths_low"] == 3 and row["year"] == 2020
    assert row["source"] == "Test Wire" and row["tags"] == "border; night"
    assert pd.Timestamp(row["event_date"]) == pd.Timestamp("2020-07-12")
    assert events.loc["border-2020-07-20-c", "admin_note"] == (
        "on the boundary between regions Alpha and Beta; assigned to Alpha "
        "(ties go to the first by name)"
    )
    assert pd.isna(events.loc["outside-2020-07-25-d", "admin1"])
    hostile = events.loc[HOSTILE_ID]
    assert hostile["notes"] == f"Notes {HOSTILE}"  # stored as typed, escaped only on display
    assert hostile["source"] == "Test Wire; Second Wire"
    claims = pyogrio.read_dataframe(gpkg, layer="claims")
    episode_wide = claims[claims["event_id"].isna()]
    assert episode_wide["episode"].tolist() == ["test-episode"]
    assert episode_wide["scope"].tolist() == ["episode"]
    rng = claims[(claims["event_id"] == "tavush-2020-07-30-e") & (claims["qualifier"] == "range")]
    assert rng[["low", "high", "figure"]].values.tolist() == [[2, 5, "2–5"]]


def test_region_summary_matches_summary_module(gpkg: Path, data: Dataset) -> None:
    got = pyogrio.read_dataframe(gpkg, layer="region_summary")
    want = region_summary(data.events, by="region", admin=data.admin)
    assert got["region"].tolist() == want["region"].tolist()
    for col in ("events", "deaths_low", "deaths_best", "deaths_high"):
        assert got[col].tolist() == want[col].tolist(), col
    assert got["events"].sum() == len(data.events)
    outside = got[got["region"] == "(outside any region)"]
    assert outside["events"].tolist() == [1] and outside.geometry.isna().all()
    assert str(got["period_start"].iloc[0])[:10] == "2020-07-12"
    assert str(got["period_end"].iloc[0])[:10] == "2020-07-30"


def test_layer_styles_table_as_qgis_creates_it(gpkg: Path) -> None:
    columns = [row[1] for row in _sql(gpkg, "PRAGMA table_info(layer_styles)")]
    assert columns == [
        "id", "f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column",
        "styleName", "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui",
        "update_time",
    ]  # fmt: skip
    sql = _sql(gpkg, "SELECT sql FROM sqlite_master WHERE name = 'layer_styles'")[0][0]
    assert sql == qgis.LAYER_STYLES_SQL.replace("IF NOT EXISTS ", "")
    assert _sql(gpkg, "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'") == [
        ("attributes",)
    ]
    rows = _sql(gpkg, "SELECT f_table_name, f_geometry_column, useAsDefault FROM layer_styles")
    assert sorted(rows) == sorted(
        [(name, "geom", 1) for name in SPATIAL] + [(name, "", 1) for name in TABLES]
    )
    for (qml,) in _sql(gpkg, "SELECT styleQML FROM layer_styles"):
        root = ET.fromstring(qml)
        assert root.tag == "qgis" and root.get("version", "").startswith("3.22")


def test_events_qml_categories_temporal_tips(gpkg: Path) -> None:
    root = _qml(gpkg, "events")
    temporal = root.find("temporal")
    assert temporal is not None
    assert temporal.get("enabled") == "1"
    assert temporal.get("mode") == str(qgis.TEMPORAL_MODE_START_END_EXPRESSIONS) == "4"
    assert temporal.get("startField") == "date_start" and temporal.get("endField") == "date_end"
    assert temporal.get("startExpression") == 'to_datetime("date_start")'
    assert temporal.get("endExpression") == 'to_datetime("date_end") + make_interval(days:=1)'
    assert temporal.get("limitMode") == "0"
    renderer = root.find("renderer-v2")
    assert renderer is not None
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "event_type"
    cats = {c.get("value"): c.get("symbol") for c in renderer.iter("category")}
    assert set(cats) == set(EVENT_TYPE_COLORS)
    symbols = {s.get("name"): s for s in renderer.iter("symbol")}
    for value, color in EVENT_TYPE_COLORS.items():
        layer = symbols[cats[value]].find("layer")
        assert layer is not None
        props = {p.get("k"): p.get("v") for p in layer.iter("prop")}
        assert props["color"] == qgis.rgba(color)
    assert root.get("labelsEnabled") == "1"
    tip = root.findtext("mapTip") or ""
    assert "claims_summary" in tip and "replace(" in tip and "&lt;" in tip
    aliases = {a.get("field"): a.get("name") for a in root.iter("alias")}
    assert aliases["deaths_best"] == "Deaths, best (UCDP)"


def test_summary_qml_graduated_by_measure(gpkg: Path) -> None:
    root = _qml(gpkg, "region_summary")
    renderer = root.find("renderer-v2")
    assert renderer is not None
    assert renderer.get("type") == "graduatedSymbol" and renderer.get("attr") == "deaths_best"
    ranges = [
        (float(r.get("lower", "")), float(r.get("upper", ""))) for r in renderer.iter("range")
    ]
    assert ranges[0] == (0, 0)
    # deaths (best) by region: Alpha 3 + 1 (the border event goes to the first by name),
    # Tavush 2 (a 2-5 range), Beta and Gamma 0
    assert ranges[-1][1] == 4
    for value in (0, 2, 4):
        assert any(lo <= value <= hi for lo, hi in ranges), value
    label = root.find("labeling/settings/text-style")
    assert label is not None and "deaths_best" in (label.get("fieldName") or "")
    assert _qml(gpkg, "regions").find("renderer-v2") is not None
    assert _qml(gpkg, "claims").find("renderer-v2") is None  # attribute table


def test_embedded_project(gpkg: Path) -> None:
    rows = _sql(gpkg, "SELECT name, metadata FROM qgis_projects")
    assert [r[0] for r in rows] == [PROJECT_NAME]
    meta = json.loads(rows[0][1])
    assert set(meta) == {"last_modified_time", "last_modified_user"}
    content = _sql(gpkg, "SELECT content FROM qgis_projects")[0][0]
    with zipfile.ZipFile(io.BytesIO(bytes.fromhex(content))) as zf:
        assert [n for n in zf.namelist() if n.endswith(".qgs")] == [f"{PROJECT_NAME}.qgs"]
    root = _project(gpkg)
    layers = {ml.findtext("id"): ml for ml in root.iter("maplayer")}
    tables = set()
    for layer_id, ml in layers.items():
        source = ml.findtext("datasource") or ""
        assert source.startswith(f"./{gpkg.name}|layername="), source
        table = source.split("layername=")[1]
        tables.add(table)
        assert layer_id and layer_id.startswith(table + "_")
        assert ml.findtext("provider") == "ogr"
        assert ml.find("srs/spatialrefsys/authid").text == "EPSG:4326"  # type: ignore[union-attr]
    assert tables == {*SPATIAL, *TABLES}
    tree = [n.get("id") for n in root.iter("layer-tree-layer")]
    assert set(tree) == set(layers)
    events = next(ml for ml in layers.values() if ml.findtext("datasource", "").endswith("=events"))
    assert events.find("temporal").get("enabled") == "1"  # type: ignore[union-attr]
    time = root.find("ProjectTimeSettings")
    assert time is not None and time.get("timeStepUnit") == "d"
    assert time.findtext("TemporalRange/start") == "2020-07-12T00:00:00Z"
    assert time.findtext("TemporalRange/end") == "2020-07-30T23:59:59Z"
    rels = {r.get("id"): r for r in root.iter("relation")}
    assert set(rels) == {"event_claims", "event_sources"}
    assert root.find("projectCrs/spatialrefsys/authid").text == "EPSG:4326"  # type: ignore[union-attr]


def test_gpkg_metadata(gpkg: Path, plain_settings: Settings) -> None:
    from geo.boundaries import attribution

    ext = _sql(gpkg, "SELECT table_name FROM gpkg_extensions WHERE extension_name='gpkg_metadata'")
    assert sorted(ext) == [("gpkg_metadata",), ("gpkg_metadata_reference",)]
    records = dict(_sql(gpkg, "SELECT mime_type, metadata FROM gpkg_metadata"))
    meta = json.loads(records["application/json"])
    assert meta["counts"] == {"events": 5, "claims": 7, "sources": 7}
    assert meta["filters"] == {} and meta["filters_text"].startswith("everything")
    assert meta["dataset_version"].startswith("0.1.0+")
    assert meta["exported_at"] == "2024-03-01T12:00:00+00:00"
    assert meta["attribution"] == attribution(plain_settings)
    assert any("CC BY 4.0" in text for text in meta["licences"])
    assert meta["sources_cited"] == ["Second Wire", "Test Wire"]
    assert "geoBoundaries" in records["text/plain"]
    refs = _sql(gpkg, "SELECT reference_scope, md_file_id FROM gpkg_metadata_reference")
    assert {r[0] for r in refs} == {"geopackage"} and len(refs) == 2
    desc = dict(_sql(gpkg, "SELECT table_name, description FROM gpkg_contents"))
    assert desc["events"].startswith("5 events") and "geoBoundaries" in desc["regions"]


# --- other formats ----------------------------------------------------------------------------


def test_geojson_files(tmp_path: Path, data: Dataset, plain_settings: Settings) -> None:
    main = export_package(data, tmp_path / "ev.geojson", fmt="geojson", settings=plain_settings)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ev.geojson", "ev_districts.geojson", "ev_region_summary.geojson", "ev_regions.geojson",
    ]  # fmt: skip
    doc = json.loads(main.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc  # RFC 7946: WGS84 only
    assert len(doc["features"]) == 5
    props = doc["features"][0]["properties"]
    assert isinstance(props["claims"], list) and isinstance(props["sources"], list)
    assert props["tags"] == ["border", "night"] and props["event_date"] == "2020-07-12"
    assert doc["features"][0]["geometry"] == {"type": "Point", "coordinates": [45.5, 40.5]}
    assert [c["value"] for c in doc["episodes"][0]["claims"]] == [20]
    assert doc["metadata"]["counts"]["events"] == 5
    first = json.loads((tmp_path / "ev_regions.geojson").read_text(encoding="utf-8"))
    geometry = first["features"][0]["geometry"]
    assert geometry["type"] == "Polygon"
    ring = geometry["coordinates"][0]
    assert Polygon(ring).exterior.is_ccw  # RFC 7946: exterior rings counter-clockwise
    regions = pyogrio.read_info(tmp_path / "ev_regions.geojson")
    assert regions["features"] == 4 and regions["crs"] == "EPSG:4326"


def test_csv_columns(tmp_path: Path, data: Dataset) -> None:
    export_package(data, tmp_path / "ev.csv", fmt="csv")
    with (tmp_path / "ev.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [name for name, _, _ in EVENT_FIELDS]
    assert len(rows) == 5
    assert rows[0]["event_date"] == "2020-07-12" and rows[0]["admin1"] == "Alpha"
    assert rows[0]["fatalities"] == "3" and rows[0]["deaths_best"] == "3"
    with (tmp_path / "ev_claims.csv").open(encoding="utf-8", newline="") as fh:
        claims = list(csv.DictReader(fh))
    assert list(claims[0]) == [name for name, _, _ in CLAIM_FIELDS] and len(claims) == 7
    with_claims = {
        e for e, c in zip(data.events["event_id"], data.events["claims"], strict=True) if c
    }
    assert {c["event_id"] for c in claims} == {*with_claims, ""}
    with (tmp_path / "ev_sources.csv").open(encoding="utf-8", newline="") as fh:
        sources = list(csv.DictReader(fh))
    assert list(sources[0]) == [name for name, _, _ in SOURCE_FIELDS] and len(sources) == 7


def test_kml_timespans_and_escaping(tmp_path: Path, data: Dataset) -> None:
    path = export_package(data, tmp_path / "ev.kml", fmt="kml")
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    root = ET.parse(path).getroot()
    marks = root.findall(".//k:Placemark", ns)
    assert len(marks) == 5
    spans = {
        m.get("id"): (
            m.findtext("k:TimeSpan/k:begin", namespaces=ns),
            m.findtext("k:TimeSpan/k:end", namespaces=ns),
        )
        for m in marks
    }
    assert spans["border-2020-07-20-c"] == ("2020-07-19", "2020-07-20")
    assert spans[HOSTILE_ID] == ("2020-07-14", "2020-07-15")  # fmt: skip
    hostile = next(m for m in marks if m.get("id") == HOSTILE_ID)
    assert hostile.findtext("k:name", namespaces=ns) == f"Beta {HOSTILE}"  # plain text element
    description = hostile.findtext("k:description", namespaces=ns) or ""
    assert "<script>" not in description  # the HTML Google Earth renders has it escaped
    assert "&lt;script&gt;alert(&quot;x&quot;)" in description or "&lt;script&gt;" in description
    assert "Claimant &lt;script&gt;" in description
    coords = hostile.findtext("k:Point/k:coordinates", namespaces=ns)
    assert coords == "46.5000000,40.5000000,0"
    assert len(root.findall(".//k:Folder", ns)) == 4  # event types present


def test_zip_bundle(tmp_path: Path, data: Dataset, plain_settings: Settings) -> None:
    view = View(event_types=("Battles", "Protests"))
    path = export_package(data, tmp_path / "bundle.zip", fmt="zip", view=view,
                          settings=plain_settings, now=NOW)  # fmt: skip
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        readme = zf.read("README.txt").decode("utf-8")
        assert zf.testzip() is None
        inner = tmp_path / "inner.gpkg"
        inner.write_bytes(zf.read("bundle.gpkg"))
    assert names == sorted([
        "README.txt", "bundle.gpkg", "bundle.geojson", "bundle_region_summary.geojson",
        "bundle_regions.geojson", "bundle_districts.geojson", "bundle.csv", "bundle_claims.csv",
        "bundle_sources.csv", "bundle.kml",
    ])  # fmt: skip
    for name in names:
        if name != "README.txt":
            assert name in readme, name
    assert "event types: Battles, Protests" in readme
    assert "Sources cited:   Second Wire; Test Wire" in readme
    assert "CC BY 4.0" in readme and "geoBoundaries" in readme and "ODbL" in readme
    assert pyogrio.read_info(inner, layer="events")["features"] == 3
    only_kml = export_package(data, tmp_path / "k.zip", fmt="zip", bundle=("kml",))
    with zipfile.ZipFile(only_kml) as zf:
        assert sorted(zf.namelist()) == ["README.txt", "k.kml"]


def test_export_bytes_match_file(tmp_path: Path, data: Dataset) -> None:
    blob = export_bytes(data, fmt="csv", now=NOW)
    path = export_package(data, tmp_path / export_filename("csv"), fmt="csv", now=NOW)
    assert blob == path.read_bytes()
    gpkg = export_bytes(data, fmt="gpkg", filename="download", now=NOW)
    assert gpkg[:16] == b"SQLite format 3\x00"
    out = tmp_path / export_filename("gpkg", "download")
    out.write_bytes(gpkg)
    root = _project(out)
    assert all(ml.findtext("datasource", "").startswith("./download.gpkg|")
               for ml in root.iter("maplayer"))  # fmt: skip


# --- views, round trip, hostile text, errors ---------------------------------------------------


def test_filtered_export_equals_apply_view(tmp_path: Path, data: Dataset) -> None:
    view = View(start=date(2020, 7, 14), end=date(2020, 7, 20), countries=("AZE",))
    path = export_package(data, tmp_path / "v.gpkg", view=view, measure="events")
    got = pyogrio.read_dataframe(path, layer="events")
    want = apply_view(data.events, view)
    assert got["event_id"].tolist() == want["event_id"].tolist() == [
        HOSTILE_ID, "border-2020-07-20-c"]  # fmt: skip
    claims = pyogrio.read_dataframe(path, layer="claims")
    assert set(claims["event_id"].dropna()) == set(want["event_id"])
    summary = pyogrio.read_dataframe(path, layer="region_summary")
    assert summary["events"].sum() == 2
    root = _project(path)
    assert root.findtext("ProjectTimeSettings/TemporalRange/start") == "2020-07-14T00:00:00Z"
    assert root.findtext("ProjectTimeSettings/TemporalRange/end") == "2020-07-20T23:59:59Z"
    high = export_package(data, tmp_path / "m.gpkg", view=View(measure="deaths_high"))
    renderer = _qml(high, "region_summary").find("renderer-v2")
    assert renderer is not None and renderer.get("attr") == "deaths_high"  # the view's measure
    by_district = export_package(
        data, tmp_path / "d.gpkg", view=View(level="district", region="Tavush East")
    )
    got = pyogrio.read_dataframe(by_district, layer="region_summary")
    assert "district" in got.columns and got["events"].sum() == 1


def _normalise(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    def cell(v: Any) -> Any:
        if (isinstance(v, float) and math.isnan(v)) or v is None or v is pd.NA:
            return None
        if isinstance(v, pd.Timestamp):
            return v.date()
        if hasattr(v, "item") and not isinstance(v, list | dict | str):
            return v.item()
        if isinstance(v, Point):
            return (round(v.x, 7), round(v.y, 7))
        return v

    return {str(eid): {k: cell(v) for k, v in row.items()} for eid, row in frame.iterrows()}


@pytest.mark.parametrize("fmt", ["gpkg", "geojson"])
def test_round_trip(tmp_path: Path, data: Dataset, fmt: str) -> None:
    path = export_package(data, tmp_path / f"rt.{fmt}", fmt=fmt)  # type: ignore[arg-type]
    back = import_export(path)
    assert list(back.columns) == list(data.events.columns)
    assert back.index.tolist() == data.events.index.tolist()
    assert back.crs is not None and back.crs.to_epsg() == 4326
    assert _normalise(back) == _normalise(data.events)
    for col in ("date_start", "date_end", "event_date"):
        assert str(back[col].dtype) == "datetime64[ns]"
    for claims, (_, row) in zip(back["claims"], back.iterrows(), strict=True):
        from geo.events import Claim

        figures = derived_figures([Claim.model_validate(c) for c in claims])
        assert all(row[k] == v for k, v in figures.items())
    episodes = back.attrs["episodes"]
    assert [e["id"] for e in episodes] == ["test-episode"]
    assert episodes[0]["claims"] == data.episodes["claims"].iloc[0]
    assert episodes[0]["sources"] == data.episodes["sources"].iloc[0]


def test_hostile_text_survives_escaped(tmp_path: Path, data: Dataset) -> None:
    view = View(region=HOSTILE, actors=("Protesters (Azerbaijan)", HOSTILE))
    path = export_package(data, tmp_path / "h.gpkg", view=view)
    for (qml,) in _sql(path, "SELECT styleQML FROM layer_styles"):
        ET.fromstring(qml)  # well-formed whatever the data says
    root = _project(path)  # parses
    abstract = root.findtext("projectMetadata/abstract") or ""
    assert f"region: {HOSTILE}" in abstract  # round-trips through XML exactly
    assert HOSTILE not in qgis.project_qgs(  # and is never raw in the XML text
        qgis.Project("t", "x.gpkg", (), date(2020, 1, 1), date(2020, 1, 2), (0, 0, 1, 1),
                     abstract=HOSTILE))  # fmt: skip
    expr = qgis.html_escaped('"notes"')
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        assert f"'{raw}', '{entity}'" in expr
    assert qgis.qstring("it's") == "'it''s'"
    events = _qml(path, "events")  # no event in that region: still a valid style
    assert events.find("renderer-v2") is not None


def test_bad_input_is_named(tmp_path: Path, data: Dataset) -> None:
    with pytest.raises(ExportError, match="unknown export format 'shp'; use one of gpkg"):
        export_package(data, tmp_path / "x.shp", fmt="shp")  # type: ignore[arg-type]
    with pytest.raises(ExportError, match=r"a kml export must be a file ending in \.kml"):
        export_package(data, tmp_path / "x.gpkg", fmt="kml")
    with pytest.raises(ExportError, match="is a folder"):
        export_package(data, tmp_path, fmt="gpkg")
    with pytest.raises(ExportError, match="unknown measure 'deaths'"):
        export_package(data, tmp_path / "x.gpkg", measure="deaths")
    with pytest.raises(ExportError, match="view start 2020-08-01 is after its end 2020-07-01"):
        export_package(data, tmp_path / "x.gpkg",
                       view=View(start=date(2020, 8, 1), end=date(2020, 7, 1)))  # fmt: skip
    broken = Dataset(data.events.drop(columns=["claims", "region"]), data.episodes, data.admin)
    with pytest.raises(ExportError, match="events frame: no column 'claims'; no column 'region'"):
        export_package(broken, tmp_path / "x.gpkg")
    with pytest.raises(ExportError, match="cannot bundle 'zip'"):
        export_package(data, tmp_path / "x.zip", fmt="zip", bundle=("zip",))
    (tmp_path / "other.gpkg").write_bytes(b"not a database")
    with pytest.raises(ExportError, match=r"other\.gpkg: not a GeoPackage"):
        import_export(tmp_path / "other.gpkg")
    with pytest.raises(ExportError, match=r"cannot read '\.csv' back"):
        import_export(export_package(data, tmp_path / "x.csv", fmt="csv"))
    assert not list(tmp_path.glob(".*")), "no temporary files left behind"


def test_failed_write_keeps_previous_file(
    tmp_path: Path, data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = export_package(data, tmp_path / "keep.gpkg")
    before = path.read_bytes()
    import geo.qgis as qgis_module

    def boom(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(qgis_module, "embed_project", boom)
    with pytest.raises(OSError, match="disk full"):
        export_package(data, path, view=View(event_types=("Battles",)))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.gpkg"]


@pytest.mark.parametrize("fmt", ["geojson", "csv", "kml", "zip"])
def test_export_bytes_are_the_main_file_of_the_package(
    tmp_path: Path, data: Dataset, fmt: Format
) -> None:
    """A download holds exactly what ``conflictmap export`` writes (built in memory)."""
    bundle = ("geojson", "csv", "kml")
    path = export_package(data, tmp_path / export_filename(fmt), fmt=fmt, now=NOW, bundle=bundle)
    assert export_bytes(data, fmt=fmt, now=NOW, bundle=bundle) == path.read_bytes()


def test_the_same_export_twice_is_the_same_geopackage(tmp_path: Path, data: Dataset) -> None:
    """Fixed time, same name: byte for byte (GDAL's own table times replaced by ours)."""
    for folder in ("one", "two", "three"):
        (tmp_path / folder).mkdir()
    one = export_package(data, tmp_path / "one" / "events.gpkg", now=NOW)
    two = export_package(data, tmp_path / "two" / "events.gpkg", now=NOW)
    assert one.read_bytes() == two.read_bytes()
    with sqlite3.connect(one) as conn:
        stamps = {row[0] for row in conn.execute("SELECT last_change FROM gpkg_contents")}
    assert stamps == {"2024-03-01T12:00:00.000Z"}
    later = export_package(data, tmp_path / "three" / "events.gpkg", now=NOW.replace(hour=13))
    assert later.read_bytes() != one.read_bytes()


def test_source_date_epoch_sets_the_export_time(
    tmp_path: Path, data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp())))
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
    one = export_package(data, tmp_path / "one" / "events.zip", fmt="zip")
    two = export_package(data, tmp_path / "two" / "events.zip", fmt="zip")
    assert one.read_bytes() == two.read_bytes()
    with zipfile.ZipFile(one) as zf:
        readme = zf.read("README.txt").decode()
    assert "2024-03-01T12:00:00+00:00" in readme
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ExportError, match="SOURCE_DATE_EPOCH='yesterday'"):
        export_package(data, tmp_path / "bad.csv", fmt="csv")
    assert not (tmp_path / "bad.csv").exists()


def test_overlap_rule_matches_view(data: Dataset) -> None:
    """The day filter QGIS is checked against (tests/test_qgis.py) is the view's rule."""
    day = date(2020, 7, 15)
    ids = data.events[in_period(data.events, day, day)]["event_id"].tolist()
    assert ids == [HOSTILE_ID]


# --- the curated layers and real boundaries ------------------------------------------------------


def test_curated_dataset_exports_and_round_trips(tmp_path: Path, settings: Settings) -> None:
    from typer.testing import CliRunner

    from geo.cli import app
    from geo.dataset import load_dataset

    real = load_dataset(settings)
    path = export_package(real, tmp_path / "all.gpkg", settings=settings)
    assert _normalise(import_export(path)) == _normalise(real.events)
    counts = {name: pyogrio.read_info(path, layer=name)["features"]
              for name, _ in pyogrio.list_layers(path)}  # fmt: skip
    assert counts["events"] == len(real.events)
    assert counts["regions"] == len(real.admin.regions)
    assert counts["claims"] == sum(map(len, real.events["claims"])) + sum(
        map(len, real.episodes["claims"])
    )
    out = tmp_path / "cli.zip"
    result = CliRunner().invoke(app, ["export", str(out), "--type", "Battles", "--from",
                                      "2020-07-01", "--to", "2020-07-31"])  # fmt: skip
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as zf:
        assert "cli.gpkg" in zf.namelist() and "README.txt" in zf.namelist()
    bad = CliRunner().invoke(app, ["export", str(tmp_path / "x.txt")])
    assert bad.exit_code != 0 and "cannot tell the format" in bad.output


def test_event_without_a_country_is_exported_without_one(
    tmp_path: Path, settings: Settings
) -> None:
    """Issue 11 item 3: the alleged fire has no country in every export, and in no country's
    totals; the summary keeps it in its own row, so counts still add up."""
    from geo.dataset import load_dataset
    from geo.export.tables import summary_table
    from geo.summary import UNKNOWN_COUNTRY

    real = load_dataset(settings)
    path = export_package(real, tmp_path / "all.gpkg", settings=settings)
    fire = "nerkin-hand-2024-02-12-alleged-fire"
    assert _sql(path, "SELECT country, iso3 FROM events WHERE event_id = ?", fire) == [(None, None)]
    regions = summary_table(real.events, real.admin)
    unknown = regions[regions["country"] == UNKNOWN_COUNTRY]
    assert list(unknown["events"]) == [1]
    assert regions["events"].sum() == len(real.events)
    csv_path = export_package(real, tmp_path / "all.csv", fmt="csv", settings=settings)
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = {r["event_id"]: r for r in csv.DictReader(fh)}
    assert rows[fire]["country"] == "" and rows[fire]["location"].startswith("Place not given")
    assert rows["nerkin-hand-2024-02-13-revenge-operation"]["country"] == "Armenia"
