"""The ``conflictmap export`` command: write everything, or what a view shows, for analysts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer

from geo._errors import ConflictMapError
from geo.cli import FromOption, ToOption, _fail, _settings, app, checked_level, checked_period, echo
from geo.export import FORMATS, SUFFIXES, Format, export_package
from geo.view import MEASURES, View, resolve_view

_BY_SUFFIX = {suffix: fmt for fmt, suffix in SUFFIXES.items()}


@app.command()
def export(
    out: Annotated[
        Path,
        typer.Argument(help="Output file: .gpkg (default format), .geojson, .csv, .kml or .zip."),
    ] = Path("conflictmap_events.gpkg"),
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help=f"One of {', '.join(FORMATS)}; default: from OUT's suffix."
        ),
    ] = None,
    from_: FromOption = None,
    to: ToOption = None,
    episodes: Annotated[
        list[str] | None, typer.Option("--episode", help="Only this episode (repeatable).")
    ] = None,
    types: Annotated[
        list[str] | None, typer.Option("--type", help="Only this ACLED event type (repeatable).")
    ] = None,
    countries: Annotated[
        list[str] | None, typer.Option("--country", help="Only ARM or AZE (repeatable).")
    ] = None,
    actors: Annotated[
        list[str] | None, typer.Option("--actor", help="Only events with this actor (repeatable).")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="Only events joined to this region (or district).")
    ] = None,
    level: Annotated[
        str, typer.Option(help="region or district: what --region names and what is summed.")
    ] = "region",
    precise_only: Annotated[
        bool, typer.Option("--precise-only", help="Only events placed at their own town.")
    ] = False,
    measure: Annotated[
        str, typer.Option(help=f"Colour regions by: {', '.join(MEASURES)}.")
    ] = "events",
    bundle: Annotated[
        list[str] | None,
        typer.Option("--bundle", help="Formats inside a .zip (repeatable; default: all four)."),
    ] = None,
) -> None:
    """Export events with their claims, sources and admin units (QGIS-ready GeoPackage etc.).

    Filters are the map's: an event is in the period when its date range overlaps
    --from..--to. The GeoPackage opens in QGIS with styles, temporal settings and a
    project; README.txt inside a .zip lists licences and attribution.
    """
    from geo.dataset import load_dataset

    chosen = fmt or _BY_SUFFIX.get(out.suffix.lower())
    if chosen not in FORMATS:
        raise typer.BadParameter(
            f"cannot tell the format of {out.name!r}; use --format {'/'.join(FORMATS)}",
            param_hint="--format",
        )
    level = checked_level(level)
    if measure not in MEASURES:
        raise typer.BadParameter(f"must be one of {', '.join(MEASURES)}", param_hint="--measure")
    start, end = checked_period(from_, to)
    view = View(
        start=start,
        end=end,
        episodes=tuple(episodes or ()),
        event_types=tuple(types or ()),
        actors=tuple(actors or ()),
        countries=tuple(countries or ()),
        region=region,
        level=level,
        precise_only=precise_only,
        measure=measure,
    )
    settings = _settings()
    fmt_checked = cast(Format, chosen)
    try:
        data = load_dataset(settings)
        admin = data.require_admin("Exporting")
        units = admin.districts if level == "district" else admin.regions
        view = resolve_view(view, data.events, unit_names=units[level])
        path = export_package(
            data,
            out,
            fmt=fmt_checked,
            view=None if view == View(measure=measure) else view,
            measure=measure,
            settings=settings,
            bundle=tuple(bundle or ("gpkg", "geojson", "csv", "kml")),
        )
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    echo(f"wrote {path} ({chosen})")
