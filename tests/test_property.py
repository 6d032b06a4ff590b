"""Property: every layer validation accepts works everywhere (issue 12).

Hypothesis generates layers that pass validation by construction (any text without
control characters, any vocabulary value, any figure up to the cap, any plausible date)
and runs them through the join, the region summary, every export format, the printed
map, the handout and an AppTest run. The number of examples is bounded so CI stays fast.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as s
from streamlit.testing.v1 import AppTest

from geo.config import ENV_LAYERS_DIR
from geo.dataset import Dataset
from geo.events import EVENT_TYPES, MAX_CLAIM_VALUE, MEASURES, MIN_YEAR, max_year
from geo.export import FORMATS, export_bytes, export_filename, import_export
from geo.figure import figure_bytes
from geo.handout import handout_bytes
from geo.join import join_events
from geo.layers import episodes_frame, layers_to_frame, parse_layer
from geo.summary import region_summary
from geo.view import View
from tests.factories import four_squares

APP = str(Path(__file__).resolve().parent.parent / "app.py")
#: Examples per property: enough to meet odd text and extreme figures, few enough for CI.
EXAMPLES = int(os.environ.get("CONFLICTMAP_PROPERTY_EXAMPLES", "6"))
#: No shrinking: a failing example is printed as generated (shrinking one that runs every
#: export and the figure took minutes), and CI time stays bounded.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate)
HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure reproduces
    phases=PHASES,
    suppress_health_check=HEALTH,
)

#: Any character validation accepts in text: no control characters (Cc), no surrogates (Cs).
TEXT_CHARS = s.characters(exclude_categories=("Cc", "Cs"))
text = s.text(TEXT_CHARS, min_size=1, max_size=30).filter(lambda t: bool(t.strip()))
#: List items (outlets, cited agencies, tags) also go without ';' (the flat exports' separator).
item = s.text(s.characters(exclude_categories=("Cc", "Cs"), exclude_characters=";"), min_size=1,
              max_size=20).filter(lambda t: bool(t.strip()))  # fmt: skip
figure = s.integers(0, MAX_CLAIM_VALUE)
days = s.dates(date(MIN_YEAR, 1, 1), date(max_year(), 12, 31))


@s.composite
def claims(draw: s.DrawFn) -> dict[str, Any]:
    qualifier = draw(s.sampled_from(
        ["exact", "about", "at_least", "more_than", "up_to", "range", "unquantified"]
    ))  # fmt: skip
    out: dict[str, Any] = {
        "claimant": draw(text),
        "claimant_type": draw(s.sampled_from(["government", "media", "rights_group", "other"])),
        "measure": draw(s.sampled_from(MEASURES)),
        "subject": draw(text),
        "side": draw(s.sampled_from(["armenian", "azerbaijani", "other", "any"])),
        "group": draw(s.sampled_from(["military", "civilian", "police", "any"])),
        "qualifier": qualifier,
        "source": "s1",
    }
    if qualifier == "range":
        low, high = sorted((draw(figure), draw(figure)))
        out |= {"low": low, "high": high}
    elif qualifier == "unquantified":
        out["text"] = draw(text)
    else:
        out["value"] = draw(figure)
    if draw(s.booleans()):
        out["note"] = draw(text)
    return out


@s.composite
def features(draw: s.DrawFn, n: int) -> dict[str, Any]:
    event_type = draw(s.sampled_from(list(EVENT_TYPES)))
    first, second, third = sorted(draw(s.lists(days, min_size=3, max_size=3)))
    geo_precision = draw(s.sampled_from([1, 2, 3]))
    where_prec = draw(s.sampled_from([3, 4] if geo_precision == 3 else [1, 2, 3]))
    source = {"id": "s1", "outlet": draw(item), "reported": draw(text)}
    if draw(s.booleans()):
        source["published"] = draw(days).isoformat()
    else:
        source["published_note"] = draw(text)
    source["cites"] = draw(s.lists(item, max_size=2))
    props: dict[str, Any] = {
        "event_id": f"e{n}-{draw(s.from_regex(r'[a-z0-9]{1,8}', fullmatch=True))}",
        "event_date": second.isoformat(),
        "date_start": first.isoformat(),
        "date_end": third.isoformat(),
        "time_precision": draw(s.sampled_from([1, 2, 3])),
        "event_type": event_type,
        "sub_event_type": draw(s.sampled_from(EVENT_TYPES[event_type])),
        "actor1": draw(text),
        "actor2": draw(s.none() | text),
        "country": "AZE",
        "location": draw(text),
        "geo_precision": geo_precision,
        "where_prec": where_prec,
        "notes": draw(text),
        "sources": [source],
        "claims": draw(s.lists(claims(), max_size=3)),
        "tags": draw(s.lists(item, max_size=2, unique=True)),
    }
    props = {k: v for k, v in props.items() if v is not None}
    lon = draw(s.floats(45.0, 47.0))
    lat = draw(s.floats(40.0, 41.4))
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}  # fmt: skip


@s.composite
def layers(draw: s.DrawFn) -> dict[str, Any]:
    feats = [draw(features(n)) for n in range(draw(s.integers(1, 3)))]
    starts = [f["properties"]["date_start"] for f in feats]
    ends = [f["properties"]["date_end"] for f in feats]
    return {
        "type": "FeatureCollection",
        "episode": {
            "id": "generated",
            "title": draw(text),
            "summary": draw(text),
            "date_start": min(starts),
            "date_end": max(ends),
            "sources": [
                {
                    "id": "s1",
                    "outlet": draw(item),
                    "reported": draw(text),
                    "published_note": "generated",
                }
            ],
            "claims": [],
        },
        "features": feats,
    }


def _dataset(data: dict[str, Any]) -> Dataset:
    parsed, problems = parse_layer(data, origin="layers/generated.geojson")
    assert problems == [] and parsed is not None, problems
    admin = four_squares()
    events = join_events(layers_to_frame([parsed]), admin)
    assert list(events.index) == [f["properties"]["event_id"] for f in data["features"]]
    return Dataset(events, episodes_frame([parsed]), admin)


@SETTINGS
@given(layers())
def test_what_validation_accepts_every_output_handles(data: dict[str, Any]) -> None:
    dataset = _dataset(data)
    totals = region_summary(dataset.events, by="region", admin=dataset.admin)
    assert int(totals["events"].sum()) == len(dataset.events)
    assert int(totals["deaths_best"].sum()) == int(dataset.events["deaths_best"].sum())
    for fmt in FORMATS:
        payload = export_bytes(dataset, fmt=fmt)
        assert payload
    for fmt in ("gpkg", "geojson"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / export_filename(fmt)
            path.write_bytes(export_bytes(dataset, fmt=fmt))  # type: ignore[arg-type]
            back = import_export(path)
        assert list(back["deaths_best"]) == list(dataset.events["deaths_best"])
        assert list(back["notes"]) == list(dataset.events["notes"])
    assert figure_bytes(dataset, View(), fmt="png", dpi=30).startswith(b"\x89PNG")
    assert handout_bytes(dataset, View(), fmt="html").startswith(b"<!DOCTYPE html>")


@settings(SETTINGS, max_examples=max(2, EXAMPLES // 3))
@given(layers())
def test_what_validation_accepts_the_app_shows(data: dict[str, Any]) -> None:
    with pytest.MonkeyPatch.context() as mp, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "generated.geojson").write_text(
            json.dumps(data, ensure_ascii=False), encoding="utf-8"
        )
        mp.setenv(ENV_LAYERS_DIR, str(folder))
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert not at.exception, [e.value for e in at.exception]
        assert not at.error, [e.value for e in at.error]
        shown = [m.value for m in at.metric if m.label == "Events in view"]
        assert shown == [str(len(data["features"]))]
        st.cache_data.clear()
        st.cache_resource.clear()
