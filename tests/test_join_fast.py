"""The contains engine's shortcuts give exactly what the tests they replace give.

The cell grid (``geo._join_cells``), the nearest-segment search and the distance text
are checked against the plain computations, and the whole join against the reference
engine on points crowded near boundaries, where the shortcuts and the rules meet.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import _join_cells
from geo.boundaries import METRIC_CRS, AdminUnits, load_admin_units
from geo.config import Settings
from geo.join import KNOWN_COUNTRIES, _build_cells, _m_many, _NearestSegments, _units, join_events


@pytest.fixture(scope="module")
def admin(settings: Settings) -> AdminUnits:
    return load_admin_units(settings)


def _points_near_boundaries(admin: AdminUnits, n: int, seed: int) -> tuple[np.ndarray, ...]:
    """Vertices, edge midpoints, points jittered around vertices, and random points."""
    rng = np.random.default_rng(seed)
    rings = shapely.get_coordinates(shapely.boundary(admin.districts.geometry.to_numpy()))
    pick = rng.integers(0, len(rings) - 1, n)
    x, y = rings[pick, 0].copy(), rings[pick, 1].copy()
    q = n // 4
    mid = (rings[pick[q : 2 * q]] + rings[pick[q : 2 * q] + 1]) / 2
    x[q : 2 * q], y[q : 2 * q] = mid[:, 0], mid[:, 1]
    x[2 * q : 3 * q] += rng.uniform(-0.01, 0.01, q)
    y[2 * q : 3 * q] += rng.uniform(-0.01, 0.01, q)
    x[3 * q :] = rng.uniform(43.3, 50.8, n - 3 * q)
    y[3 * q :] = rng.uniform(38.3, 42.0, n - 3 * q)
    return x, y


def test_cell_grid_settles_only_what_contains_xy_says(admin: AdminUnits) -> None:
    regions, districts = _units(admin)
    cells = _build_cells(regions, districts)
    x, y = _points_near_boundaries(admin, 8000, 5)
    # also points exactly on cell edges and corners
    xe, ye = cells.x_edges, cells.y_edges
    k = np.random.default_rng(6).integers(0, 10**6, (2, 1000))
    x = np.r_[x, xe[k[0] % len(xe)]]
    y = np.r_[y, ye[k[1] % len(ye)]]
    flat = cells.cells(x, y)
    r_country = np.array([KNOWN_COUNTRIES.index(c) for c in regions.group])
    settled = {"region": 0, "district": 0, "none": 0}
    for code, country in enumerate(KNOWN_COUNTRIES):
        r, d = cells.lookup(np.full(len(x), code), flat)
        for level, values, units, own in (
            ("region", r, regions.geom.to_numpy(), r_country == code),
            ("district", d, districts.geom.to_numpy(), r_country[districts.parent] == code),
        ):
            inside = np.stack([shapely.contains_xy(g, x, y) for g in units[own]])
            touch = np.stack([shapely.intersects_xy(g, x, y) for g in units[own]])
            positions = np.flatnonzero(own)
            held = values >= 0
            # a settled unit holds the point in its interior, and no other unit touches it
            assert (positions[inside[:, held].argmax(axis=0)] == values[held]).all(), country
            assert (touch[:, held].sum(axis=0) == 1).all(), (country, level)
            # a cell no unit holds: no unit of the country touches the point
            nobody = values == _join_cells.NONE
            assert not touch[:, nobody].any(), (country, level)
            settled[level] += int(held.sum())
            settled["none"] += int(nobody.sum())
    assert min(settled.values()) > 500  # the grid settles many points of every kind


def test_cell_index_checks_the_edges_it_computes() -> None:
    edges = np.array([0.0, 0.1, 0.2, 0.30000000000000004, 0.4])
    values = np.array([0.0, 0.1, 0.2, 0.3, 0.30000000000000004, 0.4, -1.0, 5.0, np.nan])
    i = _join_cells._cell(edges, values)
    ok = (edges[i] <= values) & (values <= edges[i + 1])
    assert ok[:6].all()  # every value inside the grid lands in a cell holding it
    assert list(i[:6]) == [0, 1, 2, 2, 3, 3]
    assert not ok[6:].any()  # outside or not a number: the caller sees it is no cell's


def test_nearest_segments_match_query_nearest(admin: AdminUnits) -> None:
    regions, _ = _units(admin)
    segs, seg_unit = regions.segments()
    x, y = _points_near_boundaries(admin, 4000, 8)
    pm = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=admin.crs).to_crs(METRIC_CRS).to_numpy()
    for country in KNOWN_COUNTRIES:
        cand = np.flatnonzero(regions.group == country)
        own = np.isin(seg_unit, cand)
        search = _NearestSegments(cand, segs[own], seg_unit[own])
        pt, unit, dist = search(pm)
        (r_pt, r_seg), r_dist = shapely.STRtree(segs[own]).query_nearest(
            pm, return_distance=True, all_matches=True
        )
        ours = pd.DataFrame({"pt": pt, "unit": unit, "d": dist})
        ref = pd.DataFrame({"pt": r_pt, "unit": seg_unit[own][r_seg], "d": r_dist})
        key = ["pt", "unit", "d"]
        pd.testing.assert_frame_equal(
            ours.drop_duplicates().sort_values(key).reset_index(drop=True),
            ref.drop_duplicates().sort_values(key).reset_index(drop=True),
        )
        assert (search.reach > 0) and (ours["d"] > search.reach).any()  # both paths ran


def test_distance_text_is_python_format() -> None:
    rng = np.random.default_rng(9)
    d = np.r_[
        rng.uniform(0, 5e6, 20000),
        np.arange(0, 3000, 0.5),  # every half: rounding half to even
        [999.5, 1000.5, 999_999.5, 1e12 + 0.5, 0.0, 123_456_789.49],
    ]
    assert _m_many(d).to_pylist() == [f"{v:,.0f} m" for v in d]
    assert _m_many(np.array([np.nan, 1e20])).to_pylist() == ["nan m", f"{1e20:,.0f} m"]


def test_engines_agree_near_boundaries(admin: AdminUnits) -> None:
    """Points crowded on and around boundaries, both countries' codes, every precision,
    gazetteer regions right and wrong: the contains engine equals the sindex engine."""
    rng = np.random.default_rng(11)
    n = 2400
    x, y = _points_near_boundaries(admin, n, 12)
    regions = admin.regions["region"].astype(str).tolist()
    expected = np.where(rng.random(n) < 0.15, rng.choice([*regions, "Nowhere"], n), None)
    events = gpd.GeoDataFrame(
        {
            "country": rng.choice(["ARM", "AZE"], n),
            "where_prec": rng.choice([1, 2, 4, 4, 5, 7], n),
            "location": [f"place {i}" for i in range(n)],
            "expected_region": expected.astype(object),
        },
        geometry=gpd.points_from_xy(x, y),
        crs=admin.crs,
        index=pd.Index([f"b{i}" for i in range(n)], name="event_id"),
    )
    fast = join_events(events, admin, engine="contains")
    ref = join_events(events, admin, engine="sindex")
    pd.testing.assert_frame_equal(pd.DataFrame(fast), pd.DataFrame(ref))
    notes = fast["admin_note"]
    assert notes.str.contains("district: not assigned").any()
    assert notes.str.contains("a district of").any()
    assert notes.str.contains("country mismatch").any()
