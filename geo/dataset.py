"""The whole dataset in one call: validated layers, joined to boundaries, with episode info."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import pandas as pd

from geo._errors import BoundaryDataError, ValidationError
from geo.boundaries import AdminUnits, load_admin_units
from geo.boundaries import attribution as boundaries_attribution
from geo.config import Settings
from geo.gazetteer import Gazetteer
from geo.join import JOIN_COLUMNS, join_events
from geo.layers import episodes_frame, layers_to_frame, validate_paths

Boundaries = Literal["required", "optional"]
Invalid = Literal["raise", "skip"]


@dataclass(frozen=True)
class Dataset:
    """Events joined to their admin units, the episodes, and the units themselves.

    ``admin`` is ``None`` when the boundaries could not be loaded and the dataset
    was loaded with ``boundaries="optional"``: the events then carry the join
    columns empty (no region, no district), ``boundary_problem`` says why, and
    whatever needs the boundaries (region totals per unit, figures, handouts)
    says so with :meth:`require_admin`.
    """

    events: gpd.GeoDataFrame
    episodes: pd.DataFrame
    admin: AdminUnits | None
    boundary_problem: str | None = None
    #: The boundaries' attribution line ('' when their manifest cannot be read).
    attribution: str = ""
    #: Problems of the layer files left out (loaded with ``invalid="skip"``); empty otherwise.
    layer_problems: tuple[str, ...] = ()

    def require_admin(self, what: str) -> AdminUnits:
        """The admin units, or :class:`BoundaryDataError` saying ``what`` needs them."""
        if self.admin is None:
            raise BoundaryDataError(
                f"{what} needs the boundaries, which could not be loaded: {self.boundary_problem}"
            )
        return self.admin


def load_events_checked(
    settings: Settings, paths: Iterable[str | os.PathLike[str]] | None = None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Validate and load the layers (default: ``settings.layers_dir``) with the gazetteer."""
    events, episodes, _ = _load_events(settings, paths, invalid="raise")
    return events, episodes


def _load_events(
    settings: Settings, paths: Iterable[str | os.PathLike[str]] | None, *, invalid: Invalid
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, tuple[str, ...]]:
    """Events, episodes and the problems of the files left out.

    With ``invalid="raise"`` any problem raises :class:`ValidationError`; with ``"skip"``
    every file without problems is loaded, and only a set with no valid file raises.
    """
    gazetteer = Gazetteer.default(settings)
    report = validate_paths(paths or [settings.layers_dir], gazetteer=gazetteer)
    layers = report.valid_layers() if invalid == "skip" else report.layers
    if report.problems and (invalid == "raise" or not layers):
        raise ValidationError(report.problems)
    frame = layers_to_frame(layers, gazetteer=gazetteer)
    return frame, episodes_frame(layers), tuple(report.problems)


def load_dataset(
    settings: Settings,
    paths: Iterable[str | os.PathLike[str]] | None = None,
    *,
    boundaries: Boundaries = "required",
    invalid: Invalid = "raise",
) -> Dataset:
    """Load, validate and join every layer. Reads boundary files (see :mod:`geo.boundaries`).

    With ``boundaries="optional"``, boundary files that cannot be loaded (missing,
    no network, bad checksum) leave the events unjoined instead of failing; the
    returned dataset's ``admin`` is ``None`` and ``boundary_problem`` says why.
    Invalid layers raise :class:`ValidationError`; with ``invalid="skip"`` the valid
    layer files are loaded and ``layer_problems`` lists the problems of the others (it
    still raises when no file is valid).
    """
    if boundaries not in ("required", "optional"):
        raise ValueError(f"boundaries must be 'required' or 'optional', got {boundaries!r}")
    if invalid not in ("raise", "skip"):
        raise ValueError(f"invalid must be 'raise' or 'skip', got {invalid!r}")
    events, episodes, problems = _load_events(settings, paths, invalid=invalid)
    from geo.datasets import with_imported  # the data folder's imported datasets, if any

    try:
        credit = boundaries_attribution(settings)
    except BoundaryDataError:
        if boundaries == "required":
            raise
        credit = ""
    try:
        admin = load_admin_units(settings)
    except BoundaryDataError as exc:
        if boundaries == "required":
            raise
        for column in JOIN_COLUMNS:
            events[column] = None
        return with_imported(Dataset(events, episodes, None, str(exc), credit, problems), settings)
    joined = Dataset(join_events(events, admin), episodes, admin, None, credit, problems)
    return with_imported(joined, settings)
