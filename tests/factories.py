"""Test data: small valid layer dicts to break one field at a time, tiny admin worlds."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
from shapely.geometry import box

from geo.boundaries import AdminUnits
from geo.dataset import Dataset
from geo.join import join_events
from geo.layers import episodes_frame, layers_to_frame, parse_layer

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


# --- admin units ------------------------------------------------------------------------------

#: ``(country, region_id, region, geometry)``
RegionRow = tuple[str, str, str, Any]
#: ``(country, district_id, district, region_id, region, geometry)``
DistrictRow = tuple[str, str, str, str, str, Any]


def admin_units(
    regions: Sequence[RegionRow],
    districts: Sequence[DistrictRow] | None = None,
    *,
    crs: str = "EPSG:4326",
    countries: bool = False,
) -> AdminUnits:
    """Admin units from plain rows; without ``districts``, every region is its own district
    (as in Azerbaijan). ``countries=True`` adds the dissolved country outlines."""
    region_frame = gpd.GeoDataFrame(
        {
            "country": [r[0] for r in regions],
            "region_id": [r[1] for r in regions],
            "region": [r[2] for r in regions],
            "region_iso": [""] * len(regions),
            "level": ["test"] * len(regions),
        },
        geometry=[r[3] for r in regions],
        crs=crs,
    )
    rows = districts if districts is not None else [(c, i, n, i, n, g) for c, i, n, g in regions]
    district_frame = gpd.GeoDataFrame(
        {
            "country": [d[0] for d in rows],
            "district_id": [d[1] for d in rows],
            "district": [d[2] for d in rows],
            "region_id": [d[3] for d in rows],
            "region": [d[4] for d in rows],
            "level": ["test"] * len(rows),
        },
        geometry=[d[5] for d in rows],
        crs=crs,
    )
    if not countries:
        return AdminUnits(regions=region_frame, districts=district_frame)
    outline = region_frame.dissolve(by="country").reset_index()[["country", "geometry"]]
    outline["name"] = outline["country"].map({"ARM": "Armenia", "AZE": "Azerbaijan"})
    return AdminUnits(regions=region_frame, districts=district_frame, countries=outline)


def three_squares() -> AdminUnits:
    """AZE Alpha <b> and Beta side by side, ARM Gamma apart; districts are the regions."""
    return admin_units(
        [
            ("AZE", "A", "Alpha <b>", box(46.0, 40.0, 46.5, 40.5)),
            ("AZE", "B", "Beta", box(46.5, 40.0, 47.0, 40.5)),
            ("ARM", "C", "Gamma", box(45.0, 40.0, 45.5, 40.5)),
        ]
    )


# --- a tiny world: four square regions, five events (exports, QGIS) ----------------------

HOSTILE = "<script>alert(\"x\")</script> & ]]> 'q'"
HOSTILE_ID = "hostile-2020-07-14-b"


def four_squares() -> AdminUnits:
    """Three AZE squares side by side-ish and one ARM square split into two districts."""
    aze = [
        ("AZE", "R-A", "Alpha", box(45, 40, 46, 41)),
        ("AZE", "R-B", "Beta", box(46, 40, 47, 41)),
        ("AZE", "R-C", "Gamma", box(45, 41, 46, 41.5)),
    ]
    admin = admin_units(
        [*aze, ("ARM", "R-T", "Tavush", box(44, 40, 45, 41))],
        [
            *[(c, i, n, i, n, g) for c, i, n, g in aze],
            ("ARM", "D-T1", "Tavush West", "R-T", "Tavush", box(44, 40, 44.5, 41)),
            ("ARM", "D-T2", "Tavush East", "R-T", "Tavush", box(44.5, 40, 45, 41)),
        ],
    )
    admin.regions.loc[admin.regions["region"] == "Tavush", "region_iso"] = "AM-TV"
    return admin


def world_layer() -> dict[str, Any]:
    ev = event
    second = copy.deepcopy(SOURCE) | {"id": "s2", "outlet": "Second Wire"}
    features = [
        ev("alpha-2020-07-12-a", geometry={"type": "Point", "coordinates": [45.5, 40.5]},
           event_date="2020-07-12", date_start="2020-07-12", date_end="2020-07-12",
           place_id=None, location="Alpha town", tags=["border", "night"]),
        ev(HOSTILE_ID, geometry={"type": "Point", "coordinates": [46.5, 40.5]},
           event_date="2020-07-14", date_start="2020-07-14", date_end="2020-07-15",
           place_id=None, event_type="Protests", sub_event_type="Peaceful protest",
           actor1="Protesters (Azerbaijan)", actor2=None, location=f"Beta {HOSTILE}",
           notes=f"Notes {HOSTILE}", sources=[copy.deepcopy(SOURCE), second],
           claims=[claim(claimant=f"Claimant {HOSTILE}", measure="injured", value=2,
                         source="s2", qualifier="about")]),
        ev("border-2020-07-20-c", geometry={"type": "Point", "coordinates": [46.0, 40.5]},
           event_date="2020-07-20", date_start="2020-07-19", date_end="2020-07-20",
           place_id=None, event_type="Explosions/Remote violence",
           sub_event_type="Shelling/artillery/missile attack", location="Border post",
           claims=[claim(value=1), claim(claimant="Other side", claimant_type="armed_forces",
                                         value=4)]),
        ev("outside-2020-07-25-d", geometry={"type": "Point", "coordinates": [48.5, 40.5]},
           event_date="2020-07-25", date_start="2020-07-25", date_end="2020-07-25",
           place_id=None, location="Far east", claims=[]),
        ev("tavush-2020-07-30-e", geometry={"type": "Point", "coordinates": [44.7, 40.5]},
           event_date="2020-07-30", date_start="2020-07-28", date_end="2020-07-30",
           place_id=None, country="ARM", event_type="Strategic developments",
           sub_event_type="Other", location="Tavush village", geo_precision=2, where_prec=2,
           claims=[claim(qualifier="range", value=None, low=2, high=5, side="armenian"),
                   claim(measure="killed", qualifier="unquantified", value=None,
                         text="several", side="armenian")]),
    ]  # fmt: skip
    data = layer(*features, episode_id="test-episode")
    data["episode"]["claims"] = [claim(value=20, subject="soldiers, whole episode")]
    return data


def world_dataset() -> Dataset:
    """Five events in a tiny world (one on a shared border, one outside every unit)."""
    parsed, problems = parse_layer(world_layer(), origin="layers/test.geojson")
    assert parsed is not None, problems
    assert not problems
    admin = four_squares()
    return Dataset(join_events(layers_to_frame([parsed]), admin), episodes_frame([parsed]), admin)


# --- pages ------------------------------------------------------------------------------------

_URL_IN_HTML = re.compile(r"""(?:src|href)=["'](https?://[^"']+\.(?:js|css))["']""")


def external_asset_urls(html: str | Sequence[str] | set[str]) -> set[str]:
    """The http(s) script and stylesheet URLs in rendered HTML (or in a list of URLs)."""
    if isinstance(html, str):
        return set(_URL_IN_HTML.findall(html))
    return {u for u in html if u.startswith(("http://", "https://"))}
