"""One-page teacher handouts of a view: the map, the events with their claims, and the credits."""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from geo import figure as fig_mod
from geo._io import atomic_write_bytes
from geo.card import CARD_CAVEAT, RegionCard, region_card
from geo.config import Settings
from geo.credits import print_attribution
from geo.events import GEO_PRECISION, TIME_PRECISION, Claim
from geo.period import day_label, period_label, to_day
from geo.scope import NO_EVENTS, default_title, resolve_scope, scope_events, shown_period
from geo.style import EVENT_TYPE_LABELS
from geo.text import html_text as _e
from geo.view import View

if TYPE_CHECKING:
    from geo.dataset import Dataset

__all__ = ["HANDOUT_FORMATS", "Handout", "build_handout", "handout_html", "make_handout"]

HANDOUT_FORMATS: tuple[str, ...] = ("html", "pdf")

_SIDES = {"armenian": "Armenian", "azerbaijani": "Azerbaijani", "other": "other", "any": ""}
_GROUPS = {"military": "military", "civilian": "civilian", "police": "police", "any": ""}


# --------------------------------------------------------------------------- content (pure)


@dataclass(frozen=True)
class EventEntry:
    """One row of the events table, as plain strings (not yet escaped)."""

    number: int
    event_id: str
    date: str
    place: str
    event_type: str
    actors: str
    deaths: tuple[int, int, int]
    injured: tuple[int, int, int]
    figures_note: str
    notes: str
    claims: tuple[str, ...]
    sources: tuple[str, ...]
    precision: tuple[str, ...]


@dataclass(frozen=True)
class EpisodeEntry:
    """An episode the shown events belong to, with its episode-wide claims."""

    title: str
    dates: str
    summary: str
    claims: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Handout:
    """Everything a handout shows, as plain text; renderers escape it."""

    title: str
    scope: str
    period: str
    events: tuple[EventEntry, ...]
    episodes: tuple[EpisodeEntry, ...]
    attribution: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Events of the scope and period beyond :data:`HANDOUT_EVENT_LIMIT`, not listed.
    not_listed: int = 0
    #: The region card of the scope and period (the app shows the same text).
    card: RegionCard | None = None

    @property
    def not_listed_line(self) -> str:
        """Says how many events are left out of the list ('' when none is)."""
        if not self.not_listed:
            return ""
        return (
            f"The first {len(self.events):,} events are listed; {self.not_listed:,} more in "
            "this area and period are on the map but not listed (the data export has them all)."
        )


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def _day(value: Any) -> str:
    day = to_day(value)
    return day_label(day) if day else ""


def _dates(row: Mapping[str, Any]) -> str:
    start = to_day(row["date_start"])
    end = to_day(row["date_end"]) or start
    span = period_label(start, end)
    event_day = to_day(row["event_date"])
    if start != end and event_day is not None:
        span += f" (coded to {day_label(event_day)})"
    return span


def _source_line(src: Mapping[str, Any]) -> str:
    parts = [_text(src.get("outlet"))]
    if src.get("published"):
        parts.append(f"published {_day(src['published'])}")
    elif src.get("published_note"):
        parts.append(f"undated: {_text(src['published_note'])}")
    if src.get("reported"):
        parts.append(f"reported: {_text(src['reported'])}")
    if src.get("cites"):
        parts.append("cites " + ", ".join(_text(c) for c in src["cites"]))
    if src.get("seed"):
        parts.append(f"seed file {_text(src['seed'])}")
    if src.get("url"):
        parts.append(_text(src["url"]))
    return " — ".join(p for p in parts if p)


def _claim_line(raw: Mapping[str, Any], sources: Mapping[str, Mapping[str, Any]]) -> str:
    """'at least 16 killed (Armenian military: soldiers) — claimed by X (government) — ...'."""
    try:
        figure = Claim.model_validate(dict(raw)).display_value()
    except ValueError:  # a malformed claim is shown as stored, never dropped
        figure = _text(raw.get("value") or raw.get("text"))
    who = " ".join(w for w in (_SIDES.get(_text(raw.get("side")), ""),
                               _GROUPS.get(_text(raw.get("group")), "")) if w)  # fmt: skip
    subject = _text(raw.get("subject"))
    about = f"{who}: {subject}" if who else subject
    line = f"{figure} {_text(raw.get('measure')).replace('_', ' ')} ({about})"
    line += f" — claimed by {_text(raw.get('claimant'))} ({_text(raw.get('claimant_type'))})"
    if raw.get("via"):
        line += f", via {_text(raw['via'])}"
    src = sources.get(_text(raw.get("source")))
    if src is not None:
        seed = f", seed file {_text(src['seed'])}" if src.get("seed") else ""
        line += f" — source: {_text(src.get('outlet'))}{seed}"
    else:
        line += f" — source: {_text(raw.get('source'))}"
    if raw.get("disputed_by"):
        line += f" — disputed by {_text(raw['disputed_by'])}"
    if raw.get("included_in"):
        line += f" — already counted in event {_text(raw['included_in'])}"
    if raw.get("note"):
        line += f" — note: {_text(raw['note'])}"
    return line


def _precision_lines(row: Mapping[str, Any]) -> tuple[str, ...]:
    lines = []
    gp = int(row["geo_precision"])
    lines.append(f"Place: {GEO_PRECISION.get(gp, str(gp))} (geo_precision {gp}).")
    if _text(row.get("location_note")):
        lines.append(_text(row["location_note"]))
    tp = int(row["time_precision"])
    if tp != 1:
        lines.append(f"Date: {TIME_PRECISION.get(tp, str(tp))} (time_precision {tp}).")
    if _text(row.get("admin_note")):
        lines.append(f"Region: {_text(row['admin_note'])}")
    return tuple(lines)


def _actors(row: Mapping[str, Any]) -> str:
    parts = []
    for main, assoc in (("actor1", "assoc_actor_1"), ("actor2", "assoc_actor_2")):
        name = _text(row.get(main))
        if name:
            extra = _text(row.get(assoc))
            parts.append(f"{name} (with {extra})" if extra else name)
    return " vs ".join(parts)


def _place(row: Mapping[str, Any]) -> str:
    where = [_text(row.get(c)) for c in ("district", "region") if _text(row.get(c))]
    where = list(dict.fromkeys(where))
    country = _text(row.get("country_name")) or _text(row.get("country"))
    suffix = ", ".join([*where, country]) if country else ", ".join(where)
    return f"{_text(row['location'])} ({suffix})" if suffix else _text(row["location"])


def event_entries(events: pd.DataFrame, limit: int | None = None) -> tuple[EventEntry, ...]:
    """The table rows, in date order (the first ``limit`` of them)."""
    ordered = pd.DataFrame(events).reset_index(drop=True)
    ordered = ordered.sort_values(["date_start", "event_date", "event_id"], kind="stable")
    if limit is not None:
        ordered = ordered.iloc[:limit]
    out = []
    for n, (_, row) in enumerate(ordered.iterrows(), start=1):
        sources = {s["id"]: s for s in row["sources"]}
        out.append(
            EventEntry(
                number=n,
                event_id=_text(row["event_id"]),
                date=_dates(row),
                place=_place(row),
                event_type=f"{EVENT_TYPE_LABELS.get(row['event_type'], row['event_type'])}: "
                f"{_text(row['sub_event_type'])}",
                actors=_actors(row),
                deaths=(int(row["deaths_low"]), int(row["deaths_best"]), int(row["deaths_high"])),
                injured=(
                    int(row.get("injured_low", 0)),
                    int(row.get("injured_best", 0)),
                    int(row.get("injured_high", 0)),
                ),
                figures_note=_text(row.get("figures_note") or ""),
                notes=_text(row["notes"]),
                claims=tuple(_claim_line(c, sources) for c in row["claims"]),
                sources=tuple(_source_line(s) for s in row["sources"]),
                precision=_precision_lines(row),
            )
        )
    return tuple(out)


def episode_entries(episodes: pd.DataFrame, ids: Iterable[str]) -> tuple[EpisodeEntry, ...]:
    """Episodes named in ``ids`` (in that order), with their episode-wide claims."""
    wanted = list(dict.fromkeys(ids))
    out = []
    for episode_id in wanted:
        rows = episodes[episodes["episode"] == episode_id]
        if not len(rows):
            continue
        row = rows.iloc[0]
        sources = {s["id"]: s for s in row["sources"]}
        start = pd.Timestamp(row["date_start"]).date()
        end = pd.Timestamp(row["date_end"]).date()
        out.append(
            EpisodeEntry(
                title=_text(row["title"]),
                dates=period_label(start, end),
                summary=_text(row["summary"]),
                claims=tuple(_claim_line(c, sources) for c in row["claims"]),
                sources=tuple(_source_line(s) for s in row["sources"]),
            )
        )
    return tuple(out)


#: Events a handout lists at most, with their claims (a class reads a few dozen; the
#: map part of the handout draws every event, aggregated when there are many).
HANDOUT_EVENT_LIMIT = 200


def build_handout(
    data: Dataset,
    view: View,
    *,
    title: str | None = None,
    attribution: str | None = None,
    settings: Settings | None = None,
) -> Handout:
    """The handout's content for ``view`` (the same events as :func:`geo.figure.make_figure`)."""
    admin = data.require_admin("A handout")
    scope = resolve_scope(view.region, admin, events=data.events, level=view.level)
    events = scope_events(data, view, scope)
    start, end = shown_period(view, events)
    credit = attribution if attribution is not None else print_attribution(settings)
    return Handout(
        title=title or default_title(scope, start, end),
        scope=scope.label,
        period=period_label(view.start, view.end),
        events=event_entries(events, HANDOUT_EVENT_LIMIT),
        not_listed=max(len(events) - HANDOUT_EVENT_LIMIT, 0),
        episodes=episode_entries(data.episodes, events["episode"]) if len(events) else (),
        card=region_card(data, scope.view(view)),
        attribution=credit,
        notes=(
            "Deaths low / best / high are derived from the attributed claims listed under each "
            "event: low is the smallest figure claimed, high the largest, best the middle one; "
            "figures for different groups of people are added up. They are not verified counts.",
            "Episode-wide claims cover several events and are not added to the event figures.",
        ),
    )


# --------------------------------------------------------------------------- HTML

_CSS = """
@page { size: A4; margin: 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9pt; color: #1a1a1a;
       max-width: 190mm; margin: 0 auto; line-height: 1.3; }
h1 { font-size: 15pt; margin: 0 0 2pt; }
h2 { font-size: 11pt; margin: 10pt 0 3pt; border-bottom: 1px solid #999; }
.meta { color: #444; margin: 0 0 6pt; }
figure { margin: 0; }
figure img { width: 100%; height: auto; border: 1px solid #bbb; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; }
th, td { border: 1px solid #bbb; padding: 2pt 3pt; vertical-align: top; text-align: left; }
th { background: #eee; }
td.num { text-align: right; white-space: nowrap; }
tr.detail td { background: #fafafa; border-top: none; }
ul { margin: 1pt 0 3pt 12pt; padding: 0; }
.label { font-weight: bold; }
.small { font-size: 7pt; color: #444; }
"""


def _ul(items: Iterable[str], empty: str) -> str:
    lis = "".join(f"<li>{_e(i)}</li>" for i in items)
    return f"<ul>{lis}</ul>" if lis else f"<p class='small'>{_e(empty)}</p>"


def card_html(card: RegionCard) -> str:
    """The region card as an HTML section (the event list is the handout's events table)."""
    parts = [
        "<section class='card'><h2>What the record says</h2>",
        f"<p>{_e(card.counts_sentence)}</p>",
    ]
    if card.figures:
        parts.append(f"<p class='small'>{_e(CARD_CAVEAT)}</p>")
    for group in card.figures:
        parts.append(f"<p class='label'>{_e(group.heading)}</p>" + _ul(group.sentences, ""))
    for extra in (card.more_figures_sentence, card.no_figures_sentence):
        if extra:
            parts.append(f"<p>{_e(extra)}</p>")
    parts.append("</section>")
    return "".join(parts)


def handout_html(handout: Handout, figure_png: bytes | None) -> str:
    """A self-contained HTML page: every text from data escaped, the map as a data URI."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(handout.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(handout.title)}</h1>",
        f"<p class='meta'>Area: {_e(handout.scope)} · Period: {_e(handout.period)} · "
        f"{len(handout.events) + handout.not_listed} event(s)</p>",
    ]
    if figure_png is not None:
        data = base64.b64encode(figure_png).decode("ascii")
        parts.append(
            f"<figure><img alt='Map: {_e(handout.title)}' src='data:image/png;base64,{data}'>"
            "</figure>"
        )
    if handout.card is not None:
        parts.append(card_html(handout.card))
    parts.append("<h2>Events</h2>")
    if not handout.events:
        parts.append(f"<p>{_e(NO_EVENTS.capitalize())}.</p>")
    else:
        parts.append(
            "<table class='events'><thead><tr><th>#</th><th>Date</th><th>Place</th>"
            "<th>Type</th><th>Actors</th><th>Deaths<br>low / best / high</th></tr></thead><tbody>"
        )
        for ev in handout.events:
            low, best, high = ev.deaths
            parts.append(
                f"<tr id='{_e(ev.event_id)}'><td class='num'>{ev.number}</td>"
                f"<td>{_e(ev.date)}</td><td>{_e(ev.place)}</td><td>{_e(ev.event_type)}</td>"
                f"<td>{_e(ev.actors)}</td><td class='num'>{low:,} / {best:,} / {high:,}</td></tr>"
            )
            injured = ""
            if any(ev.injured):
                il, ib, ih = ev.injured
                injured = f"<p class='small'>Injured (derived): {il:,} / {ib:,} / {ih:,}</p>"
            if ev.figures_note:
                injured += f"<p class='small'>Not counted in the figures: {_e(ev.figures_note)}</p>"
            parts.append(
                "<tr class='detail'><td></td><td colspan='5'>"
                f"<p>{_e(ev.notes)}</p>{injured}"
                "<span class='label'>Claims</span>"
                + _ul(ev.claims, "No figures claimed.")
                + "<span class='label'>Sources</span>"
                + _ul(ev.sources, "No sources.")
                + "<span class='label'>Precision</span>"
                + _ul(ev.precision, "")
                + "</td></tr>"
            )
        parts.append("</tbody></table>")
        if handout.not_listed:
            parts.append(f"<p class='small'>{_e(handout.not_listed_line)}</p>")
    if handout.episodes:
        parts.append("<h2>Episode-wide claims</h2>")
        for ep in handout.episodes:
            parts.append(
                f"<p><span class='label'>{_e(ep.title)}</span> ({_e(ep.dates)}). "
                f"{_e(ep.summary)}</p>"
                + _ul(ep.claims, "No episode-wide figures claimed.")
                + "<p class='small'>Sources:</p>"
                + _ul(ep.sources, "")
            )
    parts.append("<h2>Notes and credits</h2>")
    parts.append(_ul(handout.notes, ""))
    parts.append(f"<p class='small'>{_e(handout.attribution)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- PDF


def _card_paragraphs(card: RegionCard) -> list[tuple[str, str, int]]:
    """The region card as PDF paragraphs (the same text as :func:`card_html`)."""
    out: list[tuple[str, str, int]] = [
        ("h2", "What the record says", 0),
        ("p", card.counts_sentence, 0),
    ]
    if card.figures:
        out.append(("small", CARD_CAVEAT, 0))
    for group in card.figures:
        out.append(("label", group.heading, 0))
        out.extend(("p", "• " + sentence, 1) for sentence in group.sentences)
    for extra in (card.more_figures_sentence, card.no_figures_sentence):
        if extra:
            out.append(("p", extra, 0))
    return out


def _pdf_paragraphs(handout: Handout) -> list[tuple[str, str, int]]:
    """(style, text, indent) paragraphs for the text pages of the PDF handout."""
    out: list[tuple[str, str, int]] = [
        ("h1", handout.title, 0),
        ("meta", f"Area: {handout.scope} · Period: {handout.period}", 0),
    ]
    if handout.card is not None:
        out.extend(_card_paragraphs(handout.card))
    out.append(("h2", "Events", 0))
    if not handout.events:
        out.append(("p", NO_EVENTS.capitalize() + ".", 0))
    for ev in handout.events:
        low, best, high = ev.deaths
        out.append(("b", f"{ev.number}. {ev.date} — {ev.place} — {ev.event_type}", 0))
        out.append(("p", f"Actors: {ev.actors}.", 1))
        out.append(("p", f"Deaths (derived) low / best / high: {low:,} / {best:,} / {high:,}.", 1))
        if ev.figures_note:
            out.append(("p", f"Not counted in the figures: {ev.figures_note}.", 1))
        out.append(("p", ev.notes, 1))
        for label, items in (
            ("Claims", ev.claims),
            ("Sources", ev.sources),
            ("Precision", ev.precision),
        ):
            if items:
                out.append(("label", f"{label}:", 1))
                out.extend(("small", "• " + item, 2) for item in items)
    if handout.not_listed:
        out.append(("p", handout.not_listed_line, 0))
    if handout.episodes:
        out.append(("h2", "Episode-wide claims", 0))
        for ep in handout.episodes:
            out.append(("b", f"{ep.title} ({ep.dates})", 0))
            out.append(("p", ep.summary, 1))
            out.extend(("small", "• " + item, 2) for item in ep.claims)
    out.append(("h2", "Notes and credits", 0))
    out.extend(("small", note, 0) for note in handout.notes)
    out.append(("small", handout.attribution, 0))
    return out


#: style -> (font size, bold, colour, space before in points)
_PDF_STYLE: dict[str, tuple[float, bool, str, float]] = {
    "h1": (14, True, "#1a1a1a", 0),
    "h2": (11, True, "#1a1a1a", 9),
    "b": (8.5, True, "#1a1a1a", 6),
    "label": (7.8, True, "#333333", 1),
    "meta": (9, False, "#444444", 2),
    "p": (8, False, "#1a1a1a", 1),
    "small": (7.2, False, "#333333", 0.5),
}
_PAGE = (8.27, 11.69)  # A4 portrait, inches
_MARGIN = 0.6  # inches


def _text_pages(handout: Handout) -> list[Figure]:
    """A4 pages of wrapped text; each line is real text in the PDF."""
    pages: list[Figure] = []
    width_pt = (_PAGE[0] - 2 * _MARGIN) * 72
    page: Figure | None = None
    y = 0.0  # points from the top of the page
    for style, text, indent in _pdf_paragraphs(handout):
        size, bold, color, before = _PDF_STYLE[style]
        indent_pt = indent * 12
        chars = int((width_pt - indent_pt) / (size * (0.62 if bold else 0.55)))
        lines = textwrap.wrap(text, chars) or [""]
        height = size * 1.35
        for k, line in enumerate(lines):
            if page is None or y + height > (_PAGE[1] - _MARGIN) * 72:
                page = Figure(figsize=_PAGE)
                pages.append(page)
                y = _MARGIN * 72
            elif k == 0:
                y += before
            page.text(
                (_MARGIN * 72 + indent_pt + (10 if k else 0)) / (_PAGE[0] * 72),
                1 - y / (_PAGE[1] * 72),
                line,
                va="top",
                ha="left",
                fontsize=size,
                fontweight="bold" if bold else "normal",
                color=color,
            )
            y += height
    return pages


def handout_pdf(handout: Handout, map_figure: Figure) -> bytes:
    """The map page, then the events with their claims on A4 text pages (text kept as text)."""
    buf = io.BytesIO()
    metadata = {"Title": handout.title, "Creator": "conflictmap", "CreationDate": None}
    with fig_mod.drawing(), PdfPages(buf, metadata=metadata) as pdf:
        pdf.savefig(map_figure)
        for page in _text_pages(handout):
            pdf.savefig(page)
    return buf.getvalue()


# --------------------------------------------------------------------------- entry point


def handout_bytes(
    data: Dataset,
    view: View,
    *,
    fmt: str = "html",
    title: str | None = None,
    attribution: str | None = None,
    settings: Settings | None = None,
) -> bytes:
    """A handout for ``view`` as file bytes: ``"html"`` (self-contained page) or ``"pdf"``.

    Raises
    ------
    geo.figure.UnknownRegionError
        If the region is not in the data.
    geo.figure.FigureFormatError
        For a format other than html or pdf.
    """
    kind = "html" if fmt.lower() in ("html", "htm") else fmt.lower()
    if kind not in HANDOUT_FORMATS:
        raise fig_mod.FigureFormatError(f"unknown handout format {fmt!r}; use html or pdf")
    content = build_handout(data, view, title=title, attribution=attribution, settings=settings)
    if kind == "html":
        png = fig_mod.figure_bytes(
            data, view, fmt="png", title=content.title, attribution=content.attribution, dpi=150
        )
        return handout_html(content, png).encode("utf-8")
    fig = fig_mod.render_figure(data, view, title=content.title, attribution=content.attribution)
    return handout_pdf(content, fig)


def make_handout(
    data: Dataset,
    view: View,
    out: Path | str,
    *,
    title: str | None = None,
    attribution: str | None = None,
    settings: Settings | None = None,
) -> Path:
    """Write :func:`handout_bytes` to ``out`` (``.html``/``.htm`` or ``.pdf``), atomically.

    Raises
    ------
    geo.figure.FigureFormatError
        For a suffix other than .html/.htm or .pdf (before anything is drawn).
    """
    target = Path(out)
    suffix = target.suffix.lower().lstrip(".")
    if suffix not in ("html", "htm", "pdf"):
        raise fig_mod.FigureFormatError(
            f"{target}: unknown handout format {target.suffix!r}; use .html or .pdf"
        )
    payload = handout_bytes(
        data, view, fmt=suffix, title=title, attribution=attribution, settings=settings
    )
    return atomic_write_bytes(target, payload)
