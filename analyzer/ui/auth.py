"""Login, access rules and audit logging for the app (accounts: ``analyzer.accounts``).

When the database has no accounts the app runs in single-user local mode (a clinician on
their own machine; ``make run``), and says so in the sidebar. As soon as an account exists
(``alliance user add``), everyone must log in, every list and page shows only the sessions
the user may see (role and consent scope, checked at each use), researchers see
de-identified text only, and every view, edit, export and deletion is written to the
append-only audit log.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from analyzer.accounts import Accounts, Purpose, User
from analyzer.errors import AllianceInputError
from analyzer.session import Session
from analyzer.ui import common


@st.cache_resource(show_spinner=False)
def _accounts(url: str) -> Accounts:
    return Accounts(common.store())


def accounts() -> Accounts:
    return _accounts(common.store().url)


def user() -> User | None:
    return st.session_state.get("user")


def actor() -> str:
    u = user()
    return u.username if u else f"local:{common.default_reviewer() or 'user'}"


def gate() -> User | None:
    """The logged-in user; shows the login form and stops the page until there is one.
    None in single-user local mode (no accounts in the database)."""
    if not accounts().users():
        return None
    if user() is not None:
        return user()
    st.title("alliance-analyzer", anchor=False)
    with st.form("login"):
        name = st.text_input("User name", key="login_user")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        found = accounts().login(name.strip(), password)
        if found is None:
            st.error("Unknown user name or wrong password.")
        else:
            st.session_state["user"] = found
            st.session_state["reviewer"] = found.username
            st.rerun()
    st.stop()
    return None  # pragma: no cover - st.stop() ends the run


def sidebar_status() -> None:
    u = user()
    if u is None:
        st.caption("Single-user local mode: no accounts. Add one with `alliance user add` "
                   "to require login.")
        return
    st.caption(f"Logged in as **{common.md_escape(u.username)}** ({u.role})")
    if st.button("Log out", key="logout"):
        audit("logout")
        for key in ("user", "reviewer", "session", "_viewed"):
            st.session_state.pop(key, None)
        st.rerun()


def allowed(session: Session | dict[str, Any], purpose: Purpose) -> bool:
    u = user()
    return True if u is None else accounts().can_access(u, session, purpose)


def visible(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored-session rows the current user may view."""
    return [r for r in rows if allowed(r, "view")]


def require(session: Session | dict[str, Any] | str, purpose: Purpose) -> None:
    """Raise an input error (shown as a message) unless the user may do ``purpose``."""
    if isinstance(session, str):
        row = next((r for r in common.store().list_sessions() if r["id"] == session), None)
        session = row or {}
    if not allowed(session, purpose):
        raise AllianceInputError(f"your account may not {purpose} this session",
                                 hint="ask an admin or the session's clinician")


def audit(action: str, session_id: str | None = None, **detail: Any) -> None:
    accounts().audit(actor(), action, session_id=session_id, detail=detail)


def as_viewed(session: Session) -> Session:
    """What the current user sees of a session: de-identified text for researchers; the
    first view of each session in a login is audited."""
    viewed: set[str] = st.session_state.setdefault("_viewed", set())
    if session.id not in viewed:
        viewed.add(session.id)
        audit("view", session.id)
    u = user()
    if u is not None and u.role == "researcher":
        return _deidentified(session.model_dump_json())
    return session


@st.cache_data(max_entries=16, show_spinner=False)
def _deidentified(session_json: str) -> Session:
    from analyzer.deidentify import deidentify

    return deidentify(Session.model_validate_json(session_json))


def audit_page() -> None:
    """Admins only: the audit log, newest first, with a CSV download."""
    import pandas as pd

    st.title("Audit log", anchor=False)
    u = user()
    if u is None or u.role != "admin":
        st.warning("Only admins can read the audit log.")
        return
    rows = accounts().audit_log()
    frame = pd.DataFrame(rows[::-1], columns=["at", "actor", "action", "session_id", "detail"])
    frame["detail"] = frame["detail"].astype(str)
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button("Download CSV", frame.to_csv(index=False), file_name="audit.csv",
                       mime="text/csv", on_click=lambda: audit("export", detail="audit log"))
