"""Dates an article gives, resolved against its publication date; proposed ACLED types."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

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
