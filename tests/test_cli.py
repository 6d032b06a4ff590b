"""The foundation commands, run as a user runs them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyogrio
import pytest
from typer.testing import CliRunner

from geo.cli import app
from geo.config import Settings
from tests.factories import claim, event, layer

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_validate_curated_layers_reports_counts() -> None:
    result = runner.invoke(app, ["validate", str(ROOT / "layers")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "OK: 5 file(s), 18 event(s), 44 claim(s)"


def test_validate_broken_layer_exits_non_zero_naming_file_feature_id_field(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        json.dumps(layer(event("bad-1", notes=None), event("bad-2", claims=[claim(source="x")])))
    )
    before = bad.read_bytes()
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad} feature 0 (id bad-1): field 'notes': required field is missing" in (
        result.stderr
    )
    assert f"{bad} feature 1 (id bad-2): field 'claims[0].source': 'x' is not one" in (
        result.stderr
    )
    assert "INVALID: 2 problem(s) in 1 file(s); 0 of 2 event(s) passed" in result.stderr
    assert bad.read_bytes() == before


def test_validate_checks_points_against_the_gazetteer(tmp_path: Path) -> None:
    moved = tmp_path / "moved.geojson"
    geometry = {"type": "Point", "coordinates": [45.6, 40.99]}
    moved.write_text(json.dumps(layer(event("moved-1", geometry=geometry))))
    result = runner.invoke(app, ["validate", str(moved)])
    assert result.exit_code == 1
    assert "is not the sourced point of place 'tovuz' (45.62838, 40.99249)" in result.stderr


def test_fmt_check_flags_non_canonical_files(tmp_path: Path) -> None:
    path = tmp_path / "l.geojson"
    path.write_text(json.dumps(layer()))
    assert runner.invoke(app, ["fmt", "--check", str(path)]).exit_code == 1
    assert runner.invoke(app, ["fmt", str(path)]).exit_code == 0
    assert runner.invoke(app, ["fmt", "--check", str(path)]).exit_code == 0


def test_curated_layers_are_canonical() -> None:
    result = runner.invoke(app, ["fmt", "--check", str(ROOT / "layers")])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Xankəndi", "Stepanakert / Khankendi  [stepanakert_khankendi]"),
        ("Tauz", "Tovuz (town)  [tovuz]"),
        ("Sumgait", "Sumgayit  [sumgayit]"),
    ],
)
def test_geocode_prints_match_precision_and_source(name: str, expected: str) -> None:
    result = runner.invoke(app, ["geocode", name])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(expected)
    assert "precision:" in result.stdout
    assert "GeoNames" in result.stdout


def test_geocode_unknown_and_ambiguous_names_fail_clearly() -> None:
    unknown = runner.invoke(app, ["geocode", "Atlantis"])
    assert unknown.exit_code == 1
    assert "no place matches 'Atlantis'" in unknown.stderr
    ambiguous = runner.invoke(app, ["geocode", "Agdam"])
    assert ambiguous.exit_code == 1
    assert "'Agdam' matches 2 places" in ambiguous.stderr


def test_summary_prints_region_totals_for_a_period(settings: Settings) -> None:
    result = runner.invoke(
        app, ["summary", "--by", "region", "--from", "2020-07-12", "--to", "2020-07-16"]
    )
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()[2:]]
    assert rows == [
        ["ARM", "Tavush", "1", "4", "4", "4", "0", "0"],
        ["AZE", "Baku", "City", "7", "0", "0", "0", "7", "7"],
        ["AZE", "Sumqayit", "City", "1", "0", "0", "0", "0", "0"],
        ["AZE", "Tovuz", "District", "2", "12", "12", "12", "0", "0"],
    ]


def test_summary_rejects_bad_dates(settings: Settings) -> None:
    result = runner.invoke(app, ["summary", "--from", "12 July"])
    assert result.exit_code == 2
    assert "is not a date like 2020-07-12" in result.output


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".csv"])
def test_join_writes_every_event_with_its_region(
    settings: Settings, tmp_path: Path, suffix: str
) -> None:
    """``join`` writes through the one export writer: the same columns in every format."""
    out = tmp_path / f"joined{suffix}"
    result = runner.invoke(app, ["join", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 18 events" in result.stdout
    frame = pyogrio.read_dataframe(out, layer="events") if suffix == ".gpkg" else None
    if frame is None:
        frame = pyogrio.read_dataframe(out)
    assert len(frame) == 18
    row = frame.set_index("event_id").loc["stepanakert-2023-09-19-shelling"]
    assert row.admin1 == "Khankendi City"
    assert row.join_method == "gazetteer"


def test_join_refuses_an_unknown_suffix_before_any_work(tmp_path: Path) -> None:
    result = runner.invoke(app, ["join", "-o", str(tmp_path / "j.txt")])
    assert result.exit_code == 2
    assert "use a .geojson, .gpkg or .csv file name" in " ".join(
        result.output.replace("│", " ").split()
    )
    assert list(tmp_path.iterdir()) == []


def test_writing_into_a_missing_folder_is_a_clear_error(settings: Settings, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "j.geojson"
    result = runner.invoke(app, ["join", "-o", str(target)])
    assert result.exit_code == 1
    assert f"cannot write {target}: folder {target.parent} does not exist" in result.stderr
    assert not target.parent.exists()


def test_writing_into_a_read_only_folder_is_a_clear_error_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import tempfile

    from geo._errors import OutputError
    from geo._io import atomic_write_text

    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    target = tmp_path / "old.txt"
    target.write_text("old")
    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(OutputError, match=f"cannot write {target}: Read-only file system"):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"


def test_failed_write_leaves_the_previous_file_intact(tmp_path: Path) -> None:
    from geo._io import atomic_path

    target = tmp_path / "data.txt"
    target.write_text("previous")
    with pytest.raises(RuntimeError, match="boom"), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["data.txt"]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--region", "Narnia", "unknown region 'Narnia'"),
        ("--region", "Tavushh", "unknown region 'Tavushh'; did you mean 'Tavush'?"),
        ("--episode", "nope", "unknown episode 'nope'"),
        ("--type", "Battle", "unknown event type 'Battle'; did you mean 'Battles'?"),
        ("--country", "XYZ", "unknown country 'XYZ'"),
    ],
)
def test_export_refuses_filters_that_match_nothing(
    settings: Settings, tmp_path: Path, option: str, value: str, message: str
) -> None:
    out = tmp_path / "x.gpkg"
    result = runner.invoke(app, ["export", str(out), option, value])
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert not out.exists()


def test_export_accepts_region_names_in_any_case(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "t.gpkg"
    result = runner.invoke(
        app,
        ["export", str(out), "--region", "tavush", "--from", "2020-07-12", "--to", "2020-07-16"],
    )
    assert result.exit_code == 0, result.output
    assert len(pyogrio.read_dataframe(out, layer="events")) == 1


# --- one convention for every command ------------------------------------------------------

COMMANDS_WITH_A_PERIOD = [
    ["summary"],
    ["export", "x.gpkg"],
    ["figure", "x.png"],
    ["handout", "x.html"],
]


@pytest.mark.parametrize("command", COMMANDS_WITH_A_PERIOD, ids=lambda c: c[0])
def test_a_bad_day_is_the_same_usage_error_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*command, "--from", "2020-07-32"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--from': '2020-07-32' is not a date like 2020-07-12" in " ".join(
        result.stderr.replace("│", " ").split()
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", COMMANDS_WITH_A_PERIOD, ids=lambda c: c[0])
def test_a_reversed_period_is_the_same_usage_error_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*command, "--from", "2020-07-16", "--to", "2020-07-12"])
    assert result.exit_code == 2, result.output
    assert "2020-07-16 is after --to 2020-07-12" in result.stderr


@pytest.mark.parametrize("command", [["export", "x.gpkg"], ["figure", "x.png"]], ids=str)
def test_a_region_typo_gets_the_same_message_everywhere(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*command, "--region", "Tavsh"])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == "unknown region 'Tavsh'; did you mean 'Tavush'?"
    assert list(tmp_path.iterdir()) == []
