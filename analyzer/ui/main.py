"""The app's frame: page config, sidebar (reviewer, current session, database), navigation.

Pages are callables registered with ``st.navigation``; buttons open pages through
``common.go`` (a callback that sets ``_goto``), applied here after the pages are registered.
The current session is the sidebar's ``session`` selectbox, mirrored in the URL
(``?session=ID``) so a link opens the same session.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy.engine import make_url

from analyzer.catalog import session_date
from analyzer.ui import (
    add_session,
    auth,
    common,
    dyads,
    export,
    fixes,
    library,
    review,
    workflow,
)

#: name -> (render function, title, icon). Page icons are emoji: a page's icon becomes the
#: favicon, and a Material icon favicon would be fetched from Google's servers.
PAGE_SPECS: dict[str, tuple[Any, str, str]] = {
    "library": (library.render, "Session library", "📚"),
    "add": (add_session.render, "Add a session", "📤"),
    "review": (review.render, "Session review", "📈"),
    "workflow": (workflow.render, "Review workflow", "✅"),
    "fixes": (fixes.render, "Speaker fixes", "🗣️"),
    "dyads": (dyads.render, "Dyad trends", "📊"),
    "export": (export.render, "Export", "💾"),
}
SECTIONS = {"Sessions": ("library", "add"), "Review": ("review", "workflow", "fixes"),
            "Across sessions": ("dyads", "export")}


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an odd URL is still shown, without failing the page
        return url.split("@")[-1]


def sidebar(stored: list[dict[str, Any]], db_url: str) -> str | None:
    """Reviewer name and current session; returns the current session id."""
    st.session_state.setdefault("reviewer", common.default_reviewer())
    with st.sidebar:
        auth.sidebar_status()
        st.text_input("Reviewer", key="reviewer", disabled=auth.user() is not None,
                      help="Your name: stored with every review and speaker fix.")
        ids = [r["id"] for r in stored]
        labels = {r["id"]: f"{r['id']} · {session_date(r)}" for r in stored}
        if st.session_state.get("session") not in ids:
            st.session_state.pop("session", None)
            wanted = st.query_params.get("session")
            if wanted in ids:
                st.session_state["session"] = wanted
        current = st.selectbox("Current session", ids, key="session",
                               format_func=lambda i: labels.get(i, i),
                               index=None, placeholder="Pick a session") if ids else None
        st.caption(f"Database: `{_safe_url(db_url)}`")
        st.caption("Tagger model: installed" if common.model_installed()
                   else "Tagger model: not installed — sessions are stored untagged")
    return current


def run() -> None:
    """Build the frame and run the selected page."""
    st.set_page_config(page_title="alliance-analyzer", page_icon="🤝", layout="wide")
    store = common.store()
    user = auth.gate()
    pages = {name: st.Page(fn, title=title, icon=icon, url_path=name,
                           default=name == "library")
             for name, (fn, title, icon) in PAGE_SPECS.items()}
    common.PAGES.update(pages)
    current = sidebar(auth.visible(store.list_sessions()), store.url)
    sections = {section: [pages[n] for n in names] for section, names in SECTIONS.items()}
    if user is not None and user.role == "admin":
        pages["audit"] = st.Page(auth.audit_page, title="Audit log", icon="🧾", url_path="audit")
        common.PAGES["audit"] = pages["audit"]
        sections["Admin"] = [pages["audit"]]
    nav = st.navigation(sections)
    goto = st.session_state.pop("_goto", None)
    params = {"session": current} if current else {}
    if goto in pages:
        st.switch_page(pages[goto], query_params=params)
    if current and st.query_params.get("session") != current:
        st.query_params["session"] = current
    nav.run()
