from __future__ import annotations

import json
from pathlib import Path

from analyzer.readers import read_path
from training.check import near_duplicates, rule_problems
from training.corpus import parse_subtypes


def _write(tmp_path: Path, utterances: list[dict]) -> Path:
    doc = {"id": "syn-t-001", "metadata": {"author": "test"},
           "speakers": {"T": "therapist", "C": "client"}, "utterances": utterances}
    path = tmp_path / "syn-t-001.json"
    path.write_text(json.dumps(doc))
    return path


def test_role_and_subtype_rules(tmp_path: Path) -> None:
    path = _write(tmp_path, [
        {"speaker": "T", "text": "You never listen.", "labels": ["confrontation"],
         "subtypes": {"confrontation": "complaint_about_therapist"}},
        {"speaker": "C", "text": "Sorry.", "labels": ["repair"],
         "subtypes": {"repair": "validating"}},
        {"speaker": "C", "text": "Let's try it.", "labels": ["collaboration"],
         "subtypes": {"collaboration": "made_up"}},
        {"speaker": "T", "text": "Shall we?", "labels": ["collaboration"], "subtypes": {}},
        {"speaker": "C", "text": "Okay, I'll do the diary.", "labels": ["collaboration"],
         "subtypes": {"collaboration": "agrees_to_task"}},
    ])
    problems = rule_problems(read_path(path))
    assert any("confrontation on a therapist turn" in p for p in problems)
    assert any("repair on a client turn" in p for p in problems)
    assert any("unknown subtype collaboration:made_up" in p for p in problems)
    assert any("collaboration has no subtype" in p for p in problems)
    assert not any("utterance 4" in p for p in problems)


def test_near_duplicates_ignore_short_utterances() -> None:
    texts = ["Same time next week, then?", "Same time next week, then.", "Okay.", "Okay.",
             "I walked the dog along the canal this morning.",
             "My sister phoned about the wedding plans again."]
    rate, examples = near_duplicates(texts)
    assert rate == 2 / 4
    assert examples and examples[0][0] == "same time next week then"


def test_parse_subtypes() -> None:
    assert parse_subtypes("withdrawal:denial;repair:validating") == {
        "withdrawal": "denial", "repair": "validating"}
    assert parse_subtypes("") == {}
