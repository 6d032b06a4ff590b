"""Atomic file output: a temporary file beside the target, then a rename; errors made clear."""

from __future__ import annotations

import glob
import os
import stat
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

from geo._errors import OutputError


def _usual_mode(target: Path) -> int:
    """The target's mode when it exists, else what a new file gets under the umask."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


#: A temporary file of ours older than this was left by a write that was killed.
STALE_AFTER_S = 3600.0


def _remove_stale_temporaries(target: Path) -> None:
    """Remove ``.<stem>.*<suffix>`` files beside ``target`` left by killed writes.

    Only regular files older than :data:`STALE_AFTER_S` go, so a write running right now
    (in another process) keeps its file. Layer folders never read hidden files either.
    """
    now = time.time()
    for old in target.parent.glob(f".{glob.escape(target.stem)}.*{glob.escape(target.suffix)}"):
        name = old.name[len(target.stem) + 2 : len(old.name) - len(target.suffix)]
        if len(name) != 8 or not name.replace("_", "a").isalnum():  # mkstemp's 8 characters
            continue
        try:
            st = old.lstat()
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > STALE_AFTER_S:
                old.unlink()
        except OSError:
            continue


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a free temporary path beside ``path``; move it onto ``path`` if the block succeeds.

    The previous file is left intact when anything fails. The folder must exist:
    a mistyped folder is an error, not a new folder. OS errors (read-only or
    missing folder, full disk) become :class:`OutputError` naming the file.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise OutputError(f"cannot write {target}: folder {target.parent} does not exist")
    _remove_stale_temporaries(target)
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent
        )
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()
    try:
        yield tmp
        if tmp.exists():
            tmp.chmod(_usual_mode(target))
        tmp.replace(target)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` with ``\\n`` line endings to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_files(files: Mapping[Path, bytes]) -> list[Path]:
    """Write several files as one set: every file is staged first, then all are moved in.

    If writing any of them fails (full disk, read-only folder, interrupted), none of the
    targets is touched and every temporary file is removed, so a reader never finds a new
    events file beside old claims and sources. The moves are renames within each folder,
    done one after the other only once every file is complete.
    """
    with ExitStack() as stack:
        for target, data in files.items():
            tmp = stack.enter_context(atomic_path(target))
            try:
                tmp.write_bytes(data)
            except OSError as exc:
                raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return list(files)
