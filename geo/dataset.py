"""The whole dataset in one call: validated layers, joined to boundaries, with episode info."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geo._errors import ValidationError
from geo.boundaries import AdminUnits, load_admin_units
from geo.config import Settings
from geo.gazetteer import Gazetteer
from geo.join import join_events
from geo.layers import episodes_frame, layers_to_frame, validate_paths


@dataclass(frozen=True)
class Dataset:
    """Events joined to their admin units, the episodes, and the units themselves."""

    events: gpd.GeoDataFrame
    episodes: pd.DataFrame
    admin: AdminUnits


def load_events_checked(
    settings: Settings, paths: Iterable[str | os.PathLike[str]] | None = None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Validate and load the layers (default: ``settings.layers_dir``) with the gazetteer."""
    gazetteer = Gazetteer.default(settings)
    report = validate_paths(paths or [settings.layers_dir], gazetteer=gazetteer)
    if report.problems:
        raise ValidationError(report.problems)
    return layers_to_frame(report.layers, gazetteer=gazetteer), episodes_frame(report.layers)


def load_dataset(
    settings: Settings, paths: Iterable[str | os.PathLike[str]] | None = None
) -> Dataset:
    """Load, validate and join every layer. Reads boundary files (see :mod:`geo.boundaries`)."""
    events, episodes = load_events_checked(settings, paths)
    admin = load_admin_units(settings)
    from geo.datasets import with_imported  # the data folder's imported datasets, if any

    return with_imported(Dataset(join_events(events, admin), episodes, admin), settings)
