"""The page-bytes breakdown (bench/page_bytes.py) on a small app: every message named and sized."""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from page_bytes import Part, app_messages, breakdown, decode_frames, message_name, table


def _app() -> None:
    import pandas as pd
    import streamlit as st

    st.title("Small")
    st.multiselect("Actors", options=[f"actor {i}" for i in range(200)], key="actors")
    st.dataframe(pd.DataFrame({"notes": ["x" * 1_000] * 50, "id": 1, "a": 1, "b": 1}))
    st.dataframe(pd.DataFrame({"n": [1]}), alt="Small table")


def test_breakdown_names_each_element_and_sizes_it_as_sent() -> None:
    with app_messages() as sent:
        at = AppTest.from_function(_app)
        at.run()
    assert not at.exception
    parts = {p.name: p for p in breakdown(sent)}
    # a table by its accessible name, else its first columns; a widget by its key
    big, small = parts["dataframe (notes, id, a, …)"], parts["dataframe Small table"]
    actors = parts["multiselect actors"]
    # the 50 kB of notes are in the big table's message, not the small one's
    assert big.messages == 1 and 50_000 < big.bytes < 60_000
    assert small.bytes < 2_000
    assert 200 * len("actor 100") < actors.bytes < 4_000
    assert parts["heading Small"].messages == 1
    # sizes are the serialized messages', and the largest comes first
    assert sum(p.bytes for p in parts.values()) == sum(len(m.SerializeToString()) for m in sent)
    assert breakdown(sent)[0].name == "dataframe (notes, id, a, …)"
    # the same messages read back from websocket frames get the same names and sizes
    again = list(decode_frames(m.SerializeToString() for m in sent))
    assert [message_name(m) for m in again] == [message_name(m) for m in sent]
    assert breakdown(again) == breakdown(sent)


def test_table_sums_the_rest_and_the_total() -> None:
    parts = [Part("dataframe a|b", 1, 3_000), Part("block", 4, 400), Part("markdown x", 2, 100)]
    text = table(parts, top=2)
    assert "| dataframe a\\|b | 1 | 3.0 kB | 86% |" in text
    assert "| 1 others | 2 | 0.1 kB | 3% |" in text
    assert text.splitlines()[-1] == "| total | 7 | 3.5 kB | |"
