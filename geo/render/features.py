"""Events as compact GeoJSON features for the map: popup data sent once, precision areas."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.events import (
    GEO_PRECISION,
    TIME_PRECISION,
    WHERE_PREC,
    Claim,
)
from geo.render._common import (
    DAY_MS,
    PlaceLookup,
    _blank,
    _country_name,
    _day,
    _place_names_text,
    claim_source_text,
    claim_whose,
    display_geometries,
    jinja_safe,
)
from geo.style import (
    EVENT_TYPE_COLORS,
    EVENT_TYPE_LABELS,
    marker_radius,
)
from geo.text import html_text as esc

if TYPE_CHECKING:
    pass


# --------------------------------------------------------------------------- features


def _ms(day: Any) -> int:
    """Milliseconds since the epoch of a day's UTC midnight."""
    return int(pd.Timestamp(_day(day)).value // 1_000_000)


def _days_ms(values: pd.Series) -> list[int]:
    """:func:`_ms` of each value of a column of days (a timezone keeps its own local day)."""
    return _days_ms_array(values).tolist()


def _days_ms_array(values: pd.Series) -> np.ndarray:
    """:func:`_days_ms` as an int64 array."""
    stamps = pd.to_datetime(values)
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    days = stamps.to_numpy("datetime64[D]").astype("int64")
    return days * DAY_MS


class PopupData:
    """What the events of one map share, each sent to the browser once.

    ``strings`` is the lookup table of repeated texts (types, regions, actors,
    claimants, outlets, seeds, ...), referenced from the events by index; ``sources``
    holds each distinct source once (a list of string indexes); ``shapes`` each region
    outline drawn for region-level events. Every string is stored :func:`esc`-aped (no
    markup, no brace): the browser turns it back into plain text and shows it only as
    text.
    """

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.sources: list[list[int | None]] = []
        self.shapes: dict[str, Any] = {}
        self._strings: dict[str, int] = {}
        self._sources: dict[tuple[int | None, ...], int] = {}

    def ref(self, value: Any) -> int | None:
        """Index of ``value`` (as escaped text) in :attr:`strings`; ``None`` when blank."""
        if _blank(value):
            return None
        text = esc(value)
        index = self._strings.get(text)
        if index is None:
            index = self._strings[text] = len(self.strings)
            self.strings.append(text)
        return index

    def source_ref(self, source: Mapping[str, Any]) -> int:
        """Index of a source in :attr:`sources`: ``[outlet, when, reported, cites, seed, url]``."""
        cites = source.get("cites")
        record = (
            self.ref(source.get("outlet")),
            self.ref(source.get("published"))
            if not _blank(source.get("published"))
            else self.ref(source.get("published_note")),
            self.ref(source.get("reported")),
            self.ref(", ".join(map(str, cites)) if cites else None),
            self.ref(source.get("seed")),
            self.ref(source.get("url")),
        )
        index = self._sources.get(record)
        if index is None:
            index = self._sources[record] = len(self.sources)
            self.sources.append(list(record))
        return index

    def payload(self) -> dict[str, Any]:
        """The table, sources, outlines and the fixed labels, as sent to the page."""
        return {
            "s": self.strings,
            "src": self.sources,
            "shapes": jinja_safe(self.shapes),
            "labels": EVENT_TYPE_LABELS,
            "colors": EVENT_TYPE_COLORS,
            "geo": {str(k): v for k, v in GEO_PRECISION.items()},
            "time": {str(k): v for k, v in TIME_PRECISION.items()},
            "where": {str(k): v for k, v in WHERE_PREC.items()},
        }


def _trim(values: list[Any]) -> list[Any]:
    while values and values[-1] is None:
        values.pop()
    return values


def _claims_data(
    claims: Iterable[Mapping[str, Any]], sources: Iterable[Mapping[str, Any]], data: PopupData
) -> list[list[int | None]]:
    """Each claim as ``[figure, measure, whose, claimant, source, disputed_by, included_in,
    note]`` (indexes into ``data.strings``; trailing blanks left out)."""
    by_id = {s.get("id"): s for s in sources}
    out = []
    for raw in claims:
        claim = Claim.model_validate(raw)
        source = by_id.get(claim.source, {})
        source_text = claim_source_text(claim, source)
        whose = claim_whose(claim)
        out.append(
            _trim(
                [
                    data.ref(claim.display_value()),
                    data.ref(claim.measure),
                    data.ref(whose),
                    data.ref(f"{claim.claimant} ({claim.claimant_type})"),
                    data.ref(source_text),
                    data.ref(claim.disputed_by),
                    data.ref(claim.included_in),
                    data.ref(claim.note),
                ]
            )
        )
    return out


def event_properties(
    event_id: Any, row: Mapping[str, Any], data: PopupData, *, places: PlaceLookup | None = None
) -> dict[str, Any]:
    """One event's facts for the browser, compact: short keys, repeated texts as indexes.

    The browser builds the tooltip and, when it is opened, the popup from these
    (``what``: ``t`` type, ``u`` sub-type, ``n`` notes; ``where``: ``l`` location as
    reported, ``pn`` place names, ``co``/``rg``/``di`` country, region, district,
    ``jm``/``jd`` join method and distance, ``an`` join note, ``g``/``wp`` precisions,
    ``ln`` how the point was chosen; ``when``: ``d`` first and last day, ``tp`` time
    precision; ``a`` actors; ``x`` killed and injured low/best/high; ``cl`` claims;
    ``so`` sources). ``start``/``end`` are the UTC milliseconds Leaflet.timeline shows
    the event in; ``r`` the marker radius.
    """
    first, last = _day(row["date_start"]), _day(row["date_end"])
    where_p = row.get("where_prec")
    distance = row.get("join_distance_m")
    sources = list(row.get("sources") or [])
    props: dict[str, Any] = {
        "id": esc(event_id),
        "start": _ms(first),
        "end": _ms(last) + DAY_MS - 1,
        "g": int(row["geo_precision"]),
        "ao": int(row.get("join_method") == "area"),
        "r": round(marker_radius(int(row["deaths_best"])), 2),
        "t": data.ref(row["event_type"]),
        "u": data.ref(row.get("sub_event_type")),
        "ep": data.ref(row.get("episode_title")),
        "n": esc(row.get("notes")),
        "l": data.ref(row.get("location")),
        "pn": data.ref(_place_names_text(row, places)),
        "co": data.ref(_country_name(row.get("country"))),
        "rg": data.ref(row.get("region")),
        "di": data.ref(row.get("district")),
        "jm": data.ref(row.get("join_method")),
        "jd": round(float(distance))
        if isinstance(distance, int | float) and not _blank(distance) and distance > 0
        else None,
        "an": data.ref(row.get("admin_note")),
        "wp": None if where_p is None or _blank(where_p) else int(where_p),
        "ln": esc(row.get("location_note")) or None,
        "d": [first.isoformat()] if first == last else [first.isoformat(), last.isoformat()],
        "tp": int(row["time_precision"]),
        "a": [
            data.ref(row.get(c))
            for c in ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")
            if not _blank(row.get(c))
        ],
        "x": [
            int(row[f"{kind}_{level}"])
            for kind in ("deaths", "injured")
            for level in ("low", "best", "high")
        ],
        "cl": _claims_data(row.get("claims") or [], sources, data),
        "so": [data.source_ref(s) for s in sources],
    }
    return {k: v for k, v in props.items() if v is not None and v != "" and v != []}


def event_features(
    events: pd.DataFrame, data: PopupData, *, places: PlaceLookup | None = None
) -> list[dict[str, Any]]:
    """One GeoJSON point feature per event with :func:`event_properties`.

    ``start``/``end`` are UTC milliseconds covering the whole of ``date_start`` ..
    ``date_end`` (Leaflet.timeline shows a feature while the time is in that interval).
    Strings shared by events go to ``data``.
    """
    return [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [float(row["longitude"]), float(row["latitude"])],
            },
            "properties": event_properties(event_id, row, data, places=places),
        }
        for event_id, row in zip(events.index, events.to_dict("records"), strict=True)
    ]


#: Outline of a region standing for events known only to region level.
AREA_STYLE = {
    "color": "#444444",
    "weight": 1.5,
    "dashArray": "6 4",
    "fillColor": "#444444",
    "fillOpacity": 0.08,
}


def _merge_intervals(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _region_spans(
    region_ids: pd.Series, starts: np.ndarray, ends: np.ndarray, known: set[str]
) -> dict[str, list[tuple[int, int]]]:
    """Per region of ``known``, its events' ``(start, end)`` merged as :func:`_merge_intervals`
    merges them (overlapping or touching), column-wise: one pass over 10^5-10^6 events."""
    codes, names = pd.factorize(region_ids.astype(str))
    if not len(names):
        return {}
    labels = [str(n) for n in names]
    rank = np.empty(len(labels), dtype=np.int64)
    rank[np.argsort(np.array(labels, dtype=object), kind="stable")] = np.arange(len(labels))
    wanted = np.array([n in known for n in labels], dtype=bool)
    keep = (codes >= 0) & wanted[np.maximum(codes, 0)]
    if not keep.any():
        return {}
    # each distinct (region, start, end) once (a hash, not a sort of every event), then
    # sorted as sorted() sorts the tuples
    triples = (
        pd.DataFrame({"r": rank[codes[keep]], "s": starts[keep], "e": ends[keep]}, dtype=np.int64)
        .drop_duplicates()
        .sort_values(["r", "s", "e"])
    )
    region, start, end = (triples[c].to_numpy() for c in ("r", "s", "e"))
    first_of_region = np.r_[True, region[1:] != region[:-1]]
    # within a region sorted by start, the ends' running maximum is the current span's end
    reach = pd.Series(end).groupby(region).cummax().to_numpy()
    new_span = first_of_region | (start > np.r_[0, reach[:-1]] + 1)
    heads = np.flatnonzero(new_span)
    span_end = np.maximum.reduceat(end, heads)
    by_rank = {int(r): labels[i] for i, r in enumerate(rank)}
    out: dict[str, list[tuple[int, int]]] = {}
    heads_rank, heads_start = region[heads].tolist(), start[heads].tolist()
    for r, a, b in zip(heads_rank, heads_start, span_end.tolist(), strict=True):
        out.setdefault(by_rank[r], []).append((a, b))
    return out


def region_shapes(regions: gpd.GeoDataFrame) -> dict[str, dict[str, Any]]:
    """Each region's outline as drawn (:func:`display_geometries`), by ``region_id``.

    The first row of a repeated ``region_id`` counts, as in :func:`area_features`. Each
    outline is simplified on its own, so these are the geometries :func:`area_features`
    draws: computed once per boundary set, they can be passed to it as ``shapes``.
    """
    unique = regions.drop_duplicates("region_id")
    return dict(zip(unique["region_id"].astype(str), display_geometries(unique), strict=True))


def area_features(
    events: pd.DataFrame,
    regions: gpd.GeoDataFrame,
    *,
    shapes: Mapping[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Outlines of the regions that events known only to region level (precision 3) fall in.

    One feature per region, however many such events it has: ``spans`` are the
    stretches of time (UTC milliseconds) in which at least one of them is going on
    (overlapping or touching date ranges merged), ``start``/``end`` the first and the
    last moment of those. Outlines are simplified for display (:func:`display_geometries`),
    or taken from ``shapes`` (:func:`region_shapes` of the same ``regions``; not simplified
    again). Events the join put in no region get none.
    """
    # only the three columns read: a mask over the whole frame would copy every column
    wanted = (events["geo_precision"] == 3) & events["region_id"].notna()
    coarse = events.loc[wanted, ["region_id", "date_start", "date_end"]]
    if coarse.empty:
        return []
    spans = _region_spans(
        coarse["region_id"],
        _days_ms_array(coarse["date_start"]),
        _days_ms_array(coarse["date_end"]) + DAY_MS - 1,
        set(regions["region_id"].astype(str)),
    )
    if not spans:
        return []
    if shapes is None:
        drawn = regions[regions["region_id"].astype(str).isin(spans)]
        shapes = region_shapes(drawn)
    out: list[dict[str, Any]] = []
    for region_id in sorted(spans):
        merged = spans[region_id]
        out.append(
            {
                "type": "Feature",
                "geometry": shapes[region_id],
                "properties": {
                    "region_id": region_id,
                    "start": merged[0][0],
                    "end": max(end for _, end in merged),
                    "spans": [list(span) for span in merged],
                    "style": AREA_STYLE,
                },
            }
        )
    return out
