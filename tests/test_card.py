"""The region card: exact sentences for every curated region and episode, and its guarantees.

The pinned cards below were read against the curated layers (layers/*.geojson) claim by
claim: each sentence is one claim (claimant, figure as stated, whose people, outlet of its
source, a short note), competing claims sit next to each other, nothing is added up, and the
Tovuz–Tavush overall tallies appear only under "Whole episode". A change of wording fails
here on purpose: it has to be a decision.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from geo.card import (
    CARD_CAVEAT,
    MAX_LISTED_EVENTS,
    RegionCard,
    card_markdown,
    claim_sentence,
    region_card,
)
from geo.config import Settings
from geo.dataset import Dataset, load_dataset
from geo.handout import _pdf_paragraphs, build_handout, handout_html
from geo.join import JOIN_COLUMNS
from geo.layers import episodes_frame, layers_to_frame, parse_layer
from geo.markdown import md_escape
from geo.text import html_text
from geo.view import View
from tests import factories
from tests.helpers import HOSTILE, hostile_layer, run, shown

ENC = "Unnamed encyclopedia-style article (2020 Azerbaijani protests / Karabakh March)"
REU = "Unnamed news article (cites Reuters and Russian media)"
BBC = "Unnamed news article (cites the BBC)"
NH = "Unnamed news article (publisher not named)"
CAVEAT = CARD_CAVEAT
JULY = View(start=date(2020, 7, 12), end=date(2020, 7, 16))
IMPORTED = Path(__file__).parent / "data" / "importers"


@pytest.fixture(scope="module")
def curated(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The curated layers joined to the real boundaries (no imported dataset)."""
    return load_dataset(settings.with_(datasets_dir=tmp_path_factory.mktemp("empty")))


def episode_view(data: Dataset, episode: str) -> View:
    row = data.episodes[data.episodes["episode"] == episode].iloc[0]
    return View(
        episodes=(episode,),
        start=pd.Timestamp(row["date_start"]).date(),
        end=pd.Timestamp(row["date_end"]).date(),
    )


#: The lines the Baku City card and the Karabakh March episode card share: the events of
#: 14-15 July 2020 in Baku with their figures, and the one event with none.
BAKU_14_15_JULY = (
    "National Assembly (Milli Majlis), Baku (approximate), 14–15 July 2020:",
    (
        "  Azerbaijani Ministry of Internal Affairs: 7 police officers injured (source: "
        f"{BBC}). Note: Statement of Wednesday 15 July."
    ),
    (
        "  Azerbaijani Ministry of Internal Affairs: 7 police officers injured (source: "
        f"{ENC}). Note: The ministry said protesters attacked officers with stones and "
        "other objects."
    ),
    (
        "  Other Azerbaijani sources (unnamed): up to 120 people detained after the "
        f"protests (source: {ENC})."
    ),
    (
        "  Azerbaijani Ministry of Internal Affairs: 7 people arrested after the break-in "
        f"(source: {BBC})."
    ),
    (
        "  Azerbaijani authorities: 36 people arrested over the parliament storming "
        f"(source: {ENC})."
    ),
    (
        "  Azerbaijani authorities: 37 people prosecuted over the parliament storming "
        f"(source: {ENC})."
    ),
    (
        "  Azerbaijani Ministry of Internal Affairs: 2 vehicles destroyed: State Traffic "
        f"Police service cars overturned and put out of use (source: {ENC})."
    ),
    (
        "  Azerbaijani Ministry of Internal Affairs: 14 further police service cars "
        f"seriously damaged (source: {ENC}). Note: Road infrastructure in the area was "
        "also reported damaged."
    ),
    (
        "  Azerbaijani Parliament (Milli Majlis): damage put at 22,150 manats: items "
        f"damaged inside parliament (source: {ENC}). Note: From a report by the "
        "parliament; amount in manat (AZN)."
    ),
    "Narimanov Monument to Ministry of Taxes, Baku (approximate), 15 July 2020:",
    (
        "  Turan news agency: marchers on the morning of 15 July"
        f" — “several hundred”, no number given (source: {ENC})."
    ),
    "No figures are given for this event: Second Alley of Honor, Baku, 15 July 2020.",
)

CARDS: dict[str, tuple[str, ...]] = {
    "region Baku City": (
        "Baku City — all dates",
        "7 events: 5 protests, 1 riot and 1 strategic development.",
        CAVEAT,
        "Gobu Park, Garadagh district, Baku (approximate), 12–13 July 2020:",
        (
            f"  {ENC}: Gobu protesters detained by police — “dozens”, no number given (source: "
            f"{ENC}). Note: All were released afterwards."
        ),
        f"  {ENC}: 700–800 protesters in Gobu (source: {ENC}). Note: Given as roughly 700 to 800.",
        "Ahmadli, Baku (approximate), 14 July 2020:",
        (
            f"  {ENC}: demonstrators in Sumgayit and Ahmadli together — “hundreds”, no number "
            "given — already counted under the event at Sumgayit, 14 July 2020 (source: "
            f"{ENC}). Note: One figure for Sumgayit and Ahmadli together; kept once, on the "
            "Sumgayit event."
        ),
        "Azadliq (Freedom) Square, Baku, 14 July 2020:",
        f"  {BBC}: marchers in Baku — “thousands”, no number given (source: {BBC}).",
        (
            f"  Some media reports: up to 30,000 marchers in Baku (source: {BBC}). Note: "
            "Unnamed media estimates relayed by the article."
        ),
        f"  {ENC}: 30,000–50,000 demonstrators in Baku (source: {ENC}).",
        "Col. Mirzayev's home, Khatai district, Baku (approximate), 14 July 2020:",
        (
            f"  {ENC}: people outside Col. Mirzayev's home — “hundreds”, no number given "
            f"(source: {ENC})."
        ),
        *BAKU_14_15_JULY,
        "Events, in date order:",
        (
            "  1. 12–13 July 2020 — Gobu Park, Garadagh district, Baku (approximate) — "
            "Protest: Protest with intervention"
        ),
        "  2. 14 July 2020 — Ahmadli, Baku (approximate) — Protest: Peaceful protest",
        "  3. 14 July 2020 — Azadliq (Freedom) Square, Baku — Protest: Peaceful protest",
        (
            "  4. 14 July 2020 — Col. Mirzayev's home, Khatai district, Baku (approximate) — "
            "Protest: Peaceful protest"
        ),
        (
            "  5. 14–15 July 2020 — National Assembly (Milli Majlis), Baku (approximate) — "
            "Riot: Violent demonstration"
        ),
        (
            "  6. 15 July 2020 — Narimanov Monument to Ministry of Taxes, Baku (approximate) "
            "— Protest: Peaceful protest"
        ),
        "  7. 15 July 2020 — Second Alley of Honor, Baku — Strategic development: Other",
    ),
    "region Khankendi City": (
        "Khankendi City — all dates",
        "1 event: 1 explosion or remote attack.",
        (
            "No figures are given for this event: Stepanakert (Khankendi) (approximate), 19 "
            "September 2023."
        ),
        "Events, in date order:",
        (
            "  1. 19 September 2023 — Stepanakert (Khankendi) (approximate) — Explosion / "
            "remote violence: Shelling/artillery/missile attack"
        ),
    ),
    "region Sumqayit City": (
        "Sumqayit City — all dates",
        "1 event: 1 protest.",
        CAVEAT,
        "Sumgayit, 14 July 2020:",
        (
            f"  {ENC}: demonstrators in Sumgayit and Ahmadli together — “hundreds”, no number "
            f"given (source: {ENC})."
        ),
        "Events, in date order:",
        "  1. 14 July 2020 — Sumgayit — Protest: Peaceful protest",
    ),
    "region Syunik": (
        "Syunik — all dates",
        "1 event: 1 battle.",
        CAVEAT,
        "Armenian post near Nerkin Hand, Syunik Province (approximate), 12–13 February 2024:",
        (
            f"  Armenian authorities: 4 Armenian soldiers killed (source: {NH}). Note: Armenia "
            "said it would publish the names later the same day."
        ),
        f"  Armenian authorities: 1 Armenian soldier injured (source: {NH}).",
        (
            "  Azerbaijani side (unnamed): 1 facility destroyed: the targeted Armenian border "
            f"post (source: {NH})."
        ),
        "Events, in date order:",
        (
            "  1. 12–13 February 2024 — Armenian post near Nerkin Hand, Syunik Province "
            "(approximate) — Battle: Armed clash"
        ),
    ),
    "region Tavush": (
        "Tavush — all dates",
        "1 event: 1 battle.",
        CAVEAT,
        "Tavush Province (area only), 12–16 July 2020:",
        (
            f"  Armenian authorities: 4 Armenian soldiers killed (source: {BBC}). Note: "
            "Armenia said two of the four were officers."
        ),
        (
            "  Azerbaijani army: Armenian troops killed — “hundreds”, no number given — "
            f"disputed by Armenia (source: {BBC}). Note: Armenia denied losses on that scale."
        ),
        f"  Azerbaijani army: 1 facility destroyed: an Armenian fortification (source: {BBC}).",
        (
            "Whole episode, not credited to any one event: Tovuz–Tavush border clashes, July "
            "2020, 12–16 July 2020:"
        ),
        (
            f"  {BBC}: at least 16 people killed in the border fighting, both sides together "
            f"(source: {BBC}). Note: The article's own running total, not attributed to either "
            "government."
        ),
        f"  {ENC}: at least 17 military personnel killed, both sides together (source: {ENC}).",
        f"  {ENC}: at least 1 civilian killed, both sides together (source: {ENC}).",
        (
            f"  {ENC}: people injured in the skirmishes, both sides together — “many”, no "
            f"number given (source: {ENC})."
        ),
        "Events, in date order:",
        "  1. 12–16 July 2020 — Tavush Province (area only) — Battle: Armed clash",
    ),
    "region Tovuz District": (
        "Tovuz District — all dates",
        "2 events: 2 battles.",
        CAVEAT,
        "Tovuz District (area only), 12–16 July 2020:",
        f"  Azerbaijani authorities: at least 11 Azerbaijani soldiers killed (source: {BBC}).",
        f"  Azerbaijani authorities: at least 1 Azerbaijani civilian killed (source: {BBC}).",
        "Tovuz District (area only), 12–14 July 2020:",
        (
            f"  {ENC}: 2 killed: two senior Azerbaijani officers (Hashimov, Mirzayev) — "
            "already counted under the event at Tovuz District (area only), 12–16 July 2020 "
            f"(source: {ENC})."
        ),
        (
            "Whole episode, not credited to any one event: Tovuz–Tavush border clashes, July "
            "2020, 12–16 July 2020:"
        ),
        (
            f"  {BBC}: at least 16 people killed in the border fighting, both sides together "
            f"(source: {BBC}). Note: The article's own running total, not attributed to either "
            "government."
        ),
        f"  {ENC}: at least 17 military personnel killed, both sides together (source: {ENC}).",
        f"  {ENC}: at least 1 civilian killed, both sides together (source: {ENC}).",
        (
            f"  {ENC}: people injured in the skirmishes, both sides together — “many”, no "
            f"number given (source: {ENC})."
        ),
        "Events, in date order:",
        "  1. 12–16 July 2020 — Tovuz District (area only) — Battle: Armed clash",
        "  2. 12–14 July 2020 — Tovuz District (area only) — Battle: Armed clash",
    ),
    "region Yerevan": (
        "Yerevan — all dates",
        "2 events: 2 protests.",
        CAVEAT,
        "Government buildings, Yerevan (approximate), 19 September 2023:",
        (
            "  Armenian Ministry of Health (via Russian media): 34 people injured in the "
            f"Yerevan protests (source: {REU})."
        ),
        (
            "  Armenian Ministry of Health (via Russian media): 16 police officers among the "
            f"injured (source: {REU})."
        ),
        (
            "  Reuters and Russian media: protesters in Yerevan — “a large number of "
            f"citizens”, no number given (source: {REU}). Note: Describes the Yerevan protests "
            "as a whole, including the embassy."
        ),
        (
            "No figures are given for this event: Russian embassy, Yerevan (approximate), 19 "
            "September 2023."
        ),
        "Events, in date order:",
        (
            "  1. 19 September 2023 — Government buildings, Yerevan (approximate) — Protest: "
            "Protest with intervention"
        ),
        (
            "  2. 19 September 2023 — Russian embassy, Yerevan (approximate) — Protest: "
            "Peaceful protest"
        ),
    ),
    "episode karabakh-march-2020-07": (
        "Armenia and Azerbaijan — 12 July – 11 September 2020",
        "8 events: 6 protests, 1 riot and 1 strategic development.",
        CAVEAT,
        "Gobu Park, Garadagh district, Baku (approximate), 12–13 July 2020:",
        (
            f"  {ENC}: Gobu protesters detained by police — “dozens”, no number given (source: "
            f"{ENC}). Note: All were released afterwards."
        ),
        f"  {ENC}: 700–800 protesters in Gobu (source: {ENC}). Note: Given as roughly 700 to 800.",
        "Ahmadli, Baku (approximate), 14 July 2020:",
        (
            f"  {ENC}: demonstrators in Sumgayit and Ahmadli together — “hundreds”, no number "
            "given — already counted under the event at Sumgayit, 14 July 2020 (source: "
            f"{ENC}). Note: One figure for Sumgayit and Ahmadli together; kept once, on the "
            "Sumgayit event."
        ),
        "Azadliq (Freedom) Square, Baku, 14 July 2020:",
        f"  {BBC}: marchers in Baku — “thousands”, no number given (source: {BBC}).",
        (
            f"  Some media reports: up to 30,000 marchers in Baku (source: {BBC}). Note: "
            "Unnamed media estimates relayed by the article."
        ),
        f"  {ENC}: 30,000–50,000 demonstrators in Baku (source: {ENC}).",
        "Col. Mirzayev's home, Khatai district, Baku (approximate), 14 July 2020:",
        (
            f"  {ENC}: people outside Col. Mirzayev's home — “hundreds”, no number given "
            f"(source: {ENC})."
        ),
        "Sumgayit, 14 July 2020:",
        (
            f"  {ENC}: demonstrators in Sumgayit and Ahmadli together — “hundreds”, no number "
            f"given (source: {ENC})."
        ),
        *BAKU_14_15_JULY,
        "Events, in date order:",
        (
            "  1. 12–13 July 2020 — Gobu Park, Garadagh district, Baku (approximate) — "
            "Protest: Protest with intervention"
        ),
        "  2. 14 July 2020 — Ahmadli, Baku (approximate) — Protest: Peaceful protest",
        "  3. 14 July 2020 — Azadliq (Freedom) Square, Baku — Protest: Peaceful protest",
        (
            "  4. 14 July 2020 — Col. Mirzayev's home, Khatai district, Baku (approximate) — "
            "Protest: Peaceful protest"
        ),
        "  5. 14 July 2020 — Sumgayit — Protest: Peaceful protest",
        (
            "  6. 14–15 July 2020 — National Assembly (Milli Majlis), Baku (approximate) — "
            "Riot: Violent demonstration"
        ),
        (
            "  7. 15 July 2020 — Narimanov Monument to Ministry of Taxes, Baku (approximate) "
            "— Protest: Peaceful protest"
        ),
        "  8. 15 July 2020 — Second Alley of Honor, Baku — Strategic development: Other",
    ),
    "episode nagorno-karabakh-2023-09": (
        "Armenia and Azerbaijan — 1–19 September 2023",
        "3 events: 2 explosions or remote attacks and 1 battle.",
        CAVEAT,
        "Nagorno-Karabakh (place not given) (area only), 1–19 September 2023:",
        (
            "  Azerbaijani government: civilians killed by the landmine (nationality not "
            f"given by the source) — “civilian deaths”, no number given (source: {REU}). Note: "
            "No number and no victims' details are given."
        ),
        "Nagorno-Karabakh (area only), 19 September 2023:",
        (
            "  Nagorno-Karabakh separatist authorities: 25 people killed by the Azerbaijani "
            "operation (source: Reuters). Note: Counted on the Karabakh Armenian side, as the "
            "source frames them."
        ),
        (
            "  Armenian human rights group (unnamed): 27 people killed by the Azerbaijani "
            f"operation (source: {REU}). Note: Counted on the Karabakh Armenian side, as the "
            "source frames them."
        ),
        (
            "  Nagorno-Karabakh separatist authorities: 2 civilians among those killed "
            "(source: Reuters)."
        ),
        f"  Armenian human rights group (unnamed): 2 civilians among those killed (source: {REU}).",
        (
            "  Nagorno-Karabakh separatist authorities: 138 people injured by the Azerbaijani "
            "operation (source: Reuters)."
        ),
        (
            "  Armenian human rights group (unnamed): more than 200 people injured by the "
            f"Azerbaijani operation (source: {REU})."
        ),
        (
            "  Azerbaijani Ministry of Defence: more than 60 posts seized: military posts of "
            "the Armenian/separatist forces (source: Reuters). Note: Total 'so far' on 19 "
            "September."
        ),
        (
            "  Azerbaijani Ministry of Defence: up to 20 vehicles destroyed: military "
            "vehicles of the Armenian/separatist forces (source: Reuters). Note: Other "
            "hardware was also said to be destroyed, without a number."
        ),
        (
            f"  {REU}: 1 facility destroyed: an Armenian military facility near "
            f"Nagorno-Karabakh (source: {REU}). Note: Stated by the article without "
            "attribution; 'near' the region, so it may have stood outside it."
        ),
        (
            "No figures are given for this event: Stepanakert (Khankendi) (approximate), 19 "
            "September 2023."
        ),
        "Events, in date order:",
        (
            "  1. 1–19 September 2023 — Nagorno-Karabakh (place not given) (area only) — "
            "Explosion / remote violence: Remote explosive/landmine/IED"
        ),
        "  2. 19 September 2023 — Nagorno-Karabakh (area only) — Battle: Armed clash",
        (
            "  3. 19 September 2023 — Stepanakert (Khankendi) (approximate) — Explosion / "
            "remote violence: Shelling/artillery/missile attack"
        ),
    ),
    "episode nerkin-hand-2024-02": (
        "Armenia and Azerbaijan — 12–13 February 2024",
        "2 events: 2 battles.",
        CAVEAT,
        "Armenian post near Nerkin Hand, Syunik Province (approximate), 12–13 February 2024:",
        (
            f"  Armenian authorities: 4 Armenian soldiers killed (source: {NH}). Note: Armenia "
            "said it would publish the names later the same day."
        ),
        f"  Armenian authorities: 1 Armenian soldier injured (source: {NH}).",
        (
            "  Azerbaijani side (unnamed): 1 facility destroyed: the targeted Armenian border "
            f"post (source: {NH})."
        ),
        (
            "No figures are given for this event: Place not given (Armenia–Azerbaijan border "
            "area) (area only), 12 February 2024."
        ),
        "Events, in date order:",
        (
            "  1. 12 February 2024 — Place not given (Armenia–Azerbaijan border area) (area "
            "only) — Battle: Armed clash"
        ),
        (
            "  2. 12–13 February 2024 — Armenian post near Nerkin Hand, Syunik Province "
            "(approximate) — Battle: Armed clash"
        ),
    ),
    "episode tovuz-tavush-2020-07": (
        "Armenia and Azerbaijan — 12–16 July 2020",
        "3 events: 3 battles.",
        CAVEAT,
        "Tavush Province (area only), 12–16 July 2020:",
        (
            f"  Armenian authorities: 4 Armenian soldiers killed (source: {BBC}). Note: "
            "Armenia said two of the four were officers."
        ),
        (
            "  Azerbaijani army: Armenian troops killed — “hundreds”, no number given — "
            f"disputed by Armenia (source: {BBC}). Note: Armenia denied losses on that scale."
        ),
        f"  Azerbaijani army: 1 facility destroyed: an Armenian fortification (source: {BBC}).",
        "Tovuz District (area only), 12–16 July 2020:",
        f"  Azerbaijani authorities: at least 11 Azerbaijani soldiers killed (source: {BBC}).",
        f"  Azerbaijani authorities: at least 1 Azerbaijani civilian killed (source: {BBC}).",
        "Tovuz District (area only), 12–14 July 2020:",
        (
            f"  {ENC}: 2 killed: two senior Azerbaijani officers (Hashimov, Mirzayev) — "
            "already counted under the event at Tovuz District (area only), 12–16 July 2020 "
            f"(source: {ENC})."
        ),
        (
            "Whole episode, not credited to any one event: Tovuz–Tavush border clashes, July "
            "2020, 12–16 July 2020:"
        ),
        (
            f"  {BBC}: at least 16 people killed in the border fighting, both sides together "
            f"(source: {BBC}). Note: The article's own running total, not attributed to either "
            "government."
        ),
        f"  {ENC}: at least 17 military personnel killed, both sides together (source: {ENC}).",
        f"  {ENC}: at least 1 civilian killed, both sides together (source: {ENC}).",
        (
            f"  {ENC}: people injured in the skirmishes, both sides together — “many”, no "
            f"number given (source: {ENC})."
        ),
        "Events, in date order:",
        "  1. 12–16 July 2020 — Tavush Province (area only) — Battle: Armed clash",
        "  2. 12–16 July 2020 — Tovuz District (area only) — Battle: Armed clash",
        "  3. 12–14 July 2020 — Tovuz District (area only) — Battle: Armed clash",
    ),
    "episode yerevan-protests-2023-09": (
        "Armenia and Azerbaijan — 19 September 2023",
        "2 events: 2 protests.",
        CAVEAT,
        "Government buildings, Yerevan (approximate), 19 September 2023:",
        (
            "  Armenian Ministry of Health (via Russian media): 34 people injured in the "
            f"Yerevan protests (source: {REU})."
        ),
        (
            "  Armenian Ministry of Health (via Russian media): 16 police officers among the "
            f"injured (source: {REU})."
        ),
        (
            "  Reuters and Russian media: protesters in Yerevan — “a large number of "
            f"citizens”, no number given (source: {REU}). Note: Describes the Yerevan protests "
            "as a whole, including the embassy."
        ),
        (
            "No figures are given for this event: Russian embassy, Yerevan (approximate), 19 "
            "September 2023."
        ),
        "Events, in date order:",
        (
            "  1. 19 September 2023 — Government buildings, Yerevan (approximate) — Protest: "
            "Protest with intervention"
        ),
        (
            "  2. 19 September 2023 — Russian embassy, Yerevan (approximate) — Protest: "
            "Peaceful protest"
        ),
    ),
}


def case_view(data: Dataset, case: str) -> View:
    kind, name = case.split(" ", 1)
    return View(region=name) if kind == "region" else episode_view(data, name)


@pytest.mark.parametrize("case", list(CARDS))
def test_card_text_of_every_curated_region_and_episode(curated: Dataset, case: str) -> None:
    card = region_card(curated, case_view(curated, case))
    assert card.lines() == CARDS[case]
    assert card.text() == "\n".join(CARDS[case]) + "\n"


def test_every_region_with_events_and_every_episode_is_pinned(curated: Dataset) -> None:
    regions = {f"region {r}" for r in curated.events["region"].dropna()}
    episodes = {f"episode {e}" for e in curated.episodes["episode"]}
    assert set(CARDS) == regions | episodes
    assert len(episodes) == 5


def test_tavush_12_to_16_july_2020_lists_the_two_competing_claims_with_claimants(
    curated: Dataset,
) -> None:
    card = region_card(curated, JULY.with_(region="Tavush"))
    assert (card.title, card.period_label) == ("Tavush", "12–16 July 2020")
    assert card.counts_sentence == "1 event: 1 battle."
    event, episode = card.figures
    assert event.heading == "Tavush Province (area only), 12–16 July 2020"
    assert event.sentences[:2] == (
        f"Armenian authorities: 4 Armenian soldiers killed (source: {BBC}). "
        "Note: Armenia said two of the four were officers.",
        "Azerbaijani army: Armenian troops killed — “hundreds”, no number given — disputed by "
        f"Armenia (source: {BBC}). Note: Armenia denied losses on that scale.",
    )
    # the overall tallies of both sides are the episode's, not Tavush's
    assert episode.scope == "episode"
    assert episode.heading.startswith("Whole episode, not credited to any one event:")
    assert all("16" not in s.split("(source")[0] for s in event.sentences)
    assert [e.text for e in card.events] == [
        "12–16 July 2020 — Tavush Province (area only) — Battle: Armed clash"
    ]


def test_both_countries_when_no_region(curated: Dataset) -> None:
    card = region_card(curated, JULY)
    assert card.title == "Armenia and Azerbaijan"
    assert card.counts_sentence == (
        "11 events: 6 protests, 3 battles, 1 riot and 1 strategic development."
    )
    one = region_card(curated, JULY.with_(countries=("ARM",)))
    assert (one.title, one.counts_sentence) == ("Armenia", "1 event: 1 battle.")


NUMBER = re.compile(r"\d[\d,]*")


def numbers(text: str) -> set[int]:
    return {int(n.replace(",", "")) for n in NUMBER.findall(text) if n.strip(",")}


@pytest.mark.parametrize("case", list(CARDS))
def test_no_sentence_says_a_number_its_claim_does_not(curated: Dataset, case: str) -> None:
    """Every number of a group's sentences is in that event's (or episode's) own record.

    A sum (11 + 1 = 12 for Tovuz, 25 + 2 for Nagorno-Karabakh, 7 + 7 police officers, 16 +
    4 for the episode) would be a number its claims and sources do not hold. The name of
    the event a claim is "already counted under" (with its dates) is left out of the check.
    """
    card = region_card(curated, case_view(curated, case))
    by_heading = {f"{e.place}, {e.date}": e.event_id for e in region_card(curated, View()).events}
    for group in card.figures:
        if group.scope == "episode":
            title = group.heading.split(": ", 1)[1].rsplit(", ", 1)[0]
            record = curated.episodes[curated.episodes["title"] == title]
        else:
            record = curated.events.loc[[by_heading[group.heading]]]
        assert len(record) == 1, group.heading
        held = numbers(str(record["claims"].iloc[0])) | numbers(str(record["sources"].iloc[0]))
        for sentence in group.sentences:
            checked = re.sub(r" — already counted under the event at .*? \(source:", " (source:",
                             sentence)  # fmt: skip
            assert numbers(checked) <= held, (sentence, numbers(checked) - held)


def test_competing_figures_are_never_added_up() -> None:
    features = [
        factories.event(
            "tovuz-2020-07-14-a",
            claims=[
                factories.claim(claimant="Side one", value=3),
                factories.claim(claimant="Side two", claimant_type="armed_forces", value=40),
                factories.claim(claimant="Side two", measure="injured", value=500),
            ],
        )
    ]
    parsed, problems = parse_layer(factories.layer(*features), origin="layers/t.geojson")
    assert parsed is not None and not problems
    data = unjoined(layers_to_frame([parsed]), episodes_frame([parsed]))
    card = region_card(data, View())
    assert card.figure_sentences == (
        "Side one: 3 killed: soldiers (source: Test Wire).",
        "Side two: 40 killed: soldiers (source: Test Wire).",
        "Side two: 500 injured: soldiers (source: Test Wire).",
    )
    text = card.text()
    assert not numbers(text) & {43, 503, 540, 543}


def unjoined(events: pd.DataFrame, episodes: pd.DataFrame) -> Dataset:
    """A dataset loaded without boundaries: the join columns empty, ``admin`` None."""
    events = events.copy()
    for column in JOIN_COLUMNS:
        events[column] = None
    return Dataset(events, episodes, None, "boundaries not loaded (test)")


def test_a_dataset_without_boundaries(settings: Settings) -> None:
    data = factories.world_dataset()
    bare = unjoined(data.events.drop(columns=list(JOIN_COLUMNS)), data.episodes)
    card = region_card(bare, View())
    assert card.title == "Armenia and Azerbaijan"
    assert card.counts_sentence == (
        "5 events: 2 battles, 1 explosion or remote attack, 1 protest and 1 strategic development."
    )
    assert [e.event_id for e in card.events] == [
        "alpha-2020-07-12-a",
        HOSTILE_ID,
        "border-2020-07-20-c",
        "outside-2020-07-25-d",
        "tavush-2020-07-30-e",
    ]
    assert card.no_figures_sentence == (
        "No figures are given for this event: Far east, 25 July 2020."
    )
    assert region_card(bare, View(countries=("ARM",))).title == "Armenia"


HOSTILE_ID = factories.HOSTILE_ID


def test_hostile_text_is_escaped_in_markdown_and_html() -> None:
    data = factories.world_dataset()
    card = region_card(data, View(region="Beta"))
    assert any(factories.HOSTILE in s for s in card.figure_sentences)  # the text is kept
    markdown = card_markdown(card)
    assert factories.HOSTILE not in markdown  # never as Markdown/HTML, only escaped:
    assert md_escape(f"Claimant {factories.HOSTILE}") in markdown
    assert f"Claimant {factories.HOSTILE}" in shown(markdown)  # and shown as written
    page = handout_html(build_handout(data, View(region="Beta"), attribution="x"), None)
    assert "<script>alert" not in page
    assert html_text(f"Claimant {factories.HOSTILE}: about 2 injured: soldiers") in page


def test_hostile_layer_card(tmp_path: Path) -> None:
    parsed, problems = parse_layer(hostile_layer(), origin="layers/hostile.geojson")
    assert parsed is not None and not problems
    data = unjoined(layers_to_frame([parsed]), episodes_frame([parsed]))
    card = region_card(data, View())
    markdown = card_markdown(card)
    assert "<" not in markdown.replace("\\<", "")
    assert "{{" not in markdown.replace("\\{\\{", "")
    assert HOSTILE in shown(markdown)


@pytest.fixture(scope="module")
def imported(imported_test_data: Dataset) -> Dataset:
    return imported_test_data


def test_an_imported_dataset(imported: Dataset) -> None:
    card = region_card(imported, View(region="Tavush", episodes=("acled", "ucdp")))
    assert card.lines() == (
        "Tavush — all dates",
        "3 events: 2 battles and 1 state-based conflict event.",
        CAVEAT,
        "Movses, 12 July 2020:",
        "  ACLED: 2 killed: everybody killed in the event (ACLED fatalities) (source: ACLED). "
        "Note: ACLED codes the most conservative figure its sources report.",
        "Movses village, 13–14 July 2020:",
        "  UCDP: 2 killed: everybody killed in the event (source: UCDP GED). "
        "Note: UCDP low estimate.",
        "  UCDP: 5 killed: everybody killed in the event (source: UCDP GED). "
        "Note: UCDP best estimate, including 2 death(s) of unknown status.",
        "  UCDP: 3 killed: everybody killed in the event (source: UCDP GED). "
        "Note: UCDP high estimate.",
        "  UCDP: 0 deaths of side A: Government of Azerbaijan (source: UCDP GED). "
        "Note: UCDP deaths_a.",
        "  UCDP: 2 deaths of side B: Government of Armenia (source: UCDP GED). "
        "Note: UCDP deaths_b.",
        "  UCDP: 1 civilians killed (source: UCDP GED). Note: UCDP deaths_civilians.",
        "Aygepar, 16 July 2020:",
        "  ACLED: 0 killed: everybody killed in the event (ACLED fatalities) (source: ACLED). "
        "Note: ACLED codes the most conservative figure its sources report.",
        "Events, in date order:",
        "  1. 12 July 2020 — Movses — Battle: Armed clash",
        "  2. 13–14 July 2020 — Movses village — State-based conflict: Azerbaijan: "
        "Nagorno-Karabakh",
        "  3. 16 July 2020 — Aygepar — Battle: Armed clash",
    )


def test_arrow_backed_claims_are_read_too(imported: Dataset) -> None:
    """An imported frame keeps claims as Arrow lists; the card reads them the same."""
    events = imported.events[imported.events["episode"] == "acled"]
    import pyarrow as pa

    arrow = events.copy()
    for name in ("claims", "sources"):
        arrow[name] = pd.Series(
            pd.arrays.ArrowExtensionArray(pa.array(list(events[name]))), index=events.index
        )
    as_lists = region_card(Dataset(events, imported.episodes, None), View())
    as_arrow = region_card(Dataset(arrow, imported.episodes, None), View())
    assert as_arrow == as_lists
    assert len(as_arrow.figures) == 3


def test_an_empty_period(curated: Dataset) -> None:
    card = region_card(curated, View(start=date(2021, 1, 1), end=date(2021, 1, 31)))
    assert card.lines() == (
        "Armenia and Azerbaijan — 1–31 January 2021",
        "No events are recorded for this area in this period.",
    )
    assert card_markdown(card) == (
        "**Armenia and Azerbaijan — 1–31 January 2021**\n\n"
        "No events are recorded for this area in this period\\."
    )


def test_long_lists_are_cut_and_say_how_many_more() -> None:
    features = [
        factories.event(f"test-2020-07-14-{n:03d}", claims=[] if n % 2 else [factories.claim()])
        for n in range(120)
    ]
    parsed, problems = parse_layer(factories.layer(*features), origin="layers/t.geojson")
    assert parsed is not None and not problems
    data = unjoined(layers_to_frame([parsed]), episodes_frame([parsed]))
    card = region_card(data, View())
    assert card.counts_sentence == "120 events: 120 battles."
    assert len(card.events) == MAX_LISTED_EVENTS
    assert card.events_not_listed == 70
    assert card.lines()[-1] == "  … and 70 more events (the tables list them all)."
    assert len(card.figures) == 20 and card.figures_not_listed == 40
    assert card.more_figures_sentence == (
        "The figures of 40 more events are in the claims table and the exports."
    )
    assert len(card.no_figure_events) == 20 and card.no_figures_not_listed == 40
    assert card.no_figures_sentence.startswith("No figures are given for these 60 events: ")
    assert card.no_figures_sentence.endswith("; and 40 more.")


def test_a_malformed_claim_is_shown_not_dropped() -> None:
    raw = {"claimant": "X", "measure": "killed", "subject": "people", "text": "some"}
    assert claim_sentence(raw, {}) == "X: some people (killed) (source: not given)."


def test_the_handout_carries_the_card(curated: Dataset) -> None:
    view = JULY.with_(region="Tavush")
    content = build_handout(curated, view, attribution="credit")
    assert isinstance(content.card, RegionCard)
    assert content.card == region_card(curated, view)
    page = handout_html(content, None)
    assert "<h2>What the record says</h2>" in page
    for sentence in content.card.figure_sentences:
        assert f"<li>{html_text(sentence)}</li>" in page
    assert html_text("Azerbaijani army: Armenian troops killed — “hundreds”") in page
    paragraphs = [text for _, text, _ in _pdf_paragraphs(content)]
    assert "What the record says" in paragraphs
    assert f"• {content.card.figure_sentences[1]}" in paragraphs


def test_the_app_shows_the_card_for_a_region_and_period_from_the_url(
    fresh_caches: None,
) -> None:
    at = run({"region": "Tavush", "start": "2020-07-12", "end": "2020-07-16"})
    assert "Tavush, 12–16 July 2020: what the record says" in [shown(h.value) for h in at.subheader]
    text = "\n".join(shown(m.value) for m in at.markdown)
    assert (
        f"- Armenian authorities: 4 Armenian soldiers killed (source: {BBC}). "
        "Note: Armenia said two of the four were officers." in text
    )
    assert "- Azerbaijani army: Armenian troops killed — “hundreds”, no number given" in text
    assert "1. 12–16 July 2020 — Tavush Province (area only) — Battle: Armed clash" in text
    # the claims table below: a static table (text wraps, never cut), human words
    (claims,) = [t.value.map(shown) for t in at.table if "Event" in t.value.columns]
    assert list(claims["Measure"]) == ["killed", "killed", "facilities destroyed"]
    assert list(claims["Claimant"]) == [
        "Armenian authorities",
        "Azerbaijani army",
        "Azerbaijani army",
    ]
    assert claims["Note"].iloc[2].endswith("the schema has no measure for weapons other than "
                                           "vehicles.")  # fmt: skip


def test_the_app_card_covers_both_countries_for_all(fresh_caches: None) -> None:
    at = run({"start": "2020-07-12", "end": "2020-07-16"})
    assert "Armenia and Azerbaijan, 12–16 July 2020: what the record says" in [
        shown(h.value) for h in at.subheader
    ]
    text = "\n".join(shown(m.value) for m in at.markdown)
    assert "11 events: 6 protests, 3 battles, 1 riot and 1 strategic development." in text


def test_the_valid_hostile_files_make_a_card_whose_markdown_is_inert() -> None:
    """tests/hostile/valid: markup, Jinja, maths, formulas and huge figures, all as text."""
    from geo.layers import validate_paths

    report = validate_paths(sorted((Path(__file__).parent / "hostile" / "valid").glob("*.geojson")))
    assert not report.problems and report.events == 7
    data = unjoined(layers_to_frame(report.layers), episodes_frame(report.layers))
    card = region_card(data, View())
    assert card.counts_sentence == "7 events: 6 battles and 1 protest."
    assert (
        "  Implausible claimant: 1,000,000,000,000,000 killed: soldiers (source: Test Wire)."
        in (card.lines())
    )
    markdown = card_markdown(card)
    for raw in ('<b>Tovuz</b> & "co"', "$\\bar$ village", "<i>Wire</i> & Co"):
        assert raw not in markdown
        assert md_escape(raw) in markdown
        assert raw in shown(markdown)


def test_records_of_an_event_already_counted_are_listed_not_counted_twice() -> None:
    data = factories.world_dataset()
    events = data.events.copy()
    events["counted"] = True
    events.loc["border-2020-07-20-c", "counted"] = False  # linked to another dataset's event
    card = region_card(Dataset(events, data.episodes, data.admin), View(region="Alpha"))
    assert card.counts_sentence == (
        "1 event: 1 battle. 1 more record describes an event already counted, from another dataset."
    )
    assert [e.event_id for e in card.events] == ["alpha-2020-07-12-a", "border-2020-07-20-c"]


def rechunked(events: pd.DataFrame, size: int = 2) -> pd.DataFrame:
    """``events`` with every Arrow column split into chunks of ``size`` rows (as row groups)."""
    import pyarrow as pa

    out = events.copy()
    for name in out.columns:
        array = out[name].array
        if hasattr(array, "__arrow_array__") and isinstance(
            out[name].dtype, pd.ArrowDtype | pd.StringDtype
        ):
            whole = array.__arrow_array__()
            whole = whole.combine_chunks() if isinstance(whole, pa.ChunkedArray) else whole
            parts = pa.chunked_array([whole.slice(i, size) for i in range(0, len(whole), size)])
            out[name] = pd.Series(
                pd.array(parts, dtype=out[name].dtype)
                if isinstance(out[name].dtype, pd.StringDtype)
                else pd.arrays.ArrowExtensionArray(parts),
                index=out.index,
            )
    return out


CARD_VIEWS = (
    View(),
    View(region="Tavush"),
    View(start=date(2020, 7, 13), end=date(2020, 7, 16)),
    View(event_types=("Battles",)),
    View(countries=("AZE",)),
    View(start=date(1990, 1, 1), end=date(1990, 1, 2)),
)


def test_the_kept_date_order_and_chunked_columns_give_the_same_cards(
    imported: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large frame keeps its date order between cards, and its Arrow columns come in row
    groups; neither may change a card (here forced on the small imported frame)."""
    from geo import card as card_module

    fresh = [region_card(imported, v) for v in CARD_VIEWS]
    assert fresh[0].events and fresh[1].figures  # cards with something in them
    monkeypatch.setattr(card_module, "KEEP_ORDER_FROM", 0)
    assert [region_card(imported, v) for v in CARD_VIEWS] == fresh
    order = card_module.date_order(imported.events)
    assert card_module.date_order(imported.events) is order  # kept, not sorted again
    chunks = rechunked(imported.events)
    assert chunks["claims"].array.__arrow_array__().num_chunks > 1
    in_chunks = Dataset(chunks, imported.episodes, imported.admin)
    assert [region_card(in_chunks, v) for v in CARD_VIEWS] == fresh
    assert card_module.date_order(chunks) is not order  # another frame, its own order


def test_event_labels_name_known_events_by_place_and_date(curated: Dataset) -> None:
    from geo.card import event_labels

    ids = ["gobu-2020-07-12-night-protest", "baku-2020-07-15-parliament-storming"]
    assert event_labels(curated, [*ids, "no-such-event", "", None]) == {
        "gobu-2020-07-12-night-protest": "Gobu Park, Garadagh district, Baku (approximate), "
        "12–13 July 2020",
        "baku-2020-07-15-parliament-storming": "National Assembly (Milli Majlis), Baku "
        "(approximate), 14–15 July 2020",
    }
    assert event_labels(curated, []) == {}
    # an id twice in the record (two datasets may repeat one): the first event is named
    first = curated.events.loc[[ids[0]]]
    again = first.assign(location="Somewhere else", date_start=first["date_start"])
    doubled = Dataset(pd.concat([curated.events, again]), curated.episodes, curated.admin)
    assert event_labels(doubled, [ids[0]])[ids[0]].startswith("Gobu Park")
