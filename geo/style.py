"""One visual language for the map, the QGIS styles and the printed figures."""

from __future__ import annotations

from geo.events import EVENT_TYPES

#: Okabe–Ito colour-blind-safe palette, one colour per ACLED event type.
EVENT_TYPE_COLORS: dict[str, str] = {
    "Battles": "#D55E00",  # vermillion
    "Explosions/Remote violence": "#CC79A7",  # reddish purple
    "Protests": "#0072B2",  # blue
    "Riots": "#E69F00",  # orange
    "Violence against civilians": "#000000",  # black
    "Strategic developments": "#009E73",  # bluish green
}
#: Marker shapes (matplotlib codes) so event types stay distinct in greyscale print.
EVENT_TYPE_MARKERS: dict[str, str] = {
    "Battles": "X",
    "Explosions/Remote violence": "*",
    "Protests": "o",
    "Riots": "^",
    "Violence against civilians": "s",
    "Strategic developments": "D",
}
#: Short labels for legends.
EVENT_TYPE_LABELS: dict[str, str] = {
    "Battles": "Battle",
    "Explosions/Remote violence": "Explosion / remote violence",
    "Protests": "Protest",
    "Riots": "Riot",
    "Violence against civilians": "Violence against civilians",
    "Strategic developments": "Strategic development",
}
assert set(EVENT_TYPE_COLORS) == set(EVENT_TYPES) == set(EVENT_TYPE_MARKERS)

#: Sequential colour-blind-safe ramp (viridis samples) for choropleth classes, light to dark.
CHOROPLETH_RAMP = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"]
BOUNDARY_COLOR = "#555555"
NO_DATA_COLOR = "#f2f2f2"


#: Markers stop growing at this many deaths (radius 66 px): a bigger figure would cover a
#: country (10,000 killed) or exhaust memory in a print map (10**8). Legends say "or more".
MARKER_CAP_DEATHS = 400


def marker_radius(deaths_best: int, *, base: float = 6.0, scale: float = 3.0) -> float:
    """Radius in pixels: events with no deaths stay visible; area grows with deaths.

    Capped at :data:`MARKER_CAP_DEATHS` deaths.
    """
    return base + scale * min(max(deaths_best, 0), MARKER_CAP_DEATHS) ** 0.5
