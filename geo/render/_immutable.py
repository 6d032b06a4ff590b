"""Files whose name says their content, marked so browsers keep them without asking again.

Streamlit serves ``static/`` (``/app/static/``) with a ``Last-Modified`` and an ``ETag``
but no ``Cache-Control``, and answers a revalidation with the whole file again (no
``304``). A browser then keeps such a file without asking only for a heuristic time, a
tenth of its age at the time it was served (RFC 9111 §4.2.2; Chromium does so): a data
file written a minute ago was fetched again, whole, on every page (issue 9: page → map
drawn; bench/README.md "Eleventh run"). The map's data files are named by a hash of their
content and its libraries by their pinned version, so what a name serves never changes:
giving them an old modification time (:data:`IMMUTABLE_MTIME`) lets the browser keep them
for years, as if they were sent ``immutable``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

#: 2000-01-01T00:00:00Z: the modification time of every content-named file we serve.
IMMUTABLE_MTIME = 946_684_800


def mark_immutable(*paths: str | os.PathLike[str]) -> None:
    """Give each file (or each file directly inside each folder) :data:`IMMUTABLE_MTIME`.

    Only for files whose name changes whenever their content does. A file that cannot be
    touched (read-only install) keeps its time: it is still served, only revalidated.
    """
    for path in map(Path, paths):
        targets = [p for p in path.iterdir() if p.is_file()] if path.is_dir() else [path]
        for target in targets:
            with contextlib.suppress(OSError):
                os.utime(target, (IMMUTABLE_MTIME, IMMUTABLE_MTIME))
