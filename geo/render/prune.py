"""Map-data files of earlier dataset versions, removed once nobody has used them for a day.

The app writes each dataset version's map files once, named by their content
(``events-<hash>.bin``, the popup chunks in ``events-<hash>/``, ``eventlayer-<hash>.js``,
``boundaries-<hash>.json``; see :mod:`geo.render.mapdata`), so a browser caches them for
good. Nothing ever removed them: every import, edit of a layer or update of the app left
another set behind — at 10^6 events some hundreds of MB each time.

:func:`prune_map_data` removes the entries of that folder that the running app does not
use and that have not been written or used for :data:`KEEP_FOR`. An app marks the files it
uses as used (their modification time) when it starts serving them, so another app
process sharing the folder with other data keeps its own files for a day after its last
start. Only names of the forms above are touched (and ``.events-*`` folders that a write
stopped half way left behind); anything else in the folder stays.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

__all__ = ["KEEP_FOR", "prune_map_data", "url_names"]

log = logging.getLogger(__name__)

#: How long a map-data entry nobody uses is kept.
KEEP_FOR = timedelta(days=1)

_OURS = re.compile(
    r"^(?:events-[0-9a-f]+(?:\.bin)?|eventlayer-[0-9a-f]+\.js|boundaries-[0-9a-f]+\.json"
    r"|\.events-[A-Za-z0-9_]+)$"
)


def url_names(*urls: str | None) -> set[str]:
    """The entry names the map's URLs point at (``…/events-ab12/`` → ``events-ab12``)."""
    return {u.rstrip("/").rsplit("/", 1)[-1] for u in urls if u}


def prune_map_data(
    folder: str | os.PathLike[str],
    in_use: Iterable[str],
    *,
    keep_for: timedelta = KEEP_FOR,
    now: float | None = None,
) -> list[Path]:
    """Remove the old map-data entries of ``folder`` (see the module docstring).

    ``in_use``: the names of the entries the app serves now; they are marked as used and
    never removed. Returns what was removed. A missing folder, or an entry another process
    removed first, is not an error; an entry that cannot be removed is logged and left.
    """
    root = Path(folder)
    keep = set(in_use)
    now = time.time() if now is None else now
    for name in keep:
        # not written yet, or removed by another process: nothing to mark
        with contextlib.suppress(OSError):
            os.utime(root / name, (now, now))
    try:
        entries = list(root.iterdir())
    except OSError:
        return []
    removed = []
    for path in sorted(entries):
        if path.name in keep or not _OURS.match(path.name):
            continue
        try:
            age = now - path.lstat().st_mtime
        except OSError:
            continue
        if age < keep_for.total_seconds():
            continue
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("could not remove old map data %s: %s", path, exc)
            continue
        removed.append(path)
    if removed:
        log.info("removed %d old map-data entr(ies) from %s", len(removed), root)
    return removed
