"""Benchmark baseline page: the naive map (``bench/naive.py``) with app.py's data and slider.

Run by ``bench/bench_map.py`` from a temporary folder holding its own ``static/vendor``
copy, with ``bench/`` on ``PYTHONPATH``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from naive import naive_map
from streamlit_folium import st_folium

from geo.config import Settings
from geo.dataset import Dataset, load_dataset
from geo.render.assets import asset_urls
from geo.view import View, apply_view


@st.cache_data(show_spinner="Loading…")
def load(key: str) -> Dataset:
    return load_dataset(Settings.from_env())


settings = Settings.from_env()
data = load(repr(settings))
first = data.events["date_start"].min().date()
last = data.events["date_end"].max().date()
start, end = st.slider("Period", min_value=first, max_value=last, value=(first, last), key="period")
events = apply_view(data.events, View(start=start, end=end))
st.metric("Events in view", len(events))
urls = asset_urls(settings, vendor_dir=Path(__file__).parent / "static" / "vendor")
st_folium(naive_map(events, asset_urls=urls), key="map", returned_objects=[], height=620)
