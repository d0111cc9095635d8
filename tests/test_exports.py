"""Exports: reviewed CSV, corpus JSON/JSONL (round trip through the JSON reader), HTML."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from analyzer import exports
from analyzer.agreement import read_annotations
from analyzer.readers import read_path
from analyzer.review import review_state
from analyzer.session import Session
from analyzer.storage import Store
from tests.ui.sessions import tagged_session


@pytest.fixture
def reviewed(db_url: str) -> tuple[Session, dict]:
    store = Store(db_url)
    store.save(tagged_session("s1"))
    store.add_review("s1", 1, "alice", "reject", label="withdrawal")
    store.add_review("s1", 1, "alice", "confirm", label="confrontation",
                     subtype="rejecting_intervention")
    store.add_review("s1", 0, "bob", "add", label="goal_agreement", subtype="checks_goal")
    store.add_review("s1", 0, "bob", "comment", comment="nice, a clear check-in")
    session = store.load("s1")
    assert session is not None
    return session, review_state(session, store.reviews("s1"))


def test_csv_has_model_and_reviewed_labels(reviewed: tuple[Session, dict],
                                           tmp_path: Path) -> None:
    session, state = reviewed
    text = exports.reviewed_csv([(session, state)])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 12 and list(rows[0]) == list(exports.CSV_COLUMNS)
    assert rows[1]["model_labels"] == "withdrawal;confrontation"
    assert rows[1]["labels"] == "confrontation"
    assert rows[1]["subtypes"] == "confrontation:rejecting_intervention"
    assert rows[1]["reviewed"] == "True" and rows[1]["changed"] == "True"
    assert rows[0]["labels"] == "goal_agreement" and "bob: nice" in rows[0]["comments"]
    assert rows[2]["labels"] == "repair" and rows[2]["reviewed"] == "False"
    assert rows[1]["text"].startswith("I didn't do it. <script>")  # data, unchanged
    none = list(csv.DictReader(io.StringIO(exports.reviewed_csv([(session, state)], "none"))))
    assert none[2]["labels"] == ""
    path = tmp_path / "reviewed.csv"
    path.write_text(text, encoding="utf-8")
    assert read_annotations(path)[("s1", "1")] == ("confrontation",)  # `alliance agreement`


def test_corpus_json_round_trips_as_reviewer_annotations(reviewed: tuple[Session, dict],
                                                         tmp_path: Path) -> None:
    session, state = reviewed
    doc = exports.corpus_session(session, state)
    assert doc["metadata"]["review"]["reviewed_utterances"] == [0, 1]
    assert doc["metadata"]["author"] == "alice, bob"
    first = doc["utterances"][1]
    assert first["labels"] == ["confrontation"]
    assert first["subtypes"] == {"confrontation": "rejecting_intervention"}
    path = tmp_path / "s1.json"
    path.write_text(exports.corpus_json(session, state), encoding="utf-8")
    (back,) = read_path(path)
    assert back.utterances[1].labels("reviewer") == ["confrontation"]
    assert back.utterances[1].annotations[0].subtype == "rejecting_intervention"
    assert back.utterances[0].labels("reviewer") == ["goal_agreement"]
    assert back.speakers == session.speakers and back.consent == session.consent
    assert exports.missing_subtypes([(session, state)]) == []


def test_jsonl_one_session_per_line(reviewed: tuple[Session, dict]) -> None:
    session, state = reviewed
    other = tagged_session("s2")
    lines = exports.corpus_jsonl([(session, state), (other, review_state(other, []))],
                                 unreviewed="none").splitlines()
    docs = [json.loads(line) for line in lines]
    assert [d["id"] for d in docs] == ["s1", "s2"]
    assert docs[1]["utterances"][2]["labels"] == []  # unreviewed: left unlabelled
    assert docs[0]["utterances"][2]["labels"] == []
    assert docs[0]["utterances"][1]["labels"] == ["confrontation"]


def test_missing_subtypes() -> None:
    session = tagged_session()
    log = [{"pk": 1, "utterance_index": 3, "reviewer": "a", "created_at": "t",
            "action": "confirm", "label": "collaboration", "model_output": {}}]
    assert exports.missing_subtypes([(session, review_state(session, log))]) == [
        ("s1", 3, "collaboration")]


@pytest.mark.slow
def test_html_report_is_escaped(reviewed: tuple[Session, dict]) -> None:
    html = exports.report_html(reviewed[0])
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
