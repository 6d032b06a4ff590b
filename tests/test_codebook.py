"""The committed codebook is the one the schema generates."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from geo.cli import app
from geo.codebook import render_codebook

ROOT = Path(__file__).resolve().parent.parent


def test_committed_codebook_matches_schema() -> None:
    committed = (ROOT / "data" / "CODEBOOK.md").read_text(encoding="utf-8")
    assert committed == render_codebook(), "run: conflictmap codebook -o data/CODEBOOK.md"


def test_codebook_documents_every_event_field_and_vocabulary() -> None:
    text = render_codebook()
    for name in ("event_id", "claims", "where_prec", "deaths_best", "included_in"):
        assert f"`{name}`" in text
    assert "**Explosions/Remote violence**: Chemical weapon, Air/drone strike" in text
    assert "`unquantified`" in text


def test_cli_prints_the_codebook() -> None:
    result = CliRunner().invoke(app, ["codebook"])
    assert result.exit_code == 0
    assert result.stdout == render_codebook()
