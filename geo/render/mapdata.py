"""The event set for the browser map as static files: one binary of typed arrays, popup chunks.

Written once per dataset version and named by a hash of their content, so the browser
caches them and the map page carries none of the events (:func:`geo.render.build_map`
with ``event_data``). The binary is ``events-<hash>.bin``, or, from
:data:`GZIP_FROM_BYTES` (about 235,000 events), ``events-<hash>.bin.gz``: gzipped once
when written, served as ``application/gzip`` and inflated by the map layer
(``DecompressionStream``). Served plain, a large binary was gzipped again by Streamlit's
server for every request (0.7-1.2 s of a core at 10^6 events, 17 MB, before the browser
had its 9.8 MB), and no browser's memory cache keeps a file that large. The binary is,
little-endian::

    b"CMAPDAT1"  uint32 header length  header (UTF-8 JSON, padded to 4 bytes)  columns

The header gives ``n`` (events), ``day0`` (the day counted from, ISO), ``types`` and
``episodes`` (the lookup tables of those columns), ``chunk`` (events per popup chunk)
and ``columns``: ``{name: [byte offset, dtype, count]}`` for

``lon``, ``lat`` (float32, WGS 84), ``d0``, ``d1`` (uint16, first and last day as days
after ``day0``), ``t`` (uint8, index into ``types``), ``ep`` (uint16, index into
``episodes``), ``g`` (uint8, geo precision, plus 4 when the event is located only to
an area that is no admin unit) and ``r`` (uint8, marker radius in tenths of a pixel).

Popup details of event ``i`` are in ``events-<hash>/<i // chunk>.json``: per chunk its
own lookup table of texts and sources and one column per property, built column by
column (:mod:`geo.render.details`); the browser turns them back into the properties
:func:`geo.render.event_properties` describes, every text HTML-escaped, and shows them
with DOM text calls only.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo._errors import OutputError
from geo._io import atomic_write_bytes
from geo.render._common import PlaceLookup
from geo.render._immutable import mark_immutable
from geo.render.details import detail_chunks
from geo.style import EVENT_TYPE_COLORS, marker_radius

MAGIC = b"CMAPDAT1"
#: Events per popup-detail file: one popup fetches one file of about this many events.
CHUNK = 256
#: Folder under the app's static folder that holds the files (gitignored).
FOLDER = "mapdata"
#: The hand-written map layer, shipped with the package and published beside the data.
LAYER_JS = Path(__file__).resolve().parent / "js" / "eventlayer.js"
_DTYPES = {"float32": np.float32, "uint16": np.uint16, "uint8": np.uint8}
_MAX_DAYS = np.iinfo(np.uint16).max


@dataclass(frozen=True)
class EventData:
    """A packed event set: the binary, its popup chunks, and which event is which row."""

    binary: bytes
    chunks: tuple[bytes, ...]
    ids: pd.Index
    digest: str

    @property
    def n(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class EventDataFiles:
    """Where a packed event set is served: what :func:`geo.render.build_map` needs."""

    data_url: str
    details_url: str
    layer_url: str
    ids: pd.Index

    def rows_of(self, event_ids: pd.Index) -> np.ndarray:
        """Row of each event id in the file; ``KeyError`` naming the ids it does not hold."""
        if event_ids is self.ids or (
            len(event_ids) == len(self.ids) and event_ids.equals(self.ids)
        ):  # every event, in the file's order (the default view): no look-up
            return np.arange(len(self.ids))
        rows = self.ids.get_indexer(event_ids)
        if (rows < 0).any():
            missing = [str(i) for i in np.asarray(event_ids)[rows < 0][:5]]
            raise KeyError(f"events not in the map data file {self.data_url}: {missing}")
        return rows


def _days(values: pd.Series) -> np.ndarray:
    return (pd.to_datetime(values).dt.tz_localize(None).to_numpy("datetime64[D]")).astype(np.int64)


def pack_events(events: pd.DataFrame, *, places: PlaceLookup | None = None) -> EventData:
    """Pack joined events (index: event id) for the browser map; see the module docstring.

    Raises ``ValueError`` naming the event when a coordinate or date cannot be packed.
    Holds every popup chunk in memory: for large sets :func:`pack_and_write` writes the
    same files while holding one block of chunks at a time.
    """
    body, d0, d1 = _binary(events)
    chunks = list(detail_chunks(events, d0=d0, d1=d1, chunk=CHUNK, places=places))
    digest = _Digest(body)
    for chunk in chunks:
        digest.add(chunk)
    return EventData(body, tuple(chunks), pd.Index(events.index), digest.hexdigest())


class _Digest:
    """The content hash naming a packed set: the binary, each chunk, the layer script."""

    def __init__(self, body: bytes) -> None:
        self._hash = hashlib.sha256(body)

    def add(self, chunk: bytes) -> None:
        self._hash.update(hashlib.sha256(chunk).digest())

    def hexdigest(self) -> str:
        final = self._hash.copy()
        final.update(hashlib.sha256(LAYER_JS.read_bytes()).digest())
        return final.hexdigest()[:20]


def _binary(events: pd.DataFrame) -> tuple[bytes, np.ndarray, np.ndarray]:
    """The events binary, and each event's first and last day (days since 1970-01-01)."""
    n = len(events)
    lon = events["longitude"].to_numpy(dtype=np.float64)
    lat = events["latitude"].to_numpy(dtype=np.float64)
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"event {events.index[i]!r}: longitude/latitude cannot be drawn")
    d0, d1 = _days(events["date_start"]), _days(events["date_end"])
    base = int(d0.min()) if n else 0
    if n and (int(d1.max()) - base > _MAX_DAYS or (d1 < d0).any()):
        i = int(np.flatnonzero((d1 - base > _MAX_DAYS) | (d1 < d0))[0])
        raise ValueError(
            f"event {events.index[i]!r}: date_start..date_end cannot be packed "
            f"(end before start, or more than {_MAX_DAYS} days after the first event)"
        )
    types = list(EVENT_TYPE_COLORS)
    types += sorted(set(map(str, events["event_type"])) - set(types))
    episodes = list(dict.fromkeys(map(str, events["episode"])))
    area_only = events.get("join_method", pd.Series(None, index=events.index)) == "area"
    deaths = events["deaths_best"].fillna(0).astype(int).to_numpy()
    radius = np.array([marker_radius(int(d)) for d in np.unique(deaths)])
    radius_of = dict(zip(np.unique(deaths), radius, strict=True))
    columns: dict[str, np.ndarray] = {
        "lon": lon.astype(np.float32),
        "lat": lat.astype(np.float32),
        "d0": (d0 - base).astype(np.uint16),
        "d1": (d1 - base).astype(np.uint16),
        "t": pd.Categorical(events["event_type"].astype(str), categories=types).codes.astype(
            np.uint8
        ),
        "ep": pd.Categorical(events["episode"].astype(str), categories=episodes).codes.astype(
            np.uint16
        ),
        "g": (events["geo_precision"].astype(int).to_numpy() + 4 * area_only.to_numpy()).astype(
            np.uint8
        ),
        "r": np.clip(np.round(np.array([radius_of[d] for d in deaths]) * 10), 0, 255).astype(
            np.uint8
        ),
    }
    header: dict[str, Any] = {
        "n": n,
        "day0": date.fromordinal(base + date(1970, 1, 1).toordinal()).isoformat(),
        "types": types,
        "episodes": episodes,
        "chunk": CHUNK,
        "columns": {},
    }
    return _layout(header, columns), d0, d1


def _head(header: dict[str, Any]) -> bytes:
    head = json.dumps(header, separators=(",", ":")).encode()
    return head + b" " * (-(len(MAGIC) + 4 + len(head)) % 4)


def _layout(header: dict[str, Any], columns: Mapping[str, np.ndarray]) -> bytes:
    """Magic, header and the columns, each column at a 4-byte aligned offset."""
    # the offsets depend on the header's length, which holds them: repeat until stable
    layout: dict[str, list[Any]] = {}
    while True:
        offset = len(MAGIC) + 4 + len(_head({**header, "columns": layout}))
        new: dict[str, list[Any]] = {}
        for name, arr in columns.items():
            offset += -offset % 4
            new[name] = [offset, str(arr.dtype), len(arr)]
            offset += arr.nbytes
        if new == layout:
            break
        layout = new
    header["columns"] = layout
    head = _head(header)
    out = bytearray(MAGIC + struct.pack("<I", len(head)) + head)
    for name, arr in columns.items():
        out += b"\0" * (layout[name][0] - len(out))
        out += arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    return bytes(out)


def read_header(binary: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The header and the columns of an events binary (for tests and tools)."""
    if binary[: len(MAGIC)] != MAGIC:
        raise ValueError("not a conflictmap events binary (bad magic)")
    (length,) = struct.unpack_from("<I", binary, len(MAGIC))
    header = json.loads(binary[len(MAGIC) + 4 : len(MAGIC) + 4 + length])
    columns = {
        name: np.frombuffer(binary, dtype=np.dtype(_DTYPES[dtype]).newbyteorder("<"),
                            count=count, offset=offset)
        for name, (offset, dtype, count) in header["columns"].items()
    }  # fmt: skip
    return header, columns


def write_event_data(
    data: EventData, folder: str | os.PathLike[str], *, base_url: str
) -> EventDataFiles:
    """Write ``data`` under ``folder`` (once: files named by content are never rewritten).

    ``base_url`` is where the browser finds ``folder``. The popup chunks are written to
    a temporary folder renamed into place, then the binary atomically, then the layer
    script: a failure leaves no half-written file under a final name.
    """
    root = _root(folder)
    stem = f"events-{data.digest}"
    details = root / stem
    if not details.is_dir():
        tmp = Path(tempfile.mkdtemp(prefix=f".{stem}.", dir=root))
        try:
            for k, chunk in enumerate(data.chunks):
                (tmp / f"{k}.json").write_bytes(chunk)
            _move_into_place(tmp, details)
        except OSError as exc:
            if not details.is_dir():
                raise OutputError(f"cannot write {details}: {exc.strerror or exc}") from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return _finish(root, stem, data.binary, data.ids, base_url)


def pack_and_write(
    events: pd.DataFrame,
    folder: str | os.PathLike[str],
    *,
    base_url: str,
    places: PlaceLookup | None = None,
) -> EventDataFiles:
    """:func:`write_event_data` of :func:`pack_events`: the same files, written as they are
    made, so memory holds one block of popup chunks (see
    :func:`geo.render.details.detail_chunks`), never all of them.

    The chunks go to a temporary folder, renamed to their content-hash name once every
    one is written (or dropped if a folder of that name is already there).
    """
    root = _root(folder)
    body, d0, d1 = _binary(events)
    digest = _Digest(body)
    tmp = Path(tempfile.mkdtemp(prefix=".events-", dir=root))
    details = tmp
    try:
        chunks = detail_chunks(events, d0=d0, d1=d1, chunk=CHUNK, places=places)
        for k, chunk in enumerate(chunks):
            (tmp / f"{k}.json").write_bytes(chunk)
            digest.add(chunk)
        stem = f"events-{digest.hexdigest()}"
        details = root / stem
        if not details.is_dir():
            _move_into_place(tmp, details)
    except OSError as exc:
        if not details.is_dir() or details == tmp:
            raise OutputError(f"cannot write {details}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return _finish(root, stem, body, pd.Index(events.index), base_url)


def _root(folder: str | os.PathLike[str]) -> Path:
    root = Path(folder)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write map data to {root}: {exc.strerror or exc}") from exc
    return root


def _move_into_place(tmp: Path, details: Path) -> None:
    tmp.chmod(0o755)
    tmp.rename(details)
    mark_immutable(details)  # the popup chunks: named by the folder's content hash


#: gzip level of the served binary (9 makes 10^6 events 0.1 % smaller in 2.4 times the time).
GZIP_LEVEL = 6
#: Binaries of at least this many bytes are written gzipped (``.bin.gz``). Smaller ones
#: stay plain: the server's gzip of 1.7 MB (10^5 events) is quick and the browser keeps
#: the file in its cache, where inflating it in the page measured slower (bench/README.md,
#: "Fourteenth run").
GZIP_FROM_BYTES = 4_000_000


def served_binary(body: bytes) -> bytes:
    """A large binary as served: gzip, without a time or a name in its header (the same
    bytes for the same binary)."""
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def read_served(path: str | os.PathLike[str]) -> bytes:
    """The binary of a served ``events-<hash>.bin.gz`` file (for tests and tools)."""
    return gzip.decompress(Path(path).read_bytes())


def _finish(root: Path, stem: str, body: bytes, ids: pd.Index, base_url: str) -> EventDataFiles:
    """Write the binary and the layer script (when missing); where the files are served."""
    gzipped = len(body) >= GZIP_FROM_BYTES
    binary = root / (f"{stem}.bin.gz" if gzipped else f"{stem}.bin")
    if not binary.exists():
        atomic_write_bytes(binary, served_binary(body) if gzipped else body)
    layer_text = LAYER_JS.read_bytes()
    layer = root / f"eventlayer-{hashlib.sha256(layer_text).hexdigest()[:16]}.js"
    if not layer.exists():
        atomic_write_bytes(layer, layer_text)
    mark_immutable(binary, layer)  # named by content: browsers may keep them (see there)
    url = base_url.rstrip("/")
    return EventDataFiles(
        data_url=f"{url}/{binary.name}",
        details_url=f"{url}/{stem}/",
        layer_url=f"{url}/{layer.name}",
        ids=ids,
    )


def type_colors(header: Mapping[str, Any]) -> list[str]:
    """The colour of each type index of a header (grey for types without one)."""
    return [EVENT_TYPE_COLORS.get(t, "#777777") for t in header["types"]]
