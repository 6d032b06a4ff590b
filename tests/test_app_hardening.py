"""Hardening of the app (issue 12): broken layers, hostile URLs and clicks, failures."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import geo.summary
from geo.config import ENV_LAYERS_DIR
from geo.view import clicked_point
from tests import factories
from tests.helpers import APP, TIMEOUT, metric, run, shown

pytestmark = pytest.mark.usefixtures("fresh_caches")
ROOT_LAYERS = Path(APP).parent / "layers"


def test_one_bad_layer_leaves_every_valid_layer_on_the_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for layer_file in ROOT_LAYERS.glob("*.geojson"):
        shutil.copy(layer_file, tmp_path / layer_file.name)
    broken = factories.layer(factories.event(event_date="2020-08-01"))
    (tmp_path / "broken.geojson").write_text(json.dumps(broken), encoding="utf-8")
    (tmp_path / ".broken.tmp1234.geojson").write_text("{ half-written")  # never read
    monkeypatch.setenv(ENV_LAYERS_DIR, str(tmp_path))
    at = run()
    assert metric(at, "Events in view") == "18"  # every curated event
    (error,) = at.error
    text = shown(error.value)
    assert text.startswith("Some layer files have problems and are left out")
    # the path is shown relative to the layers folder's parent, not as a server path
    assert f"- {tmp_path.name}/broken.geojson feature 0 (id test-2020-07-14-a): field " in text
    assert str(tmp_path.parent) not in text


def test_a_reversed_period_in_the_url_is_swapped_and_said() -> None:
    at = run({"start": "2023-09-30", "end": "2020-07-01"})
    warnings = [shown(w.value) for w in at.warning]
    assert (
        "URL period 2023-09-30..2020-07-01 was reversed: shown from 2020-07-01 to 2023-09-30"
        in (warnings)
    )
    assert (
        "URL period 2020-07-01..2023-09-30 reaches outside the data (2020-07-12..2024-02-13): "
        "shown from 2020-07-12 to 2023-09-30"
    ) in warnings
    assert at.slider(key="period").value == (date(2020, 7, 12), date(2023, 9, 30))


def test_a_period_outside_the_data_is_clamped_and_said() -> None:
    at = run({"start": "1900-01-01", "end": "1900-12-31"})
    warnings = [shown(w.value) for w in at.warning]
    assert warnings == [
        "URL period 1900-01-01..1900-12-31 reaches outside the data (2020-07-12..2024-02-13): "
        "shown from 2020-07-12 to 2020-07-12"
    ]
    assert at.slider(key="period").value == (date(2020, 7, 12), date(2020, 7, 12))


def test_a_url_parameter_is_echoed_only_in_part() -> None:
    at = run({"mode": "x" * 60_000})
    (warning,) = [shown(w.value) for w in at.warning]
    assert warning.startswith("ignored URL parameter mode='xxxx")
    assert warning.endswith("(59,762 more characters)")
    assert len(warning) < 400


def test_a_page_failure_is_a_clear_message_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("/srv/secret/path/geo/summary.py exploded")

    monkeypatch.setattr(geo.summary, "region_summary", broken)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith("Something went wrong while showing this page.")
    assert "/srv/secret" not in error.value and "Traceback" not in error.value


def test_streamlit_shows_no_error_details() -> None:
    config = (Path(APP).parent / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert "[client]\n" in config
    assert 'showErrorDetails = "none"' in config


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"last_object_clicked": {"lat": 40.5, "lng": 45.5}}, (40.5, 45.5)),
        ({"last_object_clicked": {"lat": "abc", "lng": 45.5}}, None),
        ({"last_object_clicked": {"lat": "40.5", "lng": 45.5}}, None),
        ({"last_object_clicked": {"lat": float("nan"), "lng": 45.5}}, None),
        ({"last_object_clicked": {"lat": 400, "lng": 45.5}}, None),
        ({"last_object_clicked": {"lat": True, "lng": 45.5}}, None),
        ({"last_object_clicked": {"lng": 45.5}}, None),
        ({"last_object_clicked": "40.5,45.5"}, None),
        ({"last_object_clicked": None}, None),
        ("not a dict", None),
        (None, None),
    ],
)
def test_a_hand_made_map_click_is_input_like_any_other(state: object, expected: object) -> None:
    assert clicked_point(state) == expected


def test_more_events_than_the_map_draws_are_refused_clearly_and_the_rest_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 12: a dataset too big for the map gets a clear message, not minutes of packing
    and a dead server; totals, tables and exports still show every event."""
    monkeypatch.setenv("CONFLICTMAP_MAX_MAP_EVENTS", "5")
    at = run()
    warnings = [shown(w.value) for w in at.warning]
    assert (
        "18 events are loaded: more than the map is set to draw (5; CONFLICTMAP_MAX_MAP_EVENTS "
        "changes it). The totals, tables and exports below cover every event."
    ) in warnings
    assert "map_html" not in at.session_state
    assert metric(at, "Events in view") == "18"


def test_the_map_limit_must_be_a_whole_number() -> None:
    from geo.config import Settings

    with pytest.raises(ValueError, match="CONFLICTMAP_MAX_MAP_EVENTS must be a whole number"):
        Settings.from_env({"CONFLICTMAP_MAX_MAP_EVENTS": "lots"})
