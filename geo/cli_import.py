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
_LINK_HELP = (
    "Propose links between the imported events and the curated layers and the data folder's "
    "datasets (added to links.csv in the data folder)."
)
_WORKERS_HELP = (
    "Threads that map blocks of the file at once (default 1; the Parquet file is encoded on "
    "a thread of its own either way). The result is the same with any number."
)
_SHOW = 20
_LINK_COLUMNS = [
    "event_id", "dataset", "country", "date_start", "date_end", "event_date", "event_type",
    "where_prec", "geometry",
]  # fmt: skip


def _run(
    kind: str,
    file: Path,
    out: Path | None,
    strict: bool,
    link: bool = True,
    workers: int | None = None,
) -> None:
    from geo.importers import DATASETS, import_file

    target = out or file.with_name(f"{file.name.split('.')[0]}.parquet")
    try:
        result = import_file(kind, file, target, strict=strict, keep_events=False, workers=workers)
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    imported = result.rows_read - result.skipped  # every row is imported or reported
    for line in result.messages()[:_SHOW]:
        typer.echo(line, err=True)
    if len(result.problems) > _SHOW:
        typer.echo(f"... and {len(result.problems) - _SHOW} more problem(s)", err=True)
    counts = ", ".join(f"{k} {v}" for k, v in result.counts().items()) or "none"
    typer.echo(
        f"imported {imported} of {result.rows_read} {DATASETS[kind].title} row(s) "
        f"from {file} into {target}; skipped {result.skipped} bad row(s) "
        f"(problems by class: {counts})"
    )
    if link:
        events = result.events
        if target.suffix.lower() == ".parquet":  # streamed: read back only what linking needs
            from geo.importers._common import read_imported_rows

            events = read_imported_rows(target, 0, imported, columns=_LINK_COLUMNS)
        _link_new(events, target)


def _link_new(new: object, target: Path) -> None:
    """Propose links between freshly imported events and everything already loaded."""
    import geopandas as gpd
    import pandas as pd

    from geo.cli import _settings
    from geo.dataset import load_events_checked
    from geo.datasets import CURATED, imported_files
    from geo.importers._common import read_imported
    from geo.link import links_path, merge_proposals, propose_links, read_links, write_links

    settings = _settings()
    try:
        curated, _ = load_events_checked(settings)
        curated.insert(0, "dataset", CURATED)
        others = [
            read_imported(p) for p in imported_files(settings) if p.resolve() != target.resolve()
        ]
        assert isinstance(new, gpd.GeoDataFrame)
        columns = ["dataset", "country", "date_start", "date_end", "event_date", "event_type"]
        columns += ["where_prec", "geometry"]
        frames = [f[columns] for f in (curated, *others)]
        everything = gpd.GeoDataFrame(pd.concat([*frames, new[columns]]), crs=4326)
        proposals = propose_links(everything, new=new.index)
        path = links_path(settings.datasets_dir)
        if len(proposals):
            settings.datasets_dir.mkdir(parents=True, exist_ok=True)
            write_links(merge_proposals(read_links(path), proposals), path)
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    typer.echo(f"{len(proposals)} link proposal(s) with other datasets, in {path}")


@import_app.command("acled")
def import_acled(
    file: Annotated[Path, typer.Argument(help=_FILE_HELP)],
    out: Annotated[Path | None, typer.Option("--out", "-o", help=_OUT_HELP)] = None,
    strict: Annotated[bool, typer.Option("--strict", help=_STRICT_HELP)] = False,
    link: Annotated[bool, typer.Option(help=_LINK_HELP)] = True,
    workers: Annotated[int | None, typer.Option(min=1, help=_WORKERS_HELP)] = None,
) -> None:
    """Import an ACLED export (export tool, API, or the humanitarian portal's #hashtag file)."""
    _run("acled", file, out, strict, link, workers)


@import_app.command("ucdp")
def import_ucdp(
    file: Annotated[Path, typer.Argument(help=_FILE_HELP)],
    out: Annotated[Path | None, typer.Option("--out", "-o", help=_OUT_HELP)] = None,
    strict: Annotated[bool, typer.Option("--strict", help=_STRICT_HELP)] = False,
    link: Annotated[bool, typer.Option(help=_LINK_HELP)] = True,
    workers: Annotated[int | None, typer.Option(min=1, help=_WORKERS_HELP)] = None,
) -> None:
    """Import a UCDP Georeferenced Event Dataset (GED) CSV."""
    _run("ucdp", file, out, strict, link, workers)


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
        typer.echo(f"    {d.attribution.rstrip('.')}. Licence: {d.licence}")  # "et al." ends it


@app.command("link")
def link(
    accept: Annotated[
        tuple[str, str] | None, typer.Option(help="Accept the link between two event ids.")
    ] = None,
    reject: Annotated[
        tuple[str, str] | None, typer.Option(help="Reject the link between two event ids.")
    ] = None,
    min_score: Annotated[float, typer.Option(help="Leave out weaker proposals.")] = 0.0,
) -> None:
    """Propose links between events of different datasets (same clash), or decide one.

    Proposals go to links.csv in the data folder; an accepted link shows both
    events' claims side by side and counts the pair once.
    """
    from geo.cli import _settings
    from geo.dataset import load_dataset
    from geo.link import decide, links_path, merge_proposals, propose_links, read_links, write_links

    settings = _settings()
    path = links_path(settings.datasets_dir)
    try:
        if accept or reject:
            a, b = accept or reject  # type: ignore[misc]
            links = decide(read_links(path), a, b, "accepted" if accept else "rejected")
            write_links(links, path)
            typer.echo(f"{'accepted' if accept else 'rejected'} the link {a} - {b} in {path}")
            return
        data = load_dataset(settings)
        proposals = propose_links(data.events, min_score=min_score)
        settings.datasets_dir.mkdir(parents=True, exist_ok=True)
        links = merge_proposals(read_links(path), proposals)
        write_links(links, path)
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    typer.echo(f"{len(proposals)} link proposal(s); links file {path}")
    for row in proposals.head(_SHOW).itertuples(index=False):
        typer.echo(
            f"  {row.event_a} ({row.dataset_a}) ~ {row.event_b} ({row.dataset_b}): "
            f"{row.distance_km} km, score {row.score}"
        )
