"""Showing text from data or URLs literally where a UI renders Markdown."""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:&])")


def md_escape(text: str) -> str:
    """Backslash-escape every Markdown-active character: no links, markup, maths or HTML."""
    return _SPECIAL.sub(r"\\\1", text)
