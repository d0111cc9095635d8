from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analyzer.pipeline import analyze_paths
from analyzer.storage import Store
from tests.conftest import EXAMPLES

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def stored_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    analyze_paths([EXAMPLES], store=Store(db_url))
    monkeypatch.setenv("ALLIANCE_DB", db_url)
    return db_url


def test_app_lists_sessions_and_shows_a_transcript(stored_db: str) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert os.environ["ALLIANCE_DB"] == stored_db
    assert len(at.dataframe) == 2  # library + transcript
    at.selectbox(key="session_id").set_value("couples-telehealth").run()
    transcript = at.dataframe[1].value
    assert list(transcript["speaker"])[:3] == ["Therapist", "Priya", "Marcus"]
    assert set(transcript["role"]) == {"therapist", "client"}


def test_app_empty_database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLIANCE_DB", db_url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "No sessions stored yet" in at.info[0].value
