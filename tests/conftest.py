"""Shared fixtures: settings pointing at the boundary files, without network."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from geo.config import ENV_BOUNDARIES_DIR, ENV_DATA_DIR, Settings
from geo.dataset import Dataset, load_dataset
from geo.importers import import_file

ROOT = Path(__file__).resolve().parent.parent
#: The local mirror of the boundary files that sits beside every checkout of this project.
SHARED_BOUNDARIES = ROOT.parent / "shared" / "data" / "boundaries" / "geoboundaries"


def pytest_configure(config: pytest.Config) -> None:
    """Without ``CONFLICTMAP_BOUNDARIES_DIR``, use the shared mirror beside the checkout.

    Set for the whole run (the app and CLI tests read it from the environment),
    so a plain ``pytest`` exercises the real boundaries without any download.
    """
    if not os.environ.get(ENV_BOUNDARIES_DIR) and SHARED_BOUNDARIES.is_dir():
        os.environ[ENV_BOUNDARIES_DIR] = str(SHARED_BOUNDARIES)
    # imported datasets: an empty folder of the run's own, never the user's data folder,
    # even when the shell sets one (the README's import steps export it): the tests count
    # the curated events, and a user's imports made 81 of them fail
    os.environ[ENV_DATA_DIR] = tempfile.mkdtemp(prefix="conflictmap-data-")


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings that read boundary files from ``CONFLICTMAP_BOUNDARIES_DIR``, never download.

    Without that variable (and without the shared mirror, see ``pytest_configure``)
    the tests that need the real boundaries are skipped locally and fail in CI
    (``CI=true``), so CI can never pass by skipping them.
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


@pytest.fixture
def fresh_caches(settings: Settings) -> Iterator[None]:
    """Each AppTest starts from empty caches (``settings`` makes sure boundaries are set)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def imported_test_data(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The ACLED and UCDP test files (``tests/data/importers``) imported and loaded beside
    the curated layers, once per run. Shared: read it, never change it."""
    data = Path(__file__).parent / "data" / "importers"
    out = tmp_path_factory.mktemp("imported")
    import_file("acled", data / "acled_export.csv", out / "acled.parquet")
    import_file("ucdp", data / "ucdp_ged.csv", out / "ucdp.parquet")
    return load_dataset(settings.with_(datasets_dir=out))
