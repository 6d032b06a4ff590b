"""Option lists of the app's filters, bounded: every option is sent to the browser on every run.

An imported dataset can name thousands of actors; a multiselect listing all of them
would send them all with every page. :func:`bounded_options` lists at most
:data:`MAX_OPTIONS`: the chosen ones, then the most frequent (or those matching what the
reader typed in a search box), in alphabetical order.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

#: Options a filter lists at most (the chosen ones always, on top of these).
MAX_OPTIONS = 200


def value_counts(*columns: pd.Series) -> pd.Series:
    """How often each non-blank value occurs in ``columns`` together, most frequent first
    (ties in alphabetical order)."""
    values = pd.concat(columns, ignore_index=True).dropna().astype(str)
    counts = values[values.str.strip() != ""].value_counts()
    order = sorted(range(len(counts)), key=lambda i: (-int(counts.iloc[i]), counts.index[i]))
    return counts.iloc[order]


def bounded_options(
    counts: pd.Series,
    *,
    selected: Sequence[str] = (),
    query: str = "",
    limit: int = MAX_OPTIONS,
) -> list[str]:
    """The options to list: ``selected``, then the most frequent values of ``counts`` (a
    :func:`value_counts`) containing ``query`` (case-insensitive), ``limit`` in all or the
    selected ones if more, sorted alphabetically."""
    names = [str(v) for v in counts.index]
    needle = query.strip().casefold()
    if needle:
        names = [n for n in names if needle in n.casefold()]
    chosen = list(dict.fromkeys(selected))
    room = max(limit - len(chosen), 0)
    picked = set(chosen)
    rest = [n for n in names if n not in picked][:room]
    return sorted([*chosen, *rest], key=str.casefold)
