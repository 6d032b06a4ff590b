"""A Parquet writer that encodes on its own thread while the import maps the next block."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

import pyarrow as pa


class OverlappedWriter:
    """Hands each table to a writer thread and returns at once, so the mapping of the next
    block (on the caller's thread) and the encoding of this one (pyarrow's Parquet writer
    encodes on one thread, without Python's lock) run on two cores.

    The tables are written in the order given, with the row-group size given: the file is
    the one the same calls on ``writer`` make. At most ``depth`` tables wait (memory holds
    them). An error of the writer thread is raised by the next call of the caller's thread;
    :meth:`close` waits for every write, then closes ``writer``; :meth:`abandon` drops what
    waits, waits for the write under way, and closes ``writer`` (an import that failed).
    """

    def __init__(self, writer: Any, *, depth: int = 1) -> None:
        self._writer = writer
        self._depth = max(1, depth)
        self._queue: deque[tuple[pa.Table, int | None]] = deque()
        self._cond = threading.Condition()
        self._error: BaseException | None = None
        self._stop = False
        self._busy = False
        self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stop:
                    self._cond.wait()
                if not self._queue:
                    return
                table, size = self._queue.popleft()
                self._busy = True
                self._cond.notify_all()
            try:
                if self._error is None:
                    self._writer.write_table(table, row_group_size=size)
            except BaseException as exc:  # raised again on the caller's thread
                self._error = exc
            finally:
                del table
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def write_table(self, table: pa.Table, row_group_size: int | None = None) -> None:
        """Queue ``table`` (waits while ``depth`` tables wait already)."""
        with self._cond:
            self._raise()
            while len(self._queue) >= self._depth and self._error is None:
                self._cond.wait()
            self._raise()
            self._queue.append((table, row_group_size))
            self._cond.notify_all()

    def flush(self) -> None:
        """Wait until every queued table is written; raise the writer thread's error."""
        with self._cond:
            while (self._queue or self._busy) and self._error is None:
                self._cond.wait()
        self._raise()

    def add_key_value_metadata(self, meta: dict[str, str]) -> None:
        self.flush()
        self._writer.add_key_value_metadata(meta)

    def _join(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join()

    def close(self) -> None:
        """Write what waits, stop the thread, close the file (raise a write's error)."""
        try:
            self.flush()
        finally:
            self._join()
            self._writer.close()
        self._raise()

    def abandon(self) -> None:
        """Drop what waits, let the write under way end, close the file; no error raised."""
        with self._cond:
            self._queue.clear()
        self._join()
        self._writer.close()
