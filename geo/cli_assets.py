"""The ``conflictmap assets`` command: prepare and verify the map's offline browser libraries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo.cli import _fail, _settings, app, echo
from geo.render.assets import (
    AssetError,
    cache_root,
    check_assets,
    load_manifest,
    prepare_assets,
    publish_assets,
    vendor_path,
)


@app.command()
def assets(
    check: Annotated[
        bool,
        typer.Option("--check", help="Only verify the cache and static/vendor; fetch nothing."),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Fetch every package again even if it verifies.")
    ] = False,
    vendor_dir: Annotated[
        Path | None,
        typer.Option(help="Folder Streamlit serves the copies from (default: static/vendor)."),
    ] = None,
) -> None:
    """Fetch the map's pinned JavaScript/CSS with npm, check sha256, and serve them locally.

    Packages and hashes are listed in data/assets.json; the files are kept in the cache
    and copied to static/vendor/, which the app serves at /app/static/vendor/.
    """
    settings = _settings()
    vendor_dir = vendor_dir or vendor_path(settings)
    try:
        if check:
            problems = check_assets(settings, vendor_dir=vendor_dir)
            for problem in problems:
                echo(problem, err=True)
            manifest = load_manifest(settings)
            files = sum(len(p.files) for p in manifest.packages)
            if problems:
                echo(
                    f"NOT READY: {len(problems)} problem(s); run `conflictmap assets`",
                    err=True,
                    fg="red",
                )
                raise typer.Exit(code=1)
            echo(
                f"OK: {len(manifest.packages)} package(s), {files} file(s) verified in "
                f"{cache_root(settings)} and {vendor_dir}; {len(manifest.urls)} CDN URL(s) "
                "served locally"
            )
            return
        prepare_assets(settings, force=force, progress=echo)
        publish_assets(settings, vendor_dir=vendor_dir, progress=echo)
    except AssetError as exc:
        raise _fail(exc) from exc
    echo(f"OK: the map's CDN files are served from {vendor_dir}")
