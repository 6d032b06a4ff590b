"""Accepting a reviewed candidate into a layer, or merging it into an existing event."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pydantic

from geo._errors import IngestError, ValidationError
from geo.events import Claim, EpisodeInfo, EventProperties, Source
from geo.gazetteer import Gazetteer
from geo.layers import Event, Layer, dump_layer, parse_layer, validate_paths, write_layer


def load_draft(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a draft written by ``conflictmap ingest``; the message names the file on error."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IngestError(f"{p}: no such draft file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IngestError(f"{p}: not a draft (invalid JSON: {exc})") from None
    if (
        not isinstance(data, Mapping)
        or "draft" not in data
        or not isinstance(data.get("features"), list)
    ):
        raise IngestError(f"{p}: not a draft written by `conflictmap ingest`")
    return dict(data)


def find_candidate(draft: Mapping[str, Any], candidate_id: str, *, origin: str) -> dict[str, Any]:
    """The draft feature whose ``candidate.id`` is ``candidate_id``."""
    ids = []
    for feature in draft["features"]:
        cid = (feature.get("candidate") or {}).get("id")
        ids.append(str(cid))
        if cid == candidate_id:
            return dict(feature)
    raise IngestError(
        f"{origin}: no candidate {candidate_id!r} (candidates: {', '.join(ids) or 'none'})"
    )


def corrected(
    feature: Mapping[str, Any],
    *,
    gazetteer: Gazetteer,
    place_id: str | None = None,
    event_date: str | None = None,
    date_start: str | None = None,
    date_end: str | None = None,
    event_type: str | None = None,
    sub_event_type: str | None = None,
    event_id: str | None = None,
    claims: list[dict[str, Any]] | None = None,
    require_point: bool = True,
) -> tuple[EventProperties, tuple[float, float] | None]:
    """The editor's version of a candidate: validated properties and the point (lon, lat).

    A new ``place_id`` takes that gazetteer place's sourced point (or its fallback
    reference's) and precision; nothing is guessed.

    Raises
    ------
    ValidationError
        Naming the candidate and the field, when the result is not a valid event.
    """
    props = dict(feature["properties"])
    cid = (feature.get("candidate") or {}).get("id", "?")
    where = f"candidate {cid}"
    geometry = feature.get("geometry")
    point = tuple(geometry["coordinates"]) if geometry else None
    if place_id:
        try:
            result = gazetteer.resolve_point(place_id)
        except KeyError as exc:
            raise ValidationError([f"{where}: field 'place_id': {exc.args[0]}"]) from None
        props.update(
            place_id=place_id,
            country=result.country,
            geo_precision=max(result.geo_precision, int(props.get("geo_precision", 1))),
            where_prec=max(result.where_prec, int(props.get("where_prec", 1))),
            location=props.get("location") or result.name,
        )
        if result.note:
            props["location_note"] = result.note
        point = (result.lon, result.lat)
    for key, value in (
        ("event_date", event_date),
        ("date_start", date_start),
        ("date_end", date_end),
        ("event_type", event_type),
        ("sub_event_type", sub_event_type),
        ("event_id", event_id),
    ):
        if value:
            props[key] = value
    if event_date and not date_start:
        props["date_start"] = min(props["date_start"], event_date)
    if event_date and not date_end:
        props["date_end"] = max(props["date_end"], event_date)
    if claims is not None:
        props["claims"] = claims
    props["tags"] = [t for t in props.get("tags", []) if t != "ingest-candidate"]
    if point is None and require_point:
        raise ValidationError(
            [f"{where}: field 'place_id': the candidate has no sourced point; choose a place"]
        )
    try:
        model = EventProperties.model_validate(props)
    except pydantic.ValidationError as err:
        raise ValidationError(
            [f"{where}: field '{'.'.join(map(str, e['loc'])) or '(record)'}': {e['msg']}"
             for e in err.errors()]
        ) from None  # fmt: skip
    return model, None if point is None else (float(point[0]), float(point[1]))


def _load_layer(path: Path, gazetteer: Gazetteer) -> Layer:
    report = validate_paths([path], gazetteer=gazetteer)
    if report.problems or not report.layers:
        raise ValidationError(
            [f"{path}: the layer is not valid now, fix it first", *report.problems]
        )
    return report.layers[0]


def _write_checked(
    layer: Layer, path: Path, gazetteer: Gazetteer, *, expect_events: int, layers_dir: Path | None
) -> None:
    """Re-validate the new layer in memory (and against the other layers), then write it."""
    text = dump_layer(layer)
    parsed, problems = parse_layer(json.loads(text), origin=str(path), gazetteer=gazetteer)
    if problems or parsed is None:
        raise ValidationError(problems or [f"{path}: the new layer is unusable"])
    if len(parsed.events) != expect_events:
        raise ValidationError(
            [f"{path}: expected {expect_events} events after the change, got {len(parsed.events)}"]
        )
    if layers_dir is not None:
        others = [
            p for p in sorted(Path(layers_dir).glob("*.geojson")) if p.resolve() != path.resolve()
        ]
        ids = {ev.properties.event_id for ev in parsed.events}
        report = validate_paths(others, gazetteer=gazetteer) if others else None
        if report is not None:
            clash = sorted(
                ids & {ev.properties.event_id for lay in report.layers for ev in lay.events}
            )
            if clash:
                raise ValidationError(
                    [f"{path}: field 'event_id': {', '.join(clash)} already used in another layer"]
                )
    write_layer(parsed, path)


def accept(
    properties: EventProperties,
    point: tuple[float, float],
    layer_path: str | os.PathLike[str],
    *,
    gazetteer: Gazetteer,
    layers_dir: Path | None = None,
) -> Layer:
    """Add a reviewed event to a layer file: validate, write atomically, keep every event.

    Raises
    ------
    ValidationError
        When the event id already exists, the date falls outside the episode, or
        anything else makes the new layer invalid; the file is then left untouched.
    """
    path = Path(layer_path)
    layer = _load_layer(path, gazetteer)
    if any(ev.properties.event_id == properties.event_id for ev in layer.events):
        raise ValidationError(
            [f"{path}: field 'event_id': {properties.event_id!r} already exists in this layer; "
             "merge into it instead, or choose another id"]
        )  # fmt: skip
    new = Event(properties, point[0], point[1], index=len(layer.events))
    updated = replace(layer, events=(*layer.events, new))
    _write_checked(
        updated, path, gazetteer, expect_events=len(layer.events) + 1, layers_dir=layers_dir
    )
    return updated


def accept_new_layer(
    properties: EventProperties,
    point: tuple[float, float],
    layer_path: str | os.PathLike[str],
    *,
    title: str,
    gazetteer: Gazetteer,
    layers_dir: Path | None = None,
) -> Layer:
    """Start a new episode layer with one reviewed event (the next clash has no layer yet).

    The episode takes its id from the file name, its dates and source from the event;
    its summary says where it came from. An existing file is never overwritten.
    """
    path = Path(layer_path)
    if path.exists():
        raise ValidationError([f"{path}: already exists; accept into it instead"])
    if path.suffix.lower() != ".geojson":
        raise ValidationError([f"{path}: a layer file name ends in .geojson"])
    source = properties.sources[0]
    try:
        episode = EpisodeInfo.model_validate(
            {
                "id": path.stem,
                "title": title,
                "summary": (
                    f"Episode started from {source.seed or source.outlet} with conflictmap "
                    f"ingest; first event {properties.event_id}. Extend this summary in your "
                    "own words as events are added."
                ),
                "date_start": properties.date_start,
                "date_end": properties.date_end,
                "sources": [source.model_dump()],
            }
        )
    except pydantic.ValidationError as err:
        raise ValidationError(
            [f"{path} episode: field '{'.'.join(map(str, e['loc']))}': {e['msg']}"
             for e in err.errors()]
        ) from None  # fmt: skip
    layer = Layer(episode, (Event(properties, point[0], point[1]),), str(path))
    _write_checked(layer, path, gazetteer, expect_events=1, layers_dir=layers_dir)
    return layer


def merge(
    properties: EventProperties,
    layer_path: str | os.PathLike[str],
    event_id: str,
    *,
    gazetteer: Gazetteer,
) -> Layer:
    """Merge a candidate into an existing event: add its source and its claims.

    The same clash reported by two outlets is one event with more claims. The
    candidate's source gets an id not yet used by the event; claims identical to
    ones the event already has from the same seed are not repeated.
    """
    path = Path(layer_path)
    layer = _load_layer(path, gazetteer)
    matches = [ev for ev in layer.events if ev.properties.event_id == event_id]
    if not matches:
        raise ValidationError(
            [f"{path}: field 'event_id': no event {event_id!r} in this layer to merge into"]
        )
    target = matches[0]
    old = target.properties
    source = properties.sources[0]
    same_seed = next(
        (s for s in old.sources if source.seed is not None and s.seed == source.seed), None
    )
    if same_seed is not None:
        source_id = same_seed.id
        sources = old.sources
    else:
        used = {s.id for s in old.sources}
        source_id, n = source.id, 2
        while source_id in used:
            source_id, n = f"{source.id}-{n}", n + 1
        sources = (*old.sources, Source.model_validate({**source.model_dump(), "id": source_id}))
    claims = list(old.claims)
    for claim in properties.claims:
        new_claim = Claim.model_validate({**claim.model_dump(), "source": source_id})
        if not any(_same(new_claim, c) for c in claims):
            claims.append(new_claim)
    try:
        merged_props = EventProperties.model_validate(
            {**old.model_dump(), "sources": [s.model_dump() for s in sources],
             "claims": [c.model_dump() for c in claims]}
        )  # fmt: skip
    except pydantic.ValidationError as err:
        raise ValidationError(
            [f"{path} event {event_id}: field '{'.'.join(map(str, e['loc']))}': {e['msg']}"
             for e in err.errors()]
        ) from None  # fmt: skip
    events = tuple(
        replace(ev, properties=merged_props) if ev is target else ev for ev in layer.events
    )
    updated = replace(layer, events=events)
    _write_checked(updated, path, gazetteer, expect_events=len(layer.events), layers_dir=None)
    return updated


def _same(a: Claim, b: Claim) -> bool:
    keys = ("claimant", "measure", "side", "group", "qualifier", "value", "low", "high", "text")
    return all(getattr(a, k) == getattr(b, k) for k in keys) and a.source == b.source


def layer_files(layers_dir: str | os.PathLike[str]) -> list[Path]:
    """The layer files an editor can add to, sorted by name."""
    return sorted(Path(layers_dir).glob("*.geojson"))


def event_ids(layer_path: str | os.PathLike[str]) -> list[str]:
    """Ids of the events in a layer file (read only; no validation)."""
    try:
        data = json.loads(Path(layer_path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return []
    return [
        str(f["properties"]["event_id"])
        for f in data.get("features", [])
        if isinstance(f, Mapping) and isinstance(f.get("properties"), Mapping)
        and "event_id" in f["properties"]
    ]  # fmt: skip


def evidence_markdown(text: str, start: int, end: int, marks: list[tuple[int, int]]) -> str:
    """One evidence sentence as Markdown, every character escaped, the marked spans in bold.

    ``marks`` are article offsets (a place or date mention); those outside the
    sentence are ignored. Nothing from the article can become a link or markup.
    """
    from geo.markdown import md_escape

    inside = sorted((max(a, start), min(b, end)) for a, b in marks if a < end and b > start)
    out, pos = [], start
    for a, b in inside:
        if a < pos:
            continue
        out.append(md_escape(text[pos:a]))
        out.append(f"**{md_escape(text[a:b])}**")
        pos = b
    out.append(md_escape(text[pos:end]))
    return "".join(out)


def claims_from_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Claim records from an edited table: empty cells dropped, figures as whole numbers."""
    out = []
    for row in rows:
        claim: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or value == "" or (isinstance(value, float) and value != value):
                continue
            if key in ("value", "low", "high"):
                value = int(value)
            claim[key] = value
        if claim:
            out.append(claim)
    return out
