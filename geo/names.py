"""Names typed by a user (regions, episodes, actors...): one lookup, one message for a typo."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process, utils

#: Suggestions scoring below this (rapidfuzz WRatio, 0–100) are not offered.
SUGGEST_CUTOFF = 75
#: Known names listed when nothing is close.
LIST_AT_MOST = 200


def known_names(values: Iterable[object]) -> list[str]:
    """The distinct non-blank names among ``values``, sorted."""
    return sorted({str(v).strip() for v in values if isinstance(v, str) and v.strip()})


def suggest(value: str, choices: Iterable[str], limit: int = 3) -> list[str]:
    """Up to ``limit`` choices close to ``value``, best first (case and accents ignored)."""
    found = process.extract(
        value, list(choices), scorer=fuzz.WRatio, processor=utils.default_process, limit=limit
    )
    return [str(choice) for choice, score, _ in found if score >= SUGGEST_CUTOFF]


def unknown_message(label: str, value: str, choices: Iterable[str]) -> str:
    """E.g. ``unknown region 'Tavsh'; did you mean 'Tavush'?``, or the known names listed."""
    names = known_names(choices)
    close = suggest(value, names)
    if close:
        hint = f"did you mean {', '.join(map(repr, close))}?"
    elif names:
        extra = len(names) - LIST_AT_MOST
        more = f" … and {extra} more" if extra > 0 else ""
        hint = "known: " + ", ".join(names[:LIST_AT_MOST]) + more
    else:
        hint = "there are none"
    return f"unknown {label} {value!r}; {hint}"


def lookup(value: str, choices: Iterable[str]) -> str | None:
    """The choice equal to ``value`` ignoring case and repeated spaces, else ``None``."""
    wanted = " ".join(value.split()).casefold()
    for name in choices:
        if " ".join(str(name).split()).casefold() == wanted:
            return str(name)
    return None
