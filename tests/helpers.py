"""Helpers shared by several test files (pages, hostile text, seeds); test files import
these, never each other."""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import zlib
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.layers import episodes_frame, layers_to_frame, parse_layer
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
LAYERS = ROOT / "layers"


#: Markup, quotes, a JS template literal, and Jinja syntax (folium compiles its output as a
#: Jinja template once more: ``{{ 'INJ' ~ 'ECTED' }}`` must never become INJECTED).
HOSTILE = "<script>alert(1)</script>\"'`</div>${x}{{ 'INJ' ~ 'ECTED' }}{% if 1 %}{#"


def js_text(text: str) -> str:
    """How a string appears inside folium's JSON/JS output (``tojson``)."""
    return (
        json.dumps(text)[1:-1]
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )


def hostile_layer() -> dict[str, Any]:
    """A valid layer whose every free-text field carries markup and script."""
    source = {
        "id": "s1",
        "outlet": f"Outlet {HOSTILE}",
        "reported": f"Reported {HOSTILE}",
        "published_note": f"Undated {HOSTILE}",
        "seed": "000_3eff19b8bf5dfb3d.txt",
        "url": "javascript:alert(1)",
    }
    claim = factories.claim(
        claimant=f"Claimant {HOSTILE}",
        subject=f"Subject {HOSTILE}",
        disputed_by=f"Disputer {HOSTILE}",
        note=f"Note {HOSTILE}",
    )
    feature = factories.event(
        "hostile-2020-07-14-a",
        notes=f"Notes {HOSTILE}",
        location=f"Tovuz {HOSTILE}",
        actor1=f"Actor {HOSTILE}",
        location_note=f"Placed {HOSTILE}",
        sources=[source],
        claims=[claim],
    )
    layer = factories.layer(feature, episode_id="hostile-episode")
    layer["episode"]["title"] = f"Episode {HOSTILE}"
    layer["episode"]["summary"] = f"Summary {HOSTILE}"
    layer["episode"]["sources"] = [copy.deepcopy(source)]
    layer["episode"]["claims"] = [factories.claim(claimant=f"Episode claimant {HOSTILE}")]
    return layer


def hostile_events() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    layer, problems = parse_layer(hostile_layer(), origin="hostile.geojson")
    assert problems == [] and layer is not None
    return layers_to_frame([layer]), episodes_frame([layer])


def selected_in(page: str) -> int:
    """How many events a map page selects from its data file (its deflated bitmask)."""
    (b64,) = re.findall(r'"selection":"([A-Za-z0-9+/=]*)"', page)
    bits = np.unpackbits(np.frombuffer(zlib.decompress(base64.b64decode(b64)), np.uint8))
    return int(bits.sum())


def seed(name: str) -> Path:
    """The seed file; missing seeds skip locally and fail under CI=true."""
    path = SEEDS / name
    if not path.is_file():
        msg = f"seed article {path} is missing (expected ../shared/seeds beside the checkout)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path
