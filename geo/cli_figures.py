"""``conflictmap figure`` and ``conflictmap handout``: printable maps and handouts of a view."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo._errors import ConflictMapError
from geo.cli import FromOption, ToOption, _fail, _settings, app, checked_level, checked_period, echo

_REGION_HELP = (
    "Region, district or country as named in the boundary data (case-insensitive), "
    "e.g. Tavush, 'Tovuz District'. Default: both countries."
)


_LEVEL_HELP = (
    "Look the name up among regions first (region) or districts first (district); "
    "Armenia has a marz and a former raion both called Tavush."
)


def _check_suffix(out: Path, allowed: tuple[str, ...]) -> None:
    if out.suffix.lower().lstrip(".") not in allowed:
        names = ", ".join(f".{a}" for a in allowed)
        raise typer.BadParameter(
            f"{out}: unknown output format {out.suffix or '(no suffix)'!r}; use {names}",
            param_hint="'OUT'",
        )


@app.command()
def figure(
    out: Annotated[Path, typer.Argument(help="Output file: .png, .pdf or .svg.")],
    region: Annotated[str | None, typer.Option("--region", help=_REGION_HELP)] = None,
    from_: FromOption = None,
    to: ToOption = None,
    title: Annotated[str | None, typer.Option("--title", help="Replace the default title.")] = None,
    level: Annotated[str, typer.Option("--level", help=_LEVEL_HELP)] = "region",
    dpi: Annotated[int, typer.Option("--dpi", min=50, max=600, help="PNG resolution.")] = 200,
) -> None:
    """Draw a printable map of a region and period (no basemap tiles, works offline)."""
    from geo.dataset import load_dataset
    from geo.figure import FORMATS, make_figure
    from geo.view import View

    _check_suffix(out, FORMATS)
    start, end = checked_period(from_, to)
    view = View(start=start, end=end, region=region, level=checked_level(level))
    settings = _settings()
    try:
        data = load_dataset(settings)
        make_figure(data, view, out, title=title, dpi=dpi, settings=settings)
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    echo(f"wrote {out}")


@app.command()
def handout(
    out: Annotated[Path, typer.Argument(help="Output file: .html (self-contained) or .pdf.")],
    region: Annotated[str | None, typer.Option("--region", help=_REGION_HELP)] = None,
    from_: FromOption = None,
    to: ToOption = None,
    title: Annotated[str | None, typer.Option("--title", help="Replace the default title.")] = None,
    level: Annotated[str, typer.Option("--level", help=_LEVEL_HELP)] = "region",
) -> None:
    """Write a handout: the map, the events with every attributed claim, and the credits."""
    from geo.dataset import load_dataset
    from geo.handout import make_handout
    from geo.view import View

    _check_suffix(out, ("html", "htm", "pdf"))
    start, end = checked_period(from_, to)
    view = View(start=start, end=end, region=region, level=checked_level(level))
    settings = _settings()
    try:
        data = load_dataset(settings)
        make_handout(data, view, out, title=title, settings=settings)
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    echo(f"wrote {out}")
