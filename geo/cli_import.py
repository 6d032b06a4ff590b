"""``conflictmap import acled|ucdp FILE --out PATH``: bring a published dataset into our record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo._errors import ConflictMapError
from geo.cli import _fail, app

import_app = typer.Typer(
    help="Import a published dataset (ACLED, UCDP GED) as GeoParquet, GeoJSON or GeoPackage.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

_FILE_HELP = "The file as published: .csv, .csv.gz or a .zip holding one .csv."
_OUT_HELP = "Output: .parquet (GeoParquet, default), .geojson or .gpkg; written atomically."
_STRICT_HELP = "Fail (writing nothing) if any row is bad, instead of skipping bad rows."
_SHOW = 20


def _run(kind: str, file: Path, out: Path | None, strict: bool) -> None:
    from geo.importers import DATASETS, import_file

    target = out or file.with_name(f"{file.name.split('.')[0]}.parquet")
    try:
        result = import_file(kind, file, target, strict=strict)
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    for line in result.messages()[:_SHOW]:
        typer.echo(line, err=True)
    if len(result.problems) > _SHOW:
        typer.echo(f"... and {len(result.problems) - _SHOW} more problem(s)", err=True)
    counts = ", ".join(f"{k} {v}" for k, v in result.counts().items()) or "none"
    typer.echo(
        f"imported {len(result.events)} of {result.rows_read} {DATASETS[kind].title} row(s) "
        f"from {file} into {target}; skipped {result.skipped} bad row(s) "
        f"(problems by class: {counts})"
    )


@import_app.command("acled")
def import_acled(
    file: Annotated[Path, typer.Argument(help=_FILE_HELP)],
    out: Annotated[Path | None, typer.Option("--out", "-o", help=_OUT_HELP)] = None,
    strict: Annotated[bool, typer.Option("--strict", help=_STRICT_HELP)] = False,
) -> None:
    """Import an ACLED export (export tool, API, or the humanitarian portal's #hashtag file)."""
    _run("acled", file, out, strict)


@import_app.command("ucdp")
def import_ucdp(
    file: Annotated[Path, typer.Argument(help=_FILE_HELP)],
    out: Annotated[Path | None, typer.Option("--out", "-o", help=_OUT_HELP)] = None,
    strict: Annotated[bool, typer.Option("--strict", help=_STRICT_HELP)] = False,
) -> None:
    """Import a UCDP Georeferenced Event Dataset (GED) CSV."""
    _run("ucdp", file, out, strict)


@app.command("datasets")
def datasets() -> None:
    """List the curated layers and the imported datasets of the data folder."""
    from geo.cli import _settings
    from geo.datasets import describe_datasets

    settings = _settings()
    try:
        infos = describe_datasets(settings)
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    typer.echo(f"data folder: {settings.datasets_dir}")
    for d in infos:
        period = f"{d.first_day} to {d.last_day}" if d.first_day else "no events"
        typer.echo(f"{d.name}: {d.title}, {d.events:,} events, {period}; {d.path}")
        typer.echo(f"    {d.attribution}. Licence: {d.licence}")
