"""Synthetic layer files for benchmarks: valid, and each under the layer size limit."""

from __future__ import annotations

import json
from pathlib import Path

from geo.layers import MAX_LAYER_BYTES
from geo.synthetic import EVENTS_PER_FILE, write_synthetic_layers

ROOT = Path(__file__).resolve().parent.parent


def test_large_synthetic_episodes_are_split_into_files_under_the_limit(tmp_path: Path) -> None:
    n = 2 * EVENTS_PER_FILE + 500  # five curated episodes: none above the limit, so 5 files
    n_big = 6 * EVENTS_PER_FILE + 5  # ~1.2 files per episode: some split in two
    write_synthetic_layers(ROOT / "layers", tmp_path / "small", n)
    write_synthetic_layers(ROOT / "layers", tmp_path / "big", n_big)
    for folder, total in ((tmp_path / "small", n), (tmp_path / "big", n_big)):
        files = sorted(folder.glob("*.geojson"))
        layers = [json.loads(p.read_text(encoding="utf-8")) for p in files]
        counts = [len(layer["features"]) for layer in layers]
        assert sum(counts) == total
        assert max(counts) <= EVENTS_PER_FILE
        assert all(p.stat().st_size < MAX_LAYER_BYTES for p in files)
        ids = [layer["episode"]["id"] for layer in layers]
        assert len(set(ids)) == len(ids)  # every file its own episode
        events = [f["properties"]["event_id"] for layer in layers for f in layer["features"]]
        assert len(set(events)) == total
    assert len(list((tmp_path / "big").glob("*part2.geojson"))) >= 1
