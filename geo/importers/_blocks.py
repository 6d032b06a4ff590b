"""Mapping a published file in blocks of whole records, one at a time or on a pool of threads."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from geo.importers import _common as common
from geo.importers._common import PROBLEM_KINDS, BadRow

#: The original column holding each dataset's own id.
ID_COLUMN = {"acled": "event_id_cnty", "ucdp": "id"}


@dataclass
class MappedBlock:
    """One block of a file, mapped: its kept rows as an Arrow table (GeoParquet encoding:
    geometry as WKB) and its bad rows, with what the next blocks need to find repeated ids."""

    table: pa.Table  #: kept rows, in file order
    geo: dict[str, Any]  #: the table's GeoParquet ``geo`` metadata
    problems: list[BadRow]  #: sorted by line, then class (as ``Problems.sorted``)
    rows_read: int
    ids: pd.Series  #: the dataset's id of every row read (stripped text)
    lines: np.ndarray  #: file line of every row read
    kept: np.ndarray  #: bool per row read: the row is in ``table``


def map_block(
    kind: str,
    origin: str,
    header: bytes,
    block: bytes,
    *,
    first: bool,
    lines_before: int,
    hashtag_row: bool,
    seen: common.SeenIds | None = None,
) -> MappedBlock:
    """Read and map one block of whole records (it runs on a pool's thread).

    ``first`` is the file's first block (it holds the header); a later block is read
    after ``header`` and its lines start after ``lines_before`` newlines. ``seen`` (id →
    line) holds ids of earlier blocks; without it, repeats of earlier blocks' ids are
    left to :func:`repeats_of_earlier_blocks`.
    """
    if first:
        raw = common.parse_csv(block, origin=origin)
    else:
        raw = common.parse_csv(header + block, origin=origin, hashtag_row=hashtag_row)
        raw = common.RawTable(raw.frame, raw.lines + lines_before - 1)
    return map_raw(kind, origin, raw, seen=seen)


def map_raw(
    kind: str, origin: str, raw: common.RawTable, *, seen: common.SeenIds | None = None
) -> MappedBlock:
    """Map one block read already (its cells as text, with the file line of each record);
    ``seen`` as for :func:`map_block`."""
    import json

    from geo.importers import _PARSE

    got = _PARSE[kind](raw, origin=origin, seen=seen, as_table=True)
    ids = common.text(raw.frame, ID_COLUMN[kind])
    lines = np.asarray(raw.lines, dtype=np.int64)
    table = got.table
    assert table is not None
    geo = json.loads((table.schema.metadata or {})[b"geo"])
    kept = np.ones(len(ids), dtype=bool)
    bad_lines = np.fromiter((p.line for p in got.problems), dtype=np.int64)
    if len(bad_lines):
        kept = ~np.isin(lines, bad_lines)
    return MappedBlock(table, geo, got.problems, got.rows_read, ids, lines, kept)


def repeats_of_earlier_blocks(kind: str, block: MappedBlock, seen: common.SeenIds) -> MappedBlock:
    """The block with the rows whose id an earlier block holds (``seen``: id → line of its
    first row) reported as repeats and left out, as :func:`map_block` given ``seen`` does."""
    if not len(seen):
        return block
    earlier = seen.contains(block.ids) & np.asarray(block.ids != "", dtype=bool)
    if not earlier.any():
        return block
    field_ = ID_COLUMN[kind]
    rows = np.flatnonzero(earlier)
    first_line = {int(block.lines[i]): str(block.ids.iloc[i]) for i in rows.tolist()}

    def message(key: str) -> str:
        return f"id {key!r} repeats the row on line {seen[key]}"

    problems, told = [], set()
    for p in block.problems:  # a repeat within the block names the earlier block's line
        if p.kind == "duplicate_id" and p.line in first_line:
            p = replace(p, message=message(first_line[p.line]))
            told.add(p.line)
        problems.append(p)
    for line, key in first_line.items():
        if line not in told:
            problems.append(BadRow(line, key, field_, "duplicate_id", message(key)))
    order = {k: n for n, k in enumerate(PROBLEM_KINDS)}
    problems.sort(key=lambda p: (p.line, order[p.kind]))  # stable: same order as one pass
    dropped = earlier & block.kept
    table = block.table
    if dropped.any():
        keep_rows = ~dropped[block.kept]
        table = table.filter(pa.array(keep_rows))
    return replace(block, table=table, problems=problems, kept=block.kept & ~earlier)


def default_workers() -> int:
    """Threads to map blocks on when not told: one. On the shared 2-core machine measured
    (bench/README.md), two threads cost about 30% more CPU in all and gained wall time in
    some runs only; ``workers=2`` asks for them."""
    return 1


def mapped_blocks(
    kind: str,
    path: str | os.PathLike[str],
    *,
    block_bytes: int,
    workers: int = 1,
    reader: str = "arrow",
) -> Iterator[MappedBlock]:
    """The file's blocks of whole records, mapped, in file order.

    ``reader="arrow"`` (the default) reads the file with Arrow's streaming CSV reader
    (:mod:`geo.importers._stream`: parsed on Arrow's threads, lines counted from the
    cells); it raises :class:`geo.importers._stream.ReadAgain` when only the Python block
    reader (``reader="python"``: the bytes cut at record ends here, each block parsed
    alone) can give the exact rows, lines and messages, and the caller reads the file again
    that way. Both give the same blocks' rows, lines and bad rows.

    With ``workers`` > 1 the blocks are mapped on that many threads (the mapping is
    Arrow compute, which runs without Python's lock), at most ``workers`` blocks at a
    time; each thread maps its block alone and the caller's thread reports the ids
    repeated from earlier blocks (:func:`repeats_of_earlier_blocks`), so every block
    comes out as one pass makes it: the same rows, lines, and bad rows with the same
    messages. (Threads, not processes: on the 2-core machine measured, processes cost
    75% more CPU in all — fresh memory faulted in, tables copied between processes.)
    """
    origin = str(path)
    seen = common.SeenIds()
    header = b""

    def jobs() -> Iterator[tuple[int, bytes, int]]:
        nonlocal header
        lines_before = 0
        with common.open_csv_stream(path) as stream:
            for k, block in enumerate(common.csv_blocks(stream, block_bytes)):
                if k == 0:
                    body = block[3:] if block.startswith(b"\xef\xbb\xbf") else block
                    header = body[: body.find(b"\n") + 1] if b"\n" in body else body + b"\n"
                yield k, block, lines_before
                lines_before += block.count(b"\n")

    rows_read = 0
    any_problem = False

    def after(got: MappedBlock) -> MappedBlock:
        nonlocal rows_read, any_problem
        # no id repeats (within the block, or from an earlier one) unless one was reported
        all_new = not any(p.kind == "duplicate_id" for p in got.problems)
        seen.add(got.ids, got.lines, all_new=all_new)
        rows_read += got.rows_read
        any_problem = any_problem or bool(got.problems)
        return got

    if reader == "arrow":
        from geo.importers._stream import raw_blocks

        # parsed on a thread of its own (Arrow's reader parses mostly on the thread that
        # asks for a batch, without Python's lock), a block ahead of the mapping
        raws = read_ahead(raw_blocks(path, origin=origin, block_bytes=block_bytes))
        if workers <= 1:
            for raw in raws:
                yield after(map_raw(kind, origin, raw, seen=seen))
            return
        # the #hashtag row is dropped by the reader: every block is mapped alone
        for got in _on_pool(
            workers,
            ((lambda raw=raw: map_raw(kind, origin, raw)) for raw in raws),
        ):
            yield after(repeats_of_earlier_blocks(kind, got, seen))
        return

    if workers <= 1:
        for k, block, before in jobs():
            # the #hashtag row can only be the file's first row (in this block if the
            # blocks before held only the header)
            tag = rows_read == 0 and not any_problem
            yield after(
                map_block(
                    kind, origin, header, block,
                    first=k == 0, lines_before=before, hashtag_row=tag, seen=seen,
                )
            )  # fmt: skip
        return

    def tasks() -> Iterator[Any]:
        for k, block, before in jobs():

            def task(k: int = k, block: bytes = block, before: int = before) -> Any:
                got = map_block(
                    kind, origin, header, block,
                    first=k == 0, lines_before=before, hashtag_row=False,
                )  # fmt: skip
                # a later block's bytes are kept only while it may have to be mapped again
                # (no row read yet: the #hashtag row may be in it)
                return got, (k, block if k > 0 else b"", before)

            yield task

    for got, (k, block, before) in _on_pool(workers, tasks()):
        if k > 0 and rows_read == 0 and not any_problem:
            # the blocks before held only the header: the #hashtag row may be here
            got = map_block(
                kind, origin, header, block,
                first=False, lines_before=before, hashtag_row=True, seen=seen,
            )  # fmt: skip
        else:
            got = repeats_of_earlier_blocks(kind, got, seen)
        del block
        yield after(got)


def read_ahead(items: Iterator[Any], *, depth: int = 1) -> Iterator[Any]:
    """``items`` in order, produced on a thread of their own at most ``depth`` ahead of the
    caller; an error of the producer is raised here, where it would have been. When the
    caller stops early the producer stops at its next item and ``items`` is closed."""
    import queue
    import threading

    done = object()
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(entry: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                box.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    break
                del item
            else:
                put(("end", done))
        except BaseException as exc:  # raised again on the caller's thread
            put(("error", exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=run, name="import-read", daemon=True)
    thread.start()
    try:
        while True:
            what, value = box.get()
            if what == "end":
                return
            if what == "error":
                raise value
            yield value
            del value
    finally:
        stop.set()
        thread.join()


def _on_pool(workers: int, tasks: Iterator[Any]) -> Iterator[Any]:
    """Each task's result, in order, the tasks run on ``workers`` threads, at most
    ``workers`` at a time (the next is started as soon as a result is taken); a task's
    error is raised here, and the tasks not yet run are dropped."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="import-block")
    pending: deque[Future[Any]] = deque()
    try:

        def submit() -> None:
            task = next(tasks, None)
            if task is not None:
                pending.append(pool.submit(task))

        for _ in range(workers):
            submit()
        while pending:
            got = pending.popleft().result()
            submit()  # keep every thread busy while this result is handled
            yield got
            del got
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def share_text(table: pa.Table) -> pa.Table:
    """``table`` with each text column whose characters equal an earlier column's (ours
    beside the original, e.g. ``notes`` and ``acled.notes``) rebuilt on that column's
    buffers, keeping its own missing values, so the text is held once (a table sent
    between processes, or one whose text was built twice, loses such sharing)."""
    columns = list(table.columns)
    by_size: dict[tuple[int, ...], list[int]] = {}
    changed = False
    for j, col in enumerate(columns):
        if not pa.types.is_large_string(col.type) or any(
            c.offset or any(b is None for b in c.buffers()[1:]) for c in col.chunks
        ):
            continue
        key = tuple(b.size for c in col.chunks for b in c.buffers()[1:])
        for other in by_size.get(key, []):
            mine = columns[other]
            if all(
                a.buffers()[1].equals(b.buffers()[1]) and a.buffers()[2].equals(b.buffers()[2])
                for a, b in zip(col.chunks, mine.chunks, strict=True)
            ):
                columns[j] = pa.chunked_array(
                    [
                        pa.Array.from_buffers(
                            a.type, len(a), [a.buffers()[0], *b.buffers()[1:]], a.null_count
                        )
                        for a, b in zip(col.chunks, mine.chunks, strict=True)
                    ],
                    type=col.type,
                )
                changed = True
                break
        else:
            by_size.setdefault(key, []).append(j)
    return pa.table(columns, schema=table.schema) if changed else table
