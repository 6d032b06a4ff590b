"""Importers of published conflict-event datasets (ACLED, UCDP GED) into our record."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geo._errors import ImportDataError
from geo.importers import acled, ucdp
from geo.importers._common import PROBLEM_KINDS, BadRow, ImportResult, write_imported

__all__ = ["DATASETS", "BadRow", "DatasetKind", "ImportResult", "import_file", "read_dataset"]


@dataclass(frozen=True)
class DatasetKind:
    """One published dataset we can import."""

    name: str
    title: str
    attribution: str
    licence: str
    where_to_get: str
    read: Callable[[str | os.PathLike[str]], ImportResult]


DATASETS: dict[str, DatasetKind] = {
    "acled": DatasetKind(
        "acled",
        "ACLED",
        acled.ATTRIBUTION,
        acled.LICENCE,
        "acleddata.com: Data Export Tool or API (free account), or the humanitarian data portal",
        acled.read_acled,
    ),
    "ucdp": DatasetKind(
        "ucdp",
        "UCDP GED",
        ucdp.ATTRIBUTION,
        ucdp.LICENCE,
        "ucdp.uu.se/downloads: UCDP Georeferenced Event Dataset (CSV)",
        ucdp.read_ucdp,
    ),
}


def read_dataset(
    kind: str, path: str | os.PathLike[str], *, workers: int | None = None
) -> ImportResult:
    """Read and map one file of a known dataset (``acled`` or ``ucdp``).

    The file is read and mapped in blocks of whole records (:data:`BLOCK_BYTES`), on
    ``workers`` threads when it has more than one block (default one: see
    :func:`geo.importers._blocks.default_workers`); the events are the same as from one
    pass over the whole file. Text columns that repeat few values over the whole file
    (actors, admin names, event types, ...) are categoricals, and the repeated texts of
    ``claims`` and ``sources`` Arrow dictionaries (:mod:`geo.compact`): the same values,
    each distinct text held once; :func:`write_imported` writes them as plain text.
    """
    if kind not in DATASETS:
        raise ImportDataError(f"unknown dataset {kind!r}: use one of {', '.join(DATASETS)}")
    from geo._memory import bulk_arrow_pool

    with bulk_arrow_pool():  # what the mapping frees goes back (geo._memory)
        return _read_blocks(kind, path, workers=workers)


def _read_blocks(
    kind: str,
    path: str | os.PathLike[str],
    *,
    workers: int | None = None,
    block_bytes: int | None = None,
    reader: str = "arrow",
) -> ImportResult:
    from geo.importers._stream import ReadAgain

    try:
        return _read_blocks_with(kind, path, workers, block_bytes, reader)
    except ReadAgain:  # only the Python block reader gives this file's exact lines
        return _read_blocks_with(kind, path, workers, block_bytes, "python")


def _read_blocks_with(
    kind: str,
    path: str | os.PathLike[str],
    workers: int | None,
    block_bytes: int | None,
    reader: str,
) -> ImportResult:
    import pyarrow as pa

    from geo import compact
    from geo.importers import _blocks
    from geo.importers._in_memory import events_from_blocks

    size = block_bytes or BLOCK_BYTES
    problems: list[BadRow] = []
    rows_read = 0
    tables: list[pa.Table] = []
    geo: dict[str, Any] = {}
    plan: compact.TablePlan | None = None  # repeated texts as dictionaries (geo.compact)
    for got in _blocks.mapped_blocks(
        kind, path, block_bytes=size, workers=_workers(path, size, workers), reader=reader
    ):
        problems.extend(got.problems)
        rows_read += got.rows_read
        if not geo:
            geo, schema = got.geo, got.table.schema
        block = _blocks.share_text(_same_schema(got, schema, str(path)))
        del got
        if plan is None and block.num_rows:  # decided on the first block with rows
            plan = compact.table_plan(block)
            tables = [compact.compact_table(t, plan) for t in tables]
        tables.append(compact.compact_table(block, plan) if plan is not None else block)
        del block
    events = events_from_blocks(tables, plan, geo)  # empties ``tables``: held once
    return ImportResult(kind, str(path), events, problems, rows_read)


def _workers(path: str | os.PathLike[str], block_bytes: int, workers: int | None) -> int:
    """Processes for a file: one when it is one block (nothing to share out)."""
    from geo.importers._blocks import default_workers

    try:
        size = Path(path).stat().st_size
    except OSError:
        return 1  # the reader names the problem
    if size <= block_bytes:
        return 1
    return max(1, workers) if workers is not None else default_workers()


def _same_schema(got: Any, schema: Any, origin: str) -> Any:
    """A block's table with the first block's schema (a column of another type fails)."""
    import pyarrow as pa

    try:
        return got.table.replace_schema_metadata(schema.metadata).cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        line = int(got.lines[0]) - 1 if len(got.lines) else 0
        raise ImportDataError(
            f"{origin}: rows after line {line} give columns of "
            f"other types than the rows before ({exc})"
        ) from exc


def _on_disk(table: Any, disk: Any) -> Any:
    """A block as the file holds it (:func:`geo.importers._common.on_disk`), with the
    file's schema: the first block's."""
    from geo.importers import _common as common

    got = common.on_disk(table)
    if not got.schema.equals(disk):  # a field of a claim or source empty until now
        raise AssertionError(
            "a block's claims or sources fill a field the first block left empty "
            f"({got.schema} against {disk}): imports fill the same fields in every row"
        )
    return got


def import_file(
    kind: str,
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    strict: bool = False,
    keep_events: bool = True,
    workers: int | None = None,
) -> ImportResult:
    """Import ``path`` and write the events to ``out`` atomically (GeoParquet by default).

    To GeoParquet the file is read, mapped and written block by block (memory holds a
    few blocks), the blocks mapped on ``workers`` threads (default one; see
    :func:`read_dataset`); ``keep_events=False`` then leaves
    the result's ``events`` empty instead of reading the written file back (``rows_read``,
    ``problems`` and the counts are there).

    Bad rows are left out and listed in the result; with ``strict`` any bad row
    fails the import (every problem of the first class found is listed) and
    nothing is written.
    """
    if kind not in DATASETS:
        raise ImportDataError(f"unknown dataset {kind!r}: use one of {', '.join(DATASETS)}")
    if Path(out).suffix.lower() == ".parquet":
        return _import_streamed(
            kind, path, out, strict=strict, keep_events=keep_events, workers=workers
        )
    result = read_dataset(kind, path, workers=workers)
    _check_strict(result, strict)
    write_imported(result.events, out, meta=_meta(kind, path, result))
    return result


def _check_strict(result: ImportResult, strict: bool) -> None:
    if strict and result.problems:
        first = next(k for k in PROBLEM_KINDS if any(p.kind == k for p in result.problems))
        listed = [p.describe(result.origin) for p in result.problems if p.kind == first]
        others = len(result.problems) - len(listed)
        more = f" (and {others} problem(s) of other classes)" if others else ""
        raise ImportDataError(
            f"{result.origin}: {len(listed)} bad row(s) of class '{first}'{more}; "
            "nothing written (--strict):\n" + "\n".join(listed),
            listed,
        )


def _meta(
    kind: str, path: str | os.PathLike[str], result: ImportResult, events: int | None = None
) -> dict[str, Any]:
    spec = DATASETS[kind]
    return {
        "dataset": kind,
        "title": spec.title,
        "attribution": spec.attribution,
        "licence": spec.licence,
        "source_file": Path(path).name,
        "imported": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows_read": result.rows_read,
        "events": len(result.events) if events is None else events,
        "skipped": result.counts(),
    }


#: Bytes of CSV text read and mapped at a time by an import (whole records); each thread
#: of a pool maps one block at a time.
BLOCK_BYTES = 32 << 20
_PARSE = {"acled": acled.parse_acled, "ucdp": ucdp.parse_ucdp}


def _import_streamed(
    kind: str,
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    strict: bool,
    keep_events: bool,
    block_bytes: int | None = None,
    workers: int | None = 1,
    write_thread: bool = True,
    reader: str = "arrow",
) -> ImportResult:
    """Import to GeoParquet block by block: each block of whole records is read, mapped and
    written as it comes, so memory holds a few blocks, not the file. Lines, duplicate ids
    (across blocks too) and every other rule are those of one pass over the whole file:
    the file written is the same with any block size and any number of ``workers``. It
    goes to a temporary file, renamed only when all is well.

    With ``write_thread`` (the default) the Parquet encoding of the rows mapped so far runs
    on a thread of its own while the next block is mapped
    (:class:`geo.importers._writer.OverlappedWriter`); the file is the same.

    The file is read with Arrow's streaming CSV reader (``reader="arrow"``), or again with
    the Python block reader when only that one gives its exact lines
    (:class:`geo.importers._stream.ReadAgain`: what was written so far is dropped).
    """
    from geo.importers._stream import ReadAgain

    def once(how: str) -> ImportResult:
        return _streamed_once(
            kind, path, out, strict=strict, keep_events=keep_events,
            block_bytes=block_bytes, workers=workers, write_thread=write_thread, reader=how,
        )  # fmt: skip

    try:
        return once(reader)
    except ReadAgain:
        return once("python")


def _streamed_once(
    kind: str,
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    strict: bool,
    keep_events: bool,
    block_bytes: int | None = None,
    workers: int | None = 1,
    write_thread: bool = True,
    reader: str = "arrow",
) -> ImportResult:
    """One import to GeoParquet with the given ``reader`` (see :func:`_import_streamed`)."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from geo._io import atomic_path
    from geo.importers import _blocks
    from geo.importers import _common as common
    from geo.importers._writer import OverlappedWriter

    origin = str(path)
    size = block_bytes or BLOCK_BYTES
    problems: list[BadRow] = []
    rows_read = events = 0
    writer: pq.ParquetWriter | OverlappedWriter | None = None
    schema: pa.Schema | None = None
    disk: pa.Schema | None = None  # the schema of the file (claims without empty fields)
    geo: dict[str, Any] = {}
    bounds: list[float] = []
    types: set[str] = set()
    pending: list[pa.Table] = []
    target = Path(out)
    if target.suffix.lower() not in common.OUTPUT_SUFFIXES:
        raise ImportDataError(
            f"cannot write {target.name!r}: use a .parquet (GeoParquet), .geojson or .gpkg name"
        )

    def flush(final: bool) -> None:
        nonlocal pending
        table = pa.concat_tables(pending) if len(pending) > 1 else pending[0]
        step = common.ROW_GROUP_ROWS
        whole = table.num_rows if final else table.num_rows - table.num_rows % step
        if writer is not None and whole:
            writer.write_table(table.slice(0, whole), row_group_size=step)
        pending = [table.slice(whole)]

    with atomic_path(target) as tmp, _closing(lambda: writer):
        for got in _blocks.mapped_blocks(
            kind, path, block_bytes=size, workers=_workers(path, size, workers), reader=reader
        ):
            problems.extend(got.problems)
            rows_read += got.rows_read
            if strict and problems:
                continue  # nothing will be written: only the problems are still needed
            if schema is None:
                geo = got.geo
                meta = got.table.schema.metadata or {}
                schema = got.table.schema.with_metadata(
                    {key: v for key, v in meta.items() if key not in (b"pandas", b"geo")}
                )
                sample = common.on_disk(got.table.replace_schema_metadata(schema.metadata))
                disk = sample.schema  # the claims and sources as the file holds them
                writer = common.parquet_writer(tmp, disk, sample)
                if write_thread:
                    writer = OverlappedWriter(writer)
            types.update(got.geo["columns"][geo["primary_column"]].get("geometry_types", []))
            table = _on_disk(_same_schema(got, schema, origin), disk)
            if table.num_rows:
                b = common.table_bounds(table)
                bounds = (
                    b
                    if not bounds
                    else [*map(min, bounds[:2], b[:2]), *map(max, bounds[2:], b[2:])]
                )
            events += table.num_rows
            pending.append(table)
            flush(final=False)
            del got, table
        result = ImportResult(kind, origin, _empty_events(), problems, rows_read)
        _check_strict(result, strict)
        assert writer is not None and schema is not None
        flush(final=True)
        column = geo["columns"][geo["primary_column"]]
        column["geometry_types"] = sorted(types)
        if bounds:
            column["bbox"] = bounds
        else:
            column.pop("bbox", None)
        meta_ = _meta(kind, path, result, events=events)
        writer.add_key_value_metadata(
            {
                "geo": json.dumps(geo),
                common.PARQUET_META_KEY.decode(): json.dumps(meta_, ensure_ascii=False),
            }
        )
    if keep_events:
        result.events = common.read_imported(target)
    return result


@contextmanager
def _closing(get: Callable[[], Any]) -> Iterator[None]:
    """Close the Parquet writer ``get()`` gives (if any) however the block ends (a writer on
    its own thread is abandoned when the block failed: what waits is not written)."""
    try:
        yield
    except BaseException:
        writer = get()
        if writer is not None:
            (getattr(writer, "abandon", None) or writer.close)()
        raise
    writer = get()
    if writer is not None:
        writer.close()


def _empty_events() -> Any:
    from geo.importers._common import empty_events

    return empty_events()
