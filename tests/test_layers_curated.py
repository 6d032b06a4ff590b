"""The curated layers in ``layers/``: valid, canonical, sourced, and with the expected figures."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from geo.config import Settings
from geo.events import derived_figures
from geo.layers import Layer, dump_layer, parse_layer, validate_paths

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ROOT / "layers"
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
PLACE_FACTS = SHARED / "data" / "places" / "place_facts.csv"

#: file stem -> (events, claims on events, claims on the episode)
EXPECTED_COUNTS = {
    "tovuz-tavush-2020-07": (3, 6, 4),
    "karabakh-march-2020-07": (8, 18, 0),
    "nagorno-karabakh-2023-09": (3, 10, 0),
    "yerevan-protests-2023-09": (2, 3, 0),
    "nerkin-hand-2024-02": (2, 3, 0),
}

#: Places without a confirmed coordinate and the reference point used in their stead.
FALLBACK = {
    "nerkin_hand": "kapan",
    "milli_majlis_building": "alley_of_honor",
    "gobu_park": "lokbatan",
    "khatai_district": "baku",
    "ahmadli": "baku",
    "russian_embassy_yerevan": "yerevan",
    "alibeyli": "tovuz",
}
#: Not in the place facts file: Ijevan (GeoNames 616627), the Tavush marz capital; Lokbatan
#: (GeoNames 585630), where Gobu Park was built; the Alley of Honor, whose coordinate the
#: places README records (en.wikipedia Alley_of_Honor).
EXTRA_PLACES = {
    "ijevan": (45.14776, 40.88037),
    "lokbatan": (49.73376, 40.3256),
    "alley_of_honor": (49.82083, 40.36167),
}


def _layers() -> dict[str, Layer]:
    report = validate_paths([LAYERS])
    assert report.ok, "\n".join(report.problems)
    return {Path(layer.origin).stem: layer for layer in report.layers}


def _event(event_id: str):
    for layer in _layers().values():
        for ev in layer.events:
            if ev.properties.event_id == event_id:
                return ev
    raise AssertionError(f"no event {event_id!r} in {LAYERS}")


def test_layers_validate_without_problems() -> None:
    report = validate_paths([LAYERS])
    assert report.problems == []
    assert sorted(Path(f).stem for f in report.files) == sorted(EXPECTED_COUNTS)


def test_layers_validate_against_the_gazetteer() -> None:
    gazetteer_module = pytest.importorskip("geo.gazetteer")
    gazetteer = gazetteer_module.Gazetteer.default(Settings())
    report = validate_paths([LAYERS], gazetteer=gazetteer)
    assert report.problems == []
    for layer in report.layers:
        for ev in layer.events:
            ref = gazetteer.resolve_point(ev.properties.place_id)
            assert (ev.lon, ev.lat) == pytest.approx((ref.lon, ref.lat), abs=1e-9)


def test_points_are_sourced_place_coordinates() -> None:
    """Without the gazetteer: every point is exactly its place's point in the shared place facts."""
    if not PLACE_FACTS.is_file():
        pytest.skip(f"{PLACE_FACTS} is absent")
    with PLACE_FACTS.open(encoding="utf-8") as fh:
        places = {
            row["place_id"]: (float(row["lon"]), float(row["lat"]))
            for row in csv.DictReader(fh)
            if row["lat"] and row["lon"]
        }
    places.update(EXTRA_PLACES)
    for layer in _layers().values():
        for ev in layer.events:
            pid = ev.properties.place_id
            assert pid is not None, ev.properties.event_id
            assert pid not in FALLBACK, f"{ev.properties.event_id}: use {FALLBACK.get(pid)!r}"
            assert (ev.lon, ev.lat) == places[pid], ev.properties.event_id


@pytest.mark.parametrize("stem", sorted(EXPECTED_COUNTS))
def test_counts_per_file(stem: str) -> None:
    layer = _layers()[stem]
    events, event_claims, episode_claims = EXPECTED_COUNTS[stem]
    assert layer.episode.id == stem
    assert len(layer.events) == events
    assert sum(len(ev.properties.claims) for ev in layer.events) == event_claims
    assert len(layer.episode.claims) == episode_claims


def test_every_event_sourced_and_every_claim_attributed() -> None:
    for layer in _layers().values():
        episode_sources = {s.id for s in layer.episode.sources}
        for claim in layer.episode.claims:
            assert claim.claimant and claim.source in episode_sources
        for ev in layer.events:
            p = ev.properties
            assert len(p.sources) >= 1, p.event_id
            ids = {s.id for s in p.sources}
            for claim in p.claims:
                assert claim.claimant.strip(), p.event_id
                assert claim.source in ids, p.event_id


def test_offensive_keeps_both_casualty_claims() -> None:
    p = _event("nagorno-karabakh-2023-09-19-offensive").properties
    killed = {
        (c.claimant_type, c.value) for c in p.claims if c.measure == "killed" and c.group == "any"
    }
    assert killed == {("separatist_authority", 25), ("rights_group", 27)}
    sources = {c.source for c in p.claims if c.measure == "killed" and c.group == "any"}
    assert sources == {"seed004", "seed001"}


@pytest.mark.parametrize(
    ("event_id", "expected"),
    [
        (
            "nagorno-karabakh-2023-09-19-offensive",
            {"deaths_low": 25, "deaths_best": 25, "deaths_high": 27,
             "injured_low": 138, "injured_best": 138, "injured_high": 200},
        ),
        ("tovuz-2020-07-12-border-fighting", {"fatalities": 12, "deaths_high": 12}),
        ("tavush-2020-07-12-border-fighting", {"fatalities": 4, "deaths_high": 4}),
        ("tovuz-2020-07-14-senior-officers-killed", {"fatalities": 0, "deaths_high": 0}),
        (
            "yerevan-2023-09-19-government-buildings-protest",
            {"fatalities": 0, "injured_low": 34, "injured_best": 34, "injured_high": 34},
        ),
        (
            "nerkin-hand-2024-02-13-revenge-operation",
            {"fatalities": 4, "deaths_best": 4, "deaths_high": 4, "injured_best": 1},
        ),
        ("baku-2020-07-15-parliament-storming", {"fatalities": 0, "injured_best": 7}),
        ("stepanakert-2023-09-19-shelling", {"fatalities": 0, "injured_high": 0}),
    ],
)  # fmt: skip
def test_derived_figures(event_id: str, expected: dict[str, int]) -> None:
    got = derived_figures(_event(event_id).properties.claims)
    assert {k: got[k] for k in expected} == expected


def test_officers_deaths_are_counted_in_the_tovuz_fighting() -> None:
    (claim,) = _event("tovuz-2020-07-14-senior-officers-killed").properties.claims
    assert (claim.measure, claim.value) == ("killed", 2)
    assert claim.included_in == "tovuz-2020-07-12-border-fighting"


def test_disputed_and_unquantified_claims_kept() -> None:
    tavush = _event("tavush-2020-07-12-border-fighting").properties
    (hundreds,) = [c for c in tavush.claims if c.qualifier == "unquantified"]
    assert (hundreds.text, hundreds.disputed_by) == ("hundreds", "Armenia")
    nerkin = _event("nerkin-hand-2024-02-12-alleged-fire").properties
    assert {"alleged", "disputed"} <= set(nerkin.tags)


@pytest.mark.parametrize("stem", sorted(EXPECTED_COUNTS))
def test_file_is_in_canonical_form(stem: str) -> None:
    path = LAYERS / f"{stem}.geojson"
    text = path.read_text(encoding="utf-8")
    layer, problems = parse_layer(json.loads(text), origin=str(path))
    assert problems == []
    assert layer is not None
    assert dump_layer(layer) == text


def test_cited_seeds_exist() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is absent")
    cited = {
        s.seed
        for layer in _layers().values()
        for s in (
            *layer.episode.sources,
            *(s for ev in layer.events for s in ev.properties.sources),
        )
        if s.seed
    }
    assert cited
    missing = sorted(name for name in cited if not (SEEDS / name).is_file())
    assert missing == []


def test_zero_figures_are_explained_where_casualties_were_claimed() -> None:
    from geo.layers import load_events

    events = load_events([LAYERS])
    officers = events.loc["tovuz-2020-07-14-senior-officers-killed"]
    assert officers.deaths_best == 0
    assert "2 killed" in officers.figures_note
    assert "counted in event tovuz-2020-07-12-border-fighting" in officers.figures_note
    landmine = events.loc["nagorno-karabakh-2023-09-19-landmine"]
    assert landmine.deaths_high == 0
    assert "“civilian deaths”" in landmine.figures_note
    tavush = events.loc["tavush-2020-07-12-border-fighting"]
    assert "“hundreds”" in tavush.figures_note
    assert "disputed by" in tavush.figures_note
    assert events.loc["stepanakert-2023-09-19-shelling"].figures_note == ""


def test_gobu_protest_is_at_gobu_park_in_garadagh_not_the_village() -> None:
    """Issue 11 item 1: Gobu Park (Garadagh, Baku), not Gobu village (Absheron) at 1/1."""
    ev = _event("gobu-2020-07-12-night-protest")
    p = ev.properties
    assert p.place_id == "lokbatan"
    assert (ev.lon, ev.lat) == (49.73376, 40.3256)
    assert (p.geo_precision, p.where_prec) == (2, 2)
    assert p.location_note is not None and "Garadagh" in p.location_note
    assert "Gobu Park" in p.location and "Garadagh" in p.location


def test_parliament_storming_is_at_the_nearest_sourced_reference() -> None:
    """Issue 11 item 2: not the Baku city point, about 6 km east of Parliament Avenue."""
    from geo.gazetteer import Gazetteer

    ev = _event("baku-2020-07-15-parliament-storming")
    p = ev.properties
    gaz = Gazetteer.default(Settings())
    assert p.place_id == gaz.get("milli_majlis_building").fallback_place_id == "alley_of_honor"
    assert (ev.lon, ev.lat) == (49.82083, 40.36167)
    assert (p.geo_precision, p.where_prec) == (2, 2)
    assert p.location_note is not None and "milli_majlis_building" in p.location_note


def test_stepanakert_note_says_no_more_than_the_article() -> None:
    """Issue 11 item 4: Reuters could not check the sides' claims (not 'the footage'), and the
    shelling was heard in footage filmed in the city, which does not make the city the target."""
    p = _event("stepanakert-2023-09-19-shelling").properties
    for text in (p.notes, p.sources[0].reported):
        assert "footage" in text and "the claims of either side" in text
        assert "verify the footage" not in text and "could not verify the footage" not in text
    assert "does not say the city was hit" in p.notes
    assert p.location_note is not None and "where the shells landed is not reported" in (
        p.location_note
    )


def test_undated_landmine_is_coded_on_or_before_the_report_day() -> None:
    """Issue 11 item 5: article 001 gives no date for the blast; the record must not pin a day."""
    from datetime import date

    p = _event("nagorno-karabakh-2023-09-19-landmine").properties
    assert (p.date_start, p.event_date, p.date_end) == (
        date(2023, 9, 1),
        date(2023, 9, 19),
        date(2023, 9, 19),
    )
    assert p.time_precision == 3
    assert "on or before 19 September 2023" in p.notes


def test_outpost_destroyed_claim_is_attributed_as_the_article_does() -> None:
    """Issue 11 item 6: article 003 says only 'Azerbaijanis claim', not the border service."""
    p = _event("nerkin-hand-2024-02-13-revenge-operation").properties
    (claim,) = [c for c in p.claims if c.measure == "facilities_destroyed"]
    assert claim.claimant == "Azerbaijani side (unnamed)"
    assert claim.claimant_type == "other"
    assert "Border Service" not in claim.claimant


def _sentences_citing(text: str, seed: str) -> list[str]:
    import re

    return [s for s in re.split(r"(?<=\)\.) ", text) if seed in s]


def test_yerevan_demand_for_government_action_cites_article_004() -> None:
    """Issue 11 item 7: the demand that the government act is in 004, not 001."""
    notes = _event("yerevan-2023-09-19-government-buildings-protest").properties.notes
    from_001 = " ".join(_sentences_citing(notes, "seed 001_2874fa14cb4eaf04.txt"))
    from_004 = " ".join(_sentences_citing(notes, "seed 004_843afa940c89899c.txt"))
    assert "government to act" not in from_001
    assert "government to act" in from_004


@pytest.mark.parametrize(
    ("event_id", "location_word", "crowd"),
    [
        ("baku-2020-07-14-mirzayev-home-gathering", "Khatai", "hundreds"),
        ("ahmadli-2020-07-14-rally", "Ahmadli", "hundreds"),
        ("baku-2020-07-15-morning-march", "Narimanov", "several hundred"),
    ],
)
def test_gatherings_at_separate_places_are_separate_events(
    event_id: str, location_word: str, crowd: str
) -> None:
    """Issue 11 item 9: facts once kept only in notes are events, as ACLED would code them."""
    p = _event(event_id).properties
    assert location_word in p.location
    assert "ACLED counts gatherings at separate locations as separate events" in p.notes
    (claim,) = [c for c in p.claims if c.measure == "crowd_size"]
    assert (claim.qualifier, claim.text) == ("unquantified", crowd)
    assert (p.place_id, p.geo_precision, p.where_prec) == ("baku", 2, 2)


def test_joint_crowd_figure_for_sumgayit_and_ahmadli_is_kept_once() -> None:
    (sumgayit,) = _event("sumgayit-2020-07-14-rally").properties.claims
    (ahmadli,) = _event("ahmadli-2020-07-14-rally").properties.claims
    assert sumgayit.included_in is None and sumgayit.text == "hundreds"
    assert ahmadli.included_in == "sumgayit-2020-07-14-rally"
    assert sumgayit.subject == ahmadli.subject == "demonstrators in Sumgayit and Ahmadli together"


def test_notes_no_longer_hold_the_separate_gatherings() -> None:
    march = _event("baku-2020-07-14-karabakh-march").properties.notes
    assert "hundreds had gathered" not in march
    parliament = _event("baku-2020-07-15-parliament-storming").properties.notes
    assert "marched on under police escort" not in parliament


def test_alleged_fire_says_no_more_than_article_003() -> None:
    """Issue 11 item 3: no place and no country in the text, so none in the record."""
    p = _event("nerkin-hand-2024-02-12-alleged-fire").properties
    assert p.country is None
    assert (p.geo_precision, p.where_prec) == (3, 5)
    assert p.location.startswith("Place not given")
    assert p.location_note is not None and "no country" in p.location_note
