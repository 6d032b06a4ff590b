"""A published CSV file read by Arrow's streaming reader, in blocks of whole records with
the file line of each record, or :class:`ReadAgain` when only the Python reader can say."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from geo.importers import _common as common

#: Bytes Arrow's reader parses at a time (one batch): 1 MB, as the whole-file reader
#: (16 MB batches cost 2-3x the CPU here; bench/README.md).
ARROW_BLOCK = 1 << 20
_BOM = b"\xef\xbb\xbf"


class ReadAgain(Exception):  # noqa: N818 (a signal to the caller, not an error to report)
    """Arrow's streaming reader cannot give exactly the rows and lines of the Python block
    reader for this file (a blank line, a record longer than Arrow's block, a quoted header,
    a lone carriage return beside a quoted newline, a parse error whose message the Python
    reader words): the caller reads the file again with that reader, which is the
    reference. Raised before any block when the header already tells, else on the block
    where it shows (the blocks before it are to be dropped)."""


def raw_blocks(
    path: str | os.PathLike[str], *, origin: str, block_bytes: int
) -> Iterator[common.RawTable]:
    """The file's records in blocks of about ``block_bytes`` (whole Arrow batches), every
    cell text as :func:`geo.importers._common.parse_csv` gives it, each record with the file
    line where it starts (quoted newlines counted from the cells), the ``#hashtag`` row
    dropped. At least one block (empty when the file has only its header).

    Arrow parses on its own threads, ahead of the caller and without Python's lock; the
    Python reader cuts and counts the bytes itself (bench/README.md).
    """
    with common.open_csv_stream(path) as stream:
        head = stream.read(ARROW_BLOCK)
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    end = head.find(b"\n")
    if end < 0 or b'"' in head[:end]:
        raise ReadAgain  # an unterminated or quoted header: the Python reader says
    header = common.header_names(head[:end], origin=origin)  # the same errors as parse_csv
    source = _arrow_source(Path(path))
    try:
        yield from _blocks_of(source, header, block_bytes=block_bytes)
    finally:
        source.close()


def _blocks_of(source: Any, header: list[str], *, block_bytes: int) -> Iterator[common.RawTable]:
    try:
        reader = pa_csv.open_csv(
            source,
            read_options=pa_csv.ReadOptions(
                use_threads=True, block_size=max(1, min(ARROW_BLOCK, block_bytes))
            ),
            # a blank line comes as a row of empty cells, so it is seen (and read again)
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=common.text_options(header),
        )
    except (pa.ArrowException, OSError) as exc:
        raise ReadAgain from exc
    records = newlines = 0  # records (the #hashtag row too) and quoted newlines so far

    def block(batches: list[pa.RecordBatch]) -> common.RawTable:
        nonlocal records, newlines
        # one chunk a column (the mapping reads each column several times as one array)
        table = pa.Table.from_batches(batches, schema=reader.schema).combine_chunks()
        if _blank_line(table):
            raise ReadAgain
        n = table.num_rows
        inside = _quoted_newlines(table)
        lines = 2 + records + newlines + np.arange(n, dtype=np.int64)
        if inside is not None:
            lines += np.cumsum(inside) - inside  # quoted newlines of the records before
            newlines += int(inside.sum())
        frame = table.to_pandas()
        if records == 0 and common.is_hashtag_row(frame):
            frame = frame.iloc[1:].reset_index(drop=True)
            lines = lines[1:]
        records += n
        return common.RawTable(frame, lines)

    try:
        if reader.schema.names != header:
            raise ReadAgain
        pending: list[pa.RecordBatch] = []
        size, sent = 0, False
        for batch in _batches(reader):
            if not batch.num_rows:
                continue
            pending.append(batch)
            size += batch.nbytes
            if size >= block_bytes:
                yield block(pending)
                pending, size, sent = [], 0, True
        if pending or not sent:
            yield block(pending)
    finally:
        reader.close()


def _batches(reader: Any) -> Iterator[pa.RecordBatch]:
    """The reader's batches; any failure of Arrow's (a parse error, a record longer than a
    batch) is :class:`ReadAgain`: the Python reader reports it in its own words."""
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as exc:
            raise ReadAgain from exc
        yield batch


def _arrow_source(path: Path) -> Any:
    """What Arrow reads: the file itself (read and, for ``.gz``, decompressed without
    Python's lock), or the CSV member of a ``.zip`` through Python."""
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return common.open_csv_stream(path)
    if suffix == ".gz":
        return pa.CompressedInputStream(pa.OSFile(str(path)), "gzip")
    return pa.OSFile(str(path))


def _blank_line(table: pa.Table) -> bool:
    """A row whose every cell is empty: a blank line (the Python reader skips it, so the
    lines after it are counted there) or a record of empty cells; either is read again."""
    if not table.num_rows or not table.num_columns:
        return False
    empty = pc.equal(table.column(0), "")
    if not pc.any(empty).as_py():
        return False
    rows = table.filter(empty)
    every = np.ones(rows.num_rows, dtype=bool)
    for col in rows.columns:
        every &= pc.equal(col, "").to_numpy(zero_copy_only=False)
    return bool(every.any())


def _quoted_newlines(table: pa.Table) -> np.ndarray | None:
    """Newlines inside each record's quoted cells (``None`` when there are none), as the
    Python reader counts lines: a lone carriage return beside them is :class:`ReadAgain`."""
    with_newline = [col for col in table.columns if any(_has_byte(c, 10) for c in col.chunks)]
    if not with_newline:
        return None
    count = np.zeros(table.num_rows, dtype=np.int64)
    for col in table.columns:
        if any(_has_byte(c, 13) for c in col.chunks):
            lone = pc.sum(pc.count_substring(col, "\r")).as_py() or 0
            pairs = pc.sum(pc.count_substring(col, "\r\n")).as_py() or 0
            if lone != pairs:
                raise ReadAgain  # Python's reader ends a line at a lone \r too
    for col in with_newline:
        count += pc.count_substring(col, "\n").to_numpy(zero_copy_only=False)
    return count


def _has_byte(chunk: pa.Array, byte: int) -> bool:
    """Whether the text of ``chunk`` (``large_string``) holds ``byte``, read from its data
    buffer without building Python text."""
    bufs = chunk.buffers()
    if len(chunk) == 0 or bufs[2] is None:
        return False
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[chunk.offset : chunk.offset + len(chunk) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return bool(np.count_nonzero(data == byte))
