"""ACLED and UCDP GED importers: every mapping rule and every class of bad row, exactly."""

from __future__ import annotations

import gzip
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from geo._errors import ImportDataError, OutputError
from geo.boundaries import AdminUnits, load_admin_units
from geo.cli import app
from geo.compact import compact_nested_columns, compact_text_columns
from geo.config import Settings
from geo.events import Claim, Source, derived_figures
from geo.importers import import_file, read_dataset
from geo.importers._common import parquet_meta, parse_csv, read_imported
from geo.importers.acled import parse_acled
from geo.importers.ucdp import COLUMNS as UCDP_COLUMNS
from geo.importers.ucdp import parse_ucdp
from geo.join import join_events

DATA = Path(__file__).parent / "data" / "importers"
ACLED = DATA / "acled_export.csv"
ACLED_HDX = DATA / "acled_hdx.csv"
UCDP = DATA / "ucdp_ged.csv"
runner = CliRunner()


def _claims(value: object) -> list[Claim]:
    return [Claim.model_validate({k: v for k, v in c.items() if v is not None}) for c in value]


@pytest.fixture(scope="module")
def acled() -> gpd.GeoDataFrame:
    return read_dataset("acled", ACLED).events


@pytest.fixture(scope="module")
def ucdp() -> gpd.GeoDataFrame:
    return read_dataset("ucdp", UCDP).events


# --- ACLED ------------------------------------------------------------------------------------


def test_acled_bad_rows_are_listed_with_line_id_field_and_class() -> None:
    result = read_dataset("acled", ACLED)
    origin = str(ACLED)
    # line 2-3 hold one record (its notes span two lines), so AZE9001 is on line 4
    assert result.messages() == [
        f"{origin} line 7 (id ARM9003): field 'latitude': latitude is missing",
        f"{origin} line 8 (id ARM9004): field 'latitude': latitude 140.85469 is outside [-90, 90]",
        f"{origin} line 9 (id AZE9004): field 'event_date': event_date '2020-13-45' is not a "
        "date like 2020-07-12 or 12 July 2020",
        f"{origin} line 10 (id AZE9005): field 'fatalities': fatalities -3 is negative",
        f"{origin} line 11 (id AZE9001): field 'event_id_cnty': id 'AZE9001' repeats the row "
        "on line 4",
        f"{origin} line 12 (id ARM9005): field 'geo_precision': geo_precision '7' is not one "
        "of 1, 2, 3",
    ]
    assert result.counts() == {
        "coordinates": 2, "dates": 1, "precision": 1, "figures": 1, "duplicate_id": 1,
    }  # fmt: skip
    assert result.rows_read == 10 and result.skipped == 6
    assert result.events.index.tolist() == [
        "acled-ARM9001", "acled-AZE9001", "acled-AZE9002", "acled-ARM9002",
    ]  # fmt: skip


def test_acled_fields_map_onto_ours(acled: gpd.GeoDataFrame) -> None:
    e = acled.loc["acled-ARM9001"]
    assert e["dataset"] == "acled"
    assert e["event_date"] == e["date_start"] == e["date_end"] == pd.Timestamp("2020-07-12")
    assert (e["time_precision"], e["geo_precision"], e["where_prec"]) == (1, 1, 1)
    assert (e["country"], e["country_name"], e["location"]) == ("ARM", "Armenia", "Movses")
    assert (e["event_type"], e["sub_event_type"]) == ("Battles", "Armed clash")
    assert e["actor1"] == "Military Forces of Armenia (2018-)"
    assert e["actor2"] == "Military Forces of Azerbaijan (2003-)"
    assert (e["source_admin1"], e["source_admin2"]) == ("Tavush", "Berd")
    assert pd.isna(e["source_admin3"])
    assert (e["longitude"], e["latitude"]) == (45.48838, 40.90534)
    assert (e.geometry.x, e.geometry.y) == (45.48838, 40.90534)
    assert list(acled.loc["acled-ARM9002", "tags"]) == ["local administrators"]


def test_acled_fatalities_become_a_claim_by_acled(acled: gpd.GeoDataFrame) -> None:
    (claim,) = _claims(acled.loc["acled-AZE9001", "claims"])
    assert (claim.claimant, claim.measure, claim.side, claim.group) == (
        "ACLED",
        "killed",
        "any",
        "any",
    )
    assert (claim.qualifier, claim.value, claim.source) == ("exact", 4, "acled")
    row = acled.loc["acled-AZE9001"]
    assert [row[c] for c in ("fatalities", "deaths_low", "deaths_best", "deaths_high")] == [4] * 4
    # an explicit 0 is a figure ACLED gives
    (zero,) = _claims(acled.loc["acled-ARM9002", "claims"])
    assert zero.value == 0 and acled.loc["acled-ARM9002", "figures_note"] == ""


def test_acled_missing_fatalities_is_not_reported_never_zero(acled: gpd.GeoDataFrame) -> None:
    row = acled.loc["acled-AZE9002"]
    assert list(row["claims"]) == []
    assert row["figures_note"] == (
        "killed: ACLED gives no fatalities figure (not reported; not counted as 0)"
    )
    assert row["acled.fatalities"] == ""


def test_acled_sources_split_and_cited_by_the_acled_record(acled: gpd.GeoDataFrame) -> None:
    sources = [
        Source.model_validate({k: v for k, v in s.items() if v is not None})
        for s in acled.loc["acled-ARM9001", "sources"]
    ]
    assert [(s.id, s.outlet) for s in sources] == [
        ("acled", "ACLED"), ("acled-src-1", "Armenpress"), ("acled-src-2", "Azatutyun"),
    ]  # fmt: skip
    assert sources[0].cites == ("Armenpress", "Azatutyun")
    assert sources[0].published_note == (
        "ACLED gives no publication date; record timestamp 1718000000"
    )


def test_acled_every_original_column_kept_verbatim(acled: gpd.GeoDataFrame) -> None:
    header = ACLED.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert [c for c in acled.columns if c.startswith("acled.")] == [f"acled.{c}" for c in header]
    row = acled.loc["acled-ARM9001"]
    assert row["acled.notes"] == (
        "Synthetic test row: shelling reported near the village.\n"
        'Second line of the note, with "quotes".'
    )
    assert (row["acled.iso"], row["acled.admin3"], row["acled.latitude"]) == ("51", "", "40.90534")


def test_acled_portal_file_hashtag_row_other_order_missing_columns() -> None:
    result = read_dataset("acled", ACLED_HDX)
    e = result.events
    assert result.problems == [] and result.rows_read == 2  # the #hashtag row is no event
    assert e.index.tolist() == ["acled-ARM9101", "acled-AZE9101"]
    assert e["event_date"].tolist() == [pd.Timestamp("2020-07-12"), pd.Timestamp("2020-07-13")]
    # no fatalities column: no claim, said in words; region-level precision gives no district
    assert [len(c) for c in e["claims"]] == [0, 0]
    assert e["figures_note"].str.startswith("killed: ACLED gives no fatalities figure").all()
    assert e.loc["acled-AZE9101", ["geo_precision", "where_prec", "time_precision"]].tolist() == [
        3, 4, 2,
    ]  # fmt: skip
    assert "acled.fatalities" not in e.columns and "acled.admin3" not in e.columns
    assert e.loc["acled-AZE9101", "country"] == "AZE"


def test_acled_missing_precision_is_taken_as_coarsest() -> None:
    raw = parse_csv(
        b"event_id_cnty,event_date,latitude,longitude,country\nARM1,2020-07-12,40.9,45.4,Armenia\n",
        origin="mini.csv",
    )
    e = parse_acled(raw, origin="mini.csv").events
    assert e.loc["acled-ARM1", ["time_precision", "geo_precision", "where_prec"]].tolist() == [
        3, 3, 4,
    ]  # fmt: skip
    assert e.loc["acled-ARM1", "location_note"] == (
        "ACLED geo_precision not given: shown as the coarsest (3)"
    )


def test_acled_required_column_missing_names_it() -> None:
    raw = parse_csv(b"event_id_cnty,latitude,longitude\nA1,40,45\n", origin="x.csv")
    with pytest.raises(ImportDataError, match=r"x\.csv: not in ACLED format: required column\(s\) "
                       r"missing: event_date"):  # fmt: skip
        parse_acled(raw, origin="x.csv")


def test_a_header_without_its_newline_is_a_file_of_no_rows(tmp_path: Path) -> None:
    """A header alone, unterminated, was refused as "Empty CSV file" (Arrow reads no line
    without a newline); it is a file of no events, as with the newline."""
    header = (DATA / "acled_export.csv").read_bytes().split(b"\n")[0]
    raw = parse_csv(header, origin="h.csv")
    assert raw.frame.shape == (0, header.count(b",") + 1)
    (tmp_path / "h.csv").write_bytes(header)
    result = import_file("acled", tmp_path / "h.csv", tmp_path / "h.parquet")
    assert (result.rows_read, result.skipped) == (0, 0)
    assert len(read_imported(tmp_path / "h.parquet")) == 0


@pytest.mark.parametrize("wrap", ["gz", "zip"])
def test_published_compressed_files_read_the_same(tmp_path: Path, wrap: str) -> None:
    if wrap == "gz":
        path = tmp_path / "acled.csv.gz"
        path.write_bytes(gzip.compress(ACLED.read_bytes()))
    else:
        path = tmp_path / "acled.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.write(ACLED, "2020-07-01-2020-07-31-Armenia-Azerbaijan.csv")
    got = read_dataset("acled", path)
    want = read_dataset("acled", ACLED)
    assert got.events.index.tolist() == want.events.index.tolist()
    assert [p.line for p in got.problems] == [p.line for p in want.problems]


def test_zip_without_one_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.csv", "x\n")
        zf.writestr("b.csv", "x\n")
    with pytest.raises(ImportDataError, match=r"two\.zip: a \.zip must hold exactly one \.csv"):
        read_dataset("acled", path)


# --- UCDP -------------------------------------------------------------------------------------


def test_ucdp_bad_rows_every_class() -> None:
    result = read_dataset("ucdp", UCDP)
    origin = str(UCDP)
    assert result.messages() == [
        f"{origin} line 5 (id 99900004): field 'date_end': date_end 2020-07-14 is before "
        "date_start 2020-07-16",
        f"{origin} line 6 (id 99900005): field 'low': low -1 is negative",
        f"{origin} line 7 (id 99900001): field 'id': id '99900001' repeats the row on line 2",
        f"{origin} line 8 (id 99900006): field 'latitude': latitude is missing",
        f"{origin} line 9 (id 99900007): field 'date_start': date_start '16.07.2020' is not a "
        "date like 2020-07-12",
    ]
    assert result.counts() == {
        "coordinates": 1, "dates": 1, "end_before_start": 1, "figures": 1, "duplicate_id": 1,
    }  # fmt: skip
    assert result.events.index.tolist() == ["ucdp-99900001", "ucdp-99900002", "ucdp-99900003"]


def test_ucdp_fields_and_precision_codes(ucdp: gpd.GeoDataFrame) -> None:
    a = ucdp.loc["ucdp-99900001"]
    # a time part in the dates is dropped for ours and kept in the original column
    assert a["date_start"] == a["date_end"] == a["event_date"] == pd.Timestamp("2020-07-12")
    assert a["ucdp.date_start"] == "2020-07-12 00:00:00.000"
    assert (a["country"], a["location"], a["source_admin1"]) == (
        "AZE",
        "Ağdam village",
        "Tovuz district",
    )
    assert (a["event_type"], a["sub_event_type"]) == (
        "State-based conflict", "Azerbaijan: Nagorno-Karabakh",
    )  # fmt: skip
    assert (a["actor1"], a["actor2"]) == ("Government of Azerbaijan", "Government of Armenia")
    b = ucdp.loc["ucdp-99900002"]
    assert (b["date_start"], b["date_end"]) == (
        pd.Timestamp("2020-07-13"),
        pd.Timestamp("2020-07-14"),
    )
    assert b["time_precision"] == 2  # UCDP date_prec 2 (2-6 days)
    c = ucdp.loc["ucdp-99900003"]
    assert (c["where_prec"], c["geo_precision"]) == (5, 3)
    assert c["location_note"] == "the Line of Contact (synthetic)"
    assert [col for col in ucdp.columns if col.startswith("ucdp.")] == [
        f"ucdp.{col}" for col in UCDP_COLUMNS
    ]


def test_ucdp_low_best_high_and_sides_become_claims(ucdp: gpd.GeoDataFrame) -> None:
    claims = _claims(ucdp.loc["ucdp-99900001", "claims"])
    assert [(c.claimant, c.side, c.group, c.value, c.note) for c in claims] == [
        ("UCDP", "any", "any", 4, "UCDP low estimate"),
        ("UCDP", "any", "any", 5, "UCDP best estimate"),
        ("UCDP", "any", "any", 7, "UCDP high estimate"),
        ("UCDP", "azerbaijani", "any", 4, "UCDP deaths_a"),
        ("UCDP", "armenian", "any", 1, "UCDP deaths_b"),
        ("UCDP", "any", "civilian", 0, "UCDP deaths_civilians"),
    ]
    assert claims[3].subject == "deaths of side A: Government of Azerbaijan"
    row = ucdp.loc["ucdp-99900001"]
    assert row[["deaths_low", "deaths_best", "deaths_high"]].tolist() == [5, 5, 7]
    assert row["quality_flags"] == ""


def test_ucdp_high_below_best_is_kept_and_flagged(ucdp: gpd.GeoDataFrame) -> None:
    row = ucdp.loc["ucdp-99900002"]
    assert row["quality_flags"] == "high below best: UCDP high 3 < best 5 (kept as published)"
    values = [c.value for c in _claims(row["claims"])[:3]]
    assert values == [2, 5, 3]
    assert row[["ucdp.low", "ucdp.best", "ucdp.high"]].tolist() == ["2", "5", "3"]
    assert _claims(row["claims"])[1].note == (
        "UCDP best estimate, including 2 death(s) of unknown status"
    )


def test_ucdp_no_estimate_is_not_reported(ucdp: gpd.GeoDataFrame) -> None:
    row = ucdp.loc["ucdp-99900003"]
    assert list(row["claims"]) == []
    assert row["figures_note"] == "killed: UCDP gives no estimate (not reported; not counted as 0)"


def test_ucdp_source_article_split_into_sources(ucdp: gpd.GeoDataFrame) -> None:
    sources = [
        Source.model_validate({k: v for k, v in s.items() if v is not None})
        for s in ucdp.loc["ucdp-99900001", "sources"]
    ]
    assert [(s.id, s.outlet, s.published) for s in sources] == [
        ("ucdp", "UCDP GED", None),
        ("ucdp-src-1", "Agence France Presse", pd.Timestamp("2020-07-13").date()),
        ("ucdp-src-2", "Trend", pd.Timestamp("2020-07-12").date()),
    ]
    # the semicolon inside a quoted item does not split it
    assert sources[1].reported.endswith("Synthetic headline one; with a semicolon")
    assert sources[0].cites == ("Agence France Presse", "Trend")
    plain = [s["outlet"] for s in ucdp.loc["ucdp-99900002", "sources"]]
    assert plain == ["UCDP GED", "Armenpress 2020-07-14", "Azatutyun"]


@pytest.mark.parametrize("dataset", ["acled", "ucdp"])
def test_columnar_figures_equal_the_claims_rule(
    dataset: str, acled: gpd.GeoDataFrame, ucdp: gpd.GeoDataFrame
) -> None:
    frame = acled if dataset == "acled" else ucdp
    for eid, row in frame.iterrows():
        want = derived_figures(_claims(row["claims"]))
        got = {k: int(row[k]) for k in want}
        assert got == want, eid


def test_ucdp_columnar_figures_equal_the_rule_on_many_random_rows() -> None:
    rng = np.random.default_rng(7)
    n = 300
    sides = ["Government of Armenia", "Government of Azerbaijan", "IS", "Republic of Artsakh"]
    frame = pd.DataFrame(
        {
            "id": [str(i) for i in range(n)],
            "latitude": "40.9",
            "longitude": "45.5",
            "date_start": "2020-07-12",
            "date_end": "2020-07-12",
            "side_a": rng.choice(sides, n),
            "side_b": rng.choice(sides, n),
            **{
                col: ["" if rng.random() < 0.2 else str(int(v)) for v in rng.integers(0, 9, n)]
                for col in ("low", "best", "high", "deaths_a", "deaths_b", "deaths_civilians")
            },
        },
        dtype="str",
    )
    from geo.importers._common import RawTable

    e = parse_ucdp(RawTable(frame, np.arange(2, n + 2)), origin="random").events
    assert len(e) == n
    for eid, row in e.iterrows():
        want = derived_figures(_claims(row["claims"]))
        assert {k: int(row[k]) for k in want} == want, eid


# --- output -----------------------------------------------------------------------------------


def test_geoparquet_round_trip_keeps_everything(tmp_path: Path) -> None:
    out = tmp_path / "acled.parquet"
    result = import_file("acled", ACLED, out)
    back = read_imported(out)
    pd.testing.assert_frame_equal(
        pd.DataFrame(back.drop(columns="geometry")),
        pd.DataFrame(result.events.drop(columns="geometry")),
        check_dtype=False,
    )
    assert back.geometry.equals(result.events.geometry)
    meta = parquet_meta(out)
    assert meta["dataset"] == "acled" and meta["events"] == 4 and meta["rows_read"] == 10
    assert meta["skipped"] == {
        "coordinates": 2, "dates": 1, "precision": 1, "figures": 1, "duplicate_id": 1,
    }  # fmt: skip
    assert meta["attribution"].startswith("Armed Conflict Location & Event Data (ACLED)")


@pytest.mark.parametrize(("kind", "path"), [("acled", ACLED), ("ucdp", UCDP)])
def test_the_geoparquet_file_itself_holds_every_original_value(
    tmp_path: Path, kind: str, path: Path
) -> None:
    """Read with pyarrow alone (as QGIS or pandas would), not through our readers: every
    original column of every imported row is there, as the CSV has it."""
    import pyarrow.parquet as pq

    out = tmp_path / f"{kind}.parquet"
    result = import_file(kind, path, out)
    raw = pq.read_table(out).to_pandas().set_index("event_id")
    originals = [c for c in result.events.columns if c.startswith(f"{kind}.")]
    assert originals and set(originals) <= set(raw.columns)
    csv = pd.read_csv(path, dtype=str, keep_default_na=False, comment=None)
    csv = csv[~csv.iloc[:, 0].astype(str).str.startswith("#")]
    key = "event_id_cnty" if kind == "acled" else "id"
    csv.index = pd.Index([f"{kind}-{v}" for v in csv[key]])
    csv = csv[~csv.index.duplicated()]  # a repeated id is a bad row: the first is imported
    for col in originals:
        name = col.split(".", 1)[1]
        want = csv.loc[raw.index, name].tolist()
        assert raw[col].fillna("").astype(str).tolist() == want, col


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_gpkg_and_geojson_keep_every_original_column(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"ucdp{suffix}"
    result = import_file("ucdp", UCDP, out)
    originals = [c for c in result.events.columns if c.startswith("ucdp.")]
    assert len(originals) == 49
    if suffix == ".gpkg":
        back = pd.DataFrame(gpd.read_file(out))
    else:  # read the JSON itself: GDAL's reader would turn date-like text into dates
        features = json.loads(out.read_text(encoding="utf-8"))["features"]
        back = pd.DataFrame([f["properties"] for f in features])
    for col in originals:
        assert back[col].fillna("").astype(str).tolist() == result.events[col].tolist(), col
    assert back["event_id"].tolist() == result.events.index.tolist()
    claims = back["claims"][1]  # JSON text in GeoPackage; GDAL nests it in GeoJSON
    assert (json.loads(claims) if isinstance(claims, str) else claims)[2]["value"] == 3


def test_strict_fails_on_first_class_and_leaves_previous_file(tmp_path: Path) -> None:
    out = tmp_path / "ucdp.parquet"
    out.write_bytes(b"previous")
    with pytest.raises(ImportDataError, match=r"1 bad row\(s\) of class 'coordinates' \(and 4 "
                       r"problem\(s\) of other classes\); nothing written") as err:  # fmt: skip
        import_file("ucdp", UCDP, out, strict=True)
    assert err.value.problems == [
        f"{UCDP} line 8 (id 99900006): field 'latitude': latitude is missing"
    ]
    assert out.read_bytes() == b"previous"


def test_failed_write_leaves_previous_file(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        import_file("acled", ACLED, tmp_path / "missing" / "a.parquet")
    with pytest.raises(ImportDataError, match=r"cannot write 'a\.csv': use a \.parquet"):
        import_file("acled", ACLED, tmp_path / "a.csv")
    assert list(tmp_path.iterdir()) == []


def test_cli_import_reports_counts(tmp_path: Path) -> None:
    out = tmp_path / "u.parquet"
    result = runner.invoke(app, ["import", "ucdp", str(UCDP), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        f"imported 3 of 8 UCDP GED row(s) from {UCDP} into {out}; skipped 5 bad row(s) "
        "(problems by class: coordinates 1, dates 1, end_before_start 1, figures 1, "
        "duplicate_id 1)"
    ) in result.stdout
    assert f"{UCDP} line 5 (id 99900004): field 'date_end'" in result.stderr
    strict = runner.invoke(
        app, ["import", "acled", str(ACLED), "--out", str(tmp_path / "a.parquet"), "--strict"]
    )
    assert strict.exit_code == 1
    assert "2 bad row(s) of class 'coordinates'" in strict.stderr
    assert not (tmp_path / "a.parquet").exists()


# --- regions ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def admin(settings: Settings) -> AdminUnits:
    return load_admin_units(settings)


def test_imported_events_land_in_the_right_regions(
    admin: AdminUnits, acled: gpd.GeoDataFrame, ucdp: gpd.GeoDataFrame
) -> None:
    joined = join_events(acled, admin)
    assert joined["region"].tolist() == ["Tavush", "Tovuz District", "Tovuz District", "Tavush"]
    assert joined.index.equals(acled.index)
    u = join_events(ucdp, admin)
    assert u["region"].tolist()[:2] == ["Tovuz District", "Tavush"]
    assert u.loc["ucdp-99900003", "join_method"] == "area"  # where_prec 5: no single region


def test_country_without_a_code_keeps_the_dataset_name() -> None:
    raw = parse_csv(
        b"event_id_cnty,event_date,latitude,longitude,country,iso\n"
        b"X1,2020-07-12,55.7,37.6,Russia (Soviet Union),\nX2,2020-07-12,40.9,45.4,,51\n",
        origin="mini.csv",
    )
    e = parse_acled(raw, origin="mini.csv").events
    assert e["country"].tolist() == ["Russia (Soviet Union)", "ARM"]


def test_or_none_empty_text_is_missing_on_sliced_and_whole_columns() -> None:
    """The zero-copy path (a new validity bitmap) gives what ``where(values != '', None)``
    gives, on a whole column and on a slice of one (the fallback path)."""
    import numpy as np
    import pandas as pd

    from geo.importers._common import or_none

    whole = pd.Series(["a", "", "b ", np.nan, ""], dtype="str", index=list("vwxyz"))
    for values in (whole, whole.iloc[1:]):
        got = or_none(values)
        want = values.where(values != "", None)
        assert got.index.equals(values.index)
        assert got.dtype == want.dtype
        assert got.astype(object).where(got.notna(), None).tolist() == (
            want.astype(object).where(want.notna(), None).tolist()
        )
    assert or_none(whole).isna().tolist() == [False, True, False, True, True]


# --- streamed import to GeoParquet --------------------------------------------------------


def _streamed(kind: str, src: Path, out: Path, block_bytes: int) -> object:
    from geo.importers import _import_streamed

    return _import_streamed(kind, src, out, strict=False, keep_events=True, block_bytes=block_bytes)


def _quirky_acled(tmp_path: Path) -> Path:
    """The ACLED export plus: a quoted note spanning three lines, a repeat of an id from the
    start of the file near its end, and 40 more good rows, so small blocks cut it many times."""
    import csv
    import io

    text = ACLED.read_text(encoding="utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))
    cols = records[0]
    good = next(r for r in records if r[0] == "ARM9001")
    extra = []
    for k in range(40):
        cells = list(good)
        cells[0] = f"ARM95{k:02d}"
        if k == 5:
            cells[cols.index("notes")] = "first line\nsecond, with a comma\nthird"
        extra.append(cells)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([*extra[:30], good, *extra[30:]])
    text = text if text.endswith("\n") else text + "\n"
    text += buf.getvalue()
    path = tmp_path / "quirky.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("block_bytes", [300, 1000, 1 << 20])
def test_streamed_import_equals_the_whole_file_at_once(tmp_path: Path, block_bytes: int) -> None:
    """Blocks of every size give the file read at once: the same events, and the same bad
    rows with the same lines (a quoted note over three lines shifts the lines after it; an
    id repeated from an earlier block names that block's line)."""
    src = _quirky_acled(tmp_path)
    whole = read_dataset("acled", src)
    out = tmp_path / "streamed.parquet"
    got = _streamed("acled", src, out, block_bytes)
    assert got.problems == whole.problems  # type: ignore[attr-defined]
    assert got.rows_read == whole.rows_read  # type: ignore[attr-defined]
    repeat = [p for p in whole.problems if p.kind == "duplicate_id" and p.id == "ARM9001"]
    assert len(repeat) == 1 and "repeats the row on line" in repeat[0].message
    back = read_imported(out)
    pd.testing.assert_frame_equal(  # read_dataset holds repeated texts once (geo.compact)
        pd.DataFrame(compact_nested_columns(compact_text_columns(back)).drop(columns="geometry")),
        pd.DataFrame(whole.events.drop(columns="geometry")),
        check_dtype=False,
    )
    assert back.geometry.equals(whole.events.geometry)
    assert back.loc["acled-ARM9505", "notes"] == "first line\nsecond, with a comma\nthird"
    assert parquet_meta(out)["events"] == len(whole.events)


def test_streamed_import_of_hashtag_file_and_ucdp(tmp_path: Path) -> None:
    for kind, src in (("acled", ACLED_HDX), ("ucdp", UCDP)):
        whole = read_dataset(kind, src)
        got = _streamed(kind, src, tmp_path / f"{kind}.parquet", 200)
        assert got.problems == whole.problems  # type: ignore[attr-defined]
        back = read_imported(tmp_path / f"{kind}.parquet")
        assert back.index.tolist() == whole.events.index.tolist()
        assert back["claims"].tolist() == whole.events["claims"].tolist()


def test_streamed_import_failing_midway_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo import importers

    src = _quirky_acled(tmp_path)
    out = tmp_path / "acled.parquet"
    out.write_bytes(b"previous")
    calls = []
    real = importers._PARSE["acled"]

    def parse(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise ImportDataError("stopped on the third block")
        return real(*args, **kwargs)

    monkeypatch.setitem(importers._PARSE, "acled", parse)
    with pytest.raises(ImportDataError, match="third block"):
        _streamed("acled", src, out, 300)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acled.parquet", "quirky.csv"]


def test_csv_blocks_end_at_record_ends() -> None:
    import io

    from geo.importers._common import csv_blocks

    text = b'h1,h2\n1,"a\nb"\n2,"c,""d""\ne"\n3,x\n'
    for size in (1, 4, 9, 1000):
        blocks = list(csv_blocks(io.BytesIO(text), size))
        assert b"".join(blocks) == text
        for b in blocks:
            assert b.endswith(b"\n") and b.count(b'"') % 2 == 0
    assert list(csv_blocks(io.BytesIO(b""), 10)) == [b""]


def _csv_blocks_before(stream: Any, size: int) -> Iterator[bytes]:
    """``csv_blocks`` as it was before it counted each read's quotes once (the reference)."""
    carry = b""
    sent = False
    while True:
        chunk = stream.read(size)
        buf = carry + chunk if carry else chunk
        if not chunk:
            if buf or not sent:
                yield buf
            return
        cut = buf.rfind(b"\n")
        while cut >= 0 and buf.count(b'"', 0, cut) % 2:
            cut = buf.rfind(b"\n", 0, cut)
        if cut < 0:
            carry = buf
            continue
        yield buf[: cut + 1]
        sent = True
        carry = buf[cut + 1 :]


def test_csv_blocks_cut_where_they_were_cut_before() -> None:
    import io
    import random

    from geo.importers._common import csv_blocks

    rng = random.Random(8)
    cells = ["", "a", "bb", '"q,1"', '"two\nlines"', '"x ""y""\n\nz"', '"""', '"\n"']
    for _ in range(200):
        rows = [",".join(rng.choice(cells) for _ in range(3)) for _ in range(rng.randint(0, 12))]
        text = ("h1,h2,h3\n" + "\n".join(rows) + rng.choice(["", "\n"])).encode()
        for size in (1, 2, 3, 5, 8, 13, 40, 1000):
            got = list(csv_blocks(io.BytesIO(text), size))
            assert got == list(_csv_blocks_before(io.BytesIO(text), size)), (text, size)


@pytest.mark.parametrize(
    ("kind", "cell", "field"),
    [
        ("ucdp", "2020-02-30 00:00:00.000", "date_start"),
        ("ucdp", "2021-02-29", "date_start"),
        ("acled", "2020-04-31", "event_date"),
        ("acled", "30 February 2020", "event_date"),
    ],
)
def test_a_day_that_does_not_exist_is_a_bad_row_not_the_next_month(
    tmp_path: Path, kind: str, cell: str, field: str
) -> None:
    """Arrow's strptime read 2020-02-30 as 1 March: an invented date. It is a bad row."""
    src = UCDP if kind == "ucdp" else ACLED
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    path = tmp_path / f"{kind}.csv"
    frame = pd.read_csv(src, dtype=str, keep_default_na=False)
    frame = frame.iloc[:1].copy()
    frame[field] = cell
    if kind == "ucdp":
        frame["date_end"] = "2021-03-05"
    frame[header].to_csv(path, index=False)
    result = read_dataset(kind, path)
    assert result.counts() == {"dates": 1}
    assert f"{field} {cell!r} is not a date like 2020-07-12" in result.messages()[0]
    assert len(result.events) == 0
