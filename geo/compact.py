"""The loaded events frame, smaller: text columns that repeat few values kept as categoricals.

At 10^6 imported events the frame's text columns are most of the server's memory: each
Arrow-backed string column holds every row's own copy of its text (the actor names, the
episode title, the region and district ids: a few dozen distinct values, each repeated a
million times, 10-45 MB a column). A pandas categorical keeps each distinct text once and
one small integer code per row. The values are the same Python strings (or missing) to
every reader: comparisons, ``isin``, ``unique``, ``tolist``, sorting (categories are
sorted, so category order is text order), CSV/GeoPackage/KML writing and Streamlit tables.

Only columns whose non-missing values are all ``str`` and that repeat (at most half as
many distinct values as rows) change; the index, numbers, dates, geometry, the nested
``claims``/``sources``/``tags`` and columns of mostly distinct texts (notes, ids) do not.
"""

from __future__ import annotations

from typing import TypeVar

import pandas as pd
from pandas.api.types import is_object_dtype, is_string_dtype

F = TypeVar("F", bound=pd.DataFrame)

#: A column is kept as a categorical when it has at most this share of distinct values.
MAX_DISTINCT_SHARE = 0.5


def _repeating_text(values: pd.Series) -> bool:
    if isinstance(values.dtype, pd.CategoricalDtype | pd.ArrowDtype):
        return False
    if not (is_string_dtype(values.dtype) or is_object_dtype(values.dtype)):
        return False
    present = values.dropna()
    if present.empty:
        return False
    if is_object_dtype(values.dtype) and not all(type(v) is str for v in present):
        return False  # lists (claims, sources), numbers, mixed: left as they are
    return present.nunique() <= MAX_DISTINCT_SHARE * len(values)


def compact_text_columns(frame: F) -> F:
    """``frame`` with its repeating text columns as categoricals (see the module docstring).

    A new frame (the other columns are shared, not copied); ``frame`` is unchanged.
    """
    changed = {name: frame[name] for name in frame.columns if _repeating_text(frame[name])}
    if not changed:
        return frame
    out = frame.copy(deep=False)
    for name, values in changed.items():
        out[name] = values.astype("category")  # categories sorted; missing stays missing
    return out
