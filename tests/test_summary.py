"""Totals per region and district over a period, with exact expected answers."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo.boundaries import AdminUnits
from geo.period import filter_period
from geo.summary import OUTSIDE_DISTRICT, OUTSIDE_REGION, region_summary
from tests.factories import admin_units

COUNTS = ["events", "deaths_low", "deaths_best", "deaths_high", "injured_low", "injured_high"]
NAN = np.nan
TD = "Tovuz District"


def joined() -> pd.DataFrame:
    """Six events as join_events would leave them (one unmatched, one without district)."""
    rows = [
        # id, country, region, district, start, end, deaths l/b/h, injured l/h
        # (TD = Tovuz District)
        ("e1", "ARM", "Tavush", "Tavush", "2020-07-12", "2020-07-12", 1, 2, 3, 0, 1),
        ("e2", "ARM", "Tavush", "Idjevan", "2020-07-13", "2020-07-16", 0, 0, 0, 2, 4),
        ("e3", "AZE", TD, TD, "2020-07-12", "2020-07-12", 4, 4, 5, 1, 1),
        ("e4", "AZE", NAN, NAN, "2020-07-20", "2020-07-20", 1, 1, 1, 0, 0),
        ("e5", "AZE", TD, TD, "2020-07-14", "2020-07-14", 7, 8, 9, 0, 0),
        ("e6", "ARM", "Syunik", NAN, "2020-07-13", "2020-07-13", 0, 1, 2, 0, 0),
    ]  # fmt: skip
    df = pd.DataFrame(
        rows,
        columns=[
            "event_id", "country", "region", "district", "date_start", "date_end",
            "deaths_low", "deaths_best", "deaths_high", "injured_low", "injured_high",
        ],
    ).set_index("event_id")  # fmt: skip
    df["date_start"] = pd.to_datetime(df["date_start"])
    df["date_end"] = pd.to_datetime(df["date_end"])
    return df


def records(table: pd.DataFrame) -> list[tuple]:
    return [tuple(r) for r in table.itertuples(index=False)]


def test_by_region_all_time():
    table = region_summary(joined())
    assert list(table.columns) == ["country", "region", *COUNTS]
    assert records(table) == [
        ("ARM", "Syunik", 1, 0, 1, 2, 0, 0),
        ("ARM", "Tavush", 2, 1, 2, 3, 2, 5),
        ("AZE", OUTSIDE_REGION, 1, 1, 1, 1, 0, 0),
        ("AZE", "Tovuz District", 2, 11, 12, 14, 1, 1),
    ]
    assert all(table[c].dtype == "int64" for c in COUNTS)
    assert table.index.equals(pd.RangeIndex(4))
    # nothing dropped
    assert table["events"].sum() == 6
    assert table["deaths_best"].sum() == joined()["deaths_best"].sum()


def test_by_district():
    table = region_summary(joined(), by="district")
    assert list(table.columns) == ["country", "district", "region", *COUNTS]
    assert records(table) == [
        ("ARM", OUTSIDE_DISTRICT, "Syunik", 1, 0, 1, 2, 0, 0),
        ("ARM", "Idjevan", "Tavush", 1, 0, 0, 0, 2, 4),
        ("ARM", "Tavush", "Tavush", 1, 1, 2, 3, 0, 1),
        ("AZE", OUTSIDE_REGION, OUTSIDE_REGION, 1, 1, 1, 1, 0, 0),
        ("AZE", "Tovuz District", "Tovuz District", 2, 11, 12, 14, 1, 1),
    ]


def test_period_counts_events_that_overlap_it():
    table = region_summary(joined(), start=date(2020, 7, 14), end=date(2020, 7, 15))
    # e2 (13-16 Jul) overlaps the period, e5 (14 Jul) lies in it; the rest do not touch it
    assert records(table) == [
        ("ARM", "Tavush", 1, 0, 0, 0, 2, 4),
        ("AZE", "Tovuz District", 1, 7, 8, 9, 0, 0),
    ]


@pytest.mark.parametrize(
    ("start", "end", "ids"),
    [
        (None, date(2020, 7, 12), ["e1", "e3"]),  # end day included
        (date(2020, 7, 16), None, ["e2", "e4"]),  # e2 ends on the start day
        (date(2020, 7, 17), date(2020, 7, 19), []),
        (date(2020, 7, 13), date(2020, 7, 13), ["e2", "e6"]),
        (None, None, ["e1", "e2", "e3", "e4", "e5", "e6"]),
    ],
)
def test_filter_period(start, end, ids):
    assert list(filter_period(joined(), start, end).index) == ids


def test_end_day_is_whole_day_with_times():
    df = joined()
    df.loc["e2", "date_start"] = pd.Timestamp("2020-07-13 18:30")
    assert "e2" in filter_period(df, None, date(2020, 7, 13)).index
    assert "e2" not in filter_period(df, None, date(2020, 7, 12)).index


def test_missing_date_end_means_one_day():
    df = joined()
    df.loc["e2", "date_end"] = pd.NaT
    assert list(filter_period(df, date(2020, 7, 14), None).index) == ["e4", "e5"]


def test_start_after_end_is_refused():
    with pytest.raises(ValueError, match="period start 2020-07-15 is after its end 2020-07-14"):
        region_summary(joined(), start=date(2020, 7, 15), end=date(2020, 7, 14))


def _admin() -> AdminUnits:
    names = [
        ("ARM", "Lori"), ("ARM", "Syunik"), ("ARM", "Tavush"),
        ("AZE", "Qazakh District"), ("AZE", "Tovuz District"),
    ]  # fmt: skip
    districts = [
        ("ARM", "tav", "Tavush", "Tavush"), ("ARM", "idj", "Idjevan", "Tavush"),
        ("ARM", "kap", "Kapan", "Syunik"),
        ("AZE", "Qazakh District", "Qazakh District", "Qazakh District"),
        ("AZE", "Tovuz District", "Tovuz District", "Tovuz District"),
    ]  # fmt: skip
    return admin_units(
        [(c, n, n, box(i, 0, i + 1, 1)) for i, (c, n) in enumerate(names)],
        [(c, i, d, r, r, box(k, 2, k + 1, 3)) for k, (c, i, d, r) in enumerate(districts)],
    )


def test_every_unit_zero_filled_with_admin():
    table = region_summary(joined(), admin=_admin(), start=date(2020, 7, 14))
    assert records(table) == [
        ("ARM", "Lori", 0, 0, 0, 0, 0, 0),
        ("ARM", "Syunik", 0, 0, 0, 0, 0, 0),
        ("ARM", "Tavush", 1, 0, 0, 0, 2, 4),
        ("AZE", OUTSIDE_REGION, 1, 1, 1, 1, 0, 0),
        ("AZE", "Qazakh District", 0, 0, 0, 0, 0, 0),
        ("AZE", "Tovuz District", 1, 7, 8, 9, 0, 0),
    ]
    assert all(table[c].dtype == "int64" for c in COUNTS)


def test_every_district_zero_filled_with_admin():
    table = region_summary(joined(), by="district", admin=_admin())
    assert records(table) == [
        ("ARM", OUTSIDE_DISTRICT, "Syunik", 1, 0, 1, 2, 0, 0),
        ("ARM", "Idjevan", "Tavush", 1, 0, 0, 0, 2, 4),
        ("ARM", "Kapan", "Syunik", 0, 0, 0, 0, 0, 0),
        ("ARM", "Tavush", "Tavush", 1, 1, 2, 3, 0, 1),
        ("AZE", OUTSIDE_REGION, OUTSIDE_REGION, 1, 1, 1, 1, 0, 0),
        ("AZE", "Qazakh District", "Qazakh District", 0, 0, 0, 0, 0, 0),
        ("AZE", "Tovuz District", "Tovuz District", 2, 11, 12, 14, 1, 1),
    ]


def test_empty_period():
    empty = region_summary(joined(), start=date(2021, 1, 1))
    assert list(empty.columns) == ["country", "region", *COUNTS] and len(empty) == 0
    zeros = region_summary(joined(), start=date(2021, 1, 1), admin=_admin())
    assert len(zeros) == 5 and (zeros[COUNTS] == 0).all().all()
    assert all(zeros[c].dtype == "int64" for c in COUNTS)


def test_bad_input_names_rows_and_columns():
    df = joined().drop(columns="injured_high")
    with pytest.raises(ValueError, match="no column 'injured_high'"):
        region_summary(df)
    df = joined().astype({"deaths_best": "float64"})
    df.loc["e3", "deaths_best"] = NAN
    with pytest.raises(ValueError, match=r"deaths_best: not a whole number in row\(s\) 'e3'"):
        region_summary(df)
    with pytest.raises(ValueError, match="by must be 'region' or 'district'"):
        region_summary(joined(), by="marz")  # type: ignore[arg-type]


def test_totals_with_units_keeps_every_unit_and_the_rows_of_no_unit() -> None:
    from geo.summary import totals_with_units
    from tests.factories import three_squares

    admin = three_squares()
    summary = pd.DataFrame(
        {
            "country": ["AZE", "AZE"],
            "region": ["Alpha <b>", OUTSIDE_REGION],
            "events": [3, 2],
            "deaths_best": [10, 1],
        }
    )
    table = totals_with_units(summary, admin.regions, by="region")
    assert table[["region", "region_id", "events", "deaths_best"]].to_dict("records") == [
        {"region": "Gamma", "region_id": "C", "events": 0, "deaths_best": 0},
        {"region": OUTSIDE_REGION, "region_id": None, "events": 2, "deaths_best": 1},
        {"region": "Alpha <b>", "region_id": "A", "events": 3, "deaths_best": 10},
        {"region": "Beta", "region_id": "B", "events": 0, "deaths_best": 0},
    ]
    assert table.crs == "EPSG:4326"
    assert table.geometry.isna().tolist() == [False, True, False, False]
    assert int(table["events"].sum()) == 5  # the counts still add up to the events


def test_event_without_a_country_counts_in_its_own_row_never_a_countrys():
    """Issue 11 item 3: a missing country is no longer refused, and is never ARM's or AZE's."""
    from geo.summary import UNKNOWN_COUNTRY

    df = joined()
    df.loc["e4", "country"] = None
    table = region_summary(df)
    assert records(table)[0] == (UNKNOWN_COUNTRY, OUTSIDE_REGION, 1, 1, 1, 1, 0, 0)
    assert table["events"].sum() == 6
    assert "AZE" not in set(table.loc[table["region"] == OUTSIDE_REGION, "country"])
    by_district = region_summary(df, by="district")
    assert (UNKNOWN_COUNTRY, OUTSIDE_REGION, OUTSIDE_REGION) in {
        (r.country, r.district, r.region) for r in by_district.itertuples()
    }
