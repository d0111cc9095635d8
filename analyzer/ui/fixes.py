"""Speaker fixes page: speaker roles, reassign / split / merge turns, re-analysis, history."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from analyzer import fixes
from analyzer.errors import AllianceInputError
from analyzer.labels import ROLES
from analyzer.session import Session
from analyzer.ui import common
from analyzer.ui.transcript import turn_header

NEW = "➕ new speaker…"


def _apply(session: Session, make: Callable[[Session], fixes.Fix]) -> None:
    """Apply one fix, re-analyse, save with its edit record; report the outcome."""
    from analyzer.ui import auth

    try:
        auth.require(session, "edit")
        fix = make(session)
        with st.spinner("Re-analysing the session…"):
            fixes.apply_fix(common.store(), session, fix, common.reviewer(), common.get_tagger())
    except AllianceInputError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    auth.audit("edit", session.id, fix=fix.action)
    note = "" if common.model_installed() else " (no tagger installed: markers not recomputed)"
    common.flash(f"{fix.action.replace('_', ' ')} saved and re-analysed{note}.")
    st.rerun()


def _speaker_choice(session: Session, key: str, label: str,
                    default: str | None = None) -> tuple[str, str | None]:
    """A speaker picker with a 'new speaker' option; returns (name, role for a new one)."""
    names = list(session.speakers)
    options = [*names, NEW]
    choice = st.selectbox(label, options, key=f"{key}-who",
                          index=options.index(default) if default in options else 0)
    if choice != NEW:
        return choice, None
    c = st.columns(2)
    name = c[0].text_input("New speaker's name", key=f"{key}-name")
    role = c[1].selectbox("Their role", ROLES, key=f"{key}-role", index=1)
    return name, role


def _roles_tab(session: Session) -> None:
    st.caption("A role belongs to a speaker and applies to all their turns.")
    changes = {}
    for i, (speaker, role) in enumerate(session.speakers.items()):
        c = st.columns([3, 2], vertical_alignment="center")
        c[0].markdown(common.speaker_md(session, speaker))
        new = c[1].selectbox("Role", ROLES, index=ROLES.index(role), key=f"fx-role-{i}",
                             label_visibility="collapsed")
        if new != role:
            changes[speaker] = new
    if st.button("Save roles and re-analyse", key="fx-roles", type="primary",
                 disabled=not changes):
        _apply(session, lambda s: fixes.set_speaker_roles(s, changes))


def _reassign_tab(session: Session, index: int) -> None:
    utt = session.utterances[index]
    others = [s for s in session.speakers if s != utt.speaker]
    speaker, role = _speaker_choice(session, "fx-reassign", "Give this turn to",
                                    others[0] if others else None)
    if st.button("Reassign and re-analyse", key="fx-reassign", type="primary"):
        _apply(session, lambda s: fixes.reassign_speaker(s, index, speaker, role))


def _split_tab(session: Session, index: int) -> None:
    utt = session.utterances[index]
    points = fixes.split_points(utt)
    if points:
        def show(at: int) -> str:
            return f"before “{utt.text[at:at + 40].strip()}…”"

        at = st.selectbox("Split", points, key="fx-split-at", format_func=show,
                          help="Sentence boundaries of the turn.")
    else:
        st.caption("This turn is one sentence: split at a character position.")
        at = int(st.number_input("Split before character", 1, max(len(utt.text) - 1, 1),
                                 value=max(len(utt.text) // 2, 1), key="fx-split-char"))
    c = st.columns(2)
    c[0].caption("First part")
    c[0].markdown(common.md_escape(utt.text[:at]))
    c[1].caption("Second part")
    c[1].markdown(common.md_escape(utt.text[at:]))
    speaker, role = _speaker_choice(session, "fx-split", "Second part is spoken by",
                                    utt.speaker)
    if st.button("Split and re-analyse", key="fx-split", type="primary"):
        _apply(session, lambda s: fixes.split_turn(s, index, at, speaker, role))


def _merge_tab(session: Session, index: int) -> None:
    if index + 1 >= len(session.utterances):
        st.caption("This is the last turn: nothing to merge it with.")
        return
    nxt = session.utterances[index + 1]
    st.markdown(f"Merge with the next turn, {turn_header(session, nxt, {})}:")
    st.caption(common.md_escape(nxt.text))
    if nxt.speaker != session.utterances[index].speaker:
        st.warning("The next turn has another speaker; the merged turn keeps this turn's.")
    if st.button("Merge and re-analyse", key="fx-merge", type="primary"):
        _apply(session, lambda s: fixes.merge_turns(s, index))


def _history(edits: list[dict[str, Any]]) -> None:
    if not edits:
        st.caption("No speaker fix yet.")
        return
    st.dataframe(pd.DataFrame([
        {"when": e["created_at"], "who": e["editor"], "action": e["action"],
         "what": json.dumps(e["details"], ensure_ascii=False),
         "previous": json.dumps(e["previous"], ensure_ascii=False)} for e in edits]),
        hide_index=True, width="stretch", key="fx-history")


def render() -> None:
    store = common.store()
    session = common.current_session(store)
    if session is None:
        return
    st.title(f"Speaker fixes · {session.id}", anchor=False)
    st.markdown(common.session_caption(session))
    common.show_flash()
    if not common.reviewer():
        st.warning("Enter your name as **Reviewer** in the sidebar: fixes are recorded "
                   "with who made them.")
    st.caption("Every fix re-analyses the session"
               + (" with the installed tagger" if common.model_installed() else
                  " (no tagger installed: sentences and summary are recomputed, markers are "
                  "not)") + " and is recorded with who, when, what and the previous state. "
               "Reviews follow their turns.")
    tabs = st.tabs(["Speaker roles", "Turns", "History"])
    with tabs[0]:
        _roles_tab(session)
    with tabs[1]:
        index = int(st.number_input("Turn", 0, max(len(session.utterances) - 1, 0),
                                    key="fx-turn", step=1))
        colors = common.speaker_colors(session)
        for i in range(max(0, index - 1), min(len(session.utterances), index + 2)):
            utt = session.utterances[i]
            with st.container(border=i == index):
                st.markdown(turn_header(session, utt, colors))
                (st.markdown if i == index else st.caption)(common.md_escape(utt.text))
        what = st.segmented_control("Fix", ["Reassign speaker", "Split", "Merge with next"],
                                    default="Reassign speaker", key="fx-what")
        if what == "Split":
            _split_tab(session, index)
        elif what == "Merge with next":
            _merge_tab(session, index)
        else:
            _reassign_tab(session, index)
    with tabs[2]:
        _history(store.edits(session.id))
