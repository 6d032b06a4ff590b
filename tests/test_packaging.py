"""Packaging: every package under geo/ is in the wheel, with the shipped data and layers."""

from __future__ import annotations

import tomllib
from pathlib import Path

from geo.config import PROJECT_ROOT, SHIPPED_DIR, Settings, shipped

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def test_every_package_under_geo_is_listed() -> None:
    found = {
        ".".join(init.parent.relative_to(PROJECT_ROOT).parts)
        for init in (PROJECT_ROOT / "geo").rglob("__init__.py")
    }
    assert found <= set(SETUPTOOLS["packages"]), found - set(SETUPTOOLS["packages"])


def test_the_wheel_ships_the_data_and_layers_folders() -> None:
    mapping = SETUPTOOLS["package-dir"]
    assert mapping == {"geo._shipped.data": "data", "geo._shipped.layers": "layers"}
    data = SETUPTOOLS["package-data"]
    for package, folder in mapping.items():
        files = sorted(
            p.name
            for p in (PROJECT_ROOT / folder).iterdir()
            if p.is_file() and any(p.match(glob) for glob in data[package])
        )
        tracked = sorted(
            p.name for p in (PROJECT_ROOT / folder).iterdir() if p.is_file() and p.name[0] != "."
        )
        assert files == tracked, f"{folder}/ files not shipped: {set(tracked) - set(files)}"


def test_a_checkout_reads_its_own_folders() -> None:
    assert not SHIPPED_DIR.exists()  # only a built wheel has it
    assert shipped("layers") == PROJECT_ROOT / "layers"
    settings = Settings()
    assert settings.data_dir == PROJECT_ROOT / "data"
    assert settings.layers_dir == PROJECT_ROOT / "layers"
    assert settings.static_dir == PROJECT_ROOT / "static"


def test_static_dir_can_be_set(tmp_path: Path) -> None:
    settings = Settings.from_env({"CONFLICTMAP_STATIC_DIR": str(tmp_path)})
    assert settings.static_dir == tmp_path
