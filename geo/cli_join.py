"""``conflictmap join --engine dask``: the join on a dask cluster over partitioned GeoParquet.

``--engine single`` (the default) writes the analysts' export of every event
(:func:`geo.cli.join_single`); ``dask`` joins a GeoParquet
dataset (file or folder) with :mod:`geo.join_dask` and writes partitioned GeoParquet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo import cli
from geo._errors import ConflictMapError
from geo.cli import _fail, _settings, app

_single_join = cli.join_single


@app.command("join")
def join(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Output file (.geojson, .gpkg, .csv); with --engine dask a new folder for "
            "partitioned GeoParquet.",
        ),
    ] = Path("joined_events.geojson"),
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Layer files or folders; with --engine dask one GeoParquet dataset."),
    ] = None,
    engine: Annotated[str, typer.Option(help="single (this machine) or dask.")] = "single",
    scheduler: Annotated[
        str | None,
        typer.Option(help="dask.distributed scheduler address; default a local 2-worker cluster."),
    ] = None,
    partitions: Annotated[
        int | None, typer.Option(help="Partitions of a single input file (dask).")
    ] = None,
) -> None:
    """Join events to their region and district and write them, with join method and distance."""
    if engine == "single":
        if scheduler or partitions:
            raise typer.BadParameter("only with --engine dask", param_hint="--scheduler")
        _single_join(out=out, paths=paths)
        return
    if engine != "dask":
        raise typer.BadParameter(f"{engine!r}: use single or dask", param_hint="--engine")
    if not paths or len(paths) != 1:
        raise typer.BadParameter(
            "give one GeoParquet dataset (a file from 'conflictmap import', or a folder)",
            param_hint="PATHS",
        )
    from geo.boundaries import load_admin_units
    from geo.join_dask import join_dask

    try:
        admin = load_admin_units(_settings())
        target = join_dask(paths[0], out, admin, scheduler=scheduler, npartitions=partitions)
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    typer.echo(f"wrote partitioned GeoParquet to {target}")
