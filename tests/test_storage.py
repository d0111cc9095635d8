from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from analyzer.session import Annotation
from analyzer.storage import Store
from tests.conftest import make_session


def test_round_trip(db_url: str) -> None:
    store = Store(db_url)
    s = make_session([("Therapist", "Shall we?"), ("Client", "Okay, let's.")])
    s.utterances[1].annotations.append(
        Annotation(label="collaboration", probability=0.9, origin="model"))
    s.utterances[1].sentences = [(0, 12)]
    store.save(s)
    back = store.load("s1")
    assert back is not None
    assert back.utterances == s.utterances
    assert back.consent == s.consent
    assert store.count() == 1


def test_reanalysing_a_source_updates_instead_of_duplicating(db_url: str) -> None:
    store = Store(db_url)
    store.save(make_session([("Therapist", "v1")], source="/data/a.txt"))
    store.save(make_session([("Therapist", "v2"), ("Client", "new")], source="/data/a.txt"))
    assert store.count() == 1
    back = store.load("s1")
    assert back is not None and [u.text for u in back.utterances] == ["v2", "new"]


def test_same_id_from_another_source_does_not_overwrite(db_url: str) -> None:
    store = Store(db_url)
    store.save(make_session([("Therapist", "first")], source="/a/intake.txt"))
    second = store.save(make_session([("Therapist", "second")], source="/b/intake.txt"))
    assert second != "s1" and second.startswith("s1-")
    assert store.count() == 2


def test_one_transaction_failure_leaves_nothing(db_url: str) -> None:
    store = Store(db_url)
    s = make_session([("Therapist", "a"), ("Client", "b")])
    s.utterances[1].index = 0  # duplicate index violates a constraint mid-write
    with pytest.raises(IntegrityError):
        store.save(s)
    assert store.count() == 0
    assert store.list_sessions() == []


def test_failed_update_keeps_the_previous_version(db_url: str) -> None:
    store = Store(db_url)
    store.save(make_session([("Therapist", "good")]))
    bad = make_session([("Therapist", "x"), ("Client", "y")])
    bad.utterances[1].index = 0
    with pytest.raises(IntegrityError):
        store.save(bad)
    back = store.load("s1")
    assert back is not None and [u.text for u in back.utterances] == ["good"]


def test_sqlite_file_is_private(tmp_path: Path) -> None:
    Store(f"sqlite:///{tmp_path / 'private.db'}")
    mode = stat.S_IMODE((tmp_path / "private.db").stat().st_mode)
    assert mode == 0o600


def test_delete(db_url: str) -> None:
    store = Store(db_url)
    store.save(make_session([("Therapist", "a")]))
    assert store.delete("s1") and store.count() == 0
    assert not store.delete("s1")


@pytest.mark.skipif(not os.environ.get("ALLIANCE_TEST_POSTGRES"),
                    reason="set ALLIANCE_TEST_POSTGRES=postgresql+psycopg://... to run")
def test_postgresql_round_trip_and_update() -> None:
    store = Store(os.environ["ALLIANCE_TEST_POSTGRES"])
    s = make_session([("Therapist", "v1")], session_id="pg-test", source="/pg/a.txt")
    store.save(s)
    store.save(make_session([("Therapist", "v2")], session_id="pg-test", source="/pg/a.txt"))
    back = store.load("pg-test")
    assert back is not None and back.utterances[0].text == "v2"
    assert store.delete("pg-test")
