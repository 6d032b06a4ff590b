"""The event set as static files for the browser map, and the page that points at them."""

from __future__ import annotations

import base64
import html
import json
import os
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from geo import render
from geo._errors import OutputError
from geo.config import Settings
from geo.dataset import Dataset, load_dataset
from geo.gazetteer import Gazetteer
from geo.render import mapdata
from geo.render._immutable import IMMUTABLE_MTIME
from geo.render.details import event_rows
from geo.render.features import PopupData
from geo.view import View, apply_view
from tests.helpers import HOSTILE, hostile_events, js_text, selected_in


@pytest.fixture(scope="module")
def dataset(settings: Settings) -> Dataset:
    return load_dataset(settings)


def clones(events: pd.DataFrame, n: int) -> pd.DataFrame:
    """``n`` curated events under new ids, each moved by a known small step."""
    picks = np.arange(n) % len(events)
    frame = events.iloc[picks].copy()
    frame.index = pd.Index([f"clone-{i:05d}" for i in range(n)], name=events.index.name)
    frame["longitude"] = frame["longitude"].to_numpy() + np.arange(n) * 1e-4
    return frame


def test_binary_holds_every_event_column_by_column(dataset: Dataset) -> None:
    events = dataset.events
    packed = mapdata.pack_events(events)
    header, cols = mapdata.read_header(packed.binary)
    assert header["n"] == len(events) == packed.n == 18
    assert header["day0"] == "2020-07-12"
    np.testing.assert_allclose(cols["lon"], events["longitude"], atol=1e-5)
    np.testing.assert_allclose(cols["lat"], events["latitude"], atol=1e-5)
    first = events["date_start"].dt.date.map(lambda d: (d - date(2020, 7, 12)).days)
    last = events["date_end"].dt.date.map(lambda d: (d - date(2020, 7, 12)).days)
    assert list(cols["d0"]) == list(first) and list(cols["d1"]) == list(last)
    assert [header["types"][t] for t in cols["t"]] == list(events["event_type"])
    assert [header["episodes"][e] for e in cols["ep"]] == list(events["episode"])
    precision = events["geo_precision"].astype(int) + 4 * (events["join_method"] == "area")
    assert list(cols["g"]) == list(precision)
    assert 3 + 4 in set(cols["g"])  # located only to an area that is no admin unit
    assert [r / 10 for r in cols["r"]] == pytest.approx(
        [render.marker_radius(int(d)) for d in events["deaths_best"]], abs=0.05
    )
    # every column starts 4-byte aligned (typed-array views need it)
    assert all(offset % 4 == 0 for offset, _, _ in header["columns"].values())


def test_popup_details_are_chunked_by_row(dataset: Dataset) -> None:
    events = clones(dataset.events, mapdata.CHUNK + 7)
    packed = mapdata.pack_events(events)
    assert len(packed.chunks) == 2
    second = json.loads(packed.chunks[1])
    assert second["k"] == 7
    rows = event_rows(second)
    assert len(rows) == 7
    row = mapdata.CHUNK + 3
    assert rows[3]["id"] == events.index[row]
    assert html.unescape(rows[3]["n"]) == events.iloc[row]["notes"]
    strings = second["s"]
    assert html.unescape(strings[rows[3]["t"]]) == events.iloc[row]["event_type"]


def _resolved(props: dict[str, Any], strings: list[str], sources: list[Any]) -> dict[str, Any]:
    """An event's popup properties with every table index replaced by what it stands for."""

    def text(i: int | None) -> str | None:
        return None if i is None else strings[i]

    out = dict(props)
    for key in ("t", "u", "ep", "l", "pn", "co", "rg", "di", "jm", "an"):
        if key in out:
            out[key] = text(out[key])
    out["a"] = [text(i) for i in out.get("a", [])]
    out["cl"] = [[text(i) for i in claim] for claim in out.get("cl", [])]
    out["so"] = [[text(i) for i in sources[k]] for k in out.get("so", [])]
    return out


def test_columnar_details_equal_the_per_event_properties(
    dataset: Dataset, settings: Settings
) -> None:
    """Every popup shows what :func:`render.event_properties` gives: each claim, each source."""
    places = Gazetteer.default(settings)
    events = clones(dataset.events, mapdata.CHUNK + 40)
    # blanks and odd values the row-by-row code handles: no notes, a blank actor
    events.iloc[5, events.columns.get_loc("notes")] = None
    events.iloc[6, events.columns.get_loc("actor2")] = "  "
    packed = mapdata.pack_events(events, places=places)
    got = []
    for chunk in packed.chunks:
        body = json.loads(chunk)
        got += [_resolved(p, body["s"], body["src"]) for p in event_rows(body)]
    want = []
    for event_id, row in zip(events.index, events.to_dict("records"), strict=True):
        table = PopupData()
        props = render.event_properties(event_id, row, table, places=places)
        want.append(_resolved(props, table.strings, table.sources))
    assert len(got) == len(events)
    assert got == want
    assert any(p["cl"] for p in got) and any(p["so"] for p in got)
    assert any(p.get("pn") for p in got)  # the gazetteer's names are there


def test_files_are_named_by_content_and_written_once(dataset: Dataset, tmp_path: Path) -> None:
    packed = mapdata.pack_events(dataset.events)
    files = mapdata.write_event_data(packed, tmp_path / "mapdata", base_url="/app/static/mapdata")
    binary = tmp_path / "mapdata" / f"events-{packed.digest}.bin"
    assert files.data_url == f"/app/static/mapdata/{binary.name}"
    assert files.details_url == f"/app/static/mapdata/events-{packed.digest}/"
    assert binary.read_bytes() == packed.binary
    assert (tmp_path / "mapdata" / f"events-{packed.digest}" / "0.json").read_bytes() == (
        packed.chunks[0]
    )
    layer = tmp_path / "mapdata" / files.layer_url.rsplit("/", 1)[1]
    assert layer.read_bytes() == mapdata.LAYER_JS.read_bytes()
    stamp = binary.stat().st_ino  # an atomic write would make a new file
    again = mapdata.write_event_data(
        mapdata.pack_events(dataset.events), tmp_path / "mapdata", base_url="/x"
    )
    assert again.data_url == f"/x/{binary.name}" and binary.stat().st_ino == stamp
    changed = dataset.events.copy()
    changed.loc[changed.index[0], "notes"] = "Another note."
    assert mapdata.pack_events(changed).digest != packed.digest
    assert sorted(p.name for p in (tmp_path / "mapdata").iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("how", ["write_event_data", "pack_and_write"])
def test_a_large_binary_is_written_gzipped_once(
    dataset: Dataset, tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From GZIP_FROM_BYTES the server is not left to gzip the binary for every request."""
    packed = mapdata.pack_events(dataset.events)
    monkeypatch.setattr(mapdata, "GZIP_FROM_BYTES", len(packed.binary))  # this one is large
    folder = tmp_path / "mapdata"
    if how == "write_event_data":
        files = mapdata.write_event_data(packed, folder, base_url="/m")
    else:
        files = mapdata.pack_and_write(dataset.events, folder, base_url="/m")
    binary = folder / f"events-{packed.digest}.bin.gz"
    assert files.data_url == f"/m/{binary.name}"
    assert not (folder / f"events-{packed.digest}.bin").exists()
    assert binary.read_bytes()[:2] == b"\x1f\x8b"  # gzip, served as application/gzip
    assert mapdata.read_served(binary) == packed.binary
    # compressed without a time inside: the same bytes for the same data
    assert binary.read_bytes() == mapdata.served_binary(packed.binary)
    monkeypatch.setattr(mapdata, "GZIP_FROM_BYTES", len(packed.binary) + 1)
    plain = mapdata.write_event_data(packed, tmp_path / "plain", base_url="/m")
    assert plain.data_url == f"/m/events-{packed.digest}.bin"


@pytest.mark.parametrize("how", ["write_event_data", "pack_and_write"])
def test_files_named_by_content_carry_an_old_time_so_browsers_keep_them(
    dataset: Dataset, tmp_path: Path, how: str
) -> None:
    """geo/render/_immutable.py: Streamlit sends no Cache-Control; a browser keeps a file
    for a tenth of its age, so a file just written was fetched again on every page."""
    folder = tmp_path / "mapdata"
    if how == "write_event_data":
        files = mapdata.write_event_data(mapdata.pack_events(dataset.events), folder, base_url="/m")
    else:
        files = mapdata.pack_and_write(dataset.events, folder, base_url="/m")
    served = [folder / files.data_url.rsplit("/", 1)[1], folder / files.layer_url.rsplit("/", 1)[1]]
    served += sorted((folder / files.details_url.strip("/").rsplit("/", 1)[1]).iterdir())
    assert len(served) > 2
    assert {p.stat().st_mtime for p in served} == {IMMUTABLE_MTIME}
    binary = served[0]
    os.utime(binary)  # written by an older version of the app: marked when next used
    mapdata.write_event_data(mapdata.pack_events(dataset.events), folder, base_url="/m")
    assert binary.stat().st_mtime == IMMUTABLE_MTIME


def test_unwritable_folder_is_an_error_naming_it(dataset: Dataset, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match=r"cannot write map data to .*file"):
        mapdata.write_event_data(
            mapdata.pack_events(dataset.events), blocker, base_url="/app/static/mapdata"
        )


def test_bad_coordinate_names_the_event(dataset: Dataset) -> None:
    events = dataset.events.copy()
    events.loc["tovuz-2020-07-12-border-fighting", "latitude"] = np.nan
    with pytest.raises(ValueError, match="event 'tovuz-2020-07-12-border-fighting': longitude"):
        mapdata.pack_events(events)


def _files(events: pd.DataFrame, tmp_path: Path) -> mapdata.EventDataFiles:
    return mapdata.write_event_data(
        mapdata.pack_events(events), tmp_path, base_url="/app/static/mapdata"
    )


def test_the_page_selects_the_view_from_the_file_and_carries_no_event(
    dataset: Dataset, tmp_path: Path
) -> None:
    files = _files(dataset.events, tmp_path)
    view = View(start=date(2020, 7, 12), end=date(2020, 7, 16), event_types=("Protests",))
    shown = apply_view(dataset.events, view)
    m = render.build_map(
        shown, view=view, admin=dataset.admin, episodes=dataset.episodes, event_data=files
    )
    page = render.map_html(m)
    assert selected_in(page) == len(shown) == 6
    assert '"tp":' not in page  # no event's popup data
    for notes in dataset.events["notes"]:
        assert js_text(render.esc(notes)) not in page
    assert f'src="{files.layer_url}"' in page
    assert '"period":["2020-07-12","2020-07-16"]' in page
    # one switch per episode layer, and the time bar drives the canvas
    (canvas,) = [c for c in m._children.values() if isinstance(c, render.EventCanvas)]
    switches = [
        s
        for g in m._children.values()
        for s in getattr(g, "_children", {}).values()
        if isinstance(s, render.EpisodeSwitch)
    ]
    assert sorted(s.episode_js.strip('"') for s in switches) == sorted(set(shown["episode"]))
    assert f"addTimelines({canvas.get_name()})" in page
    assert js_text("Faint dots: the rest of the period.") in page  # the legend says so
    # the rows: exactly the shown events
    b64 = canvas.options["selection"]
    bits = np.unpackbits(
        np.frombuffer(zlib.decompress(base64.b64decode(b64)), np.uint8), bitorder="little"
    )[: len(files.ids)]
    assert set(files.ids[bits.astype(bool)]) == set(shown.index)


def test_a_large_set_stays_out_of_the_page(dataset: Dataset, tmp_path: Path) -> None:
    events = clones(dataset.events, 3000)
    files = _files(events, tmp_path)
    page = render.map_html(
        render.build_map(events, view=View(tiles=False), episodes=dataset.episodes,
                         event_data=files)
    )  # fmt: skip
    inline = render.map_html(
        render.build_map(events, view=View(tiles=False), episodes=dataset.episodes)
    )
    assert selected_in(page) == 3000
    assert len(page) < 100_000 < len(inline)


def test_events_missing_from_the_file_are_refused(dataset: Dataset, tmp_path: Path) -> None:
    files = _files(dataset.events.iloc[:3], tmp_path)
    with pytest.raises(KeyError, match="not in the map data file"):
        render.build_map(dataset.events, view=View(), event_data=files)


def test_hostile_text_reaches_the_files_escaped_only(tmp_path: Path) -> None:
    events, episodes = hostile_events()
    files = _files(events, tmp_path)
    page = render.map_html(render.build_map(events, view=View(), episodes=episodes,
                                            event_data=files))  # fmt: skip
    assert "alert(1)" not in page.replace(js_text(render.esc(f"Episode {HOSTILE}")), "")
    (chunk,) = (tmp_path / files.details_url.rstrip("/").rsplit("/", 1)[1]).iterdir()
    text = chunk.read_text(encoding="utf-8")
    assert "<" not in text and ">" not in text and "{{" not in text
    assert json.dumps(render.esc(f"Notes {HOSTILE}"))[1:-1] in text


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_packing_while_writing_makes_the_same_files(
    dataset: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pack_and_write (one block of chunks in memory) == write_event_data(pack_events(...))."""
    from geo.render import details

    events = clones(dataset.events, 3 * mapdata.CHUNK + 5)  # 4 chunks
    places = Gazetteer.default(Settings.from_env())
    whole = mapdata.write_event_data(
        mapdata.pack_events(events, places=places), tmp_path / "whole", base_url="/m"
    )
    monkeypatch.setattr(details, "BLOCK_CHUNKS", 1)  # a block per chunk
    streamed = mapdata.pack_and_write(events, tmp_path / "streamed", base_url="/m", places=places)
    assert (streamed.data_url, streamed.details_url, streamed.layer_url) == (
        whole.data_url, whole.details_url, whole.layer_url
    )  # fmt: skip
    assert streamed.ids.equals(whole.ids)
    got, want = _tree(tmp_path / "streamed"), _tree(tmp_path / "whole")
    assert len([n for n in want if n.endswith(".json")]) == 4
    assert got == want
    # written again: nothing changes, no temporary folder is left behind
    again = mapdata.pack_and_write(events, tmp_path / "streamed", base_url="/m", places=places)
    assert again.data_url == whole.data_url
    assert _tree(tmp_path / "streamed") == want
    assert not [p for p in (tmp_path / "streamed").iterdir() if p.name.startswith(".")]
