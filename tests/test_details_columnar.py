"""Popup details of imported events (Arrow lists) are what the row-by-row path makes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from geo.dataset import Dataset
from geo.datasets import nested_to_lists
from geo.render import details
from geo.render.mapdata import _days

DATA = Path(__file__).parent / "data" / "importers"


@pytest.fixture(scope="module")
def events(imported_test_data: Dataset) -> pd.DataFrame:
    return imported_test_data.events


def _decoded(events: pd.DataFrame, chunk: int) -> list[dict[str, Any]]:
    """Every event's popup facts with every text and source looked up."""
    d0, d1 = _days(events["date_start"]), _days(events["date_end"])
    rows = []
    for raw in details.detail_chunks(events, d0=d0, d1=d1, chunk=chunk):
        body = json.loads(raw)
        s = body["s"]

        def text(i: int | None, s: list[str] = s) -> str | None:
            return None if i is None else s[i]

        sources = [[text(i) for i in src] for src in body["src"]]
        for j in range(body["k"]):
            c = body["c"]
            row = {key: text(c[key][j]) for key in details.TEXT_KEYS}
            row["a"] = [text(i) for i in c["a"][j]]
            row["cl"] = [[text(i) for i in claim] for claim in c["cl"][j]]
            row["so"] = [sources[k] for k in c["so"][j]]
            row.update({k: c[k][j] for k in ("start", "end", "x", "jd", "wp", "d")})
            rows.append(row)
    return rows


def test_imported_events_keep_arrow_lists(events: pd.DataFrame) -> None:
    assert isinstance(events["claims"].dtype, pd.ArrowDtype)
    assert isinstance(events["sources"].dtype, pd.ArrowDtype)
    assert details._columnar_claims(details._Texts(), events, [], {}) is not None
    assert details._columnar_claims(details._Texts(), nested_to_lists(events), [], {}) is None


@pytest.mark.parametrize("chunk", [3, 256])
def test_columnar_claims_and_sources_match_the_row_loop(events: pd.DataFrame, chunk: int) -> None:
    columnar = _decoded(events, chunk)
    rows = _decoded(nested_to_lists(events), chunk)
    assert len(columnar) == len(events) == 25
    assert columnar == rows
    ucdp = next(r for r, i in zip(columnar, events.index, strict=True) if i.startswith("ucdp"))
    assert ucdp["cl"] and ucdp["so"]  # claims and sources really compared


def test_a_claim_naming_a_missing_or_repeated_source_matches_the_row_loop(
    events: pd.DataFrame,
) -> None:
    """Claims read their source by id; the last source with an id wins, as the loop's dict."""
    some = events[events.index.str.startswith("acled")].iloc[:2].copy()
    lists = nested_to_lists(some)
    first, second = lists.index
    src = dict(lists.at[first, "sources"][0])
    lists.at[first, "sources"] = [src, {**src, "outlet": "Later outlet", "cites": ["a", None]}]
    claim = dict(lists.at[second, "claims"][0])
    lists.at[second, "claims"] = [claim, {**claim, "source": "nowhere", "via": "radio"}]
    arrow = lists.copy()
    for name in ("claims", "sources"):
        arrow[name] = pd.array(
            pa.array(lists[name].tolist(), type=some[name].dtype.pyarrow_dtype),
            dtype=some[name].dtype,
        )
    got = _decoded(arrow, 256)
    assert got == _decoded(lists, 256)
    assert any("Later outlet" in str(c) for c in got[0]["cl"])
    assert ["a, None" in str(s) for s in got[0]["so"]] == [False, True]
    assert any("nowhere via radio" in str(c) for c in got[1]["cl"])


def _chunks(events: pd.DataFrame, chunk: int, block: int | None) -> list[bytes]:
    d0, d1 = _days(events["date_start"]), _days(events["date_end"])
    return list(details.detail_chunks(events, d0=d0, d1=d1, chunk=chunk, block=block))


@pytest.mark.parametrize("block", [1, 2, 5])
def test_chunks_are_the_same_bytes_whatever_the_block(events: pd.DataFrame, block: int) -> None:
    """Blocks of chunks have their own text tables; each chunk's file does not change."""
    whole = _chunks(events, 3, None)  # 25 events in one block of 9 chunks
    assert len(whole) == 9
    assert _chunks(events, 3, block) == whole


def test_columnar_and_row_loop_chunks_are_the_same_bytes(events: pd.DataFrame) -> None:
    assert _chunks(events, 4, 2) == _chunks(nested_to_lists(events), 4, None)


def test_a_block_below_one_chunk_is_refused(events: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="block must be at least 1 chunk, got 0"):
        _chunks(events, 3, 0)


def test_texts_escaped_together_are_escaped_as_one_by_one() -> None:
    from geo.text import html_text

    values: list[Any] = [
        "a & b", "<script>alert('x')</script>", '"quoted"', "{{ 7*7 }}", "{% if %}", "  ",
        "\u2003", "\x1c", "é ü\n", "", "&amp;", "a & b", None, float("nan"), 3, 3.0, True,
    ]  # fmt: skip
    one, many = details._Texts(), details._Texts()
    by_one = [one.of(v) for v in values]
    together = many.of_many(values).tolist()

    def shown(texts: details._Texts, ids: list[int]) -> list[str | None]:
        return [texts.strings[i] if i >= 0 else None for i in ids]

    assert shown(many, together) == shown(one, by_one)
    assert shown(many, together) == [html_text(v) or None for v in values]
    assert together[0] == together[11]  # one text, one id
    assert len(many.strings) == len(set(many.strings))
