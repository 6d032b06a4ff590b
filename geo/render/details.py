"""Popup details of a packed event set, built column by column (one JSON file per chunk).

:func:`geo.render.features.event_properties` builds one event's popup facts from one
row; at 10^5–10^6 events doing that row by row is most of the packing time. Here the
same facts are built per column, a block of chunks at a time (:data:`BLOCK_CHUNKS`, so
memory holds one block's Python values): every text is escaped once per distinct value
in the block (together, by Arrow string kernels) and interned in the block's table;
dates, figures and precisions are numpy arrays. Claims and sources kept as Arrow lists
(imported datasets) are described once per distinct claim and per distinct source
record (:func:`_columnar_claims`); Python lists (curated layers) are walked event by
event. Each chunk of events is then written as columns with its own lookup table of the
texts it uses (in text order) and of its sources (in order of first use), so a chunk's
file depends on its events only::

    {"k": events, "s": [text, ...], "src": [[outlet, when, reported, cites, seed, url], ...],
     "c": {key: [value per event, ...], ...}}

Keys and values are those of :func:`~geo.render.features.event_properties` (texts as
indexes into ``s``; ``null`` where the event has none); ``id``, ``n`` (notes) and ``ln``
(how the point was chosen) are indexes into ``s`` too, so text repeated in a chunk is
sent once. ``geo/render/js/eventlayer.js`` turns the columns back into one properties
object per event, leaving out ``null`` and empty values as ``event_properties`` does, so
the popup kit (:data:`geo.render.POPUP_JS`) gets exactly what it got before. Every text
is HTML-escaped (:func:`geo.text.html_text`) and shown by the browser as text only.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.compact import plain_nested
from geo.events import Claim
from geo.render._common import (
    PlaceLookup,
    _blank,
    _country_name,
    _place_names_text,
    claim_source_text,
    claim_whose,
)
from geo.style import marker_radius
from geo.text import html_text as esc

#: Keys whose values are single texts (indexes into the chunk's table).
TEXT_KEYS = ("id", "t", "u", "ep", "n", "l", "pn", "co", "rg", "di", "jm", "an", "ln")
_CLAIM_DEFAULTS = {
    name: field.default for name, field in Claim.model_fields.items() if not field.is_required()
}
_ACTORS = ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")
_FIGURES = tuple(f"{k}_{lv}" for k in ("deaths", "injured") for lv in ("low", "best", "high"))
DAY_MS = 86_400_000
#: Chunks described together (one table of texts): 128 chunks of 256 are 32,768 events.
BLOCK_CHUNKS = 128


class _Texts:
    """Escaped texts, each stored once; ``-1`` stands for a blank value."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self._ids: dict[str, int] = {}
        self._raw: dict[tuple[type, Any], int] = {}

    def of_text(self, text: str) -> int:
        """Id of an already escaped text ('' is blank)."""
        if not text:
            return -1
        found = self._ids.get(text)
        if found is None:
            found = self._ids[text] = len(self.strings)
            self.strings.append(text)
        return found

    def of(self, value: Any) -> int:
        """Id of a raw value as :meth:`geo.render.features.PopupData.ref` stores it."""
        key = (type(value), value)  # 1, 1.0 and True are equal keys but different texts
        try:
            return self._raw[key]
        except (KeyError, TypeError):
            pass
        found = -1 if _blank(value) else self.of_text(esc(value))
        with contextlib.suppress(TypeError):  # unhashable: not remembered
            self._raw[key] = found
        return found

    def of_many(self, values: list[Any]) -> np.ndarray:
        """:meth:`of` of each value; texts (``str``) escaped together, column-wise.

        Columns of mostly distinct texts (notes, per-event source texts) are 10^5-10^6
        values: escaping them one call at a time was most of the packing time.
        """
        out = np.empty(len(values), dtype=np.int64)
        texts = [i for i, v in enumerate(values) if type(v) is str]
        if len(texts) < len(values):
            for i, v in enumerate(values):
                if type(v) is not str:
                    out[i] = self.of(v)
        if not texts:
            return out
        raw = [values[i] for i in texts]
        ids, strings = self._ids, self.strings
        for i, text, plain in zip(texts, _escape_all(raw), raw, strict=True):
            if not plain.strip():  # blank, as html_text
                out[i] = -1
                continue
            found = ids.get(text)
            if found is None:
                found = ids[text] = len(strings)
                strings.append(text)
            out[i] = found
        return out

    def column(self, values: pd.Series, text: Callable[[Any], Any] | None = None) -> np.ndarray:
        """Ids of a column, ``text`` applied once per distinct value (``-1`` where blank)."""
        codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=False)
        distinct = uniques.tolist()
        ids = self.of_many([text(u) for u in distinct] if text else distinct)
        return ids[codes] if len(ids) else np.full(len(values), -1, dtype=np.int64)


#: What :func:`geo.text.html_text` replaces in a text, in its order ('&' first).
_ESCAPES = (
    ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"),
    ("{", "&#123;"), ("}", "&#125;"),
)  # fmt: skip


def _escape_all(texts: list[str]) -> list[str]:
    """:func:`geo.text.html_text` of each (non-blank) text, by Arrow string kernels."""
    arr = pa.array(texts, type=pa.large_string())
    for old, new in _ESCAPES:
        arr = pc.replace_substring(arr, old, new)
    return arr.to_pylist()


def _col(events: pd.DataFrame, name: str) -> pd.Series:
    if name in events:
        return events[name]
    return pd.Series(None, index=events.index, dtype=object)


def _int_or_none(values: pd.Series, *, positive_round: bool = False) -> list[Any]:
    """Ints where there is a value (rounded, and only above 0, with ``positive_round``)."""
    nums = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    if positive_round:
        numeric = np.array([isinstance(v, int | float) for v in values.tolist()], dtype=bool)
        keep = numeric & np.isfinite(nums) & (nums > 0)
        nums = np.round(np.where(keep, nums, 0))
    else:
        keep = np.isfinite(nums)
    out = np.where(keep, nums, 0).astype(np.int64).tolist()
    return [v if k else None for v, k in zip(out, keep.tolist(), strict=True)]


def _claims(texts: _Texts, claims: Sequence[Any], sources: Sequence[Any]) -> list[list[int]]:
    """Claims as :func:`geo.render.features._claims_data` shows them (global text ids)."""
    by_id = {s.get("id"): s for s in sources}
    out = []
    for raw in claims:
        # the events' claims were validated when the layers were read (geo.events): here
        # they are only read, so their fields (with the model's defaults) are read without
        # building the model again (validating them again was three quarters of the time)
        claim: Any = raw
        if not isinstance(raw, Claim):
            claim = SimpleNamespace(**{**_CLAIM_DEFAULTS, **raw})
        source = by_id.get(claim.source, {})
        source_text = claim_source_text(claim, source)
        whose = claim_whose(claim)
        refs = [
            texts.of(Claim.display_value(claim)),
            texts.of(claim.measure),
            texts.of(whose),
            texts.of(f"{claim.claimant} ({claim.claimant_type})"),
            texts.of(source_text),
            texts.of(claim.disputed_by),
            texts.of(claim.included_in),
            texts.of(claim.note),
        ]
        while refs and refs[-1] < 0:
            refs.pop()
        out.append(refs)
    return out


def _source(texts: _Texts, source: Any) -> tuple[int, ...]:
    """A source as :meth:`geo.render.features.PopupData.source_ref` records it (text ids)."""
    cites = source.get("cites")
    published = source.get("published")
    return (
        texts.of(source.get("outlet")),
        texts.of(published if not _blank(published) else source.get("published_note")),
        texts.of(source.get("reported")),
        texts.of(", ".join(map(str, cites)) if cites else None),
        texts.of(source.get("seed")),
        texts.of(source.get("url")),
    )


def _iso(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D")


def detail_chunks(
    events: pd.DataFrame,
    *,
    d0: np.ndarray,
    d1: np.ndarray,
    chunk: int,
    places: PlaceLookup | None = None,
    block: int | None = None,
) -> Iterator[bytes]:
    """The popup-detail files of ``events`` (see the module docstring), ``chunk`` events each.

    ``d0``/``d1`` are each event's first and last day (days since 1970-01-01), as packed.
    The events are described ``block`` chunks (default :data:`BLOCK_CHUNKS`) at a time,
    each block with its own tables
    of texts and sources, so memory holds one block's Python values, not every event's
    (at 10^6 events with their own notes and source texts, several GB). A chunk's file
    depends only on its own events (its texts ordered by text, its sources by first use),
    so the files are the same whatever ``block`` is.
    """
    block = BLOCK_CHUNKS if block is None else block
    if block < 1:
        raise ValueError(f"block must be at least 1 chunk, got {block}")
    step = block * chunk
    for start in range(0, len(events), step):
        stop = min(start + step, len(events))
        yield from _block_chunks(
            events.iloc[start:stop], d0=d0[start:stop], d1=d1[start:stop], chunk=chunk,
            places=places,
        )  # fmt: skip


def _block_chunks(
    events: pd.DataFrame,
    *,
    d0: np.ndarray,
    d1: np.ndarray,
    chunk: int,
    places: PlaceLookup | None,
) -> Iterator[bytes]:
    """:func:`detail_chunks` of one block of events (one table of texts and sources)."""
    n = len(events)
    texts = _Texts()
    text_cols: dict[str, np.ndarray] = {
        "id": texts.column(pd.Series(events.index, dtype=object)),
        "t": texts.column(events["event_type"]),
        "u": texts.column(_col(events, "sub_event_type")),
        "ep": texts.column(_col(events, "episode_title")),
        "n": texts.column(_col(events, "notes")),
        "l": texts.column(_col(events, "location")),
        "pn": texts.column(
            _col(events, "place_id"), lambda p: _place_names_text({"place_id": p}, places)
        ),
        "co": texts.column(_col(events, "country"), _country_name),
        "rg": texts.column(_col(events, "region")),
        "di": texts.column(_col(events, "district")),
        "jm": texts.column(_col(events, "join_method")),
        "an": texts.column(_col(events, "admin_note")),
        "ln": texts.column(_col(events, "location_note")),
    }
    actors = np.stack([texts.column(_col(events, c)) for c in _ACTORS], axis=1)
    deaths = events["deaths_best"].astype(int).to_numpy()
    radius_of = {int(d): round(marker_radius(int(d)), 2) for d in np.unique(deaths)}
    first, last = _iso(d0), _iso(d1)
    plain: dict[str, list[Any]] = {
        "start": (d0.astype(np.int64) * DAY_MS).tolist(),
        "end": (d1.astype(np.int64) * DAY_MS + DAY_MS - 1).tolist(),
        "g": events["geo_precision"].astype(int).tolist(),
        "ao": (_col(events, "join_method") == "area").astype(int).tolist(),
        "r": [radius_of[d] for d in deaths.tolist()],
        "jd": _int_or_none(_col(events, "join_distance_m"), positive_round=True),
        "wp": _int_or_none(_col(events, "where_prec")),
        "d": [
            [a] if a == b else [a, b] for a, b in zip(first.tolist(), last.tolist(), strict=True)
        ],
        "tp": events["time_precision"].astype(int).tolist(),
        "x": np.stack([events[c].astype(int).to_numpy() for c in _FIGURES], axis=1).tolist(),
    }
    source_table: list[tuple[int, ...]] = []
    source_ids: dict[tuple[int, ...], int] = {}
    columnar = _columnar_claims(texts, events, source_table, source_ids)
    if columnar is not None:  # Arrow lists (imported datasets): per distinct claim/source
        cl_all, so_all = columnar
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            yield _chunk_json(
                texts, source_table, text_cols, actors, plain,
                cl_all[start:stop], so_all[start:stop], start, stop,
            )  # fmt: skip
        return
    claim_lists = _col(events, "claims").tolist()
    source_lists = _col(events, "sources").tolist()

    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        # the chunk's claims and sources, with global text ids
        cl = []
        so = []
        for claims, sources in zip(claim_lists[start:stop], source_lists[start:stop], strict=True):
            sources = list(sources) if isinstance(sources, list | tuple | np.ndarray) else []
            claims = list(claims) if isinstance(claims, list | tuple | np.ndarray) else []
            cl.append(_claims(texts, claims, sources))
            refs = []
            for source in sources:
                record = _source(texts, source)
                k = source_ids.get(record)
                if k is None:
                    k = source_ids[record] = len(source_table)
                    source_table.append(record)
                refs.append(k)
            so.append(refs)
        yield _chunk_json(texts, source_table, text_cols, actors, plain, cl, so, start, stop)


def _arrow_list(values: pd.Series) -> pa.ListArray | None:
    """The column as one Arrow list array of structs, or ``None`` if it is not one."""
    if not isinstance(values.dtype, pd.ArrowDtype):
        return None
    arr = plain_nested(pa.array(values.array))  # repeated texts as plain text (geo.compact)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_list(arr.type) or not pa.types.is_struct(arr.type.value_type):
        return None
    if arr.offset or (len(arr) and arr.offsets[0].as_py()):  # a block's slice: its own copy
        arr = pc.take(arr, pa.array(np.arange(len(arr))))
    return arr


def _distinct_rows(
    fields: dict[str, pa.Array], extra: dict[str, tuple[np.ndarray, list[Any]]] | None = None
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The distinct rows of some columns (as dicts of Python values) and each row's number.

    ``extra`` adds columns given as codes (``-1``: the key is left out) and their values.
    """
    names: list[str] = []
    codes: list[np.ndarray] = []
    values: list[list[Any]] = []
    for name, column in fields.items():
        encoded = pc.dictionary_encode(column, null_encoding="encode")
        names.append(name)
        codes.append(np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64))
        values.append(encoded.dictionary.to_pylist())
    for name, (code, vals) in (extra or {}).items():
        names.append(name)
        codes.append(code)
        values.append(vals)
    if not codes or len(codes[0]) == 0:
        return [], np.zeros(0, dtype=np.int64)
    matrix = np.stack(codes, axis=1)
    first, inverse = _distinct_row_codes(matrix)
    rows = []
    for row in matrix[first].tolist():
        rows.append({nm: vals[c] for nm, vals, c in zip(names, values, row, strict=True) if c >= 0})
    return rows, inverse


def _distinct_row_codes(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of an int matrix, by hashing (no sort of the rows): the position of
    each one's first row, and each row's distinct-row number (in order of first sight)."""
    key = np.zeros(len(matrix), dtype=np.int64)
    for column in matrix.T:
        codes, uniques = pd.factorize(column)
        key, _ = pd.factorize(key * len(uniques) + codes)  # stays below len(matrix)
    inverse = np.asarray(pd.factorize(key)[0], dtype=np.int64)
    _, first = np.unique(inverse, return_index=True)  # the first row of each
    return first, inverse


def _per_event(items: list[Any], lengths: np.ndarray) -> list[list[Any]]:
    ends = np.cumsum(lengths).tolist()
    starts = [0, *ends[:-1]]
    return [items[a:b] for a, b in zip(starts, ends, strict=True)]


def _columnar_claims(
    texts: _Texts,
    events: pd.DataFrame,
    source_table: list[tuple[int, ...]],
    source_ids: dict[tuple[int, ...], int],
) -> tuple[list[list[list[int]]], list[list[int]]] | None:
    """Each event's claim and source refs, as the row loop makes them, from Arrow lists.

    :func:`_claims` and :func:`_source` run once per distinct claim (with the outlet and
    seed of the source it names) and per distinct source, not once per event. ``None``
    when the columns are not Arrow lists of structs (then the row loop runs).
    """
    claims = _arrow_list(_col(events, "claims"))
    sources = _arrow_list(_col(events, "sources"))
    if claims is None or sources is None:
        return None
    if "id" not in sources.type.value_type.names or "source" not in claims.type.value_type.names:
        return None
    # what the loop reads: a null list is no claims/sources; its items in order
    n_claims = pc.fill_null(pc.list_value_length(claims), 0).to_numpy(zero_copy_only=False)
    n_sources = pc.fill_null(pc.list_value_length(sources), 0).to_numpy(zero_copy_only=False)
    flat_claims = pc.list_flatten(claims)
    flat_sources = pc.list_flatten(sources)
    source_fields = {
        name: flat_sources.field(name) for name in flat_sources.type.names if name != "cites"
    }
    if "cites" in flat_sources.type.names:  # a list: its text as _source writes it
        cites = flat_sources.field("cites")
        cites = pc.cast(cites, pa.list_(pa.string()))  # str() of each item, as _source
        items = pc.fill_null(cites.values, "None")  # a null item: str(None)
        cites = pa.ListArray.from_arrays(cites.offsets, items, mask=cites.is_null())
        joined = pc.binary_join(cites, ", ")
        has = pc.fill_null(pc.greater(pc.list_value_length(cites), 0), False)
        source_fields["cites"] = pc.if_else(has, joined, pa.scalar(None, pa.string()))

    # sources: each field's text ids per distinct value (as _source), then one record per
    # distinct row of ids, numbered in the global table as the loop numbers them
    m = len(flat_sources)

    def ids(name: str) -> np.ndarray:
        if name not in source_fields:
            return np.full(m, texts.of(None), dtype=np.int64)
        encoded = pc.dictionary_encode(source_fields[name], null_encoding="encode")
        of = texts.of_many(encoded.dictionary.to_pylist())
        codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        return of[codes] if len(of) else np.full(m, -1, dtype=np.int64)

    published = ids("published")
    if "published" in source_fields:
        encoded = pc.dictionary_encode(source_fields["published"], null_encoding="encode")
        blank = np.array([_blank(v) for v in encoded.dictionary.to_pylist()], dtype=bool)
        codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        published_blank = blank[codes] if len(blank) else np.ones(m, dtype=bool)
    else:
        published_blank = np.ones(m, dtype=bool)
    published = np.where(published_blank, ids("published_note"), published)
    records = np.stack(
        [ids("outlet"), published, ids("reported"), ids("cites"), ids("seed"), ids("url")], axis=1
    )
    source_refs: list[int] = []
    if m:
        first, inverse = _distinct_row_codes(records)
        refs_of_row = []
        for record in map(tuple, records[first].tolist()):
            k = source_ids.get(record)
            if k is None:
                k = source_ids[record] = len(source_table)
                source_table.append(record)
            refs_of_row.append(k)
        source_refs = np.asarray(refs_of_row, dtype=np.int64)[inverse].tolist()

    # claims: the source each names (the last of its event's sources with that id, as the
    # loop's dict), its outlet and seed joined in as the loop reads them
    claim_event = np.repeat(np.arange(len(n_claims)), n_claims)
    source_event = np.repeat(np.arange(len(n_sources)), n_sources)
    named = pd.DataFrame(
        {
            "e": source_event,
            "id": flat_sources.field("id").to_pandas(),
            "pos": np.arange(len(source_event)),
        }
    ).drop_duplicates(["e", "id"], keep="last")
    wanted = pd.DataFrame({"e": claim_event, "id": flat_claims.field("source").to_pandas()})
    matched = wanted.merge(named, on=["e", "id"], how="left")["pos"]
    pos = matched.fillna(-1).to_numpy(dtype=np.int64)
    extra: dict[str, tuple[np.ndarray, list[Any]]] = {}
    for name in ("outlet", "seed"):
        if name not in flat_sources.type.names:
            continue
        encoded = pc.dictionary_encode(flat_sources.field(name), null_encoding="encode")
        codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        per_claim = np.where(pos >= 0, codes[np.maximum(pos, 0)] if len(codes) else -1, -1)
        extra[f"_source_{name}"] = (per_claim, encoded.dictionary.to_pylist())
    found = (pos >= 0).astype(np.int64)
    extra["_source_found"] = (found, [False, True])
    claim_fields = {name: flat_claims.field(name) for name in flat_claims.type.names}
    rows, inverse = _distinct_rows(claim_fields, extra)
    refs = []
    for row in rows:
        source = {}
        if row.pop("_source_found"):
            source = {"id": row["source"]}
            for name in ("outlet", "seed"):
                if f"_source_{name}" in row:
                    source[name] = row.pop(f"_source_{name}")
        row = {k: v for k, v in row.items() if not k.startswith("_source_")}
        refs.append(_claims(texts, [row], [source])[0])
    claim_refs = [refs[i] for i in inverse.tolist()]
    return _per_event(claim_refs, n_claims), _per_event(source_refs, n_sources)


def _chunk_json(
    texts: _Texts,
    source_table: list[tuple[int, ...]],
    text_cols: dict[str, np.ndarray],
    actors: np.ndarray,
    plain: dict[str, list[Any]],
    cl: list[list[list[int]]],
    so: list[list[int]],
    start: int,
    stop: int,
) -> bytes:
    """One chunk: its own table of the texts and sources it uses, then the columns.

    The chunk's texts are in text order and its sources in order of first use, so the
    file does not depend on how the texts were numbered (by block, see
    :func:`detail_chunks`, or by the row loop or the columnar path).
    """
    src_used = list(dict.fromkeys(k for refs in so for k in refs))
    src_local = {k: i for i, k in enumerate(src_used)}
    flat = [g for refs in cl for claim in refs for g in claim]
    flat += [g for k in src_used for g in source_table[k]]
    used = np.unique(
        np.concatenate(
            [
                *(col[start:stop] for col in text_cols.values()),
                actors[start:stop].ravel(),
                np.asarray(flat, dtype=np.int64),
            ]
        )
    )
    used = used[used >= 0]
    strings = [texts.strings[g] for g in used.tolist()]
    order = sorted(range(len(strings)), key=strings.__getitem__)  # distinct texts
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    local = dict(zip(used.tolist(), rank.tolist(), strict=True))
    # local id of a global id of ``used`` (blank ids, < 0, land on any entry: never read)
    lookup = np.append(rank, -1)

    def remap(ids: np.ndarray) -> list[int | None]:
        pos = lookup[np.searchsorted(used, ids)].tolist()
        return [None if g < 0 else p for g, p in zip(ids.tolist(), pos, strict=True)]

    def ref(g: int) -> int | None:
        return None if g < 0 else local[g]

    columns: dict[str, Any] = {key: remap(col[start:stop]) for key, col in text_cols.items()}
    columns.update({key: values[start:stop] for key, values in plain.items()})
    actor_pos = lookup[np.searchsorted(used, actors[start:stop])]
    columns["a"] = [
        [p for g, p in zip(gs, ps, strict=True) if g >= 0]
        for gs, ps in zip(actors[start:stop].tolist(), actor_pos.tolist(), strict=True)
    ]
    columns["cl"] = [[[ref(g) for g in claim] for claim in refs] for refs in cl]
    columns["so"] = [[src_local[k] for k in refs] for refs in so]
    body = {
        "k": stop - start,
        "s": [strings[i] for i in order],
        "src": [[ref(g) for g in source_table[k]] for k in src_used],
        "c": columns,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def event_rows(chunk: dict[str, Any]) -> list[dict[str, Any]]:
    """The properties of each event of a decoded chunk, as the browser rebuilds them.

    For tests and tools; ``eventlayer.js`` does the same (``null``, ``""`` and ``[]``
    values left out, ``id``/``n``/``ln`` looked up in ``s``).
    """
    out = []
    inline = {"id", "n", "ln"}
    for j in range(chunk["k"]):
        props: dict[str, Any] = {}
        for key, values in chunk["c"].items():
            v = values[j]
            if v is None or v == "" or v == []:
                continue
            props[key] = chunk["s"][v] if key in inline else v
        out.append(props)
    return out
