"""Linking events of different datasets: proposals, the links file, claims side by side, totals."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import geo.link
from geo.boundaries import METRIC_CRS
from geo.cli import app
from geo.config import ENV_DATA_DIR, Settings
from geo.dataset import load_dataset, load_events_checked
from geo.events import Claim, derived_figures
from geo.export import claims_table
from geo.importers import import_file, read_dataset
from geo.link import PRECISION_RADIUS_KM, LinkError, decide, propose_links, read_links, write_links
from geo.render import mapdata
from geo.summary import region_summary

DATA = Path(__file__).parent / "data" / "importers"
COLUMNS = ["dataset", "country", "date_start", "date_end", "event_date", "event_type"]
COLUMNS += ["where_prec", "geometry"]
runner = CliRunner()


def _events(rows: dict[str, tuple[str, float, float, int, str]]) -> gpd.GeoDataFrame:
    """id -> (dataset, lon, lat, where_prec, day)."""
    return gpd.GeoDataFrame(
        {
            "dataset": [r[0] for r in rows.values()],
            "country": "ARM",
            "event_date": pd.to_datetime([r[4] for r in rows.values()]),
            "date_start": pd.to_datetime([r[4] for r in rows.values()]),
            "date_end": pd.to_datetime([r[4] for r in rows.values()]),
            "event_type": "Battles",
            "where_prec": [r[3] for r in rows.values()],
        },
        geometry=gpd.points_from_xy([r[1] for r in rows.values()], [r[2] for r in rows.values()]),
        crs=4326,
        index=pd.Index(list(rows), name="event_id"),
    )


def test_a_link_and_a_non_link_80_km_apart() -> None:
    # 0.95 degrees of longitude at 40.9 N is about 80 km
    events = _events(
        {
            "ours": ("curated", 45.48838, 40.90534, 1, "2020-07-12"),
            "near": ("acled", 45.49838, 40.90534, 1, "2020-07-12"),
            "far": ("acled", 46.43838, 40.90534, 1, "2020-07-12"),
        }
    )
    got = propose_links(events)
    assert got[["event_a", "event_b", "distance_km"]].values.tolist() == [["ours", "near", 0.8]]
    assert got["score"].iloc[0] == pytest.approx(0.5 * (1 - 0.84 / 10) + 0.3 + 0.2, abs=0.01)
    # located only to a region (where_prec 4, 100 km each), 80 km apart is within precision
    coarse = events.assign(where_prec=4)
    pairs = propose_links(coarse)[["event_a", "event_b"]].values.tolist()
    assert ["ours", "far"] in pairs


def _every_pair(events: gpd.GeoDataFrame) -> set[tuple[str, str]]:
    """The proposal rule applied to every pair, one by one (the answer the search must give)."""
    metric = events.geometry.to_crs(METRIC_CRS)
    radius = events["where_prec"].map(PRECISION_RADIUS_KM).fillna(400.0) * 1000
    ids = list(events.index)
    found = set()
    for n, x in enumerate(ids):
        for y in ids[n + 1 :]:
            ex, ey = events.loc[x], events.loc[y]
            if (
                ex["dataset"] != ey["dataset"]
                and ex["date_start"] <= ey["date_end"]
                and ey["date_start"] <= ex["date_end"]
                and metric[x].distance(metric[y]) <= radius[x] + radius[y]
            ):
                found.add((x, y) if (x, y) < (y, x) else (y, x))
    return found


def test_the_block_search_finds_exactly_the_pairs_of_the_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(7)
    n = 400
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 120, n), unit="D")
    events = gpd.GeoDataFrame(
        {
            "dataset": rng.choice(["curated", "acled", "ucdp"], n),
            "country": "ARM",
            "event_date": days,
            "date_start": days,
            "date_end": days + pd.to_timedelta(rng.integers(0, 20, n), unit="D"),
            "event_type": "Battles",
            "where_prec": rng.choice([1, 2, 3, 4, 6, None], n),
        },
        geometry=gpd.points_from_xy(rng.uniform(44, 47, n), rng.uniform(39, 41, n)),
        crs=4326,
        index=pd.Index([f"e{k:03d}" for k in range(n)], name="event_id"),
    )
    monkeypatch.setattr(geo.link, "BLOCK_EVENTS", 37)  # many blocks, cut anywhere
    got = propose_links(events)
    pairs = {tuple(sorted(p)) for p in got[["event_a", "event_b"]].values.tolist()}
    assert len(pairs) == len(got)  # each pair once
    expected = _every_pair(events)
    assert len(expected) > 100
    assert pairs == expected
    # after an import: only the new events' pairs, the same as in the whole search
    fresh = [i for i in events.index if events.at[i, "dataset"] == "ucdp"]
    only = propose_links(events, new=fresh)
    involving = got[got["event_a"].isin(fresh) | got["event_b"].isin(fresh)]
    assert only.equals(involving.reset_index(drop=True))
    # imported ids are Arrow-backed text: the same answer (found in Arrow, not in Python)
    arrow_ids = events.set_axis(events.index.astype("string[pyarrow]"))
    fresh_index = pd.Index(fresh, dtype="string[pyarrow]")
    for new in (fresh, fresh_index, iter(fresh)):
        again = propose_links(arrow_ids, new=new)
        assert again[["event_a", "event_b"]].equals(only[["event_a", "event_b"]])


def test_no_link_within_one_dataset_across_countries_days_or_types() -> None:
    base = _events(
        {
            "a": ("acled", 45.48838, 40.90534, 1, "2020-07-12"),
            "b": ("acled", 45.48838, 40.90534, 1, "2020-07-12"),
            "c": ("ucdp", 45.48838, 40.90534, 1, "2020-07-14"),
        }
    )
    assert propose_links(base).empty  # same dataset; other day
    other_type = base.assign(
        dataset=["acled", "ucdp", "ucdp"], event_type=["Battles", "Protests", "Battles"]
    )
    assert propose_links(other_type).empty
    other_country = base.assign(dataset=["acled", "ucdp", "ucdp"], country=["ARM", "AZE", "ARM"])
    assert propose_links(other_country).empty


def test_tavush_curated_events_get_links_to_acled_at_the_villages(settings: Settings) -> None:
    curated, _ = load_events_checked(settings)
    curated.insert(0, "dataset", "curated")
    acled = read_dataset("acled", DATA / "acled_export.csv").events
    events = gpd.GeoDataFrame(pd.concat([curated[COLUMNS], acled[COLUMNS]]), crs=4326)
    got = propose_links(events)
    assert got[["event_a", "event_b", "distance_km"]].values.tolist() == [
        ["tovuz-2020-07-12-border-fighting", "acled-AZE9001", 11.4],
        ["tavush-2020-07-12-border-fighting", "acled-ARM9001", 28.8],
        ["tovuz-2020-07-14-senior-officers-killed", "acled-AZE9002", 4.3],
        ["tovuz-2020-07-14-senior-officers-killed", "acled-AZE9001", 11.4],
        ["tavush-2020-07-12-border-fighting", "acled-ARM9002", 27.4],
        ["tovuz-2020-07-12-border-fighting", "acled-AZE9002", 4.3],
    ]
    assert got["score"].is_monotonic_decreasing


@pytest.fixture
def linked_folder(tmp_path: Path) -> Path:
    import_file("acled", DATA / "acled_export.csv", tmp_path / "acled.parquet")
    links = pd.DataFrame(
        [
            [
                "tavush-2020-07-12-border-fighting",
                "acled-ARM9001",
                "curated",
                "acled",
                28.8,
                0.863,
                "proposed",
            ],
            [
                "tavush-2020-07-12-border-fighting",
                "acled-ARM9002",
                "curated",
                "acled",
                27.4,
                0.57,
                "proposed",
            ],
        ],
        columns=["event_a", "event_b", "dataset_a", "dataset_b", "distance_km", "score", "status"],
    )
    links = decide(links, "acled-ARM9001", "tavush-2020-07-12-border-fighting", "accepted")
    write_links(links, tmp_path / "links.csv")
    return tmp_path


def test_accepted_link_shows_claims_side_by_side_and_counts_once(
    settings: Settings, linked_folder: Path
) -> None:
    data = load_dataset(settings.with_(datasets_dir=linked_folder))
    ev = data.events
    primary = ev.loc["tavush-2020-07-12-border-fighting"]
    claimants = [c["claimant"] for c in primary["claims"]]
    assert claimants[-1] == "ACLED" and "Armenian authorities" in claimants
    acled_claim = primary["claims"][-1]
    assert acled_claim["value"] == 2
    assert acled_claim["note"].endswith("from linked event acled-ARM9001 (acled)")
    assert acled_claim["source"] in {s["id"] for s in primary["sources"]}
    assert primary["linked_to"] == "acled-ARM9001"
    parsed = [
        Claim.model_validate({k: v for k, v in c.items() if v is not None})
        for c in primary["claims"]
    ]
    assert {k: int(primary[k]) for k in derived_figures(parsed)} == derived_figures(parsed)
    other = ev.loc["acled-ARM9001"]
    assert (bool(other["counted"]), other["linked_to"]) == (
        False,
        "tavush-2020-07-12-border-fighting",
    )
    assert other["figures_note"].endswith(
        "counted with linked event tavush-2020-07-12-border-fighting"
    )
    assert bool(ev.loc["acled-ARM9002", "counted"])  # only proposed: counted on its own
    # the popup and the table show both datasets' figures for the event
    # (the map's popup is built in the browser from the event's detail file)
    (details,) = mapdata.pack_events(ev.loc[["tavush-2020-07-12-border-fighting"]]).chunks
    text = details.decode("utf-8")
    assert "ACLED" in text and "Armenian authorities" in text
    table = claims_table(ev.loc[["tavush-2020-07-12-border-fighting"]])
    assert "ACLED" in set(table["claimant"]) and "Armenian authorities" in set(table["claimant"])
    # totals: the linked pair counts once
    tavush = region_summary(ev).set_index("region").loc["Tavush"]
    in_tavush = ev[ev["region"] == "Tavush"]
    assert tavush["events"] == len(in_tavush) - 1
    counted = in_tavush[in_tavush["counted"]]
    assert tavush["deaths_low"] == counted["deaths_low"].sum()


def test_links_file_errors_and_cli(linked_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    links = read_links(linked_folder / "links.csv")
    with pytest.raises(LinkError, match=r"no link between a and b in the links file"):
        decide(links, "a", "b", "accepted")
    bad = linked_folder / "bad.csv"
    bad.write_text(
        "event_a,event_b,dataset_a,dataset_b,distance_km,score,status\nx,y,curated,acled,1,1,maybe\n"
    )
    with pytest.raises(LinkError, match=r"bad\.csv line 2: field 'status': 'maybe' is not one of"):
        read_links(bad)
    monkeypatch.setenv(ENV_DATA_DIR, str(linked_folder))
    result = runner.invoke(
        app, ["link", "--reject", "tavush-2020-07-12-border-fighting", "acled-ARM9002"]
    )
    assert result.exit_code == 0, result.output
    assert read_links(linked_folder / "links.csv")["status"].tolist() == ["accepted", "rejected"]
    result = runner.invoke(app, ["link"])
    assert result.exit_code == 0, result.output
    assert "6 link proposal(s)" in result.stdout
    after = read_links(linked_folder / "links.csv")
    assert len(after) == 6  # the two decided pairs kept as decided, four new proposals
    assert after["status"].tolist()[:2] == ["accepted", "rejected"]


def test_import_proposes_links_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "data"))
    out = tmp_path / "acled.parquet"
    result = runner.invoke(
        app, ["import", "acled", str(DATA / "acled_export.csv"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "6 link proposal(s) with other datasets" in result.stdout
    assert len(read_links(tmp_path / "data" / "links.csv")) == 6
    quiet = runner.invoke(
        app, ["import", "acled", str(DATA / "acled_hdx.csv"), "--out", str(out), "--no-link"]
    )
    assert "link proposal" not in quiet.stdout
