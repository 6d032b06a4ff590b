"""The spatial join: tiny hand-made units with exact answers, then the real boundaries."""

from __future__ import annotations

import math
import re
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from geo._errors import CRSMismatchError, ValidationError
from geo.boundaries import AdminUnits, load_admin_units
from geo.config import Settings
from geo.join import JOIN_COLUMNS, join_events
from tests.factories import admin_units

# A patch of UTM 38N (metres), so every distance below is exact.
CRS = "EPSG:32638"
X0, Y0 = 400_000.0, 4_400_000.0


def sq(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    """A box in km offsets from (X0, Y0)."""
    return box(X0 + x1 * 1000, Y0 + y1 * 1000, X0 + x2 * 1000, Y0 + y2 * 1000)


def pt(x: float, y: float) -> Point:
    return Point(X0 + x * 1000, Y0 + y * 1000)


def regions_frame(rows: list[tuple[str, str, shapely.Polygon]]) -> gpd.GeoDataFrame:
    return units(rows).regions


def units(rows: list[tuple[str, str, shapely.Polygon]]) -> AdminUnits:
    """Regions (ids ``COUNTRY-Name``) that are their own districts, in :data:`CRS`."""
    return admin_units([(c, f"{c}-{n}", n, g) for c, n, g in rows], crs=CRS)


def same_level(regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Districts that are the regions themselves (as in Azerbaijan)."""
    d = regions.copy()
    d["district_id"], d["district"] = d["region_id"], d["region"]
    return d


#: Three squares: ARM Alpha [0,10]x[0,10] and Bravo [10,20]x[0,10] share the edge x=10;
#: AZE Zulu [15,25]x[0,10] overlaps Bravo on [15,20] (like the real ARM/AZE border).
THREE = regions_frame(
    [("ARM", "Alpha", sq(0, 0, 10, 10)), ("ARM", "Bravo", sq(10, 0, 20, 10)),
     ("AZE", "Zulu", sq(15, 0, 25, 10))]
)  # fmt: skip


@pytest.fixture
def tiny() -> AdminUnits:
    return AdminUnits(regions=THREE, districts=same_level(THREE))


def events(rows: dict[str, tuple[str, Point]], crs: str | None = CRS, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"country": [c for c, _ in rows.values()], **cols},
        geometry=[p for _, p in rows.values()],
        index=list(rows),
        crs=crs,
    )


FIVE = {
    "far": ("AZE", pt(40, 5)),  # 15 km east of Zulu
    "inside": ("ARM", pt(5, 5)),
    "near": ("ARM", pt(5, 13)),  # 3 km north of Alpha
    "border": ("ARM", pt(10, 5)),  # on the Alpha/Bravo edge
    "overlap": ("AZE", pt(17, 5)),  # in Bravo (ARM) and Zulu (AZE)
}


def test_five_events_exact_answers(tiny):
    out = join_events(events(FIVE), tiny)

    assert list(out.index) == ["far", "inside", "near", "border", "overlap"]
    assert out.loc["inside", ["region", "district", "join_method"]].tolist() == [
        "Alpha", "Alpha", "within"
    ]  # fmt: skip
    assert out.loc["inside", "join_distance_m"] == 0.0
    assert out.loc["inside", "admin_note"] == ""

    # exactly on the shared edge: one unit, always the same one, and the note says why
    assert out.loc["border", "region"] == "Alpha"
    assert out.loc["border", "join_method"] == "within"
    assert out.loc["border", "admin_note"] == (
        "on the boundary between regions Alpha and Bravo; assigned to Alpha "
        "(ties go to the first by name)"
    )

    # in the ARM/AZE overlap: joined to its own country's unit only
    assert out.loc["overlap", ["region", "region_id", "join_method"]].tolist() == [
        "Zulu", "AZE-Zulu", "within"
    ]  # fmt: skip

    assert out.loc["near", ["region", "district", "join_method"]].tolist() == [
        "Alpha", "Alpha", "nearest"
    ]  # fmt: skip
    assert out.loc["near", "join_distance_m"] == 3000.0

    far = out.loc["far"]
    assert far["join_method"] == "unmatched"
    assert pd.isna(far["region"]) and pd.isna(far["district"]) and pd.isna(far["region_id"])
    assert far["join_distance_m"] == 15000.0
    assert far["admin_note"] == "no region of AZE within 5,000 m; nearest is Zulu, 15,000 m away"


def test_same_answer_whatever_the_row_order(tiny):
    a = join_events(events(FIVE), tiny)
    b = join_events(events(dict(reversed(FIVE.items()))), tiny)
    pd.testing.assert_frame_equal(a, b.loc[a.index])


def test_border_point_on_the_other_side_is_deterministic_too(tiny):
    # Same edge, the tie goes to the first by name whatever the frame order.
    units = AdminUnits(regions=THREE.iloc[::-1], districts=same_level(THREE.iloc[::-1]))
    out = join_events(events({"b": ("ARM", pt(10, 5))}), units)
    assert out.loc["b", "region"] == "Alpha"


def test_index_order_and_length_preserved_with_string_shuffled_index(tiny):
    rng = np.random.default_rng(7)
    labels = [f"ev-{i}" for i in rng.permutation(40)]
    points = [pt(x, y) for x, y in rng.uniform(-3, 28, size=(40, 2))]
    countries = rng.choice(["ARM", "AZE"], size=40)
    ev = gpd.GeoDataFrame(
        {"country": countries, "keep": range(40)}, geometry=points, index=labels, crs=CRS
    )
    out = join_events(ev, tiny)
    assert out.index.equals(ev.index)
    assert out["keep"].tolist() == list(range(40))
    assert set(JOIN_COLUMNS) <= set(out.columns)
    assert out["geometry"].equals(ev["geometry"])
    assert set(out["join_method"]) <= {"within", "nearest", "unmatched"}
    # the input is not modified
    assert "region" not in ev.columns


def test_duplicate_index_labels_kept(tiny):
    ev = gpd.GeoDataFrame(
        {"country": ["ARM", "ARM", "AZE"]},
        geometry=[pt(5, 5), pt(15, 5), pt(20, 5)],
        index=["x", "x", "y"],
        crs=CRS,
    )
    out = join_events(ev, tiny)
    assert list(out.index) == ["x", "x", "y"]
    assert out["region"].tolist() == ["Alpha", "Bravo", "Zulu"]


def test_existing_join_columns_are_overwritten(tiny):
    ev = events({"a": ("ARM", pt(15, 5))}, region=["stale"], admin_note=["old"])
    out = join_events(ev, tiny)
    assert out.loc["a", "region"] == "Bravo"
    assert out.loc["a", "admin_note"] == ""


def test_empty_events(tiny):
    out = join_events(events({}), tiny)
    assert len(out) == 0
    assert set(JOIN_COLUMNS) <= set(out.columns)


def test_overlap_within_one_country_picks_the_deepest_unit():
    units = regions_frame([("ARM", "West", sq(0, 0, 10, 10)), ("ARM", "East", sq(8, 0, 20, 10))])
    admin = AdminUnits(regions=units, districts=same_level(units))
    # 0.5 km inside West's east edge, 1.5 km inside East's west edge
    out = join_events(events({"a": ("ARM", pt(9.5, 5))}), admin)
    assert out.loc["a", ["region", "join_method", "join_distance_m"]].tolist() == [
        "East", "overlap", 0.0
    ]  # fmt: skip
    assert out.loc["a", "admin_note"] == (
        "inside 2 overlapping regions; chose East, where the point lies deepest "
        "(1,500 m from its edge), over West"
    )


def test_tolerance_is_a_parameter(tiny):
    out = join_events(events(FIVE), tiny, tolerance_m=2999.0)
    assert out.loc["near", "join_method"] == "unmatched"
    assert out.loc["near", "join_distance_m"] == 3000.0
    out = join_events(events(FIVE), tiny, tolerance_m=20_000)
    assert out.loc["far", ["region", "join_method"]].tolist() == ["Zulu", "nearest"]


# --------------------------------------------------------------------- expected_region


def test_gazetteer_region_within_tolerance_wins(tiny):
    ev = events({"a": ("ARM", pt(9, 5))}, expected_region=["Bravo"], location=["Karmir Village"])
    out = join_events(ev, tiny)
    assert out.loc["a", ["region", "district", "join_method"]].tolist() == [
        "Bravo", "Bravo", "gazetteer"
    ]  # fmt: skip
    assert out.loc["a", "join_distance_m"] == 1000.0
    assert out.loc["a", "admin_note"] == (
        "gazetteer places Karmir Village in Bravo; the point is 1,000 m outside that "
        "polygon (coarse boundary) and inside Alpha"
    )


def test_gazetteer_region_beyond_tolerance_keeps_spatial_result(tiny):
    # 2 km north of Alpha; Bravo is sqrt(5² + 2²) km = 5,385 m away
    ev = events({"a": ("ARM", pt(5, 12))}, expected_region=["Bravo"])
    out = join_events(ev, tiny)
    assert out.loc["a", ["region", "join_method", "join_distance_m"]].tolist() == [
        "Alpha", "nearest", 2000.0
    ]  # fmt: skip
    assert out.loc["a", "admin_note"] == (
        "inside no region of ARM; nearest is Alpha, 2,000 m away; "
        "gazetteer places the event in Bravo, but the point is 5,385 m outside that polygon "
        "(beyond the 5,000 m tolerance) and 2,000 m from Alpha, the nearest region; "
        "kept the spatial result"
    )


@pytest.mark.parametrize("missing", [None, np.nan, "", "  "])
def test_empty_expected_region_is_ignored(tiny, missing):
    out = join_events(events({"a": ("ARM", pt(9, 5))}, expected_region=[missing]), tiny)
    assert out.loc["a", ["region", "join_method", "admin_note"]].tolist() == [
        "Alpha", "within", ""
    ]  # fmt: skip


def test_expected_region_agreeing_or_unknown(tiny):
    ev = events(
        {"same": ("ARM", pt(5, 5)), "unknown": ("ARM", pt(5, 5))},
        expected_region=["Alpha", "Zulu"],  # Zulu is not an ARM region
    )
    out = join_events(ev, tiny)
    assert out.loc["same", "admin_note"] == ""
    assert out.loc["unknown", ["region", "join_method"]].tolist() == ["Alpha", "within"]
    assert out.loc["unknown", "admin_note"] == (
        "gazetteer places the event in Zulu, which is not a region of ARM in the boundary "
        "data; kept the spatial result"
    )


# --------------------------------------------------------------------- districts


def test_district_is_chosen_within_the_region():
    """ADM1/ADM2 from different sources: a district of Bravo spills 1 km into Alpha."""
    regions = regions_frame(
        [("ARM", "Alpha", sq(0, 0, 10, 10)), ("ARM", "Bravo", sq(10, 0, 20, 10))]
    )
    districts = gpd.GeoDataFrame(
        {
            "country": "ARM",
            "district_id": ["d-north", "d-south", "d-bee"],
            "district": ["North", "South", "Bee"],
            "region_id": ["ARM-Alpha", "ARM-Alpha", "ARM-Bravo"],
            "region": ["Alpha", "Alpha", "Bravo"],
        },
        geometry=[sq(0, 5, 9, 10), sq(0, 0, 9, 5), sq(9, 0, 20, 10)],
        crs=CRS,
    )
    admin = AdminUnits(regions=regions, districts=districts)
    ev = events(
        {
            "spill": ("ARM", pt(9.5, 2)),  # region Alpha, inside Bee (of Bravo)
            "plain": ("ARM", pt(3, 7)),
            "edge": ("ARM", pt(3, 5)),  # on the North/South edge
            "lost": ("ARM", pt(5, 30)),  # no region: no district
        }
    )
    out = join_events(ev, admin)
    assert out.loc["spill", ["region", "district", "district_id", "join_method"]].tolist() == [
        "Alpha", "South", "d-south", "within"
    ]  # fmt: skip
    assert out.loc["spill", "admin_note"] == (
        "district: inside no district of Alpha; nearest is South, 500 m away; "
        "district: the point lies in Bee, a district of Bravo"
    )
    assert out.loc["plain", ["region", "district"]].tolist() == ["Alpha", "North"]
    assert out.loc["edge", "district"] == "North"
    assert (
        "district: on the boundary between districts North and South"
        in (out.loc["edge", "admin_note"])
    )
    assert pd.isna(out.loc["lost", "region"]) and pd.isna(out.loc["lost", "district"])


# --------------------------------------------------------------------- refusals


def test_other_crs_is_refused(tiny):
    ev = events(FIVE).to_crs(3857)
    msg = r"events are in EPSG:3857 but the admin units are in EPSG:32638.*"
    with pytest.raises(CRSMismatchError, match=msg + r"events\.to_crs\(32638\)"):
        join_events(ev, tiny)


def test_missing_crs_is_refused(tiny):
    ev = events(FIVE, crs=None)
    with pytest.raises(CRSMismatchError, match=r"events have no CRS.*EPSG:32638"):
        join_events(ev, tiny)


def test_real_admin_refuses_3857_and_says_to_crs_4326():
    regions = THREE.to_crs(4326)
    admin = AdminUnits(regions=regions, districts=same_level(regions))
    with pytest.raises(CRSMismatchError, match=r"EPSG:3857.*EPSG:4326.*events\.to_crs\(4326\)"):
        join_events(events(FIVE).to_crs(3857), admin)


def test_non_points_are_refused_naming_every_row(tiny):
    ev = gpd.GeoDataFrame(
        {"country": ["ARM", "ARM", "ARM"]},
        geometry=[pt(1, 1), LineString([pt(0, 0), pt(1, 1)]), Point()],
        index=["ok", "line", "empty"],
        crs=CRS,
    )
    with pytest.raises(ValueError, match=r"(?s)event 'line': geometry is a LineString.*'empty'"):
        join_events(ev, tiny)


def test_unknown_country_is_refused(tiny):
    ev = events({"a": ("ARM", pt(1, 1)), "b": ("GEO", pt(1, 1))})
    with pytest.raises(ValueError, match=r"event 'b': country 'GEO' is not one of ARM, AZE"):
        join_events(ev, tiny)


def test_bad_tolerance_is_refused(tiny):
    with pytest.raises(ValueError, match="tolerance_m"):
        join_events(events(FIVE), tiny, tolerance_m=-1)


def test_admin_units_check_their_frames():
    with pytest.raises(ValueError, match="regions lack column"):
        AdminUnits(regions=THREE.drop(columns="region"), districts=same_level(THREE))
    with pytest.raises(ValueError, match="districts are in EPSG:4326 but regions in EPSG:32638"):
        AdminUnits(regions=THREE, districts=same_level(THREE).to_crs(4326))
    with pytest.raises(ValueError, match="country\\+region repeated: ARM / Alpha"):
        dup = pd.concat([THREE, THREE.iloc[[0]].assign(region_id="x")])
        AdminUnits(regions=dup, districts=same_level(THREE))


# --------------------------------------------------------------------- real boundaries

#: Points from ../shared/data/places/place_facts.csv (place_id: lat, lon), with the
#: expected (country, region, district).
PLACES = {
    "tovuz": (40.99249, 45.62838, "AZE", "Tovuz District", "Tovuz District"),
    "agdam_tovuz": (40.905278, 45.556389, "AZE", "Tovuz District", "Tovuz District"),
    "dondar_qushchu": (40.9539, 45.61942, "AZE", "Tovuz District", "Tovuz District"),
    "movses": (40.90534, 45.48838, "ARM", "Tavush", "Tavush"),
    "aygepar": (40.941944, 45.462222, "ARM", "Tavush", "Tavush"),
    "chinari": (40.85469, 45.57781, "ARM", "Tavush", "Tavush"),
    "berd": (40.88066, 45.38901, "ARM", "Tavush", "Tavush"),
    "azadliq_square": (40.3725, 49.85333, "AZE", "Baku City", "Baku City"),
    "second_alley_of_honor": (40.35861, 49.80917, "AZE", "Baku City", "Baku City"),
    "baku": (40.37767, 49.89201, "AZE", "Baku City", "Baku City"),
    "sumgayit": (40.58972, 49.66861, "AZE", "Sumqayit City", "Sumqayit City"),
    "gobu": (40.40472, 49.71306, "AZE", "Absheron District", "Absheron District"),
    # GeoNames 585630: Lokbatan, Garadagh district of Baku, where Gobu Park was built
    "lokbatan": (40.3256, 49.73376, "AZE", "Baku City", "Baku City"),
    # en.wikipedia Alley_of_Honor, via ../shared/data/places/README.md
    "alley_of_honor": (40.36167, 49.82083, "AZE", "Baku City", "Baku City"),
    "yerevan": (40.17765, 44.5126, "ARM", "Yerevan", "Yerevan"),
    "kapan": (39.20762, 46.40678, "ARM", "Syunik", "Kapan"),
    "goris": (39.51111, 46.34168, "ARM", "Syunik", "Goris"),
}
STEPANAKERT = (39.8177, 46.7528)  # place_id stepanakert_khankendi (GeoNames 146970)


@pytest.fixture(scope="module")
def admin(settings: Settings) -> AdminUnits:
    return load_admin_units(settings)


def real_events(rows: dict[str, tuple[float, float, str]], **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"country": [r[2] for r in rows.values()], **cols},
        geometry=[Point(r[1], r[0]) for r in rows.values()],
        index=list(rows),
        crs="EPSG:4326",
    )


def test_known_places(admin):
    out = join_events(real_events(PLACES), admin)
    got = {
        pid: (r.country, r.region, r.district, r.join_method, r.join_distance_m)
        for pid, r in out.iterrows()
    }
    want = {pid: (c, reg, dist, "within", 0.0) for pid, (_, _, c, reg, dist) in PLACES.items()}
    assert got == want


def test_stepanakert_goes_to_khankendi_city_by_gazetteer(admin):
    ev = real_events(
        {"stepanakert_khankendi": (*STEPANAKERT, "AZE")},
        expected_region=["Khankendi City"],
        location=["Stepanakert"],
    )
    row = join_events(ev, admin).loc["stepanakert_khankendi"]
    assert (row["region"], row["district"], row["join_method"]) == (
        "Khankendi City", "Khankendi City", "gazetteer"
    )  # fmt: skip
    assert row["join_distance_m"] == pytest.approx(1545, abs=50)
    assert row["admin_note"].startswith("gazetteer places Stepanakert in Khankendi City")
    assert "Khojaly District" in row["admin_note"]
    metres = int(re.search(r"([\d,]+) m outside", row["admin_note"])[1].replace(",", ""))
    assert metres == pytest.approx(1545, abs=50)

    # without the gazetteer's region the coarse polygon puts it in Khojaly District
    plain = join_events(real_events({"s": (*STEPANAKERT, "AZE")}), admin).loc["s"]
    assert (plain["region"], plain["join_method"]) == ("Khojaly District", "within")


def test_border_overlap_keeps_each_event_in_its_own_country(admin):
    """A point where the ARM and AZE polygons overlap (derived from the geometry)."""
    arm = admin.regions[admin.regions["country"] == "ARM"].geometry.union_all()
    aze = admin.regions[admin.regions["country"] == "AZE"].geometry.union_all()
    overlap = shapely.intersection(arm, aze)
    biggest = max(shapely.get_parts(overlap), key=lambda g: g.area)
    p = biggest.representative_point()
    ev = gpd.GeoDataFrame(
        {"country": ["ARM", "AZE"]}, geometry=[p, p], index=["arm", "aze"], crs="EPSG:4326"
    )
    out = join_events(ev, admin)
    regions = admin.regions.set_index("region")["country"]
    assert regions[out.loc["arm", "region"]] == "ARM"
    assert regions[out.loc["aze", "region"]] == "AZE"
    assert set(out["join_method"]) == {"within"}


def test_arm_district_always_belongs_to_the_region(admin):
    """Where ADM2 Spitak (marz Lori) spills into ADM1 Shirak (derived point)."""
    d = admin.districts.set_index("district")
    r = admin.regions.set_index("region")
    assert d.loc["Spitak", "region"] == "Lori"
    spill = shapely.intersection(d.loc["Spitak", "geometry"], r.loc["Shirak", "geometry"])
    p = max(shapely.get_parts(spill), key=lambda g: g.area).representative_point()
    row = join_events(
        gpd.GeoDataFrame({"country": ["ARM"]}, geometry=[p], crs="EPSG:4326"), admin
    ).iloc[0]
    assert row["region"] == "Shirak"
    if isinstance(row["district"], str):
        assert d.loc[row["district"], "region"] == "Shirak"
    assert "the point lies in Spitak, a district of Lori" in row["admin_note"]


def test_every_joined_district_is_in_its_region(admin):
    """A grid over both countries: district → region always matches the district's parent."""
    minx, miny, maxx, maxy = admin.countries.total_bounds
    xs, ys = np.meshgrid(np.linspace(minx, maxx, 60), np.linspace(miny, maxy, 40))
    grid = [Point(x, y) for x, y in zip(xs.ravel(), ys.ravel(), strict=True)]
    ev = gpd.GeoDataFrame(
        {"country": ["ARM", "AZE"] * len(grid)},
        geometry=[g for g in grid for _ in range(2)],
        crs="EPSG:4326",
    )
    out = join_events(ev, admin)
    assert len(out) == len(ev) and out.index.equals(ev.index)
    parent = admin.districts.set_index("district_id")["region_id"]
    has = out["district_id"].notna()
    assert (out.loc[has, "district_id"].map(parent) == out.loc[has, "region_id"]).all()
    assert not (out["region"].isna() & out["district"].notna()).any()
    matched = out["join_method"] != "unmatched"
    assert out.loc[matched, "region"].notna().all()
    assert (out.loc[matched, "join_distance_m"] <= 5000).all()
    assert not math.isnan(out["join_distance_m"].max())


CURATED_ANSWERS = {
    "tovuz-2020-07-12-border-fighting": ("Tovuz District", "Tovuz District", "within"),
    "tovuz-2020-07-14-senior-officers-killed": ("Tovuz District", "Tovuz District", "within"),
    "tavush-2020-07-12-border-fighting": ("Tavush", None, "within"),
    # Gobu Park is in Baku's Garadagh district, not the village of Gobu (issue 11 item 1)
    "gobu-2020-07-12-night-protest": ("Baku City", "Baku City", "within"),
    "baku-2020-07-14-karabakh-march": ("Baku City", "Baku City", "within"),
    "baku-2020-07-15-parliament-storming": ("Baku City", "Baku City", "within"),
    "baku-2020-07-15-officers-funeral": ("Baku City", "Baku City", "within"),
    # issue 11 item 9: gatherings at separate places in Baku, shown at the city point
    "baku-2020-07-14-mirzayev-home-gathering": ("Baku City", "Baku City", "within"),
    "ahmadli-2020-07-14-rally": ("Baku City", "Baku City", "within"),
    "baku-2020-07-15-morning-march": ("Baku City", "Baku City", "within"),
    "sumgayit-2020-07-14-rally": ("Sumqayit City", "Sumqayit City", "within"),
    "nagorno-karabakh-2023-09-19-offensive": (None, None, "area"),
    "stepanakert-2023-09-19-shelling": ("Khankendi City", "Khankendi City", "gazetteer"),
    "nagorno-karabakh-2023-09-19-landmine": (None, None, "area"),
    "yerevan-2023-09-19-government-buildings-protest": ("Yerevan", "Yerevan", "within"),
    "yerevan-2023-09-19-russian-embassy-protest": ("Yerevan", "Yerevan", "within"),
    "nerkin-hand-2024-02-12-alleged-fire": (None, None, "area"),  # border only
    "nerkin-hand-2024-02-13-revenge-operation": ("Syunik", "Kapan", "within"),
}


def test_every_curated_event_joins_to_its_known_region(settings: Settings) -> None:
    from geo.dataset import load_dataset

    events = load_dataset(settings).events
    got = {
        eid: (
            None if pd.isna(row.region) else row.region,
            None if pd.isna(row.district) else row.district,
            row.join_method,
        )
        for eid, row in events.iterrows()
    }
    assert got == CURATED_ANSWERS
    shelling = events.loc["stepanakert-2023-09-19-shelling"]
    assert "Khojaly District" in shelling.admin_note
    assert 1495 <= shelling.join_distance_m <= 1595


def test_region_level_events_get_no_district_in_armenia(settings: Settings) -> None:
    """The Tavush event is known only at marz level (where_prec 4): no district is invented."""
    from geo.dataset import load_dataset

    events = load_dataset(settings).events
    tavush = events.loc["tavush-2020-07-12-border-fighting"]
    assert tavush.region == "Tavush"
    assert pd.isna(tavush.district)
    assert "district: not assigned, the sources locate this event only to its region" in (
        tavush.admin_note
    )
    assert "the point falls in Idjevan" in tavush.admin_note
    # Azerbaijan's districts are its regions, so a district-level event keeps one.
    assert events.loc["tovuz-2020-07-12-border-fighting"].district == "Tovuz District"
    assert events.loc["nerkin-hand-2024-02-13-revenge-operation"].district == "Kapan"


def test_area_events_count_in_no_single_region(settings: Settings) -> None:
    """The whole-region offensive is not Khankendi City's, though its placeholder is there."""
    from geo.dataset import load_dataset
    from geo.summary import AREA_REGION, region_summary

    events = load_dataset(settings).events
    offensive = events.loc["nagorno-karabakh-2023-09-19-offensive"]
    assert pd.isna(offensive.region)
    assert "region: not assigned" in offensive.admin_note
    assert "the point falls in Khankendi City" in offensive.admin_note
    table = region_summary(events, start=date(2023, 9, 19), end=date(2023, 9, 19))
    rows = {
        r.region: (r.events, r.deaths_low, r.deaths_best, r.deaths_high) for r in table.itertuples()
    }
    assert rows[AREA_REGION] == (2, 25, 25, 27)
    assert rows["Khankendi City"] == (1, 0, 0, 0)
    assert rows["Yerevan"] == (2, 0, 0, 0)


def test_event_without_a_country_gets_no_region_and_no_error(tiny):
    """Issue 11 item 3: an event whose sources give no country is compared with no unit."""
    rows = {"inside": ("ARM", pt(5, 5)), "unknown": (None, pt(5, 5))}
    out = join_events(events(rows, where_prec=[1, 5]), tiny)
    assert out.loc["inside", "region"] == "Alpha"
    assert pd.isna(out.loc["unknown", "region"]) and pd.isna(out.loc["unknown", "district"])
    assert out.loc["unknown", "join_method"] == "area"
    with pytest.raises(ValidationError, match="country 'GEO' is not one of ARM, AZE"):
        join_events(events({"x": ("GEO", pt(5, 5))}), tiny)


def test_curated_alleged_fire_has_no_country(settings: Settings) -> None:
    from geo.dataset import load_dataset

    events_ = load_dataset(settings).events
    fire = events_.loc["nerkin-hand-2024-02-12-alleged-fire"]
    assert pd.isna(fire.country) and pd.isna(fire.country_name)
    assert fire.join_method == "area" and pd.isna(fire.region)
    assert "gazetteer places" not in fire.admin_note
