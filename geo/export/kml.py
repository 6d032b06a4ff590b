"""KML for Google Earth: one placemark per event, with its time span and claims."""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo import qgis
from geo.export.flat import _json_value
from geo.export.parts import _Parts
from geo.export.tables import CONVERT, EVENT_FIELDS, _iso
from geo.style import EVENT_TYPE_COLORS, EVENT_TYPE_LABELS
from geo.text import html_text as _html
from geo.text import is_missing

if TYPE_CHECKING:
    pass


# --- KML ----------------------------------------------------------------------------------------


def _kml_color(hex_color: str, alpha: int = 255) -> str:
    c = hex_color.lstrip("#")
    return f"{alpha:02x}{c[4:6]}{c[2:4]}{c[0:2]}".lower()


def kml_document(parts: _Parts) -> str:
    """KML 2.2 for Google Earth: one folder per event type, a ``<TimeSpan>`` per event.

    One escaping rule for all text: every element's text is XML-escaped exactly once
    (:func:`geo.qgis.el`), so ``<name>`` and ``<ExtendedData>`` values read back as the data
    itself. ``<description>`` holds HTML (Google Earth renders it): the data is first put
    into that HTML as HTML text (:func:`geo.text.html_text`), and the HTML is then one text
    like any other.
    """
    el = qgis.el
    styles = [
        el(
            "Style",
            {"id": f"type{i}"},
            el(
                "IconStyle",
                None,
                el("color", text=_kml_color(color)),
                el("scale", text="1.1"),
                el(
                    "Icon",
                    None,
                    el(
                        "href",
                        text="http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png",
                    ),
                ),
            ),
            el("LabelStyle", None, el("scale", text="0")),
        )
        for i, color in enumerate(EVENT_TYPE_COLORS.values())
    ]
    index = {t: i for i, t in enumerate(EVENT_TYPE_COLORS)}
    folders = []
    for event_type, label in EVENT_TYPE_LABELS.items():
        rows = parts.table[parts.table["event_type"] == event_type]
        if not len(rows):
            continue
        marks = []
        for _, r in rows.iterrows():
            claims = "".join(
                f"<li>{_html(x)}</li>" for x in str(r["claims_summary"]).split("\n") if x
            )
            description = (
                f"<p><b>{_html(r['event_type'])}</b> — {_html(r['sub_event_type'])}<br/>"
                f"{_html(r['date_start'])} to {_html(r['date_end'])}; {_html(r['admin1'])}, "
                f"{_html(r['country'])}<br/>{_html(r['actor1'])} / {_html(r['actor2'])}</p>"
                f"<p>Deaths low/best/high: {r['deaths_low']} / {r['deaths_best']} / "
                f"{r['deaths_high']}; injured {r['injured_low']}–{r['injured_high']}</p>"
                f"<p>{_html(r['notes'])}</p><p><b>Claims</b></p><ul>{claims}</ul>"
                f"<p><small>Sources: {_html(r['source'])}</small></p>"
            )
            data = el(
                "ExtendedData",
                None,
                *(
                    el(
                        "Data",
                        {"name": name},
                        el(
                            "value",
                            text=str(
                                _json_value(CONVERT[kind](r[name]))
                                if not is_missing(r[name])
                                else ""
                            ),
                        ),
                    )
                    for name, kind, _ in EVENT_FIELDS
                    if name != "claims_summary"
                ),
            )
            marks.append(
                el(
                    "Placemark",
                    {"id": str(r["event_id"])},
                    el("name", text=str(r["location"])),
                    el("description", text=description),
                    el(
                        "TimeSpan",
                        None,
                        el("begin", text=_iso(r["date_start"]) or ""),
                        el("end", text=_iso(r["date_end"]) or ""),
                    ),
                    el("styleUrl", text=f"#type{index[event_type]}"),
                    data,
                    el(
                        "Point",
                        None,
                        el("coordinates", text=f"{r['longitude']:.7f},{r['latitude']:.7f},0"),
                    ),
                )
            )
        folders.append(el("Folder", None, el("name", text=label), *marks))
    info = parts.info
    about = (
        f"{info.events} events; filters: {info.filters_text}; dataset version "
        f"{info.dataset_version}. " + " ".join((*info.licences, info.attribution))
    )
    doc = el(
        "Document",
        None,
        el("name", text=info.title),
        el("description", text=_html(about)),
        *styles,
        *folders,
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + el("kml", {"xmlns": "http://www.opengis.net/kml/2.2"}, doc)
        + "\n"
    )
