"""The region card: what the record says about a region (or both countries) in a period, in words.

Every sentence is filled in from one claim of the record (who claimed it, the figure as they
put it, whose people, where it was reported) and says nothing the claim does not: figures are
never added up, wording without a number is kept as wording, and claims that span a whole
episode are shown as the episode's, not credited to one event.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from geo.events import COUNTRIES, MEASURES, Claim
from geo.markdown import md_escape
from geo.period import period_label, to_day
from geo.rows import list_lengths, take_rows
from geo.style import EVENT_TYPE_LABELS
from geo.text import is_missing
from geo.view import View, view_mask

if TYPE_CHECKING:
    from geo.dataset import Dataset

__all__ = [
    "CARD_CAVEAT",
    "CardEvent",
    "FigureGroup",
    "RegionCard",
    "card_markdown",
    "claim_sentence",
    "counts_sentence",
    "event_dates",
    "event_place",
    "event_type_label",
    "region_card",
]

#: Events listed by name at most (the tables and exports have them all).
MAX_LISTED_EVENTS = 50
#: Events whose figures are written out at most (the claims table has them all).
MAX_FIGURE_EVENTS = 20
#: Events named in the "no figures" sentence at most.
MAX_NO_FIGURE_EVENTS = 20

#: A claim's note is added to its sentence when it is at most this long (e.g. "UCDP best
#: estimate"); longer notes are in the claims table and the exports.
MAX_NOTE_CHARS = 100

#: Said once on every card that has figures.
CARD_CAVEAT = (
    "Each figure is a claim: who said it, and where it was reported. "
    "Figures from different claimants are shown side by side and never added up."
)

#: Event types as counted words (singular, plural); ACLED types, then UCDP's.
TYPE_NOUNS: dict[str, tuple[str, str]] = {
    "Battles": ("battle", "battles"),
    "Explosions/Remote violence": ("explosion or remote attack", "explosions or remote attacks"),
    "Protests": ("protest", "protests"),
    "Riots": ("riot", "riots"),
    "Violence against civilians": ("attack on civilians", "attacks on civilians"),
    "Strategic developments": ("strategic development", "strategic developments"),
    "State-based conflict": ("state-based conflict event", "state-based conflict events"),
    "Non-state conflict": ("non-state conflict event", "non-state conflict events"),
    "One-sided violence": ("one-sided violence event", "one-sided violence events"),
}

#: What each measure counts, as added to a subject that does not say it (singular, plural).
_MEASURE_WORDS: dict[str, tuple[str, str]] = {
    "killed": ("killed", "killed"),
    "injured": ("injured", "injured"),
    "detained": ("detained", "detained"),
    "arrested": ("arrested", "arrested"),
    "prosecuted": ("prosecuted", "prosecuted"),
    "posts_seized": ("post seized", "posts seized"),
    "vehicles_destroyed": ("vehicle destroyed", "vehicles destroyed"),
    "vehicles_damaged": ("vehicle damaged", "vehicles damaged"),
    "facilities_destroyed": ("facility destroyed", "facilities destroyed"),
}
#: A subject already says what is counted when it holds one of these words.
_MEASURE_VERBS: dict[str, tuple[str, ...]] = {
    "killed": ("killed", "dead", "deaths"),
    "injured": ("injured", "wounded"),
    "detained": ("detained",),
    "arrested": ("arrested",),
    "prosecuted": ("prosecuted", "charged"),
    "posts_seized": ("seized", "captured"),
    "vehicles_destroyed": ("destroyed",),
    "vehicles_damaged": ("damaged",),
    "facilities_destroyed": ("destroyed",),
}
#: Subjects starting with one of these cannot follow a number ("3 everybody killed").
_DETERMINERS = frozenset(
    ("a", "an", "the", "this", "that", "these", "those", "everybody", "everyone", "all",
     "some", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
)  # fmt: skip
#: Casualty measures first, then the others in the record's own order.
_MEASURE_ORDER = {m: n for n, m in enumerate(("killed", "injured", *MEASURES))}


# --------------------------------------------------------------------------- the card


@dataclass(frozen=True)
class CardEvent:
    """One event of the card's list: when, where, what (plain text, not escaped)."""

    event_id: str
    date: str
    place: str
    event_type: str

    @property
    def text(self) -> str:
        """'12–16 July 2020 — Tavush Province (area only) — Battle: Armed clash'."""
        return f"{self.date} — {self.place} — {self.event_type}"


@dataclass(frozen=True)
class FigureGroup:
    """The claims of one event (or of a whole episode), one sentence each."""

    heading: str
    sentences: tuple[str, ...]
    #: ``"event"`` or ``"episode"`` (claims that span several events).
    scope: str = "event"


@dataclass(frozen=True)
class RegionCard:
    """What the record says about an area in a period, as sentences (plain text).

    Renderers escape every string (see :func:`card_markdown`; the handout escapes for HTML).
    """

    title: str
    period_label: str
    counts_sentence: str
    figures: tuple[FigureGroup, ...]
    no_figure_events: tuple[CardEvent, ...]
    events: tuple[CardEvent, ...]
    #: Events of the area and period beyond :data:`MAX_LISTED_EVENTS`, not in ``events``.
    events_not_listed: int = 0
    #: Events with figures beyond :data:`MAX_FIGURE_EVENTS`, not written out.
    figures_not_listed: int = 0
    #: Events without figures beyond :data:`MAX_NO_FIGURE_EVENTS`, not named.
    no_figures_not_listed: int = 0

    @property
    def figure_sentences(self) -> tuple[str, ...]:
        """Every figure sentence, event by event, then the episode-wide ones."""
        return tuple(s for group in self.figures for s in group.sentences)

    @property
    def no_figures_sentence(self) -> str:
        """Names the events with no figure claimed ('' when there is none)."""
        if not self.no_figure_events:
            return ""
        names = "; ".join(f"{e.place}, {e.date}" for e in self.no_figure_events)
        more = f"; and {self.no_figures_not_listed:,} more" if self.no_figures_not_listed else ""
        total = len(self.no_figure_events) + self.no_figures_not_listed
        which = "this event" if total == 1 else f"these {total:,} events"
        return f"No figures are given for {which}: {names}{more}."

    @property
    def more_figures_sentence(self) -> str:
        if not self.figures_not_listed:
            return ""
        return (
            f"The figures of {self.figures_not_listed:,} more events are in the claims table "
            "and the exports."
        )

    @property
    def more_events_sentence(self) -> str:
        if not self.events_not_listed:
            return ""
        return f"… and {self.events_not_listed:,} more events (the tables list them all)."

    def lines(self) -> tuple[str, ...]:
        """The card as plain-text lines (headings, sentences, the event list)."""
        out = [f"{self.title} — {self.period_label}", self.counts_sentence]
        if self.figures:
            out.append(CARD_CAVEAT)
        for group in self.figures:
            out.append(f"{group.heading}:")
            out.extend(f"  {s}" for s in group.sentences)
        for extra in (self.more_figures_sentence, self.no_figures_sentence):
            if extra:
                out.append(extra)
        if self.events:
            out.append("Events, in date order:")
            out.extend(f"  {n}. {e.text}" for n, e in enumerate(self.events, start=1))
            if self.more_events_sentence:
                out.append(f"  {self.more_events_sentence}")
        return tuple(out)

    def text(self) -> str:
        """The card as plain text, one line per heading or sentence."""
        return "\n".join(self.lines()) + "\n"


# --------------------------------------------------------------------------- values


def _text(value: Any) -> str:
    return "" if is_missing(value, blank=True) else " ".join(str(value).split())


def _day(value: Any) -> date | None:
    try:
        return to_day(value)
    except (TypeError, ValueError):
        return None


def event_dates(start: Any, end: Any, time_precision: Any) -> str:
    """The event's days as the record has them: '14 July 2020', '12–16 July 2020'.

    A single day whose ``time_precision`` is not 1 says the exact day is not known.
    """
    first, last = _day(start), _day(end)
    if first is None:
        return "date not given"
    last = last or first
    label = period_label(first, last)
    if first == last and not is_missing(time_precision) and int(time_precision) != 1:
        label += " (exact day not known)"
    return label


def event_place(location: Any, geo_precision: Any) -> str:
    """The place as reported, with its precision: '(approximate)' or '(area only)'."""
    place = _text(location) or "place not given"
    if is_missing(geo_precision):
        return place
    precision = int(geo_precision)
    if precision == 2:
        return f"{place} (approximate)"
    if precision >= 3:
        return f"{place} (area only)"
    return place


def event_type_label(event_type: Any, sub_event_type: Any) -> str:
    """'Battle: Armed clash' (the type's short label and the sub-type as recorded)."""
    kind = _text(event_type)
    label = EVENT_TYPE_LABELS.get(kind, kind) or "type not given"
    sub = _text(sub_event_type)
    return f"{label}: {sub}" if sub else label


def _count_phrase(n: int, kind: str) -> str:
    singular, plural = TYPE_NOUNS.get(kind, (f"{kind} event", f"{kind} events"))
    return f"{n:,} {singular if n == 1 else plural}"


def _join_words(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def counts_sentence(event_types: pd.Series, linked: int = 0) -> str:
    """'3 events: 2 battles and 1 riot.' (types by number, then name); 'No events …' for none."""
    total = len(event_types)
    if total == 0:
        return "No events are recorded for this area in this period."
    counts: dict[str, int] = {}
    # counted as they are (a categorical's codes), not as a million new strings
    for kind, n in event_types.value_counts(dropna=False).items():
        if n:  # a categorical lists its categories with no events too
            key = "" if is_missing(kind) else str(kind)
            counts[key] = counts.get(key, 0) + int(n)
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    parts = [_count_phrase(int(n), kind) for kind, n in order]
    word = "event" if total == 1 else "events"
    sentence = f"{total:,} {word}: {_join_words(parts)}."
    if linked:
        again = "record describes an event" if linked == 1 else "records describe events"
        sentence += f" {linked:,} more {again} already counted, from another dataset."
    return sentence


# --------------------------------------------------------------------------- claims in words


def _needs_label(measure: str, subject: str) -> bool:
    """Whether a subject must be told what is counted ('2 killed: two senior officers')."""
    if measure not in _MEASURE_WORDS:
        return False
    words = subject.lower().split()
    if not words:
        return True
    first = words[0].strip("(\"“'")
    verbs = _MEASURE_VERBS[measure]
    said = any(v in subject.lower() for v in verbs)
    return first in _DETERMINERS or first[:1].isdigit() or not said


def _is_one(claim: Claim) -> bool:
    return claim.qualifier == "exact" and claim.value == 1


def _figure_phrase(claim: Claim) -> str:
    """The figure and whose people, in the claim's own terms."""
    subject = _text(claim.subject)
    measure = claim.measure
    if measure == "property_damage_azn":
        if claim.is_numeric:
            return f"damage put at {claim.display_value()} manats: {subject}"
        return f"damage: {subject} — “{_text(claim.text)}”, no number given"
    if _needs_label(measure, subject):
        singular, plural = _MEASURE_WORDS[measure]
        subject = f"{singular if _is_one(claim) else plural}: {subject}"
    if claim.is_numeric:
        return f"{claim.display_value()} {subject}"
    return f"{subject} — “{_text(claim.text)}”, no number given"


def _raw_phrase(raw: Mapping[str, Any]) -> str:
    """A claim that does not validate, shown from its stored fields (never dropped)."""
    figure = _text(raw.get("value")) or _text(raw.get("text")) or "figure not given"
    return f"{figure} {_text(raw.get('subject'))} ({_text(raw.get('measure'))})".strip()


def claim_sentence(
    raw: Mapping[str, Any],
    sources: Mapping[str, str],
    *,
    counted_in: Mapping[str, str] | None = None,
) -> str:
    """One claim as one sentence, claimant first.

    'Armenian authorities: 4 Armenian soldiers killed (source: Unnamed news article).' A short
    note of the claim (up to :data:`MAX_NOTE_CHARS` characters) follows as 'Note: …'.

    Parameters
    ----------
    raw
        The claim as the record holds it (a dict of :class:`geo.events.Claim` fields).
    sources
        Source id → outlet, of the event (or episode) the claim belongs to.
    counted_in
        Event id → how to name that event, for claims ``included_in`` another event.
    """
    try:
        claim = Claim.model_validate({k: v for k, v in dict(raw).items() if v is not None})
    except ValueError:
        claim = None
    phrase = _figure_phrase(claim) if claim is not None else _raw_phrase(raw)
    who = _text(raw.get("claimant")) or "Claimant not given"
    via = _text(raw.get("via"))
    if via:
        who += f" (via {via})"
    sentence = f"{who}: {phrase}"
    disputed = _text(raw.get("disputed_by"))
    if disputed:
        sentence += f" — disputed by {disputed}"
    included = _text(raw.get("included_in"))
    if included:
        named = (counted_in or {}).get(included, f"event {included}")
        sentence += f" — already counted under {named}"
    source_id = _text(raw.get("source"))
    outlet = sources.get(source_id) or source_id or "not given"
    sentence = f"{sentence} (source: {outlet})."
    note = _text(raw.get("note"))
    if note and len(note) <= MAX_NOTE_CHARS:
        sentence += f" Note: {note}" + ("" if note.endswith((".", "!", "?")) else ".")
    return sentence


def _ordered_claims(claims: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Casualty claims first; claims about the same people next to each other."""
    first_seen: dict[tuple[str, str, str], int] = {}
    keyed = []
    for n, raw in enumerate(claims):
        key = (_text(raw.get("measure")), _text(raw.get("side")), _text(raw.get("group")))
        first_seen.setdefault(key, n)
        keyed.append((_MEASURE_ORDER.get(key[0], len(_MEASURE_ORDER)), first_seen[key], n, raw))
    keyed.sort(key=lambda k: k[:3])
    return [k[3] for k in keyed]


def _as_list(value: Any) -> list[Mapping[str, Any]]:
    """Claims or sources of one row: a list of dicts (Python or Arrow lists), [] when none."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, pa.Scalar):
        value = value.as_py()
    return [dict(v) for v in value] if len(value) else []


def _outlets(sources: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {_text(s.get("id")): _text(s.get("outlet")) for s in sources}


# --------------------------------------------------------------------------- building


def _title(view: View) -> str:
    if view.region:
        return view.region
    codes = view.countries or tuple(COUNTRIES)
    return _join_words([COUNTRIES.get(c, c) for c in codes])


def _card_event(event_id: Any, row: Mapping[str, Any]) -> CardEvent:
    return CardEvent(
        event_id=_text(event_id),
        date=event_dates(row.get("date_start"), row.get("date_end"), row.get("time_precision")),
        place=event_place(row.get("location"), row.get("geo_precision")),
        event_type=event_type_label(row.get("event_type"), row.get("sub_event_type")),
    )


def _card_events(frame: pd.DataFrame) -> tuple[CardEvent, ...]:
    return tuple(
        _card_event(i, r) for i, r in zip(frame.index, frame.to_dict("records"), strict=True)
    )


def event_labels(data: Dataset, event_ids: Iterable[Any]) -> dict[str, str]:
    """Readable names of events: 'Tovuz District (area only), 12 July 2020'.

    Ids not in the record are left out (a caller shows those as they are); of duplicate
    ids, the first event is named. Looked up in one pass over the index, and only the
    named rows are taken out of the frame.
    """
    ids = sorted({_text(i) for i in event_ids} - {""})
    if not ids:
        return {}
    index = data.events.index
    if index.is_unique:
        positions = index.get_indexer(ids)
    else:
        firsts = pd.Series(np.arange(len(index)), index=index)
        firsts = firsts[~index.duplicated(keep="first")]
        positions = firsts.reindex(ids).fillna(-1).to_numpy(dtype=np.int64)
    known = [(i, p) for i, p in zip(ids, positions, strict=True) if p >= 0]
    rows = take_rows(data.events, np.array([p for _, p in known], dtype=np.int64), _CARD_COLUMNS)
    out = {}
    for (event_id, _), row in zip(known, rows.to_dict("records"), strict=True):
        ev = _card_event(event_id, row)
        out[event_id] = f"{ev.place}, {ev.date}"
    return out


def _counted_in_names(data: Dataset, claims: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """How to name the events that ``included_in`` points at: 'Tovuz District, 12–16 July'."""
    names = event_labels(data, (c.get("included_in") for c in claims))
    return {i: f"the event at {name}" for i, name in names.items()}


def _episode_groups(data: Dataset, episode_ids: Iterable[str]) -> list[FigureGroup]:
    groups = []
    episodes = data.episodes
    for episode_id in dict.fromkeys(episode_ids):
        rows = episodes[episodes["episode"] == episode_id] if len(episodes) else episodes
        if not len(rows):
            continue
        row = rows.iloc[0]
        claims = _as_list(row.get("claims"))
        if not claims:
            continue
        sources = _outlets(_as_list(row.get("sources")))
        dates = period_label(_day(row.get("date_start")), _day(row.get("date_end")))
        heading = (
            f"Whole episode, not credited to any one event: {_text(row.get('title'))}, {dates}"
        )
        sentences = tuple(claim_sentence(c, sources) for c in _ordered_claims(claims))
        groups.append(FigureGroup(heading, sentences, scope="episode"))
    return groups


#: Frames of at least this many events keep their date order between cards (see
#: :func:`date_order`); smaller ones are sorted each time, which costs nothing.
KEEP_ORDER_FROM = 50_000

_ORDERS: dict[int, tuple[weakref.ref[pd.DataFrame], int, np.ndarray]] = {}

#: The columns a card reads from the events it names.
_CARD_COLUMNS = (
    "date_start",
    "date_end",
    "event_date",
    "time_precision",
    "location",
    "geo_precision",
    "event_type",
    "sub_event_type",
)


def _sorted_by_date(events: pd.DataFrame) -> np.ndarray:
    keys = pd.DataFrame(
        {
            "start": pd.to_datetime(events["date_start"]).to_numpy(),
            "day": pd.to_datetime(events["event_date"]).to_numpy(),
            "id": events.index.astype(str),
        }
    )
    return keys.sort_values(["start", "day", "id"], kind="stable").index.to_numpy()


def date_order(events: pd.DataFrame) -> np.ndarray:
    """Positions of every event by first day, then ``event_date``, then id.

    Filtering this order by a view's mask gives the view's events in the same order as
    sorting them (the sort is stable and each row's keys are its own), so a card sorts the
    loaded events once, not once per view. A frame of :data:`KEEP_ORDER_FROM` events or
    more keeps its order while it lives (the app's loaded frame is never changed in place).
    """
    if len(events) < KEEP_ORDER_FROM:
        return _sorted_by_date(events)
    key = id(events)
    hit = _ORDERS.get(key)
    if hit is not None and hit[1] == len(events) and hit[0]() is events:
        return hit[2]
    order = _sorted_by_date(events)
    _ORDERS[key] = (weakref.ref(events, lambda _: _ORDERS.pop(key, None)), len(events), order)
    return order


def region_card(data: Dataset, view: View) -> RegionCard:
    """The card for the view's region (or both countries when none) and period.

    The events are those of :func:`geo.view.apply_view` (every filter of the view), so the
    card agrees with the map and the tables. Filtering and counting are column-wise; only
    the events listed (at most :data:`MAX_LISTED_EVENTS`) and those whose figures are
    written out (at most :data:`MAX_FIGURE_EVENTS`) are turned into sentences, and only
    their rows (and the columns a card reads) are taken out of the frame. Works without
    boundaries (no region chosen: the countries' events) and for imported datasets.
    """
    frame = data.events
    mask = view_mask(frame, view).to_numpy(dtype=bool)
    title = _title(view)
    period = period_label(view.start, view.end)
    # arrays, not Series: a Series of 10^6 rows indexed by id pays for lookups in its index
    types = frame["event_type"].array[mask]
    linked = 0
    if "counted" in frame.columns:
        counted = pd.Series(frame["counted"].array[mask]).fillna(True).astype(bool).to_numpy()
        types = types[counted]
        linked = int((~counted).sum())
    counts = counts_sentence(pd.Series(types), linked)
    if not mask.any():
        return RegionCard(title, period, counts, (), (), ())

    everything = date_order(frame)
    order = everything[mask[everything]]
    has_claims = list_lengths(frame["claims"])[order] > 0
    with_figures, without = order[has_claims], order[~has_claims]
    listed = take_rows(frame, order[:MAX_LISTED_EVENTS], _CARD_COLUMNS)
    shown = take_rows(
        frame, with_figures[:MAX_FIGURE_EVENTS], (*_CARD_COLUMNS, "claims", "sources")
    )
    no_figures = take_rows(frame, without[:MAX_NO_FIGURE_EVENTS], _CARD_COLUMNS)

    groups: list[FigureGroup] = []
    raw_claims = {eid: _as_list(c) for eid, c in zip(shown.index, shown["claims"], strict=True)}
    names = _counted_in_names(data, (c for cl in raw_claims.values() for c in cl))
    for event_id, row in zip(shown.index, shown.to_dict("records"), strict=True):
        ev = _card_event(event_id, row)
        sources = _outlets(_as_list(row.get("sources")))
        sentences = tuple(
            claim_sentence(c, sources, counted_in=names)
            for c in _ordered_claims(raw_claims[event_id])
        )
        groups.append(FigureGroup(f"{ev.place}, {ev.date}", sentences))
    if "episode" in frame.columns:
        episodes = pd.Series(frame["episode"].array[order]).dropna()
        groups.extend(_episode_groups(data, (str(e) for e in pd.unique(episodes))))

    return RegionCard(
        title=title,
        period_label=period,
        counts_sentence=counts,
        figures=tuple(groups),
        no_figure_events=_card_events(no_figures),
        events=_card_events(listed),
        events_not_listed=max(len(order) - MAX_LISTED_EVENTS, 0),
        figures_not_listed=max(len(with_figures) - MAX_FIGURE_EVENTS, 0),
        no_figures_not_listed=max(len(without) - MAX_NO_FIGURE_EVENTS, 0),
    )


# --------------------------------------------------------------------------- Markdown


def card_markdown(card: RegionCard, *, title: bool = True) -> str:
    """The card as Markdown for ``st.markdown``: every text from the data escaped.

    No HTML, link, heading or emphasis can come from the data (see
    :func:`geo.markdown.md_escape`); the only markup is the card's own. ``title=False``
    leaves out the first line (area and period), for a page that heads the card itself.
    """
    e = md_escape
    parts = [f"**{e(card.title)} — {e(card.period_label)}**"] if title else []
    parts.append(e(card.counts_sentence))
    if card.figures:
        parts.append(f"*{e(CARD_CAVEAT)}*")
    for group in card.figures:
        items = "\n".join(f"- {e(s)}" for s in group.sentences)
        parts.append(f"**{e(group.heading)}**\n\n{items}")
    for extra in (card.more_figures_sentence, card.no_figures_sentence):
        if extra:
            parts.append(e(extra))
    if card.events:
        items = "\n".join(f"{n}. {e(ev.text)}" for n, ev in enumerate(card.events, start=1))
        parts.append(f"**Events, in date order**\n\n{items}")
        if card.more_events_sentence:
            parts.append(e(card.more_events_sentence))
    return "\n\n".join(parts)
