"""``conflictmap ingest``, ``accept`` and ``merge``: from an article to reviewed events."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from geo._errors import ConflictMapError
from geo.cli import _fail, _settings, app


def _error(message: str) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(code=1)


@app.command()
def ingest(
    article: Annotated[Path, typer.Argument(help="The article: a UTF-8 text or HTML file.")],
    published: Annotated[
        str, typer.Option("--published", help="Publication date, YYYY-MM-DD (resolves 'Tuesday').")
    ],
    outlet: Annotated[str | None, typer.Option("--outlet", help="Who published it.")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the draft layer here (.geojson).")
    ] = None,
) -> None:
    """Propose candidate events from a news article; writes only the draft, never layers/."""
    from geo.gazetteer import Gazetteer
    from geo.ingest import ArticleMeta, PlaceIndex, extract, read_article, to_draft
    from geo.layers import atomic_write_text

    try:
        day = datetime.strptime(published, "%Y-%m-%d").date()
    except ValueError:
        raise _error(f"--published: {published!r} is not a date like 2023-09-19") from None
    if out is not None and out.suffix.lower() not in (".geojson", ".json"):
        raise _error(f"--out: {out.name!r}: use a .geojson file name")
    settings = _settings()
    try:
        text = read_article(article)
        index = PlaceIndex.default(Gazetteer.default(settings), settings.data_dir)
        found = extract(text, ArticleMeta(day, outlet, article.name), index)
        draft = to_draft(found)
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    for feature in draft["features"]:
        p, c = feature["properties"], feature["candidate"]
        claims = len(p["claims"])
        typer.echo(
            f"{c['id']:>4}  {c['confidence']:.2f}  {p['event_date']}  {p['sub_event_type']:<34} "
            f"{p['location']} [{p.get('place_id', 'no point')}]  {claims} claim(s)"
        )
    extra = draft["draft"].get("claims", [])
    typer.echo(f"{len(draft['features'])} candidate(s), {len(extra)} figure(s) not tied to a place")
    if not draft["features"]:
        raise _error(f"{article}: no candidate events found; nothing written")
    if out is not None:
        try:
            atomic_write_text(out, json.dumps(draft, ensure_ascii=False, indent=2) + "\n")
        except ConflictMapError as exc:
            raise _fail(exc) from exc
        typer.echo(f"wrote {out}")


_PLACE = typer.Option("--place", help="Correct the place: a gazetteer place_id.")
_DATE = typer.Option("--date", help="Correct the event date, YYYY-MM-DD.")
_TYPE = typer.Option("--type", help="Correct the ACLED event type.")
_SUB = typer.Option("--sub-type", help="Correct the ACLED sub-event type.")


@app.command()
def accept(
    draft: Annotated[Path, typer.Argument(help="Draft written by `conflictmap ingest`.")],
    candidate: Annotated[str, typer.Argument(help="Candidate id, e.g. c3.")],
    layer: Annotated[Path, typer.Option("--layer", help="Layer file to add the event to.")],
    event_id: Annotated[str | None, typer.Option("--event-id", help="Id for the event.")] = None,
    place: Annotated[str | None, _PLACE] = None,
    date_: Annotated[str | None, _DATE] = None,
    event_type: Annotated[str | None, _TYPE] = None,
    sub_type: Annotated[str | None, _SUB] = None,
    new_episode: Annotated[
        str | None,
        typer.Option("--new-episode", help="Start a new layer file with this episode title."),
    ] = None,
) -> None:
    """Add a reviewed candidate to a layer (validated, written atomically, nothing lost)."""
    from geo.gazetteer import Gazetteer
    from geo.review import accept as accept_event
    from geo.review import accept_new_layer, corrected, find_candidate, load_draft

    settings = _settings()
    try:
        gazetteer = Gazetteer.default(settings)
        feature = find_candidate(load_draft(draft), candidate, origin=str(draft))
        props, point = corrected(
            feature, gazetteer=gazetteer, place_id=place, event_date=date_,
            event_type=event_type, sub_event_type=sub_type, event_id=event_id,
        )  # fmt: skip
        if point is None:  # pragma: no cover - corrected() refuses a candidate without a point
            raise _error(f"candidate {candidate}: no point")
        if new_episode:
            updated = accept_new_layer(
                props, point, layer, title=new_episode, gazetteer=gazetteer,
                layers_dir=settings.layers_dir,
            )  # fmt: skip
        else:
            updated = accept_event(
                props, point, layer, gazetteer=gazetteer, layers_dir=settings.layers_dir
            )
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    typer.echo(f"added {props.event_id} to {layer} ({len(updated.events)} events)")


@app.command()
def merge(
    draft: Annotated[Path, typer.Argument(help="Draft written by `conflictmap ingest`.")],
    candidate: Annotated[str, typer.Argument(help="Candidate id, e.g. c3.")],
    into: Annotated[str, typer.Option("--into", help="Event id to merge the candidate into.")],
    layer: Annotated[Path, typer.Option("--layer", help="Layer file holding that event.")],
) -> None:
    """Merge a candidate into an existing event: its source and claims are added."""
    from geo.gazetteer import Gazetteer
    from geo.review import corrected, find_candidate, load_draft
    from geo.review import merge as merge_event

    settings = _settings()
    try:
        gazetteer = Gazetteer.default(settings)
        feature = find_candidate(load_draft(draft), candidate, origin=str(draft))
        props, _ = corrected(feature, gazetteer=gazetteer, require_point=False)
        updated = merge_event(props, layer, into, gazetteer=gazetteer)
    except ConflictMapError as exc:
        raise _fail(exc) from exc
    event = next(ev for ev in updated.events if ev.properties.event_id == into)
    typer.echo(
        f"merged {candidate} into {into} in {layer}: {len(event.properties.sources)} source(s), "
        f"{len(event.properties.claims)} claim(s)"
    )
