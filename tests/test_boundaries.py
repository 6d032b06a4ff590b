"""Boundary manifest, checksummed files, and the admin units built from them."""

from __future__ import annotations

import shutil
import socket

import geopandas as gpd
import pooch
import pytest
from shapely.geometry import Point, box

import geo.boundaries as gb
from geo._errors import BoundaryDataError
from geo._manifest import sha256_file
from geo.boundaries import (
    AdminUnits,
    attribution,
    boundary_file,
    correct_aze_adm1_labels,
    dissolve_duplicate_names,
    fetch_all,
    load_admin_units,
    load_manifest,
)
from geo.config import Settings

ARM_ADM1 = "geoBoundaries-ARM-ADM1_simplified.topojson"
ARM_ADM1_SHA = "593968cccd27d14424cd18b93253ff4b5373b8669e1778d97998f81af166eeb1"
ARM_ADM1_URL = (
    "https://github.com/wmgeolab/geoBoundariesArchive_4_0_0/raw/main/releaseData/gbOpen/"
    "ARM/ADM1/geoBoundaries-ARM-ADM1_simplified.topojson"
)
BAKU = Point(49.89201, 40.37767)  # place_id baku (GeoNames 587084)
NAKHCHIVAN_CITY = Point(45.41222, 39.20889)  # GeoNames point of Nakhchivan city


@pytest.fixture(scope="module")
def admin(settings: Settings) -> AdminUnits:
    return load_admin_units(settings)


@pytest.fixture
def no_network(monkeypatch):
    """Fail loudly if anything tries to download or open a socket."""
    calls: list[object] = []

    def refuse(*args, **kwargs):
        calls.append((args, kwargs))
        raise AssertionError("network access attempted")

    monkeypatch.setattr(pooch, "retrieve", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return calls


# --------------------------------------------------------------------- manifest


def test_manifest_lists_the_five_files_with_provenance():
    m = load_manifest(Settings())
    assert [(f.iso3, f.adm_level, f.simplified) for f in m.files] == [
        ("ARM", "ADM0", True), ("ARM", "ADM1", True), ("ARM", "ADM2", True),
        ("AZE", "ADM1", False), ("AZE", "ADM2", False),
    ]  # fmt: skip
    for f in m.files:
        assert f.url == (
            "https://github.com/wmgeolab/geoBoundariesArchive_4_0_0/raw/main/releaseData/"
            f"gbOpen/{f.iso3}/{f.adm_level}/{f.name}"
        )
        assert f.licence and f.licence_url.startswith("https://") and f.attribution
    assert m.file(ARM_ADM1).sha256 == ARM_ADM1_SHA
    assert m.layer("AZE", "ADM2").licence.endswith("(CC BY-SA 3.0)")
    assert m.layer("ARM", "ADM2").licence.endswith("(CC BY 3.0 IGO)")
    with pytest.raises(KeyError, match="not in the boundary manifest"):
        m.file("nope.topojson")


def test_attribution_line():
    line = attribution(Settings())
    assert line.startswith("Boundaries: geoBoundaries gbOpen v4.0.0 (Runfola, D. et al. (2020)")
    assert "© OpenStreetMap contributors (ODbL)" in line
    assert "Wikipedia (CC BY-SA 3.0)" in line


def test_manifest_matches_the_local_files(settings):
    for f in load_manifest(settings).files:
        path = settings.boundaries_dir / f.name
        assert path.stat().st_size == f.bytes
        assert sha256_file(path) == f.sha256


def test_bad_manifest_is_a_boundary_error(tmp_path):
    (tmp_path / "boundaries.json").write_text('{"files": []}', encoding="utf-8")
    with pytest.raises(BoundaryDataError, match=r"invalid boundary manifest .*boundaries\.json:"):
        load_manifest(Settings(data_dir=tmp_path))


# --------------------------------------------------------------------- files


def test_local_files_are_found_and_checked(settings, no_network):
    paths = fetch_all(settings)
    assert [p.name for p in paths] == [f.name for f in load_manifest(settings).files]
    assert boundary_file(settings, ARM_ADM1) == settings.boundaries_dir / ARM_ADM1
    assert no_network == []


def test_wrong_checksum_names_file_and_both_hashes(settings, tmp_path, no_network):
    for f in load_manifest(settings).files:
        shutil.copy(settings.boundaries_dir / f.name, tmp_path / f.name)
    data = bytearray((tmp_path / ARM_ADM1).read_bytes())
    data[100] ^= 0x01
    (tmp_path / ARM_ADM1).write_bytes(bytes(data))
    actual = sha256_file(tmp_path / ARM_ADM1)
    broken = settings.with_(boundaries_dir=tmp_path)
    pattern = rf"{ARM_ADM1} .*expected sha256 {ARM_ADM1_SHA}, got {actual}"
    with pytest.raises(BoundaryDataError, match=pattern):
        boundary_file(broken, ARM_ADM1)
    with pytest.raises(BoundaryDataError, match=pattern):
        load_admin_units(broken)
    assert no_network == []


def test_missing_file_says_where_it_looked_and_how_to_get_it(settings, tmp_path, no_network):
    empty = settings.with_(boundaries_dir=tmp_path)
    with pytest.raises(BoundaryDataError) as info:
        boundary_file(empty, ARM_ADM1)
    msg = str(info.value)
    assert f"{ARM_ADM1} not found in {tmp_path}" in msg
    assert "CONFLICTMAP_BOUNDARIES_DIR" in msg
    assert ARM_ADM1_URL in msg
    assert "conflictmap boundaries fetch" in msg
    assert no_network == []


def test_no_download_when_downloads_are_disabled(tmp_path, no_network):
    offline = Settings(boundaries_dir=None, cache_dir=tmp_path, allow_download=False)
    with pytest.raises(
        BoundaryDataError,
        match=rf"(?s){ARM_ADM1} is not in the cache .* downloads are disabled.*"
        rf"{ARM_ADM1_URL}.*CONFLICTMAP_BOUNDARIES_DIR",
    ):
        boundary_file(offline, ARM_ADM1)
    with pytest.raises(BoundaryDataError, match="downloads are disabled"):
        load_admin_units(offline)
    assert no_network == []


def test_download_goes_through_pooch_with_hash_and_timeout(settings, tmp_path, monkeypatch):
    calls = []

    def fake_retrieve(url, known_hash, fname, path, downloader, progressbar):
        calls.append((url, known_hash, fname, path, downloader))
        path.mkdir(parents=True, exist_ok=True)
        shutil.copy(settings.boundaries_dir / fname, path / fname)
        return str(path / fname)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    online = Settings(boundaries_dir=None, cache_dir=tmp_path, allow_download=True)
    got = boundary_file(online, ARM_ADM1)
    assert got == tmp_path / "boundaries" / ARM_ADM1
    url, known_hash, fname, path, downloader = calls[0]
    assert (url, known_hash, fname, path) == (
        ARM_ADM1_URL, f"sha256:{ARM_ADM1_SHA}", ARM_ADM1, tmp_path / "boundaries"
    )  # fmt: skip
    assert downloader.kwargs["timeout"] == gb.DOWNLOAD_TIMEOUT_S
    # a verified cached copy is used without downloading again, even offline
    assert boundary_file(online.with_(allow_download=False), ARM_ADM1) == got
    assert len(calls) == 1


def test_download_failure_is_a_boundary_error(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(pooch, "retrieve", fail)
    online = Settings(boundaries_dir=None, cache_dir=tmp_path, allow_download=True)
    with pytest.raises(BoundaryDataError, match=r"could not download .*connection refused"):
        boundary_file(online, ARM_ADM1)


@pytest.mark.network
def test_real_download(tmp_path):
    online = Settings(boundaries_dir=None, cache_dir=tmp_path, allow_download=True)
    assert sha256_file(boundary_file(online, ARM_ADM1)) == ARM_ADM1_SHA


# --------------------------------------------------------------------- admin units


def test_counts(admin):
    regions, districts = admin.regions, admin.districts
    assert (regions["country"] == "ARM").sum() == 11
    assert (districts["country"] == "ARM").sum() == 39
    assert (regions["country"] == "AZE").sum() == 78
    assert (districts["country"] == "AZE").sum() == 78
    assert regions.crs.to_epsg() == 4326 and districts.crs.to_epsg() == 4326
    assert list(regions.columns) == [
        "country", "region_id", "region", "region_iso", "level", "geometry"
    ]  # fmt: skip
    assert set(regions["level"]) == {"ARM ADM1 (marz)", "AZE ADM2 (rayon/city)"}
    assert admin.countries[["country", "name"]].values.tolist() == [
        ["ARM", "Armenia"], ["AZE", "Azerbaijan"]
    ]  # fmt: skip


def test_armenian_marzer_with_iso_codes(admin):
    arm = admin.regions[admin.regions["country"] == "ARM"].set_index("region")["region_iso"]
    assert arm.to_dict() == {
        "Aragatsotn": "AM-AG", "Ararat": "AM-AR", "Armavir": "AM-AV", "Gegharkunik": "AM-GR",
        "Kotayk": "AM-KT", "Lori": "AM-LO", "Shirak": "AM-SH", "Syunik": "AM-SU",
        "Tavush": "AM-TV", "Vayots Dzor": "AM-VD", "Yerevan": "AM-ER",
    }  # fmt: skip


def test_armenian_districts_have_parents(admin):
    arm = admin.districts[admin.districts["country"] == "ARM"].set_index("district")
    assert arm.loc["Tavush", "region"] == "Tavush"
    assert arm.loc["Kapan", "region"] == "Syunik"
    assert arm.loc["Goris", "region"] == "Syunik"
    assert arm.loc["Spitak", "region"] == "Lori"
    assert arm.loc["Yerevan", "region"] == "Yerevan"
    assert (arm["region_overlap_share"] > 0.75).all()
    weak = next(d for d in admin.defects if d.startswith("ARM ADM2: 7 of 39 units"))
    for name in ("Spitak", "Tashir", "Nairi", "Kotayk", "Sevan", "Vagharshapat", "Aragats"):
        assert f"{name} (" in weak


def test_azerbaijan_districts_are_its_regions(admin):
    aze = admin.districts[admin.districts["country"] == "AZE"]
    assert (aze["district"] == aze["region"]).all()
    assert (aze["district_id"] == aze["region_id"]).all()
    assert (admin.regions.loc[admin.regions["country"] == "AZE", "region_iso"] == "").all()


def test_lankaran_district_appears_once(admin):
    lank = admin.regions[admin.regions["region"] == "Lankaran District"]
    assert len(lank) == 1
    assert lank["region_id"].iloc[0] == ("AZE-ADM2-54616110B26341487+AZE-ADM2-54616110B12911193")
    assert lank.geometry.iloc[0].geom_type == "MultiPolygon"
    assert any("'Lankaran District' appears 2 times" in d for d in admin.defects)


def test_dissolve_duplicate_names_keeps_order():
    gdf = gpd.GeoDataFrame(
        {"shapeName": ["A", "B", "A"], "shapeID": ["a1", "b", "a2"]},
        geometry=[box(0, 0, 1, 1), box(5, 5, 6, 6), box(1, 0, 2, 1)],
        crs="EPSG:4326",
    )
    out, defects = dissolve_duplicate_names(gdf, label="T")
    assert out["shapeName"].tolist() == ["A", "B"]
    assert out["shapeID"].tolist() == ["a1+a2", "b"]
    assert out.geometry.iloc[0].equals(box(0, 0, 2, 1))
    assert len(defects) == 1 and "touching" in defects[0] and "not touching" not in defects[0]
    same, none = dissolve_duplicate_names(out, label="T")
    assert none == [] and same["shapeID"].tolist() == ["a1+a2", "b"]


def test_aze_adm1_swap_is_detected_and_corrected(admin):
    adm1 = admin.azerbaijan_adm1
    assert adm1 is not None
    baku = adm1[adm1.contains(BAKU)]
    nakh = adm1[adm1.contains(NAKHCHIVAN_CITY)]
    assert baku[["adm1", "adm1_iso", "file_label"]].values.tolist() == [
        ["Contiguous Azerbaijan", "AZ-CAZ", "Nakhchivan Autonomous Republic"]
    ]
    assert nakh[["adm1", "adm1_iso", "file_label"]].values.tolist() == [
        ["Nakhchivan Autonomous Republic", "AZ-NX", "Contiguous Azerbaijan"]
    ]
    assert any(d.startswith("AZE ADM1: labels are swapped in the file") for d in admin.defects)


def _adm1(nx_geom, caz_geom) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "shapeName": ["Contiguous Azerbaijan", "Nakhchivan Autonomous Republic"],
            "shapeISO": ["AZ-CAZ", "AZ-NX"],
            "shapeID": ["caz", "nx"],
        },
        geometry=[caz_geom, nx_geom],
        crs="EPSG:4326",
    )


SMALL = box(45.0, 39.0, 45.8, 39.5)  # around Nakhchivan city
LARGE = box(46.0, 38.5, 50.0, 41.5)  # a stand-in mainland


def test_aze_adm1_correct_labels_are_left_alone():
    out, defects = correct_aze_adm1_labels(_adm1(nx_geom=SMALL, caz_geom=LARGE))
    assert defects == []
    assert out["adm1"].tolist() == ["Contiguous Azerbaijan", "Nakhchivan Autonomous Republic"]


def test_aze_adm1_swapped_labels_are_swapped_back():
    out, defects = correct_aze_adm1_labels(_adm1(nx_geom=LARGE, caz_geom=SMALL))
    assert len(defects) == 1
    assert out.set_index("adm1_id")["adm1"].to_dict() == {
        "caz": "Nakhchivan Autonomous Republic", "nx": "Contiguous Azerbaijan"
    }  # fmt: skip
    assert out.set_index("adm1_id")["adm1_iso"].to_dict() == {"caz": "AZ-NX", "nx": "AZ-CAZ"}


def test_aze_adm1_contradictory_evidence_is_an_error():
    far = box(47.0, 40.0, 47.1, 40.1)  # small, but does not contain Nakhchivan city
    with pytest.raises(BoundaryDataError, match="cannot tell which unit is Nakhchivan"):
        correct_aze_adm1_labels(_adm1(nx_geom=far, caz_geom=LARGE))


def test_known_defects_are_reported(admin):
    text = "\n".join(admin.defects)
    assert "ARM and AZE units overlap by" in text
    assert "own country's units" in text
    assert "Khankendi City" in text and "Khojaly District" in text
    assert "ARM ADM2 leaves" in text and "Gegharkunik" in text


def test_loaded_units_are_cached_but_safe_to_modify(settings):
    a = load_admin_units(settings)
    a.regions.loc[0, "region"] = "changed"
    b = load_admin_units(settings)
    assert b.regions.loc[0, "region"] != "changed"
    assert gb._load_admin_units.cache_info().hits >= 1
