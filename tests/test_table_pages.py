"""Event tables a page at a time (table_pages): captions, page counts, the page kept in range."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from table_pages import PAGE_ROWS, page_caption, page_count


def test_pages_and_captions_say_which_rows_of_how_many() -> None:
    assert PAGE_ROWS == 100
    assert [page_count(n) for n in (0, 1, 100, 101, 1_003)] == [1, 1, 1, 2, 11]
    assert page_caption(1, 0) == "0 events."
    assert page_caption(1, 1) == "1 event."
    assert page_caption(1, 100) == "100 events."
    assert page_caption(2, 1_003) == "Events 101–200 of 1,003 (page 2 of 11)."
    assert page_caption(11, 1_003) == "Events 1,001–1,003 of 1,003 (page 11 of 11)."


def _app() -> None:
    import pandas as pd
    import streamlit as st

    from table_pages import paged_table

    n = st.number_input("rows", value=250, key="n")
    rows = pd.DataFrame({"x": range(int(n))}, index=[f"e{i}" for i in range(int(n))])
    paged_table(
        rows, lambda r: r.assign(y=r["x"] * 2), key="t", column_config={}, alt="T", note="More."
    )


def test_a_page_turns_and_comes_back_in_range_when_the_rows_shrink() -> None:
    at = AppTest.from_function(_app)
    at.run()
    assert not at.exception
    (table,) = [d.value for d in at.dataframe]
    assert list(table.index) == [f"e{i}" for i in range(100)]
    assert list(table["y"][:3]) == [0, 2, 4]  # shown as to_table makes it
    assert [c.value for c in at.caption] == ["Events 1–100 of 250 (page 1 of 3). More."]
    at.pagination(key="t_page").set_value(3).run()
    (table,) = [d.value for d in at.dataframe]
    assert list(table.index) == [f"e{i}" for i in range(200, 250)]
    assert [c.value for c in at.caption] == ["Events 201–250 of 250 (page 3 of 3). More."]
    # fewer rows than the page kept: back to the first page; one page needs no bar or note
    at.number_input(key="n").set_value(40).run()
    assert not at.exception
    (table,) = [d.value for d in at.dataframe]
    assert list(table.index) == [f"e{i}" for i in range(40)]
    assert [c.value for c in at.caption] == ["40 events."]
    assert not at.pagination
