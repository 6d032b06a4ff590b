"""Small valid layer dicts for tests to break one field at a time."""

from __future__ import annotations

import copy
from typing import Any

import geopandas as gpd
from shapely.geometry import box

from geo.boundaries import AdminUnits

SOURCE = {
    "id": "s1",
    "outlet": "Test Wire",
    "reported": "A test report.",
    "published": "2020-07-15",
}


def claim(**over: Any) -> dict[str, Any]:
    base = {
        "claimant": "Ministry of Testing",
        "claimant_type": "government",
        "measure": "killed",
        "subject": "soldiers",
        "side": "azerbaijani",
        "group": "military",
        "value": 3,
        "source": "s1",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def event(event_id: str = "test-2020-07-14-a", **over: Any) -> dict[str, Any]:
    """A valid feature at Tovuz town (gazetteer place 'tovuz')."""
    props = {
        "event_id": event_id,
        "event_date": "2020-07-14",
        "date_start": "2020-07-14",
        "date_end": "2020-07-14",
        "time_precision": 1,
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": "Military Forces of Azerbaijan (2003-)",
        "actor2": "Military Forces of Armenia (2018-)",
        "country": "AZE",
        "location": "Tovuz",
        "place_id": "tovuz",
        "geo_precision": 1,
        "where_prec": 1,
        "notes": "A test event.",
        "sources": [copy.deepcopy(SOURCE)],
        "claims": [claim()],
        "tags": [],
    }
    geometry = over.pop("geometry", {"type": "Point", "coordinates": [45.62838, 40.99249]})
    props.update(over)
    props = {k: v for k, v in props.items() if v is not None}
    return {"type": "Feature", "geometry": geometry, "properties": props}


def layer(*features: dict[str, Any], episode_id: str = "test-episode") -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "episode": {
            "id": episode_id,
            "title": "Test episode",
            "summary": "For tests.",
            "date_start": "2020-07-01",
            "date_end": "2020-07-31",
            "sources": [copy.deepcopy(SOURCE)],
            "claims": [],
        },
        "features": list(features) if features else [event()],
    }


def three_squares() -> AdminUnits:
    """AZE Alpha <b> and Beta side by side, ARM Gamma apart; districts are the regions."""
    regions = gpd.GeoDataFrame(
        {
            "country": ["AZE", "AZE", "ARM"],
            "region_id": ["A", "B", "C"],
            "region": ["Alpha <b>", "Beta", "Gamma"],
        },
        geometry=[
            box(46.0, 40.0, 46.5, 40.5),
            box(46.5, 40.0, 47.0, 40.5),
            box(45.0, 40.0, 45.5, 40.5),
        ],
        crs="EPSG:4326",
    )
    districts = gpd.GeoDataFrame(
        {
            "country": ["AZE", "AZE", "ARM"],
            "district_id": ["A", "B", "C"],
            "district": ["Alpha <b>", "Beta", "Gamma"],
            "region_id": ["A", "B", "C"],
            "region": ["Alpha <b>", "Beta", "Gamma"],
        },
        geometry=list(regions.geometry),
        crs="EPSG:4326",
    )
    return AdminUnits(regions=regions, districts=districts)
