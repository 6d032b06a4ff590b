"""Shared fixtures: settings pointing at the boundary files, without network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from geo.config import Settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings that read boundary files from ``CONFLICTMAP_BOUNDARIES_DIR``, never download.

    Without that variable the tests that need the real boundaries are skipped
    locally and fail in CI (``CI=true``), so CI can never pass by skipping them.
    """
    s = Settings.from_env().with_(allow_download=False)
    if s.boundaries_dir is None:
        msg = (
            "CONFLICTMAP_BOUNDARIES_DIR is not set: point it at a folder holding the "
            "geoBoundaries files (e.g. ../shared/data/boundaries/geoboundaries)"
        )
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return s
