"""Helpers shared by the app's pages: the store, the tagger, navigation, safe text.

Safety rule for every page: transcript text (utterances, speaker names, comments, file
names) is only ever shown through ``md_escape`` in ``st.markdown`` — which never gets
``unsafe_allow_html`` — or as plain data in tables, so a transcript can neither inject HTML
nor trigger Streamlit's markdown extensions (colours, icons, LaTeX, links).
"""

from __future__ import annotations

import getpass
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from analyzer.labels import LABELS
from analyzer.render import clock
from analyzer.session import Session
from analyzer.storage import Store, default_db_url

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent.parent

#: Page name -> st.Page, filled by ``analyzer.ui.main`` before a page runs.
PAGES: dict[str, Any] = {}

#: Streamlit markdown colours for the marker chips (close to the timeline's lane colours).
LABEL_COLORS = {"goal_agreement": "green", "collaboration": "blue", "withdrawal": "violet",
                "confrontation": "orange", "repair": "red"}
CLIENT_COLORS = ("orange", "violet", "green", "red")

_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character


def md_escape(text: str) -> str:
    """Text for ``st.markdown`` that renders exactly as written.

    Every ASCII punctuation character is backslash-escaped (CommonMark renders ``\\X`` as a
    literal X), so no HTML tag, markdown syntax, Streamlit directive (``:red[...]``,
    ``:material/...:``) or ``$`` math can form; line starts are stripped of indentation (no
    code blocks) and newlines become hard line breaks.
    """
    lines = [_MD_SPECIAL.sub(r"\\\1", line.strip()) for line in text.splitlines()]
    return "  \n".join(lines)


def label_name(label: str) -> str:
    return label.replace("_", " ")


def store() -> Store:
    """The app's store on ``$ALLIANCE_DB`` (or the default database)."""
    return _store(default_db_url())


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store(url)


def model_dir() -> Path:
    """Where the tagger model is looked for (as ``analyzer.tagger.load_default_tagger``)."""
    return Path(os.environ.get("ALLIANCE_MODEL", ROOT / "models" / "alliance-tagger"))


def model_installed() -> bool:
    return (model_dir() / "config.json").is_file()


def get_tagger() -> Any:
    """The installed tagger (loaded once per process), or None.

    ``load_default_tagger`` caches its answer; a None is forgotten again so a model
    installed while the app runs is picked up by the next analysis.
    """
    if not model_installed():
        return None
    from analyzer.tagger import load_default_tagger

    tagger = load_default_tagger()
    if tagger is None:
        load_default_tagger.cache_clear()
    return tagger


# -- navigation and the current session ------------------------------------------------------
def go(page: str, session_id: str | None = None, pick_key: str | None = None) -> None:
    """Widget callback: open ``page`` (a key of PAGES), optionally on a session.

    The session is ``session_id``, or the value of the widget ``pick_key`` at click time
    (read then, so a choice made just before the click is never lost).
    """
    if pick_key is not None:
        session_id = st.session_state.get(pick_key) or session_id
    if session_id is not None:
        st.session_state["session"] = session_id
    st.session_state["_goto"] = page


def nav_button(label: str, page: str, session_id: str | None = None, *, key: str,
               icon: str | None = None, primary: bool = False,
               pick_key: str | None = None) -> None:
    """A button that opens ``page`` (see ``go``)."""
    st.button(label, key=key, on_click=go, args=(page, session_id, pick_key), icon=icon,
              type="primary" if primary else "secondary")


def load_session(st_store: Store, session_id: str) -> Session | None:
    """A stored session, cached per saved version (a copy each call, safe to change)."""
    version = st_store.updated_at(session_id)
    return None if version is None else _load(st_store.url, session_id, version)


@st.cache_data(max_entries=16, show_spinner=False)
def _load(url: str, session_id: str, version: str) -> Session | None:
    return _store(url).load(session_id)


def current_session(st_store: Store) -> Session | None:
    """The session picked in the sidebar, or None (with a message saying what to do)."""
    session_id = st.session_state.get("session")
    if not session_id:
        st.info("No session selected. Pick one in the sidebar or the session library.")
        nav_button("Go to the session library", "library", key="to-library")
        return None
    session = load_session(st_store, session_id)
    if session is None:
        st.warning(f"Session {session_id!r} is no longer in the database.")
        return None
    from analyzer.ui import auth

    if not auth.allowed(session, "view"):
        st.warning("Your account may not view this session.")
        return None
    return auth.as_viewed(session)


def reviewer() -> str:
    return str(st.session_state.get("reviewer") or "").strip()


def default_reviewer() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no user database in some containers
        return ""


def flash(message: str, kind: str = "success") -> None:
    """Queue a message for the next run (from a callback)."""
    st.session_state.setdefault("_flash", []).append((kind, message))


def show_flash() -> None:
    for kind, message in st.session_state.pop("_flash", []):
        show = {"success": st.success, "error": st.error, "warning": st.warning}
        show.get(kind, st.info)(message)


def guarded(fn: Callable[..., Any]) -> Callable[..., None]:
    """Wrap a callback so an input error becomes a flash message instead of a traceback."""
    from analyzer.errors import AllianceInputError

    def run(*args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except AllianceInputError as exc:
            flash(str(exc), "error")

    return run


# -- session display ---------------------------------------------------------------------------
def speaker_colors(session: Session) -> dict[str, str]:
    """A markdown colour per speaker: therapists blue, clients in turn, others gray."""
    colors: dict[str, str] = {}
    n = 0
    for speaker, role in session.speakers.items():
        if role == "therapist":
            colors[speaker] = "blue"
        elif role == "client":
            colors[speaker] = CLIENT_COLORS[n % len(CLIENT_COLORS)]
            n += 1
        else:
            colors[speaker] = "gray"
    return colors


def speaker_md(session: Session, speaker: str, colors: dict[str, str] | None = None) -> str:
    color = (colors or speaker_colors(session)).get(speaker, "gray")
    return f":{color}[**{md_escape(speaker)}**]"


def session_caption(session: Session) -> str:
    """One line: who, consent, length, model — escaped."""
    therapists = [s for s, r in session.speakers.items() if r == "therapist"]
    clients = [s for s, r in session.speakers.items() if r == "client"]
    consent = session.consent.scope if session.consent else "no consent record"
    model = (f"{session.analysis.model_name} {session.analysis.model_version}"
             if session.analysis and session.analysis.model_version else "not tagged")
    parts = [f"therapist {', '.join(therapists) or '?'}", f"client {', '.join(clients) or '?'}",
             f"consent: {consent}", f"{len(session.utterances)} utterances",
             clock(session.duration), f"model: {model}"]
    return md_escape(" · ".join(parts))


def labels_md(labels: list[str]) -> str:
    return " ".join(f":{LABEL_COLORS[lb]}-badge[{label_name(lb)}]" for lb in labels
                    if lb in LABELS) or "–"
