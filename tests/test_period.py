"""The one period rule (geo.period), and that the map, the totals and the exports all follow it."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from geo.period import (
    data_span,
    filter_period,
    in_period,
    parse_day,
    period_label,
    to_day,
)
from geo.summary import region_summary
from geo.view import View, apply_view

DAY = date(2020, 7, 13)


def events() -> pd.DataFrame:
    """``timed`` starts 13 July 18:30; ``open`` has no end date; ``before`` ends on the 12th."""
    frame = pd.DataFrame(
        {
            "event_id": ["timed", "open", "before", "after"],
            "date_start": pd.to_datetime(
                ["2020-07-13 18:30", "2020-07-13 00:00", "2020-07-11 00:00", "2020-07-14 00:00"]
            ),
            "date_end": pd.to_datetime(
                ["2020-07-13 23:00", None, "2020-07-12 00:00", "2020-07-14 00:00"]
            ),
            "country": ["AZE", "AZE", "ARM", "ARM"],
            "region": ["Tovuz District", "Tovuz District", "Tavush", "Tavush"],
            "episode": ["e"] * 4,
            "event_type": ["Battles"] * 4,
            "actor1": ["a"] * 4,
            "actor2": [None] * 4,
            "geo_precision": [1] * 4,
            **{c: [1, 2, 4, 8] for c in ("deaths_low", "deaths_best", "deaths_high")},
            **{c: [0] * 4 for c in ("injured_low", "injured_high")},
        }
    )
    return frame.set_index("event_id", drop=False)


def test_an_event_with_a_time_of_day_is_in_its_day() -> None:
    mask = in_period(events(), DAY, DAY)
    assert list(mask[mask].index) == ["timed", "open"]


def test_an_event_without_an_end_date_is_a_one_day_event() -> None:
    frame = events()
    assert "open" in filter_period(frame, DAY, DAY).index
    assert "open" not in filter_period(frame, date(2020, 7, 14), None).index


def test_the_map_and_the_region_totals_keep_the_same_events() -> None:
    frame = events()
    shown = apply_view(frame, View(start=DAY, end=DAY))
    totals = region_summary(frame, start=DAY, end=DAY)
    assert list(shown.index) == ["timed", "open"]
    # the region totals count exactly the events the map shows: 1 + 2 deaths, 2 events
    assert totals[["region", "events", "deaths_best"]].to_dict("records") == [
        {"region": "Tovuz District", "events": 2, "deaths_best": 3}
    ]


def test_a_reversed_period_is_refused() -> None:
    with pytest.raises(ValueError, match="period start 2020-07-14 is after its end 2020-07-13"):
        in_period(events(), date(2020, 7, 14), DAY)


def test_undated_events_cannot_be_placed_in_a_period() -> None:
    frame = events()
    frame.loc["open", "date_start"] = pd.NaT
    with pytest.raises(ValueError, match="date_start missing for 'open'"):
        in_period(frame, DAY, None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-07-13", DAY),
        ("2020-07-13T18:30:00", DAY),
        (pd.Timestamp("2020-07-13 23:59"), DAY),
        (pd.Timestamp("2020-07-13 01:00", tz="Asia/Baku"), DAY),
        (DAY, DAY),
        (None, None),
        (float("nan"), None),
        (pd.NaT, None),
        (pd.NA, None),
        ("  ", None),
    ],
)
def test_to_day(value: object, expected: date | None) -> None:
    assert to_day(value) == expected


def test_parse_day_says_what_it_expected() -> None:
    assert parse_day("2020-07-12") == date(2020, 7, 12)
    with pytest.raises(ValueError, match=r"'12/07/2020' is not a date like 2020-07-12"):
        parse_day("12/07/2020")


def test_data_span_uses_the_start_of_open_ended_events() -> None:
    assert data_span(events()) == (date(2020, 7, 11), date(2020, 7, 14))
    assert data_span(events().iloc[0:0]) is None


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (DAY, DAY, "13 July 2020"),
        (date(2020, 7, 12), date(2020, 7, 16), "12–16 July 2020"),
        (date(2020, 6, 28), date(2020, 7, 3), "28 June – 3 July 2020"),
        (date(2020, 12, 30), date(2021, 1, 2), "30 December 2020 – 2 January 2021"),
        (None, DAY, "until 13 July 2020"),
        (DAY, None, "from 13 July 2020"),
        (None, None, "all dates"),
    ],
)
def test_period_label(start: date | None, end: date | None, label: str) -> None:
    assert period_label(start, end) == label
