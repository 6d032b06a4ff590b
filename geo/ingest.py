"""From a news article to candidate events: places, dates, figures with their claimant, types.

Pure functions over text; :func:`read_article` is the only one that touches a file.
Everything found is a *proposal* for an editor (see :mod:`geo.review` for accepting
and merging candidates into a layer). The parts live beside this module:
``ingest_text`` (reading, sentences), ``ingest_places``, ``ingest_dates`` (dates and
proposed types) and ``ingest_figures`` (figures and claimants); this one assembles
candidates and the draft layer, and is the public entry point.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import pydantic

from geo._errors import IngestError
from geo.events import SEED_RE, EventProperties
from geo.gazetteer import normalize_name
from geo.ingest_dates import (
    DateMention,
    find_dates,
    propose_type,
)
from geo.ingest_figures import (
    _CONTINUES,
    _INSTITUTION,
    Figure,
    _clean_claimant,
    claimant_side,
    claimant_type,
    find_claimant,
    find_figures,
)
from geo.ingest_places import (
    PlaceIndex,
    PlaceMention,
    PlaceRef,
    event_places,
    find_places,
    read_areas,
)
from geo.ingest_text import (
    _SIDE_COUNTRY,
    CONTEXT_AHEAD,
    CONTEXT_BACK,
    MAX_ARTICLE_BYTES,
    Sentence,
    decode_article,
    looks_like_html,
    read_article,
    split_sentences,
    strip_html,
)

__all__ = [
    "MAX_ARTICLE_BYTES",
    "ArticleMeta",
    "Candidate",
    "DateMention",
    "Extraction",
    "Figure",
    "PlaceIndex",
    "PlaceMention",
    "PlaceRef",
    "Sentence",
    "candidate_properties",
    "claimant_side",
    "claimant_type",
    "decode_article",
    "event_places",
    "extract",
    "find_claimant",
    "find_dates",
    "find_figures",
    "find_places",
    "looks_like_html",
    "propose_type",
    "read_areas",
    "read_article",
    "source_for",
    "split_sentences",
    "strip_html",
    "to_draft",
]

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
    case_opener: str | None = None  # who opened a criminal case, in this section
    prev_text = ""
    for s in sentences:
        s_places, s_dates = by_sentence[s.index]
        own_places = event_places(s_places, index)
        if s.heading:
            ctx_places = {"protest": own_places, "violence": own_places} if own_places else {}
            ctx_date, last = None, []
            case_opener, prev_text = None, ""
            continue
        event_dates = [d for d in s_dates if d.precision is not None and not d.report]
        years_only = bool(s_dates) and not event_dates and any(d.precision is None for d in s_dates)
        etype = propose_type(s.text)
        figures = find_figures(s.text)
        claimant, via = find_claimant(s.text)
        if claimant == "" or (claimant is None and _CONTINUES.match(s.text)):
            claimant = prev_claimant
        case_opener = _case_opener(s.text) or case_opener
        claims = []
        for f in figures:
            who = claimant or _agent(f, prev_subject)
            by_case = not who and _case_action(f, case_opener, s.text, prev_text)
            claim = _claim(f, case_opener if by_case and case_opener else who, via, outlet, s)
            if by_case:
                claim["note"] = (
                    "Attributed to the authority that opened the criminal case earlier in the "
                    "section; the sentence itself names no one."
                )
            claims.append(claim)
        prev_text = s.text
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
                _attach(last, claims, s, elsewhere=unplaced)
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
                _attach(group, claims, s, elsewhere=unplaced)
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
        _attach(new, claims, s, add_sentence=False, elsewhere=unplaced)
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


_CASE_OPENER = re.compile(
    r"(?P<who>(?:the\s+)?[A-Z][\w'’]*(?:\s+(?:[A-Z][\w'’]*|of|and|the|for))*?)\s+"
    r"(?:(?:announced|said|stated|reported)\s+(?:that\s+)?(?:they|it)\s+)?"
    r"(?:(?:had|have|has)\s+)?(?:launched|opened|initiated|instituted|started)\s+"
    r"(?:an?\s+)?(?:criminal\s+)?(?:case|cases|investigation|proceedings|probe)\b"
)
_PROCEEDINGS = re.compile(
    r"\b(?:investigation|criminal case|charged|charges|prosecut\w*|indicted|court)\b", re.I
)
_PASSIVE_LEGAL = re.compile(
    r"\b(?:were|was|been|being)\s+(?:\w+\s+)?(?:arrested|detained|prosecuted|charged)\b"
)


def _case_opener(text: str) -> str | None:
    """The authority that "launched a criminal case" (or opened an investigation) in a
    sentence: "the Prosecutor General's Office and the Ministry of Internal Affairs
    announced they had launched a criminal case" names both."""
    m = _CASE_OPENER.search(text)
    if not m or not _INSTITUTION.search(m.group("who")):
        return None
    return _clean_claimant(m.group("who")) or None


def _case_action(f: Figure, opener: str | None, text: str, prev_text: str) -> bool:
    """Arrests, detentions or prosecutions told in the passive, with no one named, in a
    section where an authority opened a criminal case, and about those proceedings (this
    sentence or the one before speaks of the investigation, charges or prosecution):
    the legal action is that authority's ("The Prosecutor's Office launched a criminal
    case. ... The investigation was completed. 37 people were prosecuted.")."""
    return bool(
        opener
        and f.measure in ("arrested", "detained", "prosecuted")
        and _PASSIVE_LEGAL.search(text)
        and (_PROCEEDINGS.search(text) or _PROCEEDINGS.search(prev_text))
    )


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
    cands: list[Candidate],
    claims: list[dict[str, Any]],
    s: Sentence,
    *,
    add_sentence: bool = True,
    elsewhere: list[dict[str, Any]] | None = None,
) -> None:
    """Attach a sentence's claims to its candidates (by side's country when several).

    Soldiers' deaths told in a sentence about a protest ("after the deaths of Major
    General A and Colonel B ..., thousands demonstrated") belong to another event,
    a clash the sentence does not place: they go to ``elsewhere`` (the draft's
    unplaced claims), not to the protest.
    """
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
        if (
            elsewhere is not None
            and target.event_type in ("Protests", "Riots")
            and claim["measure"] == "killed"
            and claim["group"] == "military"
        ):
            claim["note"] = (
                "Military deaths told in a passage about a protest: another event (a clash) "
                "that the text does not place; set its place before using the figure."
            )
            if not any(_same_claim(claim, k) for k in elsewhere):
                elsewhere.append(claim)
            continue
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
    # cut first, then strip: a cut just after a hyphen must not leave "--" in the id
    return re.sub(r"[^a-z0-9]+", "-", normalize_name(text))[:30].strip("-") or "place"


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
