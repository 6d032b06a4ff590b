"""Old map-data files: removed after a day unused, never the ones the app serves."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest

from geo.config import Settings
from geo.render.mapdata import FOLDER
from geo.render.prune import KEEP_FOR, prune_map_data, url_names
from tests.helpers import run

DAY = 24 * 3600
NOW = 1_800_000_000.0


def entry(root: Path, name: str, age: float, *, folder: bool = False) -> Path:
    path = root / name
    if folder:
        path.mkdir()
        (path / "0.json").write_text("[]")
    else:
        path.write_text("x")
    os.utime(path, (NOW - age, NOW - age))
    return path


def test_old_unused_entries_go_and_everything_else_stays(tmp_path: Path) -> None:
    old = [
        entry(tmp_path, "events-aaaa.bin", 2 * DAY),
        entry(tmp_path, "events-aaaa", 2 * DAY, folder=True),
        entry(tmp_path, "eventlayer-0123456789abcdef.js", 3 * DAY),
        entry(tmp_path, "boundaries-00ff.json", DAY + 1),
        entry(tmp_path, ".events-k2j_x9", 5 * DAY, folder=True),  # a write stopped half way
    ]
    served = [
        entry(tmp_path, "events-bbbb.bin", 9 * DAY),
        entry(tmp_path, "events-bbbb", 9 * DAY, folder=True),
        entry(tmp_path, "eventlayer-fedcba9876543210.js", 9 * DAY),
    ]
    young = [
        entry(tmp_path, "events-cccc.bin", DAY - 60),  # another app's version, used today
        entry(tmp_path, "boundaries-11ee.json", 10.0),
    ]
    foreign = [
        entry(tmp_path, "README.md", 9 * DAY),
        entry(tmp_path, "events-notes.txt", 9 * DAY),
        entry(tmp_path, "events-ZZZZ.bin", 9 * DAY),  # not a content hash
        entry(tmp_path, "my-events", 9 * DAY, folder=True),
    ]
    removed = prune_map_data(
        tmp_path, {"events-bbbb.bin", "events-bbbb", "eventlayer-fedcba9876543210.js"}, now=NOW
    )
    assert sorted(p.name for p in removed) == sorted(p.name for p in old)
    assert not any(p.exists() for p in old)
    assert all(p.exists() for p in served + young + foreign)
    # what is served is marked as used now, so another process keeps it for a day
    assert all(p.stat().st_mtime == NOW for p in served)
    assert young[0].stat().st_mtime == NOW - DAY + 60


def test_the_age_limit_and_nothing_to_do(tmp_path: Path) -> None:
    entry(tmp_path, "events-dddd.bin", 3600)
    assert prune_map_data(tmp_path, set(), now=NOW) == []
    assert [p.name for p in prune_map_data(
        tmp_path, set(), keep_for=timedelta(minutes=30), now=NOW
    )] == ["events-dddd.bin"]  # fmt: skip
    assert prune_map_data(tmp_path / "missing", {"events-dddd.bin"}, now=NOW) == []
    assert timedelta(days=1) == KEEP_FOR


def test_url_names() -> None:
    assert url_names(
        "/app/static/mapdata/events-ab12.bin",
        "/app/static/mapdata/events-ab12/",
        None,
        "/app/static/mapdata/boundaries-99.json",
    ) == {"events-ab12.bin", "events-ab12", "boundaries-99.json"}


def test_the_app_removes_an_old_version_and_keeps_its_own(
    settings: Settings, fresh_caches: None
) -> None:
    folder = settings.static_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stale = folder / "events-0000000000000000dead.bin"
    stale.write_bytes(b"an old dataset version")
    week_ago = time.time() - 7 * DAY
    os.utime(stale, (week_ago, week_ago))
    try:
        at = run()
        assert not stale.exists()
        html = at.session_state["map_html"]
        served = [
            p.name for p in folder.iterdir() if p.name.startswith("events-") and p.name in html
        ]
        assert served, "the map's own data files are still there"
    finally:
        stale.unlink(missing_ok=True)


@pytest.mark.parametrize("name", ["events-abc.bin", "boundaries-1.json"])
def test_a_file_that_cannot_be_removed_is_left_and_logged(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = entry(tmp_path, name, 2 * DAY)

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "unlink", refuse)
    assert prune_map_data(tmp_path, set(), now=NOW) == []
    assert path.exists()
    assert "could not remove old map data" in caplog.text and name in caplog.text
