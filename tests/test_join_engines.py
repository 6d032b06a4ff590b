"""The fast join (contains_xy per polygon) gives exactly the spatial-index join's results."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.boundaries import AdminUnits, load_admin_units
from geo.config import Settings
from geo.dataset import load_events_checked
from geo.join import join_events


@pytest.fixture(scope="module")
def admin(settings: Settings) -> AdminUnits:
    return load_admin_units(settings)


def _both(events: gpd.GeoDataFrame, admin: AdminUnits) -> tuple[pd.DataFrame, pd.DataFrame]:
    fast = join_events(events, admin, engine="contains")
    ref = join_events(events, admin, engine="sindex")
    assert fast.index.equals(events.index) and ref.index.equals(events.index)
    return fast, ref


def test_curated_events_join_identically(settings: Settings, admin: AdminUnits) -> None:
    events, _ = load_events_checked(settings)
    fast, ref = _both(events, admin)
    pd.testing.assert_frame_equal(pd.DataFrame(fast), pd.DataFrame(ref))
    assert set(fast["join_method"]) >= {"within", "area"}


def test_synthetic_events_join_identically(admin: AdminUnits) -> None:
    """Random points, points exactly on shared edges and vertices, every precision, and
    gazetteer regions (right, wrong and unknown) give the same row for row answers."""
    rng = np.random.default_rng(3)
    n = 3000
    x = rng.uniform(43.3, 50.8, n)
    y = rng.uniform(38.3, 42.0, n)
    # put 300 points exactly on polygon vertices and 300 on edge midpoints (shared borders)
    rings = shapely.get_coordinates(shapely.boundary(admin.districts.geometry.to_numpy()))
    pick = rng.integers(0, len(rings) - 1, 600)
    x[:300], y[:300] = rings[pick[:300], 0], rings[pick[:300], 1]
    mid = (rings[pick[300:]] + rings[pick[300:] + 1]) / 2
    x[300:600], y[300:600] = mid[:, 0], mid[:, 1]
    regions = admin.regions["region"].astype(str).tolist()
    expected = np.where(rng.random(n) < 0.1, rng.choice([*regions, "Nowhere"], n), None).astype(
        object
    )
    events = gpd.GeoDataFrame(
        {
            "country": rng.choice(["ARM", "AZE"], n),
            "where_prec": rng.integers(1, 8, n),
            "location": [f"place {i}" for i in range(n)],
            "expected_region": expected,
        },
        geometry=gpd.points_from_xy(x, y),
        crs=admin.crs,
        index=pd.Index([f"e{i}" for i in range(n)], name="event_id"),
    )
    fast, ref = _both(events, admin)
    pd.testing.assert_frame_equal(pd.DataFrame(fast), pd.DataFrame(ref))
    methods = set(fast["join_method"])
    assert {"within", "nearest", "unmatched", "area", "gazetteer"} <= methods
    assert fast["admin_note"].str.contains("on the boundary between").any()
