from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.pipeline import AnalyzeOptions, analyze_paths
from analyzer.storage import Store
from tests.conftest import EXAMPLES, write


def test_examples_analyse_and_store(db_url: str) -> None:
    store = Store(db_url)
    result = analyze_paths([EXAMPLES], store=store)
    assert result.ok, result.failures
    assert {s.id for s in result.sessions} == {
        "example-cbt-homework", "couples-telehealth", "intake-whisperx"}
    assert store.count() == 3
    couples = store.load("couples-telehealth")
    assert couples is not None
    assert couples.speakers == {"Therapist": "therapist", "Priya": "client", "Marcus": "client"}
    assert all(u.sentences for u in couples.utterances)
    # no tagger installed in this test: scores and labels stay empty, never keyword-filled
    assert all(not u.scores and not u.annotations for u in couples.utterances)
    assert couples.summary["tagged"] is False


def test_bad_file_does_not_stop_the_others(tmp_path: Path, db_url: str) -> None:
    good = write(tmp_path / "good.txt", "T: Hello.\nC: Hi.\n")
    bad = write(tmp_path / "bad.vtt", "WEBVTT\n\n00:00:0x.000 --> 00:00:02.000\nA: hi\n")
    store = Store(db_url)
    result = analyze_paths([bad, good, tmp_path / "missing.txt"],
                           AnalyzeOptions(consent_scope="research"), store=store)
    assert [s.id for s in result.sessions] == ["good"]
    assert len(result.failures) == 2
    assert store.count() == 1


def test_no_consent_stores_nothing(tmp_path: Path, db_url: str) -> None:
    store = Store(db_url)
    result = analyze_paths([write(tmp_path / "s.txt", "T: Hello.\nC: Hi.\n")], store=store)
    assert not result.sessions and "no consent record" in result.failures[0].error
    assert store.count() == 0


def test_a_20000_word_turn_goes_through_the_whole_pipeline(tmp_path: Path, db_url: str) -> None:
    long_turn = " ".join(f"Then on day {i} I went back to the office and it felt heavy."
                         for i in range(1600))
    path = write(tmp_path / "long.txt", f"Therapist: Tell me.\nClient: {long_turn}\n")
    result = analyze_paths([path], AnalyzeOptions(consent_scope="research"), store=Store(db_url))
    assert result.ok, result.failures
    client = result.sessions[0].utterances[1]
    assert len(client.text.split()) > 20_000
    assert len(client.sentences) >= 1600
    assert client.sentences[-1][1] <= len(client.text)


@pytest.mark.slow
def test_score_api_returns_one_row_per_utterance(tmp_path: Path, tagger) -> None:
    from analyzer import score
    from tests.conftest import make_session

    path = write(tmp_path / "s.txt", "T: Shall we plan the week?\nC: Yes, let's do that.\n")
    frame = score([path, make_session([("Therapist", "Hi."), ("Client", "Hello.")], "mem")],
                  consent="research", tagger=tagger)
    assert len(frame) == 4
    assert set(frame.session_id) == {"s", "mem"}
    assert {"p_collaboration", "labels", "text"} <= set(frame.columns)
