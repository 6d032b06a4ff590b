"""The map-period bar's value: what the browser sends becomes the sidebar's period, or nothing."""

from __future__ import annotations

from datetime import date

import pytest

from map_period import period_from_map

FIRST, LAST = date(2020, 7, 12), date(2024, 2, 13)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"period": "2020-07-14/2020-07-14", "click": 1}, (date(2020, 7, 14), date(2020, 7, 14))),
        ({"period": "2021-01-01/2021-03-31"}, (date(2021, 1, 1), date(2021, 3, 31))),
        # reversed ends are put in order; ends outside the data are brought inside it
        ({"period": "2021-03-31/2021-01-01"}, (date(2021, 1, 1), date(2021, 3, 31))),
        ({"period": "1999-01-01/2030-01-01"}, (FIRST, LAST)),
    ],
)
def test_a_period_from_the_map_becomes_the_sidebars(
    value: object, expected: tuple[date, date]
) -> None:
    assert period_from_map(value, FIRST, LAST) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "2020-07-14/2020-07-14",
        {},
        {"period": None},
        {"period": "2020-07-14"},
        {"period": "2020-07-14/2020-07-15/2020-07-16"},
        {"period": "2020-02-30/2020-03-01"},
        {"period": "<script>alert(1)</script>/x"},
        {"period": ["2020-07-14", "2020-07-15"]},
    ],
)
def test_anything_else_from_the_browser_is_ignored(value: object) -> None:
    assert period_from_map(value, FIRST, LAST) is None
