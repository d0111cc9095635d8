"""The review panel for one utterance: confirm, reject, relabel, add a marker, comment.

Shared by the Session review page (focused turn) and the Review workflow page (queue item).
Every button is a callback that re-reads the review log, validates the action
(``analyzer.review.check_action``) and appends it; a refusal becomes a message, never a
traceback. Widget keys are ``<prefix>-<what>-<utterance>[-<label>]``.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from analyzer.labels import ALLOWED_ROLES, LABELS, SUBTYPES
from analyzer.review import UtteranceReview, record_review, review_state
from analyzer.session import Session
from analyzer.storage import Store
from analyzer.ui.common import flash, label_name, md_escape, reviewer, show_flash
from analyzer.ui.transcript import chip, text_md

NO_SUBTYPE = "(no subtype)"


def _subtype(value: Any) -> str | None:
    return None if value in (None, NO_SUBTYPE) else str(value)


def act(st_store: Store, session: Session, index: int, action: str, prefix: str,
        label: str | None = None) -> None:
    """Widget callback: read the panel's widgets, validate and store one action."""
    from analyzer.errors import AllianceInputError

    state = st.session_state
    key = f"{prefix}-%s-{index}"
    fields: dict[str, Any] = {"label": label}
    if action == "confirm":
        fields["subtype"] = _subtype(state.get(f"{key % 'subtype'}-{label}"))
    elif action == "relabel":
        fields["label"] = state.get(key % "relabel-from")
        fields["new_label"] = state.get(key % "relabel-to")
        fields["subtype"] = _subtype(state.get(key % "relabel-subtype"))
    elif action == "add":
        fields["label"] = state.get(key % "add-label")
        fields["subtype"] = _subtype(state.get(key % "add-subtype"))
    elif action == "comment":
        fields["comment"] = state.get(key % "comment-text") or ""
    from analyzer.ui import auth

    try:
        auth.require(session, "edit")
        current = review_state(session, st_store.reviews(session.id))[index]
        record_review(st_store, session, index, action, reviewer=reviewer(), state=current,
                      **fields)
    except AllianceInputError as exc:
        flash(str(exc), "error")
        return
    auth.audit("edit", session.id, review=action, utterance=index)
    if action == "comment":
        state[key % "comment-text"] = ""
    what = fields.get("new_label") or fields.get("label") or ""
    flash(f"{action} {label_name(what)} on #{index} saved".replace("  ", " "))


def _allowed(session: Session, index: int, state: UtteranceReview) -> list[str]:
    role = session.utterances[index].role
    kept = set(state.effective())
    return [lb for lb in LABELS if role in ALLOWED_ROLES[lb] and lb not in kept]


def review_panel(st_store: Store, session: Session, state: UtteranceReview, index: int,
                 prefix: str) -> None:
    """Everything a reviewer can do with utterance ``index``."""
    utt = session.utterances[index]
    key = f"{prefix}-%s-{index}"
    args = (st_store, session, index)
    show_flash()
    if not reviewer():
        st.warning("Enter your name as **Reviewer** in the sidebar to record reviews.")
    st.markdown(f"**#{index} · {md_escape(utt.speaker)}** ({utt.role})")
    st.markdown(text_md(utt, bool(state.effective())))

    st.markdown("**Model markers**" if state.model_labels else "**Markers**")
    if not state.labels:
        st.caption("No marker on this turn.")
    for lb in LABELS:
        ls = state.labels.get(lb)
        if ls is None:
            continue
        note = f" · {md_escape(ls.note)}" if ls.note else ""
        by = f" · {md_escape(ls.reviewer)}" if ls.reviewer else ""
        st.markdown(f"{chip(ls)} {ls.status}{by}{note}")
        options = [NO_SUBTYPE, *SUBTYPES[lb]]
        with st.container(horizontal=True, vertical_alignment="center"):
            st.button("Confirm", key=f"{key % 'confirm'}-{lb}", on_click=act,
                      args=(*args, "confirm", prefix, lb), icon=":material/check:",
                      disabled=ls.status == "confirmed")
            st.button("Reject", key=f"{key % 'reject'}-{lb}", on_click=act,
                      args=(*args, "reject", prefix, lb), icon=":material/close:",
                      disabled=not ls.kept)
            st.selectbox("Subtype", options, key=f"{key % 'subtype'}-{lb}",
                         index=options.index(ls.subtype) if ls.subtype in options else 0,
                         format_func=label_name, label_visibility="collapsed",
                         help="Codebook subtype, saved with Confirm (optional).")

    kept = state.effective()
    targets = _allowed(session, index, state)
    if kept and targets:
        with st.expander("Relabel a marker"):
            cols = st.columns(2)
            cols[0].selectbox("From", kept, key=key % "relabel-from", format_func=label_name)
            to = cols[1].selectbox("To", targets, key=key % "relabel-to",
                                   format_func=label_name)
            st.selectbox("Subtype of the new label", [NO_SUBTYPE, *SUBTYPES[to]],
                         key=key % "relabel-subtype", format_func=label_name)
            st.button("Relabel", key=key % "relabel", on_click=act,
                      args=(*args, "relabel", prefix), icon=":material/swap_horiz:")
    with st.expander("Add a missed marker", expanded=not state.labels):
        if targets:
            cols = st.columns(2)
            new = cols[0].selectbox("Label", targets, key=key % "add-label",
                                    format_func=label_name)
            cols[1].selectbox("Subtype", [NO_SUBTYPE, *SUBTYPES[new]], key=key % "add-subtype",
                              format_func=label_name)
            st.button("Add marker", key=key % "add", on_click=act, args=(*args, "add", prefix),
                      icon=":material/add:")
        else:
            st.caption(f"Every label allowed on a {utt.role} turn is already marked.")
    with st.expander(f"Comments ({len(state.comments)})", expanded=bool(state.comments)):
        for c in state.comments:
            st.markdown(f"**{md_escape(c['reviewer'])}** · {md_escape(c['at'][:16])}  \n"
                        f"{md_escape(c['text'])}")
        st.text_area("Comment", key=key % "comment-text", height=80, max_chars=2000,
                     placeholder="What should a supervisor notice here?")
        st.button("Save comment", key=key % "comment", on_click=act,
                  args=(*args, "comment", prefix), icon=":material/comment:")
