"""The one choropleth classifier: exact breaks, and no warning with many distinct values."""

from __future__ import annotations

import itertools
import warnings

import pytest

from geo import qgis
from geo.classify import class_breaks, class_colors, class_label, class_of, whole_number_classes
from geo.style import CHOROPLETH_RAMP

FIFTY = list(range(1, 51))


def test_breaks_are_values_that_occur() -> None:
    assert class_breaks([1, 2, 3, 10, 11, 12, 30], k=3) == [(1, 3), (10, 12), (30, 30)]
    assert class_breaks([0, 0, 0]) == [(0, 0)]
    assert class_breaks([]) == []


def test_fifty_distinct_values_give_five_classes_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # mapclassify's "Numba not installed" must not escape
        classes = class_breaks(FIFTY)
    assert len(classes) == 5
    assert classes[0][0] == 1 and classes[-1][1] == 50
    # contiguous over the values that occur: each class starts right after the previous one
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(classes))


def test_whole_number_classes_are_the_same_breaks_from_one() -> None:
    values = [0, 0, *FIFTY]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        classes = whole_number_classes(values)
    assert classes == [(int(lo), int(hi)) for lo, hi in class_breaks(FIFTY)]
    assert whole_number_classes([0, 0]) == []
    # Fisher–Jenks splits {1} from {5, 9}; the gap 2–4 joins the next class
    assert class_breaks([1, 5, 9], k=2) == [(1, 1), (5, 9)]
    assert whole_number_classes([1, 5, 9], k=2) == [(1, 1), (2, 9)]


def test_qgis_summary_style_classifies_fifty_values_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        style = qgis.summary_style(
            [("region", "str"), ("events", "int")], measure="events", values=FIFTY
        )
    xml = style.qml()
    for lo, hi in whole_number_classes(FIFTY):
        assert class_label(lo, hi) in xml


def test_colours_and_labels() -> None:
    assert class_colors(5) == CHOROPLETH_RAMP
    assert class_colors(1) == [CHOROPLETH_RAMP[-1]]
    assert class_colors(0) == []
    assert class_label(1, 3) == "1–3" and class_label(4, 4) == "4"
    assert class_of(11, [(1, 3), (10, 12), (30, 30)]) == 1
    assert class_of(99, [(1, 3), (10, 12)]) == 1


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_at_most_k_classes(k: int) -> None:
    assert len(class_breaks(FIFTY, k=k)) == k
