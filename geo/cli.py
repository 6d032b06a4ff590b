"""The ``conflictmap`` command line: validate, geocode, join, summarise, fetch boundaries."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
import typer

from geo._errors import ConflictMapError
from geo.config import Settings
from geo.period import check_period, parse_day
from geo.text import printable

app = typer.Typer(
    help="Map armed clashes and protests of the Armenia–Azerbaijan conflict.",
    no_args_is_help=True,
    add_completion=False,
)
boundaries_app = typer.Typer(help="Boundary files: fetch and check.", no_args_is_help=True)
app.add_typer(boundaries_app, name="boundaries")


def _settings() -> Settings:
    return Settings.from_env()


def echo(message: object, *, err: bool = False, fg: str | None = None, nl: bool = True) -> None:
    """Print a message with its control characters escaped (see :func:`geo.text.printable`).

    Every message of the command line goes through here, so a hostile value in a layer
    (an ``event_id`` holding terminal escape sequences) cannot forge terminal output.
    """
    typer.secho(printable(str(message)), err=err, fg=fg, nl=nl)


def _fail(exc: Exception) -> typer.Exit:
    echo(str(exc), err=True, fg="red")
    return typer.Exit(code=1)


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


#: ``--from``/``--to`` of every command: a bad day is a usage error (exit code 2).
FromOption = Annotated[
    date | None,
    typer.Option(
        "--from", parser=_parse_day, metavar="YYYY-MM-DD", help="First day (events overlapping)."
    ),
]
ToOption = Annotated[
    date | None,
    typer.Option("--to", parser=_parse_day, metavar="YYYY-MM-DD", help="Last day (inclusive)."),
]


def checked_period(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    """``(start, end)``; a reversed period is a usage error on ``--from`` (exit code 2)."""
    try:
        check_period(start, end)
    except ValueError:
        raise typer.BadParameter(f"{start} is after --to {end}", param_hint="'--from'") from None
    return start, end


def checked_level(level: str, option: str = "--level") -> Literal["region", "district"]:
    """``region`` or ``district``; anything else is a usage error (exit code 2)."""
    if level not in ("region", "district"):
        raise typer.BadParameter(
            f"must be 'region' or 'district', not {level!r}", param_hint=f"'{option}'"
        )
    return "region" if level == "region" else "district"


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Layer files or folders (default: layers/).")
    ] = None,
) -> None:
    """Check layer files; report every problem with file, feature, id and field. Writes nothing."""
    from geo.gazetteer import Gazetteer
    from geo.layers import validate_paths

    settings = _settings()
    report = validate_paths(paths or [settings.layers_dir], gazetteer=Gazetteer.default(settings))
    for problem in report.problems:
        echo(problem, err=True)
    summary = f"{len(report.files)} file(s), {report.events} event(s), {report.claims} claim(s)"
    if report.problems:
        echo(
            f"INVALID: {len(report.problems)} problem(s) in {len(report.files)} file(s); "
            f"{report.events} of {report.features_seen} event(s) passed",
            err=True,
            fg="red",
        )
        raise typer.Exit(code=1)
    echo(f"OK: {summary}")


@app.command()
def fmt(
    paths: Annotated[list[Path] | None, typer.Argument(help="Layer files or folders.")] = None,
    check: Annotated[bool, typer.Option(help="Only report files not in canonical form.")] = False,
) -> None:
    """Rewrite valid layer files in canonical form (stable key order, one feature per block)."""
    from geo.gazetteer import Gazetteer
    from geo.layers import dump_layer, layer_paths, validate_paths, write_layer

    settings = _settings()
    files = layer_paths(paths or [settings.layers_dir])
    report = validate_paths(files, gazetteer=Gazetteer.default(settings))
    if report.problems:
        for problem in report.problems:
            echo(problem, err=True)
        raise typer.Exit(code=1)
    changed = [
        layer for layer in report.layers
        if Path(layer.origin).read_text(encoding="utf-8") != dump_layer(layer)
    ]  # fmt: skip
    for layer in changed:
        if check:
            echo(f"would reformat {layer.origin}")
        else:
            write_layer(layer, layer.origin)
            echo(f"reformatted {layer.origin}")
    if check and changed:
        raise typer.Exit(code=1)


@app.command()
def geocode(
    name: Annotated[str, typer.Argument(help="A place name in any spelling.")],
    country: Annotated[str | None, typer.Option(help="Restrict to ARM or AZE.")] = None,
) -> None:
    """Resolve a place name offline: the match, its precision and its source."""
    from geo.gazetteer import Gazetteer

    try:
        result = Gazetteer.default(_settings()).geocode(name, country=country)
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    echo(result.describe())


def join_single(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output file (.geojson, .gpkg, .csv).")
    ] = Path("joined_events.geojson"),
    paths: Annotated[list[Path] | None, typer.Argument(help="Layer files or folders.")] = None,
) -> None:
    """``conflictmap join`` on this machine (registered with its engines in geo.cli_join).

    The file is the analysts' export of every event (see ``conflictmap export``): a
    GeoPackage, a GeoJSON (claims nested) or a CSV (with claims and sources beside it).
    """
    from geo.dataset import load_dataset
    from geo.export import Format, export_package

    formats: dict[str, Format] = {".geojson": "geojson", ".gpkg": "gpkg", ".csv": "csv"}
    fmt = formats.get(out.suffix.lower())
    if fmt is None:
        raise typer.BadParameter(
            f"cannot write {out.name!r}: use a .geojson, .gpkg or .csv file name",
            param_hint="'--out'",
        )
    settings = _settings()
    try:
        data = load_dataset(settings, paths)
        export_package(data, out, fmt=fmt, settings=settings)
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    methods = data.events["join_method"].value_counts().to_dict()
    echo(f"wrote {len(data.events)} events to {out} (join methods: {methods})")


@app.command()
def summary(
    by: Annotated[str, typer.Option(help="region or district")] = "region",
    from_: FromOption = None,
    to: ToOption = None,
    all_units: Annotated[
        bool, typer.Option("--all", help="List units without events too.")
    ] = False,
) -> None:
    """Print events, deaths (low/best/high) and injured per region or district for a period."""
    from geo.dataset import load_dataset
    from geo.summary import region_summary

    level = checked_level(by, "--by")
    start, end = checked_period(from_, to)
    try:
        data = load_dataset(_settings())
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    table = region_summary(
        data.events, by=level, start=start, end=end, admin=data.admin if all_units else None
    )
    period = f"{start or 'start'} to {end or 'end'}"
    echo(f"Events by {by}, {period} (deaths and injured derived from attributed claims)")
    with pd.option_context("display.max_rows", None, "display.width", 200):
        echo(table.to_string(index=False) if len(table) else "(no events in this period)")


@app.command()
def codebook(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here.")] = None,
) -> None:
    """Print (or write) the codebook generated from the schema."""
    from geo.codebook import render_codebook
    from geo.layers import atomic_write_text

    text = render_codebook()
    if out is None:
        echo(text, nl=False)
    else:
        try:
            atomic_write_text(out, text)
        except ConflictMapError as exc:
            raise _fail(exc) from None
        echo(f"wrote {out}")


@boundaries_app.command("fetch")
def boundaries_fetch() -> None:
    """Download the boundary files from their canonical URLs into the cache, checking sha256."""
    from geo.boundaries import fetch_all

    try:
        paths = fetch_all(_settings())
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    for p in paths:
        echo(f"ok {p}")


@boundaries_app.command("check")
def boundaries_check() -> None:
    """Load the boundary files and report the defects detected and handled."""
    from geo.boundaries import load_admin_units

    try:
        admin = load_admin_units(_settings())
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    echo(f"regions: {len(admin.regions)}, districts: {len(admin.districts)}")
    for d in admin.defects:
        echo(f"- {d}")


def _register_command_modules() -> None:
    """Commands defined next to their feature (exports, browser assets) register on ``app``."""
    import importlib

    modules = ("geo.cli_exports", "geo.cli_figures", "geo.cli_assets", "geo.cli_ingest")
    for module in (*modules, "geo.cli_import", "geo.cli_join"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:  # the feature is not installed in this tree
            if exc.name != module:
                raise


_register_command_modules()

if __name__ == "__main__":  # pragma: no cover
    app()
