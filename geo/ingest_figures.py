"""Figures in a sentence (what was counted, how many, whose people) and who claims them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from geo.ingest_dates import _MONTHS
from geo.ingest_text import (
    _SIDE_WORDS,
    _ordered_words,
)

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
    words ("hundreds", "dozens") are kept as unquantified claims; deaths of people
    named one by one ("the deaths of Major General A and Colonel B") count the persons.
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
    figures += _named_deaths(masked, figures)
    return figures


# ------------------------------------------------------------- deaths of people named one by one

_RANK = (
    r"(?:(?:Major|Lieutenant|Brigadier)\s+General|Lieutenant\s+Colonel|General|Colonel|"
    r"Lieutenant|Captain|Major|Sergeant|Corporal|Private|Commander|Admiral)"
)
_NAME_WORD = r"[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?"
_PERSON = (
    rf"(?:(?:{'|'.join(w.capitalize() for w in _SIDE_WORDS)})\s+)?"
    rf"(?:{_RANK}\s+)?{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}"
)
# at most ten persons: a bounded list keeps the search linear on hostile text
_PERSONS = rf"(?<![\w'’-])(?P<names>{_PERSON}(?:\s*,\s*{_PERSON}){{0,8}}(?:,?\s+and\s+{_PERSON})?)"
_NOT_A_NOUN_PHRASE = (
    rf"(?!\s+(?:[a-z]+\s+)?(?:{'|'.join(p for p, _ in _HEADS)}|residents|families|homes?)\b)"
)
_NAMED_DEATHS = [
    re.compile(rf"\b(?:deaths?|killings?|murders?)\s+of\s+{_PERSONS}{_NOT_A_NOUN_PHRASE}"),
    re.compile(
        rf"{_PERSONS}\s+(?:(?:were|was|had been|have been|has been)\s+(?:killed|shot dead|"
        rf"murdered)|died|lost their lives)\b"
    ),
    re.compile(rf"\b(?:killed|killing|murdered)\s+{_PERSONS}{_NOT_A_NOUN_PHRASE}"),
]
_NOT_NAMES = frozenset(
    ["The", "A", "An", "Both", "Two", "Three", "Their", "His", "Her", "President", "Prime",
     "Minister", "Mr", "Mrs", "Ms", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
     "Saturday", "Sunday", "Police", "Army", "Ministry", "Government", "Republic", "Nagorno",
     "Karabakh"]
)  # fmt: skip
_OPPONENT = re.compile(
    r"\b(?:clash\w*|skirmish\w*|fighting|fight|war|battles?|attacks?|offensive)\s+(?:with|"
    r"against)\s+(?:the\s+)?(?P<who>Armenian|Azerbaijani|Armenia|Azerbaijan)\b"
)


def _persons(names: str) -> list[tuple[str, bool]] | None:
    """(name, has a military rank) for each person in "A, B and C"; None if one is no name.

    A name is two to four capitalised words, or one after a rank ("Colonel Mirzayev");
    nationality words, weekdays, titles and the like are not names.
    """
    out = []
    for part in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", names):
        words = part.split()
        if words and words[0].lower() in _SIDE_WORDS:
            words = words[1:]
        rank = re.match(rf"{_RANK}\s+", " ".join(words))
        rest = " ".join(words)[rank.end() :].split() if rank else words
        if not rest or len(rest) < (1 if rank else 2):
            return None
        if any(w in _NOT_NAMES or w.lower() in _SIDE_WORDS for w in rest):
            return None
        out.append((" ".join(words), bool(rank)))
    return out


def _named_deaths(masked: str, figures: list[Figure]) -> list[Figure]:
    """Deaths of people named one by one: "the deaths of Major General A and Colonel B",
    "A and B were killed", "killed A, B and C" count the persons named (exactly).

    A military rank before any name makes the group military. The side is a nationality
    word before the first name ("Azerbaijani Colonel A"), else the opponent in "clashes with
    Armenia" in the sentence, else unknown. Skipped when the sentence already gives that
    number of deaths as a figure ("two officers, A and B, were killed").
    """
    out: list[Figure] = []
    if not re.search(r"\b(?:deaths?|killings?|murder\w*|killed|died|lost their lives)\b", masked):
        return out
    for pattern in _NAMED_DEATHS:
        for m in pattern.finditer(masked):
            persons = _persons(m.group("names"))
            if not persons:
                continue
            start, end = m.span("names")
            if any(f.start < end and start < f.end for f in figures + out):
                continue
            count = len(persons)
            if count >= 9 and re.match(r"\s*(?:,|and\b)\s*[A-Z]", masked[end:]):
                continue  # a longer list than the pattern takes: not counted, not undercounted
            if any(f.measure == "killed" and f.value == count for f in figures):
                continue
            side = _side_of(m.group("names").split()[0])
            if side is None:
                opp = _OPPONENT.search(masked)
                own = _side_of(opp.group("who")) if opp else None
                side = {"armenian": "azerbaijani", "azerbaijani": "armenian"}.get(own or "")
            group = "military" if any(rank for _, rank in persons) else "any"
            subject = ", ".join(name for name, _ in persons)[:80]
            out.append(
                Figure(start, end, "killed", "exact", count, None, None, None, side or "any",
                       group, subject)
            )  # fmt: skip
    return out


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
