"""What a Streamlit page sends, per element: its websocket messages decoded and summed.

Streamlit sends a page as ``ForwardMsg`` protobuf messages over its websocket, one per
element (a "delta") plus a few session messages. :func:`breakdown` sizes each message as
sent (``SerializeToString``) and names it by what it carries: the element type and its
label, key or component name (``dataframe events_table``, ``multiselect Actors``,
``component streamlit_folium.st_folium``). :func:`decode_frames` reads the messages
from the bytes of websocket frames (as a browser's DevTools protocol reports them);
:func:`app_messages` collects them from an ``AppTest`` run, without a browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

#: Widget and element ids end with the user's key: ``$$ID-<hash>-<key>``.
_KEYED_ID = re.compile(r"^\$\$ID-[0-9a-f]+-(?P<key>.+)$")
#: How much of a label or Markdown body names an element.
_NAME_CHARS = 40


@dataclass(frozen=True)
class Part:
    """Messages of one name: how many, and their bytes as sent."""

    name: str
    messages: int
    bytes: int


def message_name(msg: ForwardMsg) -> str:
    """A short name for one message: ``<element type> <label, key or component>``."""
    kind = msg.WhichOneof("type")
    if kind != "delta":
        return str(kind)
    delta = msg.delta
    which = delta.WhichOneof("type")
    if which == "add_block":
        return "block"
    if which != "new_element":
        return str(which)
    element = delta.new_element
    etype = str(element.WhichOneof("type"))
    body = getattr(element, etype)
    name = ""
    fields = {f.name for f in body.DESCRIPTOR.fields}
    if etype == "component_instance":
        name = body.component_name
    elif "id" in fields and (m := _KEYED_ID.match(body.id)):
        name = m.group("key")
    elif "alt" in fields and body.alt:
        name = body.alt
    elif "arrow_data" in fields:  # a table without a key or name: its first columns
        name = _columns(body.arrow_data.data)
    if not name and "label" in fields:
        name = body.label
    if not name and "body" in fields:
        name = body.body
    name = " ".join(str(name).split())[:_NAME_CHARS]
    return f"{etype} {name}".strip()


def _columns(arrow: bytes) -> str:
    import pyarrow as pa

    try:
        names = [n for n in pa.ipc.open_stream(arrow).schema.names if not n.startswith("__")]
    except (pa.ArrowInvalid, OSError):
        return ""
    return "(" + ", ".join(names[:3]) + (", …)" if len(names) > 3 else ")")


def breakdown(messages: Iterable[ForwardMsg]) -> list[Part]:
    """Bytes per message name, the largest first."""
    sizes: dict[str, list[int]] = {}
    for msg in messages:
        sizes.setdefault(message_name(msg), []).append(msg.ByteSize())
    parts = [Part(name, len(s), sum(s)) for name, s in sizes.items()]
    return sorted(parts, key=lambda p: (-p.bytes, p.name))


def decode_frames(payloads: Iterable[bytes]) -> Iterator[ForwardMsg]:
    """The ``ForwardMsg`` of each binary websocket frame the server sent."""
    for payload in payloads:
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        yield msg


def table(parts: list[Part], *, top: int = 12) -> str:
    """The breakdown as a Markdown table: the ``top`` largest, the rest summed."""
    total = sum(p.bytes for p in parts)
    lines = ["| element | messages | bytes | share |", "|---|---|---|---|"]
    shown, rest = parts[:top], parts[top:]
    if rest:
        shown = [*shown, Part(f"{len(rest)} others", sum(p.messages for p in rest),
                              sum(p.bytes for p in rest))]  # fmt: skip
    for p in shown:
        share = p.bytes / total if total else 0.0
        name = p.name.replace("|", "\\|")
        lines.append(f"| {name} | {p.messages} | {p.bytes / 1e3:,.1f} kB | {share:.0%} |")
    lines.append(f"| total | {sum(p.messages for p in parts)} | {total / 1e3:,.1f} kB | |")
    return "\n".join(lines)


@contextmanager
def app_messages() -> Iterator[list[ForwardMsg]]:
    """Collect the messages of every ``AppTest`` run inside the ``with`` block.

    Each run's messages replace the previous run's (a page is one run).
    """
    from streamlit.testing.v1 import local_script_runner as lsr

    runner = lsr.LocalScriptRunner
    original = runner.forward_msgs
    sent: list[ForwardMsg] = []

    def capture(self: Any) -> list[ForwardMsg]:
        msgs = list(original(self))
        sent[:] = msgs
        return msgs

    runner.forward_msgs = capture  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        runner.forward_msgs = original  # type: ignore[method-assign]
