"""The hostile-layer fixture set (tests/hostile/, see its README): each file either fails
validation naming its file (and feature and field where it has them), or works everywhere:
every CLI command, every export and the app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from geo.cli import app
from geo.config import ENV_LAYERS_DIR
from geo.export import FORMATS, SUFFIXES
from geo.layers import validate_paths
from tests.helpers import APP, TIMEOUT, shown

pytestmark = pytest.mark.usefixtures("fresh_caches")

HOSTILE = Path(__file__).resolve().parent / "hostile"
VALID = sorted((HOSTILE / "valid").glob("*.geojson"))
INVALID = sorted((HOSTILE / "invalid").glob("*.geojson"))
CURATED = Path(APP).parent / "layers"
runner = CliRunner()

#: Problems that concern a whole file (it could not be read as a layer at all).
FILE_LEVEL = ("not valid JSON", "not valid UTF-8", "appears twice in one object")


def test_the_fixture_set_is_there() -> None:
    assert [p.name for p in VALID] == ["dates.geojson", "figures.geojson", "text.geojson"]
    assert len(INVALID) == 12


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_an_invalid_file_fails_validation_naming_file_feature_and_field(path: Path) -> None:
    problems = validate_paths([path]).problems
    assert problems
    for problem in problems:
        assert problem.startswith(f"{path}"), problem
        rest = problem[len(str(path)) :]
        if rest.startswith(": "):  # the file as a whole
            assert any(kind in rest for kind in FILE_LEVEL), problem
        else:
            assert rest.startswith(" feature 0 (id "), problem
            assert "): field '" in rest, problem
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "\x1b" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_the_app_shows_the_curated_layers_and_the_invalid_files_errors(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for layer_file in CURATED.glob("*.geojson"):
        shutil.copy(layer_file, tmp_path / layer_file.name)
    shutil.copy(path, tmp_path / path.name)
    monkeypatch.setenv(ENV_LAYERS_DIR, str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    (error,) = at.error
    assert f"{tmp_path.name}/{path.name}" in shown(error.value)
    assert [m.value for m in at.metric if m.label == "Events in view"] == ["18"]


@pytest.fixture(scope="module")
def valid_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-valid")
    for path in VALID:
        shutil.copy(path, folder / path.name)
    return folder


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (args, result.output)
    assert result.exception is None
    return result.output


def test_valid_hostile_files_work_in_every_command(
    valid_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_LAYERS_DIR, str(valid_dir))
    assert _ok(["validate"]).startswith("OK: 3 file(s), 7 event(s)")
    copy = tmp_path / "fmt"
    shutil.copytree(valid_dir, copy)
    _ok(["fmt", str(copy)])
    assert _ok(["validate", str(copy)]).startswith("OK: 3 file(s), 7 event(s)")
    summary = _ok(["summary", "--all"])
    assert "1,000,000,000,000" in summary or "1000000000000" in summary  # the 10**12 range top
    _ok(["join", "-o", str(tmp_path / "joined.gpkg")])
    for fmt in FORMATS:
        out = tmp_path / f"all{SUFFIXES[fmt]}"
        _ok(["export", str(out), "--format", fmt])
        assert out.stat().st_size > 0
    _ok(["figure", str(tmp_path / "map.svg"), "--from", "2020-07-01", "--to", "2020-07-31"])
    svg = (tmp_path / "map.svg").read_text(encoding="utf-8")
    assert "$\\bar$ village" in svg and "&lt;b&gt;Tovuz&lt;/b&gt;" in svg
    _ok(["figure", str(tmp_path / "map.png"), "--dpi", "50"])
    _ok(["handout", str(tmp_path / "handout.html")])
    _ok(["handout", str(tmp_path / "handout.pdf"), "--from", "2020-07-01", "--to", "2020-07-31"])
    page = (tmp_path / "handout.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_valid_hostile_files_work_in_the_app(
    valid_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_LAYERS_DIR, str(valid_dir))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert [m.value for m in at.metric if m.label == "Events in view"] == ["7"]
    page = at.session_state["map_html"]
    assert "<script>alert(1)</script>" not in page
