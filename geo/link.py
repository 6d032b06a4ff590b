"""Links between events of different datasets that are the same clash: proposed, accepted, applied.

Linking, not merging: both events stay, each with its own claims. A proposal
needs events of different datasets, in the same country, whose day spans overlap
(``date_start..date_end``), whose points lie within the precision of both
locations (distance <= the sum of both precision radii, :data:`PRECISION_RADIUS_KM`
by UCDP ``where_prec``), and whose types are compatible (:data:`TYPE_FAMILIES`).
Its score (0..1) weighs closeness (0.5), the same ``event_date`` (0.3) and the
same type (0.2).

An accepted link (the links file, ``links.csv`` in the data folder) is applied
when the datasets are loaded: the linked events form a group whose *primary*
event (curated first, then UCDP, then ACLED) takes every other event's claims
beside its own, so the popup and claims table show ACLED's, UCDP's and the
ministry's figures side by side and its figures are derived from all of them;
the other events of the group are marked ``counted = False`` and totals skip
them, so a linked pair is never counted twice.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo._errors import ConflictMapError, ValidationError
from geo._io import atomic_write_text
from geo.boundaries import METRIC_CRS
from geo.events import Claim, derived_figures, figures_note

#: Radius (km) within which a location of each UCDP where_prec may lie.
PRECISION_RADIUS_KM = {1: 5.0, 2: 25.0, 3: 50.0, 4: 100.0, 5: 150.0, 6: 400.0, 7: 400.0}
#: Event types that may describe the same happening (ACLED types and UCDP's kinds).
TYPE_FAMILIES = {
    "Battles": "violence",
    "Explosions/Remote violence": "violence",
    "Violence against civilians": "violence",
    "State-based conflict": "violence",
    "Non-state conflict": "violence",
    "One-sided violence": "violence",
    "Protests": "demonstration",
    "Riots": "demonstration",
    "Strategic developments": "strategic",
}
#: Which event of a linked group carries the group's claims and is counted.
PRIMARY_ORDER = ("curated", "ucdp", "acled")
LINK_COLUMNS = ("event_a", "event_b", "dataset_a", "dataset_b", "distance_km", "score", "status")
STATUSES = ("proposed", "accepted", "rejected")
LINKS_FILE = "links.csv"


class LinkError(ConflictMapError, ValueError):
    """A links file or a link decision that cannot be used."""


def _dataset(events: pd.DataFrame) -> pd.Series:
    if "dataset" in events.columns:
        return events["dataset"].fillna("curated").astype(str)
    return pd.Series("curated", index=events.index)


#: Events of one side are matched a block at a time (sorted by start day), so that only
#: the other side's events whose days can overlap the block's are searched in space.
BLOCK_EVENTS = 2_000


def _pairs_across(
    pts: np.ndarray,
    radius: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(a, b)``, ``a`` from ``left`` and ``b`` from ``right``, whose day spans
    overlap and whose points lie within the sum of both precision radii.

    Never every pair: ``left`` is taken a block of :data:`BLOCK_EVENTS` at a time in
    start order; for each block only the ``right`` events whose span can overlap the
    block's are searched, in a tree of their points, once per pair of radius classes
    (at most seven a side) with that pair's exact distance bound.
    """
    found_a: list[np.ndarray] = []
    found_b: list[np.ndarray] = []
    if not len(left) or not len(right):
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    left = left[np.argsort(start[left], kind="stable")]
    right_start = start[right]
    right_end = end[right]
    for k in range(0, len(left), BLOCK_EVENTS):
        block = left[k : k + BLOCK_EVENTS]
        lo, hi = start[block].min(), end[block].max()
        near = right[(right_start <= hi) & (right_end >= lo)]
        if not len(near):
            continue
        for rb in np.unique(radius[near]):
            others = near[radius[near] == rb]
            tree = shapely.STRtree(pts[others])
            for ra in np.unique(radius[block]):
                mine = block[radius[block] == ra]
                i, j = tree.query(pts[mine], predicate="dwithin", distance=float(ra + rb))
                a, b = mine[i], others[j]
                overlap = (start[a] <= end[b]) & (start[b] <= end[a])
                found_a.append(a[overlap])
                found_b.append(b[overlap])
    if not found_a:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    return np.concatenate(found_a), np.concatenate(found_b)


def _is_in(index: pd.Index, values: Iterable[str]) -> np.ndarray:
    """``index.isin(values)`` in Arrow: pandas' ``isin`` on Arrow-backed text (imported ids)
    made a Python string per id, 5.5 s for 10^6 ids."""
    wanted = values if isinstance(values, pd.Index) else pd.Index(list(values), dtype=object)
    keys, kept = (pa.array(x.array, from_pandas=True) for x in (index, wanted))
    text = pa.large_string()
    if not (pa.types.is_string(keys.type) or pa.types.is_large_string(keys.type)):
        return index.isin(wanted)
    if not (pa.types.is_string(kept.type) or pa.types.is_large_string(kept.type)):
        kept = pa.array(wanted.astype(str).tolist(), type=text)
    found = pc.is_in(keys.cast(text), value_set=kept.cast(text))
    return found.to_numpy(zero_copy_only=False).astype(bool)


def propose_links(
    events: pd.DataFrame, *, min_score: float = 0.0, new: Iterable[str] | None = None
) -> pd.DataFrame:
    """Link proposals between events of different datasets, best first.

    Parameters
    ----------
    events
        Events with ``country``, ``date_start``, ``date_end``, ``event_date``,
        ``event_type``, ``where_prec``, point geometry (EPSG:4326) and
        ``dataset`` (missing: curated), indexed by event id.
    min_score
        Leave out proposals scoring below this.
    new
        Only propose links of these events (ids) with the others (as after an
        import); default: every pair of datasets.

    Returns
    -------
    pandas.DataFrame
        :data:`LINK_COLUMNS`, ``status`` ``'proposed'``; ``event_a`` is the
        event of the dataset first in :data:`PRIMARY_ORDER`.
    """
    if len(events) == 0:
        return pd.DataFrame(columns=list(LINK_COLUMNS))
    pts = events.geometry.to_crs(METRIC_CRS).to_numpy()
    radius = events["where_prec"].map(PRECISION_RADIUS_KM).fillna(400.0).to_numpy() * 1000
    ds = _dataset(events).to_numpy(dtype=object)
    start = pd.to_datetime(events["date_start"]).to_numpy()
    end = pd.to_datetime(events["date_end"]).to_numpy()
    end = np.where(pd.isna(end), start, end)
    positions = np.arange(len(events))
    sides: list[tuple[np.ndarray, np.ndarray]] = []
    if new is not None:
        fresh = _is_in(events.index, new)
        for name in pd.unique(ds[fresh]):
            sides.append((positions[fresh & (ds == name)], positions[~fresh & (ds != name)]))
    else:
        names = list(pd.unique(ds))
        for n, name in enumerate(names):
            for other in names[n + 1 :]:
                sides.append((positions[ds == name], positions[ds == other]))
    pairs = [_pairs_across(pts, radius, start, end, left, right) for left, right in sides]
    a = np.concatenate([p[0] for p in pairs]) if pairs else np.empty(0, dtype=np.intp)
    b = np.concatenate([p[1] for p in pairs]) if pairs else np.empty(0, dtype=np.intp)
    country = events["country"].astype(object).to_numpy()
    family = events["event_type"].map(TYPE_FAMILIES).astype(object).to_numpy()
    dist = shapely.distance(pts[a], pts[b])
    ok = (
        (ds[a] != ds[b])
        & (country[a] == country[b])
        & pd.notna(family[a])
        & (family[a] == family[b])
        & (dist <= radius[a] + radius[b])
    )
    a, b, dist = a[ok], b[ok], dist[ok]
    day = pd.to_datetime(events["event_date"]).to_numpy()
    types = events["event_type"].astype(object).to_numpy()
    score = (
        0.5 * (1 - dist / (radius[a] + radius[b]))
        + 0.3 * (day[a] == day[b])
        + 0.2 * (types[a] == types[b])
    )
    rank = pd.Series(ds).map({name: k for k, name in enumerate(PRIMARY_ORDER)})
    rank = rank.fillna(len(PRIMARY_ORDER)).to_numpy()
    swap = rank[a] > rank[b]
    first = np.where(swap, b, a)
    second = np.where(swap, a, b)
    ids = events.index.to_numpy(dtype=object)
    out = pd.DataFrame(
        {
            "event_a": ids[first],
            "event_b": ids[second],
            "dataset_a": ds[first],
            "dataset_b": ds[second],
            "distance_km": np.round(dist / 1000, 1),
            "score": np.round(score, 3),
            "status": "proposed",
        }
    )
    out = out[out["score"] >= min_score]
    return out.sort_values(
        ["score", "event_a", "event_b"], ascending=[False, True, True], ignore_index=True
    )


# --- the links file -----------------------------------------------------------------------


def links_path(datasets_dir: str | os.PathLike[str]) -> Path:
    return Path(datasets_dir) / LINKS_FILE


def read_links(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The links file (empty when there is none); refuses unknown statuses or columns."""
    p = Path(path)
    if not p.exists():
        return pd.DataFrame(columns=list(LINK_COLUMNS))
    links = pd.read_csv(p, dtype={"event_a": str, "event_b": str, "status": str})
    missing = [c for c in LINK_COLUMNS if c not in links.columns]
    if missing:
        raise LinkError(f"{p}: column(s) missing: {', '.join(missing)}")
    bad = links.index[~links["status"].isin(STATUSES)]
    if len(bad):
        raise LinkError(
            "\n".join(
                f"{p} line {i + 2}: field 'status': {links.at[i, 'status']!r} is not one of "
                f"{', '.join(STATUSES)}"
                for i in bad
            )
        )
    return links[list(LINK_COLUMNS)]


def merge_proposals(links: pd.DataFrame, proposals: pd.DataFrame) -> pd.DataFrame:
    """Add new proposals to the links; decided pairs (accepted, rejected) are kept as decided."""
    key = ["event_a", "event_b"]
    known = set(map(tuple, links[key].to_numpy().tolist()))
    new = proposals[[tuple(r) not in known for r in proposals[key].to_numpy().tolist()]]
    frames = [f for f in (links, new) if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(LINK_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(LINK_COLUMNS)]


def write_links(links: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the links file atomically."""
    return atomic_write_text(path, links[list(LINK_COLUMNS)].to_csv(index=False))


def decide(links: pd.DataFrame, event_a: str, event_b: str, status: str) -> pd.DataFrame:
    """Mark the link between two events (either order) accepted, rejected or proposed."""
    if status not in STATUSES:
        raise LinkError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    hit = ((links["event_a"] == event_a) & (links["event_b"] == event_b)) | (
        (links["event_a"] == event_b) & (links["event_b"] == event_a)
    )
    if not hit.any():
        raise LinkError(
            f"no link between {event_a} and {event_b} in the links file; run 'conflictmap link' "
            "to propose links first"
        )
    out = links.copy()
    out.loc[hit, "status"] = status
    return out


# --- applying accepted links --------------------------------------------------------------


def _groups(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return [sorted(g) for g in groups.values()]


def _set_cells(frame: pd.DataFrame, column: str, values: dict[str, list[dict[str, Any]]]) -> None:
    """Put lists in some cells of a column, also of an Arrow list column (the imported,
    columnar form: rebuilt once, whatever the number of cells)."""
    dtype = frame[column].dtype
    if not isinstance(dtype, pd.ArrowDtype):
        for label, value in values.items():
            frame.at[label, column] = value
        return
    if not values:
        return
    import pyarrow as pa

    old = pa.array(frame[column].array)
    if isinstance(old, pa.ChunkedArray):
        old = old.combine_chunks()
    new = pa.array(list(values.values()), type=dtype.pyarrow_dtype)
    take = np.arange(len(frame))
    take[frame.index.get_indexer(list(values))] = len(frame) + np.arange(len(values))
    both = pa.concat_arrays([old, new]).take(pa.array(take))
    frame[column] = pd.Series(pd.arrays.ArrowExtensionArray(both), index=frame.index)


def apply_links(events: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Apply accepted links: the primary of each group shows and counts every member's claims.

    Returns a copy with ``counted`` (False for the non-primary members) and
    ``linked_to`` (the other members' ids, ``''`` when unlinked). Only the
    linked events' figures are derived again (from their claims).
    """
    out = events.copy()
    out["counted"] = True
    out["linked_to"] = ""
    accepted = links[links["status"] == "accepted"]
    if accepted.empty:
        return out
    missing = sorted(set(accepted["event_a"]).union(accepted["event_b"]) - set(out.index))
    if missing:
        raise ValidationError(
            [f"links file: accepted link names event {m!r}, which is not loaded" for m in missing]
        )
    rank = {name: k for k, name in enumerate(PRIMARY_ORDER)}
    ds = _dataset(out)
    new_claims: dict[str, list[dict[str, Any]]] = {}
    new_sources: dict[str, list[dict[str, Any]]] = {}
    for group in _groups(zip(accepted["event_a"], accepted["event_b"], strict=True)):
        primary = min(group, key=lambda e: (rank.get(ds[e], 99), e))
        claims: list[dict[str, Any]] = [dict(c) for c in out.at[primary, "claims"]]
        sources: list[dict[str, Any]] = [dict(s) for s in out.at[primary, "sources"]]
        for other in (e for e in group if e != primary):
            taken = {s["id"] for s in sources}
            rename = {}
            for s in out.at[other, "sources"]:
                new_id = s["id"] if s["id"] not in taken else f"{ds[other]}-{s['id']}"
                rename[s["id"]] = new_id
                sources.append({**dict(s), "id": new_id})
                taken.add(new_id)
            for c in out.at[other, "claims"]:
                note = f"from linked event {other} ({ds[other]})"
                old = c.get("note")
                claims.append(
                    {
                        **dict(c),
                        "source": rename[c["source"]],
                        "note": f"{old}; {note}" if old else note,
                    }
                )
            out.at[other, "counted"] = False
            out.at[other, "linked_to"] = primary
            out.at[other, "figures_note"] = "; ".join(
                t
                for t in (out.at[other, "figures_note"], f"counted with linked event {primary}")
                if t
            )
        parsed = [
            Claim.model_validate({k: v for k, v in c.items() if v is not None}) for c in claims
        ]
        new_claims[primary], new_sources[primary] = claims, sources
        out.at[primary, "linked_to"] = ", ".join(e for e in group if e != primary)
        for col, value in derived_figures(parsed).items():
            if col in out.columns:
                out.at[primary, col] = value
        out.at[primary, "figures_note"] = figures_note(parsed)
    _set_cells(out, "claims", new_claims)  # each primary is in one group: set once, at the end
    _set_cells(out, "sources", new_sources)
    return out
