"""The end of ``read_dataset``: the mapped blocks' tables into one frame, holding little twice."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow as pa

from geo import compact
from geo.importers._common import STR_DTYPE, _arrow_types, _imported_frame


def events_from_blocks(
    tables: list[pa.Table], plan: compact.TablePlan | None, geo: dict[str, Any]
) -> gpd.GeoDataFrame:
    """The imported events of the blocks' Arrow tables (GeoParquet encoding, repeated texts
    as dictionaries by ``plan``: :func:`geo.compact.compact_table`), settled over the whole
    table (:func:`geo.compact.finish_table`), as
    :func:`geo.importers._common.read_imported` gives a file's events: text in its Arrow
    buffers, the points made from the coordinates, categoricals with their categories in
    text order (:func:`geo.compact.sorted_categories`).

    ``tables`` is emptied: this function holds the only reference to the blocks, so each
    column's Arrow memory is let go as soon as its pandas column is made (numbers, dates
    and dictionary indices are copied by ``to_pandas``; at 10^6 events the whole table
    and the frame, and then the frame and geopandas' copy of it, were held together).
    """
    table = compact.concat_blocks(tables)  # empties ``tables``
    if plan is not None:
        table = compact.finish_table(table, plan)
    name = geo["primary_column"]
    table = table.drop_columns([name])  # the WKB: the points are made from the coordinates
    mapper = {pa.large_string(): STR_DTYPE} if isinstance(STR_DTYPE, pd.StringDtype) else {}

    def types(type_: pa.DataType) -> Any:
        return mapper.get(type_) or _arrow_types(type_)

    # numbers and dates are copied into pandas' own (writable) arrays, each Arrow column let
    # go once converted; the frame is not copied again (geopandas copies a DataFrame
    # given to it unless told not to)
    frame = table.to_pandas(types_mapper=types, self_destruct=True)
    del table  # emptied by the conversion: never to be used again
    x, y = frame["longitude"].to_numpy(), frame["latitude"].to_numpy()
    events = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326", copy=False)
    del frame
    return compact.sorted_categories(_imported_frame(events))
