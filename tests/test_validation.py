"""Layer validation: every problem reported, each naming file, feature, id and field."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from geo._errors import ValidationError
from geo.layers import dump_layer, load_events, parse_layer, validate_paths
from tests.factories import claim, event, layer


def problems_for(data: dict[str, Any], origin: str = "layers/t.geojson") -> list[str]:
    return parse_layer(data, origin=origin)[1]


def test_the_factory_layer_is_valid() -> None:
    parsed, problems = parse_layer(layer(), origin="t.geojson")
    assert problems == []
    assert parsed is not None
    assert parsed.events[0].properties.event_id == "test-2020-07-14-a"


@pytest.mark.parametrize(
    ("feature", "expected"),
    [
        (
            event(notes=None),
            "layers/t.geojson feature 0 (id test-2020-07-14-a): field 'notes': "
            "required field is missing",
        ),
        (
            event(colour="red"),
            "layers/t.geojson feature 0 (id test-2020-07-14-a): field 'colour': unknown field",
        ),
        (
            event(fatalities=3),
            "field 'fatalities': 'fatalities' is derived (from claims or the join)",
        ),
        (event(time_precision="1"), "field 'time_precision': Input should be 1, 2 or 3"),
        (event(geo_precision=4), "field 'geo_precision': Input should be 1, 2 or 3"),
        (event(event_date="14 July 2020"), "field 'event_date': Input should be a valid date"),
        (
            event(date_start="2020-07-15"),
            "field 'event_date': dates must satisfy date_start <= event_date <= date_end",
        ),
        (event(event_type="Skirmish"), "event_type 'Skirmish' is not an ACLED type"),
        (
            event(sub_event_type="Peaceful protest"),
            "field 'sub_event_type': 'Peaceful protest' is not a sub-type of 'Battles'",
        ),
        (event(event_id="Tovuz 1"), "field 'event_id': event_id 'Tovuz 1' must be lower-case"),
        (event(country="GEO"), "field 'country': Input should be 'ARM' or 'AZE'"),
        (event(sources=[]), "field 'sources': Tuple should have at least 1 item"),
        (
            event(claims=[claim(claimant=None)]),
            "feature 0 (id test-2020-07-14-a): field 'claims[0].claimant': required field",
        ),
        (
            event(claims=[claim(source=None)]),
            "field 'claims[0].source': required field is missing",
        ),
        (
            event(claims=[claim(source="nowhere")]),
            "field 'claims[0].source': 'nowhere' is not one of this event's sources (s1)",
        ),
        (
            event(claims=[claim(value="3")]),
            "field 'claims[0].value': Input should be a valid integer",
        ),
        (
            event(geometry={"type": "Point", "coordinates": [45.6, 140.2]}),
            "field 'geometry.coordinates': latitude 140.2 is outside [-90, 90]",
        ),
        (
            event(geometry={"type": "Point", "coordinates": [40.99249, 45.62838]}),
            "looks like longitude and latitude are swapped",
        ),
        (
            event(geometry={"type": "Point", "coordinates": [2.35, 48.85]}),
            "point (2.35, 48.85) is not in Azerbaijan or its border zone, but 'country' is AZE",
        ),
        (
            event(geometry={"type": "LineString", "coordinates": [[45, 40], [46, 41]]}),
            "field 'geometry.type': must be 'Point', got 'LineString'",
        ),
        (
            event(date_start="2020-06-01", event_date="2020-06-01", date_end="2020-06-01"),
            "falls outside the episode's 2020-07-01..2020-07-31",
        ),
    ],
)
def test_each_problem_names_file_feature_id_and_field(
    feature: dict[str, Any], expected: str
) -> None:
    found = problems_for(layer(feature))
    assert any(expected in p for p in found), found
    assert all(p.startswith("layers/t.geojson") for p in found)


def test_every_problem_in_a_file_is_reported() -> None:
    bad = layer(
        event("a-1", notes=None),
        event("a-2", geometry={"type": "Point", "coordinates": [45.6, 140.2]}),
        event("a-3", claims=[claim(claimant=None, source="nowhere")]),
    )
    found = problems_for(bad)
    assert any("feature 0 (id a-1): field 'notes'" in p for p in found)
    assert any("feature 1 (id a-2): field 'geometry.coordinates'" in p for p in found)
    assert any("feature 2 (id a-3): field 'claims[0].claimant'" in p for p in found)


def test_duplicate_ids_across_files_and_dangling_included_in(tmp_path: Path) -> None:
    (tmp_path / "a.geojson").write_text(json.dumps(layer(event("dup-1"), episode_id="ep-a")))
    (tmp_path / "b.geojson").write_text(
        json.dumps(
            layer(
                event("dup-1"), event("b-2", claims=[claim(included_in="ghost")]), episode_id="ep-b"
            )
        )
    )
    report = validate_paths([tmp_path])
    assert report.events == 3
    assert any(
        f"{tmp_path / 'b.geojson'} feature 0 (id dup-1): field 'event_id': duplicate id, "
        f"already used in {tmp_path / 'a.geojson'}" in p
        for p in report.problems
    ), report.problems
    assert any("'claims[0].included_in': no event 'ghost'" in p for p in report.problems)


def test_not_json_and_missing_file_are_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", ')
    report = validate_paths([broken, tmp_path / "absent.geojson"])
    assert any(p.startswith(f"{broken}: not valid JSON") for p in report.problems)
    assert f"{tmp_path / 'absent.geojson'}: file not found" in report.problems


def test_validation_writes_nothing_and_load_raises_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    text = json.dumps(layer(event("x-1", notes=None), event("x-2", country="GEO")))
    path.write_text(text)
    before = sorted(tmp_path.iterdir())
    with pytest.raises(ValidationError, match=r"2 problem\(s\) found") as info:
        load_events([path])
    assert len(info.value.problems) == 2
    assert path.read_text() == text
    assert sorted(tmp_path.iterdir()) == before


def test_dump_is_deterministic_and_round_trips(tmp_path: Path) -> None:
    parsed, problems = parse_layer(layer(event("r-1"), event("r-2")), origin="t")
    assert parsed is not None and problems == []
    text = dump_layer(parsed)
    again, _ = parse_layer(json.loads(text), origin="t")
    assert again is not None
    assert dump_layer(again) == text
    assert '"coordinates": [45.62838, 40.99249]' in text
    feature = text[text.index('"features"') :]
    assert feature.index('"event_id"') < feature.index('"event_date"') < feature.index('"sources"')


def test_frame_has_derived_columns_and_real_dates(tmp_path: Path) -> None:
    path = tmp_path / "ok.geojson"
    path.write_text(
        json.dumps(layer(event("f-1", claims=[claim(value=4), claim(value=6, claimant="Other")])))
    )
    frame = load_events([path])
    row = frame.loc["f-1"]
    assert (row.deaths_low, row.deaths_best, row.deaths_high, row.fatalities) == (4, 4, 6, 4)
    assert str(frame["event_date"].dtype) == "datetime64[ns]"
    assert frame.crs.to_epsg() == 4326
    assert row.claims[1]["claimant"] == "Other"
    assert (row.longitude, row.latitude) == (45.62838, 40.99249)


def test_atomic_write_gives_normal_permissions_and_keeps_existing_ones(tmp_path: Path) -> None:
    from geo.layers import atomic_write_text

    new = tmp_path / "new.txt"
    atomic_write_text(new, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask
    new.chmod(0o640)
    atomic_write_text(new, "y")
    assert new.stat().st_mode & 0o777 == 0o640
    assert new.read_text() == "y"
    assert [p.name for p in tmp_path.iterdir()] == ["new.txt"]


def test_cross_file_problems_name_the_right_feature_and_no_false_follow_on(
    tmp_path: Path,
) -> None:
    # feature 0 is broken; feature 1 duplicates an id of the other file and cites feature 0
    (tmp_path / "a.geojson").write_text(json.dumps(layer(event("dup-1"), episode_id="ep-a")))
    (tmp_path / "b.geojson").write_text(
        json.dumps(
            layer(
                event("broken-0", notes=None),
                event("dup-1", claims=[claim(included_in="broken-0")]),
                episode_id="ep-b",
            )
        )
    )
    report = validate_paths([tmp_path])
    b = tmp_path / "b.geojson"
    assert report.problems == [
        f"{b} feature 0 (id broken-0): field 'notes': required field is missing",
        f"{b} feature 1 (id dup-1): field 'event_id': duplicate id, already used in "
        f"{tmp_path / 'a.geojson'}",
    ]
    assert (report.events, report.features_seen) == (2, 3)


def test_an_event_with_any_problem_does_not_pass(tmp_path: Path) -> None:
    from geo.config import Settings
    from geo.gazetteer import Gazetteer

    path = tmp_path / "moved.geojson"
    path.write_text(
        json.dumps(layer(event("m-1", geometry={"type": "Point", "coordinates": [45.6, 40.99]})))
    )
    report = validate_paths([path], gazetteer=Gazetteer.default(Settings()))
    assert len(report.problems) == 1
    assert "is not the sourced point of place 'tovuz'" in report.problems[0]
    assert (report.events, report.features_seen) == (0, 1)


def _gazetteer():  # type: ignore[no-untyped-def]
    from geo.config import Settings
    from geo.gazetteer import Gazetteer

    return Gazetteer.default(Settings())


def test_where_prec_must_be_a_level_of_the_places_country() -> None:
    """Issue 11 item 8: 'only the Tovuz district is known' is where_prec 3, not 4."""
    tovuz_as_adm1 = event("tovuz-area", geo_precision=3, where_prec=4)
    _, problems = parse_layer(
        layer(tovuz_as_adm1), origin="layers/t.geojson", gazetteer=_gazetteer()
    )
    assert problems == [
        "layers/t.geojson feature 0 (id tovuz-area): field 'where_prec': 4 names no admin level "
        "of place 'tovuz' (region 'Tovuz District' is 3, district 'Tovuz District' is 3; see "
        "the precision rule in data/CODEBOOK.md)"
    ]
    tovuz_district = event("tovuz-area", geo_precision=3, where_prec=3)
    assert parse_layer(layer(tovuz_district), gazetteer=_gazetteer())[1] == []
    tavush_marz = event(
        "tavush-area", country="ARM", place_id="ijevan", geo_precision=3, where_prec=4,
        geometry={"type": "Point", "coordinates": [45.14776, 40.88037]},
    )  # fmt: skip
    assert parse_layer(layer(tavush_marz), gazetteer=_gazetteer())[1] == []


def test_event_cannot_be_more_precise_than_its_gazetteer_place() -> None:
    # Əlibəyli has no coordinate: it is shown at Tovuz town with where_prec 3.
    finer = event("alibeyli-1", place_id="alibeyli", geo_precision=2, where_prec=2)
    _, problems = parse_layer(layer(finer), origin="layers/t.geojson", gazetteer=_gazetteer())
    assert len(problems) == 1
    assert problems[0].startswith(
        "layers/t.geojson feature 0 (id alibeyli-1): field 'where_prec': 2 claims more "
        "precision than the place reference allows (3:"
    )


def test_geo_precision_3_needs_an_admin_level_where_prec() -> None:
    bad = event("coarse-1", geo_precision=3, where_prec=1)
    assert problems_for(layer(bad)) == [
        "layers/t.geojson feature 0 (id coarse-1): field 'where_prec': 1 is finer than "
        "geo_precision 3 (only a district or region is known) allows; use 3 or coarser"
    ]


def test_country_may_be_left_out_only_for_an_area_that_is_no_admin_unit() -> None:
    """Issue 11 item 3: an event whose sources give no country is valid, but only as an area."""
    at_border = event("border-1", country=None, geo_precision=3, where_prec=5)
    parsed, problems = parse_layer(layer(at_border), gazetteer=_gazetteer())
    assert problems == []
    assert parsed is not None and parsed.events[0].properties.country is None
    in_town = event("town-1", country=None)
    assert problems_for(layer(in_town)) == [
        "layers/t.geojson feature 0 (id town-1): field 'country': required unless the sources "
        "give none and where_prec is 5 or 7 (an area that is no admin unit); where_prec is 1"
    ]
