"""Export tables: the field schemas (ACLED/UCDP names first) and the frames built from events."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo._errors import ExportError
from geo.events import Claim, Source
from geo.period import to_day
from geo.text import is_missing

if TYPE_CHECKING:
    from geo.boundaries import AdminUnits


NESTED = ("claims", "sources", "tags")


#: Separator for list values (tags, cited agencies) in flat formats.
LIST_SEP = "; "


# --- small helpers ------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return None if is_missing(value) else str(value)


def _int(value: Any) -> int | None:
    return None if is_missing(value) else int(value)


def _float(value: Any) -> float | None:
    return None if is_missing(value) else float(value)


def _iso(value: Any) -> str | None:
    day = to_day(value)
    return day.isoformat() if day else None


# --- tables -------------------------------------------------------------------------------------

#: (column, kind, alias). Kinds: str, date, int, float. ACLED/UCDP names first, then ours.
EVENT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("event_id", "str", "Event ID"),
    ("event_date", "date", "Event date"),
    ("year", "int", "Year"),
    ("time_precision", "int", "Time precision (ACLED 1-3)"),
    ("event_type", "str", "Event type (ACLED)"),
    ("sub_event_type", "str", "Sub-event type (ACLED)"),
    ("actor1", "str", "Actor 1"),
    ("assoc_actor_1", "str", "Associated actor 1"),
    ("actor2", "str", "Actor 2"),
    ("assoc_actor_2", "str", "Associated actor 2"),
    ("country", "str", "Country"),
    ("iso3", "str", "Country ISO3"),
    ("admin1", "str", "Region (admin 1)"),
    ("admin2", "str", "District (admin 2)"),
    ("location", "str", "Location"),
    ("latitude", "float", "Latitude"),
    ("longitude", "float", "Longitude"),
    ("geo_precision", "int", "Geo precision (ACLED 1-3)"),
    ("where_prec", "int", "Where precision (UCDP 1-7)"),
    ("source", "str", "Sources (outlets)"),
    ("notes", "str", "Notes"),
    ("fatalities", "int", "Fatalities (ACLED: lowest attributed)"),
    ("deaths_low", "int", "Deaths, low (UCDP)"),
    ("deaths_best", "int", "Deaths, best (UCDP)"),
    ("deaths_high", "int", "Deaths, high (UCDP)"),
    ("injured_low", "int", "Injured, low"),
    ("injured_high", "int", "Injured, high"),
    ("figures_note", "str", "Casualty claims not counted in the figures"),
    ("join_method", "str", "Join method"),
    ("join_distance_m", "float", "Join distance (m)"),
    ("admin_note", "str", "Admin join note"),
    ("tags", "str", "Tags"),
    ("episode", "str", "Episode"),
    ("date_start", "date", "First day"),
    ("date_end", "date", "Last day"),
    ("injured_best", "int", "Injured, best"),
    ("region_id", "str", "Region ID"),
    ("district_id", "str", "District ID"),
    ("place_id", "str", "Gazetteer place"),
    ("location_note", "str", "Location note"),
    ("episode_title", "str", "Episode title"),
    ("layer_file", "str", "Layer file"),
    ("expected_region", "str", "Region per gazetteer"),
    ("claims_summary", "str", "Claims"),
    ("dataset", "str", "Dataset (curated, acled, ucdp)"),
)
CLAIM_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("event_id", "str", "Event ID (empty: episode-wide)"),
    ("episode", "str", "Episode"),
    ("scope", "str", "Scope (event/episode)"),
    ("claim_no", "int", "Claim number"),
    ("claimant", "str", "Claimant"),
    ("claimant_type", "str", "Claimant type"),
    ("measure", "str", "Measure"),
    ("subject", "str", "Subject"),
    ("side", "str", "Side"),
    ("group", "str", "Group"),
    ("qualifier", "str", "Qualifier"),
    ("value", "int", "Value"),
    ("low", "int", "Low"),
    ("high", "int", "High"),
    ("text", "str", "Wording"),
    ("figure", "str", "Figure as stated"),
    ("source", "str", "Source ID"),
    ("source_outlet", "str", "Source outlet"),
    ("via", "str", "Via"),
    ("disputed_by", "str", "Disputed by"),
    ("included_in", "str", "Included in event"),
    ("note", "str", "Note"),
)
SOURCE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("event_id", "str", "Event ID (empty: episode-wide)"),
    ("episode", "str", "Episode"),
    ("scope", "str", "Scope (event/episode)"),
    ("source_no", "int", "Source number"),
    ("source_id", "str", "Source ID"),
    ("outlet", "str", "Outlet"),
    ("reported", "str", "What it reported"),
    ("published", "date", "Published"),
    ("published_note", "str", "Publication note"),
    ("seed", "str", "Seed file"),
    ("cites", "str", "Cites"),
    ("url", "str", "URL"),
)
EPISODE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("episode", "str", "Episode"),
    ("title", "str", "Title"),
    ("summary", "str", "Summary"),
    ("date_start", "date", "First day"),
    ("date_end", "date", "Last day"),
    ("layer_file", "str", "Layer file"),
)
REGION_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("country", "str", "Country"),
    ("region_id", "str", "Region ID"),
    ("region", "str", "Region"),
    ("region_iso", "str", "Region ISO code"),
    ("level", "str", "Admin level"),
)
DISTRICT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("country", "str", "Country"),
    ("district_id", "str", "District ID"),
    ("district", "str", "District"),
    ("region_id", "str", "Region ID"),
    ("region", "str", "Region"),
    ("level", "str", "Admin level"),
)
_COUNT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("events", "int", "Events"),
    ("deaths_low", "int", "Deaths, low"),
    ("deaths_best", "int", "Deaths, best"),
    ("deaths_high", "int", "Deaths, high"),
    ("injured_low", "int", "Injured, low"),
    ("injured_high", "int", "Injured, high"),
    ("period_start", "date", "Period start"),
    ("period_end", "date", "Period end"),
)
#: The columns an events frame must have (what :func:`geo.dataset.load_dataset` gives).
REQUIRED_EVENT_COLUMNS = (
    "event_id",
    "event_date",
    "date_start",
    "date_end",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "country",
    "location",
    "geo_precision",
    "where_prec",
    "notes",
    "sources",
    "claims",
    "tags",
    "episode",
    "deaths_low",
    "deaths_best",
    "deaths_high",
    "injured_low",
    "injured_best",
    "injured_high",
    "region",
    "district",
)


def _flat_list(values: Iterable[str], where: str) -> str:
    items = [str(v) for v in values]
    bad = [v for v in items if ";" in v]
    if bad:
        raise ExportError(f"{where}: {bad[0]!r} contains ';', which separates list items")
    return LIST_SEP.join(items)


def _split_list(text: Any) -> list[str]:
    return [] if is_missing(text) or text == "" else str(text).split(LIST_SEP)


def claim_line(claim: Mapping[str, Any], outlets: Mapping[str, str]) -> str:
    """One claim as a line of text: who, what, about whom, the figure as stated, where."""
    c = Claim.model_validate(dict(claim))
    who = f"{c.claimant} ({c.claimant_type.replace('_', ' ')})"
    people = c.subject
    if c.side != "any" or c.group != "any":
        people += f" [{' '.join(x for x in (c.side, c.group) if x != 'any')}]"
    line = f"{who}: {c.measure.replace('_', ' ')} {c.display_value()} — {people}"
    line += f"; via {c.via}" if c.via else ""
    line += f"; disputed by {c.disputed_by}" if c.disputed_by else ""
    line += f"; counted in {c.included_in}" if c.included_in else ""
    return f"{line} ({outlets.get(c.source, c.source)})"


def check_events(events: pd.DataFrame) -> None:
    """Refuse a frame that is not a joined events frame, naming what is wrong."""
    if not isinstance(events, gpd.GeoDataFrame):
        raise ExportError(f"events must be a GeoDataFrame, got {type(events).__name__}")
    problems = [f"no column {c!r}" for c in REQUIRED_EVENT_COLUMNS if c not in events.columns]
    if events.crs is None:
        problems.append("no CRS (expected EPSG:4326)")
    if "event_id" in events.columns:
        dupes = sorted(set(events["event_id"][events["event_id"].duplicated()]))
        if dupes:
            problems.append(f"event_id repeated: {', '.join(map(str, dupes[:10]))}")
    if problems:
        raise ExportError("events frame: " + "; ".join(problems))


def event_table(events: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per event with ACLED/UCDP column names (:data:`EVENT_FIELDS`), EPSG:4326.

    ``country`` is the country name as in ACLED and UCDP, ``iso3`` its code;
    ``admin1``/``admin2`` are the joined region and district; ``source`` lists
    the outlets; ``fatalities`` is the lowest attributed death toll (ACLED's
    conservative rule) and ``deaths_low/best/high`` the UCDP-style estimates.
    """
    check_events(events)
    if events.crs.to_epsg() != 4326:
        events = events.to_crs(4326)
    rows: list[dict[str, Any]] = []
    for _, e in events.iterrows():
        eid = str(e["event_id"])
        outlets = {s["id"]: s["outlet"] for s in e["sources"]}
        geom = e.geometry
        rows.append(
            {
                "event_id": eid,
                "event_date": to_day(e["event_date"]),
                "year": to_day(e["event_date"]).year,  # type: ignore[union-attr]
                "time_precision": _int(e["time_precision"]),
                "event_type": _text(e["event_type"]),
                "sub_event_type": _text(e["sub_event_type"]),
                "actor1": _text(e["actor1"]),
                "assoc_actor_1": _text(e.get("assoc_actor_1")),
                "actor2": _text(e.get("actor2")),
                "assoc_actor_2": _text(e.get("assoc_actor_2")),
                "country": _text(e.get("country_name")) or _text(e["country"]),
                "iso3": _text(e["country"]),
                "admin1": _text(e["region"]),
                "admin2": _text(e["district"]),
                "location": _text(e["location"]),
                "latitude": float(geom.y),
                "longitude": float(geom.x),
                "geo_precision": _int(e["geo_precision"]),
                "where_prec": _int(e["where_prec"]),
                "source": _flat_list(dict.fromkeys(outlets.values()), f"event {eid} sources"),
                "notes": _text(e["notes"]),
                "fatalities": _int(e.get("fatalities", e["deaths_low"])),
                "deaths_low": _int(e["deaths_low"]),
                "deaths_best": _int(e["deaths_best"]),
                "deaths_high": _int(e["deaths_high"]),
                "injured_low": _int(e["injured_low"]),
                "injured_high": _int(e["injured_high"]),
                "figures_note": _text(e.get("figures_note")),
                "join_method": _text(e.get("join_method")),
                "join_distance_m": _float(e.get("join_distance_m")),
                "admin_note": _text(e.get("admin_note")),
                "tags": _flat_list(e["tags"], f"event {eid} field 'tags'"),
                "episode": _text(e["episode"]),
                "date_start": to_day(e["date_start"]),
                "date_end": to_day(e["date_end"]),
                "injured_best": _int(e["injured_best"]),
                "region_id": _text(e.get("region_id")),
                "district_id": _text(e.get("district_id")),
                "place_id": _text(e.get("place_id")),
                "location_note": _text(e.get("location_note")),
                "episode_title": _text(e.get("episode_title")),
                "layer_file": _text(e.get("layer_file")),
                "expected_region": _text(e.get("expected_region")),
                "claims_summary": "\n".join(claim_line(c, outlets) for c in e["claims"]),
                "dataset": _text(e.get("dataset")) or "curated",
                "geometry": Point(geom.x, geom.y),
            }
        )
    columns = [name for name, _, _ in EVENT_FIELDS]
    frame = pd.DataFrame(rows, columns=[*columns, "geometry"], dtype=object)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def _episode_rows(episodes: pd.DataFrame | None, kept: set[str]) -> list[Mapping[str, Any]]:
    if episodes is None or not len(episodes):
        return []
    return [row for _, row in episodes.iterrows() if row["episode"] in kept]


def claims_table(events: pd.DataFrame, episodes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per claim, keyed by ``event_id`` (episode-wide claims: by ``episode``)."""
    rows: list[dict[str, Any]] = []

    def add(
        claims: Iterable[Mapping[str, Any]],
        sources: Iterable[Mapping[str, Any]],
        event_id: str | None,
        episode: str,
    ) -> None:
        outlets = {s["id"]: s["outlet"] for s in sources}
        for n, raw in enumerate(claims, start=1):
            c = Claim.model_validate(dict(raw))
            rows.append(
                {
                    "event_id": event_id,
                    "episode": episode,
                    "scope": "event" if event_id else "episode",
                    "claim_no": n,
                    **c.model_dump(),  # every field of the record, ordered by CLAIM_FIELDS
                    "figure": c.display_value(),
                    "source_outlet": outlets.get(c.source),
                }
            )

    for _, e in events.iterrows():
        add(e["claims"], e["sources"], str(e["event_id"]), str(e["episode"]))
    for ep in _episode_rows(episodes, set(events["episode"])):
        add(ep["claims"], ep["sources"], None, str(ep["episode"]))
    return pd.DataFrame(rows, columns=[n for n, _, _ in CLAIM_FIELDS], dtype=object)


def sources_table(events: pd.DataFrame, episodes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per source of each event (and of each episode, with ``event_id`` empty)."""
    rows: list[dict[str, Any]] = []

    def add(sources: Iterable[Mapping[str, Any]], event_id: str | None, episode: str) -> None:
        for n, raw in enumerate(sources, start=1):
            s = Source.model_validate(dict(raw))
            where = f"event {event_id or episode} source {s.id}"
            rows.append(
                {
                    "event_id": event_id,
                    "episode": episode,
                    "scope": "event" if event_id else "episode",
                    "source_no": n,
                    "source_id": s.id,
                    "outlet": s.outlet,
                    "reported": s.reported,
                    "published": s.published,
                    "published_note": s.published_note,
                    "seed": s.seed,
                    "cites": _flat_list(s.cites, where),
                    "url": s.url,
                }
            )

    for _, e in events.iterrows():
        add(e["sources"], str(e["event_id"]), str(e["episode"]))
    for ep in _episode_rows(episodes, set(events["episode"])):
        add(ep["sources"], None, str(ep["episode"]))
    return pd.DataFrame(rows, columns=[n for n, _, _ in SOURCE_FIELDS], dtype=object)


def episodes_table(events: pd.DataFrame, episodes: pd.DataFrame | None) -> pd.DataFrame:
    """The episodes the exported events belong to (attributes only)."""
    rows = [
        {
            "episode": ep["episode"],
            "title": ep.get("title"),
            "summary": ep.get("summary"),
            "date_start": to_day(ep.get("date_start")),
            "date_end": to_day(ep.get("date_end")),
            "layer_file": ep.get("layer_file"),
        }
        for ep in _episode_rows(episodes, set(events["episode"]))
    ]
    return pd.DataFrame(rows, columns=[n for n, _, _ in EPISODE_FIELDS], dtype=object)


def summary_table(
    events: pd.DataFrame,
    admin: AdminUnits,
    *,
    by: Literal["region", "district"] = "region",
    start: date | None = None,
    end: date | None = None,
) -> gpd.GeoDataFrame:
    """Units with their counts for the events given (every unit, zeros included).

    Built on :func:`geo.summary.region_summary`; events in no unit keep their
    row (``"(outside any region)"``) with an empty geometry, so the counts add
    up to the events exported. ``period_start``/``period_end`` record the period.
    """
    from geo.summary import region_summary, totals_with_units

    table = region_summary(events, by=by, start=start, end=end, admin=admin)
    units = admin.regions if by == "region" else admin.districts
    merged = pd.DataFrame(totals_with_units(table, units, by=by))
    days = [d for d in (to_day(x) for x in events["date_start"]) if d]
    ends = [d for d in (to_day(x) for x in events["date_end"]) if d]
    merged["period_start"] = start or (min(days) if days else None)
    merged["period_end"] = end or (max(ends) if ends else None)
    out = gpd.GeoDataFrame(merged, geometry="geometry", crs=units.crs)
    if out.crs is not None and out.crs.to_epsg() != 4326:
        out = out.to_crs(4326)
    return out


def summary_fields(by: str) -> tuple[tuple[str, str, str], ...]:
    head: tuple[tuple[str, str, str], ...] = (
        (
            ("country", "str", "Country"),
            ("region_id", "str", "Region ID"),
            ("region", "str", "Region"),
        )
        if by == "region"
        else (
            ("country", "str", "Country"),
            ("district_id", "str", "District ID"),
            ("district", "str", "District"),
            ("region", "str", "Region"),
        )
    )
    return head + _COUNT_FIELDS


#: Converters from a frame's values to the plain values of each field kind.
CONVERT: dict[str, Callable[[Any], Any]] = {
    "str": _text,
    "date": to_day,
    "int": _int,
    "float": _float,
}
