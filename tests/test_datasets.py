"""The data folder: imported datasets listed, loaded beside the curated layers, summed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

from geo._errors import ImportDataError
from geo.cli import app
from geo.config import ENV_DATA_DIR, Settings
from geo.dataset import Dataset, load_dataset
from geo.datasets import describe_datasets
from geo.events import Claim, Source
from geo.export import export_package
from geo.importers import import_file
from geo.importers._common import CLAIM_TYPE, SOURCE_TYPE
from geo.summary import region_summary

DATA = Path(__file__).parent / "data" / "importers"
runner = CliRunner()


def test_arrow_types_hold_every_field_of_the_record() -> None:
    assert [f.name for f in CLAIM_TYPE] == list(Claim.model_fields)
    assert [f.name for f in SOURCE_TYPE] == list(Source.model_fields)


def test_data_dir_from_environment(tmp_path: Path) -> None:
    got = Settings.from_env({ENV_DATA_DIR: str(tmp_path)})
    assert got.datasets_dir == tmp_path.resolve()
    assert Settings.from_env({}).datasets_dir.name == "conflictmap"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("data")
    import_file("acled", DATA / "acled_export.csv", out / "acled.parquet")
    import_file("ucdp", DATA / "ucdp_ged.csv", out / "ucdp.parquet")
    return out


@pytest.fixture(scope="module")
def data(settings: Settings, folder: Path) -> Dataset:
    return load_dataset(settings.with_(datasets_dir=folder))


def test_datasets_are_listed_with_counts_period_and_licence(
    settings: Settings, folder: Path
) -> None:
    infos = describe_datasets(settings.with_(datasets_dir=folder))
    assert [(d.name, d.events, d.first_day, d.last_day) for d in infos][1:] == [
        ("acled", 4, "2020-07-12", "2020-07-16"),
        ("ucdp", 3, "2020-07-12", "2020-07-15"),
    ]
    assert infos[0].name == "curated" and infos[0].events == 18
    assert infos[2].licence == "CC BY 4.0"
    assert infos[1].attribution.startswith("Armed Conflict Location & Event Data (ACLED)")


def test_cli_datasets(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DATA_DIR, str(folder))
    result = runner.invoke(app, ["datasets"])
    assert result.exit_code == 0, result.output
    assert "acled: ACLED, 4 events, 2020-07-12 to 2020-07-16;" in result.stdout
    assert "ucdp: UCDP GED, 3 events, 2020-07-12 to 2020-07-15;" in result.stdout
    assert "Licence: CC BY 4.0" in result.stdout
    assert ".. Licence" not in result.stdout  # UCDP's attribution ends with "et al."


def test_imported_events_join_the_curated_frame(data: Dataset) -> None:
    ev = data.events
    assert ev["dataset"].value_counts().to_dict() == {"curated": 18, "acled": 4, "ucdp": 3}
    assert ev.loc["acled-ARM9001", ["region", "episode"]].tolist() == ["Tavush", "acled"]
    assert ev.loc["ucdp-99900001", "region"] == "Tovuz District"
    assert ev.loc["ucdp-99900003", "join_method"] == "area"
    assert set(data.episodes["episode"]) >= {"acled", "ucdp"}
    # curated claims keep their values in the Arrow form
    claims = ev.loc["tavush-2020-07-12-border-fighting", "claims"]
    assert claims[0]["claimant"] == "Armenian authorities" and claims[0]["value"] == 4


def test_region_totals_count_imported_events(data: Dataset) -> None:
    table = region_summary(data.events, start=None, end=None)
    tavush = table[table["region"] == "Tavush"].iloc[0]
    curated = data.events[
        (data.events["dataset"] == "curated") & (data.events["region"] == "Tavush")
    ]
    # + ACLED ARM9001 (Movses, 2 killed), ARM9002 (Aygepar, 0), UCDP 99900002 (Movses, low 2)
    assert tavush["events"] == len(curated) + 3
    assert tavush["deaths_low"] == curated["deaths_low"].sum() + 2 + 0 + 2


def test_geopackage_has_dataset_field_and_attribution(
    data: Dataset, settings: Settings, tmp_path: Path
) -> None:
    out = export_package(data, tmp_path / "all.gpkg", fmt="gpkg", settings=settings)
    events = gpd.read_file(out, layer="events")
    assert events.set_index("event_id").loc["acled-AZE9001", "dataset"] == "acled"
    assert sorted(events["dataset"].unique()) == ["acled", "curated", "ucdp"]
    with sqlite3.connect(out) as conn:
        text = "\n".join(str(r[0]) for r in conn.execute("SELECT metadata FROM gpkg_metadata"))
    assert "UCDP GED events: UCDP Georeferenced Event Dataset" in text
    assert "Licence: CC BY 4.0." in text


def test_a_foreign_parquet_in_the_data_folder_is_refused(
    settings: Settings, tmp_path: Path
) -> None:
    gpd.GeoDataFrame({"a": [1]}, geometry=gpd.points_from_xy([45], [40]), crs=4326).to_parquet(
        tmp_path / "mine.parquet"
    )
    with pytest.raises(ImportDataError, match=r"mine\.parquet: not a dataset written by"):
        describe_datasets(settings.with_(datasets_dir=tmp_path))


def test_app_shows_imported_datasets(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(ENV_DATA_DIR, str(folder))
    st.cache_data.clear()
    at = AppTest.from_file(str(Path(__file__).parent.parent / "app.py"), default_timeout=120)
    at.run()
    try:
        assert not at.exception, [e.value for e in at.exception]
        (events,) = [m.value for m in at.metric if m.label == "Events in view"]
        assert events == "25"  # 18 curated + 4 ACLED + 3 UCDP
    finally:
        st.cache_data.clear()


def test_nested_columns_stay_columnar_with_curated_values_unchanged(
    data: Dataset, settings: Settings
) -> None:
    """With imported datasets loaded, claims/sources/tags are Arrow lists for every event (no
    Python list per imported event); a curated event's lists read back as in its layer."""
    import pandas as pd

    from geo.dataset import load_events_checked
    from geo.datasets import _without_none

    ev = data.events
    for col in ("claims", "sources", "tags"):
        assert isinstance(ev[col].dtype, pd.ArrowDtype), col
    curated, _ = load_events_checked(settings)
    unlinked = [i for i in curated.index if ev.loc[i, "linked_to"] == ""]
    assert len(unlinked) >= 10
    for i in unlinked:
        for col in ("claims", "sources", "tags"):
            assert _without_none(list(ev.loc[i, col])) == curated.loc[i, col], (i, col)
    assert ev.loc["acled-ARM9001", "claims"][0]["claimant"] == "ACLED"


def test_curated_lists_with_a_field_arrow_lacks_stay_python_lists() -> None:
    import pandas as pd

    from geo.datasets import nested_to_arrow
    from geo.importers._common import CLAIMS_DTYPE

    like = pd.DataFrame({"claims": pd.Series([[]], dtype=CLAIMS_DTYPE)})
    ok = pd.DataFrame({"claims": [[{"claimant": "A", "value": 3}]]})
    extra = pd.DataFrame({"claims": [[{"claimant": "A", "value": 3, "unknown": "x"}]]})
    got = nested_to_arrow(ok, like)
    assert got is not None and isinstance(got["claims"].dtype, pd.ArrowDtype)
    assert got["claims"].iloc[0][0]["value"] == 3 and got["claims"].iloc[0][0]["via"] is None
    assert nested_to_arrow(extra, like) is None


def test_geojson_export_with_imported_datasets_has_every_nested_value(
    data: Dataset, settings: Settings, tmp_path: Path
) -> None:
    """Imported claims/sources are Arrow lists (NumPy arrays inside when read back by
    pandas): the GeoJSON export writes them as plain JSON lists, curated ones unchanged."""
    out = export_package(data, tmp_path / "all.geojson", fmt="geojson", settings=settings)
    fc = json.loads(out.read_text(encoding="utf-8"))
    features = {f["properties"]["event_id"]: f["properties"] for f in fc["features"]}
    assert len(features) == len(data.events)
    # UCDP: the dataset as a source citing the two quoted items of source_article, each
    # also a source of its own; low/best/high and per-side deaths as UCDP's claims
    ucdp = features["ucdp-99900001"]
    assert [(s["id"], s["outlet"], s["cites"]) for s in ucdp["sources"]] == [
        ("ucdp", "UCDP GED", ["Agence France Presse", "Trend"]),
        ("ucdp-src-1", "Agence France Presse", []),
        ("ucdp-src-2", "Trend", []),
    ]
    assert [(c["side"], c["value"]) for c in ucdp["claims"]][:5] == [
        ("any", 4),
        ("any", 5),
        ("any", 7),
        ("azerbaijani", 4),
        ("armenian", 1),
    ]
    # curated: an episode source's 'cites' list survives as a list
    baku = next(e for e in fc["episodes"] if e["id"] == "karabakh-march-2020-07")
    assert baku["sources"][0]["cites"] == ["BBC"]
    assert isinstance(features["acled-ARM9001"]["tags"], list)
