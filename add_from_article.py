"""Add from article: find candidate events in a news text, correct them, accept or merge them.

Widgets and layout only; the work is done by ``geo.ingest`` and ``geo.review``. The map
(``app.py``) shows this page for ``?page=add-from-article`` (a link at the bottom of its
sidebar); ``streamlit run add_from_article.py`` runs it on its own.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from geo._errors import ConflictMapError, ValidationError
from geo.config import Settings
from geo.events import EVENT_TYPES
from geo.gazetteer import Gazetteer
from geo.ingest import ArticleMeta, PlaceIndex, decode_article, extract, to_draft
from geo.markdown import md_escape
from geo.review import (
    accept,
    accept_new_layer,
    claims_from_rows,
    corrected,
    event_ids,
    evidence_markdown,
    layer_files,
    merge,
)

ACTIONS = (
    "Review",
    "Accept into a layer",
    "Start a new layer",
    "Merge into an existing event",
    "Reject",
)
CLAIM_COLUMNS = [
    "claimant", "claimant_type", "measure", "subject", "side", "group", "qualifier",
    "value", "low", "high", "text", "via", "source",
]  # fmt: skip


@st.cache_resource
def place_index(data_dir: str) -> PlaceIndex:
    settings = Settings(data_dir=Path(data_dir))
    return PlaceIndex.default(Gazetteer.default(settings), settings.data_dir)


def show_error(exc: Exception) -> None:
    problems = exc.problems if isinstance(exc, ValidationError) else [str(exc)]
    st.error("\n\n".join(md_escape(p) for p in problems))


def find_candidates(settings: Settings) -> None:
    upload = st.session_state.get("article_file")
    raw = upload.getvalue() if upload is not None else st.session_state["article_text"].encode()
    name = st.session_state["article_name"].strip() or (upload.name if upload else "article")
    try:
        text = decode_article(raw, origin=name)
        meta = ArticleMeta(st.session_state["published"], st.session_state["outlet"] or None, name)
        found = extract(text, meta, place_index(str(settings.data_dir)))
        st.session_state["draft"] = to_draft(found)
        st.session_state["text"] = text
        st.session_state["done"] = {}
    except ConflictMapError as exc:
        st.session_state.pop("draft", None)
        st.session_state["find_error"] = exc


def candidate_panel(feature: dict[str, Any], text: str, settings: Settings) -> None:
    props, cand = feature["properties"], feature["candidate"]
    cid = cand["id"]
    gazetteer = Gazetteer.default(settings)
    marks = [tuple(cand["place"]["mention"])]
    if cand["date"]:
        marks.append(tuple(cand["date"]["mention"]))
    for start, end in cand["evidence"]:
        st.markdown("> " + evidence_markdown(text, start, end, marks))
    for issue in cand["issues"]:
        st.caption(md_escape(issue))
    place_ids = [p.place_id for p in gazetteer.places]
    current = props.get("place_id")
    left, right = st.columns(2)
    place = left.selectbox(
        "Place (gazetteer)",
        place_ids,
        index=place_ids.index(current) if current in place_ids else None,
        key=f"place_{cid}",
    )
    day = right.date_input(
        "Event date", value=date.fromisoformat(props["event_date"]), key=f"date_{cid}"
    )
    types = list(EVENT_TYPES)
    event_type = left.selectbox(
        "Event type (proposed)", types, index=types.index(props["event_type"]), key=f"type_{cid}"
    )
    subs = list(EVENT_TYPES[event_type])
    sub = right.selectbox(
        "Sub-event type",
        subs,
        index=subs.index(props["sub_event_type"]) if props["sub_event_type"] in subs else 0,
        key=f"sub_{cid}",
    )
    table = pd.DataFrame(props["claims"], columns=CLAIM_COLUMNS)
    edited = st.data_editor(table, num_rows="dynamic", key=f"claims_{cid}")
    action = st.radio("Decision", ACTIONS, horizontal=True, key=f"action_{cid}")
    if action == "Review":
        return
    if action == "Reject":
        st.session_state["done"][cid] = "rejected"
        st.info(f"Candidate {cid} rejected; nothing is written.")
        return
    files = [p.name for p in layer_files(settings.layers_dir)]
    if action == "Start a new layer":
        layer_name = st.text_input("New layer file (e.g. syunik-2024-02.geojson)", key=f"new_{cid}")
        st.text_input("Episode title", key=f"title_{cid}")
    else:
        layer_name = st.selectbox("Layer", files, key=f"layer_{cid}")
    target = None
    if action == "Merge into an existing event":
        target = st.selectbox(
            "Event to merge into", event_ids(settings.layers_dir / layer_name), key=f"into_{cid}"
        )
    else:
        st.text_input("Event id (optional)", key=f"event_id_{cid}")
    if not st.button("Apply", key=f"apply_{cid}"):
        return
    if not layer_name or (action == "Start a new layer" and Path(layer_name).name != layer_name):
        st.error("Give a layer file name (no folders), e.g. syunik\\-2024\\-02\\.geojson")
        return
    path = settings.layers_dir / layer_name
    try:
        props_ok, point = corrected(
            feature,
            gazetteer=gazetteer,
            place_id=place if place != current else None,
            event_date=day.isoformat() if day.isoformat() != props["event_date"] else None,
            event_type=event_type,
            sub_event_type=sub,
            event_id=st.session_state.get(f"event_id_{cid}") or None,
            claims=claims_from_rows(edited.to_dict("records")),
            require_point=target is None,
        )
        if action == "Start a new layer":
            assert point is not None
            title = st.session_state.get(f"title_{cid}") or ""
            layer = accept_new_layer(
                props_ok, point, path, title=title, gazetteer=gazetteer,
                layers_dir=settings.layers_dir,
            )  # fmt: skip
            message = f"Started {layer_name} with {props_ok.event_id}."
        elif target is None:
            assert point is not None
            layer = accept(
                props_ok, point, path, gazetteer=gazetteer, layers_dir=settings.layers_dir
            )
            message = f"Added {props_ok.event_id} to {layer_name} ({len(layer.events)} events)."
        else:
            merge(props_ok, path, target, gazetteer=gazetteer)
            message = f"Merged {cid} into {target} in {layer_name}."
    except ConflictMapError as exc:
        show_error(exc)
        return
    st.session_state["done"][cid] = message
    st.success(md_escape(message))


PAGE_PARAM = "add-from-article"


def main(*, configure: bool = True) -> None:
    """Draw the page; ``configure=False`` when the caller has set the page config."""
    if configure:
        st.set_page_config(page_title="Add from article", layout="wide")
    settings = Settings.from_env()
    st.title("Add from article")
    st.markdown("[Back to the map](./)")
    st.caption(
        "Paste a news article or upload it (text or HTML). Candidate events are proposals: "
        "nothing is written to the layers until you accept or merge one."
    )
    st.text_area("Article text", key="article_text", height=200)
    st.file_uploader("…or upload a file", type=["txt", "html", "htm"], key="article_file")
    left, mid, right = st.columns(3)
    left.date_input("Publication date", value=date.today(), key="published")
    mid.text_input("Outlet", key="outlet")
    right.text_input("Article name (e.g. the seed file name)", key="article_name")
    if st.button("Find candidates", key="find"):
        st.session_state.pop("find_error", None)
        find_candidates(settings)
    if "find_error" in st.session_state:
        show_error(st.session_state["find_error"])
    draft = st.session_state.get("draft")
    if not draft:
        return
    features = draft["features"]
    st.subheader(f"{len(features)} candidate(s)")
    for feature in features:
        props, cand = feature["properties"], feature["candidate"]
        label = (
            f"{cand['id']} · {cand['confidence']:.2f} · {props['event_date']} · "
            f"{props['sub_event_type']} · {props['location']}"
        )
        status = st.session_state["done"].get(cand["id"])
        with st.expander(md_escape(label + (f" — {status}" if status else ""))):
            candidate_panel(feature, st.session_state["text"], settings)
    if draft["draft"]["claims"]:
        st.subheader("Figures not tied to a place")
        st.dataframe(pd.DataFrame(draft["draft"]["claims"]))


if __name__ == "__main__":
    main()
