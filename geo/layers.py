"""Event layers: read, validate, write (deterministically) and load into a GeoDataFrame."""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import pydantic
from shapely.geometry import Point

from geo._errors import GeocodeError, ValidationError
from geo._io import atomic_write_text
from geo.events import (
    CASUALTY_COLUMNS,
    COUNTRIES,
    DERIVED_FIELDS,
    UNIT_WHERE_PREC,
    EpisodeInfo,
    EventProperties,
    derived_figures,
    figures_note,
)
from geo.text import printable

if TYPE_CHECKING:
    from geo.gazetteer import Gazetteer

#: Rough extent of each country plus a border zone, (min lon, min lat, max lon, max lat).
COUNTRY_EXTENT: dict[str, tuple[float, float, float, float]] = {
    "ARM": (43.45, 38.84, 46.63, 41.30),
    "AZE": (44.76, 38.39, 50.63, 41.91),
}
BORDER_ZONE_DEG = 0.25
#: How far (in degrees) an event point may sit from its gazetteer place and still match it.
PLACE_TOLERANCE_DEG = 1e-5


@dataclass(frozen=True)
class Event:
    """One validated event: its properties and its point (WGS84)."""

    properties: EventProperties
    lon: float
    lat: float
    index: int = 0  #: position of the feature in its file


@dataclass(frozen=True)
class Layer:
    """One episode's layer file, validated."""

    episode: EpisodeInfo
    events: tuple[Event, ...]
    origin: str = "<memory>"


@dataclass
class Report:
    """What validation found across files."""

    files: list[str] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    features_seen: int = 0

    @property
    def events(self) -> int:
        return sum(len(layer.events) for layer in self.layers)

    @property
    def claims(self) -> int:
        return sum(len(e.properties.claims) for layer in self.layers for e in layer.events) + sum(
            len(layer.episode.claims) for layer in self.layers
        )

    @property
    def ok(self) -> bool:
        return not self.problems

    def valid_layers(self) -> list[Layer]:
        """The layers of files without any problem (a file with one bad feature is left out).

        For showing what can be shown when some layers are broken: each problem names
        its file, so a file is valid when no problem starts with its name.
        """
        return [
            layer
            for layer in self.layers
            if not any(
                p.startswith((f"{layer.origin}:", f"{layer.origin} ")) for p in self.problems
            )
        ]


# --- parsing ------------------------------------------------------------------------------


#: How much of a bad value a message quotes; the rest is cut (a 50 MB note is not echoed).
SHOWN_CHARS = 80


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def _loc(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(record)"


_FIELD_PREFIX = re.compile(r"^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+)?): (.*)$", re.S)


def _pydantic_problems(err: pydantic.ValidationError, where: str) -> list[str]:
    problems = []
    for e in err.errors():
        loc = _loc(e["loc"])
        kind = e["type"]
        if kind == "extra_forbidden":
            name = str(e["loc"][-1])
            if name in DERIVED_FIELDS:
                msg = f"'{name}' is derived (from claims or the join); do not type it in"
            else:
                msg = f"unknown field '{name}'"
            problems.append(f"{where}: field '{loc}': {msg}")
        elif kind == "missing":
            problems.append(f"{where}: field '{loc}': required field is missing")
        else:
            msg = e["msg"].removeprefix("Value error, ")
            got = e.get("input")
            shown = "" if isinstance(got, dict | list) else f" (got {shorten(repr(got))})"
            named = _FIELD_PREFIX.match(msg)
            if named:  # a record-level rule that names the field it is about
                inner = named.group(1)
                loc = inner if loc == "(record)" else f"{loc}.{inner}"
                msg = named.group(2)
            problems.append(f"{where}: field '{loc}': {msg}{shown}")
    return problems


def _check_point(
    geometry: Any, country: str | None, where: str
) -> tuple[tuple[float, float] | None, list[str]]:
    if not isinstance(geometry, Mapping):
        return None, [f"{where}: field 'geometry': a Point geometry is required"]
    if geometry.get("type") != "Point":
        return None, [
            f"{where}: field 'geometry.type': must be 'Point', got {geometry.get('type')!r}"
        ]
    coords = geometry.get("coordinates")
    if (
        not isinstance(coords, list)
        or len(coords) != 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)
        or not all(math.isfinite(c) for c in coords)
    ):
        return None, [
            f"{where}: field 'geometry.coordinates': must be [longitude, latitude] numbers, "
            f"got {coords!r}"
        ]
    lon, lat = float(coords[0]), float(coords[1])
    problems = []
    if not -180 <= lon <= 180:
        problems.append(
            f"{where}: field 'geometry.coordinates': longitude {lon} is outside [-180, 180]"
        )
    if not -90 <= lat <= 90:
        problems.append(
            f"{where}: field 'geometry.coordinates': latitude {lat} is outside [-90, 90]"
        )
    if problems or country not in COUNTRY_EXTENT:
        return (lon, lat) if not problems else None, problems

    def inside(x: float, y: float, iso: str) -> bool:
        x0, y0, x1, y1 = COUNTRY_EXTENT[iso]
        m = BORDER_ZONE_DEG
        return x0 - m <= x <= x1 + m and y0 - m <= y <= y1 + m

    if not inside(lon, lat, country):
        hint = ""
        if inside(lat, lon, country):
            hint = " — it looks like longitude and latitude are swapped (GeoJSON is [lon, lat])"
        problems.append(
            f"{where}: field 'geometry.coordinates': point ({lon}, {lat}) is not in "
            f"{COUNTRIES[country]} or its border zone, but 'country' is {country}{hint}"
        )
        return None, problems
    return (lon, lat), problems


def _check_place(
    props: EventProperties, point: tuple[float, float], gazetteer: Gazetteer, where: str
) -> list[str]:
    if props.place_id is None:
        return []
    try:
        ref = gazetteer.resolve_point(props.place_id)
    except (KeyError, GeocodeError) as exc:
        msg = exc.args[0] if exc.args else str(exc)
        return [f"{where}: field 'place_id': {msg}"]
    problems = []
    if ref.lat is None or ref.lon is None:  # pragma: no cover - resolve_point raises instead
        return [f"{where}: field 'place_id': {props.place_id!r} has no sourced coordinate"]
    lon, lat = point
    if abs(lon - ref.lon) > PLACE_TOLERANCE_DEG or abs(lat - ref.lat) > PLACE_TOLERANCE_DEG:
        problems.append(
            f"{where}: field 'geometry.coordinates': ({lon}, {lat}) is not the sourced point of "
            f"place {props.place_id!r} ({ref.lon}, {ref.lat}); coordinates come from the "
            "gazetteer, never typed by hand"
        )
    if props.geo_precision < ref.geo_precision:
        problems.append(
            f"{where}: field 'geo_precision': {props.geo_precision} claims more precision than "
            f"the place reference allows ({ref.geo_precision}: {ref.note or 'see gazetteer'})"
        )
    if props.where_prec < ref.where_prec:
        problems.append(
            f"{where}: field 'where_prec': {props.where_prec} claims more precision than "
            f"the place reference allows ({ref.where_prec}: {ref.note or 'see gazetteer'})"
        )
    place = gazetteer.get(props.place_id) if props.place_id in gazetteer else None
    levels = UNIT_WHERE_PREC.get(place.country, {}) if place is not None else {}
    if props.where_prec in (3, 4) and levels and props.where_prec not in levels.values():
        named = ", ".join(f"{k} {getattr(place, k)!r} is {v}" for k, v in levels.items())
        problems.append(
            f"{where}: field 'where_prec': {props.where_prec} names no admin level of place "
            f"{props.place_id!r} ({named}; see the precision rule in data/CODEBOOK.md)"
        )
    return problems


def _surrogates(value: Any, loc: str = "") -> list[str]:
    """Fields of decoded JSON whose text (or key) holds a lone surrogate, as problems."""
    found: list[str] = []
    stack: list[tuple[Any, str]] = [(value, loc)]
    while stack:
        v, at = stack.pop()
        if isinstance(v, str):
            pos = next((i for i, ch in enumerate(v) if 0xD800 <= ord(ch) <= 0xDFFF), None)
            if pos is not None:
                found.append(
                    f"field '{at or '(record)'}': contains a lone surrogate "
                    f"U+{ord(v[pos]):04X} at position {pos}; not valid text"
                )
        elif isinstance(v, Mapping):
            for k, item in v.items():
                key = str(k)
                stack.append((key, at or "(key)"))
                stack.append((item, f"{at}.{key}" if at else key))
        elif isinstance(v, list):
            stack += [(item, f"{at}[{n}]") for n, item in enumerate(v)]
    return sorted(found)


def parse_layer(
    data: Any, *, origin: str = "<memory>", gazetteer: Gazetteer | None = None
) -> tuple[Layer | None, list[str]]:
    """Validate a decoded layer (a GeoJSON FeatureCollection with an ``episode`` member).

    Returns the layer (``None`` when it is unusable) and every problem found,
    each naming the file, the feature, its id and the field.
    """
    problems: list[str] = []
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        return None, [f"{origin}: not a GeoJSON FeatureCollection"]
    unknown = sorted(set(data) - {"type", "episode", "features", "bbox"})
    if unknown:
        problems.append(f"{origin}: unknown top-level member(s): {', '.join(unknown)}")
    episode = None
    bad_text = _surrogates(data.get("episode"))
    if bad_text:
        return None, [*problems, *(f"{origin} episode: {p}" for p in bad_text)]
    try:
        episode = EpisodeInfo.model_validate_json(json.dumps(data.get("episode")), strict=True)
    except pydantic.ValidationError as err:
        problems += _pydantic_problems(err, f"{origin} episode")
    features = data.get("features")
    if not isinstance(features, list):
        return None, [*problems, f"{origin}: field 'features': must be a list"]

    events: list[Event] = []
    for n, feature in enumerate(features):
        raw = feature.get("properties") if isinstance(feature, Mapping) else None
        raw_id = raw.get("event_id") if isinstance(raw, Mapping) else None
        shown_id = printable(shorten(raw_id)) if isinstance(raw_id, str) and raw_id else "?"
        where = f"{origin} feature {n} (id {shown_id})"
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            problems.append(f"{where}: not a GeoJSON Feature")
            continue
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: field 'properties': must be an object")
            continue
        before = len(problems)
        bad_text = _surrogates(raw)
        if bad_text:
            problems += [f"{where}: {p}" for p in bad_text]
            continue
        props = None
        try:
            props = EventProperties.model_validate_json(json.dumps(raw), strict=True)
        except pydantic.ValidationError as err:
            problems += _pydantic_problems(err, where)
        country = raw.get("country") if isinstance(raw.get("country"), str) else None
        point, geo_problems = _check_point(feature.get("geometry"), country, where)
        problems += geo_problems
        if props is None or point is None:
            continue
        if episode is not None and not (
            episode.date_start <= props.date_start and props.date_end <= episode.date_end
        ):
            problems.append(
                f"{where}: field 'date_start': {props.date_start}..{props.date_end} falls outside "
                f"the episode's {episode.date_start}..{episode.date_end}"
            )
        if gazetteer is not None:
            problems += _check_place(props, point, gazetteer, where)
        if len(problems) == before:  # only events without any problem pass
            events.append(Event(props, *point, index=n))
    if episode is None:
        return None, problems
    return Layer(episode, tuple(events), origin), problems


#: The largest layer file read, in bytes. The curated layers are a few hundred kB; a file
#: this size is not a hand-kept layer and would take the app's memory with it.
MAX_LAYER_BYTES = 20 * 1024 * 1024
#: The largest total any figure column holds (64-bit integers in frames and exports).
INT64_MAX = 2**63 - 1
#: How deep JSON may nest in a layer (a feature's claims sit at depth 6).
MAX_JSON_DEPTH = 32


def _hidden(path: Path) -> bool:
    """Hidden files, including the ``.name.*`` temporaries of atomic writes: never layers."""
    return path.name.startswith(".")


def layer_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Expand folders to the ``*.geojson`` files in them, sorted; keep files as given.

    Hidden files in a folder (names starting with '.', such as the temporary files of an
    interrupted write) are never layers.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.glob("*.geojson") if not _hidden(f))
        else:
            out.append(p)
    return out


def misnamed_layers(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Problems for files in the given folders that look like layers but are not read.

    ``x.GeoJSON`` or ``x.json`` in a layers folder is reported rather than skipped
    without a word; hidden files are left alone.
    """
    problems = []
    for p in map(Path, paths):
        if not p.is_dir():
            continue
        for f in sorted(p.iterdir()):
            suffix = f.suffix.lower()
            if _hidden(f) or f.suffix == ".geojson" or suffix not in (".geojson", ".json"):
                continue
            problems.append(
                f"{f}: not read as a layer: layer files end in '.geojson' (lower case); "
                "rename it or move it out of the layers folder"
            )
    return problems


def _depth(data: Any) -> int:
    """How deeply lists and objects nest in decoded JSON (iteratively: no recursion limit)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                return level
            children = value.values() if isinstance(value, dict) else value
            stack += [(v, level + 1) for v in children]
    return deepest


def _position(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line} column {column}"


def _locate_duplicates(text: str) -> list[tuple[str, int, str]]:
    """Each repeated key of ``text`` (valid JSON): ``(key, position, where)``.

    Only run once a repeated key is known to be there. The pure-Python decoder is
    asked to parse objects through a wrapper that records where each object starts and
    ends; the repeated key's position is its second spelling among the object's own
    keys (nested objects are skipped), and ``where`` names the GeoJSON feature it is
    in (`` feature N (id X)``) when there is one.
    """
    objects: list[tuple[int, int, dict[str, Any]]] = []  # (start, end, members)
    found: list[tuple[str, int]] = []  # (key, start of the object holding it)

    def parse_object(s_and_end: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        start = s_and_end[1] - 1  # the position of "{"

        def hook(items: list[tuple[str, Any]]) -> dict[str, Any]:
            members: dict[str, Any] = {}
            for key, value in items:
                if key in members:
                    found.append((key, start))
                members[key] = value
            return members

        args = (*args[:3], hook, *args[4:])
        value, end = json.decoder.JSONObject(  # type: ignore[attr-defined]
            s_and_end, *args, **kwargs
        )
        objects.append((start, end, value))
        return value, end

    decoder = json.JSONDecoder()
    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    decoder.decode(text)

    features = sorted(
        (start, end, members) for start, end, members in objects if members.get("type") == "Feature"
    )
    located: list[tuple[str, int, str]] = []
    for key, start in dict.fromkeys(found):
        end = next(e for s, e, _ in objects if s == start)
        inner = [(s, e) for s, e, _ in objects if start < s and e <= end]
        spelled = re.compile(r"(?<!\\)" + re.escape(json.dumps(key)) + r"\s*:")
        own = [
            m.start()
            for m in spelled.finditer(text, start, end)
            if not any(s <= m.start() < e for s, e in inner)
        ]
        pos = own[1] if len(own) > 1 else start
        where = ""
        for n, (s, e, members) in enumerate(features):
            if s <= pos < e:
                props = members.get("properties")
                raw_id = props.get("event_id") if isinstance(props, Mapping) else None
                shown = printable(shorten(raw_id)) if isinstance(raw_id, str) and raw_id else "?"
                where = f" feature {n} (id {shown})"
        located.append((key, pos, where))
    return sorted(located, key=lambda item: item[1])


def read_layer_json(path: str | os.PathLike[str]) -> tuple[Any, list[str]]:
    """Read and decode one layer file; ``(data, [])`` or ``(None, problems)``.

    Reads only regular files (not a FIFO, a device, a folder), at most
    :data:`MAX_LAYER_BYTES`; duplicate keys, numbers with more than 4,300 digits, nesting
    deeper than :data:`MAX_JSON_DEPTH` and undecodable text are problems naming the file
    and, where the parser knows it, the line and column.
    """
    origin = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None, [f"{origin}: file not found"]
    except IsADirectoryError:
        return None, [f"{origin}: is a folder, not a layer file"]
    except OSError as exc:
        return None, [f"{origin}: cannot be read: {exc.strerror or exc}"]
    st = os.fstat(fd)
    refused = None
    if stat.S_ISDIR(st.st_mode):
        refused = f"{origin}: is a folder, not a layer file"
    elif not stat.S_ISREG(st.st_mode):
        refused = f"{origin}: not a regular file (a pipe, device or socket); not read"
    elif st.st_size > MAX_LAYER_BYTES:
        refused = (
            f"{origin}: {st.st_size:,} bytes is over the {MAX_LAYER_BYTES:,}-byte limit "
            "for a layer file; split the episode into several layers"
        )
    if refused:
        os.close(fd)
        return None, [refused]
    with os.fdopen(fd, "rb") as fh:
        raw = fh.read(MAX_LAYER_BYTES + 1)
    if len(raw) > MAX_LAYER_BYTES:  # grew while we read it
        return None, [f"{origin}: over the {MAX_LAYER_BYTES:,}-byte limit for a layer file"]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [f"{origin}: not valid UTF-8 at byte {exc.start}: {exc.reason}"]

    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                duplicates.append(key)
            seen[key] = value
        return seen

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        return None, [f"{origin}: not valid JSON at {_position(text, exc.pos)}: {exc.msg}"]
    except ValueError as exc:  # int() refuses numbers over sys.get_int_max_str_digits()
        return None, [f"{origin}: not valid JSON: a number is too long ({exc})"]
    except RecursionError:
        return None, [f"{origin}: not valid JSON: nested deeper than {MAX_JSON_DEPTH} levels"]
    if duplicates:
        return None, [
            f"{origin}{where}: {'field' if where else 'key'} {shorten(repr(key))}"
            f"{':' if where else ''} appears twice in one object ({_position(text, pos)}); "
            "a repeated key would silently drop a value"
            for key, pos, where in _locate_duplicates(text)
        ]
    if _depth(data) > MAX_JSON_DEPTH:
        return None, [f"{origin}: not valid JSON: nested deeper than {MAX_JSON_DEPTH} levels"]
    return data, []


def validate_paths(
    paths: Iterable[str | os.PathLike[str]], *, gazetteer: Gazetteer | None = None
) -> Report:
    """Validate layer files (folders expand to their ``*.geojson``); never writes anything.

    Besides each file's own checks: event ids must be unique across files,
    episode ids too, and a claim's ``included_in`` must name an existing event.
    """
    report = Report()
    paths = list(paths)
    files = layer_paths(paths)
    report.problems += misnamed_layers(paths)
    if not files:
        report.problems.append("no layer files found in " + ", ".join(map(str, paths)))
    seen_ids: dict[str, str] = {}
    any_ids: set[str] = set()  # ids of every feature, valid or not
    seen_episodes: dict[str, str] = {}
    for path in files:
        origin = str(path)
        report.files.append(origin)
        data, read_problems = read_layer_json(path)
        if read_problems:
            report.problems += read_problems
            continue
        if isinstance(data, Mapping) and isinstance(data.get("features"), list):
            report.features_seen += len(data["features"])
            for feature in data["features"]:
                props = feature.get("properties") if isinstance(feature, Mapping) else None
                if isinstance(props, Mapping) and isinstance(props.get("event_id"), str):
                    any_ids.add(props["event_id"])
        layer, problems = parse_layer(data, origin=origin, gazetteer=gazetteer)
        report.problems += problems
        if layer is None:
            continue
        if layer.episode.id in seen_episodes:
            report.problems.append(
                f"{origin}: episode id {layer.episode.id!r} is also used in "
                f"{seen_episodes[layer.episode.id]}"
            )
        seen_episodes.setdefault(layer.episode.id, origin)
        for ev in layer.events:
            eid = ev.properties.event_id
            if eid in seen_ids:
                report.problems.append(
                    f"{origin} feature {ev.index} (id {eid}): field 'event_id': duplicate id, "
                    f"already used in {seen_ids[eid]}"
                )
            else:
                seen_ids[eid] = origin
        report.layers.append(layer)
    total = sum(
        c.high if c.high is not None else (c.value or 0)
        for layer in report.layers
        for claims in (layer.episode.claims, *(ev.properties.claims for ev in layer.events))
        for c in claims
    )
    if total > INT64_MAX:
        report.problems.append(
            f"{', '.join(report.files)}: the claimed figures add up to {total:,}, beyond the "
            f"64-bit range ({INT64_MAX:,}) that totals are stored in; check the largest claims"
        )
    for layer in report.layers:
        for ev in layer.events:
            for k, claim in enumerate(ev.properties.claims):
                if claim.included_in and claim.included_in not in any_ids:
                    report.problems.append(
                        f"{layer.origin} feature {ev.index} (id {ev.properties.event_id}): field "
                        f"'claims[{k}].included_in': no event {claim.included_in!r} in these layers"
                    )
    return report


# --- writing ------------------------------------------------------------------------------

_COORDS_RE = re.compile(r'"coordinates": \[\s*([^\]\s]+),\s*([^\]\s]+)\s*\]')


def layer_to_dict(layer: Layer) -> dict[str, Any]:
    """The canonical JSON-ready form of a layer (stable key order)."""
    return {
        "type": "FeatureCollection",
        "episode": layer.episode.model_dump(mode="json", exclude_none=True),
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [ev.lon, ev.lat]},
                "properties": ev.properties.model_dump(mode="json", exclude_none=True),
            }
            for ev in layer.events
        ],
    }


def dump_layer(layer: Layer) -> str:
    """Serialise deterministically: fixed key order, 2-space indent, one feature per block."""
    text = json.dumps(layer_to_dict(layer), ensure_ascii=False, indent=2)
    return _COORDS_RE.sub(r'"coordinates": [\1, \2]', text) + "\n"


def write_layer(layer: Layer, path: str | os.PathLike[str]) -> None:
    """Write a layer in canonical form, atomically."""
    atomic_write_text(path, dump_layer(layer))


# --- loading into a frame -------------------------------------------------------------------

SCALAR_FIELDS = [
    name for name in EventProperties.model_fields if name not in ("sources", "claims", "tags")
]
DATE_FIELDS = ("event_date", "date_start", "date_end")


def layers_to_frame(
    layers: Sequence[Layer], *, gazetteer: Gazetteer | None = None
) -> gpd.GeoDataFrame:
    """One row per event (EPSG:4326), with derived casualty columns.

    Nested ``sources``/``claims`` are lists of plain dicts; dates are
    ``datetime64[ns]``; ``expected_region`` carries the gazetteer's region for
    the place (used by the join to report disagreements).
    """
    rows: list[dict[str, Any]] = []
    for layer in layers:
        for ev in layer.events:
            p = ev.properties
            row: dict[str, Any] = {
                "episode": layer.episode.id,
                "episode_title": layer.episode.title,
                "layer_file": Path(layer.origin).name,
            }
            row.update({k: getattr(p, k) for k in SCALAR_FIELDS})
            row["country_name"] = COUNTRIES[p.country] if p.country else None
            row["latitude"], row["longitude"] = ev.lat, ev.lon
            row["tags"] = list(p.tags)
            row["sources"] = [s.model_dump(mode="json", exclude_none=True) for s in p.sources]
            row["claims"] = [c.model_dump(mode="json", exclude_none=True) for c in p.claims]
            row.update(derived_figures(p.claims))
            row["figures_note"] = figures_note(p.claims)
            row["expected_region"] = None
            if gazetteer is not None and p.place_id:
                row["expected_region"] = gazetteer.get(p.place_id).region or None
            row["geometry"] = Point(ev.lon, ev.lat)
            rows.append(row)
    columns = [
        "episode", "episode_title", "layer_file", *SCALAR_FIELDS, "country_name",
        "latitude", "longitude", "tags", "sources", "claims",
        *CASUALTY_COLUMNS, "figures_note", "expected_region", "geometry",
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    for name in DATE_FIELDS:
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    for name in (*CASUALTY_COLUMNS, "time_precision", "geo_precision", "where_prec"):
        frame[name] = frame[name].astype("int64")
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")
    gdf.index = pd.Index(gdf["event_id"].tolist(), name="event_id")
    return gdf


def load_events(
    paths: Iterable[str | os.PathLike[str]], *, gazetteer: Gazetteer | None = None
) -> gpd.GeoDataFrame:
    """Validate and load layers into one frame.

    Raises :class:`ValidationError` listing every problem in every file.
    """
    report = validate_paths(paths, gazetteer=gazetteer)
    if report.problems:
        raise ValidationError(report.problems)
    return layers_to_frame(report.layers, gazetteer=gazetteer)


def episodes_frame(layers: Sequence[Layer]) -> pd.DataFrame:
    """One row per episode: id, title, summary, dates, and the episode-wide claims."""
    return pd.DataFrame(
        [
            {
                "episode": layer.episode.id,
                "title": layer.episode.title,
                "summary": layer.episode.summary,
                "date_start": pd.Timestamp(layer.episode.date_start),
                "date_end": pd.Timestamp(layer.episode.date_end),
                "layer_file": Path(layer.origin).name,
                "sources": [
                    s.model_dump(mode="json", exclude_none=True) for s in layer.episode.sources
                ],
                "claims": [
                    c.model_dump(mode="json", exclude_none=True) for c in layer.episode.claims
                ],
            }
            for layer in layers
        ]
    )
