"""Keyboard and projector aids of the browser map: focus rings, hidden live text, big type."""

from __future__ import annotations

from branca.element import Element

#: Added to every map page: a visible focus ring on everything the keyboard reaches, the
#: keyboard's event list, and text only screen readers get (``.cm-sr``). Fixed CSS.
A11Y_CSS = Element(
    """
<style>
.leaflet-container:focus-visible { outline: 3px solid #0b57d0; outline-offset: -3px; }
.leaflet-container a:focus-visible, .leaflet-container button:focus-visible,
.leaflet-container input:focus-visible, .leaflet-container summary:focus-visible,
.leaflet-container [tabindex]:focus-visible {
  outline: 3px solid #0b57d0; outline-offset: 2px; box-shadow: 0 0 0 5px #ffffff; }
.cm-sr { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.cm-event-list { max-width: 320px; }
.cm-event-list ol { margin: 4px 0 0; padding: 0 0 0 18px; max-height: 220px; overflow-y: auto; }
.cm-event-list button { all: unset; cursor: pointer; display: block; padding: 1px 2px;
  font: inherit; }
.cm-event-list button:hover { text-decoration: underline; }
.cm-event-list button:focus-visible { outline: 3px solid #0b57d0; outline-offset: 1px; }
</style>
"""
)

#: Added in presentation mode: the map's own text readable from the back of a room.
PRESENT_CSS = Element(
    """
<style>
.cm-control, .leaflet-control-layers { font-size: 16px !important; max-width: 360px; }
.cm-popup { font-size: 16px; }
.cm-popup h4 { font-size: 19px; }
.cm-popup h5 { font-size: 15px; }
.cm-claims { font-size: 14px; }
#conflictmap-timeline output.time-text { white-space: nowrap; font-size: 16px; }
</style>
"""
)
