"""The naive baseline map: one ``folium.Marker`` with a popup (and tooltip) per event.

The popup and tooltip HTML is built here, on the server, as the first version of the
map did; the app itself sends event data and builds popups in the browser.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

import folium
import pandas as pd

from geo import render
from geo.events import GEO_PRECISION, TIME_PRECISION, WHERE_PREC, Claim
from geo.render import (
    PlaceLookup,
    _blank,
    _country_name,
    _place_names_text,
    _type_label,
    when_text,
)
from geo.text import html_text as esc


def naive_map(events: pd.DataFrame, *, asset_urls: Mapping[str, str] | None) -> folium.Map:
    """Every event as its own ``folium.Marker``, with server-built popup and tooltip HTML."""
    m = folium.Map(location=[40.2, 46.5], zoom_start=7, tiles=None)
    for _, row in events.iterrows():
        folium.Marker(
            [float(row["latitude"]), float(row["longitude"])],
            popup=folium.Popup(event_popup_html(row), max_width=520),
            tooltip=event_tooltip_html(row),
        ).add_to(m)
    render.localize_assets(m, asset_urls)
    return m


# --------------------------------------------------------------------------- popup HTML

_OPTIONAL_CLAIM_COLUMNS = ("disputed_by", "included_in")


def _row(*cells: str, header: bool = False) -> str:
    # End tags of cells and rows are optional in HTML: the next tag closes them.
    tag = "th" if header else "td"
    return "<tr>" + "".join(f"<{tag}>{c}" for c in cells)


def _field(label: str, value: str) -> str:
    """A term of a popup's definition list; ``value`` must already be escaped HTML.

    ``<dt>``/``<dd>`` need no end tags; the colon and line break come from the CSS.
    """
    return f"<dt>{html.escape(label)}<dd>{value}" if value else ""


def claims_table_html(
    claims: Iterable[Mapping[str, Any]],
    sources: Iterable[Mapping[str, Any]] = (),
    *,
    seeds: bool = True,
) -> str:
    """A table of claims: figure (as claimed), measure, whose people, claimant, source.

    Every cell is escaped. ``sources`` (the event's or episode's) give each claim's
    outlet and, with ``seeds``, its seed file (leave them out where the sources are
    listed next to the table). "Disputed by" and "Counted in" are shown when a claim
    has them.
    """
    by_id = {s.get("id"): s for s in sources}
    parsed = [Claim.model_validate(raw) for raw in claims]
    if not parsed:
        return "<div><i>No casualty or other figures claimed.</i></div>"
    optional = [c for c in _OPTIONAL_CLAIM_COLUMNS if any(getattr(k, c) for k in parsed)]
    header = ["Figure", "Measure", "Whose people", "Claimant", "Source"]
    header += [{"disputed_by": "Disputed by", "included_in": "Counted in"}[c] for c in optional]
    rows = [_row(*header, header=True)]
    for claim in parsed:
        source = by_id.get(claim.source, {})
        source_text = esc(source.get("outlet") or claim.source)
        if seeds and source.get("seed"):
            source_text += f" (seed {esc(source['seed'])})"
        if claim.via:
            source_text += f" via {esc(claim.via)}"
        whose = esc(claim.subject)
        if claim.side != "any" or claim.group != "any":
            whose += f" ({esc(claim.side)}, {esc(claim.group)})"
        figure = esc(claim.display_value())
        if claim.note:
            figure += f"<br><small>{esc(claim.note)}</small>"
        rows.append(
            _row(
                figure,
                esc(claim.measure),
                whose,
                f"{esc(claim.claimant)} ({esc(claim.claimant_type)})",
                source_text,
                *(esc(getattr(claim, c)) for c in optional),
            )
        )
    return '<table class="cm-claims">' + "".join(rows) + "</table>"


def sources_html(sources: Iterable[Mapping[str, Any]]) -> str:
    """An escaped list of sources: outlet, date, what it reported, seed file, link."""
    items = []
    for s in sources:
        when = esc(s.get("published")) or esc(s.get("published_note"))
        parts = [f"<b>{esc(s.get('outlet'))}</b>"]
        if when:
            parts.append(f"({when})")
        parts.append(f"— {esc(s.get('reported'))}")
        if s.get("cites"):
            parts.append(f"· cites {esc(', '.join(map(str, s['cites'])))}")
        if s.get("seed"):
            parts.append(f"· seed {esc(s['seed'])}")
        url = s.get("url")
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            parts.append(f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">link</a>')
        elif not _blank(url):
            parts.append(f"· {esc(url)}")
        items.append("<li>" + " ".join(parts))  # </li> is optional
    return "<ul>" + "".join(items) + "</ul>" if items else ""


def event_tooltip_html(row: Mapping[str, Any]) -> str:
    """Short hover text: dates, type, place as reported, best death figure."""
    text = (
        f"<b>{esc(when_text(row['date_start'], row['date_end']))}</b> · "
        f"{esc(_type_label(row['event_type']))} · {esc(row['location'])}"
    )
    deaths = int(row.get("deaths_best", 0) or 0)
    if deaths:
        text += f" · {deaths:,} killed (best)"
    return text


def _place_names(row: Mapping[str, Any], places: PlaceLookup | None) -> str:
    return esc(_place_names_text(row, places))


def event_popup_html(
    row: Mapping[str, Any], *, places: PlaceLookup | None = None, full: bool = True
) -> str:
    """Everything about one event as escaped HTML: what, where, when, who, claims, sources.

    Compact markup (a definition list, optional end tags left out), as every tag is
    sent once per event. ``full=False`` leaves out the claims table and the sources
    (for maps of very many events; the app's tables still list them).
    """
    geo_p = int(row["geo_precision"])
    time_p = int(row["time_precision"])
    where_p = int(row["where_prec"]) if not _blank(row.get("where_prec")) else None
    country = _country_name(row.get("country"))
    joined = " / ".join(esc(row.get(c)) for c in ("region", "district") if not _blank(row.get(c)))
    actors = ", ".join(
        esc(row.get(c))
        for c in ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")
        if not _blank(row.get(c))
    )
    method = esc(row.get("join_method"))
    distance = row.get("join_distance_m")
    if method and isinstance(distance, int | float) and not _blank(distance) and distance > 0:
        method += f", {float(distance):,.0f} m"
    derived = (
        f"killed {int(row['deaths_low']):,} / {int(row['deaths_best']):,} / "
        f"{int(row['deaths_high']):,}; injured {int(row['injured_low']):,} / "
        f"{int(row['injured_best']):,} / {int(row['injured_high']):,}"
    )
    sources = list(row.get("sources") or [])
    parts = [
        '<div class="cm-popup">',
        f"<h4>{esc(_type_label(row['event_type']))}: {esc(row['sub_event_type'])}</h4>",
        f"<small>{esc(row.get('event_id'))} · {esc(row.get('episode_title'))}</small>",
        f"<p>{esc(row['notes'])}</p><dl>",
        _field("Location as reported", esc(row["location"])),
        _field("Place names", _place_names(row, places)),
        _field("Country", esc(country)),
        _field(
            "Region / district",
            (joined or "<i>none</i>") + (f" (spatial join: {method})" if method else ""),
        ),
        _field("Join note", esc(row.get("admin_note"))),
        _field("Precision", f"{geo_p}: {esc(GEO_PRECISION.get(geo_p, ''))}"),
        _field("UCDP where_prec", f"{where_p}: {esc(WHERE_PREC.get(where_p, ''))}")
        if where_p
        else "",
        _field("How the point was chosen", esc(row.get("location_note"))),
        _field(
            "Date",
            f"{esc(when_text(row['date_start'], row['date_end']))} "
            f"(precision: {esc(TIME_PRECISION.get(time_p, ''))})",
        ),
        _field("Actors", actors),
        _field("Derived from the claims (low / best / high)", derived),
        "</dl>",
    ]
    if full:
        parts += [
            "<h5>Claims</h5>",
            claims_table_html(row.get("claims") or [], sources, seeds=False),
            "<h5>Sources</h5>",
            sources_html(sources),
        ]
    else:
        parts.append(
            "<div><i>Claims and sources are listed in the event tables below the map.</i></div>"
        )
    parts.append("</div>")
    return "".join(parts)
