from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.errors import MalformedTranscriptError, NoSpeakersError
from analyzer.readers import read_path
from analyzer.render import to_contract
from tests.conftest import make_session, write

WHISPER = {
    "segments": [
        {"start": 0.0, "end": 2.0, "speaker": "SPEAKER_00", "text": " What brings you in?"},
        {"start": 2.5, "end": 4.0, "speaker": "SPEAKER_01", "text": " My sleep."},
        {"start": 4.0, "end": 5.0, "speaker": "SPEAKER_01", "text": " And work."},
    ]
}


def test_whisperx_segments(tmp_path: Path) -> None:
    (session,) = read_path(write(tmp_path / "w.json", json.dumps(WHISPER)))
    assert [u.text for u in session.utterances] == ["What brings you in?", "My sleep. And work."]
    assert session.utterances[1].end == 5.0


def test_whisper_without_speakers(tmp_path: Path) -> None:
    doc = {"segments": [{"start": 0, "end": 1, "text": "hi"}]}
    with pytest.raises(NoSpeakersError, match="diarisation"):
        read_path(write(tmp_path / "w.json", json.dumps(doc)))


def test_truncated_json(tmp_path: Path) -> None:
    text = json.dumps(WHISPER)[:-20]
    with pytest.raises(MalformedTranscriptError, match="truncated JSON at line 1"):
        read_path(write(tmp_path / "w.json", text))


def test_wrong_schema_json(tmp_path: Path) -> None:
    with pytest.raises(MalformedTranscriptError, match="unrecognised JSON"):
        read_path(write(tmp_path / "w.json", json.dumps({"words": []})))
    bad = {"utterances": [{"speaker": "T", "text": "hi", "start": "soon"}]}
    with pytest.raises(MalformedTranscriptError, match="session schema"):
        read_path(write(tmp_path / "x.json", json.dumps(bad)))


def test_contract_round_trip(tmp_path: Path) -> None:
    s1 = make_session([("Therapist", "Hi."), ("Client", "Hello.")], "one")
    s2 = make_session([("Therapist", "Welcome."), ("Client", "Thanks.")], "two")
    path = write(tmp_path / "out.json", json.dumps(to_contract([s1, s2])))
    back = read_path(path)
    assert [s.id for s in back] == ["one", "two"]
    assert back[0].consent is not None and back[0].consent.scope == "supervision"
    assert back[1].utterances[1].text == "Thanks."
    assert back[1].utterances[1].role == "client"


def test_session_dump_round_trip(tmp_path: Path) -> None:
    s = make_session([("Therapist", "Hi."), ("Client", "Hello.")], "dumped")
    (back,) = read_path(write(tmp_path / "d.json", s.model_dump_json()))
    assert back.id == "dumped"
    assert back.utterances == s.utterances


def test_corpus_labels_become_reviewer_annotations(tmp_path: Path) -> None:
    doc = {
        "id": "syn-x-001", "metadata": {"author": "helper-x"},
        "speakers": {"T": "therapist", "C": "client"},
        "utterances": [
            {"speaker": "T", "text": "Shall we try it?", "labels": ["collaboration"],
             "subtypes": {"collaboration": "asks_permission"}},
            {"speaker": "C", "text": "Whatever.", "labels": ["withdrawal"],
             "subtypes": {"withdrawal": "minimal_response"}},
        ],
    }
    (s,) = read_path(write(tmp_path / "c.json", json.dumps(doc)))
    ann = s.utterances[1].annotations[0]
    assert (ann.label, ann.origin, ann.subtype, ann.annotator) == (
        "withdrawal", "reviewer", "minimal_response", "helper-x")
    assert s.utterances[1].labels("reviewer") == ["withdrawal"]
    assert s.utterances[1].labels("model") == []
