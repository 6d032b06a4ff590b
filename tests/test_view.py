"""The view: URL round trip, bad parameters, and which events a view keeps (exact ids)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from geo.period import in_period
from geo.view import View, apply_view


def frame() -> pd.DataFrame:
    """Six events; e3 spans 12–16 July, e6 has no region (the join found none)."""
    rows = [
        # id, episode, type, actor1, actor2, country, region, district, start, end, geo_precision
        ("e1", "tovuz", "Battles", "AZ army", "AM army", "AZE", "Tovuz District",
         "Tovuz District", "2020-07-12", "2020-07-12", 1),
        ("e2", "tovuz", "Battles", "AM army", "AZ army", "ARM", "Tavush", "Idjevan",
         "2020-07-13", "2020-07-13", 2),
        ("e3", "tovuz", "Explosions/Remote violence", "AZ army", None, "AZE",
         "Tovuz District", "Tovuz District", "2020-07-12", "2020-07-16", 3),
        ("e4", "march", "Protests", "Protesters", None, "AZE", "Baku City", "Baku City",
         "2020-07-14", "2020-07-14", 1),
        ("e5", "march", "Riots", "Rioters", "Police", "AZE", "Baku City", "Baku City",
         "2020-07-14", "2020-07-15", 2),
        ("e6", "march", "Protests", "Protesters", None, "AZE", None, None,
         "2020-07-20", "2020-07-20", 1),
    ]  # fmt: skip
    df = pd.DataFrame(
        rows,
        columns=[
            "event_id", "episode", "event_type", "actor1", "actor2", "country", "region",
            "district", "date_start", "date_end", "geo_precision",
        ],
    ).set_index("event_id", drop=False)  # fmt: skip
    df["date_start"] = pd.to_datetime(df["date_start"])
    df["date_end"] = pd.to_datetime(df["date_end"])
    return df


def ids(view: View) -> list[str]:
    return list(apply_view(frame(), view).index)


# --- URL round trip ----------------------------------------------------------------------------


def test_default_view_has_no_query_parameters() -> None:
    assert View().to_query() == {}
    assert View.from_query({}) == (View(), [])


def test_every_field_survives_the_round_trip() -> None:
    view = View(
        start=date(2020, 7, 12),
        end=date(2020, 7, 16),
        episodes=("tovuz-tavush-2020-07", "karabakh-march-2020-07"),
        event_types=("Battles", "Explosions/Remote violence"),
        actors=("Military Forces of Armenia (2018-)",),
        countries=("ARM", "AZE"),
        region="Tovuz District",
        level="district",
        precise_only=True,
        mode="regions",
        measure="deaths_best",
        tiles=False,
        present=True,
    )
    query = view.to_query()
    assert query == {
        "start": "2020-07-12",
        "end": "2020-07-16",
        "episodes": "tovuz-tavush-2020-07,karabakh-march-2020-07",
        "event_types": "Battles,Explosions/Remote violence",
        "actors": "Military Forces of Armenia (2018-)",
        "countries": "ARM,AZE",
        "region": "Tovuz District",
        "level": "district",
        "precise_only": "1",
        "mode": "regions",
        "measure": "deaths_best",
        "tiles": "0",
        "present": "1",
    }
    assert View.from_query(query) == (view, [])


def test_bad_parameters_are_ignored_and_each_reported() -> None:
    view, problems = View.from_query(
        {
            "start": "2020-13-01",
            "end": "2020-07-16",
            "precise_only": "yes",
            "mode": "heatmap",
            "measure": "wounded",
            "level": "village",
            "tiles": "0",
        }
    )
    assert view == View(end=date(2020, 7, 16), tiles=False)
    assert len(problems) == 5
    assert problems[0].startswith("ignored URL parameter start='2020-13-01': ")
    assert "ignored URL parameter precise_only='yes': expected 0 or 1" in problems
    assert "ignored URL parameter mode='heatmap': expected one of events, regions" in problems
    assert any(
        p.startswith("ignored URL parameter measure='wounded': expected one of") for p in problems
    )
    assert any(
        p.startswith("ignored URL parameter level='village': expected one of") for p in problems
    )


def test_presentation_mode_is_in_the_url_only_when_on() -> None:
    assert "present" not in View().to_query()
    assert View(present=True).to_query() == {"present": "1"}
    assert View.from_query({"present": "1", "region": "Tavush"}) == (
        View(present=True, region="Tavush"),
        [],
    )
    view, problems = View.from_query({"present": "yes"})
    assert view == View()
    assert problems == ["ignored URL parameter present='yes': expected 0 or 1"]


def test_empty_list_parameters_mean_all() -> None:
    view, problems = View.from_query({"episodes": "", "countries": ",,"})
    assert view == View()
    assert problems == []


# --- apply_view ---------------------------------------------------------------------------------


def test_no_filter_keeps_everything_in_order() -> None:
    assert ids(View()) == ["e1", "e2", "e3", "e4", "e5", "e6"]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # a one-day period: e3 (12–16 July) overlaps it although it starts earlier
        (date(2020, 7, 14), date(2020, 7, 14), ["e3", "e4", "e5"]),
        # e5 (14–15 July) overlaps a period that starts on its last day
        (date(2020, 7, 15), date(2020, 7, 19), ["e3", "e5"]),
        # open start / open end
        (None, date(2020, 7, 12), ["e1", "e3"]),
        (date(2020, 7, 17), None, ["e6"]),
        (date(2020, 7, 17), date(2020, 7, 19), []),
    ],
)
def test_period_keeps_events_whose_range_overlaps_it(
    start: date | None, end: date | None, expected: list[str]
) -> None:
    assert ids(View(start=start, end=end)) == expected


def test_overlaps_is_inclusive_at_both_ends() -> None:
    mask = in_period(frame(), date(2020, 7, 16), date(2020, 7, 16))
    assert list(mask[mask].index) == ["e3"]


def test_precise_only_keeps_geo_precision_1() -> None:
    assert ids(View(precise_only=True)) == ["e1", "e4", "e6"]
    assert ids(View(precise_only=True, start=date(2020, 7, 12), end=date(2020, 7, 13))) == ["e1"]


def test_region_and_district_filters() -> None:
    assert ids(View(region="Tovuz District")) == ["e1", "e3"]
    assert ids(View(region="Idjevan", level="district")) == ["e2"]
    # the district name is not looked up among regions
    assert ids(View(region="Idjevan")) == []


def test_other_filters_combine() -> None:
    assert ids(View(episodes=("march",), countries=("AZE",))) == ["e4", "e5", "e6"]
    assert ids(View(event_types=("Battles",))) == ["e1", "e2"]
    # an actor matches on either side
    assert ids(View(actors=("AZ army",))) == ["e1", "e2", "e3"]
    assert ids(View(actors=("Police",), start=date(2020, 7, 15))) == ["e5"]


def test_apply_view_preserves_index_and_columns() -> None:
    df = frame()
    out = apply_view(df, View(region="Baku City"))
    assert list(out.columns) == list(df.columns)
    assert out.index.equals(pd.Index(["e4", "e5"], name="event_id"))
