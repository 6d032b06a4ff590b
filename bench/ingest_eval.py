"""Precision and recall of ``conflictmap ingest`` on the five seed articles, against the layers.

Not a test: numbers to decide by. For every seed article (with the publication date
derived in ``tests/test_ingest.py``), the candidates are compared with the curated
events whose sources cite that seed::

    python bench/ingest_eval.py [--seeds ../shared/seeds] [--json rows.json]

Places
    Gold: the ``place_id`` of each curated event of the seed. A candidate's place
    matches when it is that place, or is placed at it (a province at its centre, a
    place without a coordinate at its reference point). "City-level" also counts a
    candidate in the city where the curated landmark stands (Yerevan for the
    government buildings).
Dates
    Gold: each event's ``date_start..date_end``. A candidate date is right when its
    range overlaps a gold range; an event is found when some candidate overlaps it.
Claims
    Gold: the claims (event and episode) whose source is the seed. Matched on measure,
    qualifier and number (or words); "with claimant" also needs the claimant to agree:
    both the article itself, or the same side (Armenian/Azerbaijani) when both names
    give one, else the same claimant type.

The baseline, in the same run, is what a plain name and date lookup gives: every
gazetteer/GeoNames name in the text as a place (no topic, person or metonymy rules),
every date dateparser's ``search_dates`` finds, and every number next to a casualty
word as a claim with no claimant.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.config import Settings  # noqa: E402
from geo.gazetteer import Gazetteer, normalize_name  # noqa: E402
from geo.ingest import (  # noqa: E402
    ArticleMeta,
    PlaceIndex,
    claimant_side,
    claimant_type,
    extract,
    read_article,
)

PUBLISHED = {
    "000_3eff19b8bf5dfb3d.txt": date(2020, 7, 15),
    "001_2874fa14cb4eaf04.txt": date(2023, 9, 19),
    "002_77cb08a374101438.txt": date(2020, 12, 31),
    "003_b5e83af3f3b875c9.txt": date(2024, 2, 13),
    "004_843afa940c89899c.txt": date(2023, 9, 19),
}


@dataclass
class Score:
    tp_pred: int = 0
    pred: int = 0
    tp_gold: int = 0
    gold: int = 0

    def add(self, other: Score) -> None:
        self.tp_pred += other.tp_pred
        self.pred += other.pred
        self.tp_gold += other.tp_gold
        self.gold += other.gold

    def cells(self) -> str:
        p = self.tp_pred / self.pred if self.pred else 0.0
        r = self.tp_gold / self.gold if self.gold else 0.0
        return f"{p:.2f} ({self.tp_pred}/{self.pred}) | {r:.2f} ({self.tp_gold}/{self.gold})"


@dataclass
class Gold:
    places: list[str]
    ranges: list[tuple[date, date]]
    claims: list[dict[str, Any]]
    landmark_city: dict[str, str]


def gold_for(seed: str, layers: Path, gazetteer: Gazetteer) -> Gold:
    places, ranges, claims = [], [], []
    city: dict[str, str] = {}
    for path in sorted(layers.glob("*.geojson")):
        data = json.loads(path.read_text(encoding="utf-8"))
        ep = data["episode"]
        ep_src = {s["id"] for s in ep["sources"] if s.get("seed") == seed}
        claims += [c for c in ep.get("claims", []) if c["source"] in ep_src]
        for f in data["features"]:
            p = f["properties"]
            src = {s["id"] for s in p["sources"] if s.get("seed") == seed}
            if not src:
                continue
            places.append(p["place_id"])
            ranges.append((date.fromisoformat(p["date_start"]), date.fromisoformat(p["date_end"])))
            claims += [c for c in p.get("claims", []) if c["source"] in src]
            place = gazetteer.get(p["place_id"])
            for other in gazetteer.places:
                if other.place_type in ("city", "town") and normalize_name(
                    other.name
                ) == normalize_name(place.region).removesuffix(" city"):
                    city[p["place_id"]] = other.place_id
    return Gold(places, ranges, claims, city)


def amount(c: dict[str, Any]) -> Any:
    if c["qualifier"] == "unquantified":
        return c.get("text")
    if c["qualifier"] == "range":
        return (c.get("low"), c.get("high"))
    return c.get("value")


def claimant_agrees(pred: dict[str, Any], gold: dict[str, Any]) -> bool:
    p, g = pred["claimant"], gold["claimant"]
    p_article = p == "the article" or "article" in p.lower()
    g_article = "article" in g.lower()
    if p_article or g_article:
        return p_article and g_article
    ps, gs = claimant_side(p), claimant_side(g)
    if ps and gs:
        return ps == gs
    return claimant_type(p) == gold["claimant_type"]


def score_claims(pred: list[dict[str, Any]], gold: list[dict[str, Any]], *, who: bool) -> Score:
    def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
        core = (a["measure"], a["qualifier"]) == (b["measure"], b["qualifier"])
        if a["qualifier"] == "unquantified" and b["qualifier"] == "unquantified":
            core = core and str(amount(b)).lower().startswith(str(amount(a)).lower())
        else:
            core = core and amount(a) == amount(b)
        return core and (not who or claimant_agrees(a, b))

    s = Score(pred=len(pred), gold=len(gold))
    s.tp_pred = sum(any(same(p, g) for g in gold) for p in pred)
    s.tp_gold = sum(any(same(p, g) for p in pred) for g in gold)
    return s


def score_places(pred: Iterable[set[str]], gold: Gold, *, city_level: bool) -> Score:
    pred = list(pred)
    golds = set(gold.places)

    def hit(ids: set[str], g: str) -> bool:
        return g in ids or (city_level and gold.landmark_city.get(g) in ids)

    s = Score(pred=len(pred), gold=len(golds))
    s.tp_pred = sum(any(hit(ids, g) for g in golds) for ids in pred)
    s.tp_gold = sum(any(hit(ids, g) for ids in pred) for g in golds)
    return s


def score_dates(pred: list[tuple[date, date]], gold: list[tuple[date, date]]) -> Score:
    def overlap(a: tuple[date, date], b: tuple[date, date]) -> bool:
        return a[0] <= b[1] and b[0] <= a[1]

    s = Score(pred=len(pred), gold=len(gold))
    s.tp_pred = sum(any(overlap(p, g) for g in gold) for p in pred)
    s.tp_gold = sum(any(overlap(p, g) for p in pred) for g in gold)
    return s


def ingest_rows(text: str, seed: str, index: PlaceIndex) -> tuple[list, list, list]:
    ex = extract(text, ArticleMeta(PUBLISHED[seed], None, seed), index)
    places, dates, claims = [], [], []
    for c in ex.candidates:
        ref = c.place.ref
        places.append({x for x in (ref.key, ref.point_id) if x})
        if c.date is not None:
            dates.append((c.date.first, c.date.last))
        claims += c.claims
    claims += ex.unplaced_claims
    # distinct (place, range) and claims, as an editor would see them in the draft
    uniq_places = {frozenset(p) for p in places}
    return [set(p) for p in uniq_places], sorted(set(dates)), claims


_CASUALTY = re.compile(
    r"(\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|dozens|hundreds|thousands)"
    r"\s+(?:\w+\s+){0,3}?(killed|dead|died|injured|wounded|arrested|detained|people)",
    re.I,
)


def baseline_rows(text: str, seed: str, index: PlaceIndex) -> tuple[list, list, list]:
    import dateparser.search

    tokens = [(m.start(), m.end()) for m in re.finditer(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", text)]
    places = set()
    for i in range(len(tokens)):
        for n in range(1, index.max_words + 1):
            if i + n > len(tokens):
                break
            refs = index.names.get(normalize_name(text[tokens[i][0] : tokens[i + n - 1][1]]))
            if refs and len(refs) == 1:
                ref = refs[0]
                places.add(frozenset(x for x in (ref.key, ref.point_id) if x))
    published = PUBLISHED[seed]
    found = dateparser.search.search_dates(
        text,
        languages=["en"],
        settings={
            "RELATIVE_BASE": datetime(published.year, published.month, published.day),
            "PREFER_DATES_FROM": "past",
        },
    )
    dates = sorted({(d.date(), d.date()) for _, d in found or []})
    measures = {
        "killed": "killed", "dead": "killed", "died": "killed", "injured": "injured",
        "wounded": "injured", "arrested": "arrested", "detained": "detained",
        "people": "crowd_size",
    }  # fmt: skip
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
    words.update({"eight": 8, "nine": 9, "ten": 10})
    claims = []
    for m in _CASUALTY.finditer(text):
        token = m.group(1).lower()
        claim: dict[str, Any] = {"measure": measures[m.group(2).lower()], "claimant": "?"}
        if token in ("dozens", "hundreds", "thousands"):
            claim.update(qualifier="unquantified", text=token)
        else:
            value = words.get(token)
            claim.update(qualifier="exact", value=value or int(token.replace(",", "")))
        claims.append(claim)
    return [set(p) for p in places], dates, claims


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    parser.add_argument("--json", type=Path, default=None, help="Also write the rows here.")
    args = parser.parse_args(argv)
    settings = Settings()
    gazetteer = Gazetteer.default(settings)
    index = PlaceIndex.default(gazetteer, settings.data_dir)
    totals: dict[tuple[str, str], Score] = {}
    rows = []
    for seed in PUBLISHED:
        path = args.seeds / seed
        if not path.is_file():
            print(f"missing seed {path}", file=sys.stderr)
            return 1
        text = read_article(path)
        gold = gold_for(seed, settings.layers_dir, gazetteer)
        for approach, runner in (("ingest", ingest_rows), ("baseline", baseline_rows)):
            places, dates, claims = runner(text, seed, index)
            scores = {
                "places": score_places(places, gold, city_level=False),
                "places (city-level)": score_places(places, gold, city_level=True),
                "dates": score_dates(dates, gold.ranges),
                "claims": score_claims(claims, gold.claims, who=False),
                "claims with claimant": score_claims(claims, gold.claims, who=True),
            }
            for what, s in scores.items():
                totals.setdefault((approach, what), Score()).add(s)
                rows.append({"seed": seed, "approach": approach, "what": what, **vars(s)})
    print("| what | approach | precision | recall |")
    print("|---|---|---|---|")
    for what in ("places", "places (city-level)", "dates", "claims", "claims with claimant"):
        for approach in ("ingest", "baseline"):
            print(f"| {what} | {approach} | {totals[(approach, what)].cells()} |")
    print()
    print("| seed | what | ingest P | ingest R | baseline P | baseline R |")
    print("|---|---|---|---|---|---|")
    for seed in PUBLISHED:
        for what in ("places", "dates", "claims with claimant"):
            cells = []
            for approach in ("ingest", "baseline"):
                r = next(
                    x
                    for x in rows
                    if (x["seed"], x["approach"], x["what"]) == (seed, approach, what)
                )
                cells.append(f"{r['tp_pred']}/{r['pred']}")
                cells.append(f"{r['tp_gold']}/{r['gold']}")
            print(f"| {seed[:3]} | {what} | " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
