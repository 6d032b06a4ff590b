"""The "Add from article" page under AppTest: find candidates, accept, merge, hostile input.

The page is ``add_from_article.py``, shown by the map app (``app.py``) for
``?page=add-from-article``; the tests drive it through ``app.py`` to cover that hook.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.config import ENV_LAYERS_DIR
from tests.helpers import LAYERS, seed

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def layers_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "layers"
    shutil.copytree(LAYERS, folder)
    monkeypatch.setenv(ENV_LAYERS_DIR, str(folder))
    return folder


def find(text: str, published: date, name: str = "") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["page"] = "add-from-article"
    at.run()
    assert at.title[0].value == "Add from article"
    assert not at.exception
    at.text_area(key="article_text").input(text)
    at.date_input(key="published").set_value(published)
    at.text_input(key="article_name").input(name)
    at.button(key="find").click().run()
    assert not at.exception
    return at


def labels(at: AppTest) -> list[str]:
    return [e.label for e in at.expander]


def test_find_accept_writes_the_layer(layers_copy: Path) -> None:
    name = "003_b5e83af3f3b875c9.txt"
    at = find(seed(name).read_text(encoding="utf-8"), date(2024, 2, 13), name)
    assert at.subheader[0].value == "3 candidate(s)"
    assert labels(at)[0] == (
        "c1 · 0\\.60 · 2024\\-02\\-13 · Armed clash · "
        "Nerkin Hand village \\(Kapan community, Syunik\\)"
    )
    # the evidence sentence with the place mention in bold, the text escaped
    assert any("**Nerkin Hand**" in m.value for m in at.markdown)
    layer = layers_copy / "nerkin-hand-2024-02.geojson"
    at.radio(key="action_c1").set_value("Accept into a layer").run()
    at.selectbox(key="layer_c1").set_value("nerkin-hand-2024-02.geojson").run()
    at.text_input(key="event_id_c1").input("nerkin-hand-from-page").run()
    at.button(key="apply_c1").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        "Added nerkin\\-hand\\-from\\-page to nerkin\\-hand\\-2024\\-02\\.geojson \\(3 events\\)\\."
    ]
    data = json.loads(layer.read_text(encoding="utf-8"))
    ids = [f["properties"]["event_id"] for f in data["features"]]
    assert ids == [
        "nerkin-hand-2024-02-12-alleged-fire",
        "nerkin-hand-2024-02-13-revenge-operation",
        "nerkin-hand-from-page",
    ]
    added = data["features"][2]["properties"]
    assert {(c["measure"], c["value"]) for c in added["claims"]} == {("killed", 4), ("injured", 1)}
    assert "ingest-candidate" not in added["tags"]


def test_accept_outside_the_episode_shows_the_error_and_writes_nothing(layers_copy: Path) -> None:
    name = "003_b5e83af3f3b875c9.txt"
    at = find(seed(name).read_text(encoding="utf-8"), date(2024, 2, 13), name)
    layer = layers_copy / "nerkin-hand-2024-02.geojson"
    before = layer.read_bytes()
    at.date_input(key="date_c1").set_value(date(2024, 3, 1)).run()
    at.radio(key="action_c1").set_value("Accept into a layer").run()
    at.selectbox(key="layer_c1").set_value("nerkin-hand-2024-02.geojson").run()
    at.button(key="apply_c1").click().run()
    assert not at.exception
    assert len(at.error) == 1
    assert "falls outside the episode" in at.error[0].value
    assert layer.read_bytes() == before


def test_start_a_new_layer(layers_copy: Path) -> None:
    name = "003_b5e83af3f3b875c9.txt"
    at = find(seed(name).read_text(encoding="utf-8"), date(2024, 2, 13), name)
    at.radio(key="action_c2").set_value("Start a new layer").run()
    at.text_input(key="new_c2").input("syunik-2024-02.geojson").run()
    at.text_input(key="title_c2").input("Syunik border, February 2024").run()
    at.button(key="apply_c2").click().run()
    assert not at.exception
    assert len(at.success) == 1, [e.value for e in at.error]
    data = json.loads((layers_copy / "syunik-2024-02.geojson").read_text(encoding="utf-8"))
    assert data["episode"]["title"] == "Syunik border, February 2024"
    assert len(data["features"]) == 1


def test_merge_into_an_existing_event(layers_copy: Path) -> None:
    name = "001_2874fa14cb4eaf04.txt"
    at = find(seed(name).read_text(encoding="utf-8"), date(2023, 9, 19), name)
    cid = next(lab.split(" ")[0] for lab in labels(at) if lab.endswith("Yerevan"))
    at.radio(key=f"action_{cid}").set_value("Merge into an existing event").run()
    at.selectbox(key=f"layer_{cid}").set_value("yerevan-protests-2023-09.geojson").run()
    target = "yerevan-2023-09-19-russian-embassy-protest"
    at.selectbox(key=f"into_{cid}").set_value(target).run()
    at.button(key=f"apply_{cid}").click().run()
    assert not at.exception
    assert len(at.success) == 1
    data = json.loads((layers_copy / "yerevan-protests-2023-09.geojson").read_text())
    props = next(f["properties"] for f in data["features"] if f["properties"]["event_id"] == target)
    assert sorted(c.get("value", 0) for c in props["claims"]) == [0, 16, 34]
    assert len(data["features"]) == 2


def test_hostile_text_is_a_message_and_never_markup(layers_copy: Path) -> None:
    at = find("", date(2023, 9, 19), "empty.txt")
    assert [e.value for e in at.error] == ["empty\\.txt\\: the file is empty; nothing to ingest"]
    assert not at.expander
    page = (
        "<html><body><script>alert('x')</script><p>Some Armenians gathered in Yerevan on "
        "Tuesday [click](http://evil.example) <b>now</b>.</p></body></html>"
    )
    at = find(page, date(2023, 9, 19), "page.html")
    assert not at.error
    shown = " ".join(m.value for m in at.markdown)
    assert "alert" not in shown
    assert "[click](http" not in shown and "\\[click\\]\\(http" in shown
    at = find("Nobody was hurt on Tuesday.", date(2023, 9, 19), "calm.txt")
    assert "calm\\.txt\\: names no place in Armenia or Azerbaijan" in at.error[0].value


def test_the_map_links_to_the_page(layers_copy: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert "[Add events from an article](?page=add-from-article)" in [
        m.value for m in at.sidebar.markdown
    ]
