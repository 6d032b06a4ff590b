"""The Streamlit settings the page's load time depends on (.streamlit/config.toml; issue 9)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from streamlit import config as st_config

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".streamlit" / "config.toml"


def _settings() -> dict[str, object]:
    with CONFIG.open("rb") as f:
        parsed = tomllib.load(f)
    return {f"{section}.{k}": v for section, keys in parsed.items() for k, v in keys.items()}


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("server.fileWatcherType", "none"),  # no folder walk per new session
        ("runner.postScriptGC", False),  # no full collection as the map's frame loads
        ("runner.magicEnabled", False),  # no syntax-tree pass when compiling app.py
        ("server.enableStaticServing", True),  # the map's libraries and data files
    ],
)
def test_the_server_is_configured_for_a_fast_first_page(option: str, value: object) -> None:
    settings = _settings()
    assert settings[option] == value
    # a real Streamlit option of the same type (a misspelt key is silently ignored)
    default = st_config._config_options_template[option].default_val
    assert type(default) is type(value)


def test_readers_get_the_viewers_toolbar() -> None:
    """No "Deploy" button or developer menu on a page that is projected and printed."""
    assert _settings()["client.toolbarMode"] == "viewer"
    assert "viewer" in st_config._config_options_template["client.toolbarMode"].description


def test_every_setting_is_a_streamlit_option() -> None:
    unknown = sorted(set(_settings()) - set(st_config._config_options_template))
    assert unknown == []


def test_the_app_writes_nothing_by_magic() -> None:
    """With ``runner.magicEnabled = false`` a bare expression in app.py would silently
    stop being shown: there must be none (calls and docstrings are never "magic")."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    blocks = [
        (parent, body)
        for parent in ast.walk(tree)
        for field in ("body", "orelse", "finalbody")
        if isinstance(body := getattr(parent, field, None), list)
    ]
    bare = [
        node.lineno
        for parent, body in blocks
        for i, node in enumerate(body)
        if isinstance(node, ast.Expr)
        and not isinstance(node.value, ast.Call | ast.Yield | ast.YieldFrom | ast.Await)
        and not (
            i == 0
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            and isinstance(parent, ast.Module | ast.FunctionDef | ast.ClassDef)
        )
    ]
    assert bare == []
