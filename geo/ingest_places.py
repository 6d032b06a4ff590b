"""Places an article names: gazetteer aliases, areas, GeoNames; topics and people left out."""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from geo.gazetteer import Gazetteer, GeoNamesPlace, normalize_name
from geo.ingest_text import (
    _SIDE_WORDS,
    CAPITALS,
    COUNTRY_WORDS,
    _words,
)

# --------------------------------------------------------------------------- places


@dataclass(frozen=True)
class PlaceRef:
    """Something a name can refer to: a gazetteer place, an area, or a GeoNames town.

    ``point_id`` is the gazetteer place whose sourced coordinate stands for it
    (``None`` when no source gives one: such a candidate has no point until an
    editor sets one).
    """

    key: str
    name: str
    kind: str  # "place", "area" or "geonames"
    country: str
    place_type: str
    region: str
    point_id: str | None
    lat: float | None
    lon: float | None
    geo_precision: int
    where_prec: int
    note: str = ""


@dataclass(frozen=True)
class PlaceMention:
    """A place named in the text, by offsets."""

    start: int
    end: int
    surface: str
    ref: PlaceRef
    located: bool = True  #: named as where something happened ("in Baku"), not as a topic


_PLACE_WORDS = _words(
    "square park district province region street avenue boulevard bazaar lane village town "
    "city marz rayon settlement area"
)
_LANDMARK_TYPES = frozenset({"square", "building", "cemetery", "monument", "park"})
_NOT_PLACES = _words(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december the this that these those "
    "there armenian armenians azerbaijani azerbaijanis azeri azeris russian russia turkey "
    "turkish soviet union united states european america american french france germany "
    "moscow president minister ministry army police government parliament mr mrs general "
    "colonel major some many most both one two three"
)
_VERBISH = re.compile(
    r"^(?:said|says|say|claimed|claims|claim|has|had|have|is|was|were|will|would|launched|"
    r"deployed|denied|denies|provided|accused|accuses|called|urged|reported|announced|"
    r"considered|condemned|warned|insisted|sent|seized|decided|responded|declared|"
    r"\w+ed)$"
)
_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.U)
_TITLES = _words(
    "mr mrs ms dr general gen colonel col major maj captain lieutenant president minister "
    "ambassador sergeant"
)


AREA_COLUMNS = ("area_id", "name", "aliases", "kind", "country", "where_prec", "centre_place_id")


def read_areas(path: Path, gazetteer: Gazetteer) -> list[dict[str, str]]:
    """Rows of ``data/areas.csv``, every problem named by file, row, area and field.

    Raises
    ------
    ValidationError
        A missing column, an unknown country, a ``where_prec`` outside 1-7, or a
        centre that is not a gazetteer place.
    """
    from geo._errors import ValidationError

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    problems = []
    header = list(rows[0]) if rows else []
    problems += [f"{path} row 1 (header): missing column {c!r}" for c in AREA_COLUMNS
                 if c not in header]  # fmt: skip
    for n, row in enumerate(rows if not problems else [], start=2):
        where = f"{path} row {n} (area_id {row['area_id'] or '?'})"
        if row["country"] not in COUNTRY_WORDS.values():
            problems.append(f"{where}: field 'country': {row['country']!r} is not ARM or AZE")
        if row["where_prec"] not in [str(k) for k in range(1, 8)]:
            problems.append(f"{where}: field 'where_prec': {row['where_prec']!r} is not 1-7")
        centre = row["centre_place_id"]
        if centre and centre not in gazetteer:
            problems.append(
                f"{where}: field 'centre_place_id': {centre!r} is not a gazetteer place"
            )
        if not row["name"] or not row["area_id"]:
            problems.append(f"{where}: field 'name': empty")
    if problems:
        raise ValidationError(problems)
    return rows


class PlaceIndex:
    """Names (every alias, normalised) to what they can refer to.

    Built from the curated gazetteer, the areas table (``data/areas.csv``: provinces,
    districts and Nagorno-Karabakh, each placed at a sourced centre when one is
    known) and, as a fallback, GeoNames towns and villages of Armenia and Azerbaijan.
    """

    def __init__(
        self,
        gazetteer: Gazetteer,
        areas: Iterable[dict[str, str]] = (),
        geonames: Iterable[GeoNamesPlace] = (),
    ) -> None:
        self.gazetteer = gazetteer
        self.names: dict[str, list[PlaceRef]] = {}
        self.area_regions: dict[str, str] = {}
        self.max_words = 1
        for place in gazetteer.places:
            point = gazetteer.resolve_point(place.place_id)
            ref = PlaceRef(
                key=place.place_id,
                name=place.name,
                kind="place",
                country=place.country,
                place_type=place.place_type,
                region=place.region,
                point_id=place.fallback_place_id or place.place_id,
                lat=point.lat,
                lon=point.lon,
                geo_precision=point.geo_precision,
                where_prec=point.where_prec,
                note=point.note,
            )
            for alias in (place.name, *place.aliases):
                self._add(alias, ref, min_len=4)
        for row in areas:
            centre = row.get("centre_place_id") or None
            lat = lon = None
            if centre:
                point = gazetteer.resolve_point(centre)
                lat, lon = point.lat, point.lon
            ref = PlaceRef(
                key=f"area:{row['area_id']}",
                name=row["name"],
                kind="area",
                country=row["country"],
                place_type=row["kind"],
                region=row["name"],
                point_id=centre,
                lat=lat,
                lon=lon,
                geo_precision=3,
                where_prec=int(row["where_prec"]),
                note=row.get("note", ""),
            )
            for alias in [row["name"], *row["aliases"].split(";")]:
                self._add(alias, ref, min_len=4, replace_refs=True)
                self.area_regions[normalize_name(alias)] = ref.key
        known = {p.geonames_id for p in gazetteer.places if p.geonames_id}
        for gn in geonames:
            if gn.geonameid in known:
                continue
            ref = PlaceRef(
                key=gn.place_id,
                name=gn.name,
                kind="geonames",
                country=gn.country,
                place_type="populated place",
                region="",
                point_id=None,
                lat=gn.lat,
                lon=gn.lon,
                geo_precision=1,
                where_prec=1,
                note=f"GeoNames only ({gn.source}); not in the curated gazetteer",
            )
            self._add(gn.name, ref, min_len=4, only_if_new=True)

    def _add(
        self,
        alias: str,
        ref: PlaceRef,
        *,
        min_len: int,
        replace_refs: bool = False,
        only_if_new: bool = False,
    ) -> None:
        alias = alias.strip()
        if not alias or not any(ch.isupper() for ch in alias[:1]):
            return
        if not all(_is_latin_word(w) for w in alias.split()):
            return
        norm = normalize_name(alias)
        if len(norm) < min_len or norm in _NOT_PLACES or norm in COUNTRY_WORDS:
            return
        if only_if_new and norm in self.names:
            return
        refs = self.names.setdefault(norm, [])
        if replace_refs:
            refs[:] = [r for r in refs if r.kind == "area"]
        elif any(r.kind == "area" for r in refs):
            return
        if all(r.key != ref.key for r in refs):
            refs.append(ref)
        self.max_words = max(self.max_words, len(norm.split()))

    @classmethod
    def default(cls, gazetteer: Gazetteer, data_dir: Path) -> PlaceIndex:
        """The index over the project gazetteer, ``data_dir/areas.csv`` and GeoNames."""
        from geo.gazetteer import load_geonames

        areas_path = Path(data_dir) / "areas.csv"
        areas = read_areas(areas_path, gazetteer) if areas_path.is_file() else []
        return cls(gazetteer, areas, load_geonames())

    def city_of(self, ref: PlaceRef) -> PlaceRef | None:
        """The city or town a landmark (square, building) lies in, from the gazetteer."""
        if ref.kind != "place" or ref.place_type not in _LANDMARK_TYPES:
            return None
        region = normalize_name(ref.region).removesuffix(" city")
        for refs in self.names.values():
            for r in refs:
                if (
                    r.kind == "place"
                    and r.place_type in ("city", "town")
                    and normalize_name(r.name) == region
                ):
                    return r
        return None


def _is_latin_word(word: str) -> bool:
    return all(not ch.isalpha() or ch.isascii() or "LATIN" in _uname(ch) for ch in word)


def _uname(ch: str) -> str:
    import unicodedata

    return unicodedata.name(ch, "")


def find_places(text: str, index: PlaceIndex) -> list[PlaceMention]:
    """Every place the text names, longest name first, skipping names that are not places.

    Handles possessives ("Baku's"), inflected mentions ("Tovuz district", "in
    Tavush"), and leaves out countries alone, names inside a person's name (a
    capitalised word joined to the match, as in "Movses Hakobyan"), and a capital
    standing for its government ("Baku said", "by Yerevan", "Baku's decision").
    """
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    out: list[PlaceMention] = []
    i = 0
    while i < len(tokens):
        start, _, word = tokens[i]
        if not word[:1].isupper():
            i += 1
            continue
        found = None
        for n in range(min(index.max_words, len(tokens) - i), 0, -1):
            span = tokens[i : i + n]
            gaps = [text[a[1] : b[0]] for a, b in itertools.pairwise(span)]
            if any(not re.fullmatch(r"[ \t-]*", gap) for gap in gaps):
                continue
            last_word = span[-1][2]
            end = span[-1][1]
            for suffix in ("'s", "’s"):
                if last_word.endswith(suffix):
                    end -= 2
            surface = text[start:end]
            refs = index.names.get(normalize_name(surface))
            if refs:
                found = (n, end, surface, refs)
                break
        if found is None:
            found = _fuzzy_named_place(text, tokens, i, index)
        if found is None:
            i += 1
            continue
        n, end, surface, refs = found
        if len(refs) == 1 and not _false_hit(text, tokens, i, n, refs[0], index):
            located = _locative(text, tokens, i, out)
            out.append(PlaceMention(start, end, surface, refs[0], located))
        i += n
    return out


_LOCATIVE = _words(
    "in at near into inside outside around on across through throughout to towards toward "
    "between from within"
)
_SKIP_BEFORE = _words(
    "the a an capital city town village province region district settlement of its his "
    "their nearby northern southern eastern western northeast northwest southeast southwest "
    "central native border vicinity outskirts centre center heart streets areas"
)


def _locative(
    text: str, tokens: list[tuple[int, int, str]], i: int, found: list[PlaceMention]
) -> bool:
    """Whether a name is given as a location ("in Tavush", "the capital Baku", "near X").

    A name that is only a topic ("retake Nagorno-Karabakh", "the future of X") is not
    an event location. Names joined by "and"/"or" to a located one are located too.
    """
    j = i - 1
    steps = 0
    if (
        j >= 0
        and found
        and found[-1].end in (tokens[j][1] - 2, tokens[j][1])
        and tokens[j][2].endswith(("'s", "’s"))
    ):
        return found[-1].located  # "in Baku's Azadliq Square"
    while j >= 0 and steps < 5:
        word = tokens[j][2].lower()
        gap = text[tokens[j][1] : tokens[j + 1][0]]
        if any(ch in gap for ch in ".;!?"):
            return False
        if word in _LOCATIVE:
            # "Gobu Park, near Baku": Baku only says where Gobu is
            return not (word == "near" and found and tokens[j][0] - found[-1].end < 12)
        if word in ("and", "or") and found and found[-1].located:
            return tokens[j][0] - found[-1].end < 60
        if (
            (word in ("and", "or") or ("," in gap and steps == 0))
            and found
            and tokens[j][0] - found[-1].end < 40
        ):
            return found[-1].located
        if word in _SKIP_BEFORE or word in _SIDE_WORDS or word.endswith("-controlled"):
            j -= 1
            steps += 1
            continue
        return False
    return False


#: Similarity (0-100, rapidfuzz ratio on normalised names) for a misspelt name to count.
FUZZY_NAME_SCORE = 85.0
_NAMED_BY = re.compile(r"(?:village|town|city|settlement|district|province|region) of\s*$", re.I)


def _fuzzy_named_place(
    text: str, tokens: list[tuple[int, int, str]], i: int, index: PlaceIndex
) -> tuple[int, int, str, list[PlaceRef]] | None:
    """A misspelt place name, only where the text says it is a place.

    "the village of Chinary", "Tovouz district": one capitalised word after
    "village of" (or a like phrase), or before a place word, matched with rapidfuzz
    against every name; "Tovouz district" is tried whole first.
    """
    from rapidfuzz import fuzz, process

    start, end, word = tokens[i]
    if len(word) < 5:
        return None
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    tries = []
    if nxt and text[end : nxt[0]] == " " and nxt[2].lower() in _PLACE_WORDS:
        tries.append((2, nxt[1]))
    if _NAMED_BY.search(text[max(0, start - 30) : start]) or tries:
        tries.append((1, end))
    for n, stop in tries:
        surface = text[start:stop]
        got = process.extractOne(
            normalize_name(surface), index.names.keys(), scorer=fuzz.ratio,
            score_cutoff=FUZZY_NAME_SCORE,
        )  # fmt: skip
        if got is not None:
            return n, stop, surface, index.names[got[0]]
    return None


def _false_hit(
    text: str, tokens: list[tuple[int, int, str]], i: int, n: int, ref: PlaceRef, index: PlaceIndex
) -> bool:
    after = tokens[i + n] if i + n < len(tokens) else None
    before = tokens[i - 1] if i > 0 else None
    surface_end = tokens[i + n - 1][1]
    possessive = text[surface_end - 2 : surface_end] in ("'s", "’s")
    gap_after = text[surface_end : after[0]] if after else ""
    gap_before = text[before[1] : tokens[i][0]] if before else ""
    if n == 1 and after and gap_after == " " and after[2][:1].isupper() and not possessive:
        nxt = normalize_name(after[2])
        if nxt not in _PLACE_WORDS and nxt not in index.names:
            return True  # part of a longer proper name (a person, an organisation)
    if before and gap_before == " " and before[2].lower() in _TITLES:
        return True
    if before and gap_before == " " and before[2][:1].isupper() and n == 1:
        prev = normalize_name(before[2])
        sentence_start = re.search(r"(^|[.!?]\s+)$", text[: before[0]]) is not None
        if (
            not sentence_start
            and prev not in index.names
            and prev not in COUNTRY_WORDS
            and prev not in _NOT_PLACES
        ):
            return True  # "Zaur Movses", a surname
    if ref.kind == "place" and ref.key in CAPITALS.values():
        if possessive and after and after[2][:1].islower():
            return True  # "Baku's decision": the government, not the city
        if before and before[2].lower() == "by" and gap_before == " ":
            return True
        follow = re.match(r"\s*(?:on \w+\s+)?([a-z]+)", text[surface_end:])
        if not possessive and follow and _VERBISH.match(follow.group(1)):
            return True
    return False


def event_places(mentions: Sequence[PlaceMention], index: PlaceIndex) -> list[PlaceMention]:
    """The mentions that can be an event's location, most specific only.

    A city is dropped when a landmark inside it is also named ("Baku's Azadliq
    Square"), and a province or district when a place inside it is named
    ("Nerkin Hand in Syunik Province").
    """
    keep = [m for m in mentions if m.located]
    keys = {m.ref.key for m in keep}
    out = []
    seen: set[str] = set()
    for m in keep:
        if m.ref.key in seen:
            continue
        if m.ref.kind in ("place", "geonames"):
            inner = [
                o for o in keep
                if (city := index.city_of(o.ref)) is not None and city.key == m.ref.key
            ]  # fmt: skip
            if inner:
                continue
        if m.ref.kind == "area":
            region = normalize_name(m.ref.name)
            if any(
                o.ref.kind == "place"
                and o.ref.region
                and normalize_name(o.ref.region) in region
                and o.ref.key in keys
                for o in keep
            ):
                continue
        seen.add(m.ref.key)
        out.append(m)
    return out
