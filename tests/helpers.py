"""Helpers shared by several test files (pages, hostile text, seeds); test files import
these, never each other."""

from __future__ import annotations

import base64
import copy
import csv
import io
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
from streamlit.testing.v1 import AppTest

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


# --- the app under AppTest -------------------------------------------------------------

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60


def run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(markdown: str) -> str:
    """What Streamlit displays for Markdown whose data parts were escaped by md_escape."""
    return re.sub(r"\\(.)", r"\1", markdown)


def metric(at: AppTest, label: str) -> str:
    (found,) = [m.value for m in at.metric if m.label == label]
    return found


def pdf_text(payload: bytes) -> str:
    """Text of an uncompressed matplotlib PDF (Type 42 fonts), decoded through ToUnicode maps."""
    objects = {
        int(m.group(1)): m.group(2)
        for m in re.finditer(rb"(\d+) 0 obj\s(.*?)endobj", payload, re.S)
    }
    cmaps: dict[bytes, dict[int, str]] = {}
    for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", payload):
        font = objects.get(int(ref), b"")
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font)
        if to_unicode is None:
            continue
        cmap: dict[int, str] = {}
        stream = objects[int(to_unicode.group(1))]
        for lo, hi, body in re.findall(
            rb"<([0-9a-f]+)> <([0-9a-f]+)> (\[[^\]]*\]|<[0-9a-f]+>)", stream
        ):
            targets = re.findall(rb"<([0-9a-f]+)>", body)
            for k, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                target = (
                    targets[k] if body.startswith(b"[") else b"%04x" % (int(targets[0], 16) + k)
                )
                cmap[code] = bytes.fromhex(target.decode()).decode("utf-16-be")
        for code, target in re.findall(rb"<([0-9a-f]{4})> <([0-9a-f]+)>\n", stream):
            cmap.setdefault(int(code, 16), bytes.fromhex(target.decode()).decode("utf-16-be"))
        cmaps[name] = cmap

    def unescape(raw: bytes) -> bytes:
        return re.sub(
            rb"\\([nrtbf()\\]|[0-7]{1,3})",
            lambda m: {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(
                m.group(1), bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit() else m.group(1)
            ),
            raw,
        )

    texts = []
    for block in re.findall(rb"BT\n(.*?)\nET", payload, re.S):
        font: dict[int, str] = {}
        chunk = []
        for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|\((?:\\.|[^\\)])*\)", block, re.S):
            if token.group(1):
                font = cmaps.get(token.group(1), {})
                continue
            raw = unescape(token.group(0)[1:-1])
            codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
            chunk.append("".join(font.get(c, "?") for c in codes))
        texts.append("".join(chunk))
    return " ".join(" ".join(texts).split())


# --- published files written by hand (importer tests) ----------------------------------

#: The hand-written ACLED export the importer tests build their files from.
ACLED_EXPORT = ROOT / "tests" / "data" / "importers" / "acled_export.csv"


def csv_records(path: Path) -> list[list[str]]:
    """A CSV file's records (header first), as Python's csv module reads them."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def csv_text(records: list[list[str]], end: str = "\n") -> str:
    """Records written as CSV text, each line ended by ``end``."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator=end).writerows(records)
    return buf.getvalue()


def many_acled_rows(
    path: Path,
    *,
    repeats: tuple[int, ...],
    multiline: tuple[int, ...] = (7,),
    crlf_note: int | None = None,
    end: str = "\n",
) -> Path:
    """The hand-written ACLED export followed by 60 rows of ids ARM9600..ARM9659, written
    to ``path``: row 33 with latitude 95 (a bad row), the rows ``multiline`` with notes
    over three lines, the row ``crlf_note`` with notes over two (CRLF), and the rows
    ``repeats`` with the id ARM9601 again (first seen in an early block)."""
    records = csv_records(ACLED_EXPORT)
    cols, good = records[0], next(r for r in records if r[0] == "ARM9001")
    rows = []
    for k in range(60):
        cells = list(good)
        cells[0] = f"ARM96{k:02d}"
        if k in multiline:
            cells[cols.index("notes")] = "one\ntwo, with a comma\nthree"
        if k == crlf_note:
            cells[cols.index("notes")] = "a\r\nb"
        if k == 33:
            cells[cols.index("latitude")] = "95"
        if k in repeats:
            cells[0] = "ARM9601"
        rows.append(cells)
    path.write_bytes(csv_text([*records, *rows], end).encode())
    return path


def csv_record_lines(path: Path) -> dict[str, list[int]]:
    """id (first cell) -> the file lines where its records start, as Python's csv module
    counts them (a quoted newline moves the next record down; line ends as in the file)."""
    reader = csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline=""))
    out: dict[str, list[int]] = {}
    start = 1
    for record in reader:
        out.setdefault(record[0], []).append(start)
        start = reader.line_num + 1
    return out
