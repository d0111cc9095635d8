"""Fixtures for the app tests in this folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.storage import Store
from tests.ui.apptest import make_store


@pytest.fixture
def store(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    return make_store(db_url, tmp_path, monkeypatch)
