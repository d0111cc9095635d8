"""Review workflow page: work through the model's markers, see model vs reviewed state and
per-label agreement (Cohen's kappa, model vs reviewer) for the session."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from analyzer.labels import LABELS
from analyzer.review import (
    UtteranceReview,
    progress,
    queue,
    review_state,
    reviewers,
    session_agreement,
)
from analyzer.session import Session
from analyzer.ui import actions, common
from analyzer.ui.transcript import chips, text_md, turn_header

ALL = "All reviewers (latest decision wins)"
ITEM = "wf_item"
STATUS = {"pending": "To review", "decided": "Reviewed", "all": "All"}
ORDER = {"session": "Session order", "lowest": "Least confident first",
         "highest": "Most confident first"}


@st.cache_data(max_entries=64, show_spinner=False)
def _agreement(session_id: str, fingerprint: tuple[Any, ...], _session: Session,
               _state: dict[int, UtteranceReview]) -> pd.DataFrame:
    rows = [{"label": common.label_name(a.label), "reviewed turns": a.n,
             "model positives": a.positives_a, "reviewer positives": a.positives_b,
             "observed agreement": round(a.observed, 3) if a.n else None,
             "kappa": None if a.kappa is None else round(a.kappa, 3),
             "95% CI": "" if a.ci_low is None else f"{a.ci_low:.2f} – {a.ci_high:.2f}"}
            for a in session_agreement(_session, _state)]
    return pd.DataFrame(rows)


def _step(items: list[str], delta: int) -> None:
    current = st.session_state.get(ITEM)
    pos = items.index(current) if current in items else 0
    st.session_state[ITEM] = items[max(0, min(len(items) - 1, pos + delta))]


def _context(session: Session, index: int, state: dict[int, UtteranceReview]) -> None:
    colors = common.speaker_colors(session)
    for i in range(max(0, index - 2), min(len(session.utterances), index + 3)):
        utt = session.utterances[i]
        with st.container(border=i == index):
            line = turn_header(session, utt, colors)
            if i == index:
                st.markdown(line)
                st.markdown(text_md(utt, bool(state[i].effective())))
                st.markdown(chips(state[i]) or "")
            else:
                st.caption(line)
                st.caption(common.md_escape(utt.text))


def _comparison(state: dict[int, UtteranceReview], session: Session) -> pd.DataFrame:
    rows = []
    for s in state.values():
        if not (s.decided or s.comments):
            continue
        who = sorted({lab.reviewer for lab in s.labels.values() if lab.reviewer})
        rows.append({"#": s.index, "speaker": session.utterances[s.index].speaker,
                     "model": ", ".join(map(common.label_name, s.model_labels)),
                     "reviewed": ", ".join(map(common.label_name, s.effective())),
                     "agrees": not s.changed if s.decided else None,
                     "reviewer": ", ".join(who), "comments": len(s.comments),
                     "stale": s.stale})
    return pd.DataFrame(rows, columns=["#", "speaker", "model", "reviewed", "agrees",
                                       "reviewer", "comments", "stale"])


def render() -> None:
    store = common.store()
    session = common.current_session(store)
    if session is None:
        return
    log = store.reviews(session.id)
    st.title(f"Review workflow · {session.id}", anchor=False)
    st.markdown(common.session_caption(session))
    names = reviewers(log)
    me = common.reviewer()
    options = [ALL, *names] if me in names or not me else [ALL, me, *names]
    by = st.selectbox("Reviewed state of", options, key="wf_by", width=420)
    state = review_state(session, log, None if by == ALL else by)
    done, total = progress(state)
    st.progress(done / total if total else 0.0,
                text=f"{done} of {total} model markers reviewed" if total
                else "No model markers in this session (add missed ones below).")

    c = st.columns([2, 2, 3])
    status = c[0].segmented_control("Queue", list(STATUS), format_func=STATUS.get,
                                    default="pending", key="wf_status") or "pending"
    order = c[1].selectbox("Order", list(ORDER), format_func=ORDER.get, key="wf_order")
    labels = c[2].multiselect("Labels", list(LABELS), format_func=common.label_name,
                              key="wf_labels", placeholder="all labels")
    items = [f"{i}:{lb}" for i, lb in queue(state, status=status, order=order, labels=labels)]
    left, right = st.columns([3, 2], gap="large")
    with left:
        if items:
            if st.session_state.get(ITEM) not in items:
                st.session_state[ITEM] = items[0]

            def describe(item: str) -> str:
                i, lb = item.split(":")
                ls = state[int(i)].labels[lb]
                return (f"#{i} · {session.utterances[int(i)].speaker} · {common.label_name(lb)}"
                        f" {ls.probability or 0:.2f} · {ls.status}")

            item = st.selectbox(f"Marker ({len(items)} in the queue)", items, key=ITEM,
                                format_func=describe)
            with st.container(horizontal=True):
                st.button("Previous", key="wf-prev", on_click=_step, args=(items, -1),
                          icon=":material/arrow_back:")
                st.button("Next", key="wf-next", on_click=_step, args=(items, 1),
                          icon=":material/arrow_forward:")
            index = int(item.split(":")[0])
        else:
            st.success("Nothing in this queue." if total else "The model marked nothing here.")
            index = None
        any_turn = st.toggle("Review any turn (to add a marker the model missed)",
                             key="wf_any", value=index is None)
        if any_turn or index is None:
            turn = int(st.number_input("Turn", 0, max(len(session.utterances) - 1, 0),
                                       key="wf_turn"))
        else:
            turn = index
        _context(session, turn, state)
    with right, st.container(border=True, key="workflow-panel"):
        actions.review_panel(store, session, state[turn], turn, prefix="wf")

    st.subheader("Model vs reviewed", anchor=False)
    table = _comparison(state, session)
    if table.empty:
        st.caption("No reviewed turn yet.")
    else:
        st.dataframe(table, hide_index=True, width="stretch", key="wf-compare")
    st.subheader("Agreement with the model", anchor=False)
    st.caption("Per label, Cohen's kappa between the model's labels and the reviewed labels "
               "over the turns with at least one reviewer decision (95% bootstrap CI). "
               "Kappa is undefined (empty) when neither side marked the label.")
    if any(s.decided for s in state.values()):
        fingerprint = (by, len(log), log[-1]["pk"] if log else 0)
        st.dataframe(_agreement(session.id, fingerprint, session, state), hide_index=True,
                     width="stretch", key="wf-agreement", placeholder="–")
    else:
        st.caption("Agreement appears once turns have been reviewed.")
    with st.expander(f"Activity log ({len(log)} actions)"):
        st.dataframe(pd.DataFrame(
            [{"when": r["created_at"], "reviewer": r["reviewer"], "turn": r["utterance_index"],
              "action": r["action"], "label": r["label"], "new label": r["new_label"],
              "subtype": r["subtype"], "comment": r["comment"],
              "model said": ", ".join(r["model_output"].get("labels", []))} for r in log]),
            hide_index=True, width="stretch")
