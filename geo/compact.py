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

The nested ``claims`` and ``sources`` of imported events (Arrow lists of structs) repeat
the same few texts in every event too (the claimant, the measure, the subject, the note;
the source's id, outlet, "published" note): :func:`compact_nested_columns` keeps those
struct fields as Arrow dictionaries (each distinct text once, a 4-byte index per value).
Every reader that takes Python values (``tolist``, ``iloc``, ``at``, ``iterrows``,
``to_numpy``, pickling) gets the same lists of dicts of ``str``; a reader of the Arrow
arrays themselves gets the plain type back with :func:`plain_nested`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import is_object_dtype, is_string_dtype

F = TypeVar("F", bound=pd.DataFrame)

#: A column is kept as a categorical when it has at most this share of distinct values.
MAX_DISTINCT_SHARE = 0.5


def _repeating_text(values: pd.Series) -> bool:
    if isinstance(values.dtype, pd.CategoricalDtype | pd.ArrowDtype):
        return False
    if not (is_string_dtype(values.dtype) or is_object_dtype(values.dtype)):
        return False
    text = _arrow_text(values)
    if text is not None:  # counted in Arrow, in parts (not a copy of every distinct text)
        return _repeating_count(text) is not None
    present = values.dropna()
    if present.empty:
        return False
    if is_object_dtype(values.dtype) and not all(type(v) is str for v in present):
        return False  # lists (claims, sources), numbers, mixed: left as they are
    return present.nunique() <= MAX_DISTINCT_SHARE * len(values)


def _arrow_text(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow text under a pandas text column stored in Arrow (``None`` for others)."""
    if not isinstance(values.dtype, pd.StringDtype) or values.dtype.storage != "pyarrow":
        return None
    data = getattr(values.array, "_pa_array", None)
    if not isinstance(data, pa.ChunkedArray) or not _text_type(data.type):
        return None
    return data


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


#: The nested columns whose repeated struct fields :func:`compact_nested_columns` encodes.
NESTED_COMPACTED = ("claims", "sources")
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())


def _list_of_struct(type_: pa.DataType) -> bool:
    return pa.types.is_list(type_) and pa.types.is_struct(type_.value_type)


def plain_nested_type(type_: pa.DataType) -> pa.DataType:
    """``type_`` with every dictionary field of its list's struct as its plain value type."""
    if not _list_of_struct(type_):
        return type_
    fields = [
        f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f
        for f in type_.value_type
    ]
    return pa.list_(type_.value_field.with_type(pa.struct(fields)))


def plain_nested(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A list-of-struct array with its dictionary fields decoded (unchanged when none are)."""
    plain = plain_nested_type(values.type)
    if plain == values.type:
        return values
    if isinstance(values, pa.ChunkedArray):
        return pa.chunked_array([_rebuilt(c, plain) for c in values.chunks], type=plain)
    return _rebuilt(values, plain)


def dictionary_type(distinct: int) -> pa.DictionaryType:
    """Arrow dictionary of text with the narrowest index that numbers ``distinct`` values."""
    index = pa.int8() if distinct < 2**7 else pa.int16() if distinct < 2**15 else pa.int32()
    return pa.dictionary(index, pa.string())


def _repeating_fields(values: pa.ChunkedArray) -> dict[str, int]:
    """The text fields of the lists' structs with at most half as many distinct values as
    values, and their distinct values (counted over every chunk: one type for the whole
    column)."""
    flat = pa.chunked_array(
        [pc.list_flatten(c) for c in values.chunks], type=values.type.value_type
    )
    out = {}
    for field in values.type.value_type:
        text = pa.types.is_string(field.type) or pa.types.is_dictionary(field.type)
        if not text or len(flat) == 0:
            continue
        child = pa.chunked_array([c.field(field.name) for c in flat.chunks], type=field.type)
        distinct = _repeating_count(child)
        if distinct is not None:
            out[field.name] = distinct
    return out


def _unsliced(values: pa.Array) -> pa.Array:
    """``values`` starting at offset 0 (a copy only when it is a slice): readers of the
    column rebuild lists from a child's offsets, which Arrow refuses on a slice with nulls."""
    return pa.concat_arrays([values]) if values.offset else values


def _field_as(values: pa.Array, type_: pa.DataType) -> pa.Array:
    if values.type == type_:
        return _unsliced(values)
    if pa.types.is_dictionary(type_):
        if not pa.types.is_dictionary(values.type):
            values = pc.dictionary_encode(values)
        return values.cast(type_)  # its index narrowed
    return values.cast(type_)  # a dictionary decoded


def _rebuilt_column(values: pa.ChunkedArray, type_: pa.ListType) -> pa.ChunkedArray:
    """Every chunk of a list-of-struct column :func:`_rebuilt` as ``type_``."""
    return pa.chunked_array([_rebuilt(c, type_) for c in values.chunks], type=type_)


def _rebuilt(chunk: pa.ListArray, type_: pa.ListType) -> pa.ListArray:
    """A list-of-struct array as ``type_`` (its string fields dictionary-encoded or decoded),
    built afresh: offsets from 0, no child a slice (Arrow's nested ``cast`` to dictionaries
    took minutes at 10^6 lists)."""
    struct = type_.value_type
    offsets = chunk.offsets
    first = offsets[0].as_py() if len(offsets) else 0
    items = chunk.values.slice(first, offsets[-1].as_py() - first) if len(chunk) else chunk.values
    children = [_field_as(items.field(f.name), f.type) for f in struct]
    mask = items.is_null() if items.null_count else None
    flat = pa.StructArray.from_arrays(children, fields=list(struct), mask=mask)
    if first:
        offsets = pc.subtract(offsets, pa.scalar(first, offsets.type))
    return pa.ListArray.from_arrays(
        offsets, flat, type=type_, mask=chunk.is_null() if chunk.null_count else None
    )


def compact_nested_columns(frame: F) -> F:
    """``frame`` with the repeated texts of its ``claims``/``sources`` structs as Arrow
    dictionaries (see the module docstring); other columns are shared, not copied.

    Only Arrow list-of-struct columns change (the imported, columnar form); Python lists
    (the curated form) are left as they are. ``frame`` is unchanged.
    """
    changed = {}
    for name in NESTED_COMPACTED:
        if name not in frame.columns or not isinstance(frame[name].dtype, pd.ArrowDtype):
            continue
        values = pa.array(frame[name].array)  # the column's own Arrow data, not a copy
        if isinstance(values, pa.Array):
            values = pa.chunked_array([values])
        if not _list_of_struct(values.type):
            continue
        fields = _repeating_fields(values)
        if not fields:
            continue
        struct = pa.struct(
            [
                f.with_type(dictionary_type(fields[f.name])) if f.name in fields else f
                for f in values.type.value_type
            ]
        )
        type_ = pa.list_(values.type.value_field.with_type(struct))
        if type_ == values.type:
            continue
        encoded = _rebuilt_column(values, type_)
        changed[name] = pd.Series(pd.arrays.ArrowExtensionArray(encoded), index=frame.index)
    if not changed:
        return frame
    out = frame.copy(deep=False)
    for name, series in changed.items():
        out[name] = series
    return out


# --- an imported table, block by block (``geo.importers.read_dataset``) --------------------


def _text_type(type_: pa.DataType) -> bool:
    return pa.types.is_string(type_) or pa.types.is_large_string(type_)


def _distinct(values: pa.ChunkedArray, *, above: int | None = None) -> int:
    """Distinct non-null values, also of a dictionary column whose chunks have dictionaries
    of their own (each of the values its chunk uses, as ``dictionary_encode`` makes them).
    Counted by :func:`distinct_text` (exact, in parts); with ``above``, any count over it
    may stand for the count once the count passes it."""
    if pa.types.is_dictionary(values.type):
        words = [c.dictionary for c in values.chunks]
        if not words:
            return 0
        values = pa.chunked_array(words, type=values.type.value_type)
    if _text_type(values.type):
        return distinct_text(values, above=above)
    return int(pc.count_distinct(values, mode="only_valid").as_py())


#: Text counted at a time by :func:`distinct_text` (bytes): Arrow's count keeps a copy of
#: every distinct text it has seen, so a column of mostly distinct texts (``notes``) is
#: counted in parts of about this size.
DISTINCT_PART_BYTES = 16 << 20


def distinct_text(
    values: pa.ChunkedArray | pa.Array,
    *,
    above: int | None = None,
    part_bytes: int = DISTINCT_PART_BYTES,
) -> int:
    """Distinct non-null texts of ``values`` (``string``/``large_string``), what
    ``pyarrow.compute.count_distinct(values, mode="only_valid")`` gives, with memory for
    about ``part_bytes`` of text at a time instead of the whole column's.

    The texts are shared out among parts by their length and three of their bytes (first,
    middle, last): equal texts always fall in the same part, so the parts' counts add up
    to the column's. With ``above``, counting stops as soon as the count passes it (the
    count so far, more than ``above``, is returned).
    """
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    size = sum(_text_bytes(c) for c in chunks)
    parts = 1
    while parts * part_bytes < size and parts < 1024:
        parts *= 2
    if parts == 1:
        return int(pc.count_distinct(values, mode="only_valid").as_py())
    keys = [_part_keys(c, parts) for c in chunks]
    total = 0
    for part in range(parts):
        pieces = [c.filter(pa.array(k == part)) for c, k in zip(chunks, keys, strict=True)]
        total += int(
            pc.count_distinct(
                pa.chunked_array(pieces, type=chunks[0].type), mode="only_valid"
            ).as_py()
        )
        del pieces
        if above is not None and total > above:
            break
    return total


def _text_bytes(chunk: pa.Array) -> int:
    if len(chunk) == 0 or chunk.buffers()[2] is None:
        return 0
    offsets = _offsets(chunk)
    return int(offsets[-1] - offsets[0])


def _offsets(chunk: pa.Array) -> np.ndarray:
    """A text array's ``len + 1`` offsets (as ``int64``), its own slice of the buffer."""
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    raw = np.frombuffer(chunk.buffers()[1], dtype=width)
    return raw[chunk.offset : chunk.offset + len(chunk) + 1].astype(np.int64)


def _part_keys(chunk: pa.Array, parts: int) -> np.ndarray:
    """The part (``0 <= k < parts``, ``parts`` a power of two) of each text of ``chunk``:
    a function of its length and its first, middle and last bytes."""
    if len(chunk) == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = _offsets(chunk)
    start, stop = offsets[:-1], offsets[1:]
    length = stop - start
    key = length.astype(np.uint64)
    data = chunk.buffers()[2]
    if data is not None and data.size:
        raw = np.frombuffer(data, dtype=np.uint8)
        some = length > 0
        for at in (start, start + length // 2, stop - 1):
            byte = np.zeros(len(length), dtype=np.uint64)
            byte[some] = raw[at[some]]
            key = key * np.uint64(257) + byte
    key *= np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits pick the part
    return (key >> np.uint64(64 - parts.bit_length() + 1)).astype(np.int64)


def _repeats(values: pa.ChunkedArray) -> bool:
    """Some text, and at most half as many distinct texts as values (missing ones counted
    as values): the rule of :func:`_repeating_text`."""
    return _repeating_count(values) is not None


def _repeating_count(values: pa.ChunkedArray) -> int | None:
    """The distinct values of a column that :func:`_repeats`, else ``None``."""
    n = len(values)
    if values.null_count == n:
        return None
    limit = int(MAX_DISTINCT_SHARE * n)
    distinct = _distinct(values, above=limit)
    return distinct if distinct <= limit else None


@dataclass(frozen=True)
class TablePlan:
    """Which text columns of an imported table (and which fields of its nested claims and
    sources) are kept as dictionaries: decided on the first block, applied to every block,
    so all blocks have one schema."""

    columns: frozenset[str]
    nested: dict[str, pa.DataType]  #: column -> its type with the repeated fields encoded
    plain: dict[str, pa.DataType]  #: each text column's own type (``large_string``)


def table_plan(table: pa.Table, *, narrow: bool = False) -> TablePlan:
    """The plan for an imported table's blocks, from its first block (see :class:`TablePlan`),
    or for the whole table (see :func:`finish_table`; ``narrow``: the nested dictionaries'
    indices as narrow as the whole column's distinct values allow)."""
    columns = frozenset(
        f.name
        for f in table.schema
        if (_text_type(f.type) or pa.types.is_dictionary(f.type)) and _repeats(table[f.name])
    )
    nested = {}
    for name in NESTED_COMPACTED:
        if name not in table.column_names or not _list_of_struct(table.schema.field(name).type):
            continue
        values = table[name]
        fields = _repeating_fields(values)
        struct = pa.struct(
            [
                f.with_type(dictionary_type(fields[f.name]) if narrow else _DICTIONARY)
                if f.name in fields
                else f.with_type(f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                for f in values.type.value_type
            ]
        )
        nested[name] = pa.list_(values.type.value_field.with_type(struct))
    plain = {f.name: f.type for f in table.schema if _text_type(f.type)}
    return TablePlan(columns, nested, plain)


def finish_table(table: pa.Table, plan: TablePlan) -> pa.Table:
    """The blocks of ``plan`` put together, as the whole table's own plan would have them:
    a column or field the first block showed repeating that does not repeat over the whole
    table is plain text again, and one it did not that does is encoded. So which columns
    are categoricals depends on the data only, not on the block size."""
    final = table_plan(table, narrow=True)
    columns = list(table.columns)
    fields = list(table.schema)
    for j, f in enumerate(fields):
        if f.name in final.columns and f.name not in plan.columns:
            columns[j] = _encoded_text(columns[j])
            fields[j] = f.with_type(_DICTIONARY)
        elif f.name in plan.columns and f.name not in final.columns:
            type_ = plan.plain.get(f.name, pa.large_string())
            columns[j] = columns[j].cast(type_)
            fields[j] = f.with_type(type_)
        elif f.name in final.nested and final.nested[f.name] != f.type:
            type_ = final.nested[f.name]
            columns[j] = _rebuilt_column(columns[j], type_)
            fields[j] = f.with_type(type_)
    return pa.table(columns, schema=pa.schema(fields, metadata=table.schema.metadata))


def _encoded_text(values: pa.ChunkedArray) -> pa.ChunkedArray:
    text = values.cast(pa.string()) if pa.types.is_large_string(values.type) else values
    return pa.chunked_array([pc.dictionary_encode(c) for c in text.chunks], type=_DICTIONARY)


def compact_table(table: pa.Table, plan: TablePlan) -> pa.Table:
    """``table`` (one block of an import) with the plan's columns and nested fields as
    dictionaries, each with the narrowest index its block's own distinct values allow (so
    blocks of one import may differ in index width: :func:`concat_blocks` puts them
    together); the other columns are shared, not copied. ``to_pandas`` then gives the
    plan's columns as categoricals (see :func:`sorted_categories`)."""
    columns = list(table.columns)
    fields = list(table.schema)
    for j, f in enumerate(fields):
        if f.name in plan.columns:
            columns[j] = _narrowed(_encoded_text(columns[j]))
            fields[j] = f.with_type(columns[j].type)
        elif f.name in plan.nested and plan.nested[f.name] != f.type:
            columns[j] = _narrowed_nested(_rebuilt_column(columns[j], plan.nested[f.name]))
            fields[j] = f.with_type(columns[j].type)
    return pa.table(columns, schema=pa.schema(fields, metadata=table.schema.metadata))


def _narrowed(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """A dictionary column with the narrowest index that numbers its largest chunk's
    dictionary (at 10^6 events, int32 indices of the ~50 repeated text columns and of the
    claims' and sources' fields were 200-400 MB of the blocks, mostly zeros)."""
    type_ = dictionary_type(max((len(c.dictionary) for c in values.chunks), default=0))
    return values if type_ == values.type else values.cast(type_)


def _narrowed_nested(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """A list-of-struct column with each dictionary field's index as narrow as its chunks'
    dictionaries allow (see :func:`_narrowed`)."""
    struct = values.type.value_type
    if not any(pa.types.is_dictionary(f.type) for f in struct):
        return values
    longest: dict[str, int] = {}
    for chunk in values.chunks:
        items = chunk.values
        for f in struct:
            if pa.types.is_dictionary(f.type):
                size = len(items.field(f.name).dictionary)
                longest[f.name] = max(longest.get(f.name, 0), size)
    narrow = pa.struct(
        [f.with_type(dictionary_type(longest.get(f.name, 0))) if f.name in longest else f
         for f in struct]
    )  # fmt: skip
    type_ = pa.list_(values.type.value_field.with_type(narrow))
    return values if type_ == values.type else _rebuilt_column(values, type_)


def _wider(a: pa.DataType, b: pa.DataType) -> pa.DataType:
    """The type that holds the values of both: of two dictionary types (also as fields of
    a list's structs) the one with the wider index; otherwise ``a``."""
    if a == b:
        return a
    if pa.types.is_dictionary(a) and pa.types.is_dictionary(b):
        return a if a.index_type.bit_width >= b.index_type.bit_width else b
    if (
        _list_of_struct(a)
        and _list_of_struct(b)
        and a.value_type.num_fields == b.value_type.num_fields
    ):
        struct = pa.struct(
            [
                fa.with_type(_wider(fa.type, fb.type))
                for fa, fb in zip(a.value_type, b.value_type, strict=True)
            ]
        )
        return pa.list_(a.value_field.with_type(struct))
    return a


def concat_blocks(tables: list[pa.Table]) -> pa.Table:
    """The blocks of :func:`compact_table` as one table: each dictionary column (or field of
    the nested columns) with the widest index of any block, the others' chunks cast to it.
    ``tables`` is emptied (each block let go once it is in the result)."""
    if not tables:
        raise ValueError("no blocks")
    schema = tables[0].schema
    for t in tables[1:]:
        schema = pa.schema(
            [f.with_type(_wider(f.type, g.type)) for f, g in zip(schema, t.schema, strict=True)],
            metadata=schema.metadata,
        )
    out = []
    while tables:
        block = tables.pop(0)
        if block.schema != schema:
            columns = list(block.columns)
            for j, (f, g) in enumerate(zip(block.schema, schema, strict=True)):
                if f.type == g.type:
                    continue
                if _list_of_struct(g.type):
                    columns[j] = _rebuilt_column(columns[j], g.type)
                else:
                    columns[j] = columns[j].cast(g.type)
            block = pa.table(columns, schema=schema)
        out.append(block)
    return pa.concat_tables(out) if len(out) > 1 else out[0]


def sorted_categories(frame: F) -> F:
    """``frame`` with each categorical's categories in text order (as
    :func:`compact_text_columns` makes them; Arrow dictionaries are in order of first
    appearance), so sorting by such a column sorts by its text. Changed in place."""
    for name in frame.columns:
        values = frame[name]
        if isinstance(values.dtype, pd.CategoricalDtype) and not values.cat.ordered:
            cats = values.cat.categories
            if not cats.is_monotonic_increasing:
                frame[name] = values.cat.reorder_categories(cats.sort_values())
    return frame


def plain_table(table: pa.Table) -> pa.Table:
    """``table`` with its dictionary text columns as ``large_string`` and its nested
    columns' dictionary fields as plain text: what a frame of plain text gives, so a file
    written from a compacted frame is the file written before (see
    :func:`geo.importers._common.write_imported`)."""
    columns = list(table.columns)
    fields = list(table.schema)
    changed = False
    for j, f in enumerate(fields):
        if pa.types.is_dictionary(f.type) and _text_type(f.type.value_type):
            type_: pa.DataType = pa.large_string()
        else:
            type_ = plain_nested_type(f.type)
        if type_ != f.type:
            columns[j] = (
                plain_nested(columns[j]) if _list_of_struct(f.type) else columns[j].cast(type_)
            )
            fields[j] = f.with_type(type_)
            changed = True
    if not changed:
        return table
    return pa.table(columns, schema=pa.schema(fields, metadata=table.schema.metadata))
