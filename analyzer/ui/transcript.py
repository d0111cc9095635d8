"""The transcript pane: filters, speaker-coloured turns, marker chips, evidence highlight.

The pane shows a window of turns (``per page``) starting at an anchor utterance. Focusing a
turn (a timeline click, "Go to", a turn's Review button, the queue) moves the anchor two
turns above it, so the focused turn is in view with a little context; Earlier/Later page the
window. All text goes through ``md_escape``.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import streamlit as st

from analyzer.labels import LABELS
from analyzer.render import clock
from analyzer.review import LabelState, UtteranceReview, evidence_span, visible_labels
from analyzer.session import Session, Utterance
from analyzer.ui.common import LABEL_COLORS, label_name, md_escape, speaker_md

FOCUS, ANCHOR, FOCUS_SESSION = "focus", "anchor", "focus_session"
CONTEXT = 2  # turns shown above the focused one
LEGEND = ("Chips: model markers with their probability · :material/check: confirmed · "
          ":material/add: added by a reviewer · :material/close: rejected · "
          ":material/arrow_forward: relabelled · :material/comment: comments · "
          "highlighted: evidence sentence")


@dataclass
class Filters:
    markers: list[str]
    speakers: list[str]
    min_confidence: float
    marked_only: bool
    per_page: int


def ensure_focus_state(session: Session) -> None:
    """Reset the focus when another session is opened."""
    if st.session_state.get(FOCUS_SESSION) != session.id:
        st.session_state[FOCUS_SESSION] = session.id
        st.session_state[FOCUS] = None
        st.session_state[ANCHOR] = 0


def set_focus(index: int | None) -> None:
    """Focus a turn and scroll the window to it (usable as a widget callback)."""
    if index is None:
        return
    st.session_state[FOCUS] = int(index)
    st.session_state[ANCHOR] = max(0, int(index) - CONTEXT)


def focused() -> int | None:
    value = st.session_state.get(FOCUS)
    return None if value is None else int(value)


def filters(session: Session) -> Filters:
    """The filter row above the transcript."""
    cols = st.columns([3, 3, 2, 1.4, 1.2])
    markers = cols[0].multiselect("Markers", list(LABELS), format_func=label_name,
                                  key="flt_markers", placeholder="all turns")
    speakers = cols[1].multiselect("Speakers", list(session.speakers), key="flt_speakers",
                                   placeholder="everyone")
    min_conf = cols[2].slider("Minimum confidence", 0.0, 1.0, 0.0, 0.05, key="flt_conf",
                              help="Hide model markers below this probability. Reviewer "
                                   "decisions are always shown.")
    marked_only = cols[3].toggle("Marked turns only", key="flt_marked")
    per_page = cols[4].selectbox("Turns shown", (10, 20, 50), index=1, key="flt_per_page")
    return Filters(markers, speakers, min_conf, marked_only, int(per_page))


def window(indices: list[int], anchor: int, per_page: int) -> tuple[list[int], int]:
    """The turns to show from ``anchor`` on, and their position in ``indices``."""
    pos = bisect_left(indices, anchor)
    pos = max(0, min(pos, len(indices) - per_page))
    return indices[pos:pos + per_page], pos


def _move(indices: list[int], pos: int) -> None:
    if indices:
        st.session_state[ANCHOR] = indices[max(0, min(pos, len(indices) - 1))]


def chip(state: LabelState) -> str:
    """One marker chip (markdown badge; only fixed label names inside)."""
    name = label_name(state.label)
    prob = f" {state.probability:.2f}" if state.probability is not None else ""
    color = LABEL_COLORS[state.label]
    icon = {"confirmed": ":material/check: ", "added": ":material/add: ",
            "rejected": ":material/close: ", "relabelled": ":material/arrow_forward: "
            }.get(state.status, "")
    if state.status in ("rejected", "relabelled"):
        color = "gray"
    return f":{color}-badge[{icon}{name}{prob}]"


def chips(state: UtteranceReview, min_confidence: float = 0.0) -> str:
    shown = []
    for lb in LABELS:
        ls = state.labels.get(lb)
        if ls is None:
            continue
        if ls.status == "pending" and (ls.probability or 0.0) < min_confidence:
            continue
        shown.append(chip(ls))
    if state.comments:
        shown.append(f":gray-badge[:material/comment: {len(state.comments)}]")
    if state.stale:
        shown.append(":red-badge[text changed since review]")
    return " ".join(shown)


def text_md(utt: Utterance, marked: bool) -> str:
    """The turn's text, escaped, with its evidence sentence highlighted."""
    span = evidence_span(utt, marked)
    if span is None:
        return md_escape(utt.text)
    a, b = span
    inner = md_escape(" ".join(utt.text[a:b].split()))
    return f"{md_escape(utt.text[:a])} :orange-background[{inner}] {md_escape(utt.text[b:])}"


def turn_header(session: Session, utt: Utterance, colors: dict[str, str]) -> str:
    when = f" · {clock(utt.start)}" if utt.start is not None else ""
    return f"{speaker_md(session, utt.speaker, colors)} · {utt.role}{when} · #{utt.index}"


def render_turn(session: Session, utt: Utterance, state: UtteranceReview,
                colors: dict[str, str], min_confidence: float, is_focus: bool) -> None:
    with st.container(border=True, key=f"turn-{utt.index}"):
        head, action = st.columns([4, 1.2], vertical_alignment="center")
        badge = " :primary-badge[:material/rate_review: in review]" if is_focus else ""
        head.markdown(turn_header(session, utt, colors) + badge)
        action.button("Review", key=f"focus-{utt.index}", on_click=set_focus,
                      args=(utt.index,), type="tertiary", icon=":material/rate_review:",
                      disabled=is_focus)
        shown = visible_labels(state, min_confidence)
        st.markdown(text_md(utt, bool(shown)))
        line = chips(state, min_confidence)
        if line:
            st.markdown(line)


def render(session: Session, state: dict[int, UtteranceReview], flt: Filters,
           indices: list[int], colors: dict[str, str]) -> None:
    """The window of turns with paging controls."""
    if not indices:
        st.info("No turn matches the filters.")
        return
    shown, pos = window(indices, int(st.session_state.get(ANCHOR, 0)), flt.per_page)
    focus = focused()
    top = st.columns([1, 1, 3], vertical_alignment="center")
    top[0].button("Earlier", key="win-prev", on_click=_move, args=(indices, pos - flt.per_page),
                  disabled=pos == 0, icon=":material/arrow_upward:", width="stretch")
    top[1].button("Later", key="win-next", on_click=_move, args=(indices, pos + flt.per_page),
                  disabled=pos + flt.per_page >= len(indices), icon=":material/arrow_downward:",
                  width="stretch")
    top[2].caption(f"Turns {pos + 1}–{pos + len(shown)} of {len(indices)} shown "
                   f"({len(session.utterances)} in the session)")
    with st.container(height=720, key="transcript-pane"):
        for i in shown:
            render_turn(session, session.utterances[i], state[i], colors, flt.min_confidence,
                        i == focus)
    st.caption(LEGEND)
