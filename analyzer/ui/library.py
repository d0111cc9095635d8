"""Session library page: stored sessions with search, filters and sorting; open one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analyzer.catalog import SORT_KEYS, catalog_rows, filter_rows, sort_rows, therapist_names
from analyzer.labels import LABELS
from analyzer.ui import common

COLUMNS = ["session", "date", "therapist", "client", "consent", "duration", "utterances",
           *LABELS, "alliance_index", "reviewed", "roles"]
PICK = "library_pick"


def _column_config() -> dict[str, object]:
    config: dict[str, object] = {
        "session": st.column_config.TextColumn("Session", pinned=True),
        "date": st.column_config.TextColumn("Date"),
        "therapist": "Therapist", "client": "Client (pseudonym)", "consent": "Consent",
        "duration": "Duration", "utterances": st.column_config.NumberColumn("Utterances"),
        "alliance_index": st.column_config.NumberColumn(
            "Alliance index", format="%.1f",
            help="T-score scale, 50 = typical of the reference sessions"),
        "reviewed": st.column_config.NumberColumn("Reviewed turns"),
        "roles": "Roles",
    }
    for lb in LABELS:
        config[lb] = st.column_config.NumberColumn(common.label_name(lb), format="%d",
                                                   help=f"{common.label_name(lb)} markers")
    return config


def _on_table_select(ids: list[str]) -> None:
    rows = st.session_state["library_table"].selection.rows
    if rows:
        st.session_state[PICK] = ids[rows[0]]


def _delete() -> None:
    from analyzer.errors import AllianceInputError
    from analyzer.ui import auth

    session_id = st.session_state.get(PICK)
    try:
        if session_id:
            auth.require(session_id, "delete")
    except AllianceInputError as exc:
        common.flash(str(exc), "error")
        return
    if session_id and common.store().delete(session_id):
        auth.audit("delete", session_id)
        if st.session_state.get("session") == session_id:
            st.session_state["session"] = None
        common.flash(f"Deleted session {session_id} with its reviews and edit history.")


def render() -> None:
    store = common.store()
    head = st.columns([4, 1], vertical_alignment="bottom")
    head[0].title("Session library", anchor=False)
    with head[1]:
        common.nav_button("Add a session", "add", key="lib-add", icon=":material/upload_file:")
    common.show_flash()
    from analyzer.ui import auth

    stored = auth.visible(store.list_sessions())
    if not stored:
        st.info("No sessions stored yet. Add one here, or analyse some with "
                "`alliance analyze PATH --consent SCOPE`.")
        common.nav_button("Add a session", "add", key="lib-add-empty", primary=True,
                          icon=":material/upload_file:")
        return
    rows = catalog_rows(stored, store.review_counts())

    c = st.columns([3, 2, 2, 1.6, 1.2])
    query = c[0].text_input("Search", key="lib_query", placeholder="session, therapist, client…",
                            icon=":material/search:")
    consents = c[1].multiselect("Consent", sorted({r["consent"] for r in rows if r["consent"]}),
                                key="lib_consent", placeholder="any")
    therapists = c[2].multiselect("Therapist", therapist_names(rows), key="lib_therapist",
                                  placeholder="any")
    sort_key = c[3].selectbox("Sort by", list(SORT_KEYS), key="lib_sort")
    descending = c[4].toggle("Descending", value=True, key="lib_desc")
    t = st.columns([1, 1, 4])
    tagged_only = t[0].toggle("Tagged only", key="lib_tagged")
    reviewed_only = t[1].toggle("Reviewed only", key="lib_reviewed")
    shown = sort_rows(filter_rows(rows, query=query, consents=consents, therapists=therapists,
                                  tagged_only=tagged_only, reviewed_only=reviewed_only),
                      sort_key, descending)
    t[2].caption(f"{len(shown)} of {len(rows)} sessions · select a row to open it")
    ids = [r["session"] for r in shown]
    frame = pd.DataFrame(shown, columns=list(rows[0].keys()))[COLUMNS]
    st.dataframe(frame, hide_index=True, width="stretch", column_config=_column_config(),
                 key="library_table", on_select=lambda: _on_table_select(ids),
                 selection_mode="single-row", placeholder="–")
    if not ids:
        st.info("No session matches the search and filters.")
        return

    if st.session_state.get(PICK) not in ids:
        st.session_state[PICK] = ids[0]
    by_id = {r["session"]: r for r in shown}
    st.subheader("Open a session", anchor=False)
    pick = st.selectbox("Session", ids, key=PICK, label_visibility="collapsed",
                        format_func=lambda i: f"{i} · {by_id[i]['client']} · {by_id[i]['date']}")
    with st.container(horizontal=True):
        common.nav_button("Open review", "review", pick, key="lib-open", pick_key=PICK,
                          primary=True, icon=":material/timeline:")
        common.nav_button("Review workflow", "workflow", pick, key="lib-workflow", pick_key=PICK,
                          icon=":material/checklist:")
        common.nav_button("Speaker fixes", "fixes", pick, key="lib-fixes", pick_key=PICK,
                          icon=":material/record_voice_over:")
        common.nav_button("Dyad trends", "dyads", pick, key="lib-dyads", pick_key=PICK,
                          icon=":material/monitoring:")
        common.nav_button("Export", "export", pick, key="lib-export", pick_key=PICK,
                          icon=":material/download:")
        with st.popover("Delete", icon=":material/delete:"):
            st.markdown(f"Delete **{common.md_escape(pick)}** with its reviews and edit "
                        "history? This cannot be undone.")
            st.button("Delete for good", key="lib-delete", type="primary", on_click=_delete)
