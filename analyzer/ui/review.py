"""Session review page: header, interactive timeline, transcript pane and the review panel.

The reviewed state shown is every reviewer's decisions folded together (latest wins); the
Review workflow page can show one reviewer's state and their agreement with the model.
"""

from __future__ import annotations

import streamlit as st

from analyzer.review import filter_turns, progress, review_state
from analyzer.session import Session
from analyzer.ui import actions, common, timeline, transcript


def header(session: Session, done: int, total: int) -> None:
    st.title(f"Session {session.id}", anchor=False)
    st.markdown(common.session_caption(session))
    prof = session.summary.get("profile") or {}
    episodes = prof.get("episodes") or {}
    cols = st.columns(4)
    index, ci = prof.get("alliance_index"), prof.get("alliance_index_ci")
    cols[0].metric("Alliance index", "–" if index is None else f"{index:.1f}",
                   help="T-score scale, 50 = typical of the reference sessions"
                        + (f"; 95% CI {ci[0]:.1f}–{ci[1]:.1f}" if ci else ""))
    cols[1].metric("Rupture episodes", episodes.get("total", 0),
                   help=f"resolved {episodes.get('resolved', 0)}, unresolved "
                        f"{episodes.get('unresolved', 0)}, unclear {episodes.get('unclear', 0)}")
    cols[2].metric("Model markers reviewed", f"{done} / {total}")
    cols[3].metric("Roles", "inferred" if session.roles_inferred else "given",
                   help="Inferred roles are a guess: check them on the Speaker fixes page.")
    if not session.summary.get("tagged"):
        st.info("No model markers: the tagger model is not installed "
                "(models/alliance-tagger). You can still add markers by hand.",
                icon=":material/info:")
    if session.roles_inferred:
        st.warning("Speaker roles were inferred by a heuristic. Check them on the "
                   "Speaker fixes page.", icon=":material/warning:")


def _go_to() -> None:
    transcript.set_focus(st.session_state.get("goto_utterance"))


def render() -> None:
    store = common.store()
    session = common.current_session(store)
    if session is None:
        return
    transcript.ensure_focus_state(session)
    state = review_state(session, store.reviews(session.id))
    header(session, *progress(state))
    with st.container(horizontal=True):
        common.nav_button("Review workflow", "workflow", key="rv-to-workflow",
                          icon=":material/checklist:")
        common.nav_button("Speaker fixes", "fixes", key="rv-to-fixes",
                          icon=":material/record_voice_over:")
        common.nav_button("Dyad trends", "dyads", key="rv-to-dyads",
                          icon=":material/monitoring:")
        common.nav_button("Export", "export", key="rv-to-export", icon=":material/download:")

    if any(u.scores or u.annotations for u in session.utterances):
        timeline.render(session, store.updated_at(session.id))
    flt = transcript.filters(session)
    indices = filter_turns(session, state, markers=flt.markers, speakers=flt.speakers,
                           min_confidence=flt.min_confidence, marked_only=flt.marked_only)
    left, right = st.columns([1.25, 1], gap="large")
    with left:
        st.subheader("Transcript", anchor=False)
        st.number_input("Go to utterance", 0, max(len(session.utterances) - 1, 0),
                        value=None, step=1, key="goto_utterance", placeholder="#",
                        on_change=_go_to)
        transcript.render(session, state, flt, indices, common.speaker_colors(session))
    with right:
        st.subheader("Review", anchor=False)
        focus = transcript.focused()
        if focus is None or not 0 <= focus < len(session.utterances):
            st.info("Click a point on the timeline, or **Review** on a turn, to review it.")
        else:
            with st.container(border=True, key="review-panel"):
                actions.review_panel(store, session, state[focus], focus, prefix="rv")
