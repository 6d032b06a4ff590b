"""The event record: fields, ACLED/UCDP vocabularies, claims, and the figures derived from them."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# --- vocabularies ---------------------------------------------------------------------------

#: ACLED event types and their sub-event types (ACLED codebook, 2023 edition).
EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": (
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Protests": (
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    ),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Violence against civilians": (
        "Sexual violence",
        "Attack",
        "Abduction/forced disappearance",
    ),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
}

COUNTRIES: dict[str, str] = {"ARM": "Armenia", "AZE": "Azerbaijan"}

#: ACLED ``time_precision``: 1 the day is known, 2 only the week or a span of days, 3 the month.
TIME_PRECISION = {1: "exact day", 2: "within a few days / a week", 3: "within a month"}
#: ACLED ``geo_precision``: 1 the town or exact spot, 2 near a town / part of a region, 3 region.
GEO_PRECISION = {
    1: "exact place (town, village or landmark)",
    2: "near the named place, placed at the nearest sourced reference",
    3: "only the district or region is known; placed at its centre",
}
#: UCDP GED ``where_prec``.
WHERE_PREC = {
    1: "exact location",
    2: "within about 25 km of a known point",
    3: "second-order administrative division",
    4: "first-order administrative division",
    5: "linear feature (e.g. a border) or an area not an admin unit",
    6: "country only",
    7: "international waters or airspace",
}

#: The one precision rule (item 8 of issue 11): where_prec 3 and 4 name the geoBoundaries
#: level of the smallest unit the sources give. The gazetteer's ``region`` of an Armenian
#: place is a marz (ARM ADM1) and its ``district`` an ARM ADM2 unit; an Azerbaijani place's
#: ``region`` (= ``district``) is a rayon or rayon-level city (AZE ADM2).
UNIT_WHERE_PREC: dict[str, dict[str, int]] = {
    "ARM": {"region": 4, "district": 3},
    "AZE": {"region": 3, "district": 3},
}
#: where_prec values that may go without a country: an area that is no admin unit (a border)
#: or international waters/airspace.
NO_COUNTRY_WHERE_PREC = (5, 7)

PRECISION_RULES: tuple[str, ...] = (
    "One rule for `where_prec` 3 and 4: they name the boundary level of the smallest unit the "
    "sources give. An Armenian marz (ARM ADM1: Tavush, Syunik) is 4; an Armenian ADM2 unit "
    "(Kapan, Idjevan) is 3; an Azerbaijani rayon or rayon-level city (AZE ADM2: Tovuz "
    "District, Baku City) is 3, because in our boundary data it is a second-order unit. So "
    "“only the Tovuz district is known” is `where_prec` 3, and "
    "“only Tavush province is known” is 4.",
    "An event is never more precise than its gazetteer place: its `geo_precision` and "
    "`where_prec` are at least the place's (a fallback place carries the coarser values of its "
    "row). Validation checks both, and that a `where_prec` of 3 or 4 is a level the place's "
    "country has (`conflictmap validate` names the file, feature, id and field).",
    "`geo_precision` 3 (only a district or region is known) goes with `where_prec` 3 or coarser.",
    "`country` may be left out only when the sources give none and the event is located to "
    "an area that is no admin unit or to international waters (`where_prec` 5 or 7). Such an "
    "event counts under “(country not given)” in totals and is never put in a "
    "country's.",
)

DATE_RULES: tuple[str, ...] = (
    "A source that reports an event without its date fixes only the latest day it can have "
    "happened, the day it was reported: the event is coded “on or before” that day "
    "— `event_date` = `date_end` = the day of the report, `date_start` = the first day "
    "of that month, `time_precision` 3 (ACLED: within a month) — and the notes say so.",
)

ClaimantType = Literal[
    "government",
    "armed_forces",
    "separatist_authority",
    "rights_group",
    "media",
    "international",
    "other",
]
Measure = Literal[
    "killed",
    "injured",
    "detained",
    "arrested",
    "prosecuted",
    "crowd_size",
    "posts_seized",
    "vehicles_destroyed",
    "vehicles_damaged",
    "facilities_destroyed",
    "property_damage_azn",
]
Qualifier = Literal["exact", "about", "at_least", "more_than", "up_to", "range", "unquantified"]
Side = Literal["armenian", "azerbaijani", "other", "any"]
Group = Literal["military", "civilian", "police", "any"]

MEASURES: tuple[str, ...] = get_args(Measure)
#: Measures from which casualty figures are derived.
CASUALTY_MEASURES = ("killed", "injured")

EVENT_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SEED_RE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
#: Why ';' is refused in outlets, cited agencies and tags: the flat exports (CSV, GeoPackage,
#: KML) list them in one cell separated by '; ', and the readback splits them there.
LIST_SEPARATOR_MSG = (
    "contains ';', which separates list items in the CSV, GeoPackage and KML exports; "
    "use ',' or 'and' instead"
)

#: Whole-number casualty columns derived from claims (the keys of :func:`derived_figures`).
CASUALTY_COLUMNS = (
    "fatalities",
    "deaths_low",
    "deaths_best",
    "deaths_high",
    "injured_low",
    "injured_best",
    "injured_high",
)
#: Fields computed from claims or by the spatial join; rejected when typed into a layer.
DERIVED_FIELDS = (
    *CASUALTY_COLUMNS,
    "figures_note",
    "region",
    "region_id",
    "district",
    "district_id",
    "join_method",
    "join_distance_m",
    "admin_note",
)


#: The largest figure a claim may state. Counts and amounts are stored as 64-bit integers
#: in every format (frames, GeoPackage, CSV, GeoJSON); derived figures and region totals are
#: sums of claims, so the cap leaves room for about 9,000 claims at the cap before the sum
#: leaves the 64-bit range (2**63 - 1). A quadrillion is far above any casualty, crowd or
#: manat figure.
MAX_CLAIM_VALUE = 10**15
#: The earliest year a record may carry; the latest is next year (a date typo such as
#: 3023 or 1023 is an error, not a date).
MIN_YEAR = 1900


def max_year() -> int:
    """The latest year a record may carry: next year (sources may be dated ahead)."""
    return date.today().year + 1


def check_year(value: date | None) -> date | None:
    """Refuse a date whose year is outside ``MIN_YEAR`` .. next year."""
    if value is not None and not MIN_YEAR <= value.year <= max_year():
        raise ValueError(
            f"year {value.year} is outside {MIN_YEAR}..{max_year()}; check the date for a typo"
        )
    return value


#: The longest text any one field may hold (the curated notes run to about 900
#: characters): a 50 MB note would take the app's memory and the page with it.
MAX_TEXT_CHARS = 10_000


#: Any character :func:`_bad_char` refuses (C0 controls but tab and newline, DEL, C1,
#: surrogates): one regex search per text instead of a Python loop over its characters.
_BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _bad_char(text: str) -> str | None:
    """The first character no field may hold, described, or ``None``.

    Control characters (C0 except tab and newline, DEL, C1) would reach terminals, XML and
    spreadsheets; a lone surrogate is not text at all and cannot be written as UTF-8.
    Text longer than :data:`MAX_TEXT_CHARS` is refused too.
    """
    if len(text) > MAX_TEXT_CHARS:
        return (
            f"is {len(text):,} characters long; the limit is {MAX_TEXT_CHARS:,} "
            "(summarise it in our own words and cite the source)"
        )
    found = _BAD_CHARS.search(text)  # the scan below only runs on text that has one
    if found is None:
        return None
    for pos, ch in enumerate(text[found.start() :], start=found.start()):
        code = ord(ch)
        if (code < 0x20 and ch not in "\t\n") or 0x7F <= code <= 0x9F:
            return f"contains control character U+{code:04X} at position {pos}; remove it"
        if 0xD800 <= code <= 0xDFFF:
            return f"contains a lone surrogate U+{code:04X} at position {pos}; not valid text"
    return None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, v: object) -> object:
        if isinstance(v, str):
            bad = _bad_char(v)
            if bad:
                raise ValueError(bad)
        elif isinstance(v, tuple):
            for n, item in enumerate(v):
                bad = _bad_char(item) if isinstance(item, str) else None
                if bad:
                    raise ValueError(f"item {n} {bad}")
        return v


class Source(_Strict):
    """One report an event rests on: who published it and what it said (in our words)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Key, unique within the event.")
    outlet: str = Field(min_length=1, description="Who published it.")
    reported: str = Field(min_length=1, description="What it reported, in our own words.")
    published: date | None = Field(None, description="Publication date, if the text gives it.")
    published_note: str | None = Field(None, description="Why there is no date, or its precision.")
    seed: str | None = Field(None, description="File name under shared/seeds/, when from one.")
    cites: tuple[str, ...] = Field((), description="Agencies/outlets the report itself cites.")
    url: str | None = None

    @field_validator("outlet")
    @classmethod
    def _outlet(cls, v: str) -> str:
        if ";" in v:
            raise ValueError(LIST_SEPARATOR_MSG)
        return v

    @field_validator("cites")
    @classmethod
    def _cites(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for n, item in enumerate(v):
            if ";" in item:
                raise ValueError(f"item {n}: {LIST_SEPARATOR_MSG}")
        return v

    _published_year = field_validator("published")(check_year)

    @field_validator("seed")
    @classmethod
    def _seed_name(cls, v: str | None) -> str | None:
        if v is not None and not SEED_RE.match(v):
            raise ValueError(f"seed {v!r} is not a seed file name like '000_3eff19b8bf5dfb3d.txt'")
        return v

    @model_validator(mode="after")
    def _dated(self) -> Source:
        if self.published is None and not self.published_note:
            raise ValueError("a source without 'published' needs 'published_note' saying why")
        return self


class Claim(_Strict):
    """One figure somebody stated about an event, kept as they stated it.

    ``value`` for a single figure; ``low``/``high`` for a range; neither (with
    ``qualifier='unquantified'`` and ``text``) for wording such as "hundreds".
    """

    claimant: str = Field(min_length=1, description="Who makes the claim.")
    claimant_type: ClaimantType
    measure: Measure
    subject: str = Field(min_length=1, description="Whose people or what, in words.")
    side: Side = "any"
    group: Group = "any"
    qualifier: Qualifier = "exact"
    value: int | None = Field(None, ge=0, le=MAX_CLAIM_VALUE)
    low: int | None = Field(None, ge=0, le=MAX_CLAIM_VALUE)
    high: int | None = Field(None, ge=0, le=MAX_CLAIM_VALUE)
    text: str | None = Field(None, description="The wording when there is no number.")
    source: str = Field(min_length=1, description="Id of the event source that reported it.")
    via: str | None = Field(None, description="Intermediary, e.g. 'Russian media'.")
    disputed_by: str | None = None
    included_in: str | None = Field(
        None, description="Event id whose figures already count these people."
    )
    note: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Claim:
        if self.qualifier == "unquantified":
            if self.value is not None or self.low is not None or self.high is not None:
                raise ValueError("an 'unquantified' claim has no value, low or high")
            if not self.text:
                raise ValueError("an 'unquantified' claim needs 'text' with the wording used")
        elif self.qualifier == "range":
            if self.low is None or self.high is None or self.value is not None:
                raise ValueError("a 'range' claim needs 'low' and 'high' and no 'value'")
            if self.low > self.high:
                raise ValueError(f"low {self.low} is greater than high {self.high}")
        elif self.value is None or self.low is not None or self.high is not None:
            raise ValueError(f"a {self.qualifier!r} claim needs 'value' and no 'low'/'high'")
        return self

    @property
    def is_numeric(self) -> bool:
        return self.qualifier != "unquantified"

    def bounds(self) -> tuple[int, int, int]:
        """(low, best, high) this claim alone supports.

        ``at_least``/``more_than`` count as the stated figure (we add nothing to
        it); ``up_to`` N gives 0..N with N as best; a range gives its ends and
        its lower end as best (the more conservative stated figure).
        """
        if self.qualifier == "range":
            assert self.low is not None and self.high is not None
            return self.low, self.low, self.high
        if self.value is None:
            raise ValueError("an unquantified claim has no bounds")
        if self.qualifier == "up_to":
            return 0, self.value, self.value
        return self.value, self.value, self.value

    def display_value(self) -> str:
        """The figure as the claimant put it, e.g. 'at least 16', '700–800', 'hundreds'."""
        if self.qualifier == "unquantified":
            return f"“{self.text}” (no number)"
        if self.qualifier == "range":
            return f"{self.low:,}–{self.high:,}"
        words = {
            "exact": "",
            "about": "about ",
            "at_least": "at least ",
            "more_than": "more than ",
            "up_to": "up to ",
        }
        return f"{words[self.qualifier]}{self.value:,}"


class EventProperties(_Strict):
    """The properties of one event feature as stored in a layer file."""

    event_id: str = Field(max_length=80)
    event_date: date
    date_start: date
    date_end: date
    time_precision: Literal[1, 2, 3]
    event_type: str
    sub_event_type: str
    actor1: str = Field(min_length=1)
    assoc_actor_1: str | None = None
    actor2: str | None = None
    assoc_actor_2: str | None = None
    country: Literal["ARM", "AZE"] | None = None
    location: str = Field(min_length=1, description="The place name as reported.")
    place_id: str | None = Field(None, description="Gazetteer reference for the point.")
    geo_precision: Literal[1, 2, 3]
    where_prec: Literal[1, 2, 3, 4, 5, 6, 7]
    location_note: str | None = Field(None, description="How the point was chosen, if coarse.")
    notes: str = Field(min_length=1, description="What happened, in our own words.")
    sources: tuple[Source, ...] = Field(min_length=1)
    claims: tuple[Claim, ...] = ()
    tags: tuple[str, ...] = ()

    _years = field_validator("event_date", "date_start", "date_end")(check_year)

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for n, item in enumerate(v):
            if ";" in item:
                raise ValueError(f"item {n}: {LIST_SEPARATOR_MSG}")
        return v

    @field_validator("event_id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not EVENT_ID_RE.match(v):
            raise ValueError(
                f"event_id {v!r} must be lower-case words joined by hyphens, "
                "e.g. 'tovuz-2020-07-12-border-fighting'"
            )
        return v

    @field_validator("event_type")
    @classmethod
    def _type(cls, v: str) -> str:
        if v not in EVENT_TYPES:
            raise ValueError(f"event_type {v!r} is not an ACLED type: {', '.join(EVENT_TYPES)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> EventProperties:
        allowed = EVENT_TYPES.get(self.event_type, ())
        if self.sub_event_type not in allowed:
            raise ValueError(
                f"sub_event_type: {self.sub_event_type!r} is not a sub-type of "
                f"{self.event_type!r}: {', '.join(allowed)}"
            )
        if self.country is None and self.where_prec not in NO_COUNTRY_WHERE_PREC:
            raise ValueError(
                f"country: required unless the sources give none and where_prec is "
                f"{' or '.join(map(str, NO_COUNTRY_WHERE_PREC))} (an area that is no admin unit); "
                f"where_prec is {self.where_prec}"
            )
        if self.geo_precision == 3 and self.where_prec < 3:
            raise ValueError(
                f"where_prec: {self.where_prec} is finer than geo_precision 3 (only a district "
                "or region is known) allows; use 3 or coarser"
            )
        if not self.date_start <= self.event_date <= self.date_end:
            raise ValueError(
                f"event_date: dates must satisfy date_start <= event_date <= date_end, got "
                f"{self.date_start} / {self.event_date} / {self.date_end}"
            )
        ids = [s.id for s in self.sources]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"sources: source ids repeated: {', '.join(dupes)}")
        for n, c in enumerate(self.claims):
            if c.source not in ids:
                raise ValueError(
                    f"claims[{n}].source: {c.source!r} is not one of this "
                    f"event's sources ({', '.join(ids)})"
                )
            if c.included_in == self.event_id:
                raise ValueError(f"claims[{n}].included_in: names its own event")
        return self


class EpisodeInfo(_Strict):
    """Layer-level description of one episode; claims here span several events."""

    id: str
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    date_start: date
    date_end: date
    sources: tuple[Source, ...] = Field(min_length=1)
    claims: tuple[Claim, ...] = ()

    _years = field_validator("date_start", "date_end")(check_year)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not EVENT_ID_RE.match(v):
            raise ValueError(f"episode id {v!r} must be lower-case words joined by hyphens")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> EpisodeInfo:
        if self.date_start > self.date_end:
            raise ValueError("date_start: episode date_start is after date_end")
        ids = {s.id for s in self.sources}
        for n, c in enumerate(self.claims):
            if c.source not in ids:
                raise ValueError(f"claims[{n}].source: {c.source!r} is not an episode source")
        return self


# --- derivation -----------------------------------------------------------------------------

_SIDES: tuple[str, ...] = ("armenian", "azerbaijani", "other")
_GROUPS: tuple[str, ...] = ("military", "civilian", "police")


@dataclass(frozen=True)
class Estimate:
    """A derived low/best/high figure."""

    low: int
    best: int
    high: int


def derive(claims: tuple[Claim, ...] | list[Claim], measure: str) -> Estimate:
    """Derive low/best/high for one measure (``killed`` or ``injured``) from claims.

    Rules, applied to numeric claims of that measure not marked ``included_in``
    another event:

    1. Claims about the same people (same ``side`` × ``group``) compete: low is
       the smallest claimed figure (ACLED: most conservative), high the
       largest, best the middle claimed figure (lower middle when even) —
       always a figure somebody stated.
    2. People sets nest: ``any`` side covers Armenian + Azerbaijani + other,
       ``any`` group covers military + civilian + police. A set's figure is the
       larger of what is claimed for it directly and the sum over its parts, so
       "4 Armenian soldiers" plus "12 Azerbaijanis" gives at least 16 overall,
       and an overall "at least 18" is not lowered by smaller parts.
    """
    cells: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    for c in claims:
        if c.measure != measure or not c.is_numeric or c.included_in:
            continue
        cells.setdefault((c.side, c.group), []).append(c.bounds())

    memo: dict[tuple[str, str], tuple[int, int, int]] = {}

    def direct(side: str, group: str) -> tuple[int, int, int]:
        got = cells.get((side, group))
        if not got:
            return 0, 0, 0
        lows, bests, highs = zip(*got, strict=True)
        return min(lows), statistics.median_low(bests), max(highs)

    def total(side: str, group: str) -> tuple[int, int, int]:
        key = (side, group)
        if key in memo:
            return memo[key]
        best = direct(side, group)
        splits = []
        if side == "any":
            splits.append([total(s, group) for s in _SIDES])
        if group == "any":
            splits.append([total(side, g) for g in _GROUPS])
        for parts in splits:
            summed = tuple(sum(p[i] for p in parts) for i in range(3))
            best = (max(best[0], summed[0]), max(best[1], summed[1]), max(best[2], summed[2]))
        memo[key] = best
        return best

    low, mid, high = total("any", "any")
    return Estimate(low, mid, high)


def derived_figures(claims: tuple[Claim, ...] | list[Claim]) -> dict[str, int]:
    """Every derived casualty column for one event, keyed by column name."""
    killed = derive(claims, "killed")
    injured = derive(claims, "injured")
    return {
        "fatalities": killed.low,
        "deaths_low": killed.low,
        "deaths_best": killed.best,
        "deaths_high": killed.high,
        "injured_low": injured.low,
        "injured_best": injured.best,
        "injured_high": injured.high,
    }


def figures_note(claims: tuple[Claim, ...] | list[Claim]) -> str:
    """What the derived casualty numbers leave out, in words ('' when nothing).

    Deaths and injured are derived from numeric claims only; this says which
    casualty claims were not counted and why, so a derived 0 is never read as
    "nobody was hurt" when somebody said otherwise.
    """
    notes: list[str] = []
    for c in claims:
        if c.measure not in CASUALTY_MEASURES:
            continue
        if c.included_in:
            notes.append(
                f"{c.display_value()} {c.measure} ({c.subject}) counted in event {c.included_in}"
            )
        elif not c.is_numeric:
            disputed = f", disputed by {c.disputed_by}" if c.disputed_by else ""
            notes.append(
                f"{c.measure}: “{c.text}” per {c.claimant} ({c.subject}; no number, "
                f"not counted{disputed})"
            )
    return "; ".join(notes)
