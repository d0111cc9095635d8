"""Streamlit entry point: ``make run`` or ``alliance app``. Thin: all logic is in ``analyzer``."""

from __future__ import annotations

import streamlit as st

from analyzer.storage import Store, default_db_url
from analyzer.views import library_rows, transcript_rows

st.set_page_config(page_title="alliance-analyzer", layout="wide")


@st.cache_resource
def get_store(url: str) -> Store:
    return Store(url)


store = get_store(default_db_url())
st.title("alliance-analyzer")
st.caption(f"Database: {store.url}")

stored = store.list_sessions()
if not stored:
    st.info("No sessions stored yet. Analyse some with `alliance analyze PATH --consent SCOPE`.")
    st.stop()

st.subheader("Sessions")
st.dataframe(library_rows(stored), hide_index=True, width="stretch")

ids = [r["id"] for r in stored]
chosen = st.selectbox("Open a session", ids, key="session_id")
session = store.load(chosen) if chosen else None
if session is not None:
    st.subheader(f"Session {session.id}")
    cols = st.columns(4)
    cols[0].metric("Utterances", len(session.utterances))
    cols[1].metric("Consent", session.consent.scope if session.consent else "-")
    cols[2].metric("Speakers", len(session.speakers))
    cols[3].metric("Roles", "inferred" if session.roles_inferred else "given")
    st.write("Speakers and roles:")
    st.table([{"speaker": k, "role": v} for k, v in session.speakers.items()])
    if not session.summary.get("tagged"):
        st.caption("No markers yet: the tagger model is not installed.")
    st.dataframe(transcript_rows(session), hide_index=True, width="stretch")
