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

import contextlib
import functools
import gc
import math
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import Transformer

from geo import _join_cells
from geo._errors import CRSMismatchError, ValidationError
from geo.boundaries import METRIC_CRS, AdminUnits
from geo.events import COUNTRIES

KNOWN_COUNTRIES = tuple(COUNTRIES)
JOIN_COLUMNS = (
    "region", "region_id", "district", "district_id",
    "join_method", "join_distance_m", "admin_note",
)  # fmt: skip
JOIN_METHODS = ("within", "overlap", "nearest", "gazetteer", "area", "unmatched")
#: ``join_method`` codes while joining (positions in :data:`JOIN_METHODS`).
WITHIN, OVERLAP, NEAREST, GAZETTEER, AREA, UNMATCHED = range(len(JOIN_METHODS))
DEFAULT_TOLERANCE_M = 5000.0
#: How candidate (event, unit) pairs are found: ``contains`` reads a cell grid of the units
#: (``geo._join_cells``) that settles the points away from every boundary, and tests the
#: others with ``shapely.contains_xy`` per polygon after a bounding-box prefilter (fast, the
#: default); ``sindex`` queries geopandas' spatial index with ``intersects`` for every event
#: (the reference). Both give the same results.
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
    parent: np.ndarray  # districts: position of the region whose region_id is the group, or -1
    is_region: np.ndarray  # districts: the district's id is its region's id
    _segments: tuple[np.ndarray, np.ndarray] | None = None
    _nearest: dict[object, _NearestSegments] = field(default_factory=dict)

    def segments(self) -> tuple[np.ndarray, np.ndarray]:
        """The units' boundary segments in METRIC_CRS and the unit of each (built once)."""
        if self._segments is None:
            self._segments = _boundary_segments(self.metric)
        return self._segments

    def nearest_segments(self, group: object, cand: np.ndarray) -> _NearestSegments:
        """The nearest-segment search over the units ``cand`` (those of ``group``), built
        once per group."""
        hit = self._nearest.get(group)
        if hit is None or not np.array_equal(hit.cand, cand):
            segs, seg_unit = self.segments()
            own = np.isin(seg_unit, cand)
            hit = self._nearest[group] = _NearestSegments(cand, segs[own], seg_unit[own])
        return hit

    @classmethod
    def of(cls, kind: str, frame: gpd.GeoDataFrame, metric: gpd.GeoSeries, group: str) -> _Units:
        name = frame[kind].astype(str).to_numpy(dtype=object)
        uid = frame[f"{kind}_id"].astype(str).to_numpy(dtype=object)
        order = np.lexsort((uid, name))
        rank = np.empty(len(frame), dtype=np.intp)
        rank[order] = np.arange(len(frame))
        return cls(
            kind=kind,
            geom=gpd.GeoSeries(_own(frame.geometry.to_numpy()), crs=frame.crs),
            metric=_own(metric.to_numpy()),
            group=frame[group].to_numpy(dtype=object),
            name=name,
            uid=uid,
            rank=rank,
            parent=np.full(len(frame), -1, dtype=np.intp),
            is_region=np.zeros(len(frame), dtype=bool),
        )


@dataclass
class _Match:
    unit: np.ndarray  # position of the assigned unit, -1 for none
    method: np.ndarray  # int8 codes of JOIN_METHODS: within / overlap / nearest / unmatched
    distance: np.ndarray  # metres; 0 inside; NaN when the event's group has no units
    nearest: np.ndarray  # position of the nearest unit (inside: the assigned one), -1 for none
    notes: _Notes  # sparse: only events with something to say


#: UCDP where_prec from which only the first-order unit (or less) is known: no district is given.
REGION_ONLY_WHERE_PREC = 4
#: UCDP where_prec from which the place is an area that is no admin unit (a border, a region
#: such as Nagorno-Karabakh), or only the country: no region is given either.
AREA_ONLY_WHERE_PREC = 5


def _m(d: float) -> str:
    return f"{d:,.0f} m"


def _m_many(d: np.ndarray) -> pa.Array:
    """:func:`_m` of each distance (Arrow text): the same digits, commas and rounding."""
    d = np.asarray(d, dtype="float64")
    v = np.rint(d)  # round half to even on the binary value, as format(d, ",.0f") does
    if not (np.isfinite(d) & ~np.signbit(d) & (v < 1e15)).all():
        return pa.array([f"{x:,.0f} m" for x in d.tolist()], pa.large_string())
    iv = v.astype(np.int64)
    groups = 1 + sum((iv >= 1000**k).astype(np.int64) for k in range(1, 5))
    lead = iv // 1000 ** (groups - 1)
    parts: list[object] = [pa.array(lead).cast(pa.large_string())]
    for k in range(3, -1, -1):  # the groups after the leading one, zero-padded, with commas
        digits = pc.utf8_lpad(pa.array((iv // 1000**k) % 1000).cast(pa.large_string()), 3, "0")
        none = pa.scalar("", pa.large_string())
        parts.append(pc.if_else(pa.array(groups - 1 > k), _cat(",", digits), none))
    return _cat(*parts, " m")


def _cat(*parts: object) -> pa.Array:
    """Texts joined element-wise (Arrow, no Python string per row); ``str`` parts repeat."""
    arrays = [
        pa.scalar(p, pa.large_string())
        if isinstance(p, str)
        else (p if isinstance(p, pa.Array) else pa.array(p, pa.large_string())).cast(
            pa.large_string()
        )
        for p in parts
    ]
    return pc.binary_join_element_wise(*arrays, pa.scalar("", pa.large_string()))


class _Notes:
    """The notes of each event, kept in the order they are added, column-wise: a rule that
    speaks about many events adds their notes in one go (no Python loop per event)."""

    def __init__(self) -> None:
        self._ev: list[np.ndarray] = []
        self._seq: list[np.ndarray] = []
        self._text: list[pa.Array] = []
        self._one: list[tuple[int, int, str]] = []
        self._k = 0

    def add(self, i: int, text: str) -> None:
        self._one.append((int(i), self._k, text))
        self._k += 1

    def add_many(
        self, events: np.ndarray, texts: np.ndarray | pa.Array, seq: np.ndarray | None = None
    ) -> None:
        """One note per event of ``events``; ``seq`` orders several notes of one event."""
        events = np.asarray(events, dtype=np.intp)
        order = np.zeros(len(events), dtype=np.int64) if seq is None else np.asarray(seq)
        if len(events):
            self._ev.append(events)
            self._seq.append(self._k + order)
            if not isinstance(texts, pa.Array):
                texts = pa.array(np.asarray(texts, dtype=object), pa.large_string())
            self._text.append(texts.cast(pa.large_string()))
            self._k += int(order.max()) + 1 if len(order) else 1

    def table(self) -> tuple[np.ndarray, np.ndarray, pa.Array]:
        """Every note as (event, order, text), sorted by event then order."""
        ev = [*self._ev, np.array([o[0] for o in self._one], dtype=np.intp)]
        seq = [*self._seq, np.array([o[1] for o in self._one], dtype=np.int64)]
        one = pa.array([o[2] for o in self._one], pa.large_string())
        e, q, t = np.concatenate(ev), np.concatenate(seq), pa.concat_arrays([*self._text, one])
        order = np.lexsort((q, e))
        return e[order], q[order], t.take(pa.array(order))

    def events(self) -> np.ndarray:
        e = np.concatenate([*self._ev, np.array([o[0] for o in self._one], dtype=np.intp)])
        return np.unique(e)

    def extend_from(self, other: _Notes, events: np.ndarray, prefix: str) -> None:
        """``other``'s notes of ``events``, each prefixed, after this one's notes so far."""
        e, q, t = other.table()
        keep = np.flatnonzero(np.isin(e, events))
        e, q, t = e[keep], q[keep], t.take(pa.array(keep))
        if len(e):
            rank = np.unique(q, return_inverse=True)[1]
            self.add_many(e, _cat(prefix, t), seq=rank)

    def joined(self) -> tuple[np.ndarray, pa.Array]:
        """Events with notes and their notes joined with '; '."""
        e, _, t = self.table()
        if not len(e):
            return np.zeros(0, dtype=np.intp), pa.array([], pa.large_string())
        starts = np.flatnonzero(np.r_[True, e[1:] != e[:-1]])
        offsets = np.r_[starts, len(e)].astype(np.int32)
        lists = pa.ListArray.from_arrays(pa.array(offsets), t)
        return e[starts], pc.binary_join(lists, pa.scalar("; ", pa.large_string()))


class _Metric:
    """Event points in METRIC_CRS, transformed only for the events that need a distance
    (each at most once), with the transformation geopandas' ``to_crs`` uses."""

    def __init__(self, pts: np.ndarray, crs: object, xy: tuple[np.ndarray, ...] | None) -> None:
        self.pts, self.crs, self.xy = pts, crs, xy  # xy: the points' coordinates, if read
        self.done = np.zeros(len(pts), dtype=bool)
        self.points = np.empty(len(pts), dtype=object)
        self.mx = np.full(len(pts), np.nan)
        self.my = np.full(len(pts), np.nan)

    def __getitem__(self, idx: np.ndarray | int) -> np.ndarray:
        if isinstance(idx, int | np.integer):
            return self[np.array([int(idx)])][0]
        idx = np.asarray(idx, dtype=np.intp)
        need = np.unique(idx[~self.done[idx]])
        if len(need):
            xy = None if self.xy is None else (self.xy[0][need], self.xy[1][need])
            self.points[need], self.mx[need], self.my[need] = _to_metric(
                self.pts[need], self.crs, xy
            )
            self.done[need] = True
        return self.points[idx]

    def coords(self, idx: np.ndarray) -> np.ndarray:
        """The (n, 2) METRIC_CRS coordinates of the points ``idx`` (transformed already)."""
        return np.column_stack([self.mx[idx], self.my[idx]])


def _to_metric(
    pts: np.ndarray, crs: object, xy: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points in METRIC_CRS and their x and y: the same numbers as ``GeoSeries.to_crs``
    (which transforms the coordinates with an ``always_xy`` pyproj transformer), without
    building a GeoSeries. ``xy``: the points' coordinates when already read."""
    if shapely.has_z(pts).any():
        out = gpd.GeoSeries(pts, crs=crs).to_crs(METRIC_CRS).to_numpy()
        return out, shapely.get_x(out), shapely.get_y(out)
    if xy is None:
        coords = shapely.get_coordinates(pts)
        xy = coords[:, 0], coords[:, 1]
    x, y = _to_metric_transformer(crs).transform(xy[0], xy[1])
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    return shapely.points(x, y), x, y


@functools.lru_cache(maxsize=8)
def _to_metric_transformer(crs: object) -> Transformer:
    """The ``always_xy`` transformer to METRIC_CRS (building one costs ~20 ms)."""
    return Transformer.from_crs(crs, METRIC_CRS, always_xy=True)


class _Points:
    """Event coordinates (admin CRS) sorted by x once, shared by every polygon test."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y = x, y
        self.order = np.argsort(x, kind="stable")
        self.xs = x[self.order]

    def subset(self, idx: np.ndarray) -> _Points:
        return _Points(self.x[idx], self.y[idx])


def _xy_pairs(
    pts: _Points,
    geoms: np.ndarray,
    *,
    inside_only: bool = True,
    codes: np.ndarray | None = None,
    unit_codes: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(event, unit) pairs where the point lies inside the unit (``inside_only``: not on its
    edge; otherwise inside or on its edge); with ``codes``, of the event's own group only.

    Each polygon takes the points in its x-range (binary search on the sorted x),
    keeps those in its y-range (and group), and tests them with
    ``shapely.contains_xy`` (or ``intersects_xy``) on the prepared polygon.
    """
    x, y, order, xs = pts.x, pts.y, pts.order, pts.xs
    bounds = shapely.bounds(geoms)
    test = shapely.contains_xy if inside_only else shapely.intersects_xy
    evs, uns = [], []
    for u in range(len(geoms)):
        if unit_codes is not None and unit_codes[u] < 0:
            continue
        x0, y0, x1, y1 = bounds[u]
        lo, hi = np.searchsorted(xs, x0, "left"), np.searchsorted(xs, x1, "right")
        if lo == hi:
            continue
        cand = order[lo:hi]
        keep = (y[cand] >= y0) & (y[cand] <= y1)
        if codes is not None and unit_codes is not None:
            keep &= codes[cand] == unit_codes[u]
        cand = cand[keep]
        if len(cand) == 0:
            continue
        shapely.prepare(geoms[u])
        hit = cand[test(geoms[u], x[cand], y[cand])]
        evs.append(hit)
        uns.append(np.full(len(hit), u, dtype=np.intp))
    if not evs:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    return np.concatenate(evs).astype(np.intp), np.concatenate(uns)


def _group_codes(groups: np.ndarray, units: _Units) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of the events' groups and of the units' groups (-1: no match)."""
    codes, uniques = pd.factorize(pd.Series(groups, dtype=object), use_na_sentinel=True)
    lookup = {g: k for k, g in enumerate(uniques)}
    unit_codes = np.array([lookup.get(g, -1) for g in units.group], dtype=np.int64)
    return np.asarray(codes, dtype=np.int64), unit_codes


def _candidate_pairs(
    pts: np.ndarray,
    groups: np.ndarray,
    has_group: np.ndarray,
    units: _Units,
    engine: Engine,
    xy: _Points | None = None,
    settled: np.ndarray | None = None,
) -> pd.DataFrame:
    """Every (event, unit) pair where the point intersects a unit of its own group.

    Both engines give the same rules' answers: with ``contains`` the pairs of a
    point inside some unit are its interior pairs only (an edge it also touches
    changes nothing: an interior unit always wins), and a point inside none
    gets its edge pairs from ``shapely.intersects_xy`` on the few points left.
    ``settled`` (``contains`` only) is what the cell grid says of each point's cell for
    this level: the only unit of the event's country that touches it (the point lies
    inside it), NONE (no unit touches it) or TEST (test the point).
    """
    geoms = units.geom.to_numpy()
    if engine == "sindex":
        ev, un = units.geom.sindex.query(pts, predicate="intersects")
        keep = has_group[ev] & (groups[ev] == units.group[un])
        ev, un = ev[keep], un[keep]
        interior = shapely.within(pts[ev], geoms[un])
    else:
        codes, unit_codes = _group_codes(groups, units)
        if xy is None:
            xy = _Points(shapely.get_x(pts), shapely.get_y(pts))
        ev_k = np.zeros(0, dtype=np.intp)
        test = np.flatnonzero(has_group)
        if settled is not None:  # a unit of another group settles that none of this one's is
            known = has_group & (settled >= 0)
            known[known] = unit_codes[settled[known]] == codes[known]
            ev_k = np.flatnonzero(known)
            test = np.flatnonzero(has_group & (settled == _join_cells.TEST))
        sub = xy.subset(test)
        e_t, un_t = _xy_pairs(sub, geoms, codes=codes[test], unit_codes=unit_codes)
        inside = np.zeros(len(test), dtype=bool)
        inside[e_t] = True
        rest = np.flatnonzero(~inside)
        e_b, un_b = _xy_pairs(
            sub.subset(rest),
            geoms,
            inside_only=False,
            codes=codes[test[rest]],
            unit_codes=unit_codes,
        )
        ev_b = test[rest[e_b]]
        ev = np.concatenate([ev_k, test[e_t], ev_b])
        un = np.concatenate([settled[ev_k] if settled is not None else ev_k, un_t, un_b])
        interior = np.zeros(len(ev), dtype=bool)
        interior[: len(ev_k) + len(e_t)] = True
    return pd.DataFrame({"ev": ev, "un": un, "interior": interior, "rank": units.rank[un]})


class _NearestSegments:
    """Nearest boundary segments of some units, exactly as ``STRtree.query_nearest(...,
    all_matches=True, return_distance=True)`` over the segments finds them.

    The nearest segment endpoint (a k-d tree, fast) bounds the distance to the nearest
    segment from above; only segments whose box lies within that bound (slightly widened,
    so rounding cannot drop one) are measured, with GEOS's point-segment distance, the
    measure ``query_nearest`` uses; every segment at the least distance is returned.
    """

    def __init__(self, cand: np.ndarray, segs: np.ndarray, seg_unit: np.ndarray) -> None:
        from scipy.spatial import cKDTree

        self.cand, self.segs, self.seg_unit = cand, segs, seg_unit
        self.tree = shapely.STRtree(segs)
        ends = shapely.get_coordinates(segs)
        self.kd = cKDTree(ends) if len(ends) else None
        #: beyond this bound (metres) the box search is left to ``query_nearest``
        self.reach = 20 * float(np.median(shapely.length(segs))) if len(segs) else 0.0

    def __call__(
        self, pm: np.ndarray, xy: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(point, unit, distance) for each point's nearest segments (ties: all of them)."""
        if self.kd is None or not len(pm):
            empty = np.zeros(0, dtype=np.intp)
            return empty, empty, np.zeros(0)
        xy = shapely.get_coordinates(pm) if xy is None else xy
        bound, _ = self.kd.query(xy)
        bound = bound * (1 + 1e-9) + 1e-6  # metres: far above the rounding of the box
        near = np.flatnonzero(bound <= self.reach)
        far = np.flatnonzero(bound > self.reach)
        # far from every boundary, a box holds many segments: GEOS's own search is faster
        (f_pt, f_seg), f_dist = self.tree.query_nearest(
            pm[far], return_distance=True, all_matches=True
        )
        x, y, b = xy[near, 0], xy[near, 1], bound[near]
        q_pt, q_seg = self.tree.query(shapely.box(x - b, y - b, x + b, y + b))
        dist = shapely.distance(pm[near[q_pt]], self.segs[q_seg])
        least = np.full(len(near), np.inf)
        np.minimum.at(least, q_pt, dist)
        keep = dist == least[q_pt]
        pt = np.concatenate([near[q_pt[keep]], far[f_pt]])
        seg = np.concatenate([q_seg[keep], f_seg])
        return pt, self.seg_unit[seg], np.concatenate([dist[keep], f_dist])


def _boundary_segments(metric: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every unit's boundary (all rings) as two-point segments in METRIC_CRS, and their unit.

    The distance from a point outside a polygon to it is the least distance to
    one of these segments (GEOS measures point-polygon distance segment by
    segment), so a tree of segments finds the same nearest unit and distance
    as a tree of polygons, without measuring every polygon vertex by vertex.
    """
    lines, unit_of_line = shapely.get_parts(shapely.boundary(metric), return_index=True)
    coords, line = shapely.get_coordinates(lines, return_index=True)
    same = (line[:-1] == line[1:]) & np.any(coords[:-1] != coords[1:], axis=1)
    start = np.flatnonzero(same)
    segs = shapely.linestrings(np.stack([coords[start], coords[start + 1]], axis=1))
    return segs, np.asarray(unit_of_line[line[start]], dtype=np.intp)


def _match(
    pts: np.ndarray,
    pts_m: _Metric,
    groups: np.ndarray,
    group_labels: np.ndarray,
    units: _Units,
    tolerance_m: float,
    engine: Engine = "contains",
    xy: _Points | None = None,
    settled: np.ndarray | None = None,
) -> _Match:
    """Rules (a)-(c) for one level; ``groups[i]`` is the key event ``i`` must share."""
    n = len(pts)
    unit = np.full(n, -1, dtype=np.intp)
    method = np.full(n, UNMATCHED, dtype=np.int8)
    distance = np.full(n, np.nan)
    notes = _Notes()
    has_group = np.asarray(pd.notna(groups), dtype=bool)

    # (a)/(b): polygons containing the point (interior or edge), own group only
    pairs = _candidate_pairs(pts, groups, has_group, units, engine, xy, settled)
    size = np.bincount(pairs["ev"].to_numpy(), minlength=n)
    single = size[pairs["ev"].to_numpy()] == 1
    one = pairs[single]  # the usual case: in exactly one unit, nothing to decide
    unit[one["ev"]] = one["un"]
    distance[one["ev"]] = 0.0
    method[one["ev"]] = WITHIN
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
    method[first["ev"]] = np.where(first["n_interior"] >= 2, OVERLAP, WITHIN)

    several = pairs[pairs.groupby("ev")["ev"].transform("size") > 1]
    for i, grp in several.groupby("ev", sort=False):
        chosen = units.name[unit[i]]
        if grp["n_interior"].iloc[0] >= 2:
            inner = grp[grp["interior"]]
            others = ", ".join(units.name[u] for u in inner["un"].iloc[1:])
            notes.add(
                i,
                f"inside {len(inner)} overlapping {units.kind}s; chose {chosen}, where the point "
                f"lies deepest ({_m(inner['depth'].iloc[0])} from its edge), over {others}",
            )
        elif grp["n_interior"].iloc[0] == 0:
            names = " and ".join(units.name[u] for u in grp["un"])
            notes.add(
                i,
                f"on the boundary between {units.kind}s {names}; assigned to {chosen} "
                "(ties go to the first by name)",
            )

    # (c): nearest unit of the event's group, for points inside none
    nearest = unit.copy()
    todo = np.flatnonzero((unit < 0) & has_group)
    for g in pd.unique(groups[todo]):
        evs = todo[groups[todo] == g]
        cand = np.flatnonzero(units.group == g)
        if len(cand) == 0:
            for i in evs:
                notes.add(i, f"no {units.kind}s for {group_labels[i]} in the boundary data")
            continue
        if engine == "sindex":
            (i_in, i_tree), dist = shapely.STRtree(units.metric[cand]).query_nearest(
                pts_m[evs], return_distance=True, all_matches=True
            )
            near_unit = cand[i_tree]
        else:  # the same answer from a tree of the boundary segments of the group's units
            nearest_of = units.nearest_segments(g, cand)
            pm = pts_m[evs]
            pm_xy = pts_m.coords(evs)
            i_in, near_unit, dist = nearest_of(pm, pm_xy)
            # GEOS gives distance 0 to a polygon the projected point lies in or on (a point
            # just outside in the admin CRS can be inside once projected): those units win
            z_i, z_u = _xy_pairs(
                _Points(pm_xy[:, 0], pm_xy[:, 1]), units.metric[cand], inside_only=False
            )
            if len(z_i):
                on = np.zeros(len(evs), dtype=bool)
                on[z_i] = True
                keep = ~on[i_in]
                i_in = np.concatenate([i_in[keep], z_i])
                near_unit = np.concatenate([near_unit[keep], cand[z_u]])
                dist = np.concatenate([dist[keep], np.zeros(len(z_i))])
        # per event the least distance, ties to the first unit by name, then id
        order = np.lexsort((units.rank[near_unit], dist, i_in))
        i_s = i_in[order]
        first = order[np.r_[True, i_s[1:] != i_s[:-1]]] if len(order) else order
        nearest[evs[i_in[first]]] = near_unit[first]
        distance[evs[i_in[first]]] = dist[first]
    found = todo[nearest[todo] >= 0]
    if len(found):
        near_names = np.asarray(units.name, dtype=object)[nearest[found]]
        where = _cat("nearest is ", near_names, ", ", _m_many(distance[found]), " away")
        close = distance[found] <= tolerance_m
        unit[found[close]], method[found[close]] = nearest[found[close]], NEAREST
        labels = pa.array(group_labels[found], pa.large_string())
        head = pc.if_else(
            pa.array(close),
            _cat(f"inside no {units.kind} of ", labels, "; "),
            _cat(f"no {units.kind} of ", labels, f" within {_m(tolerance_m)}; "),
        )
        notes.add_many(found, _cat(head, where))
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


def _expected(events: gpd.GeoDataFrame, at: np.ndarray | None) -> np.ndarray:
    """The gazetteer's region of the events at ``at`` (all when ``None``), ``None`` if blank."""
    n = len(events) if at is None else len(at)
    if "expected_region" not in events.columns:
        return np.full(n, None, dtype=object)
    column = events["expected_region"]
    column = column if at is None else column.iloc[at]
    out = np.full(n, None, dtype=object)
    given = np.flatnonzero(column.notna().to_numpy())  # only those are read as text
    out[given] = _texts(column.iloc[given], None, strip=True)
    return out


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
        ``contains`` (default): a cell grid of the units (built once per ``admin``)
        settles the points away from every boundary, ``shapely.contains_xy`` per
        polygon after a bounding-box prefilter tests the rest; ``sindex``: geopandas'
        spatial index for every event. Same results; ``contains`` is the fast one at
        a million events.

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
    out = events.copy(deep=False)  # copy-on-write: the new columns never reach events
    if n == 0:
        for col in JOIN_COLUMNS:
            dtype = "float64" if col == "join_distance_m" else object
            out[col] = pd.Series([], index=out.index, dtype=dtype)
        return out

    regions, districts = _units(admin)
    if engine == "contains":
        with _collector_paused():
            unit, method, distance, dunit, note_texts, note_at = _join_contains(
                events, admin, regions, districts, tolerance_m, label_column
            )
    else:
        unit, method, distance, dunit, note_texts, note_at = _rules(
            _Input(events, None, label_column), regions, districts, tolerance_m, engine
        )
    new = {
        "region": _text_at(regions.name, unit, np.nan),
        "region_id": _text_at(regions.uid, unit, np.nan),
        "district": _text_at(districts.name, dunit, np.nan),
        "district_id": _text_at(districts.uid, dunit, np.nan),
        "join_method": _text_at(np.array(JOIN_METHODS, dtype=object), method, np.nan),
        "join_distance_m": distance.astype("float64"),
        "admin_note": _text_at(note_texts, note_at, ""),
    }
    for col, values in new.items():
        out[col] = pd.Series(values, index=out.index)
    _assert_same_rows(out, events)
    return out


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused (and restored) while the join runs.

    The join makes a few hundred thousand short-lived objects (the points in metres, the
    search boxes). Each burst of new objects can start a full collection, which walks every
    object the process holds, about 0.1 s with a million event geometries in memory; the
    join creates no reference cycles, so nothing is left for the collector afterwards.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


#: Each thread's :func:`_units`, by admin units (a thread's own: see there).
_UNITS = threading.local()


def _units(admin: AdminUnits) -> tuple[_Units, _Units]:
    """Regions and districts as arrays, built once per ``admin`` (and per frame in it) and
    per thread. Each thread tests points against its own copies of the polygons
    (:func:`_own`): a polygon is prepared in place on first use, and GEOS's prepared
    geometries are not thread-safe (libgeos/geos#825). Two threads preparing the same
    polygons, as dask's threads joining two partitions at once against the same admin
    units did, could crash the process."""
    cache: weakref.WeakKeyDictionary[AdminUnits, tuple[object, object, _Units, _Units]]
    if not hasattr(_UNITS, "cache"):
        _UNITS.cache = weakref.WeakKeyDictionary()
    cache = _UNITS.cache
    hit = cache.get(admin)
    if hit is not None and hit[0] is admin.regions and hit[1] is admin.districts:
        return hit[2], hit[3]
    regions = _Units.of("region", admin.regions, admin.regions_metric, "country")
    districts = _Units.of("district", admin.districts, admin.districts_metric, "region_id")
    region_pos = {uid: k for k, uid in enumerate(regions.uid)}
    districts.parent = np.array([region_pos.get(g, -1) for g in districts.group], dtype=np.intp)
    # a district whose id is its region's (Azerbaijan: the district is the region)
    districts.is_region = (districts.parent >= 0) & (
        regions.uid[districts.parent.clip(0)] == districts.uid
    )
    cache[admin] = (admin.regions, admin.districts, regions, districts)
    return regions, districts


def _own(geoms: np.ndarray) -> np.ndarray:
    """New geometry objects with the same coordinates, bit for bit (through WKB; about
    1 ms for all the units of both countries)."""
    return shapely.from_wkb(shapely.to_wkb(geoms))


class _Input:
    """The columns the rules read, for the events at positions ``at`` (``None``: all)."""

    def __init__(
        self,
        events: gpd.GeoDataFrame,
        at: np.ndarray | None,
        label_column: str | None,
        *,
        xy: tuple[np.ndarray, np.ndarray] | None = None,
        cells: tuple[_join_cells.Cells, np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self.events, self.at, self.label_column = events, at, label_column
        self.n = len(events) if at is None else len(at)
        pts = events.geometry.to_numpy()
        self.pts = pts if at is None else pts[at]
        self.xy = xy  # the points' coordinates, when already read
        self.cells = None if cells is None else cells[0]  # the cell grid of the units
        self.flat = None if cells is None else cells[1]  # and each point's cell in it
        self.code = None if cells is None else cells[2]  # each event's country code
        self.crs = events.crs
        self.countries = _objects(events["country"], at)
        self.expected = _expected(events, at)
        precision = (
            events["where_prec"].to_numpy()
            if "where_prec" in events
            else np.zeros(len(events), dtype=int)
        )
        self.precision = precision if at is None else precision[at]

    def labels(self, idx: np.ndarray) -> np.ndarray:
        """The place labels of the events at positions ``idx`` (of this input)."""
        rows = idx if self.at is None else self.at[idx]
        column = self.label_column
        if column is None or column not in self.events.columns:
            return np.full(len(idx), "the event", dtype=object)
        return _texts(self.events[column].iloc[rows], "the event", strip=False)


def _objects(values: pd.Series, at: np.ndarray | None) -> np.ndarray:
    """The values at ``at`` (all when ``None``) as objects."""
    return (values if at is None else values.iloc[at]).to_numpy(dtype=object)


def _join_contains(
    events: gpd.GeoDataFrame,
    admin: AdminUnits,
    regions: _Units,
    districts: _Units,
    tolerance_m: float,
    label_column: str | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, pa.Array, np.ndarray]:
    """The ``contains`` engine: the cell grid settles the points that lie, away from every
    boundary, inside exactly one region of their country and one district of that region
    (rule (a), distance 0; a region-only precision withholds the district, with its note),
    and the area-only events whose point lies so inside one region (rule (e), with its
    note); the rules run on the rest only."""
    n = len(events)
    pts = events.geometry.to_numpy()
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    cells = _join_cells.cells_for(
        admin, admin.regions, admin.districts, lambda: _build_cells(regions, districts)
    )
    flat = cells.cells(x, y)
    code = _country_codes(events["country"])
    r, d = cells.lookup(code, flat)
    easy = (r >= 0) & (d >= 0)
    easy[easy] = districts.parent[d[easy]] == r[easy]
    # a region-only precision withholds a district that is not the region itself (with a
    # note); an area-only one withholds the region (rule (e), with its note, whatever the
    # district); a gazetteer region that differs (rule (d)) is left to the rules
    precision = events["where_prec"].to_numpy() if "where_prec" in events else None
    withheld = np.zeros(n, dtype=bool)
    area = np.zeros(n, dtype=bool)
    if precision is not None:
        is_area = precision >= AREA_ONLY_WHERE_PREC
        easy &= ~is_area
        withheld = easy & (precision >= REGION_ONLY_WHERE_PREC) & ~districts.is_region[d]
        if precision.dtype.kind in "iuf":
            area = (r >= 0) & is_area
        else:  # texts formatted row by row: the rules do it
            easy &= ~withheld
            withheld[:] = False
    if "expected_region" in events:
        exp_at = np.flatnonzero((easy | area) & events["expected_region"].notna().to_numpy())
        if len(exp_at):
            exp = _texts(events["expected_region"].iloc[exp_at], None, strip=True)
            differs = pd.notna(exp) & (exp != regions.name[r[exp_at]])
            easy[exp_at[differs]] = area[exp_at[differs]] = False
    withheld &= easy
    unit = np.where(easy, r, -1)
    dunit = np.where(easy & ~withheld, d, -1)
    method = np.full(n, WITHIN, dtype=np.int8)
    method[area] = AREA
    distance = np.zeros(n)
    note_at = np.full(n, -1, dtype=np.intp)
    texts_so_far = [pa.array([], pa.large_string())]
    if precision is not None:
        w, a = np.flatnonzero(withheld), np.flatnonzero(area)
        for rows, (at, texts) in (
            (w, _coarse_notes(precision[w], d[w], districts)),
            (a, _area_notes(precision[a], r[a], regions)),
        ):
            note_at[rows] = at + sum(len(t) for t in texts_so_far)
            texts_so_far.append(pa.array(texts, pa.large_string()))
    note_texts = pa.concat_arrays(texts_so_far)
    hard = np.flatnonzero(~(easy | area))
    if len(hard):
        h_unit, h_method, h_distance, h_dunit, h_texts, h_at = _rules(
            _Input(
                events,
                hard,
                label_column,
                xy=(x[hard], y[hard]),
                cells=(cells, flat[hard], code[hard]),
            ),
            regions,
            districts,
            tolerance_m,
            "contains",
        )
        unit[hard], method[hard], distance[hard] = h_unit, h_method, h_distance
        dunit[hard] = h_dunit
        said = h_at >= 0
        note_at[hard[said]] = h_at[said] + len(note_texts)
        note_texts = pa.concat_arrays([note_texts, h_texts])
    return unit, method, distance, dunit, note_texts, note_at


def _regions_holding(
    cells: _join_cells.Cells,
    cell_of: np.ndarray | None,
    code: np.ndarray | None,
    xy: _Points,
    events: np.ndarray,
    countries: np.ndarray,
    regions: _Units,
) -> tuple[np.ndarray, np.ndarray]:
    """(event, region) pairs where the point of ``events[k]`` lies inside a region of
    another country than its own, as ``_xy_pairs`` over every region finds them: from the
    cell grid, and by ``contains_xy`` for the points whose cell is not settled."""
    flat = cells.cells(xy.x[events], xy.y[events]) if cell_of is None else cell_of[events]
    own = (
        _country_codes(pd.Series(countries[events], dtype=object)) if code is None else code[events]
    )
    unsure = flat < 0
    at: list[np.ndarray] = []
    hit: list[np.ndarray] = []
    for c in range(len(cells.region)):
        other = (own != c) & (flat >= 0)
        value = cells.region[c, flat.clip(0)]
        unsure |= other & (value == _join_cells.TEST)
        sel = np.flatnonzero(other & (value >= 0))
        at.append(sel)
        hit.append(value[sel].astype(np.intp))
    a, h = np.concatenate(at), np.concatenate(hit)
    keep = ~unsure[a]
    a, h = a[keep], h[keep]
    test = np.flatnonzero(unsure)
    t_at, t_hit = _xy_pairs(xy.subset(events[test]), regions.geom.to_numpy())
    return np.concatenate([a, test[t_at]]), np.concatenate([h, t_hit])


def _country_codes(country: pd.Series) -> np.ndarray:
    """Position of each event's country in KNOWN_COUNTRIES, -1 when missing."""
    code = np.full(len(country), -1, dtype=np.int8)
    for k, c in enumerate(KNOWN_COUNTRIES):
        code[(country == c).fillna(False).to_numpy(dtype=bool)] = k
    return code


def _build_cells(regions: _Units, districts: _Units) -> _join_cells.Cells:
    """The cell grid of the units: regions by their country, districts by their region's."""
    country_code = {c: k for k, c in enumerate(KNOWN_COUNTRIES)}
    r_code = np.array([country_code.get(c, -1) for c in regions.group], dtype=np.intp)
    d_code = np.where(districts.parent >= 0, r_code[districts.parent], -1)
    return _join_cells.build(
        regions.geom.to_numpy(),
        r_code,
        districts.geom.to_numpy(),
        d_code,
        n_codes=len(KNOWN_COUNTRIES),
    )


def _rules(
    inp: _Input, regions: _Units, districts: _Units, tolerance_m: float, engine: Engine
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, pa.Array, np.ndarray]:
    """Rules (a)-(e) and the districts for the events of ``inp``: region, method, distance,
    district, the notes, and each event's position in the notes (-1: none)."""
    n = inp.n
    pts = inp.pts
    pts_m = _Metric(pts, inp.crs, inp.xy)
    countries = inp.countries

    xy = None
    if engine == "contains":
        xy = _Points(*(inp.xy or (shapely.get_x(pts), shapely.get_y(pts))))
    settled_r = settled_d = None
    if inp.cells is not None and inp.flat is not None and inp.code is not None:
        settled_r, settled_d = inp.cells.lookup(inp.code, inp.flat)
    r = _match(pts, pts_m, countries, countries, regions, tolerance_m, engine, xy, settled_r)
    unit, method, distance, notes = r.unit, r.method, r.distance, r.notes

    # A point outside its own country's units but inside another country's: the country
    # code or the coordinates are wrong (a point in Yerevan coded AZE). Kept, and said.
    outside = np.flatnonzero(np.isin(method, [NEAREST, UNMATCHED]) & pd.notna(countries))
    if len(outside):  # one bulk query: a few percent of the events at most
        if xy is None:
            at, hit = regions.geom.sindex.query(pts[outside], predicate="within")
        elif inp.cells is None:
            at, hit = _xy_pairs(xy.subset(outside), regions.geom.to_numpy())
        else:
            at, hit = _regions_holding(
                inp.cells, inp.flat, inp.code, xy, outside, countries, regions
            )
        foreign = np.asarray(regions.group, dtype=object)[hit] != countries[outside[at]]
        ev, hit = outside[at[foreign]], hit[foreign]
        several = np.bincount(ev, minlength=n)[ev] > 1  # in regions of both countries: rare
        k, i1 = hit[~several], ev[~several]
        group = np.asarray(regions.group, dtype=object)
        name = np.asarray(regions.name, dtype=object)
        notes.add_many(
            i1,
            _cat("country mismatch: the point lies in ", group[k], " (", name[k], "), but "
                 "'country' is ", countries[i1], "; check the country or the coordinates"),
        )  # fmt: skip
        found: dict[int, list[int]] = {}
        for i, k2 in zip(ev[several].tolist(), hit[several].tolist(), strict=True):
            found.setdefault(i, []).append(int(k2))
        for i, hits in found.items():
            other = sorted({str(regions.group[k]) for k in hits})
            inside = ", ".join(sorted(str(regions.name[k]) for k in hits))
            notes.add(
                i,
                f"country mismatch: the point lies in {' and '.join(other)} ({inside}), but "
                f"'country' is {countries[i]}; check the country or the coordinates",
            )

    # (d) the gazetteer's region
    lookup = {
        (c, nm): pos for pos, (c, nm) in enumerate(zip(regions.group, regions.name, strict=True))
    }
    expected = inp.expected
    # an event without a country is compared with no unit, so the gazetteer's region neither
    gazetteer = np.flatnonzero(pd.notna(expected) & pd.notna(countries))
    labels = dict(zip(gazetteer.tolist(), inp.labels(gazetteer), strict=True))
    for i in gazetteer.tolist():
        exp, spatial = expected[i], unit[i]
        if spatial >= 0 and regions.name[spatial] == exp:
            continue
        pos = lookup.get((countries[i], exp))
        head = f"gazetteer places {labels[i]} in {exp}"
        if spatial < 0:
            now = f"in no {regions.kind} within {_m(tolerance_m)}"
        elif method[i] in (WITHIN, OVERLAP):
            now = f"inside {regions.name[spatial]}"
        else:
            now = f"{_m(distance[i])} from {regions.name[spatial]}, the nearest {regions.kind}"
        if pos is None:
            notes.add(
                i,
                f"{head}, which is not a {regions.kind} of {countries[i]} in the boundary data; "
                "kept the spatial result",
            )
            continue
        gap = float(shapely.distance(pts_m[i], regions.metric[pos]))
        if gap <= tolerance_m:
            where = "on that polygon's edge" if gap == 0 else f"{_m(gap)} outside that polygon"
            notes.add(i, f"{head}; the point is {where} (coarse boundary) and {now}")
            unit[i], method[i], distance[i] = pos, GAZETTEER, gap
        else:
            notes.add(
                i,
                f"{head}, but the point is {_m(gap)} outside that polygon (beyond the "
                f"{_m(tolerance_m)} tolerance) and {now}; kept the spatial result",
            )

    # (e) an area that is no admin unit: the point is a placeholder, so no region is given
    precision = inp.precision
    area = np.flatnonzero(precision >= AREA_ONLY_WHERE_PREC)
    at, texts = _area_notes(precision[area], unit[area], regions)
    notes.add_many(area, texts[at])
    unit[area], method[area] = -1, AREA

    # districts: among the districts of the chosen region
    has_region = unit >= 0
    region_ids = _pick(regions.uid, unit, None)
    region_names = _pick(regions.name, unit, "")
    # A region whose only district has the very same polygon (every Azerbaijani one): a point
    # in or on that region is in or on its district, and nothing else is in the district's
    # group, so rules (a)-(c) give that district at distance 0 without testing it again.
    sole = _sole_districts(regions, districts) if engine == "contains" else None
    skip = np.zeros(n, dtype=bool)
    if sole is not None:
        inside_r = has_region & np.isin(method, (WITHIN, OVERLAP))
        near_r = has_region & (method == NEAREST)  # outside that district too, as far away
        skip = inside_r | near_r
        skip[skip] = sole[unit[skip]] >= 0
        region_ids[skip] = None
    dm = _match(pts, pts_m, region_ids, region_names, districts, tolerance_m, engine, xy, settled_d)
    if sole is not None and skip.any():
        dm.unit[skip] = dm.nearest[skip] = sole[unit[skip]]
        dm.method[skip & inside_r], dm.distance[skip & inside_r] = WITHIN, 0.0
        near_s = np.flatnonzero(skip & near_r)
        dm.method[near_s], dm.distance[near_s] = NEAREST, distance[near_s]
        dm.notes.add_many(
            near_s,
            _cat("inside no district of ", region_names[near_s], "; nearest is ",
                 np.asarray(districts.name, dtype=object)[dm.unit[near_s]], ", ",
                 _m_many(distance[near_s]), " away"),
        )  # fmt: skip
        region_ids[skip] = regions.uid[unit[skip]]
    dm.unit[~has_region] = -1
    same = has_region & (dm.unit >= 0) & (_pick(districts.uid, dm.unit, None) == region_ids)
    coarse = has_region & ~same & (precision >= REGION_ONLY_WHERE_PREC)
    sel = np.flatnonzero(coarse)
    at, texts = _coarse_notes(precision[sel], dm.unit[sel], districts)
    notes.add_many(sel, texts[at])
    dm.unit[coarse] = -1
    far = np.isin(dm.method, (NEAREST, UNMATCHED))
    has_notes = np.zeros(n, dtype=bool)
    has_notes[dm.notes.events()] = True
    todo = np.flatnonzero(has_region & ~same & ~coarse & (has_notes | far))
    far_todo = todo[far[todo]]
    if xy is None:  # the districts each far point lies in or on
        q_ev, q_un = districts.geom.sindex.query(pts[far_todo], predicate="intersects")
    else:
        geoms = districts.geom.to_numpy()
        q_ev, q_un = _xy_pairs(xy.subset(far_todo), geoms, inside_only=False)
    notes.extend_from(dm.notes, todo, "district: ")
    # the first of them by name that belongs to another region of the event's country
    e, h = far_todo[q_ev], q_un
    parent = districts.parent[h]
    group = np.asarray(regions.group, dtype=object)
    ok = (parent >= 0) & (group[parent.clip(0)] == group[unit[e]]) & (parent != unit[e])
    e, h, parent = e[ok], h[ok], parent[ok]
    order = np.lexsort((districts.rank[h], e))
    first = order[np.r_[True, e[order][1:] != e[order][:-1]]] if len(order) else order
    notes.add_many(
        e[first],
        _cat(
            "district: the point lies in ",
            np.asarray(districts.name, dtype=object)[h[first]],
            ", a district of ",
            np.asarray(regions.name, dtype=object)[parent[first]],
        ),
    )

    noted, note_texts = notes.joined()
    note_at = np.full(n, -1, dtype=np.intp)
    note_at[noted] = np.arange(len(noted))
    return unit, method, distance, dm.unit, note_texts, note_at


#: pandas' default text dtype (pandas 3: Arrow-backed ``str``), as inferred from Python strings.
_STR_DTYPE = pd.Series(["a"]).dtype


def _text_at(values: np.ndarray | pa.Array, pos: np.ndarray, missing: object) -> object:
    """``values[pos]`` as a text column, ``missing`` (NaN or '') where ``pos`` is -1.

    Built with an Arrow take (no Python string per row) when pandas' text dtype is
    Arrow-backed; the same values and dtype as ``pd.Series`` of the objects.
    """
    ok = pos >= 0
    if not (ok.any() or isinstance(missing, str)) or not isinstance(_STR_DTYPE, pd.StringDtype):
        if isinstance(values, pa.Array):
            values = np.array(values.to_pylist(), dtype=object)
        return _pick(values, pos, missing)
    if not isinstance(values, pa.Array):
        values = pa.array(list(values), pa.large_string())
    names = values.cast(pa.large_string())
    if isinstance(missing, str):
        names = pa.concat_arrays([names, pa.array([missing], pa.large_string())])
        idx = pa.array(np.where(ok, pos, len(values)).astype(np.int32))
    else:
        idx = pa.array(pos.astype(np.int32), mask=~ok)
    arr = names.take(idx)
    return arr.to_pandas(types_mapper={pa.large_string(): _STR_DTYPE}.get).array


def _by_key(
    precision: np.ndarray, pos: np.ndarray, make: Callable[[object, int], str]
) -> tuple[np.ndarray, np.ndarray]:
    """``make(precision[i], pos[i])`` for each row as (positions, distinct texts): each
    distinct pair is formatted once (the values keep their dtype, so the same text)."""
    if precision.dtype.kind not in "iuf":  # objects: row by row
        rows = [make(p, int(k)) for p, k in zip(precision, pos, strict=True)]
        return np.arange(len(rows)), np.array(rows, dtype=object)
    values, p_code = np.unique(precision, return_inverse=True)
    width = int(pos.max(initial=-1)) + 2
    keys, at = np.unique(p_code.ravel() * width + (pos + 1), return_inverse=True)
    made = [make(values[k // width], int(k % width) - 1) for k in keys.tolist()]
    return at.ravel(), np.array(made, dtype=object)


def _area_notes(
    precision: np.ndarray, unit: np.ndarray, regions: _Units
) -> tuple[np.ndarray, np.ndarray]:
    """Rule (e)'s note for each event (``unit``: where its point falls, -1 nowhere)."""

    def make(p: object, k: int) -> str:
        inside = f"; the point falls in {regions.name[k]}" if k >= 0 else ""
        return (
            f"region: not assigned, the sources locate this event only to an area that is not "
            f"one {regions.kind} (where_prec {p}){inside}"
        )

    return _by_key(precision, unit, make)


def _coarse_notes(
    precision: np.ndarray, dunit: np.ndarray, districts: _Units
) -> tuple[np.ndarray, np.ndarray]:
    """The note of an event whose district is withheld (``dunit``: where its point falls)."""

    def make(p: object, k: int) -> str:
        inside = f"; the point falls in {districts.name[k]}" if k >= 0 else ""
        return (
            f"district: not assigned, the sources locate this event only to its region "
            f"(where_prec {p}){inside}"
        )

    return _by_key(precision, dunit, make)


def _sole_districts(regions: _Units, districts: _Units) -> np.ndarray:
    """Per region, its only district when that district's polygon is the region's own
    (identical coordinates), else -1."""
    out = np.full(len(regions.uid), -1, dtype=np.intp)
    count = pd.Series(districts.group).value_counts()
    pos = {uid: k for k, uid in enumerate(regions.uid)}
    rgeoms, dgeoms = regions.geom.to_numpy(), districts.geom.to_numpy()
    for d, uid in enumerate(districts.group):
        r = pos.get(uid)
        if (
            r is not None
            and count[uid] == 1
            and shapely.to_wkb(dgeoms[d]) == shapely.to_wkb(rgeoms[r])
        ):
            out[r] = d
    return out


def _pick(values: np.ndarray, pos: np.ndarray, missing: object) -> np.ndarray:
    """``values[pos]`` as objects, ``missing`` where ``pos`` is -1."""
    out = np.full(len(pos), missing, dtype=object)
    ok = pos >= 0
    out[ok] = np.asarray(values, dtype=object)[pos[ok]]
    return out


def unit_at(admin: AdminUnits, lat: float, lon: float, *, level: str = "region") -> str | None:
    """Name of the region (or district) containing a point (WGS84), or ``None``."""
    units = admin.districts if level == "district" else admin.regions
    units = units.to_crs("EPSG:4326")
    hits = units[units.contains(shapely.Point(float(lon), float(lat)))]
    if hits.empty:
        return None
    return str(hits.iloc[0]["district" if level == "district" else "region"])
