"""The layer list keeps to its corner and steps aside for a popup it would cover.

The layer list (episodes, datasets, outlines) stays open at the map's top right so readers
see what they can switch. Its lines are episode titles: on a laptop beside the sidebar or
on a projector (a map 540 px wide) the list spread over the whole width of the map and
hid the zoom buttons and the legend. It is now at most 45% of the map's width (at least
180 px; its lines wrap), kept so when the map is resized. A popup opened under it was
hidden behind it. While a popup overlaps the list, the
list folds to its icon (Leaflet's own folded state: the icon opens it again, on click or
Enter); when the popup closes, the list unfolds. A list the reader folded stays folded.
"""

from __future__ import annotations

import folium
from branca.element import MacroElement
from jinja2 import Template

__all__ = ["LayersStepAside"]


class LayersStepAside(MacroElement):
    """Keeps ``control`` (a :class:`folium.LayerControl`) narrow, folded while a popup
    overlaps it."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, control) {
            var box = control.getContainer(), folded = false, link = box.querySelector("a");
            var open = "leaflet-control-layers-expanded";
            function fit() {
                box.style.maxWidth = Math.max(180, Math.round(map.getSize().x * 0.45)) + "px";
            }
            box.style.boxSizing = "border-box";  // the width with its padding and border
            fit();
            map.on("resize", fit);
            function overlaps(popup) {
                var el = popup && popup.getElement();
                if (!el || !box.classList.contains(open)) { return false; }
                var a = box.getBoundingClientRect(), b = el.getBoundingClientRect();
                return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
            }
            function check(popup) {
                if (overlaps(popup)) {
                    box.classList.remove(open);
                    folded = true;
                    box.setAttribute("data-folded-for-popup", "1");
                }
            }
            function unfold() {
                box.classList.add(open);
                folded = false;
                box.removeAttribute("data-folded-for-popup");
            }
            map.on("popupopen", function (e) {
                check(e.popup);
                map.once("moveend", function () { check(e.popup); });  // after the pan
            });
            map.on("popupclose", function () { if (folded) { unfold(); } });
            if (link) {  // the icon opens the folded list again
                L.DomEvent.on(link, "click", function (e) {
                    L.DomEvent.preventDefault(e);
                    if (!box.classList.contains(open)) { unfold(); }
                });
                L.DomEvent.on(link, "keydown", function (e) {
                    if (e.key === "Enter" && !box.classList.contains(open)) { unfold(); }
                });
            }
        })({{ this._parent.get_name() }}, {{ this.control.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, control: folium.LayerControl) -> None:
        super().__init__()
        self._name = "LayersStepAside"
        self.control = control
