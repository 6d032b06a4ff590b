"""Choropleth classes: one classifier (Fisher–Jenks) for the map, the figures and QGIS."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import mapclassify
import numpy as np

from geo.style import CHOROPLETH_RAMP

#: Classes a choropleth uses at most (one per colour of the ramp).
DEFAULT_K = len(CHOROPLETH_RAMP)


def class_breaks(
    values: Sequence[float] | np.ndarray | Iterable[float], k: int = DEFAULT_K
) -> list[tuple[float, float]]:
    """Class bounds ``[(low, high), ...]`` for ``values`` (Fisher–Jenks, deterministic).

    Each ``low`` and ``high`` is a value that occurs. ``k`` is lowered to the number
    of distinct values; one distinct value (e.g. all zero) gives one class. Empty
    input gives no class.
    """
    y = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    distinct = np.unique(y)
    if distinct.size == 0:
        return []
    if distinct.size <= max(k, 1):
        return [(float(v), float(v)) for v in distinct]
    with warnings.catch_warnings():
        # mapclassify announces its pure-Python Fisher-Jenks when the optional numba is
        # absent; the result is the same, and quick for the few hundred units we classify.
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        bins = mapclassify.FisherJenks(y, k=k).bins
    lows = [float(distinct[0])]
    for upper in bins[:-1]:
        lows.append(float(distinct[distinct > upper][0]))
    return list(zip(lows, (float(b) for b in bins), strict=True))


def whole_number_classes(values: Iterable[float], k: int = DEFAULT_K) -> list[tuple[int, int]]:
    """Contiguous whole-number classes ``[1, a], [a+1, b], ...`` over the positive values.

    The same breaks as :func:`class_breaks`; zero gets no class (it is drawn as
    "none"), and each class starts one above the previous class's end, so every
    whole number up to the largest value falls in exactly one class (as QGIS's
    graduated renderer needs).
    """
    positive = [float(v) for v in values if v and v > 0]
    out: list[tuple[int, int]] = []
    low = 1
    for _, high in class_breaks(positive, k):
        upper = int(high)
        if upper >= low:
            out.append((low, upper))
            low = upper + 1
    return out


def class_colors(n: int) -> list[str]:
    """``n`` colours spread over :data:`geo.style.CHOROPLETH_RAMP` (light to dark)."""
    if n <= 0:
        return []
    if n == 1:
        return [CHOROPLETH_RAMP[-1]]
    idx = np.linspace(0, len(CHOROPLETH_RAMP) - 1, n).round().astype(int)
    return [CHOROPLETH_RAMP[i] for i in idx]


def class_of(value: float, classes: Sequence[tuple[float, float]]) -> int:
    """Index of the class ``value`` falls in (the last one for values above every class)."""
    for i, (_, high) in enumerate(classes):
        if value <= high:
            return i
    return len(classes) - 1


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def class_label(low: float, high: float) -> str:
    """'1–3', or '4' for a class of one value."""
    return _fmt(low) if low == high else f"{_fmt(low)}–{_fmt(high)}"
