"""Export page: reviewed annotations as CSV and corpus JSONL/JSON; the HTML session report."""

from __future__ import annotations

import streamlit as st

from analyzer import exports
from analyzer.review import review_state, reviewers
from analyzer.ui import common

ALL = "All reviewers (latest decision wins)"
UNREVIEWED = {"model": "keep the model's labels", "none": "leave them unlabelled"}


def render() -> None:
    store = common.store()
    st.title("Export", anchor=False)
    from analyzer.ui import auth

    stored = [r for r in store.list_sessions()
              if auth.allowed(r, "export") or auth.allowed(r, "research-export")]
    if not stored:
        st.info("No sessions you may export are stored.")
        return
    ids = [r["id"] for r in stored]
    current = st.session_state.get("session")
    if "export_sessions" not in st.session_state:
        st.session_state["export_sessions"] = [current] if current in ids else ids[:1]
    chosen = st.multiselect("Sessions", ids, key="export_sessions")
    if not chosen:
        st.info("Choose at least one session.")
        return
    loaded = [auth.as_viewed(s) for s in (common.load_session(store, i) for i in chosen)
              if s is not None]

    def audited(kind: str) -> None:
        auth.audit("export", None, format=kind, sessions=[s.id for s in loaded])
    logs = {s.id: store.reviews(s.id) for s in loaded}
    names = reviewers([r for log in logs.values() for r in log])
    c = st.columns(2)
    by = c[0].selectbox("Reviews by", [ALL, *names], key="export_by")
    unreviewed = c[1].radio("Turns nobody reviewed", list(UNREVIEWED), key="export_unreviewed",
                            format_func=UNREVIEWED.get, horizontal=True)
    items = [(s, review_state(s, logs[s.id], None if by == ALL else by)) for s in loaded]
    reviewed = sum(turn.decided for _, state in items for turn in state.values())
    st.caption(f"{len(items)} session(s), {reviewed} reviewed turn(s).")
    missing = exports.missing_subtypes(items)
    if missing:
        st.warning(f"{len(missing)} reviewed label(s) have no subtype; "
                   "`alliance corpus check` needs one per label before they become training "
                   "data (set it when confirming, relabelling or adding).")

    st.subheader("Reviewed annotations", anchor=False)
    stem = chosen[0] if len(chosen) == 1 else f"{len(chosen)}-sessions"
    c = st.columns(2)
    c[0].download_button("CSV (one row per utterance)", exports.reviewed_csv(items, unreviewed),
                         file_name=f"{stem}-reviewed.csv", mime="text/csv", key="dl-csv",
                         icon=":material/table:", on_click=audited, args=("csv",))
    c[1].download_button("JSONL (corpus format, one session per line)",
                         exports.corpus_jsonl(items, unreviewed),
                         file_name=f"{stem}-reviewed.jsonl", mime="application/jsonl",
                         key="dl-jsonl", icon=":material/data_object:",
                         on_click=audited, args=("jsonl",))
    st.caption("The corpus format is the project's session JSON with per-utterance `labels` "
               "and `subtypes` (as in training/data/synthetic); the CSV's session_id, index "
               "and labels columns work with `alliance agreement`.")

    st.subheader("One session", anchor=False)
    one = st.selectbox("Session", [s.id for s in loaded], key="export_one")
    session, state = next(item for item in items if item[0].id == one)
    c = st.columns(2)
    c[0].download_button("Corpus JSON", exports.corpus_json(session, state, unreviewed),
                         file_name=f"{session.id}.json", mime="application/json",
                         key="dl-json", icon=":material/data_object:",
                         on_click=audited, args=("json",))
    c[1].download_button("HTML report", lambda: exports.report_html(session),
                         file_name=f"{session.id}-report.html", mime="text/html",
                         key="dl-html", icon=":material/description:",
                         on_click=audited, args=("html",))
    st.caption("The report is generated when you click (its timeline is drawn offline); "
               "transcript text in it is escaped and it loads nothing from the network.")
