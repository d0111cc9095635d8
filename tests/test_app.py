"""The app's frame, the session library and the Add a session page (AppTest, temporary db)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer.pipeline import analyze_paths
from analyzer.storage import Store
from tests.conftest import EXAMPLES
from tests.ui.apptest import make_store, open_app, rerun, text
from tests.ui.sessions import tagged_session

TRANSCRIPT = b"""Therapist: Welcome back. How did the week go?
Client: Not great. <script>alert(1)</script> I skipped the homework.
Therapist: Thanks for telling me. What got in the way?
Client: I just didn't see the point of it.
"""


@pytest.fixture
def store(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    return make_store(db_url, tmp_path, monkeypatch)


@pytest.fixture
def library(store: Store) -> Store:
    analyze_paths([EXAMPLES], store=store)
    store.save(tagged_session("s1", metadata={"date": "2026-03-01"}))
    return store


def test_library_lists_sessions_with_counts_and_alliance_index(library: Store) -> None:
    at = open_app()
    assert os.environ["ALLIANCE_DB"] == library.url
    assert at.title[0].value == "Session library"
    table = at.dataframe[0].value
    assert set(table["session"]) == {"s1", "couples-telehealth", "example-cbt-homework",
                                     "intake-whisperx"}
    row = table.set_index("session").loc["s1"]
    assert row["confrontation"] == 2 and row["collaboration"] == 4
    assert row["alliance_index"] == pytest.approx(
        tagged_session().summary["profile"]["alliance_index"])
    assert row["consent"] == "supervision" and row["therapist"] == "Therapist"
    assert row["client"] == "Client" and row["duration"] == "0:00:59"
    untagged = table.set_index("session").loc["couples-telehealth"]
    assert untagged["therapist"] == "Therapist" and untagged["client"] == "Priya, Marcus"
    assert untagged.isna()["goal_agreement"]  # not tagged: shown as "–", not as 0


def test_library_search_filter_sort_and_open(library: Store) -> None:
    at = open_app()
    at.text_input(key="lib_query").input("priya")
    rerun(at)
    assert list(at.dataframe[0].value["session"]) == ["couples-telehealth"]
    at.text_input(key="lib_query").input("")
    at.multiselect(key="lib_consent").set_value(["self-review"])
    rerun(at)
    assert list(at.dataframe[0].value["session"]) == ["intake-whisperx"]
    at.multiselect(key="lib_consent").set_value([])
    at.toggle(key="lib_tagged").set_value(True)
    rerun(at)
    assert list(at.dataframe[0].value["session"]) == ["s1"]
    at.toggle(key="lib_tagged").set_value(False)
    at.selectbox(key="lib_sort").set_value("utterances")
    at.toggle(key="lib_desc").set_value(False)
    rerun(at)
    assert list(at.dataframe[0].value["utterances"]) == [12, 12, 15, 40]
    at.selectbox(key="library_pick").set_value("couples-telehealth")
    at.button(key="lib-open").click()
    rerun(at)
    assert at.title[0].value == "Session couples-telehealth"
    assert at.selectbox(key="session").value == "couples-telehealth"
    assert at.query_params["session"] == "couples-telehealth"


def test_app_empty_database(store: Store) -> None:
    at = open_app()
    assert "No sessions stored yet" in at.info[0].value
    at.button(key="lib-add-empty").click()
    rerun(at)
    assert at.title[0].value == "Add a session"


def test_deep_link_opens_the_session(library: Store) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.ui.apptest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["session"] = "s1"
    at.session_state["_goto"] = "review"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Session s1"


def test_delete_removes_the_session_and_its_reviews(library: Store) -> None:
    library.add_review("s1", 1, "alice", "reject", label="withdrawal")
    at = open_app()
    at.selectbox(key="library_pick").set_value("s1")
    at.button(key="lib-delete").click()
    rerun(at)
    assert "s1" not in set(at.dataframe[0].value["session"])
    assert library.load("s1") is None and library.reviews("s1") == []
    assert "Deleted session s1" in at.success[0].value


def test_transcript_text_is_rendered_escaped(store: Store) -> None:
    store.save(tagged_session("s1"))
    at = open_app("review", "s1")
    hits = [m for m in at.markdown if "script" in m.value]
    assert hits, "the transcript turn with the script tag is shown"
    for m in hits:
        assert "<script>" not in m.value
        assert r"\<script\>alert\(1\)\<\/script\>" in m.value  # renders as the literal text
        assert not m.proto.allow_html
    assert not any("script" in h.value for h in at.get("html"))


def test_add_session_upload_consent_roles_and_analysis(store: Store) -> None:
    at = open_app("add")
    at.file_uploader(key="upload_file").upload("../../etc/week 3.txt", TRANSCRIPT, "text/plain")
    rerun(at)
    assert at.metric[0].value == "4"  # utterances
    roles = {at.selectbox(key=f"role-{i}").value for i in range(2)}
    assert roles == {"therapist", "client"}  # pre-filled from the speaker labels
    assert "\\<script\\>" in text(at)  # the preview is escaped too
    at.text_input(key="consent_by").input("Dr. Supervisor")
    at.selectbox(key="consent_scope").set_value("research")
    at.button(key="FormSubmitter:add_session_form-Analyse and save").click()
    rerun(at)
    assert "Tick the consent attestation" in at.error[0].value
    assert store.count() == 0  # nothing stored without the attestation
    at.checkbox(key="consent_ok").check()
    at.button(key="FormSubmitter:add_session_form-Analyse and save").click()
    rerun(at)
    assert not at.error, [e.value for e in at.error]
    assert "Saved as session week-3" in at.success[0].value
    saved = store.load("week-3")
    assert saved is not None and saved.consent is not None
    assert (saved.consent.scope, saved.consent.source) == ("research", "app")
    assert saved.consent.attested_by == "Dr. Supervisor"
    assert saved.source and saved.source.startswith("upload:week 3.txt#")
    assert all(u.sentences for u in saved.utterances)  # the pipeline ran
    at.button(key="add-open").click()
    rerun(at)
    assert at.title[0].value == "Session week-3"


def test_add_session_speaker_roles_are_editable(store: Store) -> None:
    at = open_app("add")
    at.file_uploader(key="upload_file").upload("pair.txt", b"Ana: Hello, what brings you?\n"
                                               b"Ben: My sleep.\nAna: Tell me more?\n"
                                               b"Ben: It is bad.\n", "text/plain")
    rerun(at)
    assert at.selectbox(key="role-0").value == "therapist"  # the heuristic's guess
    at.selectbox(key="role-0").set_value("client")
    at.selectbox(key="role-1").set_value("therapist")
    at.checkbox(key="consent_ok").check()
    at.button(key="FormSubmitter:add_session_form-Analyse and save").click()
    rerun(at)
    saved = store.load("pair")
    assert saved is not None
    assert saved.speakers == {"Ana": "client", "Ben": "therapist"}
    assert not saved.roles_inferred


def test_add_session_refuses_oversized_and_unreadable_files(store: Store) -> None:
    at = open_app("add")
    at.file_uploader(key="upload_file").upload("big.txt", b"T: hi\n" * (21 * 1024 * 1024 // 6))
    rerun(at)
    assert "uploads are limited to 20 MB" in at.error[0].value
    at.file_uploader(key="upload_file").clear().upload("empty.txt", b"   \n")
    rerun(at)
    assert at.error and "empty.txt" in at.error[0].value
    assert store.count() == 0
