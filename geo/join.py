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
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

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
#: How candidate (event, unit) pairs are found: ``contains`` tests each polygon's points
#: with ``shapely.contains_xy`` after a bounding-box prefilter (fast, the default); ``sindex``
#: queries geopandas' spatial index with ``intersects`` for every event (the reference).
Engine = Literal["contains", "sindex"]


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
    notes: defaultdict[int, list[str]]  # sparse: only events with something to say


#: UCDP where_prec from which only the first-order unit (or less) is known: no district is given.
REGION_ONLY_WHERE_PREC = 4
#: UCDP where_prec from which the place is an area that is no admin unit (a border, a region
#: such as Nagorno-Karabakh), or only the country: no region is given either.
AREA_ONLY_WHERE_PREC = 5


def _m(d: float) -> str:
    return f"{d:,.0f} m"


class _Metric:
    """Event points in METRIC_CRS, transformed only for the events that need a distance."""

    def __init__(self, events: gpd.GeoDataFrame) -> None:
        self.geometry = events.geometry

    def __getitem__(self, idx: np.ndarray | int) -> np.ndarray:
        if isinstance(idx, int | np.integer):
            return self.geometry.iloc[[int(idx)]].to_crs(METRIC_CRS).to_numpy()[0]
        return self.geometry.iloc[np.asarray(idx)].to_crs(METRIC_CRS).to_numpy()


def _interior_pairs(
    x: np.ndarray, y: np.ndarray, codes: np.ndarray, unit_codes: np.ndarray, units: _Units
) -> tuple[np.ndarray, np.ndarray]:
    """(event, unit) pairs where the point lies inside the unit (not on its edge), own group.

    Points are sorted by x once; each polygon takes the points in its x-range
    (binary search), keeps those in its y-range and group, and tests them with
    ``shapely.contains_xy``.
    """
    order = np.argsort(x, kind="stable")
    xs = x[order]
    geoms = units.geom.to_numpy()
    bounds = shapely.bounds(geoms)
    evs, uns = [], []
    for u in range(len(geoms)):
        if unit_codes[u] < 0:
            continue
        x0, y0, x1, y1 = bounds[u]
        lo, hi = np.searchsorted(xs, x0, "left"), np.searchsorted(xs, x1, "right")
        cand = order[lo:hi]
        cand = cand[(codes[cand] == unit_codes[u]) & (y[cand] >= y0) & (y[cand] <= y1)]
        if len(cand) == 0:
            continue
        shapely.prepare(geoms[u])
        hit = cand[shapely.contains_xy(geoms[u], x[cand], y[cand])]
        evs.append(hit)
        uns.append(np.full(len(hit), u, dtype=np.intp))
    if not evs:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    return np.concatenate(evs).astype(np.intp), np.concatenate(uns)


def _candidate_pairs(
    pts: np.ndarray, groups: np.ndarray, has_group: np.ndarray, units: _Units, engine: Engine
) -> pd.DataFrame:
    """Every (event, unit) pair where the point intersects a unit of its own group.

    Both engines give the same rules' answers: with ``contains`` the pairs of a
    point inside some unit are its interior pairs only (an edge it also touches
    changes nothing: an interior unit always wins), and a point inside none
    gets its edge pairs from the spatial index.
    """
    geoms = units.geom.to_numpy()
    if engine == "sindex":
        ev, un = units.geom.sindex.query(pts, predicate="intersects")
        keep = has_group[ev] & (groups[ev] == units.group[un])
        ev, un = ev[keep], un[keep]
        interior = shapely.within(pts[ev], geoms[un])
    else:
        codes, uniques = pd.factorize(pd.Series(groups, dtype=object), use_na_sentinel=True)
        lookup = {g: k for k, g in enumerate(uniques)}
        unit_codes = np.array([lookup.get(g, -1) for g in units.group], dtype=np.int64)
        x, y = shapely.get_x(pts), shapely.get_y(pts)
        ev_in, un_in = _interior_pairs(x, y, codes, unit_codes, units)
        inside = np.bincount(ev_in, minlength=len(pts)) > 0
        rest = np.flatnonzero(has_group & ~inside)
        e_b, un_b = units.geom.sindex.query(pts[rest], predicate="intersects")
        ev_b = rest[e_b]
        keep = groups[ev_b] == units.group[un_b]
        ev = np.concatenate([ev_in, ev_b[keep]])
        un = np.concatenate([un_in, un_b[keep]])
        interior = np.concatenate([np.ones(len(ev_in), bool), np.zeros(int(keep.sum()), bool)])
    return pd.DataFrame({"ev": ev, "un": un, "interior": interior, "rank": units.rank[un]})


def _match(
    pts: np.ndarray,
    pts_m: _Metric,
    groups: np.ndarray,
    group_labels: np.ndarray,
    units: _Units,
    tolerance_m: float,
    engine: Engine = "contains",
) -> _Match:
    """Rules (a)-(c) for one level; ``groups[i]`` is the key event ``i`` must share."""
    n = len(pts)
    unit = np.full(n, -1, dtype=np.intp)
    method = np.full(n, "unmatched", dtype=object)
    distance = np.full(n, np.nan)
    notes: defaultdict[int, list[str]] = defaultdict(list)
    has_group = np.asarray(pd.notna(groups), dtype=bool)

    # (a)/(b): polygons containing the point (interior or edge), own group only
    pairs = _candidate_pairs(pts, groups, has_group, units, engine)
    size = np.bincount(pairs["ev"].to_numpy(), minlength=n)
    single = size[pairs["ev"].to_numpy()] == 1
    one = pairs[single]  # the usual case: in exactly one unit, nothing to decide
    unit[one["ev"]] = one["un"]
    distance[one["ev"]] = 0.0
    method[one["ev"]] = "within"
    pairs = pairs[~single]
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
    for i in todo.tolist():
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
    geoms = events.geometry.to_numpy()
    kind = shapely.get_type_id(geoms)  # -1 for a missing geometry, 0 for a Point
    bad_geom = (kind != 0) | shapely.is_empty(geoms)
    # a missing country means the sources give none: such an event gets no region
    given = events["country"].notna()
    bad_country = (given & ~events["country"].isin(KNOWN_COUNTRIES)).to_numpy()
    for i in np.flatnonzero(bad_geom | bad_country).tolist():  # only the bad rows are visited
        label, g, c = events.index[i], geoms[i], events["country"].iloc[i]
        if g is None or g.is_empty:
            problems.append(f"event {label!r}: no geometry (a Point is needed)")
        elif g.geom_type != "Point":
            problems.append(f"event {label!r}: geometry is a {g.geom_type}, not a Point")
        if bad_country[i]:
            problems.append(
                f"event {label!r}: country {c!r} is not one of {', '.join(KNOWN_COUNTRIES)}"
            )
    if problems:
        raise ValidationError(problems)


def _texts(values: pd.Series, missing: object, *, strip: bool) -> np.ndarray:
    """Each row's non-blank text (stripped if ``strip``) as objects; ``missing`` otherwise."""
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        text = values.fillna("")
        blank = (text.str.strip() == "").to_numpy()
        out = (text.str.strip() if strip else text).to_numpy(dtype=object)
        out[blank] = missing
        return out
    return np.array(
        [
            (v.strip() if strip else v) if isinstance(v, str) and v.strip() else missing
            for v in values
        ],
        dtype=object,
    )


def _expected(events: gpd.GeoDataFrame) -> np.ndarray:
    if "expected_region" not in events.columns:
        return np.full(len(events), None, dtype=object)
    return _texts(events["expected_region"], None, strip=True)


def _labels(events: gpd.GeoDataFrame, column: str | None) -> np.ndarray:
    if column is None or column not in events.columns:
        return np.full(len(events), "the event", dtype=object)
    return _texts(events[column], "the event", strip=False)


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
    engine: Engine = "contains",
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
    engine
        ``contains`` (default): ``shapely.contains_xy`` per polygon after a
        bounding-box prefilter; ``sindex``: geopandas' spatial index for every
        event. Same results; ``contains`` is the fast one at a million events.

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
    pts_m = _Metric(events)
    countries = events["country"].to_numpy(dtype=object)
    regions = _Units.of("region", admin.regions, admin.regions_metric, "country")
    districts = _Units.of("district", admin.districts, admin.districts_metric, "region_id")
    labels = _labels(events, label_column)

    r = _match(pts, pts_m, countries, countries, regions, tolerance_m, engine)
    unit, method, distance, notes = r.unit, r.method, r.distance, r.notes

    # A point outside its own country's units but inside another country's: the country
    # code or the coordinates are wrong (a point in Yerevan coded AZE). Kept, and said.
    outside = np.flatnonzero(np.isin(method, ["nearest", "unmatched"]) & pd.notna(countries))
    if len(outside):  # one bulk query: a few percent of the events at most
        at, hit = regions.geom.sindex.query(pts[outside], predicate="within")
        found: dict[int, list[int]] = {}
        for a, k in zip(at.tolist(), hit.tolist(), strict=True):
            i = int(outside[a])
            if regions.group[k] != countries[i]:
                found.setdefault(i, []).append(int(k))
        for i, hits in found.items():
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
    for i in np.flatnonzero(pd.notna(expected) & pd.notna(countries)).tolist():
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
    has_region = unit >= 0
    region_ids = _pick(regions.uid, unit, None)
    region_names = _pick(regions.name, unit, "")
    dm = _match(pts, pts_m, region_ids, region_names, districts, tolerance_m, engine)
    region_pos = {uid: k for k, uid in enumerate(regions.uid)}
    dm.unit[~has_region] = -1
    same = has_region & (dm.unit >= 0) & (_pick(districts.uid, dm.unit, None) == region_ids)
    coarse = has_region & ~same & (precision >= REGION_ONLY_WHERE_PREC)
    for i in np.flatnonzero(coarse).tolist():
        inside = f"; the point falls in {districts.name[dm.unit[i]]}" if dm.unit[i] >= 0 else ""
        notes[i].append(
            f"district: not assigned, the sources locate this event only to its region "
            f"(where_prec {precision[i]}){inside}"
        )
    dm.unit[coarse] = -1
    far = np.isin(dm.method, ("nearest", "unmatched"))
    has_notes = np.zeros(n, dtype=bool)
    has_notes[list(dm.notes)] = True
    todo = np.flatnonzero(has_region & ~same & ~coarse & (has_notes | far))
    far_todo = todo[far[todo]]
    hits_of: dict[int, list[int]] = defaultdict(list)  # districts each far point lies in
    q_ev, q_un = districts.geom.sindex.query(pts[far_todo], predicate="intersects")
    for e, u in zip(far_todo[q_ev].tolist(), q_un.tolist(), strict=True):
        hits_of[e].append(u)
    for i in todo.tolist():
        extra = list(dm.notes.get(i, ()))
        if far[i]:
            extra += _elsewhere(hits_of[i], regions.uid[unit[i]], region_pos, regions, districts)
        notes[i].extend(f"district: {t}" for t in extra)

    def names(level: _Units, pos: np.ndarray, attr: str) -> np.ndarray:
        return _pick(getattr(level, attr), pos, np.nan)

    admin_note = np.full(n, "", dtype=object)
    for i, texts in notes.items():
        if texts:
            admin_note[i] = "; ".join(texts)
    new = {
        "region": names(regions, unit, "name"),
        "region_id": names(regions, unit, "uid"),
        "district": names(districts, dm.unit, "name"),
        "district_id": names(districts, dm.unit, "uid"),
        "join_method": method.astype(object),
        "join_distance_m": distance.astype("float64"),
        "admin_note": admin_note,
    }
    for col, values in new.items():
        out[col] = pd.Series(values, index=out.index)
    _assert_same_rows(out, events)
    return out


def _pick(values: np.ndarray, pos: np.ndarray, missing: object) -> np.ndarray:
    """``values[pos]`` as objects, ``missing`` where ``pos`` is -1."""
    out = np.full(len(pos), missing, dtype=object)
    ok = pos >= 0
    out[ok] = np.asarray(values, dtype=object)[pos[ok]]
    return out


def _elsewhere(
    hits: list[int],
    region_id: str,
    region_pos: dict[str, int],
    regions: _Units,
    districts: _Units,
) -> list[str]:
    """Name the district of another region of the same country that holds the point, if any.

    ``hits`` are the districts the point intersects.
    """
    country = regions.group[region_pos[region_id]]
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
