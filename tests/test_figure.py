"""Printed maps and handouts: files, sizes, text kept as text, errors, escaping, and the CLI."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.transforms import Bbox
from PIL import Image
from shapely.geometry import box
from typer.testing import CliRunner

from geo.boundaries import AdminUnits
from geo.config import Settings
from geo.dataset import Dataset
from geo.figure import (
    FIGSIZE,
    FigureFormatError,
    UnknownRegionError,
    figure_bytes,
    make_figure,
    render_figure,
)
from geo.handout import build_handout, make_handout
from geo.join import join_events
from geo.layers import episodes_frame, layers_to_frame, parse_layer
from geo.period import period_label
from geo.scope import resolve_scope
from geo.view import View
from tests import factories as f
from tests.helpers import pdf_text

TITLE = "Tavush: clashes and protests, 12–16 July 2020"
JULY = View(region="Tavush", start=date(2020, 7, 12), end=date(2020, 7, 16))
CREDIT = "Boundaries: test squares (CC0). Figures are attributed claims."
HOSTILE = "<script>alert('x')</script> & <b>bold</b>"


# --------------------------------------------------------------------------- fixtures


def _events() -> dict:
    """Four events: exact (Tovuz), near (Aygepar), district only (Tovuz), hostile text."""
    return f.layer(
        f.event("tovuz-2020-07-14-a"),
        f.event(
            "aygepar-2020-07-13-protest",
            event_date="2020-07-13",
            date_start="2020-07-13",
            date_end="2020-07-13",
            event_type="Protests",
            sub_event_type="Peaceful protest",
            actor1="Protesters (Armenia)",
            actor2=None,
            country="ARM",
            location="Aygepar",
            place_id="aygepar",
            geo_precision=2,
            where_prec=2,
            location_note="Near the village.",
            claims=[],
            geometry={"type": "Point", "coordinates": [45.462222, 40.941944]},
        ),
        f.event(
            "tovuz-2020-07-15-shelling",
            event_date="2020-07-15",
            date_start="2020-07-15",
            date_end="2020-07-15",
            event_type="Explosions/Remote violence",
            sub_event_type="Shelling/artillery/missile attack",
            location="Tovuz District",
            geo_precision=3,
            where_prec=3,
            location_note="Only the district is named.",
            claims=[f.claim(value=12, qualifier="at_least", side="any", group="any")],
        ),
        f.event(
            "berd-2020-07-16-hostile",
            event_date="2020-07-16",
            date_start="2020-07-16",
            date_end="2020-07-16",
            event_type="Battles",
            sub_event_type="Armed clash",
            country="ARM",
            location="Berd " + HOSTILE,
            place_id="berd",
            notes="Notes with " + HOSTILE,
            sources=[dict(f.SOURCE, outlet="Outlet " + HOSTILE, seed="000_3eff19b8bf5dfb3d.txt")],
            claims=[f.claim(claimant="Claimant " + HOSTILE, note=HOSTILE, value=2)],
            geometry={"type": "Point", "coordinates": [45.38901, 40.88066]},
        ),
    )


def _frames() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    raw = _events()
    raw["episode"]["claims"] = [f.claim(value=16, qualifier="at_least", side="any", group="any")]
    layer, problems = parse_layer(raw, origin="test.geojson")
    assert layer is not None, problems
    return layers_to_frame([layer]), episodes_frame([layer])


def _squares() -> AdminUnits:
    """Three square regions: Lori, Tavush (ARM, two districts) and Tovuz District (AZE)."""
    return f.admin_units(
        [
            ("ARM", "ARM-1", "Lori", box(44.6, 40.7, 45.0, 41.2)),
            ("ARM", "ARM-2", "Tavush", box(45.0, 40.7, 45.5, 41.2)),
            ("AZE", "AZE-1", "Tovuz District", box(45.5, 40.7, 46.0, 41.2)),
        ],
        [
            ("ARM", "ARM-1a", "Spitak", "ARM-1", "Lori", box(44.6, 40.7, 45.0, 41.2)),
            ("ARM", "ARM-2a", "Idjevan", "ARM-2", "Tavush", box(45.0, 40.7, 45.3, 41.2)),
            ("ARM", "ARM-2b", "Berd", "ARM-2", "Tavush", box(45.3, 40.7, 45.5, 41.2)),
            ("AZE", "AZE-1", "Tovuz District", "AZE-1", "Tovuz District",
             box(45.5, 40.7, 46.0, 41.2)),
        ],
        countries=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def small() -> Dataset:
    """Hand-made squares and events: no boundary files needed."""
    events, episodes = _frames()
    admin = _squares()
    return Dataset(join_events(events, admin), episodes, admin)


@pytest.fixture(scope="module")
def real(settings: Settings) -> Dataset:
    """The same events joined to the real geoBoundaries units."""
    from geo.boundaries import load_admin_units

    events, episodes = _frames()
    admin = load_admin_units(settings)
    return Dataset(join_events(events, admin), episodes, admin)


# --------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2020, 7, 12), date(2020, 7, 16), "12–16 July 2020"),
        (date(2020, 6, 28), date(2020, 7, 3), "28 June – 3 July 2020"),
        (date(2020, 12, 30), date(2021, 1, 2), "30 December 2020 – 2 January 2021"),
        (date(2023, 9, 19), date(2023, 9, 19), "19 September 2023"),
        (date(2023, 9, 19), None, "from 19 September 2023"),
        (None, date(2023, 9, 19), "until 19 September 2023"),
        (None, None, "all dates"),
    ],
)
def test_period_label(start: date | None, end: date | None, expected: str) -> None:
    assert period_label(start, end) == expected


def test_region_names_resolve_case_insensitively(small: Dataset) -> None:
    assert resolve_scope("tovuz district", small.admin).name == "Tovuz District"
    assert resolve_scope("  TAVUSH ", small.admin).level == "region"
    assert resolve_scope("berd", small.admin).level == "district"
    assert resolve_scope("Armenia", small.admin).countries == ("ARM",)
    assert resolve_scope(None, small.admin).level == "all"


def test_unknown_region_suggests_the_close_name(small: Dataset) -> None:
    with pytest.raises(UnknownRegionError) as err:
        render_figure(small, JULY.with_(region="Tavsh"), attribution=CREDIT)
    assert str(err.value) == "unknown region 'Tavsh'; did you mean 'Tavush'?"


def test_unknown_region_without_a_close_name_lists_the_names(small: Dataset) -> None:
    with pytest.raises(UnknownRegionError) as err:
        render_figure(small, JULY.with_(region="Atlantis"), attribution=CREDIT)
    assert str(err.value).startswith("unknown region 'Atlantis'; known: ")
    for name in ("Lori", "Tavush", "Tovuz District", "Berd", "Idjevan", "Azerbaijan"):
        assert name in str(err.value)


# --------------------------------------------------------------------------- figure files


def test_png_has_the_expected_size_and_is_not_blank(small: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "tavush.png"
    make_figure(small, JULY, out, dpi=50, attribution=CREDIT)
    payload = out.read_bytes()
    assert payload.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(payload))
    assert image.size == (int(FIGSIZE[0] * 50), int(FIGSIZE[1] * 50))
    grey = np.asarray(image.convert("L"), dtype=float)
    assert grey.std() > 20  # drawn, not a blank page
    assert (grey < 60).mean() > 0.005  # dark ink: text, borders and markers print in greyscale


def test_svg_keeps_title_legend_dates_and_attribution_as_text(small: Dataset) -> None:
    svg = figure_bytes(small, JULY, fmt="svg", attribution=CREDIT)
    assert isinstance(svg, bytes)
    text = svg.decode("utf-8")
    for expected in (
        TITLE,
        "Period: 12–16 July 2020",
        "Event type",
        "Battle",
        "Protest",
        "Near the named place",
        "Deaths (best estimate)",
        "km",
        "Boundaries: test squares (CC0).",
        "attributed claims",
    ):
        assert expected in text, expected
    assert "&lt;script&gt;" in text and "<script" not in text  # a hostile place name stays text


def test_pdf_keeps_text_as_text(small: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "tavush.pdf"
    with mpl.rc_context({"pdf.compression": 0}):
        make_figure(small, JULY, out, attribution=CREDIT)
    payload = out.read_bytes()
    assert payload.startswith(b"%PDF")
    assert b"/FontFile2" in payload  # embedded TrueType (fonttype 42), not outlines
    text = pdf_text(payload)
    for expected in (TITLE, "12–16 July 2020", "Event type", "Battle", "test squares", "N"):
        assert expected in text, expected


def test_default_view_draws_both_countries(small: Dataset) -> None:
    svg = figure_bytes(small, View(), fmt="svg", attribution=CREDIT)
    assert isinstance(svg, bytes)
    assert "Armenia and Azerbaijan: clashes and protests" in svg.decode()


def test_region_without_events_says_so(small: Dataset) -> None:
    svg = figure_bytes(small, JULY.with_(region="Lori"), fmt="svg", attribution=CREDIT)
    assert isinstance(svg, bytes)
    text = svg.decode()
    assert "Lori: clashes and protests, 12–16 July 2020" in text
    assert "No events recorded in this period" in text


def test_figure_without_out_is_a_figure(small: Dataset) -> None:
    fig = render_figure(small, JULY, attribution=CREDIT)
    assert not isinstance(fig, bytes)
    assert fig.texts[0].get_text() == TITLE


def test_unknown_format_is_refused_and_old_file_kept(small: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "map.bmp"
    out.write_bytes(b"old")
    with pytest.raises(FigureFormatError, match=r"map\.bmp: unknown figure format 'bmp'"):
        make_figure(small, JULY, out, attribution=CREDIT)
    assert out.read_bytes() == b"old"


def test_failed_write_leaves_previous_file(
    small: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "map.png"
    out.write_bytes(b"old")

    def broken(self: Path, data: bytes) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_bytes", broken)
    with pytest.raises(OSError, match=f"cannot write {out}: disk full"):
        make_figure(small, JULY, out, dpi=40, attribution=CREDIT)
    monkeypatch.undo()
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]


# --------------------------------------------------------------------------- handout


def test_handout_html_has_events_claims_and_escapes(small: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "handout.html"
    make_handout(small, JULY.with_(region=None), out, attribution=CREDIT)
    page = out.read_text(encoding="utf-8")
    assert "<table class='events'>" in page
    assert page.count("<tr id=") == 4
    assert "data:image/png;base64," in page
    # Claims: figure as stated, who claims it, outlet and seed file.
    assert "at least 12 killed" in page
    assert "claimed by Ministry of Testing (government)" in page
    assert "source: Outlet &lt;script&gt;" in page and "seed file 000_3eff19b8bf5dfb3d.txt" in page
    assert "at least 16 killed" in page  # episode-wide claim
    assert "2 / 2 / 2" in page  # derived deaths low / best / high
    assert "only the district or region is known" in page
    # Nothing from the data becomes markup, and nothing is loaded from elsewhere.
    assert "<script" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert not re.search(r"(src|href)=['\"](?!data:)", page)
    assert "<link" not in page


def test_handout_content_follows_the_view(small: Dataset) -> None:
    content = build_handout(small, JULY.with_(region="Tovuz District"), attribution=CREDIT)
    assert content.title == "Tovuz District: clashes and protests, 12–16 July 2020"
    assert [e.event_id for e in content.events] == [
        "tovuz-2020-07-14-a",
        "tovuz-2020-07-15-shelling",
    ]
    assert content.events[0].deaths == (3, 3, 3)


def test_handout_pdf(small: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "handout.pdf"
    with mpl.rc_context({"pdf.compression": 0}):
        make_handout(small, JULY, out, attribution=CREDIT)
    text = pdf_text(out.read_bytes())
    assert TITLE in text
    assert "claimed by Ministry of Testing" in text


# --------------------------------------------------------------------------- real boundaries


def test_real_boundaries_tavush(real: Dataset, settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "tavush.svg"
    make_figure(real, JULY, out, settings=settings)
    text = out.read_text(encoding="utf-8")
    assert TITLE in text
    assert "geoBoundaries gbOpen v4.0.0" in text
    assert "GeoNames" in text and "Wikipedia" in text
    assert "Tovuz District" in text and "Gegharkunik" in text  # neighbours, both countries


def test_real_boundaries_all_and_empty(real: Dataset, settings: Settings) -> None:
    png = figure_bytes(real, View(), fmt="png", dpi=40, settings=settings)
    assert isinstance(png, bytes)
    assert Image.open(io.BytesIO(png)).size == (int(FIGSIZE[0] * 40), int(FIGSIZE[1] * 40))
    svg = figure_bytes(real, JULY.with_(region="syunik"), fmt="svg", settings=settings)
    assert isinstance(svg, bytes)
    assert "No events recorded in this period" in svg.decode()


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def cli_env(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    layers = tmp_path / "layers"
    layers.mkdir()
    raw = f.layer(
        f.event("tovuz-2020-07-14-a"),
        f.event(
            "aygepar-2020-07-13-clash",
            country="ARM",
            location="Aygepar",
            place_id="aygepar",
            geometry={"type": "Point", "coordinates": [45.462222, 40.941944]},
        ),
    )
    (layers / "test.geojson").write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.setenv("CONFLICTMAP_LAYERS_DIR", str(layers))
    assert settings.boundaries_dir is not None
    monkeypatch.setenv("CONFLICTMAP_BOUNDARIES_DIR", str(settings.boundaries_dir))
    return tmp_path


def test_cli_figure_from_the_brief(cli_env: Path) -> None:
    from geo.cli import app

    out = cli_env / "out.png"
    args = ["figure", "--region", "Tavush", "--from", "2020-07-12", "--to", "2020-07-16", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")
    with Image.open(out) as image:
        assert image.size == (int(FIGSIZE[0] * 200), int(FIGSIZE[1] * 200))


def test_cli_handout(cli_env: Path) -> None:
    from geo.cli import app

    out = cli_env / "handout.html"
    result = CliRunner().invoke(app, ["handout", "--region", "tovuz district", str(out)])
    assert result.exit_code == 0, result.output
    assert "tovuz-2020-07-14-a" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--region", "Atlantis"], 1, "unknown region 'Atlantis'.*Tavush"),
        (["--from", "2020-07-32"], 2, "'--from'.*'2020-07-32' is not a date like 2020-07-12"),
        (["--from", "2020-07-16", "--to", "2020-07-12"], 2, "2020-07-16 is after --to"),
    ],
)
def test_cli_figure_errors(cli_env: Path, args: list[str], code: int, message: str) -> None:
    from geo.cli import app

    result = CliRunner().invoke(app, ["figure", *args, str(cli_env / "x.png")])
    assert result.exit_code == code
    assert re.search(message, result.output, re.S), result.output
    assert not (cli_env / "x.png").exists()


def test_cli_unknown_suffix(cli_env: Path) -> None:
    from geo.cli import app

    result = CliRunner().invoke(app, ["figure", str(cli_env / "x.bmp")])
    assert result.exit_code == 2
    assert "unknown output format '.bmp'; use .png, .pdf, .svg" in " ".join(
        result.output.replace("│", " ").split()
    )


def test_markers_spread_apart_are_tied_to_their_true_location(settings: Settings) -> None:
    """Three curated events share Stepanakert's point on 19 Sept 2023: each is spread out
    with a leader line back to a dot at the real location, so none seems to be elsewhere."""
    from matplotlib.transforms import IdentityTransform

    from geo.dataset import load_dataset

    day = View(start=date(2023, 9, 19), end=date(2023, 9, 19), region="Azerbaijan")
    fig = render_figure(load_dataset(settings), day, settings=settings)
    ax = fig.axes[0]
    leaders = [line for line in ax.lines if isinstance(line.get_transform(), IdentityTransform)]
    assert len(leaders) == 3
    starts = {(round(line.get_xdata()[0], 3), round(line.get_ydata()[0], 3)) for line in leaders}
    assert len(starts) == 1  # all from the one true location


def test_event_without_a_country_in_the_handout(settings: Settings) -> None:
    """Issue 11 item 3: the handout names no country for the alleged fire of 12 Feb 2024."""
    from geo.dataset import load_dataset
    from geo.handout import event_entries

    entries = {e.event_id: e for e in event_entries(load_dataset(settings).events)}
    fire = entries["nerkin-hand-2024-02-12-alleged-fire"]
    assert fire.place == "Place not given (Armenia–Azerbaijan border area)"
    assert entries["nerkin-hand-2024-02-13-revenge-operation"].place.endswith("Armenia)")


def test_all_period_figure_names_both_countries_and_draws_every_label_whole(
    settings: Settings,
) -> None:
    """Issue 11: ``conflictmap figure all.png`` lost ARMENIA and cut two labels mid-word.

    Checked on the matplotlib Text artists of the map: both country names are drawn,
    uncovered; no label is shortened (no '…', no '+N more'); every place and area named by an
    event appears whole; every label lies inside the map frame."""
    from matplotlib.text import Text

    from geo.dataset import load_dataset

    data = load_dataset(settings)
    fig = render_figure(data, View(), settings=settings)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    texts = [t for t in ax.findobj(Text) if t.get_text().strip() and t.get_visible()]

    def flat(text: str) -> str:
        return " ".join(text.replace("•", " ").split())

    def text_box(t: Text) -> Bbox:  # the text alone, not an annotation's leader line
        if hasattr(t, "update_positions"):
            t.update_positions(renderer)
        return Text.get_window_extent(t, renderer)

    drawn = {flat(t.get_text()): t for t in texts}
    for name in ("ARMENIA", "AZERBAIJAN"):
        assert name in drawn, f"{name} is not drawn"
    labels = [t for t in texts if t.get_fontsize() < 12]  # event and area labels
    everything = "\n".join(flat(t.get_text()) for t in labels)
    assert "…" not in everything and "more places" not in everything
    for location in data.events["location"]:
        assert flat(location) in everything, f"{location!r} is not drawn whole"
    boxes = {flat(t.get_text()): text_box(t) for t in texts}
    for text, bb in boxes.items():
        if text in ("N", "0", "50", "100 km"):
            continue
        assert frame.x0 <= bb.x0 and bb.x1 <= frame.x1, f"{text!r} runs out of the map"
        assert frame.y0 <= bb.y0 and bb.y1 <= frame.y1, f"{text!r} runs out of the map"
    for name in ("ARMENIA", "AZERBAIJAN"):
        country = boxes[name]
        for t in labels:
            other = text_box(t)
            overlap = Bbox.intersection(country, other)
            assert overlap is None or overlap.width * overlap.height == 0, (
                f"{name} is covered by {flat(t.get_text())!r}"
            )
