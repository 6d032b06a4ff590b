"""The built folium map as HTML: layers, markers, drawn precision, time control, escaping."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import pytest
from folium.plugins import Timeline, TimelineSlider
from shapely.geometry import Polygon

from geo import render
from geo._errors import CRSMismatchError
from geo.classify import class_breaks, class_colors, class_label
from geo.config import Settings
from geo.credits import PLACES_CREDIT
from geo.dataset import Dataset, load_dataset
from geo.gazetteer import Gazetteer
from geo.join import unit_at
from geo.style import CHOROPLETH_RAMP, EVENT_TYPE_LABELS, NO_DATA_COLOR
from geo.view import View, apply_view
from tests.factories import three_squares
from tests.helpers import HOSTILE, hostile_events, js_text

#: Curated layers (layers/*.geojson): events per episode, and in total.
CURATED_PER_EPISODE = {
    "karabakh-march-2020-07": 8,
    "nagorno-karabakh-2023-09": 3,
    "nerkin-hand-2024-02": 2,
    "tovuz-tavush-2020-07": 3,
    "yerevan-protests-2023-09": 2,
}
CURATED_EVENTS = 18
#: geo_precision 2 in the curated layers: Gobu Park protest (at Lokbatan), parliament storming
#: (at the Alley of Honor), the gatherings at Col. Mirzayev's home and in Ahmadli and the
#: morning march of 15 July (at the Baku point), Stepanakert shelling, Nerkin Hand revenge
#: operation, the two Yerevan protests.
CURATED_PRECISION_2 = 9
#: geo_precision 3: the Nagorno-Karabakh offensive and landmine and the alleged Nerkin Hand
#: fire (located only to an area that is no admin unit: join method "area", no outline, a
#: wide ring), Tovuz border fighting (12–16 July) and senior officers killed (12–14 July;
#: same region, overlapping dates: one outline for 12–16 July), Tavush border fighting.
CURATED_PRECISION_3 = 6
CURATED_AREAS = 2
#: Events with a wide ring instead of an outline (join method "area").
CURATED_AREA_ONLY = 3
#: Upper bound on the curated map page (``render.map_html``, tiles on, gazetteer names).
#: Measured 414,482 characters before (outlines simplified to 0.001° and sent as spaced
#: JSON, an area layer per episode, labelled <div>s in popups, the period rings as a
#: second copy of the points), 308,125 after (outlines simplified to 150 m in UTM 38N
#: and sent compact, one area layer, compact popup markup, rings drawn from the
#: timeline's own data) and 287,199 once popups were built in the browser from compact
#: event data with a lookup table of repeated texts; 289,540 before and 292,100 after the
#: time bar started on the whole period (its few lines of script, and each timeline
#: keeping its features for it).
CURATED_PAGE_MAX = 293_000
#: Upper bound on the page for 10,000 synthetic events (``geo/synthetic.py``, no tiles, no
#: gazetteer). Measured 24.5 MB with popup HTML per event, 10,800,075 bytes with compact
#: event data; about half of that is each event's own notes (unique per event, not
#: interned). The 18 curated events of issue 11 (three new events, longer location notes)
#: raise the resampled notes: measured 11,785,154 bytes with the renderer unchanged.
SYNTHETIC_10K_PAGE_MAX = 12_000_000


def timelines(m: Any) -> list[Timeline]:
    out: list[Timeline] = []
    stack: list[Any] = [m]
    while stack:
        el = stack.pop()
        if isinstance(el, Timeline):
            out.append(el)
        stack.extend(el._children.values())
    return out


def point_features(m: Any) -> list[dict[str, Any]]:
    return [
        f
        for tl in timelines(m)
        if not isinstance(tl, render.AreaTimeline)
        for f in tl.data["features"]
    ]


def area_features(m: folium.Map) -> list[dict[str, Any]]:
    return [f for tl in timelines(m) if isinstance(tl, render.AreaTimeline) for f in tl.features]


def popup_data(m: folium.Map) -> render.PopupData:
    """The map's lookup table (strings, sources, shapes) the popups are built from."""
    (kit,) = [c for c in m._children.values() if isinstance(c, render.PopupKit)]
    return kit.data


def texts_of(props: dict[str, Any], data: render.PopupData) -> list[str]:
    """Every text an event's popup shows from its data, as plain text, in any order."""
    strings = [html.unescape(t) for t in data.strings]
    out = [html.unescape(props.get(k, "")) for k in ("id", "n", "ln")]
    out += [strings[props[k]] for k in ("t", "u", "ep", "l", "pn", "co", "rg", "di", "jm", "an")
            if k in props]  # fmt: skip
    out += [strings[i] for i in props.get("a", [])]
    out += [strings[i] for c in props.get("cl", []) for i in c if i is not None]
    out += [strings[i] for r in props.get("so", []) for i in data.sources[r] if i is not None]
    return out


def episode_groups(m: folium.Map) -> list[folium.FeatureGroup]:
    """The layers holding event markers (the region areas have a layer of their own)."""
    return [
        c
        for c in m._children.values()
        if isinstance(c, folium.FeatureGroup)
        and any(
            isinstance(g, Timeline) and not isinstance(g, render.AreaTimeline)
            for g in c._children.values()
        )
    ]


def popups_in(page: str) -> int:
    """How many events (each with the data of its popup) a page carries (``"tp":`` is
    every event's time precision, in compact JSON)."""
    return page.count('"tp":')


@pytest.fixture(scope="module")
def dataset(settings: Settings) -> Dataset:
    return load_dataset(settings)


@pytest.fixture(scope="module")
def curated_map(dataset: Dataset, settings: Settings) -> tuple[folium.Map, str]:
    m = render.build_map(
        dataset.events,
        view=View(),
        admin=dataset.admin,
        episodes=dataset.episodes,
        places=Gazetteer.default(settings),
        attribution="Boundaries: geoBoundaries gbOpen v4.0.0 (test line)",
        tiles=True,
    )
    return m, render.map_html(m)


# --- layers and markers -------------------------------------------------------------------------


def test_one_toggleable_layer_per_episode_named_by_its_title(
    curated_map: tuple[folium.Map, str], dataset: Dataset
) -> None:
    m, page = curated_map
    groups = episode_groups(m)
    titles = list(dataset.episodes["title"])
    assert [g.layer_name for g in groups] == [html.escape(t) for t in titles]
    assert len(groups) == len(CURATED_PER_EPISODE)
    overlays = re.search(r"overlays\s*:\s*\{(.*?)\}", page, re.S)
    assert overlays is not None
    for title in titles:
        assert f'"{js_text(html.escape(title))}"' in overlays.group(1)


def test_every_curated_event_is_one_marker_in_its_episode_layer(
    curated_map: tuple[folium.Map, str],
) -> None:
    m, page = curated_map
    assert len(point_features(m)) == CURATED_EVENTS
    per_group = {g.layer_name: len(point_features(g)) for g in episode_groups(m)}
    assert sorted(per_group.values()) == sorted(CURATED_PER_EPISODE.values())
    assert popups_in(page) == CURATED_EVENTS
    ids = {f["properties"]["id"] for f in point_features(m)}
    assert "tovuz-2020-07-12-border-fighting" in ids


def test_a_view_draws_only_its_events(dataset: Dataset) -> None:
    # 14 July 2020: the gathering at Col. Mirzayev's home, the Baku march, the parliament
    # storming (14–15), the Sumgayit and Ahmadli rallies, Tovuz and Tavush border fighting
    # (12–16) and the officers killed (12–14).
    view = View(start=date(2020, 7, 14), end=date(2020, 7, 14))
    events = apply_view(dataset.events, view)
    m = render.build_map(events, view=view, admin=dataset.admin, episodes=dataset.episodes)
    assert sorted(f["properties"]["id"] for f in point_features(m)) == [
        "ahmadli-2020-07-14-rally",
        "baku-2020-07-14-karabakh-march",
        "baku-2020-07-14-mirzayev-home-gathering",
        "baku-2020-07-15-parliament-storming",
        "sumgayit-2020-07-14-rally",
        "tavush-2020-07-12-border-fighting",
        "tovuz-2020-07-12-border-fighting",
        "tovuz-2020-07-14-senior-officers-killed",
    ]
    # only the two episodes with events in view get a layer
    assert len(episode_groups(m)) == 2
    assert popups_in(render.map_html(m)) == 8


def test_markers_carry_type_colour_and_death_radius(curated_map: tuple[folium.Map, str]) -> None:
    m, page = curated_map
    props = {f["properties"]["id"]: f["properties"] for f in point_features(m)}
    data = popup_data(m)
    colors = data.payload()["colors"]  # sent once; the marker's colour is its type's
    assert "KIT.color(p)" not in page and "color(p)" in page
    tovuz = props["tovuz-2020-07-12-border-fighting"]  # a battle, 12 killed (best)
    assert colors[data.strings[tovuz["t"]]] == "#D55E00"
    assert tovuz["r"] == pytest.approx(6 + 3 * 12**0.5, abs=0.01)
    protest = props["baku-2020-07-14-karabakh-march"]  # no deaths: still visible
    assert colors[data.strings[protest["t"]]] == "#0072B2"
    assert protest["r"] == 6
    # the interval covers the whole of date_start..date_end (UTC milliseconds)
    assert tovuz["start"] == 1594512000000  # 2020-07-12T00:00Z
    assert tovuz["end"] == 1594944000000 - 1  # 2020-07-17T00:00Z minus 1 ms


def test_legend_lists_every_event_type(curated_map: tuple[folium.Map, str]) -> None:
    _, page = curated_map
    assert page.count(render.LEGEND_ID) == 1
    for label in EVENT_TYPE_LABELS.values():
        assert js_text(html.escape(label)) in page
    assert "not a strike site" in page
    # it starts folded (▸ Legend) so that it does not cover western Armenia
    assert render.event_legend_html().startswith("<details><summary>")


# --- drawn precision ----------------------------------------------------------------------------


def test_precision_2_gets_a_dashed_5_km_halo(curated_map: tuple[folium.Map, str]) -> None:
    m, page = curated_map
    precisions = [f["properties"]["g"] for f in point_features(m)]
    assert precisions.count(2) == CURATED_PRECISION_2
    assert precisions.count(3) == CURATED_PRECISION_3
    assert re.search(r"L\.circle\(latlng, \{\s*radius: 5000,[^}]*dashArray", page)
    assert "p.g === 2" in page


def test_precision_3_draws_the_joined_region_outline(
    curated_map: tuple[folium.Map, str], dataset: Dataset
) -> None:
    m, _ = curated_map
    areas = area_features(m)
    assert len(areas) == CURATED_AREAS
    coarse = dataset.events[dataset.events["geo_precision"] == 3]
    assert {a["properties"]["region_id"] for a in areas} == set(coarse["region_id"].dropna())
    tovuz_id = dataset.events.loc["tovuz-2020-07-12-border-fighting", "region_id"]
    (tovuz,) = [a for a in areas if a["properties"]["region_id"] == tovuz_id]
    # 12–16 July and 12–14 July merge into one outline shown 12–16 July
    assert tovuz["properties"]["spans"] == [[1594512000000, 1594944000000 - 1]]
    assert (tovuz["properties"]["start"], tovuz["properties"]["end"]) == (
        1594512000000,
        1594944000000 - 1,
    )
    assert all(a["geometry"]["type"] in ("Polygon", "MultiPolygon") for a in areas)
    assert all(a["properties"]["style"]["fillOpacity"] < 0.2 for a in areas)
    # each episode's areas are in its layer, under its markers: hidden with the episode
    for group in episode_groups(m):
        layers = [type(c) for c in group._children.values() if isinstance(c, Timeline)]
        assert layers in ([render.EventTimeline], [render.AreaTimeline, render.EventTimeline])
    tovuz_group = next(g for g in episode_groups(m) if "Tovuz" in g.layer_name)
    (tovuz_areas,) = [
        c for c in tovuz_group._children.values() if isinstance(c, render.AreaTimeline)
    ]
    assert {f["properties"]["region_id"] for f in tovuz_areas.features} >= {tovuz_id}


@pytest.mark.parametrize(
    "view",
    [
        View(),
        View(start=date(2020, 7, 12), end=date(2020, 7, 16)),
        View(start=date(2023, 9, 19), end=date(2024, 2, 13)),
        View(countries=("ARM",)),
        View(precise_only=True),
    ],
    ids=["all", "july-2020", "sept-2023-on", "armenia", "precise-only"],
)
def test_each_admin_area_is_drawn_once(dataset: Dataset, view: View) -> None:
    events = apply_view(dataset.events, view)
    m = render.build_map(events, view=view, admin=dataset.admin, episodes=dataset.episodes)
    areas = area_features(m)
    units = events.loc[events["geo_precision"] == 3, "region_id"].dropna()
    assert len(areas) == units.nunique()
    assert sorted(a["properties"]["region_id"] for a in areas) == sorted(set(units))
    page = render.map_html(m)
    # one area layer per episode with region-level events; each outline sent once per map
    coarse = events.loc[events["geo_precision"] == 3]
    layers = coarse.dropna(subset="region_id")["episode"].nunique()
    assert page.count("packed.spans.forEach(") == layers
    shapes = popup_data(m).shapes if len(events) else {}
    assert sorted(shapes) == sorted(set(units))


def test_popup_has_what_where_when_who_claims_and_sources(
    curated_map: tuple[folium.Map, str], settings: Settings
) -> None:
    m, page = curated_map
    props = {f["properties"]["id"]: f["properties"] for f in point_features(m)}
    tovuz = props["tovuz-2020-07-12-border-fighting"]
    data = popup_data(m)
    texts = " | ".join(texts_of(tovuz, data))
    place = Gazetteer.default(settings).get("tovuz")
    for name in (place.name, *place.aliases):  # every name the gazetteer knows
        assert name in texts, name
    for text in (
        "Battles",  # what (the type; its label is sent once)
        "Armed clash",
        "Tovuz District",  # region from the join
        "Tovuz",  # location as reported / gazetteer names
        "Military Forces of Azerbaijan",  # who
        "at least 11",  # claim figure as stated
        "Azerbaijani authorities",  # claimant
        "seed 000_3eff19b8bf5dfb3d.txt",  # source seed
    ):
        assert text in texts, text
    fixed = data.payload()
    assert fixed["labels"]["Battles"] == "Battle"
    assert "only the district or region is known" in fixed["geo"][str(tovuz["g"])]
    assert tovuz["d"] == ["2020-07-12", "2020-07-16"]  # the date range, as ISO days
    assert tovuz["x"][:3] == [12, 12, 12]  # derived killed low / best / high
    # the labels of popup and tooltip are in the page once, in the script that builds them
    for label in ("Derived from the claims (low / best / high)", "Whose people",
                  "How the point was chosen", "killed (best)", '" to "'):  # fmt: skip
        assert page.count(label) == 1, label


# --- time control -------------------------------------------------------------------------------


def test_timeline_plugin_and_its_control(curated_map: tuple[folium.Map, str]) -> None:
    m, page = curated_map
    # 5 point layers + region areas for the one episode (Tovuz–Tavush) whose region-level
    # events have a region: the Nagorno-Karabakh and Nerkin Hand ones are area-only
    assert page.count("L.timeline(") == 6
    # each episode's faint period rings are drawn from its timeline's data, not sent again
    assert page.count("L.geoJson(timeline_") == 5
    assert page.count("_data = {") == 5
    assert page.count("L.timelineSliderControl(") == 1
    assert "leaflet.timeline@1.6.0/dist/leaflet.timeline.min.js" in page
    assert "moment.min.js" not in page  # the day label does not need moment.js
    assert f'.getContainer().id = "{render.TIMELINE_ID}"' in page
    assert "toISOString().slice(0, 10)" in page
    slider = next(c for c in m._children.values() if isinstance(c, TimelineSlider))
    assert slider.options["auto_play"] is False
    # the curated span: 12 July 2020 .. 13 February 2024, one step per day
    assert slider.options["start"] == 1594512000000
    assert slider.options["end"] == 1707782400000
    assert slider.options["steps"] == (date(2024, 2, 13) - date(2020, 7, 12)).days


def test_time_control_follows_the_view_period(dataset: Dataset) -> None:
    view = View(start=date(2020, 7, 12), end=date(2020, 7, 16))
    m = render.build_map(apply_view(dataset.events, view), view=view, episodes=dataset.episodes)
    slider = next(c for c in m._children.values() if isinstance(c, TimelineSlider))
    assert (slider.options["start"], slider.options["end"]) == (1594512000000, 1594857600000)
    assert slider.options["steps"] == 4


def test_no_events_no_time_control(dataset: Dataset) -> None:
    m = render.build_map(dataset.events.iloc[0:0], view=View(), admin=dataset.admin)
    page = render.map_html(m)
    assert "L.timelineSliderControl(" not in page
    assert render.LEGEND_ID in page


# --- attribution, tiles, assets -----------------------------------------------------------------


def test_attribution_for_boundaries_gazetteer_and_tiles(
    curated_map: tuple[folium.Map, str],
) -> None:
    _, page = curated_map
    assert js_text("Boundaries: geoBoundaries gbOpen v4.0.0 (test line)") in page
    assert js_text(html.escape(PLACES_CREDIT)) in page
    assert "tile.openstreetmap.org" in page
    assert "OpenStreetMap" in page and "contributors" in page


def test_without_tiles_the_boundaries_are_the_base_map(dataset: Dataset) -> None:
    m = render.build_map(dataset.events, view=View(tiles=False), admin=dataset.admin)
    page = render.map_html(m)
    assert "tile.openstreetmap.org" not in page
    assert "Admin boundaries" in page
    boundaries = next(
        c for c in m._children.values() if getattr(c, "layer_name", "") == "Admin boundaries"
    )
    assert boundaries.show is True


_LINK = re.compile(r"""(?:src|href)=["'](https?://[^"']+\.(?:js|css))["']""")


def test_asset_urls_replace_every_cdn_link(dataset: Dataset) -> None:
    before = render.map_html(render.build_map(dataset.events, view=View(), admin=dataset.admin))
    cdn = sorted(set(_LINK.findall(before)))
    assert any("leaflet.timeline" in u for u in cdn)
    local = {u: f"/app/static/vendor/{n}.{u.rsplit('.', 1)[1]}" for n, u in enumerate(cdn)}
    m = render.build_map(dataset.events, view=View(), admin=dataset.admin, asset_urls=local)
    after = render.map_html(m)
    assert _LINK.findall(after) == []
    for url in local.values():
        assert url in after
    # the plugin classes' shared lists are left alone
    assert TimelineSlider.default_js[0][1].startswith("https://")
    assert folium.Map.default_js[0][1].startswith("https://")


# --- escaping -----------------------------------------------------------------------------------


def test_hostile_text_is_only_ever_escaped() -> None:
    events, episodes = hostile_events()
    m = render.build_map(
        events, view=View(), episodes=episodes, attribution=f"Boundaries {HOSTILE}"
    )
    page = render.map_html(m)
    assert "<script>alert(1)" not in page
    assert "alert(1)</script>" not in page
    assert "INJECTED" not in page and "{{ 'INJ' ~ 'ECTED' }}" not in page and "{% if" not in page
    assert "${x}" not in page.replace(js_text(render.esc(HOSTILE)), "")
    escaped = js_text(render.esc(HOSTILE))
    for label in ("Notes", "Tovuz", "Actor", "Placed", "Outlet", "Reported", "Undated",
                  "Claimant", "Subject", "Disputer", "Note", "Episode", "Boundaries"):  # fmt: skip
        assert js_text(render.esc(f"{label} ")) + escaped in page, label
    # the data holds the escaped text only: the browser shows it as text (DOM calls)
    (feature,) = point_features(m)
    data = popup_data(m)
    assert feature["properties"]["n"] == render.esc(f"Notes {HOSTILE}")
    texts = texts_of(feature["properties"], data)
    assert f"Notes {HOSTILE}" in texts and f"Claimant {HOSTILE} (government)" in texts
    raw = json.dumps([feature["properties"], data.payload()], ensure_ascii=False)
    assert "<" not in raw and "{{" not in raw and "{%" not in raw
    # the script tag of the data appears only as escaped JSON
    assert page.count("\\u0026lt;script\\u0026gt;alert(1)") >= 13
    # a javascript: URL is kept as text; the browser makes links of http(s) URLs only
    assert "javascript:alert(1)" in texts
    assert "/^https?:\\/\\//i.test(url)" in render.POPUP_JS


def test_escape_helpers() -> None:
    assert render.esc(None) == ""
    assert render.esc(float("nan")) == ""
    assert render.esc("a<b>&'\"{}") == "a&lt;b&gt;&amp;&#x27;&quot;&#123;&#125;"
    # compact JSON for the page refuses strings that were not made Jinja-safe
    safe = render.jinja_safe({"a": "{{ x }}{% y %}{# z", "b": [HOSTILE]})
    text = render._script_json(safe)
    assert json.loads(text) == safe
    assert "<" not in text and "{{" not in text and "{%" not in text and "{#" not in text
    assert text.startswith('{"a":"\\u0026#123;\\u0026#123; x')  # compact, escaped as tojson
    with pytest.raises(ValueError, match="Jinja syntax; pass its strings through jinja_safe"):
        render._script_json({"a": "{{ x }}"})


# --- choropleth ---------------------------------------------------------------------------------


def square_summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": ["ARM", "AZE", "AZE"],
            "region": ["Gamma", "Alpha <b>", "Beta"],
            "events": [0, 3, 1],
            "deaths_low": [0, 8, 0],
            "deaths_best": [0, 10, 0],
            "deaths_high": [0, 12, 0],
            "injured_low": [0, 0, 0],
            "injured_high": [0, 0, 0],
        }
    )


def choropleth_features(group: folium.FeatureGroup) -> dict[str, dict[str, Any]]:
    (geojson,) = [c for c in group._children.values() if isinstance(c, folium.GeoJson)]
    return {f["properties"]["name"]: f["properties"] for f in geojson.data["features"]}


def test_choropleth_classes_colours_and_legend() -> None:
    group = render.build_choropleth(
        three_squares(), square_summary(), level="region", measure="deaths_best"
    )
    # two units with events, two distinct values: two classes, one value each
    assert group.classes == [(0.0, 0.0), (10.0, 10.0)]  # type: ignore[attr-defined]
    feats = choropleth_features(group)
    assert feats["Alpha <b>"]["style"]["fillColor"] == CHOROPLETH_RAMP[-1]
    assert feats["Beta"]["style"]["fillColor"] == CHOROPLETH_RAMP[0]
    assert feats["Gamma"]["style"]["fillColor"] == NO_DATA_COLOR  # no events
    assert feats["Alpha <b>"]["value"] == 10
    # tooltips name the unit (escaped) with its figures
    assert feats["Alpha <b>"]["tooltip"].startswith("<b>Alpha &lt;b&gt;</b> <small>(Azerbaijan)")
    assert "Deaths (best): 10" in feats["Alpha <b>"]["tooltip"]
    assert "deaths 8 / 10 / 12" in feats["Alpha <b>"]["tooltip"]
    legend = next(c for c in group._children.values() if isinstance(c, render.HtmlControl))
    assert legend.dom_id == render.CHOROPLETH_LEGEND_ID
    assert re.findall(r"</span> ([^<]+)</div>", legend.html) == ["0", "10", "no events"]
    assert "Deaths (best) per region" in legend.html


def test_choropleth_events_measure_and_all_zero() -> None:
    group = render.build_choropleth(
        three_squares(), square_summary(), level="region", measure="events"
    )
    assert group.classes == [(1.0, 1.0), (3.0, 3.0)]  # type: ignore[attr-defined]
    summary = square_summary().assign(deaths_best=0)
    zero = render.build_choropleth(three_squares(), summary, level="region", measure="deaths_best")
    assert zero.classes == [(0.0, 0.0)]  # type: ignore[attr-defined]
    feats = choropleth_features(zero)
    assert feats["Alpha <b>"]["style"]["fillColor"] == feats["Beta"]["style"]["fillColor"]
    assert feats["Gamma"]["style"]["fillColor"] == NO_DATA_COLOR


def test_choropleth_on_the_map_replaces_the_event_legend(dataset: Dataset) -> None:
    from geo.summary import region_summary

    view = View(mode="regions", measure="deaths_best")
    summary = region_summary(dataset.events, by="region", admin=dataset.admin)
    page = render.map_html(
        render.build_map(
            dataset.events,
            view=view,
            admin=dataset.admin,
            episodes=dataset.episodes,
            summary=summary,
        )
    )
    assert render.CHOROPLETH_LEGEND_ID in page
    assert render.LEGEND_ID + '"' not in page
    assert js_text(html.escape("Deaths (best) per region")) in page


def test_class_breaks() -> None:
    assert class_breaks([1, 2, 3, 10, 11, 12, 30], k=3) == [(1, 3), (10, 12), (30, 30)]
    assert class_breaks([0, 0, 0], k=5) == [(0, 0)]
    assert class_breaks([], k=5) == []
    # k adapts to the number of distinct values
    assert class_breaks([5, 5, 7], k=5) == [(5, 5), (7, 7)]
    assert class_colors(5) == CHOROPLETH_RAMP
    assert class_label(1, 3) == "1–3" and class_label(4, 4) == "4"


def test_choropleth_rejects_an_unknown_measure() -> None:
    with pytest.raises(ValueError, match="measure must be one of events, deaths_low"):
        render.build_choropleth(three_squares(), square_summary(), measure="injured")


def test_unit_at_finds_the_clicked_region(dataset: Dataset) -> None:
    # Tovuz town (GeoNames point) lies in Tovuz District
    assert unit_at(dataset.admin, 40.99249, 45.62838) == "Tovuz District"
    assert unit_at(dataset.admin, 0.0, 0.0) is None
    assert unit_at(three_squares(), 40.25, 46.25) == "Alpha <b>"
    assert unit_at(three_squares(), 40.25, 45.25, level="district") == "Gamma"


def test_region_outlines_merge_overlapping_and_touching_date_ranges() -> None:
    regions = three_squares().regions
    events = pd.DataFrame(
        {
            "geo_precision": [3, 3, 3, 3, 1],
            "region_id": ["A", "A", "A", "B", "B"],
            "date_start": pd.to_datetime(
                ["2020-07-01", "2020-07-03", "2020-07-10", "2020-07-01", "2020-07-01"]
            ),
            "date_end": pd.to_datetime(
                ["2020-07-02", "2020-07-04", "2020-07-10", "2020-07-01", "2020-07-09"]
            ),
        }
    )
    areas = render.area_features(events, regions)
    day = 86_400_000
    first = 1593561600000  # 2020-07-01T00:00Z
    # one feature per region, with the stretches of time it is shown
    assert [
        (
            a["properties"]["region_id"],
            a["properties"]["spans"],
            a["properties"]["start"],
            a["properties"]["end"],
        )
        for a in areas
    ] == [
        (
            "A",
            [
                [first, first + 4 * day - 1],  # 1–2 and 3–4 July touch: one stretch
                [first + 9 * day, first + 10 * day - 1],
            ],
            first,
            first + 10 * day - 1,
        ),
        # the precise event (1–9 July) draws no outline
        ("B", [[first, first + day - 1]], first, first + day - 1),
    ]
    # the map's kit gets each shape once, the layer one span per stretch
    kit = render.PopupKit()
    packed = render.AreaTimeline(areas, kit=kit).data
    assert sorted(kit.data.shapes) == ["A", "B"]
    # in whole days since 1970 (2020-07-01 is day 18444): A for 4 days, 5 days' gap, 1 day;
    # B for 1 day
    assert packed == {"regions": ["A", "B"], "spans": [[0, 18444, 4, 5, 1], [1, 18444, 1]]}
    with pytest.raises(ValueError, match=r"region A: span .* is not whole UTC days"):
        render.AreaTimeline(
            [{"geometry": None, "properties": {"region_id": "A", "spans": [[first, first + 5]]}}],
            kit=kit,
        )


def test_drawn_outlines_are_simplified_in_metres() -> None:
    # a 10 km square (UTM 38N) with a 50 m notch and a 400 m bump on its edges
    x, y = 500_000.0, 4_450_000.0
    ring = [
        (x, y),
        (x + 5_000, y - 50),  # 50 m: under the tolerance, dropped
        (x + 10_000, y),
        (x + 10_000, y + 10_000),
        (x + 5_000, y + 10_400),  # 400 m: kept
        (x, y + 10_000),
        (x, y),
    ]
    frame = gpd.GeoDataFrame(geometry=[Polygon(ring)], crs=render.DISPLAY_CRS).to_crs(4326)
    (drawn,) = render.display_geometries(frame)
    coords = drawn["coordinates"][0]
    assert len(coords) == 6  # 5 corners (closed ring) + the bump
    assert all(round(v, render.COORD_DECIMALS) == v for c in coords for v in c)
    with pytest.raises(CRSMismatchError, match="no CRS"):
        render.display_geometries(gpd.GeoSeries([Polygon(ring)]))


def test_curated_page_is_smaller(curated_map: tuple[folium.Map, str]) -> None:
    _, page = curated_map
    assert len(page) <= CURATED_PAGE_MAX
    # the admin outlines are sent compact (no space after separators)
    assert 'L.geoJson({"type":"FeatureCollection"' in page


_HTML_SINKS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(")


def test_popups_are_built_with_dom_calls_only(curated_map: tuple[folium.Map, str]) -> None:
    m, page = curated_map
    for sink in _HTML_SINKS:
        assert sink not in render.POPUP_JS, sink
    # in the page: the kit's script, from its definition to the end of its data (one line)
    kit = next(c for c in m._children.values() if isinstance(c, render.PopupKit))
    start = page.index(f"var {kit.get_name()} = ")
    script = page[start : page.index("\n", page.index("})(", start))]
    assert script.endswith("});") and '"s":[' in script
    assert "document.createElement" in script and "createTextNode" in script
    for sink in _HTML_SINKS:
        assert sink not in script, sink
    # the only innerHTML in the page is the legend's (render.HtmlControl), built from constants
    assert page.count("innerHTML") == page.count("div.innerHTML = ") == 1


def test_ten_thousand_events_fit_the_byte_budget(dataset: Dataset) -> None:
    from geo.synthetic import synthetic_frame

    events = synthetic_frame(dataset.events, 10_000)
    events = events.set_index("event_id", drop=False).rename_axis("event_id")
    m = render.build_map(
        events, view=View(tiles=False), admin=dataset.admin, episodes=dataset.episodes
    )
    page = render.map_html(m)
    assert len(page.encode("utf-8")) < SYNTHETIC_10K_PAGE_MAX
    assert popups_in(page) == 10_000
    # every event keeps its claims and sources; repeated texts are sent once
    features = point_features(m)
    assert all(f["properties"]["so"] for f in features)
    data = popup_data(m)
    assert len(data.strings) == len(set(data.strings)) < 1_000


def test_area_only_events_get_a_wide_ring_not_an_outline(
    curated_map: tuple[folium.Map, str], dataset: Dataset
) -> None:
    m, page = curated_map
    flagged = {f["properties"]["id"] for f in point_features(m) if f["properties"]["ao"] == 1}
    expected = set(dataset.events.index[dataset.events["join_method"] == "area"])
    assert len(flagged) == CURATED_AREA_ONLY
    assert flagged == expected
    assert f"radius: {render.AREA_RING_RADIUS_M}" in page
    assert "wide ring (25 km)" in page


def test_event_without_a_country_says_so_in_its_popup(
    curated_map: tuple[folium.Map, str],
) -> None:
    """Issue 11 item 3: the alleged fire of 12 February 2024 has no country; never 'None'."""
    m, _ = curated_map
    data = popup_data(m)
    by_id = {f["properties"]["id"]: f["properties"] for f in point_features(m)}
    fire = by_id["nerkin-hand-2024-02-12-alleged-fire"]
    assert data.strings[fire["co"]] == render.COUNTRY_NOT_GIVEN
    assert data.strings[by_id["nerkin-hand-2024-02-13-revenge-operation"]["co"]] == "Armenia"
    assert "None" not in texts_of(fire, data)
