"""A grid over the admin units that settles most join points without a polygon test.

For each country, the cells of a regular grid (in the units' CRS) that no boundary
segment of that country's regions or districts touches are, by construction, wholly
inside or wholly outside each of those units: a closed cell without a boundary point
cannot cross one. Edge-adjacent such cells form boundary-free connected sets, so one
``shapely.contains_xy`` test of one cell centre per connected set (``scipy.ndimage.label``)
tells which units hold the whole set. A point in such a cell lies in the interior of those
units (never on an edge) and in no other unit of its country. Every comparison is exact:
a segment marks each cell whose closed box its bounding box touches (cell edges found by
binary search on the very floats of the edges), and a point is placed in a cell only after
checking ``edge[i] <= x <= edge[i + 1]`` on those floats; anything else gets ``-1`` (test
it). Built once per :class:`~geo.boundaries.AdminUnits` object and cached.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely

#: Cells along the longer side of the units' extent. For geoBoundaries' Armenia and
#: Azerbaijan (7.5° by 3.6°, EPSG:4326) a cell is 0.0025° (about 210 m by 280 m); finer
#: cells settle more points near boundaries but cost memory and build time (two int16
#: tables of 4.3 M cells per country, 35 MB, built in about 0.4 s of CPU time).
CELLS_LONG_SIDE = 3000


#: A cell that must be tested (a boundary touches it, or several units hold it).
TEST = -1
#: A cell that no unit of the country holds.
NONE = -2


@dataclass(frozen=True)
class Cells:
    """Per country code: the region and the district position of every cell (-1: test)."""

    x_edges: np.ndarray
    y_edges: np.ndarray
    #: (country code, flat cell nx * ny): the position of the only unit of that country
    #: holding the cell, TEST when the cell must be tested, NONE when no unit holds it
    region: np.ndarray
    district: np.ndarray

    def cells(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The flat cell of each point, -1 outside the grid (or not a number)."""
        xe, ye = self.x_edges, self.y_edges
        i, j = _cell(xe, x), _cell(ye, y)
        ok = (xe[i] <= x) & (x <= xe[i + 1]) & (ye[j] <= y) & (y <= ye[j + 1])
        return np.where(ok, i * (len(ye) - 1) + j, -1)

    def lookup(self, code: np.ndarray, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Region and district of each point's cell (``flat``, from :meth:`cells`) for its
        country (``code``, -1: none); TEST for points outside the grid or of no country."""
        ok = (code >= 0) & (code < len(self.region)) & (flat >= 0)
        c, f = np.where(ok, code, 0), flat.clip(0)
        region = np.where(ok, self.region[c, f], TEST)
        district = np.where(ok, self.district[c, f], TEST)
        return region, district


def _cell(edges: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The cell of each value by arithmetic (checked by the caller against the edges)."""
    n = len(edges) - 1
    scale = n / (edges[-1] - edges[0])
    with np.errstate(invalid="ignore"):
        raw = (v - edges[0]) * scale
        raw = np.where(raw >= 0, raw, 0.0)  # NaN too
    i = np.minimum(raw, n - 1).astype(np.intp)
    i -= (v < edges[i]) & (i > 0)
    i += (v > edges[i + 1]) & (i < n - 1)
    return i


def _marked(geoms: np.ndarray, xe: np.ndarray, ye: np.ndarray) -> np.ndarray:
    """Cells (nx, ny) whose closed box the bounding box of some boundary segment touches."""
    nx, ny = len(xe) - 1, len(ye) - 1
    lines = shapely.get_parts(shapely.boundary(geoms))
    coords, line = shapely.get_coordinates(lines, return_index=True)
    same = line[:-1] == line[1:]
    p, q = coords[:-1][same], coords[1:][same]
    lo, hi = np.minimum(p, q), np.maximum(p, q)
    # cell i touches [a, b] iff edge[i] <= b and edge[i + 1] >= a
    i0 = np.searchsorted(xe, lo[:, 0], "left") - 1
    i1 = np.searchsorted(xe, hi[:, 0], "right") - 1
    j0 = np.searchsorted(ye, lo[:, 1], "left") - 1
    j1 = np.searchsorted(ye, hi[:, 1], "right") - 1
    i0, j0 = i0.clip(0, nx - 1), j0.clip(0, ny - 1)
    i1, j1 = i1.clip(0, nx - 1), j1.clip(0, ny - 1)
    diff = np.zeros((nx + 1, ny + 1), dtype=np.int32)  # 2-D difference array of the boxes
    np.add.at(diff, (i0, j0), 1)
    np.add.at(diff, (i1 + 1, j0), -1)
    np.add.at(diff, (i0, j1 + 1), -1)
    np.add.at(diff, (i1 + 1, j1 + 1), 1)
    return diff.cumsum(0).cumsum(1)[:nx, :ny] > 0


def _sole_holder(
    geoms: np.ndarray, positions: np.ndarray, cx: np.ndarray, cy: np.ndarray
) -> np.ndarray:
    """For each centre, the position of the only unit containing it, NONE when no unit
    does, TEST when several do."""
    count = np.zeros(len(cx), dtype=np.intp)
    which = np.full(len(cx), NONE, dtype=np.intp)
    for g, pos in zip(geoms, positions, strict=True):
        inside = shapely.contains_xy(g, cx, cy)
        count += inside
        which[inside] = pos
    which[count > 1] = TEST
    return which


def build(
    region_geoms: np.ndarray,
    region_country: np.ndarray,
    district_geoms: np.ndarray,
    district_country: np.ndarray,
    *,
    n_codes: int = 0,
    cells_long_side: int = CELLS_LONG_SIDE,
) -> Cells:
    """The grid for units whose countries are given as integer codes (0, 1, ...)."""
    from scipy import ndimage

    every = np.concatenate([region_geoms, district_geoms])
    x0, y0, x1, y1 = shapely.total_bounds(every)
    if not np.isfinite([x0, y0, x1, y1]).all():  # no units: every cell says "test"
        x0, y0, x1, y1 = 0.0, 0.0, 1.0, 1.0
    cell_size = max(x1 - x0, y1 - y0) / cells_long_side
    if not cell_size > 0:  # a single point-like extent: one cell
        cell_size = 1.0
    nx = max(1, int(np.ceil((x1 - x0) / cell_size)))
    ny = max(1, int(np.ceil((y1 - y0) / cell_size)))
    xe = x0 + np.arange(nx + 1) * cell_size
    ye = y0 + np.arange(ny + 1) * cell_size
    xe[-1], ye[-1] = max(xe[-1], x1), max(ye[-1], y1)
    regions: list[np.ndarray] = []
    districts: list[np.ndarray] = []
    small = max(len(region_geoms), len(district_geoms)) < np.iinfo(np.int16).max
    dtype = np.int16 if small else np.int32
    n_codes = max(
        n_codes, int(max(region_country.max(initial=-1), district_country.max(initial=-1))) + 1
    )
    for c in range(n_codes):
        r_pos = np.flatnonzero(region_country == c)
        d_pos = np.flatnonzero(district_country == c)
        marked = _marked(np.concatenate([region_geoms[r_pos], district_geoms[d_pos]]), xe, ye)
        label, n_sets = ndimage.label(~marked)  # 4-connected boundary-free sets
        flat = label.ravel()
        first = np.unique(flat, return_index=True)[1]
        first = first[flat[first] > 0]  # one cell of each set (label 0: marked cells)
        ci, cj = np.unravel_index(first, (nx, ny))
        cx, cy = (xe[ci] + xe[ci + 1]) / 2, (ye[cj] + ye[cj + 1]) / 2
        for pos, geoms, out in ((r_pos, region_geoms, regions), (d_pos, district_geoms, districts)):
            holder = np.full(n_sets + 1, TEST, dtype=dtype)
            holder[flat[first]] = _sole_holder(geoms[pos], pos, cx, cy)
            out.append(holder[flat])
    shape = (n_codes, nx * ny)
    return Cells(
        x_edges=xe,
        y_edges=ye,
        region=np.stack(regions) if regions else np.full(shape, TEST, dtype=dtype),
        district=np.stack(districts) if districts else np.full(shape, TEST, dtype=dtype),
    )


_CACHE: weakref.WeakKeyDictionary[object, tuple[object, object, Cells]] = (
    weakref.WeakKeyDictionary()
)


def cells_for(
    admin: object, regions: object, districts: object, make: Callable[[], Cells]
) -> Cells:
    """The cached grid of ``admin`` (rebuilt if its region or district frame was replaced)."""
    hit = _CACHE.get(admin)
    if hit is not None and hit[0] is regions and hit[1] is districts:
        return hit[2]
    cells = make()
    _CACHE[admin] = (regions, districts, cells)
    return cells
