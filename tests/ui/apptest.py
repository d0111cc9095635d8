"""AppTest helpers: a temporary store without a tagger model, and opening a page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analyzer.storage import Store

APP = str(Path(__file__).resolve().parent.parent.parent / "app.py")


def make_store(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The app's database (``ALLIANCE_DB``), with no tagger model installed."""
    monkeypatch.setenv("ALLIANCE_DB", db_url)
    monkeypatch.setenv("ALLIANCE_MODEL", str(tmp_path / "no-model"))
    return Store(db_url)


def open_app(page: str = "library", session_id: str | None = None,
             reviewer: str = "alice") -> AppTest:
    """Run the app on ``page`` (a key of ``analyzer.ui.main.PAGE_SPECS``)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["reviewer"] = reviewer
    if session_id is not None:
        at.session_state["session"] = session_id
    if page != "library":
        at.session_state["_goto"] = page
    at.run()
    assert not at.exception, at.exception
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def text(at: AppTest) -> str:
    """All markdown and caption text on the page (escaped source)."""
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def messages(at: AppTest) -> str:
    return "\n".join(e.value for kind in (at.error, at.success, at.info, at.warning)
                     for e in kind)
