"""ACLED exports (export tool, API, humanitarian data portals) into our event record, columnar.

Mapping (see README, "Importing ACLED and UCDP"):

- ``event_id_cnty`` → ``event_id`` ``acled-<event_id_cnty>``; ``event_date`` (``YYYY-MM-DD`` or
  ``DD Month YYYY``) → ``event_date = date_start = date_end``.
- ``time_precision`` 1/2/3 and ``geo_precision`` 1/2/3 are ours unchanged; ``where_prec`` is
  1, 2 or 4 (ACLED 3 = only the region is known: no district is given). A missing code is
  taken as the coarsest (3), never as precise.
- ``fatalities`` → one claim by ACLED (measure ``killed``, about everybody in the event) whose
  source is the ACLED record citing ACLED's ``source`` outlets; an empty or missing
  ``fatalities`` is "not reported": no claim, and ``figures_note`` says so.
- ``source`` (``;``-separated) → one source per outlet; ``tags`` → tags.
- ``admin1``–``admin3`` → ``source_admin1``–``source_admin3`` (ACLED's names, kept beside ours).
- Every column of the file is kept as text under ``acled.<column>``.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.importers._common import (
    TAGS_DTYPE,
    ImportResult,
    Problems,
    RawTable,
    SeenIds,
    assemble,
    assemble_table,
    check_codes,
    check_coordinates,
    check_duplicates,
    check_figures,
    choose_text,
    claims_column,
    country_codes,
    days,
    no_events,
    or_none,
    parse_csv,
    read_bytes,
    require_columns,
    sources_column,
    split_items,
    text,
)

DATASET = "acled"
ATTRIBUTION = "Armed Conflict Location & Event Data (ACLED), acleddata.com"
LICENCE = "ACLED terms of use (no redistribution of ACLED data; cite ACLED)"
#: The columns of ACLED's export tool and API, in its order.
COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
REQUIRED = ("event_id_cnty", "event_date", "latitude", "longitude")
DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d %b %Y")
#: ACLED geo_precision → UCDP where_prec (3: a region is named, so no finer unit is known).
WHERE_PREC = {1: 1, 2: 2, 3: 4}
COARSEST = 3


def parse_acled(
    raw: RawTable,
    *,
    origin: str = "<memory>",
    seen: SeenIds | None = None,
    as_table: bool = False,
) -> ImportResult:
    """Map an ACLED table (every cell text, as :func:`geo.importers._common.parse_csv` reads
    it) onto our record. Bad rows are left out and listed in the result's ``problems``.
    """
    df = raw.frame
    require_columns(df, REQUIRED, origin=origin, kind="ACLED")
    ids = text(df, "event_id_cnty")
    problems = Problems(ids, raw.lines)
    problems.add(ids == "", "event_id_cnty", "id", "event_id_cnty is missing")
    lat, lon = check_coordinates(df, problems)
    date_text = text(df, "event_date")
    day = days(date_text, DATE_FORMATS)
    problems.add(
        day.isna(),
        "event_date",
        "dates",
        lambda i: (
            f"event_date {date_text.iloc[i]!r} is not a date like 2020-07-12 or 12 July 2020"
            if date_text.iloc[i]
            else "event_date is missing"
        ),
    )
    time_prec = check_codes(df, "time_precision", (1, 2, 3), problems)
    geo_prec = check_codes(df, "geo_precision", (1, 2, 3), problems)
    fatalities = check_figures(df, ["fatalities"], problems)["fatalities"]
    check_duplicates(ids, raw.lines, problems, "event_id_cnty", seen)

    keep = ~problems.bad
    if keep.all():  # nothing to leave out: no copy
        keep = slice(None)  # type: ignore[assignment]
    df, ids = df[keep], ids[keep]
    lat, lon, day = lat[keep], lon[keep], day[keep]
    time_prec, geo_prec, fatalities = time_prec[keep], geo_prec[keep], fatalities[keep]
    n = len(df)

    geo_code = geo_prec.fillna(COARSEST).astype("int64")
    timestamp = text(df, "timestamp")
    record_note = ("ACLED gives no publication date; record timestamp " + timestamp).where(
        timestamp != "", "ACLED gives no publication date"
    )
    outlets = split_items(text(df, "source"), ";")
    n_items = len(pc.list_flatten(outlets))
    sources = sources_column(
        df.index,
        record={
            "id": "acled",
            "outlet": "ACLED",
            "reported": "ACLED event " + ids + ", coded from the outlets it cites",
            "published_note": record_note,
        },
        items=outlets,
        item_prefix="acled-src-",
        item_fields={
            "outlet": pc.list_flatten(outlets),
            "reported": pa.array(["cited by ACLED as a source of this event"] * n_items),
            "published_note": pa.array(["cited by ACLED without a date"] * n_items),
        },
    )
    claims = claims_column(
        df.index,
        [
            {
                "value": fatalities.to_numpy(),
                "claimant": "ACLED",
                "claimant_type": "other",
                "measure": "killed",
                "subject": "everybody killed in the event (ACLED fatalities)",
                "side": "any",
                "group": "any",
                "qualifier": "exact",
                "source": "acled",
                "note": "ACLED codes the most conservative figure its sources report",
            }
        ],
    )
    killed = fatalities.fillna(0).astype("int64").to_numpy()
    zero = np.zeros(n, dtype=np.int64)
    missing_note = choose_text(
        fatalities.isna().to_numpy(),
        "killed: ACLED gives no fatalities figure (not reported; not counted as 0)",
        "",
        df.index,
    )
    geo_note = pd.Series(None, index=df.index, dtype="str").mask(
        geo_prec.isna(), "ACLED geo_precision not given: shown as the coarsest (3)"
    )
    columns = {
        "dataset": DATASET,
        "event_id": "acled-" + ids,
        "event_date": day.to_numpy(),
        "date_start": day.to_numpy(),
        "date_end": day.to_numpy(),
        "time_precision": time_prec.fillna(COARSEST).astype("int64").to_numpy(),
        "event_type": or_none(text(df, "event_type")),
        "sub_event_type": or_none(text(df, "sub_event_type")),
        "actor1": or_none(text(df, "actor1")),
        "assoc_actor_1": or_none(text(df, "assoc_actor_1")),
        "actor2": or_none(text(df, "actor2")),
        "assoc_actor_2": or_none(text(df, "assoc_actor_2")),
        "country": country_codes(text(df, "country"), text(df, "iso")),
        "country_name": or_none(text(df, "country")),
        "location": or_none(text(df, "location")),
        "place_id": None,
        "geo_precision": geo_code.to_numpy(),
        "where_prec": geo_code.map(WHERE_PREC).astype("int64").to_numpy(),
        "location_note": geo_note,
        "notes": text(df, "notes"),
        "tags": pd.Series(
            pd.arrays.ArrowExtensionArray(split_items(text(df, "tags"), ";")),
            index=df.index,
        ).astype(TAGS_DTYPE),
        "sources": sources,
        "claims": claims,
        "fatalities": killed,
        "deaths_low": killed,
        "deaths_best": killed,
        "deaths_high": killed,
        "injured_low": zero,
        "injured_best": zero,
        "injured_high": zero,
        "figures_note": missing_note,
        "quality_flags": "",
        "source_admin1": or_none(text(df, "admin1")),
        "source_admin2": or_none(text(df, "admin2")),
        "source_admin3": or_none(text(df, "admin3")),
    }
    if as_table:  # the block path: an Arrow table in the GeoParquet encoding, no frame
        table = assemble_table(dataset=DATASET, raw=df, columns=columns, lon=lon, lat=lat)
        return ImportResult(
            DATASET, origin, no_events(), problems.sorted(), len(raw.frame), table=table
        )
    events = assemble(dataset=DATASET, raw=df, columns=columns, lon=lon, lat=lat)
    return ImportResult(DATASET, origin, events, problems.sorted(), rows_read=len(raw.frame))


def read_acled(path: str | os.PathLike[str]) -> ImportResult:
    """Read an ACLED file (``.csv``, ``.csv.gz`` or ``.zip``); see :func:`parse_acled`."""
    origin = str(path)
    return parse_acled(parse_csv(read_bytes(path), origin=origin), origin=origin)
