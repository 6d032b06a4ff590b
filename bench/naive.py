"""The naive baseline map: one ``folium.Marker`` with a popup (and tooltip) per event."""

from __future__ import annotations

from collections.abc import Mapping

import folium
import pandas as pd

from geo import render


def naive_map(events: pd.DataFrame, *, asset_urls: Mapping[str, str] | None) -> folium.Map:
    """Every event as its own ``folium.Marker``, with the app's popup and tooltip HTML."""
    m = folium.Map(location=[40.2, 46.5], zoom_start=7, tiles=None)
    for _, row in events.iterrows():
        folium.Marker(
            [float(row["latitude"]), float(row["longitude"])],
            popup=folium.Popup(render.event_popup_html(row), max_width=520),
            tooltip=render.event_tooltip_html(row),
        ).add_to(m)
    render.localize_assets(m, asset_urls)
    return m
