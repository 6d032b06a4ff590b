"""The admin boundary outlines as one static file the map fetches, named by its content.

Written once per boundaries version (``boundaries-<hash>.json`` beside the events'
files, :mod:`geo.render.mapdata`), so the browser caches it and the map page carries
none of the outlines (:func:`geo.render.build_map` with ``boundaries_url``). The file
is JSON: ``{"regions": [geometry, ...], "countries": [geometry, ...]}``, each a GeoJSON
geometry as :func:`geo.render.display_geometries` draws it (simplified, rounded). It
holds coordinates only: no text from the data reaches the page through it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from branca.element import MacroElement
from folium.template import Template

from geo._errors import OutputError
from geo._io import atomic_write_bytes
from geo.render._common import display_geometries
from geo.render._immutable import mark_immutable
from geo.render.elements import _js_string, _script_json

#: Leaflet pane of the outlines: under the overlays (choropleth, region areas, events:
#: 400), so they stay underneath whenever the file arrives; it never takes a click.
BOUNDARIES_PANE = "cmBoundaries"
BOUNDARIES_Z_INDEX = 390
#: The layers of the file, drawn in this order (countries over regions).
KINDS = ("regions", "countries")


@dataclass(frozen=True)
class BoundaryData:
    """The outlines file's bytes and the hash of its content."""

    body: bytes
    digest: str


def pack_boundaries(admin: Any) -> BoundaryData:
    """The outlines of ``admin`` (:class:`geo.boundaries.AdminUnits`) as the file's bytes."""
    data: dict[str, list[dict[str, Any]]] = {"regions": display_geometries(admin.regions)}
    countries = getattr(admin, "countries", None)
    data["countries"] = display_geometries(countries) if countries is not None else []
    body = json.dumps(data, separators=(",", ":")).encode()
    return BoundaryData(body, hashlib.sha256(body).hexdigest()[:20])


def write_boundaries(data: BoundaryData, folder: str | os.PathLike[str], *, base_url: str) -> str:
    """Write ``data`` under ``folder`` (once: a file named by content is never rewritten).

    Returns its URL under ``base_url`` (where the browser finds ``folder``).
    """
    root = Path(folder)
    path = root / f"boundaries-{data.digest}.json"
    try:
        root.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            atomic_write_bytes(path, data.body)
        mark_immutable(path)  # named by content: browsers may keep it (see there)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return f"{base_url.rstrip('/')}/{path.name}"


#: With an event canvas, the outlines are fetched once the events are drawn, or this long
#: after the map is built, whichever comes first.
AFTER_EVENTS_WAIT_MS = 3000


class FetchedOutlines(MacroElement):
    """The admin outlines fetched from :func:`write_boundaries`'s file, not sent in the page.

    Non-interactive, in their own pane under the overlays; the map container says
    ``data-boundaries="drawn"`` once they are drawn (``"failed"`` if the file could not
    be read: the map works on without them). With ``after_events`` (the map has an
    event canvas) the file is fetched once the events are drawn, so the first draw does
    not wait for it (at most :data:`AFTER_EVENTS_WAIT_MS` later in any case).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var map = {{ this._parent._parent.get_name() }};
            var name = {{ this.pane_js }};
            var pane = map.getPane(name) || map.createPane(name);
            pane.style.zIndex = {{ this.z_index }};
            pane.style.pointerEvents = "none";
            var styles = {{ this.styles_js }};
            var kinds = {{ this.kinds_js }};
            var renderer = L.canvas({pane: name});
            var layers = kinds.map(function (kind) {
                return L.geoJson(null, {
                    style: styles[kind], interactive: false, pane: name, renderer: renderer
                }).addTo(group);
            });
            var box = map.getContainer();
            var started = false;
            function start() {
                if (started) { return; }
                started = true;
                fetch({{ this.url_js }}).then(function (response) {
                    if (!response.ok) { throw new Error("HTTP " + response.status); }
                    return response.json();
                }).then(function (data) {
                    kinds.forEach(function (kind, k) {
                        (data[kind] || []).forEach(function (geometry) {
                            layers[k].addData(
                                {type: "Feature", geometry: geometry, properties: {}}
                            );
                        });
                    });
                    box.setAttribute("data-boundaries", "drawn");
                }).catch(function (error) {
                    box.setAttribute("data-boundaries", "failed");
                    console.warn("conflictmap: admin boundaries not drawn:", error);
                });
            }
            var drawn = function () {
                return box.hasAttribute("data-events-drawn")
                    || box.hasAttribute("data-events-error");
            };
            if ({{ this.after_events_js }} && !drawn()) {
                // the events first: the outlines are fetched once the event layer has
                // drawn (or failed), and after AFTER_EVENTS_WAIT_MS in any case
                var watch = new MutationObserver(function () {
                    if (drawn()) {
                        watch.disconnect();
                        start();
                    }
                });
                watch.observe(box, {attributes: true});
                setTimeout(function () { watch.disconnect(); start(); }, {{ this.wait_ms }});
            } else {
                start();
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self, url: str, *, styles: dict[str, dict[str, Any]], after_events: bool = False
    ) -> None:
        super().__init__()
        self.after_events_js = "true" if after_events else "false"
        self.wait_ms = AFTER_EVENTS_WAIT_MS
        self._name = "FetchedOutlines"
        self.url_js = _js_string(url)
        self.pane_js = _js_string(BOUNDARIES_PANE)
        self.z_index = BOUNDARIES_Z_INDEX
        self.styles_js = _script_json(styles)
        self.kinds_js = _script_json(list(KINDS))
