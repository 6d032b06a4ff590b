"""Synthetic files in the ACLED and UCDP GED formats, for benchmarks (fixed seed, nothing real).

Points are the gazetteer's sourced places (``data/gazetteer.csv``) moved by up to
``JITTER_DEG``, with the place's country, so most fall in their country and some
near a border fall outside it (as in real data); dates span 2018-2024; notes,
sources and article lists have realistic lengths. No row is real ACLED or UCDP data.

    python bench/synth_datasets.py acled 100000 /tmp/acled_1e5.csv
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from geo.importers.acled import COLUMNS as ACLED_COLUMNS
from geo.importers.ucdp import COLUMNS as UCDP_COLUMNS

_VOCABULARY = (
    "reported clash shelling village border military forces killed wounded positions near "
    "district attack drone artillery residents protest police detained statement ministry "
    "defence according sources said fire exchanged overnight"
)
WORDS = np.array(_VOCABULARY.split())
OUTLETS = np.array(["Armenpress", "Azatutyun", "Trend", "APA", "Report.az", "News.am", "AFP"])


def _text(rng: np.random.Generator, n: int, words: int) -> np.ndarray:
    picks = WORDS[rng.integers(0, len(WORDS), (n, words))]
    return np.array([" ".join(row) for row in picks], dtype=object)


JITTER_DEG = 0.03
GAZETTEER = Path(__file__).resolve().parent.parent / "data" / "gazetteer.csv"


def _points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Longitudes, latitudes and country names near the gazetteer's places."""
    places = pd.read_csv(GAZETTEER).dropna(subset=["lat", "lon"])
    pick = rng.integers(0, len(places), n)
    lon = places["lon"].to_numpy()[pick] + rng.uniform(-JITTER_DEG, JITTER_DEG, n)
    lat = places["lat"].to_numpy()[pick] + rng.uniform(-JITTER_DEG, JITTER_DEG, n)
    country = np.where(places["country"].to_numpy()[pick] == "ARM", "Armenia", "Azerbaijan")
    return np.round(lon, 5), np.round(lat, 5), country


def _days(rng: np.random.Generator, n: int) -> pd.DatetimeIndex:
    return pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 7 * 365, n), unit="D")


def acled_frame(n: int, *, seed: int = 0) -> pd.DataFrame:
    """``n`` rows with every ACLED export column (text, as in the files)."""
    rng = np.random.default_rng(seed)
    lon, lat, country = _points(rng, n)
    day = _days(rng, n)
    fat = rng.integers(0, 6, n).astype(str)
    fat[rng.random(n) < 0.05] = ""
    out = pd.DataFrame({c: "" for c in ACLED_COLUMNS}, index=range(n))
    out["event_id_cnty"] = np.char.add(
        np.where(country == "Armenia", "ARM", "AZE"), np.arange(n).astype(str)
    )
    out["event_date"] = day.strftime("%Y-%m-%d")
    out["year"] = day.year.astype(str)
    out["time_precision"] = rng.integers(1, 4, n).astype(str)
    out["disorder_type"] = "Political violence"
    out["event_type"] = "Battles"
    out["sub_event_type"] = "Armed clash"
    out["actor1"] = "Military Forces of Azerbaijan (2003-)"
    out["actor2"] = "Military Forces of Armenia (2018-)"
    out["iso"] = np.where(country == "Armenia", "51", "31")
    out["region"] = "Caucasus and Central Asia"
    out["country"] = country
    out["admin1"] = "Somewhere"
    out["location"] = _text(rng, n, 2)
    out["latitude"], out["longitude"] = lat.astype(str), lon.astype(str)
    out["geo_precision"] = rng.integers(1, 4, n).astype(str)
    out["source"] = np.char.add(
        np.char.add(OUTLETS[rng.integers(0, 7, n)].astype(str), "; "),
        OUTLETS[rng.integers(0, 7, n)].astype(str),
    )
    out["source_scale"] = "National"
    out["notes"] = _text(rng, n, 40)
    out["fatalities"] = fat
    out["timestamp"] = "1718000000"
    return out


def ucdp_frame(n: int, *, seed: int = 0) -> pd.DataFrame:
    """``n`` rows with every UCDP GED column (text, as in the files)."""
    rng = np.random.default_rng(seed)
    lon, lat, country = _points(rng, n)
    day = _days(rng, n)
    a, b, c = (rng.integers(0, 4, n) for _ in range(3))
    best = a + b + c
    out = pd.DataFrame({col: "" for col in UCDP_COLUMNS}, index=range(n))
    out["id"] = (np.arange(n) + 1).astype(str)
    out["relid"] = np.char.add("SYN-", out["id"].to_numpy().astype(str))
    out["year"] = day.year.astype(str)
    out["type_of_violence"] = "1"
    out["conflict_name"] = "Azerbaijan: Nagorno-Karabakh"
    out["dyad_name"] = "Government of Azerbaijan - Government of Armenia"
    out["side_a"], out["side_b"] = "Government of Azerbaijan", "Government of Armenia"
    out["source_article"] = np.char.add(
        np.char.add('"', OUTLETS[rng.integers(0, 7, n)].astype(str)),
        ',2020-07-13,Some headline of usual length about the clashes";"Trend,2020-07-14,Another"',
    )
    out["where_prec"] = rng.integers(1, 6, n).astype(str)
    out["where_coordinates"] = _text(rng, n, 2)
    out["where_description"] = _text(rng, n, 8)
    out["latitude"], out["longitude"] = lat.astype(str), lon.astype(str)
    out["country"] = country
    out["date_prec"] = rng.integers(1, 6, n).astype(str)
    out["date_start"] = day.strftime("%Y-%m-%d 00:00:00.000")
    out["date_end"] = day.strftime("%Y-%m-%d 00:00:00.000")
    out["deaths_a"], out["deaths_b"], out["deaths_civilians"] = (
        a.astype(str),
        b.astype(str),
        c.astype(str),
    )
    out["deaths_unknown"] = "0"
    out["best"], out["low"], out["high"] = best.astype(str), a.astype(str), (best + 2).astype(str)
    return out


def write(kind: str, n: int, path: Path, *, seed: int = 0) -> Path:
    frame = acled_frame(n, seed=seed) if kind == "acled" else ucdp_frame(n, seed=seed)
    frame.to_csv(path, index=False)
    return path


if __name__ == "__main__":  # pragma: no cover
    write(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
