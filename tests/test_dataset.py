"""A dataset without boundaries is a Core notion: loaded, exported and refused alike everywhere."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from geo._errors import BoundaryDataError
from geo.config import Settings
from geo.dataset import load_dataset
from geo.export import export_bytes
from geo.figure import figure_bytes
from geo.handout import handout_bytes
from geo.join import JOIN_COLUMNS
from geo.view import View


@pytest.fixture
def no_boundaries(tmp_path: Path) -> Settings:
    """The curated layers, with an empty boundary folder and no download allowed."""
    return Settings.from_env({}).with_(
        boundaries_dir=tmp_path, allow_download=False, cache_dir=tmp_path / "cache"
    )


def test_required_boundaries_fail_with_the_reason(no_boundaries: Settings) -> None:
    with pytest.raises(BoundaryDataError):
        load_dataset(no_boundaries)


def test_optional_boundaries_leave_events_unjoined_and_say_why(no_boundaries: Settings) -> None:
    data = load_dataset(no_boundaries, boundaries="optional")
    assert data.admin is None
    assert data.boundary_problem
    assert len(data.events) == 18
    for column in JOIN_COLUMNS:
        assert data.events[column].isna().all(), column


def test_exports_work_without_boundaries(no_boundaries: Settings) -> None:
    data = load_dataset(no_boundaries, boundaries="optional")
    payload = export_bytes(data, fmt="zip", settings=no_boundaries, bundle=("csv",))
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        names = zf.namelist()
        events_csv = next(n for n in names if n.endswith("events.csv"))
        rows = list(csv.DictReader(io.StringIO(zf.read(events_csv).decode("utf-8"))))
    assert len(rows) == 18
    assert {row["admin1"] for row in rows} == {""}


def test_print_outputs_say_they_need_the_boundaries(no_boundaries: Settings) -> None:
    data = load_dataset(no_boundaries, boundaries="optional")
    with pytest.raises(BoundaryDataError, match="A printed map needs the boundaries"):
        figure_bytes(data, View(), fmt="png")
    with pytest.raises(BoundaryDataError, match="A handout needs the boundaries"):
        handout_bytes(data, View())


def test_boundaries_must_be_required_or_optional(no_boundaries: Settings) -> None:
    with pytest.raises(ValueError, match="boundaries must be 'required' or 'optional'"):
        load_dataset(no_boundaries, boundaries="maybe")  # type: ignore[arg-type]
