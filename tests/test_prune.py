"""Old map-data files: removed after a day unused, never the ones the app serves."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from geo.config import Settings
from geo.render.mapdata import FOLDER
from geo.render.prune import KEEP_FOR, RECORD, prune_map_data, url_names
from tests.helpers import run

DAY = 24 * 3600
NOW = 1_800_000_000.0
#: Content-named files are served with an old modification time (browsers cache them):
#: the prune must not read anything into it.
OLD_MTIME = 946_684_800

SERVED = ("events-bbbb.bin.gz", "events-bbbb", "eventlayer-fedcba9876543210.js")
OTHERS = (
    "events-aaaa.bin",  # written before the binary was served gzipped
    "events-cccc.bin.gz",
    "events-aaaa",
    "eventlayer-0123456789abcdef.js",
    "boundaries-00ff.json",
    ".events-k2j_x9",  # a write stopped half way
)
FOREIGN = ("README.md", "events-notes.txt", "events-ZZZZ.bin", "my-events")


def entry(root: Path, name: str) -> Path:
    path = root / name
    if name.endswith((".bin", ".gz", ".js", ".json", ".md", ".txt")):
        path.write_text("x")
    else:
        path.mkdir()
        (path / "0.json").write_text("[]")
    os.utime(path, (OLD_MTIME, OLD_MTIME))
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in SERVED + OTHERS + FOREIGN:
        entry(tmp_path, name)
    return tmp_path


def names(root: Path) -> set[str]:
    return {p.name for p in root.iterdir()}


def test_an_entry_goes_a_day_after_it_was_last_used_or_first_seen(folder: Path) -> None:
    # first look: nothing is known to be old (the files' own times say nothing)
    assert prune_map_data(folder, SERVED, now=NOW) == []
    assert names(folder) == {*SERVED, *OTHERS, *FOREIGN, RECORD}
    record = json.loads((folder / RECORD).read_text())
    assert record == dict.fromkeys(sorted(SERVED + OTHERS), NOW)  # foreign names: not ours
    # another app uses one of the others later that day
    assert prune_map_data(folder, {"events-aaaa.bin"}, now=NOW + DAY / 2) == []
    # a day after the first look: what nobody used since goes, what is served stays
    removed = prune_map_data(folder, SERVED, now=NOW + DAY)
    assert sorted(p.name for p in removed) == sorted(set(OTHERS) - {"events-aaaa.bin"})
    assert names(folder) == {*SERVED, "events-aaaa.bin", *FOREIGN, RECORD}
    assert json.loads((folder / RECORD).read_text()) == {
        **dict.fromkeys(SERVED, NOW + DAY),
        "events-aaaa.bin": NOW + DAY / 2,
    }
    # the other app's file a day after its last use; the served ones never
    removed = prune_map_data(folder, SERVED, now=NOW + 5 * DAY)
    assert [p.name for p in removed] == ["events-aaaa.bin"]
    assert names(folder) == {*SERVED, *FOREIGN, RECORD}
    assert all((folder / n / "0.json").exists() for n in ("events-bbbb",))


def test_the_age_limit_a_bad_record_and_no_folder(folder: Path) -> None:
    (folder / RECORD).write_text("{not json")
    assert prune_map_data(folder, SERVED, now=NOW) == []  # unreadable: every clock starts
    later = prune_map_data(folder, SERVED, keep_for=timedelta(minutes=30), now=NOW + 1800)
    assert len(later) == len(OTHERS)
    assert prune_map_data(folder / "missing", SERVED, now=NOW) == []
    assert timedelta(days=1) == KEEP_FOR


def test_url_names() -> None:
    assert url_names(
        "/app/static/mapdata/events-ab12.bin",
        "/app/static/mapdata/events-ab12/",
        None,
        "/app/static/mapdata/boundaries-99.json",
    ) == {"events-ab12.bin", "events-ab12", "boundaries-99.json"}


def test_a_file_that_cannot_be_removed_is_left_and_logged(
    folder: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (folder / RECORD).write_text(json.dumps({"boundaries-00ff.json": NOW - 2 * DAY}))

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "unlink", refuse)
    assert prune_map_data(folder, SERVED, now=NOW) == []
    assert (folder / "boundaries-00ff.json").exists()
    assert "could not remove old map data" in caplog.text
    assert "boundaries-00ff.json" in caplog.text


def test_the_app_removes_an_old_version_and_keeps_its_own(
    settings: Settings, fresh_caches: None
) -> None:
    folder = settings.static_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stale = folder / "events-0000000000000000dead.bin"
    stale.write_bytes(b"an old dataset version")
    record = folder / RECORD
    known = json.loads(record.read_text()) if record.exists() else {}
    record.write_text(json.dumps({**known, stale.name: 0.0}))  # last used in 1970
    try:
        at = run()
        assert not stale.exists()
        html = at.session_state["map_html"]
        served = [n for n in names(folder) if n.startswith("events-") and n in html]
        assert served, "the map's own data files are still there"
        assert stale.name not in json.loads(record.read_text())
    finally:
        stale.unlink(missing_ok=True)
