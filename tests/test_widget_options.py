"""Bounded option lists of the app's filters (widget_options) and the actors box in the app."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from geo.config import ENV_LAYERS_DIR
from tests import factories
from tests.helpers import run
from widget_options import bounded_options, value_counts

pytestmark = pytest.mark.usefixtures("fresh_caches")


def test_counts_join_columns_and_skip_blanks() -> None:
    counts = value_counts(pd.Series(["B", "A", None, " "]), pd.Series(["A", "C", "B", None]))
    assert list(counts.index) == ["A", "B", "C"]  # 2, 2 (ties alphabetical), 1
    assert list(counts) == [2, 2, 1]


def test_options_are_the_chosen_then_the_most_frequent_matching_the_search() -> None:
    counts = value_counts(pd.Series(["a"] * 5 + ["b"] * 4 + ["C"] * 3 + ["d"] * 2 + ["e"]))
    assert bounded_options(counts, limit=3) == ["a", "b", "C"]
    # a chosen rare one stays listed, in alphabetical order
    assert bounded_options(counts, selected=["e"], limit=3) == ["a", "b", "e"]
    assert bounded_options(counts, selected=["e", "d", "C"], limit=2) == ["C", "d", "e"]
    assert bounded_options(counts, query="c", limit=3) == ["C"]  # case-insensitive
    assert bounded_options(counts, query=" ", limit=10) == ["a", "b", "C", "d", "e"]


def test_the_actors_box_lists_at_most_200_and_a_search_finds_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = []
    for i in range(230):  # actor i named i % 7 + 1 times: 230 actors
        for k in range(i % 7 + 1):
            e = factories.event(f"act-2020-07-14-{i:03d}-{k}")
            e["properties"]["actor1"] = f"Actor {i:03d}"
            events.append(e)
    layer = factories.layer(*events)
    (tmp_path / "act.geojson").write_text(json.dumps(layer), encoding="utf-8")
    monkeypatch.setenv(ENV_LAYERS_DIR, str(tmp_path))
    at = run()
    box = at.multiselect(key="actors")
    assert len(box.options) == 200
    assert "Actor 006" in box.options  # named 7 times
    assert "Actor 224" not in box.options  # named once, the last of those by name
    caption = " ".join(c.value for c in at.sidebar.caption)
    assert (
        "200 of 231 actors listed (named most often)" in caption
        and "type part of a name in Find actors" in caption
    )
    at.text_input(key="actor_search").input("Actor 224").run()
    assert not at.exception
    assert at.multiselect(key="actors").options == ["Actor 224"]
    at.multiselect(key="actors").select("Actor 224").run()
    at.text_input(key="actor_search").input("").run()
    assert not at.exception
    # the chosen actor stays listed and chosen when the search is emptied
    assert at.multiselect(key="actors").value == ["Actor 224"]
    assert "Actor 224" in at.multiselect(key="actors").options
    assert at.query_params["actors"] == "Actor 224"  # the view's link keeps it
