"""From a news article to candidate events: places, dates, figures with their claimant, types.

Pure functions over text; :func:`read_article` is the only one that touches a file.
Everything found is a *proposal* for an editor (see :mod:`geo.review` for accepting
and merging candidates into a layer).
"""

from __future__ import annotations

import csv
import hashlib
import html
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pydantic

from geo._errors import IngestError
from geo.events import SEED_RE, EventProperties
from geo.gazetteer import Gazetteer, GeoNamesPlace, normalize_name

#: Articles larger than this are refused (a long feature story is under 200 kB of text).
MAX_ARTICLE_BYTES = 2_000_000
#: How many sentences back (and forward) a sentence without its own place may look for one.
CONTEXT_BACK = 4
CONTEXT_AHEAD = 8

COUNTRY_WORDS = {"armenia": "ARM", "azerbaijan": "AZE"}
#: The national capitals, which news text also uses for the government ("Baku said").
CAPITALS = {"ARM": "yerevan", "AZE": "baku"}
_SIDE_WORDS = {
    "armenian": "armenian",
    "armenians": "armenian",
    "armenia": "armenian",
    "armenia's": "armenian",
    "yerevan": "armenian",
    "azerbaijani": "azerbaijani",
    "azerbaijanis": "azerbaijani",
    "azeri": "azerbaijani",
    "azeris": "azerbaijani",
    "azerbaijan": "azerbaijani",
    "baku": "azerbaijani",
    "separatist": "armenian",
}
_SIDE_COUNTRY = {"armenian": "ARM", "azerbaijani": "AZE"}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _ordered_words(text: str) -> list[str]:
    return text.split()


# --------------------------------------------------------------------------- reading


class _TextExtractor(HTMLParser):
    """Collect the visible text of an HTML document; drop scripts, styles and the like."""

    _SKIP = frozenset(
        {"script", "style", "noscript", "template", "iframe", "object", "svg", "head"}
    )
    _BLOCK = frozenset(
        {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
         "blockquote", "header", "footer", "title", "ul", "ol", "table", "hr"}
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


_HTML_HINT = re.compile(r"<\s*(?:!doctype|html|body|p|div|script|br|span|a|h[1-6])\b", re.I)


def looks_like_html(text: str) -> bool:
    """Whether the text is (mostly) HTML markup rather than plain prose."""
    return bool(_HTML_HINT.search(text[:5000]))


def strip_html(text: str) -> str:
    """The visible text of an HTML document, without scripts, styles, comments or tags.

    Nothing is executed or rendered: the standard-library parser only tokenises.
    """
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    joined = html.unescape("".join(parser.parts))
    lines = [" ".join(line.split()) for line in joined.splitlines()]
    return "\n".join(line for line in lines if line)


def decode_article(data: bytes, *, origin: str = "<article>") -> str:
    """Plain text from the bytes of an article (UTF-8 text or HTML).

    Raises
    ------
    IngestError
        For an empty, binary, oversized or non-UTF-8 input, naming ``origin``.
    """
    if len(data) > MAX_ARTICLE_BYTES:
        raise IngestError(
            f"{origin}: {len(data):,} bytes is too large for an article "
            f"(limit {MAX_ARTICLE_BYTES:,} bytes); nothing was read or written"
        )
    if not data.strip():
        raise IngestError(f"{origin}: the file is empty; nothing to ingest")
    if b"\x00" in data[:8192]:
        raise IngestError(f"{origin}: this is a binary file, not a text or HTML article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{origin}: not UTF-8 text (byte {exc.start}); save the article as UTF-8 text or HTML"
        ) from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 8:
        raise IngestError(f"{origin}: this is a binary file, not a text or HTML article")
    if looks_like_html(text):
        text = strip_html(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(f"{origin}: no readable text once markup is removed; nothing to ingest")
    return text


def read_article(path: str | Path) -> str:
    """Read an article file (plain text or HTML) and return its text.

    The size is checked before the file is read, so a huge file is refused cheaply.
    """
    p = Path(path)
    if not p.is_file():
        raise IngestError(f"{p}: no such file")
    size = p.stat().st_size
    if size > MAX_ARTICLE_BYTES:
        raise IngestError(
            f"{p}: {size:,} bytes is too large for an article (limit {MAX_ARTICLE_BYTES:,} "
            "bytes); nothing was read or written"
        )
    return decode_article(p.read_bytes(), origin=str(p))


# --------------------------------------------------------------------------- sentences


@dataclass(frozen=True)
class Sentence:
    """A sentence (or heading) of the article, by character offsets."""

    index: int
    start: int
    end: int
    text: str
    heading: bool = False


_FURNITURE = re.compile(r"^\s*(read more|advertisement|related|watch|listen|share)\b", re.I)
_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Gen|Maj|Col|Lt|Capt|St|No|U\.S|U\.N|vs|Sgt|Prof)\.$")
_SPLIT = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with their offsets; lines without closing punctuation are headings."""
    out: list[Sentence] = []
    pos = 0
    for line in text.split("\n"):
        start_line = pos
        pos += len(line) + 1
        stripped = line.strip()
        if not stripped or _FURNITURE.match(stripped):
            continue
        offset = start_line + (len(line) - len(line.lstrip()))
        words = stripped.split()
        is_heading = (
            stripped.startswith(("==", "- ", "• "))
            or stripped[-1] not in '.!?"”’)'
            or (stripped.endswith("?") and len(words) <= 8)
        )
        if is_heading:
            out.append(Sentence(len(out), offset, offset + len(stripped), stripped, True))
            continue
        cut = 0
        for m in _SPLIT.finditer(stripped):
            head = stripped[cut : m.start()]
            if _ABBREV.search(head.rstrip('"”’)')):
                continue
            piece = stripped[cut : m.start()].rstrip()
            trail = stripped[m.start() : m.end()].rstrip()
            piece += trail[: len(trail)] if trail.strip() else ""
            out.append(Sentence(len(out), offset + cut, offset + cut + len(piece), piece))
            cut = m.end()
        piece = stripped[cut:]
        if piece:
            out.append(Sentence(len(out), offset + cut, offset + cut + len(piece), piece))
    return out


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


# --------------------------------------------------------------------------- dates


@dataclass(frozen=True)
class DateMention:
    """A date the text gives, resolved against the publication date.

    ``precision`` follows ACLED ``time_precision``: 1 a day, 2 a span of days, 3 a
    month; ``None`` for a year alone (history, not a codable event date).
    ``report`` marks the date of a statement ("On Wednesday, the ministry said").
    """

    start: int
    end: int
    surface: str
    day: date
    first: date
    last: date
    precision: int | None
    relative: bool
    report: bool = False


_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_M = rf"(?P<month>{_MONTHS})\.?"
_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("dm_range", re.compile(
        rf"\b(?P<d1>\d{{1,2}})\s*(?:to|and|–|-)\s*(?P<d2>\d{{1,2}})\s+{_M}(?:\s+(?P<year>\d{{4}}))?\b"
    )),
    ("md_range", re.compile(
        rf"\b{_M}\s+(?P<d1>\d{{1,2}})\s*(?:to|–|-)\s*(?P<d2>\d{{1,2}})(?:,?\s+(?P<year>\d{{4}}))?\b"
    )),
    ("dm", re.compile(rf"\b(?P<d1>\d{{1,2}})\s+{_M}(?:\s+(?P<year>\d{{4}}))?\b")),
    ("md", re.compile(
        rf"\b{_M}\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(?P<year>\d{{4}}))?\b"
    )),
    ("month_year", re.compile(rf"\b{_M}\s+(?P<year>\d{{4}})\b")),
    ("year_range", re.compile(
        r"\b(?:between|from)\s+(?P<y1>1[89]\d\d|20\d\d)\s+(?:and|to)\s+(?P<y2>1[89]\d\d|20\d\d)\b"
    )),
    ("year", re.compile(r"\b(?P<y1>19\d\d|20\d\d)\b(?![,.]?\d)")),
    ("weekday", re.compile(
        r"\b(?:[Oo]n\s+|[Ll]ast\s+|[Tt]his\s+)?(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
        r"Sunday)(?:['’]s)?(?:\s+(?P<part>night|morning|evening|afternoon))?\b"
    )),
    ("overnight", re.compile(r"\b(?:overnight|last night)\b", re.I)),
    ("weekend", re.compile(r"\b(?:over|at|during)\s+the\s+weekend\b", re.I)),
    ("yesterday", re.compile(r"\byesterday\b", re.I)),
    ("today", re.compile(r"\b(?:today|this morning|tonight)\b", re.I)),
]  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_REPORT_VERBS = re.compile(
    r"\b(?:said|says|called|urged|reported|announced|stated|condemned|issued|held|"
    r"told|added|spoke|quoted|expressed|showed|advocates?)\b"
)


def _parse_day(day: str, month: str, year: str | None, published: date) -> date | None:
    import dateparser

    settings: Any = {
        "RELATIVE_BASE": datetime(published.year, published.month, published.day),
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "DMY",
        "REQUIRE_PARTS": ["day", "month"],
    }
    text = f"{day} {month} {year}" if year else f"{day} {month}"
    parsed = dateparser.parse(text, languages=["en"], settings=settings)
    return parsed.date() if parsed else None


def _last_weekday(published: date, weekday: int) -> date:
    return published - timedelta(days=(published.weekday() - weekday) % 7)


def find_dates(text: str, published: date) -> list[DateMention]:
    """Every date expression, resolved against ``published`` (the article's date).

    Absolute dates are read with dateparser (a day without a year is the latest such
    day not after publication); weekdays are the latest such day on or before it;
    "overnight" spans the night before publication, "over the weekend" the last
    Saturday and Sunday; a range ("from 12 to 16 July") keeps both ends.
    """
    taken: list[tuple[int, int]] = []
    out: list[DateMention] = []
    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            got = _resolve(kind, m, published)
            if got is None:
                continue
            first, last, day, precision, relative = got
            taken.append((m.start(), m.end()))
            following = text[m.end() : m.end() + 80]
            report = bool(
                _REPORT_VERBS.search(following.split(".")[0][:70])
                and not _EVENT_WORDS.search(following.split(".")[0][:70])
                and kind != "year"
            )
            out.append(
                DateMention(m.start(), m.end(), m.group(), day, first, last, precision, relative,
                            report)
            )  # fmt: skip
    return sorted(out, key=lambda d: d.start)


def _resolve(
    kind: str, m: re.Match[str], published: date
) -> tuple[date, date, date, int | None, bool] | None:
    g = m.groupdict()
    if kind in ("dm_range", "md_range"):
        a = _parse_day(g["d1"], g["month"], g["year"], published)
        b = _parse_day(g["d2"], g["month"], g["year"] or (str(a.year) if a else None), published)
        if a is None or b is None or b < a:
            return None
        return a, b, a, (1 if a == b else 2), False
    if kind in ("dm", "md"):
        a = _parse_day(g["d1"], g["month"], g["year"], published)
        return None if a is None else (a, a, a, 1, False)
    if kind == "month_year":
        a = _parse_day("1", g["month"], g["year"], published)
        if a is None:
            return None
        nxt = (a.replace(day=28) + timedelta(days=4)).replace(day=1)
        return a, nxt - timedelta(days=1), a, 3, False
    if kind == "year_range":
        a, b = date(int(g["y1"]), 1, 1), date(int(g["y2"]), 12, 31)
        return (a, b, a, None, False) if a <= b else None
    if kind == "year":
        y = int(g["y1"])
        return date(y, 1, 1), date(y, 12, 31), date(y, 1, 1), None, False
    if kind == "weekday":
        day = _last_weekday(published, _WEEKDAYS.index(g["wd"].lower()))
        if g.get("part") == "night":
            return day, day + timedelta(days=1), day, 1, True
        return day, day, day, 1, True
    if kind == "overnight":
        return published - timedelta(days=1), published, published, 2, True
    if kind == "weekend":
        sunday = _last_weekday(published - timedelta(days=1), 6)
        return sunday - timedelta(days=1), sunday, sunday - timedelta(days=1), 2, True
    if kind == "yesterday":
        d = published - timedelta(days=1)
        return d, d, d, 1, True
    if kind == "today":
        return published, published, published, 1, True
    return None


# --------------------------------------------------------------------------- event types

_PROTEST = re.compile(
    r"\b(?:protest(?:s|ed|ing)?|protesters|protestors|demonstrat(?:ed|ion|ions|ing|ors)|"
    r"rall(?:y|ies|ied)|(?-i:march(?:ed|es|ing)?)|gathered|gathering|took to the streets|"
    r"crowds?)\b",
    re.I,
)
_INTERVENTION = re.compile(
    r"\b(?:water cannons?|tear gas|dispers(?:e|ed|ing)|detained|clash(?:ed|es)? with (?:the )?"
    r"police|intervened|batons|evicted)\b"
)
_RIOT = re.compile(
    r"\b(?:storm(?:ed|ing)|stormed|broke into|breach(?:ed)?|riots?|rioting|smash(?:ed)?|"
    r"overturned|entered the (?:national )?(?:building|parliament)|breaking windows)\b"
)
_LANDMINE = re.compile(r"\b(?:landmine|land mine|mine explosion|IED|improvised explosive)\b")
_AIR = re.compile(r"\b(?:drone strikes?|air ?strikes?|airstrikes?)\b")
_SHELLING = re.compile(
    r"\b(?:shell(?:ing|ed|s)?|artillery (?:strikes?|fire)|missiles?|rocket fire|bombing)\b"
)
_BATTLE = re.compile(
    r"\b(?:clash(?:es|ed)?|fighting|skirmish(?:es)?|small arms fire|attack(?:ed|s)?|"
    r"operation|offensive|troops|retaliat\w*|outposts?|killed|battles?|hostilities|"
    r"broke through|sent troops)\b"
)
_FUNERAL = re.compile(r"\b(?:buried|funerals?|burials?)\b")
_NEGATION = re.compile(r"\b(?:no|not|without|never)\s+(?:\w+\s+){0,2}$")
_EVENT_WORDS = re.compile(
    "|".join(p.pattern for p in (_PROTEST, _RIOT, _LANDMINE, _SHELLING, _BATTLE, _FUNERAL))
)


def _has(pattern: re.Pattern[str], text: str) -> bool:
    return any(not _NEGATION.search(text[: m.start()]) for m in pattern.finditer(text))


def propose_type(sentence: str) -> tuple[str, str] | None:
    """A proposed ACLED (event_type, sub_event_type) for a sentence, or ``None``.

    Keyword rules, most specific first; a cue right after "no"/"not" does not count.
    """
    if _has(_RIOT, sentence):
        return "Riots", "Violent demonstration"
    if _has(_PROTEST, sentence) and not _has(_LANDMINE, sentence):
        if _has(_INTERVENTION, sentence):
            return "Protests", "Protest with intervention"
        return "Protests", "Peaceful protest"
    if _has(_LANDMINE, sentence):
        return "Explosions/Remote violence", "Remote explosive/landmine/IED"
    if _has(_AIR, sentence):
        return "Explosions/Remote violence", "Air/drone strike"
    if _has(_SHELLING, sentence):
        return "Explosions/Remote violence", "Shelling/artillery/missile attack"
    if _has(_BATTLE, sentence):
        return "Battles", "Armed clash"
    if _has(_FUNERAL, sentence):
        return "Strategic developments", "Other"
    return None


# --------------------------------------------------------------------------- figures

_WORD_NUMBERS = {
    w: n
    for n, w in enumerate(
        _ordered_words(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
        )
    )
}
_WORD_NUMBERS.update(
    {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
     "ninety": 90, "a hundred": 100, "one hundred": 100}
)  # fmt: skip
_VAGUE = (
    "tens of thousands|several thousand|several hundred|a large number|a number|thousands|"
    "hundreds|dozens|scores|many|several"
)
_NUMWORD = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_NUM = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?|(?:{_NUMWORD})(?:-(?:{_UNITS}))?)"
_QUAL = (
    r"(?P<qual>at least|more than|over|up to|as many as|about|around|approximately|some|"
    r"nearly|almost|roughly)\s+"
)
_FIGURE = re.compile(
    rf"(?<![\w-])(?:{_QUAL})?[\"“]?(?:"
    rf"(?P<lo>{_NUM})\s*(?:to|–|-)\s*(?P<hi>{_NUM})(?:\s+(?P<mult2>thousand|million))?"
    rf"|(?P<num>{_NUM})(?:\s+(?P<mult>thousand|million))?"
    rf"|(?P<vague>{_VAGUE})"
    rf"|(?P<another>another)"
    rf"|(?P<article>an?|the)(?=\s+(?:\w+\s+){{0,2}}(?:fortification|facility|outpost|post|base)\b)"
    rf")[\"”]?(?![\w%:])",
    re.I,
)
_MEASURES: list[tuple[str, re.Pattern[str]]] = [
    ("killed", re.compile(r"\b(?:killed|killing|kills|died|dead|deaths?|lost their lives)\b")),
    ("injured", re.compile(r"\b(?:injured|injuring|wounded|wounding|hurt)\b")),
    ("arrested", re.compile(r"\b(?:arrested)\b")),
    ("detained", re.compile(r"\b(?:detained|detaining)\b")),
    ("prosecuted", re.compile(r"\b(?:prosecuted|charged)\b")),
]
_SEIZE = re.compile(r"\b(?:seized|captured|took control of)\b")
_DESTROY = re.compile(r"\b(?:destroyed|rendered useless|overturned)\b")
_DAMAGE = re.compile(r"\b(?:damaged)\b")
_CROWD_VERBS = re.compile(
    r"\b(?:gathered|demonstrated|demonstrat\w*|protest\w*|rall\w+|march\w*|numbering|"
    r"participation|arrived|staged|present|took to the streets|crowds?)\b"
)
_HEADS: list[tuple[str, str]] = [
    (r"military posts|posts|positions|outposts?", "posts"),
    (r"(?:service |military |police )?(?:cars|vehicles)", "vehicles"),
    (r"fortifications?|facilit(?:y|ies)|bases?", "facilities"),
    (r"AZN|manats?", "azn"),
    (r"police officers?|policemen|police", "police"),
    (r"soldiers?|troops|servicemen|military|officers?|fighters", "military"),
    (r"civilians?", "civilian"),
    (r"people|persons|protesters|protestors|demonstrators|citizens|participants|inhabitants",
     "people"),
]  # fmt: skip


@dataclass(frozen=True)
class Figure:
    """A figure found in a sentence, before its claimant is known."""

    start: int
    end: int
    measure: str
    qualifier: str
    value: int | None
    low: int | None
    high: int | None
    text: str | None
    side: str
    group: str
    subject: str
    parent: int | None = None  #: index of the figure this one is "including"


def _to_int(token: str, mult: str | None) -> int | None:
    token = token.lower().strip()
    if token in _WORD_NUMBERS:
        value = _WORD_NUMBERS[token]
    elif "-" in token and all(p in _WORD_NUMBERS for p in token.split("-")):
        value = sum(_WORD_NUMBERS[p] for p in token.split("-"))
    else:
        try:
            value = int(float(token.replace(",", "")))
        except ValueError:
            return None
    if mult:
        value *= {"thousand": 1000, "million": 1_000_000}[mult.lower()]
    return value


def _side_of(words: str) -> str | None:
    for w in re.findall(r"[A-Za-z]+(?:['’]s)?", words):
        side = _SIDE_WORDS.get(w.lower().replace("’", "'"))
        if side and w[:1].isupper():
            return side
    return None


def find_figures(sentence: str) -> list[Figure]:
    """Figures in one sentence: what was counted, how many, whose people.

    The measure comes from the verb or noun next to the figure ("killed 27
    people", "138 injured", "seven people had been arrested", "worth 22,150
    AZN"); a figure joined to the next by "and" shares its measure and its
    "at least"; "including two civilians" narrows the previous figure; vague
    words ("hundreds", "dozens") are kept as unquantified claims.
    """
    masked = _mask(sentence)
    raw = [m for m in _FIGURE.finditer(masked) if m.group().strip()]
    infos: list[tuple[re.Match[str], str | None, str | None, int, str, str] | None] = []
    for k, m in enumerate(raw):
        nxt_start = raw[k + 1].start() if k + 1 < len(raw) else len(masked)
        rest = masked[m.end() :]
        # look past an "including ..." aside: "34 people, including 16 police, were injured"
        rest_skip = re.sub(r"^(\s*(?:[\w-]+\s+){0,3}?[\w-]+),\s*including\s[^,]*,", r"\1", rest)
        after = masked[m.end() : nxt_start] if rest_skip == rest else rest_skip
        clause_after = re.split(r"[;:—–]|\s-\s|,\s*(?:a|the|an)\s+\w+\s+said", after)[0]
        before = masked[max(0, m.start() - 40) : m.start()]
        clause_before = re.split(r"[;,:—–.]", before)[-1]
        if re.match(r"\s*of\s+(?:those|them|whom)\b", clause_after):
            infos.append(None)  # a part of an earlier figure ("16 of those prosecuted")
            continue
        head, noun_end = None, 0
        for pattern, name in _HEADS:
            hm = re.match(
                rf"\s*(?:of\s+(?:the\s+|its\s+|their\s+)?)?(?:(?:[A-Z][a-z]+|more|military|armed|"
                rf"police|service|[a-z]+-[a-z]+|[a-z]+ed)\s+){{0,2}}({pattern})\b",
                clause_after,
            )
            if hm:
                head, noun_end = name, hm.end()
                break
        if m.group("article") and not (head in ("facilities", "posts") and _DESTROY.search(masked)):
            infos.append(None)
            continue
        tail = clause_after[noun_end:]
        measure = _measure_for(head, tail, clause_before, masked)
        if measure is None and re.search(r"\bincluding\s*$", before):
            measure = "including"
        infos.append((m, head, measure, noun_end, clause_after, before))
    # "11 soldiers and one civilian were killed": a figure without a verb takes the next one's
    for k in range(len(infos) - 2, -1, -1):
        cur, nxt = infos[k], infos[k + 1]
        if cur is None or nxt is None or cur[2] is not None or cur[1] is None:
            continue
        between = masked[cur[0].end() : nxt[0].start()]
        if re.fullmatch(r"\s*(?:[\w-]+\s+){0,3}and\s*", between):
            infos[k] = (*cur[:2], nxt[2], *cur[3:])
    for k in range(1, len(infos)):
        cur, prev = infos[k], infos[k - 1]
        if cur is None or prev is None or cur[2] is not None or cur[1] is None or not prev[2]:
            continue
        if re.fullmatch(r"\s*(?:[\w-]+\s+){0,3}and\s*", masked[prev[0].end() : cur[0].start()]):
            infos[k] = (*cur[:2], prev[2], *cur[3:])
    figures: list[Figure] = []
    for m in _NO_NUMBER_DEATHS.finditer(masked):
        what = m.group("what")
        group = "civilian" if "civilian" in what else "military" if "soldier" in what else "any"
        figures.append(
            Figure(m.start("what"), m.end("what"), "killed", "unquantified", None, None, None,
                   what, "any", group, what)
        )  # fmt: skip
    for info in infos:
        if info is None or info[2] is None:
            continue
        m, head, measure, noun_end, clause_after, before = info
        assert measure is not None
        if (
            m.group("vague")
            and m.group("vague").lower() in ("a number", "many", "several")
            and head not in (None, "people", "military", "civilian", "police")
        ):
            continue
        qualifier, value, low, high, text = _quantity(m)
        if value is None and low is None and text is None:
            continue
        noun = clause_after[:noun_end]
        side = _side_of(noun) or "any"
        if head not in ("posts", "facilities", "vehicles"):
            side = side if side != "any" else (_side_of(before[-25:]) or "any")
        group = {"police": "police", "military": "military", "civilian": "civilian"}.get(
            head or "", "any"
        )
        if head in ("posts", "facilities") or (head == "vehicles" and "military" in noun):
            group = "military"
        if head == "vehicles" and re.search(r"\bpolice\b", clause_after, re.I):
            group = "police"
        if measure in ("crowd_size", "arrested", "detained", "prosecuted") and head in (
            None,
            "people",
        ):
            group = "civilian"
        subject = re.sub(r"^of\s+", "", " ".join(noun.split()))[:80] or "people"
        parent = None
        if m.group("another") and figures:
            p = figures[-1]
            side, group, subject = p.side, p.group, p.subject
        if re.search(r"\bincluding\s*$", before) and figures:
            parent = len(figures) - 1
            p = figures[parent]
            measure = p.measure
            side = p.side if side == "any" else side
            if measure == "crowd_size" or group == p.group:
                continue
        if measure == "including":
            continue
        if (
            figures
            and qualifier == "exact"
            and figures[-1].qualifier in ("at_least", "more_than")
            and re.fullmatch(r"\s*(?:[\w-]+\s+){0,3}and\s*", masked[figures[-1].end : m.start()])
        ):
            qualifier = figures[-1].qualifier
        figures.append(
            Figure(m.start(), m.end(), measure, qualifier, value, low, high, text, side, group,
                   subject, parent)
        )  # fmt: skip
    return figures


_NO_NUMBER_DEATHS = re.compile(
    r"\b(?:caused|causing|led to|leading to|left|leaving)\s+(?P<what>(?:civilian\s+|military\s+)?"
    r"(?:deaths|fatalities))\b"
)


def _measure_for(head: str | None, tail: str, before: str, sentence: str) -> str | None:
    near_after = tail[:90]
    near_before = before[-30:]
    if head == "azn":
        return "property_damage_azn"
    if head == "posts" and (_SEIZE.search(near_before) or _SEIZE.search(near_after)):
        return "posts_seized"
    if head == "vehicles":
        if _DESTROY.search(near_after) or _DESTROY.search(near_before):
            return "vehicles_destroyed"
        if _DAMAGE.search(near_after) or _DAMAGE.search(near_before):
            return "vehicles_damaged"
        return None
    if head in ("facilities", "posts"):
        if _DESTROY.search(near_after) or _DESTROY.search(near_before):
            return "facilities_destroyed"
        return None
    for measure, pattern in _MEASURES:
        if re.match(
            r"\s*(?:(?:had|have|has|were|was|been|being|are|reportedly|so far)\s+)*"
            + pattern.pattern.removeprefix(r"\b"),
            near_after,
        ):
            return measure
    for measure, pattern in _MEASURES:
        if re.search(
            pattern.pattern + r"\s*(?:at least|more than|over|up to|as many as|about|around)?\s*$",
            near_before,
        ):
            return measure
    if head == "people" and re.match(r"\s*(?:[a-z]+\s+){0,1}(?:killed|injured)\b", near_after):
        return None
    if (
        head in (None, "people")
        and _CROWD_VERBS.search(sentence)
        and (
            re.search(
                r"\b(?:of|numbering|participation of|with)\s*(?:around|about|some)?\s*$",
                near_before,
            )
            or head == "people"
            or re.match(r"\s*of\s+(?:people|demonstrators|protesters|citizens)", tail)
        )
    ):
        return "crowd_size"
    for measure, pattern in _MEASURES:
        if measure in ("killed", "injured") and re.match(r"\s*" + pattern.pattern, near_after[:25]):
            return measure
    return None


def _quantity(m: re.Match[str]) -> tuple[str, int | None, int | None, int | None, str | None]:
    qual = (m.group("qual") or "").lower()
    qualifier = {
        "at least": "at_least",
        "more than": "more_than",
        "over": "more_than",
        "up to": "up_to",
        "as many as": "up_to",
    }.get(qual, "about" if qual else "exact")
    if m.group("lo"):
        mult = m.group("mult2")
        lo, hi = _to_int(m.group("lo"), mult), _to_int(m.group("hi"), mult)
        if lo is None or hi is None or lo > hi:
            return "exact", None, None, None, None
        return "range", None, lo, hi, None
    if m.group("num"):
        return qualifier, _to_int(m.group("num"), m.group("mult")), None, None, None
    if m.group("another") or m.group("article"):
        return "exact", 1, None, None, None
    vague = m.group("vague").lower()
    return "unquantified", None, None, None, vague


_MASKS = [
    re.compile(r"\b\d{1,2}:\d{2}\s*(?:am|pm)?", re.I),
    re.compile(r"\b\d+(?:\.\d+)?\s*%"),
    re.compile(r"\b[A-Z]+-\d+\b"),  # COVID-19
    re.compile(rf"\b\d{{1,2}}\s*(?:to|and|–|-)?\s*(?:\d{{1,2}}\s+)?(?:{_MONTHS})\b(?:\s+\d{{4}})?"),
    re.compile(rf"\b(?:{_MONTHS})\s+\d{{1,2}}\b(?:,?\s+\d{{4}})?"),
    re.compile(r"\b(?:1[89]\d\d|20\d\d)\b(?![,.]?\d)"),
    re.compile(r"\b\d+(?:st|nd|rd|th)\b"),
    re.compile(r"\b(?:first|second|third)\b", re.I),
    re.compile(
        r"\b\d+\s+(?:hours?|days?|years?|weeks?|months?|km|kilometres?|kilometers?|miles?)\b", re.I
    ),
    re.compile(
        r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:hours?|days?|years?|weeks?|"
        r"months?|decades?|sides|countries|wars)\b",
        re.I,
    ),
    re.compile(r"\b(?:one|two)\s+(?:of|in)\b", re.I),
    re.compile(r"\bone\s+(?:protester|official|another)\b", re.I),
]  # fmt: skip


def _mask(sentence: str) -> str:
    """The sentence with times, percentages, dates and years blanked (same length)."""
    out = sentence
    for pattern in _MASKS:
        out = pattern.sub(lambda m: " " * len(m.group()), out)
    return out


# --------------------------------------------------------------------------- claimants

_CLAIM_VERBS = (
    r"said|says|say|reported|has reported|have reported|report|reports|claimed|claims|claim|stated|"
    r"announced|estimating|estimated|estimates|added|told|quoted|provided|accused"
)
_ACCORDING = re.compile(r"\baccording to\s+(?P<who>[^,.;]+)", re.I)
_QUOTED = re.compile(
    r"(?P<via>[A-Z][\w\s]+?)\s+quoted\s+(?P<who>(?:the\s+)?[\w\s]+?)\s+as\s+saying", re.I
)
_SAID = re.compile(
    rf"(?P<who>[^,.;:“”\"]+?)\s+(?:on\s+\w+\s+)?(?:(?:has|have|had)\s+)?(?P<verb>{_CLAIM_VERBS})\b"
)
_GENERIC = re.compile(r"^(?:a|the)?\s*(?:statement|report|it|they|he|she|officials?)$", re.I)
_INSTITUTION = re.compile(
    r"\b(?:ministry|government|authorities|army|military|forces|police|parliament|office|"
    r"service|president|officials|group|agency|media|reuters|bbc|separatist\w*)\b",
    re.I,
)
_CONTINUES = re.compile(r"^(?:As a result|It also|They|He|She|It|Among them|In addition)\b")


def _clean_claimant(who: str) -> str:
    who = " ".join(who.split())
    who = re.sub(r"^(?:On|on)\s+\w+(?:\s+\w+)?,\s*", "", who)
    who = re.sub(r"^(?:However|But|Meanwhile|Nevertheless|And),?\s+", "", who)
    who = re.sub(r"^(?:with|by|from)\s+", "", who)
    who = re.sub(
        r"^(?:a report by|a statement (?:by|from)|reports? (?:by|from))\s+", "", who, flags=re.I
    )
    who = re.sub(r"^(?:the|a|an)\s+", "", who, flags=re.I)
    who = re.sub(r"\s+(?:statement|report)$", "", who, flags=re.I)
    who = re.sub(
        r"\s+(?:on|in)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$", "", who
    )
    return who.strip(" “”\"'")


def find_claimant(sentence: str) -> tuple[str | None, str | None]:
    """(claimant, via) named in a sentence: "according to X", "X said", "X quoted Y as saying"."""
    m = _QUOTED.search(sentence)
    if m:
        return _clean_claimant(m.group("who")), _clean_claimant(m.group("via"))
    m = _ACCORDING.search(sentence)
    if m:
        return _clean_claimant(m.group("who")), None
    for m in _SAID.finditer(sentence):
        who = m.group("who")
        who = re.split(r"\b(?:that|which|who|but|while|as|after|when)\b|\band\b(?!\s+[A-Z])", who)[
            -1
        ]
        who = _clean_claimant(who)
        words = who.split()
        if not who or len(words) > 8:
            continue
        if _GENERIC.match(who):
            return "", None  # named elsewhere: resolved from the context
        if who[:1].isupper() or _INSTITUTION.search(who):
            return who, None
    return None, None


def claimant_side(claimant: str) -> str | None:
    """Whose side a claimant speaks for, from the words in its name.

    In this conflict the separatist authorities are those of the Karabakh Armenians.
    """
    if re.search(r"\bseparatists?\b", claimant, re.I):
        return "armenian"
    return _side_of(claimant)


def claimant_type(claimant: str) -> str:
    """The codebook's ``claimant_type`` for a claimant name (keyword rules)."""
    c = claimant.lower()
    if "separatist" in c or ("karabakh" in c and "authorit" in c):
        return "separatist_authority"
    if "rights" in c:
        return "rights_group"
    if re.search(r"\b(?:defen[cs]e|army|military|armed forces|border)\b", c):
        return "armed_forces"
    if re.search(r"\b(?:media|reuters|bbc|news|agency|reports?|outlet)\b", c):
        return "media"
    if re.search(r"\b(?:un|united nations|eu|osce|european|nato)\b", c):
        return "international"
    if re.search(
        r"\b(?:ministry|government|authorities|president|parliament|office|officials|police|"
        r"armenia|azerbaijan|baku|yerevan|azerbaijanis|armenians)\b",
        c,
    ):
        return "government"
    return "other"


# --------------------------------------------------------------------------- candidates


_Day = date


@dataclass
class Candidate:
    """A proposed event: where, when, what, the figures, and the sentences it rests on."""

    place: PlaceMention
    inherited_place: bool
    date: DateMention | None
    date_inherited: bool
    event_type: str
    sub_event_type: str
    sentences: list[Sentence] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    confidence: float = 0.5
    issues: list[str] = field(default_factory=list)

    @property
    def day(self) -> _Day | None:
        return self.date.day if self.date else None


@dataclass(frozen=True)
class ArticleMeta:
    """What the editor says about the article: its date, outlet and file."""

    published: date
    outlet: str | None = None
    name: str = "article"


@dataclass
class Extraction:
    """Everything found in one article."""

    text: str
    meta: ArticleMeta
    sentences: list[Sentence]
    places: list[PlaceMention]
    dates: list[DateMention]
    candidates: list[Candidate]
    unplaced_claims: list[dict[str, Any]] = field(default_factory=list)


def _family(event_type: str) -> str:
    return "protest" if event_type in ("Protests", "Riots") else "violence"


def extract(text: str, meta: ArticleMeta, index: PlaceIndex) -> Extraction:
    """Find candidate events in an article's text.

    Sentence by sentence: a sentence with an event cue (or a figure) and a place
    proposes one candidate per place it names; without a place of its own it takes
    the place of a recent sentence about the same kind of event (a landmark then
    becomes its city) or, failing that, of the next sentences in its section.
    Sentences that only add figures or detail attach to the candidate they follow.
    Dates come from the sentence, else from the sentences before it in the section;
    statement dates ("On Wednesday, the ministry said") are not event dates.
    Candidates at the same place, of the same type and day are merged.

    Raises
    ------
    IngestError
        When the article names no place in Armenia or Azerbaijan (nothing can be
        located, so nothing is proposed).
    """
    sentences = split_sentences(text)
    places = find_places(text, index)
    dates = find_dates(text, meta.published)
    if not places:
        raise IngestError(
            f"{meta.name}: names no place in Armenia or Azerbaijan that the gazetteer knows; "
            "no candidate events (add the place to data/gazetteer.csv, or check the text)"
        )
    outlet = meta.outlet or "the article"
    by_sentence = {
        s.index: (
            [p for p in places if s.start <= p.start < s.end],
            [d for d in dates if s.start <= d.start < s.end],
        )
        for s in sentences
    }
    candidates: list[Candidate] = []
    unplaced: list[dict[str, Any]] = []
    last: list[Candidate] = []
    ctx_places: dict[str, list[PlaceMention]] = {}
    ctx_age: dict[str, int] = {}
    ctx_date: DateMention | None = None
    prev_claimant: str | None = None
    prev_subject: str | None = None
    for s in sentences:
        s_places, s_dates = by_sentence[s.index]
        own_places = event_places(s_places, index)
        if s.heading:
            ctx_places = {"protest": own_places, "violence": own_places} if own_places else {}
            ctx_date, last = None, []
            continue
        event_dates = [d for d in s_dates if d.precision is not None and not d.report]
        years_only = bool(s_dates) and not event_dates and any(d.precision is None for d in s_dates)
        etype = propose_type(s.text)
        figures = find_figures(s.text)
        claimant, via = find_claimant(s.text)
        if claimant == "" or (claimant is None and _CONTINUES.match(s.text)):
            claimant = prev_claimant
        claims = [_claim(f, claimant or _agent(f, prev_subject), via, outlet, s) for f in figures]
        subj = re.match(
            r"^(?:The\s+)?([A-Z][\w\s]{2,60}?)\s+(?:accused|launched|said|stated|announced)\b",
            s.text,
        )
        prev_subject = (
            _clean_claimant(subj.group(1)) if subj and _INSTITUTION.search(subj.group(1)) else None
        )
        prev_claimant = claimant or prev_subject

        for fam in ("protest", "violence"):
            ctx_age[fam] = ctx_age.get(fam, 0) + 1
        if (etype is None and not claims) or years_only:
            continue
        if etype is None:
            if last and not own_places and not event_dates:
                _attach(last, claims, s)
                continue
            etype = _type_from_claims(claims)
            if etype is None:
                continue
        fam = _family(etype[0])
        if own_places:
            ctx_places[fam], ctx_age[fam] = own_places, 0
        if not own_places and not event_dates:
            same = [c for c in reversed(candidates[-6:]) if c.event_type == etype[0]]
            if same:
                group = [
                    c for c in candidates[-6:] if c.sentences[0].index == same[0].sentences[0].index
                ]
                _attach(group, claims, s)
                continue
        targets = own_places
        inherited = False
        if not targets:
            inherited = True
            if ctx_places.get(fam) and ctx_age.get(fam, 99) <= CONTEXT_BACK:
                targets = [_generalise(p, index) for p in ctx_places[fam]]
            else:
                targets = _ahead(s, sentences, by_sentence, index)
            if not targets:
                unplaced += claims
                continue
        date_m = event_dates[0] if event_dates else ctx_date
        if event_dates:
            ctx_date = event_dates[0]
        new = [
            Candidate(
                place=p,
                inherited_place=inherited,
                date=date_m,
                date_inherited=not event_dates,
                event_type=etype[0],
                sub_event_type=etype[1],
                sentences=[s],
            )
            for p in _dedupe_refs(targets)
        ]
        _attach(new, claims, s, add_sentence=False)
        candidates += new
        last = new
    merged = _merge(candidates)
    _date_undated(merged)
    _attribute_counts(merged, sentences, unplaced)
    for c in merged:
        _score(c, meta.published)
    return Extraction(text, meta, sentences, places, dates, merged, unplaced)


def _date_undated(cands: list[Candidate]) -> None:
    """A candidate whose sentences give no date takes the article's most frequent event day."""
    days: dict[date, int] = {}
    for c in cands:
        if c.date is not None and not c.date_inherited and c.date.precision == 1:
            days[c.date.day] = days.get(c.date.day, 0) + 1
    if not days:
        return
    main = max(days, key=lambda d: (days[d], d))
    sample = next(c.date for c in cands if c.date is not None and c.date.day == main)
    for c in cands:
        if c.date is None:
            c.date = sample
            c.date_inherited = True
            c.issues.append(f"no date near this event: the article's main day {main} is proposed")


def _agent(f: Figure, prev_subject: str | None) -> str:
    """Who announced arrests or charges when the sentence names nobody: the authority that
    was the subject of the sentence before ("The authorities launched a case. 36 people
    were arrested.")."""
    if f.measure in ("arrested", "detained", "prosecuted") and prev_subject:
        return prev_subject
    return ""


def _claim(f: Figure, claimant: str, via: str | None, outlet: str, s: Sentence) -> dict[str, Any]:
    who = claimant or outlet
    side = f.side
    if side == "any" and f.measure in ("killed", "injured") and claimant:
        side = claimant_side(claimant) or "any"
    if re.search(r"\b(?:its|their)\s+(?:soldiers|troops|servicemen)", s.text) and claimant:
        side = claimant_side(claimant) or side
    if (
        f.measure in ("posts_seized", "vehicles_destroyed", "facilities_destroyed")
        and side == "any"
        and f.group == "military"
    ):
        own = claimant_side(who)
        side = {"armenian": "azerbaijani", "azerbaijani": "armenian"}.get(own or "", "any")
    group = f.group
    claim: dict[str, Any] = {
        "claimant": who,
        "claimant_type": claimant_type(who)
        if claimant
        else "media"
        if "news" in outlet.lower() or outlet != "the article"
        else "other",
        "measure": f.measure,
        "subject": f.subject,
        "side": side,
        "group": group,
        "qualifier": f.qualifier,
        "source": "article",
        "_evidence": [s.start, s.end],
        "_attributed": bool(claimant),
    }
    if f.value is not None:
        claim["value"] = f.value
    if f.low is not None:
        claim["low"], claim["high"] = f.low, f.high
    if f.text is not None:
        claim["text"] = f.text
    if via:
        claim["via"] = via
    return claim


def _type_from_claims(claims: list[dict[str, Any]]) -> tuple[str, str] | None:
    measures = {c["measure"] for c in claims}
    if measures & {"crowd_size"}:
        return "Protests", "Peaceful protest"
    if measures & {
        "killed",
        "injured",
        "posts_seized",
        "vehicles_destroyed",
        "facilities_destroyed",
    }:
        return "Battles", "Armed clash"
    return None


def _attach(
    cands: list[Candidate], claims: list[dict[str, Any]], s: Sentence, *, add_sentence: bool = True
) -> None:
    if not cands:
        return
    for c in cands:
        if add_sentence and all(x.index != s.index for x in c.sentences):
            c.sentences.append(s)
    for claim in claims:
        target = cands[0]
        if len(cands) > 1:
            country = _SIDE_COUNTRY.get(claim["side"])
            for c in cands:
                if c.place.ref.country == country:
                    target = c
                    break
        if (
            target.event_type in ("Protests", "Riots")
            and claim["group"] == "military"
            and "officer" in claim["subject"]
        ):
            claim["group"] = "police"
        if claim["measure"] == "crowd_size":
            claim["side"] = {"ARM": "armenian", "AZE": "azerbaijani"}[target.place.ref.country]
        if claim["side"] == "any" and target.event_type in ("Protests", "Riots"):
            claim["side"] = {"ARM": "armenian", "AZE": "azerbaijani"}[target.place.ref.country]
        if claim["side"] == "any" and claim["measure"] in (
            "crowd_size",
            "arrested",
            "detained",
            "prosecuted",
            "vehicles_destroyed",
            "vehicles_damaged",
            "property_damage_azn",
        ):
            claim["side"] = {"ARM": "armenian", "AZE": "azerbaijani"}[target.place.ref.country]
        if not any(_same_claim(claim, k) for k in target.claims):
            target.claims.append(claim)


def _same_claim(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("claimant", "measure", "side", "group", "qualifier", "value", "low", "high", "text")
    return all(a.get(k) == b.get(k) for k in keys)


def _generalise(p: PlaceMention, index: PlaceIndex) -> PlaceMention:
    """A place carried over from an earlier sentence: a landmark becomes its city."""
    city = index.city_of(p.ref)
    return replace(p, ref=city) if city else p


def _ahead(
    s: Sentence,
    sentences: list[Sentence],
    by_sentence: dict[int, tuple[list[PlaceMention], list[DateMention]]],
    index: PlaceIndex,
) -> list[PlaceMention]:
    for t in sentences[s.index + 1 : s.index + 1 + CONTEXT_AHEAD]:
        if t.heading:
            return []
        found = event_places(by_sentence[t.index][0], index)
        if found:
            return [_generalise(p, index) for p in found]
    return []


def _dedupe_refs(places: list[PlaceMention]) -> list[PlaceMention]:
    seen: set[str] = set()
    out = []
    for p in places:
        if p.ref.key not in seen:
            seen.add(p.ref.key)
            out.append(p)
    return out


def _merge(cands: list[Candidate]) -> list[Candidate]:
    """One candidate per place, type and day: repeated mentions add evidence and claims."""
    out: list[Candidate] = []
    for c in cands:
        for o in out:
            if (
                o.place.ref.key == c.place.ref.key
                and (o.event_type, o.sub_event_type) == (c.event_type, c.sub_event_type)
                and (o.day == c.day or o.day is None or c.day is None)
            ):
                if o.day is None:
                    o.date, o.date_inherited = c.date, c.date_inherited
                for s in c.sentences:
                    if all(x.index != s.index for x in o.sentences):
                        o.sentences.append(s)
                for k in c.claims:
                    if not any(_same_claim(k, x) for x in o.claims):
                        o.claims.append(k)
                o.inherited_place = o.inherited_place and c.inherited_place
                break
        else:
            out.append(c)
    return out


_COUNT_GIVER = re.compile(
    r"(?P<who>[A-Z][\w\s]*?)\s+(?:provided|gave|released|published)\s+(?:the\s+)?"
    r"(?:casualty|death)\s+(?:count|toll|figures?)"
)


def _attribute_counts(
    cands: list[Candidate], sentences: list[Sentence], unplaced: list[dict[str, Any]]
) -> None:
    """ "X provided the casualty count": X is the claimant of unattributed casualty figures."""
    giver = None
    for s in sentences:
        m = _COUNT_GIVER.search(s.text)
        if m:
            giver = _clean_claimant(m.group("who"))
            break
    if not giver:
        return
    for claims in [c.claims for c in cands] + [unplaced]:
        for claim in claims:
            if not claim["_attributed"] and claim["measure"] in ("killed", "injured"):
                claim["claimant"] = giver
                claim["claimant_type"] = claimant_type(giver)
                claim["_attributed"] = True
                claim["note"] = "Attributed from the article's statement of who gave the count."


def _score(c: Candidate, published: date) -> None:
    score = 0.45
    score += 0.2 if not c.inherited_place else -0.1
    score += 0.15 if c.date and not c.date_inherited else 0.0
    score += 0.1 if c.claims else 0.0
    if c.place.ref.lat is None:
        c.issues.append(
            f"{c.place.ref.name} has no sourced coordinate: set a place before accepting"
        )
        score -= 0.15
    if c.date is None:
        c.issues.append("no date in the text: set the date before accepting")
        score -= 0.2
    elif (published - c.date.day).days > 365:
        c.issues.append(f"dated {c.date.day}, more than a year before publication: background?")
        score -= 0.25
    if c.inherited_place:
        c.issues.append("place taken from a nearby sentence")
    if any(not k["_attributed"] for k in c.claims):
        c.issues.append("some figures name no claimant: the article itself is given as claimant")
    c.confidence = round(min(0.95, max(0.05, score)), 2)


# --------------------------------------------------------------------------- draft output

_ACTORS = {
    "Protests": "Protesters ({country})",
    "Riots": "Rioters ({country})",
}
_COUNTRY_NAMES = {"ARM": "Armenia", "AZE": "Azerbaijan"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalize_name(text)).strip("-")[:30] or "place"


def source_for(meta: ArticleMeta) -> dict[str, Any]:
    """The article as an event source (the codebook's *Source*)."""
    seed = meta.name if SEED_RE.match(meta.name) else None
    source: dict[str, Any] = {
        "id": "article",
        "outlet": meta.outlet or f"Unnamed article ({meta.name})",
        "reported": f"Article {meta.name} read with conflictmap ingest; see the claims and "
        "the evidence offsets of each candidate.",
        "published": meta.published.isoformat(),
    }
    if seed:
        source["seed"] = seed
    return source


def candidate_properties(c: Candidate, meta: ArticleMeta, number: int) -> dict[str, Any]:
    """Event properties (the codebook's *Event*) proposed for one candidate."""
    ref = c.place.ref
    day = c.date.day if c.date else meta.published
    first = c.date.first if c.date else meta.published - timedelta(days=6)
    last = c.date.last if c.date else meta.published
    precision = (c.date.precision or 3) if c.date else 2
    country = ref.country
    actor = _ACTORS.get(c.event_type, "Unidentified armed group ({country})").format(
        country=_COUNTRY_NAMES[country]
    )
    if c.event_type in ("Battles", "Explosions/Remote violence"):
        text = " ".join(s.text for s in c.sentences)
        sides = []
        for word, name in (("Azerbaijan", "Military Forces of Azerbaijan (2003-)"),
                           ("Armenia", "Military Forces of Armenia (2018-)")):  # fmt: skip
            if word.lower() in text.lower():
                sides.append(name)
        actor = sides[0] if sides else actor
    geo_precision = max(ref.geo_precision, 2 if c.inherited_place else 1)
    where_prec = ref.where_prec
    if c.inherited_place and where_prec < 2:
        where_prec = 2
    props: dict[str, Any] = {
        "event_id": (
            f"{_slug(ref.name.split('(')[0])}-{day.isoformat()}-{_slug(c.sub_event_type)}-{number}"
        ),
        "event_date": day.isoformat(),
        "date_start": min(first, day).isoformat(),
        "date_end": max(last, day).isoformat(),
        "time_precision": precision,
        "event_type": c.event_type,
        "sub_event_type": c.sub_event_type,
        "actor1": actor,
        "country": country,
        "location": ref.name if c.inherited_place else c.place.surface,
        "geo_precision": geo_precision,
        "where_prec": where_prec,
        "notes": (
            f"Proposed by conflictmap ingest from {meta.name}: "
            f"{c.sub_event_type.lower()} at {ref.name}, "
            f"{'dated ' + day.isoformat() if c.date else 'undated in the text'}, "
            f"{len(c.claims)} figure(s) with their claimants. Review before accepting."
        ),
        "sources": [source_for(meta)],
        "claims": [{k: v for k, v in claim.items() if not k.startswith("_")} for claim in c.claims],
        "tags": ["ingest-candidate"],
    }
    if ref.kind == "place":
        props["place_id"] = ref.key
    elif ref.kind == "area" and ref.point_id:
        props["place_id"] = ref.point_id
    if ref.note and (ref.kind == "area" or ref.point_id != ref.key):
        props["location_note"] = ref.note
    return props


def to_draft(extraction: Extraction) -> dict[str, Any]:
    """The draft layer: candidate features, each with evidence offsets, not the text itself.

    Each feature's ``properties`` is an event record (validated); its ``candidate``
    member carries the review data (id, confidence, offsets, proposals, issues).
    """
    meta = extraction.meta
    features = []
    for n, c in enumerate(extraction.candidates, start=1):
        props = candidate_properties(c, meta, n)
        try:
            EventProperties.model_validate(props)
        except pydantic.ValidationError as err:
            first = err.errors()[0]
            field_name = ".".join(map(str, first["loc"])) or "(record)"
            raise IngestError(
                f"{meta.name}: candidate c{n} (id {props['event_id']}): field "
                f"'{field_name}': {first['msg']}"
            ) from None
        ref = c.place.ref
        geometry = (
            {"type": "Point", "coordinates": [ref.lon, ref.lat]}
            if ref.lat is not None and ref.lon is not None
            else None
        )
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": props,
                "candidate": {
                    "id": f"c{n}",
                    "confidence": c.confidence,
                    "evidence": [[s.start, s.end] for s in c.sentences],
                    "place": {
                        "mention": [c.place.start, c.place.end],
                        "ref": ref.key,
                        "kind": ref.kind,
                        "inherited": c.inherited_place,
                    },
                    "date": None
                    if c.date is None
                    else {
                        "mention": [c.date.start, c.date.end],
                        "relative": c.date.relative,
                        "inherited": c.date_inherited,
                    },
                    "type_is_proposal": True,
                    "claim_evidence": [claim["_evidence"] for claim in c.claims],
                    "issues": c.issues,
                },
            }
        )
    digest = hashlib.sha256(extraction.text.encode("utf-8")).hexdigest()
    return {
        "type": "FeatureCollection",
        "draft": {
            "article": meta.name,
            "sha256": digest,
            "chars": len(extraction.text),
            "published": meta.published.isoformat(),
            "outlet": meta.outlet,
            "tool": "conflictmap ingest",
            "claims": [
                {k: v for k, v in claim.items() if not k.startswith("_")}
                for claim in extraction.unplaced_claims
            ],
        },
        "features": features,
    }
