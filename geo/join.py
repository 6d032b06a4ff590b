"""Spatial join of point events to admin units, each event only against its own country's units.

The rule
--------
Every event is compared only with the units of its own ``country`` (ISO3,
``ARM`` or ``AZE``). The ARM and AZE polygons overlap by about 340 km² along
the border; this is how an event there stays in its own country.

Region, in order:

(a) ``within``: the point lies inside one unit → that unit, distance 0. A
    point exactly on the edge shared by two units (inside neither) goes to the
    first of them by name, then id; ``admin_note`` says so.
(b) ``overlap``: the point lies inside several units (overlapping polygons) →
    the unit where it lies deepest (largest distance to that unit's boundary);
    ``admin_note`` names the others.
(c) ``nearest``: inside none → the nearest unit if it is within
    ``tolerance_m``; ``join_distance_m`` records the distance. Beyond it:
    ``unmatched``, region and district empty (NaN), the distance to the nearest
    unit still recorded, and the row kept.
(d) ``gazetteer``: when ``expected_region`` (the region the gazetteer gives for
    the place) is set and differs from (a)-(c): if that unit is within
    ``tolerance_m`` of the point it is used, ``join_distance_m`` is the distance
    to it, and ``admin_note`` records the disagreement (the AZE ADM2 city
    polygons are coarse: Stepanakert's point lies 1,545 m outside "Khankendi
    City"). Otherwise the result of (a)-(c) is kept and ``admin_note`` records
    the disagreement.

(e) ``area``: when the sources locate the event only to an area that is not
    one admin unit (UCDP ``where_prec`` 5 or coarser: a border, "Nagorno-Karabakh"),
    no region is assigned, whatever unit the placeholder point falls in;
    ``admin_note`` says where the point fell. Such events count in the country's
    totals, in a row of their own, never in one region's.

District: the same rules (a)-(c), among the districts of the event's region
only, so district totals always add up to region totals. An event without a
region has no district. In Azerbaijan the districts are the regions. An event
whose sources locate it only to its region (UCDP ``where_prec`` 4 or coarser)
gets no district in Armenia, even though its point falls in one: the point is
a placeholder (the marz capital), and a district would invent precision.

Distances are metres, measured in EPSG:32638 (UTM 38N), which covers both
countries. Points are tested against polygons in the CRS of the admin units;
events in any other CRS are refused, never reprojected silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo._errors import CRSMismatchError, ValidationError
from geo.boundaries import METRIC_CRS, AdminUnits
from geo.events import COUNTRIES

KNOWN_COUNTRIES = tuple(COUNTRIES)
JOIN_COLUMNS = (
    "region", "region_id", "district", "district_id",
    "join_method", "join_distance_m", "admin_note",
)  # fmt: skip
JOIN_METHODS = ("within", "overlap", "nearest", "gazetteer", "area", "unmatched")
DEFAULT_TOLERANCE_M = 5000.0


@dataclass
class _Units:
    """One admin level as plain arrays, positions aligned."""

    kind: str  # "region" or "district", for notes
    geom: gpd.GeoSeries  # in the admin CRS (its sindex is cached by geopandas)
    metric: np.ndarray  # geometries in METRIC_CRS
    group: np.ndarray  # the key an event must match: country (regions) or region_id
    name: np.ndarray
    uid: np.ndarray
    rank: np.ndarray  # tie-break order: by name, then id

    @classmethod
    def of(cls, kind: str, frame: gpd.GeoDataFrame, metric: gpd.GeoSeries, group: str) -> _Units:
        name = frame[kind].astype(str).to_numpy(dtype=object)
        uid = frame[f"{kind}_id"].astype(str).to_numpy(dtype=object)
        order = np.lexsort((uid, name))
        rank = np.empty(len(frame), dtype=np.intp)
        rank[order] = np.arange(len(frame))
        return cls(
            kind=kind,
            geom=frame.geometry.reset_index(drop=True),
            metric=metric.to_numpy(),
            group=frame[group].to_numpy(dtype=object),
            name=name,
            uid=uid,
            rank=rank,
        )


@dataclass
class _Match:
    unit: np.ndarray  # position of the assigned unit, -1 for none
    method: np.ndarray  # within / overlap / nearest / unmatched
    distance: np.ndarray  # metres; 0 inside; NaN when the event's group has no units
    nearest: np.ndarray  # position of the nearest unit (inside: the assigned one), -1 for none
    notes: list[list[str]]


#: UCDP where_prec from which only the first-order unit (or less) is known: no district is given.
REGION_ONLY_WHERE_PREC = 4
#: UCDP where_prec from which the place is an area that is no admin unit (a border, a region
#: such as Nagorno-Karabakh), or only the country: no region is given either.
AREA_ONLY_WHERE_PREC = 5


def _m(d: float) -> str:
    return f"{d:,.0f} m"


def _match(
    pts: np.ndarray,
    pts_m: np.ndarray,
    groups: np.ndarray,
    group_labels: np.ndarray,
    units: _Units,
    tolerance_m: float,
) -> _Match:
    """Rules (a)-(c) for one level; ``groups[i]`` is the key event ``i`` must share."""
    n = len(pts)
    unit = np.full(n, -1, dtype=np.intp)
    method = np.full(n, "unmatched", dtype=object)
    distance = np.full(n, np.nan)
    notes: list[list[str]] = [[] for _ in range(n)]
    has_group = np.asarray(pd.notna(groups), dtype=bool)

    # (a)/(b): polygons containing the point (interior or edge), own group only
    ev, un = units.geom.sindex.query(pts, predicate="intersects")
    keep = has_group[ev] & (groups[ev] == units.group[un])
    ev, un = ev[keep], un[keep]
    pairs = pd.DataFrame(
        {
            "ev": ev,
            "un": un,
            "interior": shapely.within(pts[ev], units.geom.to_numpy()[un]),
            "rank": units.rank[un],
        }
    )
    pairs["n_interior"] = pairs.groupby("ev")["interior"].transform("sum")
    pairs["depth"] = 0.0
    deep = (pairs["n_interior"] >= 2) & pairs["interior"]
    if deep.any():
        sel = pairs.loc[deep]
        pairs.loc[deep, "depth"] = shapely.distance(
            pts_m[sel["ev"].to_numpy()], shapely.boundary(units.metric[sel["un"].to_numpy()])
        )
    pairs = pairs.sort_values(
        ["ev", "interior", "depth", "rank"], ascending=[True, False, False, True], kind="stable"
    )
    first = pairs.drop_duplicates("ev")
    unit[first["ev"]] = first["un"]
    distance[first["ev"]] = 0.0
    method[first["ev"]] = np.where(first["n_interior"] >= 2, "overlap", "within")

    several = pairs[pairs.groupby("ev")["ev"].transform("size") > 1]
    for i, grp in several.groupby("ev", sort=False):
        chosen = units.name[unit[i]]
        if grp["n_interior"].iloc[0] >= 2:
            inner = grp[grp["interior"]]
            others = ", ".join(units.name[u] for u in inner["un"].iloc[1:])
            notes[i].append(
                f"inside {len(inner)} overlapping {units.kind}s; chose {chosen}, where the point "
                f"lies deepest ({_m(inner['depth'].iloc[0])} from its edge), over {others}"
            )
        elif grp["n_interior"].iloc[0] == 0:
            names = " and ".join(units.name[u] for u in grp["un"])
            notes[i].append(
                f"on the boundary between {units.kind}s {names}; assigned to {chosen} "
                "(ties go to the first by name)"
            )

    # (c): nearest unit of the event's group, for points inside none
    nearest = unit.copy()
    todo = np.flatnonzero((unit < 0) & has_group)
    for g in pd.unique(groups[todo]):
        evs = todo[groups[todo] == g]
        cand = np.flatnonzero(units.group == g)
        if len(cand) == 0:
            for i in evs:
                notes[i].append(f"no {units.kind}s for {group_labels[i]} in the boundary data")
            continue
        (i_in, i_tree), dist = shapely.STRtree(units.metric[cand]).query_nearest(
            pts_m[evs], return_distance=True, all_matches=True
        )
        near = pd.DataFrame(
            {"i": i_in, "u": cand[i_tree], "d": dist, "rank": units.rank[cand[i_tree]]}
        ).sort_values(["i", "d", "rank"], kind="stable")
        near = near.drop_duplicates("i")
        nearest[evs[near["i"]]] = near["u"]
        distance[evs[near["i"]]] = near["d"]
    for i in todo:
        if nearest[i] < 0:
            continue
        where = f"nearest is {units.name[nearest[i]]}, {_m(distance[i])} away"
        if distance[i] <= tolerance_m:
            unit[i], method[i] = nearest[i], "nearest"
            notes[i].append(f"inside no {units.kind} of {group_labels[i]}; {where}")
        else:
            notes[i].append(
                f"no {units.kind} of {group_labels[i]} within {_m(tolerance_m)}; {where}"
            )
    return _Match(unit=unit, method=method, distance=distance, nearest=nearest, notes=notes)


def _check_events(events: gpd.GeoDataFrame, admin: AdminUnits, tolerance_m: float) -> None:
    if not isinstance(events, gpd.GeoDataFrame):
        raise TypeError(f"events must be a GeoDataFrame, got {type(events).__name__}")
    if not (isinstance(tolerance_m, int | float) and math.isfinite(tolerance_m)) or (
        tolerance_m < 0
    ):
        raise ValueError(f"tolerance_m must be a finite number >= 0, got {tolerance_m!r}")
    if "country" not in events.columns:
        raise ValueError("events lack the 'country' column (ISO3: ARM or AZE)")
    target = admin.crs
    fix = target.to_epsg() or repr(target.to_string())
    if events.crs is None:
        raise CRSMismatchError(
            f"events have no CRS, while the admin units are in {target.to_string()}. "
            f"Set the CRS the coordinates are in (events.set_crs(...); lon/lat is "
            f"events.set_crs(4326)), then reproject if needed: events.to_crs({fix})"
        )
    if not events.crs.equals(target, ignore_axis_order=True):
        raise CRSMismatchError(
            f"events are in {events.crs.to_string()} but the admin units are in "
            f"{target.to_string()}; nothing is reprojected silently. "
            f"Reproject the events first: events.to_crs({fix})"
        )
    problems: list[str] = []
    geoms = events.geometry
    for label, g in zip(events.index, geoms, strict=True):
        if g is None or g.is_empty:
            problems.append(f"event {label!r}: no geometry (a Point is needed)")
        elif g.geom_type != "Point":
            problems.append(f"event {label!r}: geometry is a {g.geom_type}, not a Point")
    for label, c in zip(events.index, events["country"], strict=True):
        if c not in KNOWN_COUNTRIES and not _no_country(c):
            problems.append(
                f"event {label!r}: country {c!r} is not one of {', '.join(KNOWN_COUNTRIES)}"
            )
    if problems:
        raise ValidationError(problems)


def _no_country(value: object) -> bool:
    """Whether a ``country`` cell says "not given" (None/NaN): such an event gets no region."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _expected(events: gpd.GeoDataFrame) -> np.ndarray:
    out = np.full(len(events), None, dtype=object)
    if "expected_region" not in events.columns:
        return out
    for i, v in enumerate(events["expected_region"]):
        if isinstance(v, str) and v.strip():
            out[i] = v.strip()
    return out


def _labels(events: gpd.GeoDataFrame, column: str | None) -> list[str]:
    if column is None or column not in events.columns:
        return ["the event"] * len(events)
    return [v if isinstance(v, str) and v.strip() else "the event" for v in events[column]]


def _assert_same_rows(result: pd.DataFrame, events: pd.DataFrame) -> None:
    """Like momepy's ``assert_result``: the join neither drops, adds nor reorders rows."""
    if len(result) != len(events) or not result.index.equals(events.index):
        raise AssertionError("join_events changed the rows of its input (index or length)")


def join_events(
    events: gpd.GeoDataFrame,
    admin: AdminUnits,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    label_column: str | None = "location",
) -> gpd.GeoDataFrame:
    """Add each event's region and district, by the rule in this module's docstring.

    Parameters
    ----------
    events
        Point events with ``country`` (``ARM``/``AZE``, or missing when the sources give
        none: such an event is compared with no unit and gets no region) and geometry, in the CRS
        of ``admin``; optionally ``expected_region`` (the gazetteer's region for
        the place; empty or NaN when unknown).
    admin
        The units, e.g. from :func:`geo.boundaries.load_admin_units`.
    tolerance_m
        How far (metres, EPSG:32638) a point may lie outside a unit and still be
        joined to it (nearest unit, or the gazetteer's region).
    label_column
        Column naming the place, used in ``admin_note`` (when present).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``events`` (same index, order and length) with
        ``region, region_id, district, district_id, join_method,
        join_distance_m, admin_note`` set (replacing any existing ones).
        ``join_method`` is one of ``within, overlap, nearest, gazetteer,
        unmatched``; ``join_distance_m`` is the distance from the point to the
        chosen unit (0 inside it), or to the nearest unit when unmatched;
        ``admin_note`` is ``''`` when there is nothing to say.

    Raises
    ------
    CRSMismatchError
        If the events have no CRS or another CRS than ``admin``.
    geo._errors.ValidationError
        (a ``ValueError``) naming every event that is not a Point or whose
        country is not ARM/AZE.
    """
    _check_events(events, admin, tolerance_m)
    n = len(events)
    out = events.copy()
    if n == 0:
        for col in JOIN_COLUMNS:
            dtype = "float64" if col == "join_distance_m" else object
            out[col] = pd.Series([], index=out.index, dtype=dtype)
        return out

    pts = events.geometry.to_numpy()
    pts_m = events.geometry.to_crs(METRIC_CRS).to_numpy()
    countries = events["country"].to_numpy(dtype=object)
    regions = _Units.of("region", admin.regions, admin.regions_metric, "country")
    districts = _Units.of("district", admin.districts, admin.districts_metric, "region_id")
    labels = _labels(events, label_column)

    r = _match(pts, pts_m, countries, countries, regions, tolerance_m)
    unit, method, distance, notes = r.unit, r.method, r.distance, r.notes

    # A point outside its own country's units but inside another country's: the country
    # code or the coordinates are wrong (a point in Yerevan coded AZE). Kept, and said.
    for i in np.flatnonzero(np.isin(method, ["nearest", "unmatched"])).tolist():
        if _no_country(countries[i]):
            continue
        hits = [
            int(k)
            for k in regions.geom.sindex.query(pts[i], predicate="within")
            if regions.group[int(k)] != countries[i]
        ]
        if hits:
            other = sorted({str(regions.group[k]) for k in hits})
            inside = ", ".join(sorted(str(regions.name[k]) for k in hits))
            notes[i].append(
                f"country mismatch: the point lies in {' and '.join(other)} ({inside}), but "
                f"'country' is {countries[i]}; check the country or the coordinates"
            )

    # (d) the gazetteer's region
    lookup = {
        (c, nm): pos for pos, (c, nm) in enumerate(zip(regions.group, regions.name, strict=True))
    }
    expected = _expected(events)
    # an event without a country is compared with no unit, so the gazetteer's region neither
    known_country = np.array([not _no_country(c) for c in countries], dtype=bool)
    for i in np.flatnonzero(pd.notna(expected) & known_country).tolist():
        exp, spatial = expected[i], unit[i]
        if spatial >= 0 and regions.name[spatial] == exp:
            continue
        pos = lookup.get((countries[i], exp))
        head = f"gazetteer places {labels[i]} in {exp}"
        if spatial < 0:
            now = f"in no {regions.kind} within {_m(tolerance_m)}"
        elif method[i] in ("within", "overlap"):
            now = f"inside {regions.name[spatial]}"
        else:
            now = f"{_m(distance[i])} from {regions.name[spatial]}, the nearest {regions.kind}"
        if pos is None:
            notes[i].append(
                f"{head}, which is not a {regions.kind} of {countries[i]} in the boundary data; "
                "kept the spatial result"
            )
            continue
        gap = float(shapely.distance(pts_m[i], regions.metric[pos]))
        if gap <= tolerance_m:
            where = "on that polygon's edge" if gap == 0 else f"{_m(gap)} outside that polygon"
            notes[i].append(f"{head}; the point is {where} (coarse boundary) and {now}")
            unit[i], method[i], distance[i] = pos, "gazetteer", gap
        else:
            notes[i].append(
                f"{head}, but the point is {_m(gap)} outside that polygon (beyond the "
                f"{_m(tolerance_m)} tolerance) and {now}; kept the spatial result"
            )

    # (e) an area that is no admin unit: the point is a placeholder, so no region is given
    precision = (
        events["where_prec"].to_numpy() if "where_prec" in events else np.zeros(n, dtype=int)
    )
    for i in np.flatnonzero(precision >= AREA_ONLY_WHERE_PREC).tolist():
        inside = f"; the point falls in {regions.name[unit[i]]}" if unit[i] >= 0 else ""
        notes[i].append(
            f"region: not assigned, the sources locate this event only to an area that is not "
            f"one {regions.kind} (where_prec {precision[i]}){inside}"
        )
        unit[i], method[i] = -1, "area"

    # districts: among the districts of the chosen region
    region_ids = np.array([regions.uid[u] if u >= 0 else None for u in unit], dtype=object)
    region_names = np.array([regions.name[u] if u >= 0 else "" for u in unit], dtype=object)
    dm = _match(pts, pts_m, region_ids, region_names, districts, tolerance_m)
    region_pos = {uid: k for k, uid in enumerate(regions.uid)}
    for i in range(n):
        if unit[i] < 0:
            dm.unit[i] = -1
            continue
        if dm.unit[i] >= 0 and districts.uid[dm.unit[i]] == regions.uid[unit[i]]:
            continue  # the district is the region itself (Azerbaijan): nothing new to say
        if precision[i] >= REGION_ONLY_WHERE_PREC:
            inside = f"; the point falls in {districts.name[dm.unit[i]]}" if dm.unit[i] >= 0 else ""
            notes[i].append(
                f"district: not assigned, the sources locate this event only to its region "
                f"(where_prec {precision[i]}){inside}"
            )
            dm.unit[i] = -1
            continue
        extra = list(dm.notes[i])
        if dm.method[i] in ("nearest", "unmatched"):
            extra += _elsewhere(pts[i], regions.uid[unit[i]], region_pos, regions, districts)
        notes[i].extend(f"district: {t}" for t in extra)

    def names(level: _Units, pos: np.ndarray, attr: str) -> np.ndarray:
        values = getattr(level, attr)
        return np.array([values[p] if p >= 0 else np.nan for p in pos], dtype=object)

    new = {
        "region": names(regions, unit, "name"),
        "region_id": names(regions, unit, "uid"),
        "district": names(districts, dm.unit, "name"),
        "district_id": names(districts, dm.unit, "uid"),
        "join_method": method.astype(object),
        "join_distance_m": distance.astype("float64"),
        "admin_note": np.array(["; ".join(t) for t in notes], dtype=object),
    }
    for col, values in new.items():
        out[col] = pd.Series(values, index=out.index)
    _assert_same_rows(out, events)
    return out


def _elsewhere(
    pt: shapely.Geometry,
    region_id: str,
    region_pos: dict[str, int],
    regions: _Units,
    districts: _Units,
) -> list[str]:
    """Name the district of another region of the same country that holds the point, if any."""
    country = regions.group[region_pos[region_id]]
    hits = districts.geom.sindex.query(pt, predicate="intersects")
    for h in sorted(hits, key=lambda h: districts.rank[h]):
        parent = region_pos.get(districts.group[h])
        if (
            parent is not None
            and regions.group[parent] == country
            and parent != region_pos[region_id]
        ):
            return [f"the point lies in {districts.name[h]}, a district of {regions.name[parent]}"]
    return []


def unit_at(admin: AdminUnits, lat: float, lon: float, *, level: str = "region") -> str | None:
    """Name of the region (or district) containing a point (WGS84), or ``None``."""
    units = admin.districts if level == "district" else admin.regions
    units = units.to_crs("EPSG:4326")
    hits = units[units.contains(shapely.Point(float(lon), float(lat)))]
    if hits.empty:
        return None
    return str(hits.iloc[0]["district" if level == "district" else "region"])
