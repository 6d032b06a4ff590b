"""Reading an article (text or HTML, hostile input refused) and splitting it into sentences."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from geo._errors import IngestError

#: Articles larger than this are refused (a long feature story is under 200 kB of text).
MAX_ARTICLE_BYTES = 2_000_000
#: How many sentences back (and forward) a sentence without its own place may look for one.
CONTEXT_BACK = 4
CONTEXT_AHEAD = 8

COUNTRY_WORDS = {"armenia": "ARM", "azerbaijan": "AZE"}
#: The national capitals, which news text also uses for the government ("Baku said").
CAPITALS = {"ARM": "yerevan", "AZE": "baku"}
_SIDE_WORDS = {
    "armenian": "armenian",
    "armenians": "armenian",
    "armenia": "armenian",
    "armenia's": "armenian",
    "yerevan": "armenian",
    "azerbaijani": "azerbaijani",
    "azerbaijanis": "azerbaijani",
    "azeri": "azerbaijani",
    "azeris": "azerbaijani",
    "azerbaijan": "azerbaijani",
    "baku": "azerbaijani",
    "separatist": "armenian",
}
_SIDE_COUNTRY = {"armenian": "ARM", "azerbaijani": "AZE"}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _ordered_words(text: str) -> list[str]:
    return text.split()


# --------------------------------------------------------------------------- reading


class _TextExtractor(HTMLParser):
    """Collect the visible text of an HTML document; drop scripts, styles and the like."""

    _SKIP = frozenset(
        {"script", "style", "noscript", "template", "iframe", "object", "svg", "head"}
    )
    _BLOCK = frozenset(
        {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
         "blockquote", "header", "footer", "title", "ul", "ol", "table", "hr"}
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


_HTML_HINT = re.compile(r"<\s*(?:!doctype|html|body|p|div|script|br|span|a|h[1-6])\b", re.I)


def looks_like_html(text: str) -> bool:
    """Whether the text is (mostly) HTML markup rather than plain prose."""
    return bool(_HTML_HINT.search(text[:5000]))


def strip_html(text: str) -> str:
    """The visible text of an HTML document, without scripts, styles, comments or tags.

    Nothing is executed or rendered: the standard-library parser only tokenises.
    """
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    joined = html.unescape("".join(parser.parts))
    lines = [" ".join(line.split()) for line in joined.splitlines()]
    return "\n".join(line for line in lines if line)


def decode_article(data: bytes, *, origin: str = "<article>") -> str:
    """Plain text from the bytes of an article (UTF-8 text or HTML).

    Raises
    ------
    IngestError
        For an empty, binary, oversized or non-UTF-8 input, naming ``origin``.
    """
    if len(data) > MAX_ARTICLE_BYTES:
        raise IngestError(
            f"{origin}: {len(data):,} bytes is too large for an article "
            f"(limit {MAX_ARTICLE_BYTES:,} bytes); nothing was read or written"
        )
    if not data.strip():
        raise IngestError(f"{origin}: the file is empty; nothing to ingest")
    if b"\x00" in data[:8192]:
        raise IngestError(f"{origin}: this is a binary file, not a text or HTML article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{origin}: not UTF-8 text (byte {exc.start}); save the article as UTF-8 text or HTML"
        ) from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 8:
        raise IngestError(f"{origin}: this is a binary file, not a text or HTML article")
    if looks_like_html(text):
        text = strip_html(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(f"{origin}: no readable text once markup is removed; nothing to ingest")
    return text


def read_article(path: str | Path) -> str:
    """Read an article file (plain text or HTML) and return its text.

    The size is checked before the file is read, so a huge file is refused cheaply.
    """
    p = Path(path)
    if not p.is_file():
        raise IngestError(f"{p}: no such file")
    size = p.stat().st_size
    if size > MAX_ARTICLE_BYTES:
        raise IngestError(
            f"{p}: {size:,} bytes is too large for an article (limit {MAX_ARTICLE_BYTES:,} "
            "bytes); nothing was read or written"
        )
    return decode_article(p.read_bytes(), origin=str(p))


# --------------------------------------------------------------------------- sentences


@dataclass(frozen=True)
class Sentence:
    """A sentence (or heading) of the article, by character offsets."""

    index: int
    start: int
    end: int
    text: str
    heading: bool = False


_FURNITURE = re.compile(r"^\s*(read more|advertisement|related|watch|listen|share)\b", re.I)
_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Gen|Maj|Col|Lt|Capt|St|No|U\.S|U\.N|vs|Sgt|Prof)\.$")
_SPLIT = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with their offsets; lines without closing punctuation are headings."""
    out: list[Sentence] = []
    pos = 0
    for line in text.split("\n"):
        start_line = pos
        pos += len(line) + 1
        stripped = line.strip()
        if not stripped or _FURNITURE.match(stripped):
            continue
        offset = start_line + (len(line) - len(line.lstrip()))
        words = stripped.split()
        is_heading = (
            stripped.startswith(("==", "- ", "• "))
            or stripped[-1] not in '.!?"”’)'
            or (stripped.endswith("?") and len(words) <= 8)
        )
        if is_heading:
            out.append(Sentence(len(out), offset, offset + len(stripped), stripped, True))
            continue
        cut = 0
        for m in _SPLIT.finditer(stripped):
            head = stripped[cut : m.start()]
            if _ABBREV.search(head.rstrip('"”’)')):
                continue
            piece = stripped[cut : m.start()].rstrip()
            trail = stripped[m.start() : m.end()].rstrip()
            piece += trail[: len(trail)] if trail.strip() else ""
            out.append(Sentence(len(out), offset + cut, offset + cut + len(piece), piece))
            cut = m.end()
        piece = stripped[cut:]
        if piece:
            out.append(Sentence(len(out), offset + cut, offset + cut + len(piece), piece))
    return out
