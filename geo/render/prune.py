"""Map-data files of earlier dataset versions, removed once nobody has used them for a day.

The app writes each dataset version's map files once, named by their content
(``events-<hash>.bin`` or ``.bin.gz``, the popup chunks in ``events-<hash>/``,
``eventlayer-<hash>.js``, ``boundaries-<hash>.json``; see :mod:`geo.render.mapdata`), so a
browser caches them for good. Nothing ever removed them: every import, edit of a layer or
update of the app left another set behind — at 10^6 events some hundreds of MB each time.

:func:`prune_map_data` removes the entries of that folder that the running app does not
use and that nobody has used for :data:`KEEP_FOR`. When they were last used is kept in
the folder's :data:`RECORD` (name → time), not in the files' modification times, which
say something else to browsers (content-named files get an old one so they are cached).
An app records the files it serves when it starts serving them, so another app process
sharing the folder with other data keeps its files for a day after its last start; an
entry the record does not know yet (left by an earlier version of the app) starts its
day when first seen. Only names of the forms above are touched (and ``.events-*``
folders that a write stopped half way left behind); anything else in the folder stays.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from geo._io import atomic_write_bytes

__all__ = ["KEEP_FOR", "RECORD", "prune_map_data", "url_names"]

log = logging.getLogger(__name__)

#: How long a map-data entry nobody uses is kept.
KEEP_FOR = timedelta(days=1)
#: The folder's record of when each entry was last used (or first seen unused).
RECORD = ".last-used.json"

_OURS = re.compile(
    r"^(?:events-[0-9a-f]+(?:\.bin(?:\.gz)?)?|eventlayer-[0-9a-f]+\.js|boundaries-[0-9a-f]+\.json"
    r"|\.events-[A-Za-z0-9_]+)$"
)


def url_names(*urls: str | None) -> set[str]:
    """The entry names the map's URLs point at (``…/events-ab12/`` → ``events-ab12``)."""
    return {u.rstrip("/").rsplit("/", 1)[-1] for u in urls if u}


def _read_record(path: Path) -> dict[str, float]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: every entry starts its day now
    if not isinstance(raw, dict):
        return {}
    return {str(k): float(v) for k, v in raw.items() if isinstance(v, int | float)}


def prune_map_data(
    folder: str | os.PathLike[str],
    in_use: Iterable[str],
    *,
    keep_for: timedelta = KEEP_FOR,
    now: float | None = None,
) -> list[Path]:
    """Remove the old map-data entries of ``folder`` (see the module docstring).

    ``in_use``: the names of the entries the app serves now; they are recorded as used
    and never removed. Returns what was removed. A missing folder, or an entry another
    process removed first, is not an error; an entry that cannot be removed is logged and
    left; a record that cannot be written is logged (the entries are then kept longer).
    """
    root = Path(folder)
    keep = set(in_use)
    now = time.time() if now is None else now
    try:
        names = sorted(p.name for p in root.iterdir() if _OURS.match(p.name))
    except OSError:
        return []
    old = _read_record(root / RECORD)
    record = {name: now if name in keep else old.get(name, now) for name in names}
    removed = []
    for name in names:
        if name in keep or now - record[name] < keep_for.total_seconds():
            continue
        path = root / name
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("could not remove old map data %s: %s", path, exc)
            continue
        removed.append(path)
        del record[name]
    try:
        atomic_write_bytes(root / RECORD, json.dumps(record, indent=0, sort_keys=True).encode())
    except OSError as exc:
        log.warning("could not write %s: %s", root / RECORD, exc)
    if removed:
        log.info("removed %d old map-data entr(ies) from %s", len(removed), root)
    return removed
