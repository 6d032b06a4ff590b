"""Importers of published conflict-event datasets (ACLED, UCDP GED) into our record."""

from __future__ import annotations

import os
from collections.abc import Callable
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


def read_dataset(kind: str, path: str | os.PathLike[str]) -> ImportResult:
    """Read and map one file of a known dataset (``acled`` or ``ucdp``)."""
    if kind not in DATASETS:
        raise ImportDataError(f"unknown dataset {kind!r}: use one of {', '.join(DATASETS)}")
    return DATASETS[kind].read(path)


def import_file(
    kind: str,
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    strict: bool = False,
) -> ImportResult:
    """Import ``path`` and write the events to ``out`` atomically (GeoParquet by default).

    Bad rows are left out and listed in the result; with ``strict`` any bad row
    fails the import (every problem of the first class found is listed) and
    nothing is written.
    """
    result = read_dataset(kind, path)
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
    spec = DATASETS[kind]
    meta: dict[str, Any] = {
        "dataset": kind,
        "title": spec.title,
        "attribution": spec.attribution,
        "licence": spec.licence,
        "source_file": Path(path).name,
        "imported": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows_read": result.rows_read,
        "events": len(result.events),
        "skipped": result.counts(),
    }
    write_imported(result.events, out, meta=meta)
    return result
