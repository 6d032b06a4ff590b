"""The claims table under a chosen region: the first claims of its events, and how many
there are in all (built from the view, not from every event id of the region)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.config import ENV_DATA_DIR, Settings
from geo.dataset import load_dataset
from geo.export import claims_table
from geo.importers import import_file
from geo.rows import list_lengths
from geo.view import View, apply_view
from tests.helpers import shown

DATA = Path(__file__).parent / "data" / "importers"
APP = str(Path(__file__).parent.parent / "app.py")
ROWS = 300  # at Movses (Tavush); every fourth without a figure: 225 claims


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("claims")
    raw = pd.read_csv(DATA / "acled_export.csv", dtype=str, keep_default_na=False)
    row = raw[raw["event_id_cnty"] == "ARM9001"].iloc[0]
    many = pd.DataFrame([row] * ROWS).reset_index(drop=True)
    many["event_id_cnty"] = [f"ARM7{k:03d}" for k in range(ROWS)]
    many["fatalities"] = ["" if k % 4 == 0 else str(k % 7) for k in range(ROWS)]
    many.to_csv(tmp / "acled.csv", index=False)
    out = tmp / "data"
    out.mkdir()
    import_file("acled", tmp / "acled.csv", out / "acled.parquet")
    return out


def test_the_first_200_claims_of_the_region_and_their_number(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, fresh_caches: None
) -> None:
    data = load_dataset(settings.with_(datasets_dir=folder))
    events = apply_view(data.events, View(region="Tavush"))
    every = claims_table(events)  # the whole table, as it was built before
    total = int(list_lengths(events["claims"]).sum())
    assert total == len(every) > 200
    assert (events["episode"] == "acled").sum() == ROWS

    monkeypatch.setenv(ENV_DATA_DIR, str(folder))
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["region"] = "Tavush"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (table,) = [t.value for t in at.table if "Claimant" in t.value.columns]
    assert len(table) == 200
    expected = every.iloc[:200]
    assert [shown(v) for v in table["Claimant"]] == [str(v) for v in expected["claimant"]]
    assert [shown(v) for v in table["Figure"]] == [str(v) for v in expected["figure"]]
    # the imported events' claims are ACLED's, in the order of the events
    assert "ACLED" in table["Claimant"].tolist()
    captions = [c.value for c in at.caption]
    assert f"The first 200 of {total:,} claims; the export (sidebar) has them all." in captions
    assert np.count_nonzero(list_lengths(events["claims"])) < len(events)  # some without


def test_a_region_with_few_claims_lists_them_all(settings: Settings, fresh_caches: None) -> None:
    data = load_dataset(settings)
    events = apply_view(data.events, View(region="Tavush"))
    every = claims_table(events)
    assert 0 < len(every) < 200
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["region"] = "Tavush"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (table,) = [t.value for t in at.table if "Claimant" in t.value.columns]
    assert [shown(v) for v in table["Claimant"]] == [str(v) for v in every["claimant"]]
    assert not [c.value for c in at.caption if "claims; the export" in c.value]
    st.cache_data.clear()
